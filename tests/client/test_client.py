"""RunwayML / AsyncRunwayML against the sandbox: the SDK's surface, wire names, pre-flight, money safety.

Most tests run the sandbox in-process (httpx.ASGITransport) behind a recording transport, so they see
exactly what went on the wire; the key-redaction and default-sandbox tests use real sockets.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

from runway_nb import (
    APIError,
    AsyncRunwayML,
    AuthenticationError,
    BadRequestError,
    MissingAPIKeyError,
    RateLimitError,
    RunwayML,
    TaskMayExistError,
    ValidationError,
    _loop,
    catalog,
    errors,
)
from runway_nb.client import camel, to_wire
from runway_nb.sandbox import create_app, serve
from runway_nb.sandbox.engine import Engine

KEY = "key_CLIENTtest_5f3c9e0a7b1d4c2e8f6a"
BASE = "http://127.0.0.1"
IMG, VID, AUD = "https://example.com/image.jpg", "https://example.com/clip.mp4", "https://example.com/a.mp3"
FAST = 0.002  # sandbox time scale: a 90 s task takes ~0.2 s

# Every (resource, model) pair the catalog knows, with snake_case kwargs as a user of the SDK writes them.
CASES = {
    ("image_to_video", "gen4.5"): dict(prompt_image=IMG, prompt_text="a lake at dawn", ratio="1104:832",
                                       duration=5, seed=7, content_moderation={"public_figure_threshold": "low"}),
    ("text_to_video", "gen4.5"): dict(prompt_text="a lake at dawn", ratio="720:1280", duration=3),
    ("image_to_video", "gen4_turbo"): dict(prompt_image=IMG, ratio="960:960", duration=5),
    ("image_to_video", "veo3"): dict(prompt_image=IMG, ratio="1920:1080", duration=8),
    ("text_to_video", "veo3"): dict(prompt_text="a rocket launch", ratio="1280:720", duration=8),
    ("image_to_video", "veo3.1"): dict(prompt_image=[{"uri": IMG, "position": "first"},
                                                     {"uri": IMG, "position": "last"}], duration=4, audio=True),
    ("text_to_video", "veo3.1"): dict(prompt_text="waves", ratio="720:1280", duration=6, audio=False),
    ("image_to_video", "veo3.1_fast"): dict(prompt_image=[{"uri": IMG, "position": "first"}], ratio="1280:720"),
    ("text_to_video", "veo3.1_fast"): dict(prompt_text="rain on a window", duration=4),
    ("video_to_video", "gen4_aleph"): dict(video_uri=VID, prompt_text="anime style",
                                           references=[{"type": "image", "uri": IMG}]),
    ("character_performance", "act_two"): dict(character={"type": "image", "uri": IMG},
                                               reference={"type": "video", "uri": VID}, body_control=True,
                                               expression_intensity=4, ratio="1280:720"),
    ("text_to_image", "gen4_image"): dict(prompt_text="@Cat on a sofa", ratio="1280:720",
                                          reference_images=[{"uri": IMG, "tag": "Cat"}]),
    ("text_to_image", "gen4_image_turbo"): dict(prompt_text="a cat", ratio="1024:1024",
                                                reference_images=[{"uri": IMG}]),
    ("text_to_image", "gemini_2.5_flash"): dict(prompt_text="a cat", ratio="1344:768"),
    ("text_to_speech", "eleven_multilingual_v2"): dict(prompt_text="Hello there",
                                                       voice={"type": "runway-preset", "preset_id": "Maya"}),
    ("sound_effect", "eleven_text_to_sound_v2"): dict(prompt_text="thunder", duration=2.5, loop=True),
    ("voice_isolation", "eleven_voice_isolation"): dict(audio_uri=AUD),
    ("voice_dubbing", "eleven_voice_dubbing"): dict(audio_uri=AUD, target_lang="es", num_speakers=1,
                                                    disable_voice_cloning=True, drop_background_audio=False),
    ("speech_to_speech", "eleven_multilingual_sts_v2"): dict(media={"type": "audio", "uri": AUD},
                                                             voice={"type": "runway-preset", "preset_id": "Rachel"},
                                                             remove_background_noise=True),
}


class Recorder(httpx.AsyncBaseTransport):
    """Passes requests to the sandbox and remembers them; `inject` answers or raises instead, in order."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner, self.requests, self.inject = inner, [], []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        self.requests.append(request)
        if self.inject and request.method == "POST" and request.url.path != "/v1/uploads":
            step = self.inject.pop(0)
            if isinstance(step, int):
                return httpx.Response(step, json={"error": f"injected {step}"})
            raise step("injected", request=request)
        return await self.inner.handle_async_request(request)

    def posts(self, path: str | None = None) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == "POST" and (path is None or r.url.path == path)]

    def body(self, request: httpx.Request) -> dict:
        return json.loads(request.content)


