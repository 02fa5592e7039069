"""Every Python example of the seed guide, with its exact arguments, through the official SDK.

Each runs create(...).wait_for_task_output() to SUCCEEDED and its output is downloaded and decoded.
The guide's text-only calls to image_to_video are refused by the SDK itself (prompt_image is
required client-side, in 5.24.0 as in 4.18.0); for those the refusal is pinned, then the very wire body
goes out through the SDK's low-level client.post, as the guide's cURL example sends it. `veo3` and
`gen4_aleph` are no longer in 5.24.0's request types, but the SDK does not check Literal values at run
time: it sends them, and the sandbox keeps serving them for these examples.
"""

from __future__ import annotations

from typing import NamedTuple

import pytest
from conformance_support import Expect, audio, check_succeeded, image, video
from media_samples import data_uri, image_bytes
from runwayml.types import ImageToVideoCreateResponse


class Case(NamedTuple):
    id: str
    resource: str  # the SDK resource: client.<resource>.create(**kwargs)
    kwargs: dict
    expect: Expect


# The seed's "Base64 Data URIs" example reads image.jpg from disk; the same thing, made here.
JPEG_DATA_URI = data_uri(image_bytes("JPEG", (96, 64), (40, 90, 200)), "image/jpeg")

SEED_EXAMPLES = [
    Case("quickstart image-to-video", "image_to_video", dict(
        model="gen4.5", prompt_image="https://example.com/image.jpg",
        prompt_text="A timelapse on a sunny day with clouds flying by", ratio="1280:720", duration=10),
        video("1280:720", 10)),
    Case("gen4.5 image-to-video", "image_to_video", dict(
        model="gen4.5", prompt_image="https://example.com/image.jpg",
        prompt_text="Camera slowly pushes in, leaves rustling in the breeze", ratio="1584:672", duration=10,
        seed=12345),
        video("1584:672", 10)),
    Case("gen4_turbo image-to-video", "image_to_video", dict(
        model="gen4_turbo", prompt_image="https://example.com/image.jpg",
        prompt_text="Camera slowly pushes in, leaves rustling", ratio="1280:720", duration=5, seed=12345),
        video("1280:720", 5)),
    # https source: the sandbox cannot measure it, so the output has its nominal 5 s at 1280x720
    Case("aleph video-to-video", "video_to_video", dict(
        model="gen4_aleph", video_uri="https://example.com/source.mp4", prompt_text="Transform to anime style",
        references=[{"uri": "https://example.com/style_ref.jpg"}]),
        video("1280:720", 5)),
    Case("act_two character performance", "character_performance", dict(
        model="act_two", character={"type": "image", "uri": "https://example.com/character.jpg"},
        reference={"type": "video", "uri": "https://example.com/performance.mp4"}),
        video("1280:720", 5)),
    Case("veo3.1 image-to-video with audio", "image_to_video", dict(
        model="veo3.1", prompt_image="https://example.com/starting_frame.jpg",
        prompt_text="Smooth camera movement through the scene with ambient nature sounds"),
        video("1280:720", 8, audio=True)),
    Case("gen4_image", "text_to_image", dict(
        model="gen4_image", ratio="1920:1080", prompt_text="A beautiful mountain landscape at sunset"),
        image("1920:1080")),
    Case("gen4_image with tagged references", "text_to_image", dict(
        model="gen4_image", ratio="1920:1080", prompt_text="@EiffelTower painted in the style of @StarryNight",
        reference_images=[{"uri": "https://example.com/eiffel.jpg", "tag": "EiffelTower"},
                          {"uri": "https://example.com/starry.jpg", "tag": "StarryNight"}]),
        image("1920:1080")),
    # The guide gives only the reference_images list here; model, ratio and prompt from the example above.
    Case("gen4_image with an untagged style reference", "text_to_image", dict(
        model="gen4_image", ratio="1920:1080", prompt_text="@subject on a beach at dawn",
        reference_images=[{"uri": "https://example.com/subject.jpg", "tag": "subject"},
                          {"uri": "https://example.com/style.jpg"}]),
        image("1920:1080")),
    Case("text-to-speech", "text_to_speech", dict(
        model="eleven_multilingual_v2", prompt_text="Hello, welcome to RunwayML!",
        voice={"type": "runway-preset", "preset_id": "Maya"}),
        audio()),
    Case("sound effect", "sound_effect", dict(
        model="eleven_text_to_sound_v2", prompt_text="Thunder rumbling in the distance, rain on a window"),
        audio()),
    Case("voice isolation", "voice_isolation", dict(
        model="eleven_voice_isolation", audio_uri="https://example.com/noisy_audio.mp3"),
        audio()),
    Case("voice dubbing", "voice_dubbing", dict(
        model="eleven_voice_dubbing", audio_uri="https://example.com/speech.mp3", target_lang="es"),
        audio()),
    Case("speech-to-speech", "speech_to_speech", dict(
        model="eleven_multilingual_sts_v2", media={"type": "audio", "uri": "https://example.com/original.mp3"},
        voice={"type": "runway-preset", "preset_id": "Maya"}),
        audio()),
    # No ratio: the SDK lets it through client-side (its required_args accept model+prompt_image+prompt_text),
    # although its types mark ratio Required for gen4_turbo. Output: the sandbox's defaults (1280:720, 10 s).
    Case("base64 data URI", "image_to_video", dict(
        model="gen4_turbo", prompt_image=JPEG_DATA_URI, prompt_text="Gentle movement"),
        video("1280:720", 10)),
]

