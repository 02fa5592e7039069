"""uploads.create_ephemeral with real files made here, then the runway:// URI used in a create call.

The SDK posts the file to the presigned uploadUrl itself (multipart, no Runway headers); the sandbox
then reads, sniffs and measures the uploaded bytes, so outputs follow the real input.
"""

from __future__ import annotations

from typing import NamedTuple

import pytest
import runwayml
from conformance_support import Expect, audio, check_succeeded, video
from media_samples import png_bytes, video_bytes, wav_bytes
from runwayml.types.upload_create_ephemeral_response import UploadCreateEphemeralResponse


class Case(NamedTuple):
    id: str
    filename: str
    resource: str
    kwargs: dict  # "{uri}" in any string value is replaced by the upload's runway:// URI
    expect: Expect


INPUTS = {  # made by the test, written to disk, uploaded from the path
    "frame.png": lambda: png_bytes(640, 360),
    "source.mp4": lambda: video_bytes(3.5, 320, 240),
    "speech.wav": lambda: wav_bytes(4.0, 16000, tone_hz=220),
}

CASES = [
    Case("png as a first frame", "frame.png", "image_to_video", dict(
        model="gen4.5", prompt_image="{uri}", prompt_text="The camera drifts", ratio="1104:832", duration=2),
        video("1104:832", 2)),
    Case("png as an image reference", "frame.png", "text_to_image", dict(
        model="gen4_image_turbo", prompt_text="@Frame at night", ratio="1280:720",
        reference_images=[{"uri": "{uri}", "tag": "Frame"}]),
        Expect("image", (1280, 720))),
    Case("mp4 as an Aleph source", "source.mp4", "video_to_video", dict(
        model="gen4_aleph", video_uri="{uri}", prompt_text="Make it a charcoal drawing"),
        video("320:240", 3.5)),
    Case("mp4 as an Act-Two performance", "source.mp4", "character_performance", dict(
        model="act_two", character={"type": "image", "uri": "https://example.com/character.jpg"},
        reference={"type": "video", "uri": "{uri}"}, ratio="1280:720"),
        video("1280:720", 3.5)),
    Case("mp4 as speech-to-speech media", "source.mp4", "speech_to_speech", dict(
        model="eleven_multilingual_sts_v2", media={"type": "video", "uri": "{uri}"},
        voice={"type": "runway-preset", "preset_id": "Maya"}),
        audio(3.5)),
    Case("wav for dubbing", "speech.wav", "voice_dubbing", dict(
        model="eleven_voice_dubbing", audio_uri="{uri}", target_lang="de"),
        audio(4.0)),
]


def fill(value, uri: str):
    if isinstance(value, str):
        return value.replace("{uri}", uri)
    if isinstance(value, list):
        return [fill(v, uri) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, uri) for k, v in value.items()}
    return value


@pytest.fixture(scope="module")
def uploaded(sandbox, client, tmp_path_factory) -> dict[str, str]:
    """Each input file uploaded once, from a real path: filename -> runway:// URI."""
    folder = tmp_path_factory.mktemp("uploads")
    uris = {}
    for name, make in INPUTS.items():
        path = folder / name
        path.write_bytes(make())
        up = client.uploads.create_ephemeral(file=path)
        assert isinstance(up, UploadCreateEphemeralResponse) and up.uri.startswith("runway://")
        uris[name] = up.uri
    assert sandbox.stats()["uploads"] >= len(INPUTS)
    return uris


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_uploaded_file_used_in_a_create(client, uploaded, case):
    kwargs = fill(case.kwargs, uploaded[case.filename])
    task = getattr(client, case.resource).create(**kwargs).wait_for_task_output(timeout=60)
    check_succeeded(task, case.expect)


def test_upload_from_bytes_with_metadata(client):
    """The (filename, bytes) form and the optional file_metadata form field are accepted too."""
    up = client.uploads.create_ephemeral(file=("still.png", png_bytes(96, 64)), file_metadata='{"purpose": "test"}')
    assert up.uri.startswith("runway://")


def test_unknown_upload_uri_is_a_bad_request(client):
    with pytest.raises(runwayml.BadRequestError) as e:
        client.image_to_video.create(model="gen4_turbo", prompt_image="runway://uploads/never-uploaded",
                                     ratio="1280:720")
    assert "upload" in e.value.body["error"]