class NoMedia:
    """Stands in for sandbox/synth.py: these tests look at requests, not at the media made."""

    def __getattr__(self, name):
        return lambda *args, **kwargs: b"synthetic"


@pytest.fixture
def sandbox():
    engine = Engine(api_key=KEY, time_scale=FAST, tier=5, synth=NoMedia())
    rec = Recorder(httpx.ASGITransport(app=create_app(engine)))

    made = []

    def client(cls=RunwayML, **kw):
        kw.setdefault("api_key", KEY)
        kw.setdefault("base_url", BASE)
        made.append(cls(transport=rec, **kw))
        return made[-1]

    yield SimpleNamespace(engine=engine, rec=rec, client=client)
    for c in made:  # no poll may outlive its test (a NoSleep clock would spin the shared loop)
        if isinstance(c, RunwayML):
            c.close()
        else:
            _loop.run_sync(c.close())
    engine.close()


def _task_count(engine: Engine) -> int:
    return engine.stats()["created"]


# -- wire names -------------------------------------------------------------------------------------
def test_snake_case_becomes_camel_case_recursively():
    assert camel("prompt_text") == "promptText" and camel("promptText") == "promptText" and camel("from_") == "from"
    body = to_wire({"voice": {"type": "runway-preset", "preset_id": "Maya"},
                    "content_moderation": {"public_figure_threshold": "auto"},
                    "prompt_image": [{"uri": IMG, "position": "first"}], "start_date": dt.date(2025, 1, 2)})
    assert body == {"voice": {"type": "runway-preset", "presetId": "Maya"},
                    "contentModeration": {"publicFigureThreshold": "auto"},
                    "promptImage": [{"uri": IMG, "position": "first"}], "startDate": "2025-01-02"}


def test_every_catalog_pair_is_covered():
    pairs = {(path.rsplit("/", 1)[-1], m.id) for m in catalog.MODELS.values() for path in m.paths}
    assert set(CASES) == pairs


@pytest.mark.parametrize("resource,model", sorted(CASES))
def test_every_resource_for_every_model(sandbox, resource, model):
    client = sandbox.client()
    task = getattr(client, resource).create(model=model, **CASES[resource, model])
    assert task.id and model in getattr(client, resource).models
    (post,) = sandbox.rec.posts()
    sent = sandbox.rec.body(post)
    assert post.url.path == f"/v1/{resource}" and sent["model"] == model
    assert not any("_" in key for key in _keys(sent)), sent  # every key camelCase, however deep
    assert sandbox.engine.task(task.id) is not None and task.estimate is not None
    assert post.headers["x-runway-version"] == "2024-11-06" and post.headers["authorization"] == f"Bearer {KEY}"


def _keys(value):
    if isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from _keys(v)
    elif isinstance(value, list):
        for v in value:
            yield from _keys(v)


def test_nested_wire_names_reach_the_server(sandbox):
    client = sandbox.client()
    client.text_to_speech.create(**CASES["text_to_speech", "eleven_multilingual_v2"], model="eleven_multilingual_v2")
    client.image_to_video.create(model="gen4.5", **CASES["image_to_video", "gen4.5"])
    tts, i2v = (sandbox.rec.body(r) for r in sandbox.rec.posts())
    assert tts["voice"] == {"type": "runway-preset", "presetId": "Maya"}
    assert i2v["contentModeration"] == {"publicFigureThreshold": "low"} and i2v["promptImage"] == IMG