# The guide's text-only examples: image_to_video.create without prompt_image.
TEXT_ONLY_EXAMPLES = [
    Case("quickstart text-to-video", "image_to_video", dict(
        model="gen4.5", prompt_text="A serene mountain landscape at sunset with clouds drifting", ratio="1280:720",
        duration=10),
        video("1280:720", 10)),
    Case("gen4.5 text-to-video", "image_to_video", dict(
        model="gen4.5", prompt_text="A serene mountain lake at sunrise with mist rising from the water",
        ratio="1280:720", duration=10, seed=12345),
        video("1280:720", 10)),
    Case("veo3.1 text-to-video with audio", "image_to_video", dict(
        model="veo3.1", prompt_text="A cinematic shot of a rocket launching at sunset with roaring engines"),
        video("1280:720", 8, audio=True)),
    # the same example's comment: model="veo3.1",  # or "veo3", "veo3.1_fast"
    Case("veo3 text-to-video with audio", "image_to_video", dict(
        model="veo3", prompt_text="A cinematic shot of a rocket launching at sunset with roaring engines"),
        video("1280:720", 8, audio=True)),
    Case("veo3.1_fast text-to-video with audio", "image_to_video", dict(
        model="veo3.1_fast", prompt_text="A cinematic shot of a rocket launching at sunset with roaring engines"),
        video("1280:720", 8, audio=True)),
]

# What runwayml 5.24.0's @required_args says when prompt_image is missing (pinned: a change is news).
SDK_REFUSAL = (
    "Missing required arguments; Expected either ('duration', 'model', 'prompt_image', 'prompt_text' and "
    "'ratio'), ('model', 'prompt_image' and 'ratio'), ('model' and 'prompt_image') or ('model', "
    "'prompt_image' and 'prompt_text') arguments to be given"
)


def wire_body(kwargs: dict) -> dict:
    """The JSON the SDK would send: snake_case keywords become camelCase fields (values here are flat)."""
    def camel(name: str) -> str:
        head, *rest = name.split("_")
        return head + "".join(w.title() for w in rest)

    return {camel(k): v for k, v in kwargs.items()}


@pytest.mark.parametrize("case", SEED_EXAMPLES, ids=lambda c: c.id)
def test_seed_example(client, case):
    task = getattr(client, case.resource).create(**case.kwargs).wait_for_task_output(timeout=60)
    check_succeeded(task, case.expect)


@pytest.mark.parametrize("case", TEXT_ONLY_EXAMPLES, ids=lambda c: c.id)
def test_seed_text_only_example(sandbox, client, case):
    requests_before = sandbox.stats()["requests"]
    with pytest.raises(TypeError) as refused:
        client.image_to_video.create(**case.kwargs)
    assert str(refused.value) == SDK_REFUSAL
    assert sandbox.stats()["requests"] == requests_before, "the SDK refuses before sending anything"

    body = wire_body(case.kwargs)
    assert "promptImage" not in body and body["promptText"] == case.kwargs["prompt_text"]
    created = client.post("/v1/image_to_video", body=body, cast_to=ImageToVideoCreateResponse)
    assert isinstance(created, ImageToVideoCreateResponse) and created.id
    task = client.tasks.retrieve(created.id).wait_for_task_output(timeout=60)
    check_succeeded(task, case.expect)

