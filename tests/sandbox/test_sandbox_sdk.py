"""The official runwayml 5.24.0 SDK, strict response validation on, against a served sandbox: the seed examples.

FakeSynth keeps it fast: the SDK only ever sees JSON (media are checked in test_sandbox_served.py).
The seed guide's text-only calls to image_to_video cannot be made with this SDK (it requires
prompt_image client-side), so they go to text_to_video here and over raw HTTP in the other tests.
"""

from __future__ import annotations

import pytest
import runwayml
from media_samples import png_bytes
from runwayml.lib import polling
from sandbox_support import FakeSynth

from runway_nb.sandbox import Engine, FaultProfile, serve

IMG, VID, AUD = "https://example.com/image.jpg", "https://example.com/performance.mp4", "https://example.com/a.mp3"
VOICE = {"type": "runway-preset", "preset_id": "Maya"}


@pytest.fixture(scope="module")
def sb():
    engine = Engine(synth=FakeSynth(), time_scale=0.0005, tier=5, credits=10**6)
    with serve(engine=engine) as sandbox:
        yield sandbox
    engine.close()


@pytest.fixture(autouse=True)
def quick_polling(monkeypatch):
    monkeypatch.setattr(polling, "POLL_TIME", 0.02)
    monkeypatch.setattr(polling, "POLL_JITTER", 0.0)


@pytest.fixture(scope="module")
def client(sb):  # one client: building one loads TLS certificates, which is slow
    with runwayml.RunwayML(base_url=sb.base_url, api_key=sb.api_key, _strict_response_validation=True) as c:
        yield c


SEED_EXAMPLES = {
    "gen4.5 image-to-video": lambda c: c.image_to_video.create(
        model="gen4.5", prompt_image=IMG, prompt_text="A timelapse on a sunny day", ratio="1280:720", duration=10),
    "gen4.5 text-to-video": lambda c: c.text_to_video.create(
        model="gen4.5", prompt_text="A serene mountain lake at sunrise", ratio="1280:720", duration=10, seed=12345),
    "gen4.5 ultra-wide": lambda c: c.image_to_video.create(
        model="gen4.5", prompt_image=IMG, prompt_text="Camera pushes in", ratio="1584:672", duration=10, seed=12345),
    "gen4_turbo": lambda c: c.image_to_video.create(
        model="gen4_turbo", prompt_image=IMG, prompt_text="Leaves rustling", ratio="1280:720", duration=5, seed=12345),
    "gen4_turbo data URI": lambda c: c.image_to_video.create(
        model="gen4_turbo", prompt_image="data:image/png;base64," + __import__("base64").b64encode(png_bytes()).decode(),
        ratio="1280:720", prompt_text="Gentle movement"),
    "aleph": lambda c: c.video_to_video.create(
        model="gen4_aleph", video_uri=VID, prompt_text="Transform to anime style", references=[{"uri": IMG}]),
    "act_two": lambda c: c.character_performance.create(
        model="act_two", character={"type": "image", "uri": IMG}, reference={"type": "video", "uri": VID}),
    "veo3.1 text": lambda c: c.text_to_video.create(model="veo3.1", prompt_text="A rocket launching at sunset"),
    "veo3.1 image": lambda c: c.image_to_video.create(
        model="veo3.1", prompt_image=IMG, prompt_text="Smooth camera movement with ambient sounds"),
    "veo3": lambda c: c.text_to_video.create(model="veo3", prompt_text="Rain", ratio="1280:720", duration=8),
    "veo3.1_fast": lambda c: c.image_to_video.create(model="veo3.1_fast", prompt_image=IMG, ratio="720:1280"),
    "gen4_image": lambda c: c.text_to_image.create(
        model="gen4_image", ratio="1920:1080", prompt_text="A beautiful mountain landscape at sunset"),
    "gen4_image tags": lambda c: c.text_to_image.create(
        model="gen4_image", ratio="1920:1080", prompt_text="@EiffelTower painted in the style of @StarryNight",
        reference_images=[{"uri": IMG, "tag": "EiffelTower"}, {"uri": IMG, "tag": "StarryNight"}]),
    "gen4_image style": lambda c: c.text_to_image.create(
        model="gen4_image", ratio="1920:1080", prompt_text="@subject at the beach",
        reference_images=[{"uri": IMG, "tag": "subject"}, {"uri": IMG}]),
    "gen4_image_turbo": lambda c: c.text_to_image.create(
        model="gen4_image_turbo", ratio="1280:720", prompt_text="A red car", reference_images=[{"uri": IMG}]),
    "gemini": lambda c: c.text_to_image.create(model="gemini_2.5_flash", ratio="1344:768", prompt_text="A fox"),
    "speech": lambda c: c.text_to_speech.create(
        model="eleven_multilingual_v2", prompt_text="Hello, welcome to RunwayML!", voice=VOICE),
    "sound": lambda c: c.sound_effect.create(
        model="eleven_text_to_sound_v2", prompt_text="Thunder rumbling in the distance, rain on a window"),
    "isolation": lambda c: c.voice_isolation.create(model="eleven_voice_isolation", audio_uri=AUD),
    "dubbing": lambda c: c.voice_dubbing.create(model="eleven_voice_dubbing", audio_uri=AUD, target_lang="es"),
    "speech-to-speech": lambda c: c.speech_to_speech.create(
        model="eleven_multilingual_sts_v2", media={"type": "audio", "uri": AUD}, voice=VOICE),
}