@pytest.mark.anyio
async def test_async_client_every_resource(sandbox):
    async with sandbox.client(AsyncRunwayML) as client:
        for (resource, model), kwargs in CASES.items():
            task = await getattr(client, resource).create(model=model, **kwargs)
            assert type(task).__name__ == "AsyncTask" and task.id
        assert _task_count(sandbox.engine) == len(CASES)
        again = await client.tasks.retrieve(task.id)
        assert again.id == task.id and again.status in ("PENDING", "THROTTLED", "RUNNING", "SUCCEEDED")
        await client.tasks.delete(task.id)


# -- routing and defaults --------------------------------------------------------------------------
def test_text_only_image_to_video_goes_to_text_to_video(sandbox):
    client = sandbox.client()
    client.image_to_video.create(model="gen4.5", prompt_text="a lake", ratio="1280:720", duration=5)
    assert [r.url.path for r in sandbox.rec.posts()] == ["/v1/text_to_video"]
    with pytest.raises(ValidationError) as info:  # gen4_turbo has no text-only mode: promptImage stays required
        client.image_to_video.create(model="gen4_turbo", prompt_text="a lake", ratio="1280:720")
    assert any(p.field == "promptImage" for p in info.value.problems) and len(sandbox.rec.posts()) == 1


def test_fields_the_guide_leaves_out_are_filled_from_the_catalog(sandbox):
    client = sandbox.client()
    client.image_to_video.create(model="veo3.1", prompt_text="a rocket at sunset")
    client.text_to_video.create(model="veo3", prompt_text="a rocket at sunset")
    client.image_to_video.create(model="gen4_turbo", prompt_image=IMG, prompt_text="gentle movement")
    veo31, veo3, turbo = (sandbox.rec.body(r) for r in sandbox.rec.posts())
    fills = {(p.name, p.default) for m in catalog.MODELS.values() for e in m.endpoints for p in e.params if p.fill}
    assert {("ratio", "1280:720"), ("duration", 8)} <= fills
    assert veo31["ratio"] == "1280:720" and "duration" not in veo31  # veo3.1 has a choice of durations
    assert veo3["ratio"] == "1280:720" and veo3["duration"] == 8
    assert turbo["ratio"] == catalog.MODELS["gen4_turbo"].endpoint("/v1/image_to_video").param("ratio").default


def test_request_options_like_the_sdk(sandbox):
    client = sandbox.client()
    client.text_to_image.create(model="gen4_image", prompt_text="a cat", ratio="1280:720", seed=None,
                                extra_headers={"X-Trace": "abc"}, extra_body={"seed": 42}, timeout=30)
    (post,) = sandbox.rec.posts()
    assert post.headers["x-trace"] == "abc" and post.extensions["timeout"]["read"] == 30
    assert sandbox.rec.body(post)["seed"] == 42  # None means "not given"; extra_body goes on the wire as is


# -- pre-flight ------------------------------------------------------------------------------------
def test_validation_raises_every_problem_before_any_request(sandbox):
    client = sandbox.client()
    with pytest.raises(ValidationError) as info:
        client.image_to_video.create(model="gen4.5", prompt_image=IMG, prompt_text="x", ratio="999:1", duration=50)
    exc = info.value
    assert {p.field for p in exc.problems} >= {"ratio", "duration"} and "999:1" in str(exc)
    assert isinstance(exc, BadRequestError) and isinstance(exc, ValueError) and exc.status_code == 400
    assert sandbox.rec.requests == [] and _task_count(sandbox.engine) == 0


def test_problems_are_found_before_a_large_input_is_uploaded(sandbox, tmp_path):
    big = tmp_path / "noise.png"
    _png(big, size=(1600, 1600), noise=True)
    assert big.stat().st_size > catalog.INPUT_LIMITS["image"].data_uri  # too big inline: would be uploaded
    client = sandbox.client()
    with pytest.raises(ValidationError) as info:
        client.image_to_video.create(model="gen4_turbo", prompt_image=big, ratio="1:1")
    assert [p.field for p in info.value.problems] == ["ratio"] and sandbox.rec.requests == []
    client.image_to_video.create(model="gen4_turbo", prompt_image=big, ratio="1280:720")
    assert [r.url.path for r in sandbox.rec.requests if r.url.path.startswith("/v1/")] == [
        "/v1/uploads", "/v1/image_to_video"]
    assert sandbox.rec.body(sandbox.rec.posts("/v1/image_to_video")[0])["promptImage"].startswith("runway://")


def test_seed_style_except_api_error_catches_preflight_problems(sandbox):
    client = sandbox.client()
    try:
        client.text_to_image.create(model="gen4_image", prompt_text="", ratio="1:1")
    except RateLimitError:
        raise AssertionError("not a rate limit") from None
    except APIError as e:
        assert e.status_code == 400 and "ratio" in e.message
    assert sandbox.rec.requests == []


def test_unknown_model_passes_through_with_a_warning(sandbox):
    client = sandbox.client()
    with pytest.warns(errors.RunwayNBWarning, match="not in runway_nb's catalog") as record:
        with pytest.raises(BadRequestError) as info:  # the sandbox is as old as the catalog: it refuses
            client.text_to_video.create(model="gen9_future", prompt_text="a lake", ratio="1280:720")
    assert record[0].filename == __file__  # the warning points at the caller's line
    assert len(sandbox.rec.posts()) == 1 and info.value.status_code == 400 and "gen9_future" in info.value.message


def test_prompt_lint_warns_but_sends(sandbox):
    client = sandbox.client()
    with pytest.warns(errors.RunwayNBWarning, match="negative phrasing") as record:
        client.text_to_image.create(model="gen4_image", prompt_text="a portrait, no blur", ratio="1280:720")
    assert record[0].filename == __file__ and len(sandbox.rec.posts()) == 1


# -- media inputs ------------------------------------------------------------------------------------
def _png(path: Path | None = None, size=(64, 48), noise: bool = False) -> bytes:
    import numpy as np
    from PIL import Image

    buf = io.BytesIO()
    pixels = np.random.default_rng(0).integers(0, 256, (size[1], size[0], 3), np.uint8) if noise else None
    (Image.fromarray(pixels) if noise else Image.new("RGB", size, (200, 40, 40))).save(buf, format="PNG")
    if path is not None:
        path.write_bytes(buf.getvalue())
    return buf.getvalue()


def test_local_files_bytes_and_arrays_become_data_uris(sandbox, tmp_path):
    import numpy as np

    client = sandbox.client()
    _png(tmp_path / "frame.png")
    client.image_to_video.create(model="gen4_turbo", prompt_image=tmp_path / "frame.png", ratio="1280:720")
    client.image_to_video.create(model="gen4_turbo", prompt_image=_png(), ratio="1280:720")
    client.text_to_image.create(model="gen4_image_turbo", prompt_text="a cat", ratio="1024:1024",
                                reference_images=[{"uri": np.zeros((32, 32, 3), np.uint8), "tag": "Box"}])
    client.image_to_video.create(model="gen4_turbo", prompt_image=np.zeros((48, 64, 3), np.uint8), ratio="1280:720")
    client.character_performance.create(model="act_two", character=tmp_path / "frame.png",
                                        reference={"type": "video", "uri": VID})
    bodies = [sandbox.rec.body(r) for r in sandbox.rec.posts()]
    assert bodies[0]["promptImage"].startswith("data:image/png;base64,")
    assert bodies[1]["promptImage"] == bodies[0]["promptImage"]
    assert bodies[2]["referenceImages"][0]["uri"].startswith("data:image/png;base64,")
    assert bodies[3]["promptImage"].startswith("data:image/png;base64,")
    assert bodies[4]["character"]["type"] == "image" and bodies[4]["character"]["uri"] == bodies[0]["promptImage"]