@pytest.mark.parametrize("name", list(SEED_EXAMPLES))
def test_seed_example(client, name):
    task = SEED_EXAMPLES[name](client).wait_for_task_output(timeout=60)
    assert task.status == "SUCCEEDED" and task.output[0].startswith("http://127.0.0.1:")
    again = client.tasks.retrieve(task.id)
    assert again.status == "SUCCEEDED"


def test_delete_then_retrieve_is_not_found(client):
    task = client.text_to_video.create(model="gen4.5", prompt_text="x", ratio="1280:720", duration=2)
    assert client.tasks.delete(task.id) is None
    with pytest.raises(runwayml.NotFoundError):
        client.tasks.retrieve(task.id)


def test_organization_and_usage(client):
    org = client.organization.retrieve()
    assert org.credit_balance > 0 and "gen4.5" in org.tier.models
    usage = client.organization.retrieve_usage()
    assert all(isinstance(u.amount, int) for r in usage.results for u in r.used_credits)


def test_upload_then_use(client):
    up = client.uploads.create_ephemeral(file=("frame.png", png_bytes()))
    task = client.image_to_video.create(model="gen4.5", prompt_image=up.uri, prompt_text="x", ratio="960:960",
                                        duration=2).wait_for_task_output(timeout=60)
    assert task.status == "SUCCEEDED"


def test_failed_task_raises_with_its_code(sb, client):
    sb.set_faults(FaultProfile(fail_rate=1.0, failure_codes=("SAFETY.OUTPUT.VIDEO",)))
    try:
        with pytest.raises(runwayml.TaskFailedError) as e:
            client.text_to_video.create(model="gen4.5", prompt_text="x", ratio="1280:720",
                                        duration=2).wait_for_task_output(timeout=60)
    finally:
        sb.set_faults("none")
    assert e.value.task_details.failure_code == "SAFETY.OUTPUT.VIDEO"


def test_sdk_retries_through_a_429_storm(sb, client):
    from runway_nb.sandbox.faults import Faults

    storm = FaultProfile(storm_rate=0.5, storm_length=2, retry_after=0.01)
    # the faults are reproducible: pick the seed whose first requests go 429, 429, then through
    seed = next(s for s in range(1000)
                if [(a.status if (a := f.on_request(False)) else 200) for f in [Faults(storm, s)] for _ in range(3)]
                == [429, 429, 200])
    sb.set_faults(storm, seed=seed)
    try:
        org = client.organization.retrieve()  # two 429s, then the third attempt gets through
    finally:
        counts = sb.engine.stats()["faults"]
        sb.set_faults("none")
    assert org.credit_balance > 0 and counts["429"] >= 2


def test_rate_limited_errors_surface_as_rate_limit_error(sb):
    sb.set_faults(FaultProfile(storm_rate=1.0, storm_length=10, retry_after=0.01))
    try:
        with runwayml.RunwayML(base_url=sb.base_url, api_key=sb.api_key, max_retries=0) as c:
            with pytest.raises(runwayml.RateLimitError):
                c.organization.retrieve()
    finally:
        sb.set_faults("none")


@pytest.mark.anyio
async def test_async_client_sees_a_server_side_cancellation(sb):
    async with runwayml.AsyncRunwayML(base_url=sb.base_url, api_key=sb.api_key,
                                      _strict_response_validation=True) as c:
        sb.set_faults(FaultProfile(throttle_rate=1.0, throttle_seconds=10**6))  # held THROTTLED: no race
        try:
            task = await c.text_to_video.create(model="gen4.5", prompt_text="x", ratio="1280:720", duration=2)
        finally:
            sb.set_faults("none")
        sb.engine.cancel_task(task.id)
        assert (await c.tasks.retrieve(task.id)).status == "CANCELLED"
        with pytest.raises(runwayml.TaskFailedError):
            await task.wait_for_task_output(timeout=30)