def test_the_first_check_sets_local_inputs_aside():
    import numpy as np

    from runway_nb import plan
    from runway_nb.plan import PLACEHOLDER

    body = {"model": "act_two", "ratio": "960:960", "character": np.zeros((8, 8, 3), np.uint8),
            "reference": {"type": "video", "uri": b"x"}}
    made = plan.make("/v1/character_performance", body)
    assert made.local == {"character.uri", "reference.uri"} and not made.problems  # judged later, from bytes
    assert made.preview["character"] == {"type": "image", "uri": PLACEHOLDER}  # a bare input, typed by its bytes
    assert made.preview["reference"] == {"type": "video", "uri": PLACEHOLDER} and body["reference"]["uri"] == b"x"
    frames = [{"uri": IMG, "position": "first"}, {"uri": "/tmp/a.png", "position": "last"}]
    made = plan.make("/v1/image_to_video", {"model": "veo3.1", "promptText": "x", "promptImage": frames,
                                            "ratio": "1280:720", "duration": 8})
    assert made.local == {"promptImage.1.uri"} and made.preview["promptImage"][0]["uri"] == IMG


def test_inputs_of_a_model_newer_than_the_catalog_are_placed_as_its_neighbours_take_them(tmp_path):
    """Sent unchecked, yet a local file in referenceImages still goes out as [{"uri": data URI}]."""
    from runway_nb import media, plan
    from runway_nb._loop import run_sync

    _png(tmp_path / "cat.png")
    made = plan.make("/v1/text_to_image", {"model": "gen9_image", "promptText": "x",
                                            "referenceImages": [tmp_path / "cat.png"], "ratio": "1024:1024"})
    assert not made.known and made.local == {"referenceImages.0.uri"}
    sent = run_sync(media.prepare_body(made.path, made.body, http=None))
    assert sent["referenceImages"][0]["uri"].startswith("data:image/png;base64,")


def test_a_memoryview_input_is_taken_like_bytes():
    from runway_nb import media, plan
    from runway_nb._loop import run_sync

    made = plan.make("/v1/image_to_video", {"model": "gen4_turbo", "promptImage": memoryview(_png()),
                                            "ratio": "1280:720"})
    assert not made.problems and made.local == {"promptImage"}
    assert run_sync(media.prepare_body(made.path, made.body, http=None))["promptImage"].startswith("data:image/png")


def test_upload_create_ephemeral_has_no_runway_auth(sandbox, tmp_path):
    client = sandbox.client()
    _png(tmp_path / "big.png")
    upload = client.uploads.create_ephemeral(file=tmp_path / "big.png")
    assert upload.uri.startswith("runway://")
    presigned = [r for r in sandbox.rec.requests if r.method == "POST" and not r.url.path.startswith("/v1/")]
    assert len(presigned) == 1 and "authorization" not in presigned[0].headers
    assert presigned[0].headers["content-type"].startswith("multipart/form-data")
    task = client.image_to_video.create(model="gen4_turbo", prompt_image=upload.uri, ratio="1280:720")
    assert sandbox.rec.body(sandbox.rec.posts("/v1/image_to_video")[0])["promptImage"] == upload.uri and task.id
    with open(tmp_path / "big.png", "rb") as fh:  # the SDK's other forms: a file object, a (name, bytes) tuple
        assert client.uploads.create_ephemeral(file=fh).uri.startswith("runway://")
    assert client.uploads.create_ephemeral(file=("x.png", _png())).uri.startswith("runway://")


# -- tasks and organization ------------------------------------------------------------------------
def test_wait_retrieve_delete(sandbox):
    client = sandbox.client()
    task = client.text_to_image.create(model="gemini_2.5_flash", prompt_text="a cat", ratio="1344:768")
    done = task.wait_for_task_output(timeout=60)
    assert done.status == "SUCCEEDED" and done.output[0].startswith("http")
    again = client.tasks.retrieve(task.id)
    unsigned = [u.split("?")[0] for u in done.output]  # each GET signs afresh (the expiry may tick over)
    assert again.status == "SUCCEEDED" and [u.split("?")[0] for u in again.output] == unsigned
    assert client.tasks.delete(task.id) is None
    with pytest.raises(errors.NotFoundError):
        client.tasks.retrieve(task.id)
    with pytest.raises(ValueError):
        client.tasks.retrieve("")


def test_organization_and_usage(sandbox):
    client = sandbox.client()
    org = client.organization.retrieve()
    assert isinstance(org.credit_balance, int) and org["creditBalance"] == org.credit_balance
    assert org.tier.models["gen4.5"].max_concurrent_generations >= 1
    usage = client.organization.retrieve_usage(start_date=dt.date.today() - dt.timedelta(days=3))
    assert isinstance(usage.results, list)
    assert sandbox.rec.body(sandbox.rec.posts("/v1/organization/usage")[0]) == {
        "startDate": (dt.date.today() - dt.timedelta(days=3)).isoformat()}


# -- money safety ------------------------------------------------------------------------------------
class NoSleep:
    def now(self) -> float:
        return 0.0

    async def sleep(self, seconds: float) -> None:
        pass


@pytest.mark.parametrize("inject", [[429, 429], [503], [httpx.ConnectError, 503], [httpx.ConnectTimeout]])
def test_create_retried_only_when_nothing_was_created(sandbox, inject):
    client = sandbox.client(max_retries=3, clock=NoSleep())
    sandbox.rec.inject = list(inject)
    task = client.text_to_image.create(model="gemini_2.5_flash", prompt_text="a cat", ratio="1344:768")
    assert len(sandbox.rec.posts()) == len(inject) + 1
    assert sandbox.engine.stats()["task_ids"] == [task.id]


@pytest.mark.parametrize("inject", [httpx.ReadTimeout, httpx.RemoteProtocolError, 500, 502, 504])
def test_ambiguous_create_is_never_retried(sandbox, inject):
    client = sandbox.client(clock=NoSleep())
    sandbox.rec.inject = [inject]
    with pytest.raises(TaskMayExistError) as info:
        client.text_to_image.create(model="gemini_2.5_flash", prompt_text="a cat", ratio="1344:768")
    assert len(sandbox.rec.posts()) == 1 and "may have created the task" in info.value.message


def test_429_storm_creates_exactly_what_the_client_believes(sandbox):
    from runway_nb.sandbox.faults import FaultProfile

    sandbox.engine.set_faults(FaultProfile("test-storm", storm_rate=0.3, storm_length=3), seed=3)
    client = sandbox.client(max_retries=8, clock=NoSleep())
    believed = [client.text_to_image.create(model="gemini_2.5_flash", prompt_text=f"cat {i}", ratio="1344:768").id
                for i in range(12)]
    stats = sandbox.engine.stats()
    assert sorted(stats["task_ids"]) == sorted(believed) and stats["faults"].get("429", 0) > 0
    assert len(sandbox.rec.posts()) > len(believed)  # some creates were retried


# -- configuration ------------------------------------------------------------------------------------
@pytest.fixture
def clean_env(monkeypatch):
    for name in ("RUNWAYML_API_SECRET", "RUNWAYML_BASE_URL", "RUNWAY_NB_SANDBOX", "RUNWAYML_CUSTOM_HEADERS"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_env_key_and_base_url_are_read(sandbox, clean_env):
    clean_env.setenv("RUNWAYML_API_SECRET", KEY)
    clean_env.setenv("RUNWAYML_BASE_URL", BASE)
    client = RunwayML(transport=sandbox.rec)
    assert client.base_url == BASE and client.is_sandbox
    client.organization.retrieve()
    assert sandbox.rec.requests[-1].headers["authorization"] == f"Bearer {KEY}"


def test_custom_headers_env_like_the_sdk(sandbox, clean_env):
    clean_env.setenv("RUNWAYML_CUSTOM_HEADERS", "X-Team: video\nX-Env: test")
    sandbox.client(default_headers={"X-Env": "explicit"}).organization.retrieve()
    sent = sandbox.rec.requests[-1].headers
    assert sent["x-team"] == "video" and sent["x-env"] == "explicit"


def test_arguments_win_over_env(sandbox, clean_env):
    clean_env.setenv("RUNWAYML_API_SECRET", KEY)
    clean_env.setenv("RUNWAYML_BASE_URL", "https://nowhere.invalid")
    client = RunwayML(api_key="key_wrong", base_url=BASE, transport=sandbox.rec)
    with pytest.raises(AuthenticationError) as info:
        client.organization.retrieve()
    assert info.value.status_code == 401 and "RUNWAYML_API_SECRET" in info.value.message


def test_a_key_alone_means_real_runway(clean_env):
    client = RunwayML(api_key="key_x")
    assert client.base_url == catalog.DEFAULT_BASE_URL and not client.is_sandbox


@pytest.mark.parametrize("how", ["argument", "env"])
def test_missing_key_is_an_error_when_the_sandbox_is_off(clean_env, how):
    if how == "env":
        clean_env.setenv("RUNWAY_NB_SANDBOX", "0")
    with pytest.raises(MissingAPIKeyError, match="RUNWAYML_API_SECRET"):
        RunwayML(**({"sandbox": False} if how == "argument" else {}))
    clean_env.setenv("RUNWAYML_BASE_URL", BASE)  # a base URL without a key: an error too, as in the SDK
    with pytest.raises(MissingAPIKeyError):
        RunwayML()


def test_default_sandbox_starts_once_and_warns_once():
    code = """
import warnings
import runway_nb
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    a, b = runway_nb.RunwayML(), runway_nb.AsyncRunwayML()
notes = [str(w.message) for w in caught if "sandbox" in str(w.message)]
task = a.text_to_image.create(model="gemini_2.5_flash", prompt_text="a red cube", ratio="1024:1024")
print(a.is_sandbox, b.is_sandbox, a.base_url == b.base_url, len(notes), "synthetic" in notes[0])
print(task.wait_for_task_output(timeout=60).status)
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RUNWAYML_", "RUNWAY_NB_SANDBOX"))}
    root = Path(__file__).resolve().parents[2]
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=root, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "True", "True", "1", "True", "SUCCEEDED"]


# -- the key never leaks -----------------------------------------------------------------------------
def test_key_never_in_reprs_exceptions_or_debug_logs(caplog, tmp_path):
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "runway_nb", "uvicorn"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    seen: list[str] = []
    with serve(api_key=KEY, time_scale=FAST) as sb:
        client = RunwayML(api_key=sb.api_key, base_url=sb.base_url)
        task = client.text_to_image.create(model="gemini_2.5_flash", prompt_text="a cat", ratio="1344:768")
        task.wait_for_task_output(timeout=60)
        _png(tmp_path / "x.png")
        client.uploads.create_ephemeral(file=tmp_path / "x.png")
        seen += [repr(client), str(client.api_key), repr(client.http), repr(task), repr(vars(client.http)),
                 repr(client.__dict__), repr(client._core.__dict__)]
        for bad in (lambda: RunwayML(api_key=KEY + "x", base_url=sb.base_url).organization.retrieve(),
                    lambda: client.text_to_image.create(model="gen4_image", prompt_text="", ratio="1:1"),
                    lambda: client.tasks.retrieve("no-such-task")):
            with pytest.raises(errors.RunwayNBError) as info:
                bad()
            exc = info.value
            seen += [str(exc), repr(exc), repr(vars(exc)), repr(getattr(exc, "request", None))]
            request = getattr(exc, "request", None)
            if request is not None:
                seen.append(repr(dict(request.headers)))
                assert "authorization" not in request.headers
        client.close()
    seen += [record.getMessage() for record in caplog.records]
    assert any("HTTP Request" in text for text in seen)  # httpx really logged, and httpcore below it
    assert any(record.name.startswith("httpcore") for record in caplog.records)
    leaks = [text for text in seen if KEY in text]
    assert leaks == []



def test_a_local_file_in_a_nested_union_is_set_aside_not_refused(tmp_path):
    """generate.video's keyframes are a union of two structures: a local path (not yet a URL) still
    finds its member, so it waits for its bytes instead of failing the URI rule."""
    from runway_nb import plan

    _png(tmp_path / "key.png")
    made = plan.make("/v1/generate/video", {"configId": "launch", "input": {
        "promptText": "a kite", "keyframes": [{"seconds": 0, "uri": str(tmp_path / "key.png")}]}})
    assert not made.problems and made.local == {"input.keyframes.0.uri"}
