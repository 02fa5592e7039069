"""Helpers for the conformance tests: SDK clients, input media, and decoding of outputs.

Input media come from tests/media_samples.py (Pillow, PyAV, wave: independent of the sandbox's synth).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import av
import httpx
import pytest
import runwayml
from PIL import Image
from runwayml.types.task_retrieve_response import Succeeded

API_KEY = "conformance-key"
TIME_SCALE = 0.001  # a 90 s gen4.5 task is planned to take 0.09 s; synthesis sets the real pace
POLL_SECONDS = 0.05

# The seed guide's placeholder inputs: https URLs, which the sandbox never fetches.
IMG = "https://example.com/image.jpg"
VID = "https://example.com/performance.mp4"
AUD = "https://example.com/speech.mp3"


def strict_client(sb, **kw) -> runwayml.RunwayML:
    kw.setdefault("api_key", sb.api_key)
    return runwayml.RunwayML(base_url=sb.base_url, _strict_response_validation=True, **kw)


def strict_async_client(sb, **kw) -> runwayml.AsyncRunwayML:
    kw.setdefault("api_key", sb.api_key)
    return runwayml.AsyncRunwayML(base_url=sb.base_url, _strict_response_validation=True, **kw)


# -- outputs: download and decode ----------------------------------------------------------------
@dataclass(frozen=True)
class Expect:
    """What a task's output must be. seconds=None: any positive length."""

    kind: str  # video | image | audio
    size: tuple[int, int] | None = None
    seconds: float | None = None
    audio: bool | None = None  # video only: has an audio stream


def video(ratio: str, seconds: float, audio: bool = False) -> Expect:
    w, h = ratio.split(":")
    return Expect("video", (int(w), int(h)), seconds, audio)


def image(ratio: str) -> Expect:
    w, h = ratio.split(":")
    return Expect("image", (int(w), int(h)))


def audio(seconds: float | None = None) -> Expect:
    return Expect("audio", seconds=seconds)


CONTENT_TYPES = {"video": ("video/mp4", "video/quicktime"),  # quicktime: a ProRes .mov (outputFormat prores)
                 "image": ("image/png", "image/jpeg"), "audio": ("audio/mpeg",)}
SECONDS_TOLERANCE = 0.35  # a frame or an AAC/MP3 frame of padding either way


@dataclass(frozen=True)
class Decoded:
    kind: str
    size: tuple[int, int] | None
    seconds: float | None
    audio: bool
    content_type: str


def decode(data: bytes, content_type: str) -> Decoded:
    """Open the bytes as what they claim to be: Pillow for images; PyAV otherwise, decoding a frame of each stream."""
    if content_type.startswith("image/"):
        with Image.open(io.BytesIO(data)) as im:
            im.load()
            return Decoded("image", im.size, None, False, content_type)
    with av.open(io.BytesIO(data)) as c:
        seconds = c.duration / av.time_base if c.duration else None
        has_audio = bool(c.streams.audio)
        if c.streams.video:
            frame = next(c.decode(video=0))
            if has_audio:
                next(c.decode(audio=0))  # the sound track holds real samples too
            return Decoded("video", (frame.width, frame.height), seconds, has_audio, content_type)
        next(c.decode(audio=0))
        return Decoded("audio", None, seconds, has_audio, content_type)


_downloads = httpx.Client(timeout=30)  # one client: each new one loads the TLS certificates again


def check_output(url: str, expect: Expect) -> Decoded:
    r = _downloads.get(url)
    assert r.status_code == 200, (url, r.status_code, r.text[:200])
    got = decode(r.content, r.headers["content-type"])
    assert got.kind == expect.kind and got.content_type in CONTENT_TYPES[expect.kind], got
    if expect.size is not None:
        assert got.size == expect.size, f"{expect.kind} is {got.size}, expected {expect.size}"
    if expect.kind != "image":
        assert got.seconds is not None and got.seconds > 0, got
    if expect.seconds is not None:
        assert got.seconds == pytest.approx(expect.seconds, abs=SECONDS_TOLERANCE), got
    if expect.audio is not None:
        assert got.audio == expect.audio, f"audio stream present: {got.audio}, expected {expect.audio}"
    return got


def check_succeeded(task, expect: Expect) -> None:
    """A SUCCEEDED task as the SDK parsed it, with one output that decodes as expected."""
    assert isinstance(task, Succeeded), type(task)
    assert task.status == "SUCCEEDED" and len(task.output) == 1, task
    check_output(task.output[0], expect)


def post_raw(sandbox, op_id: str, body: dict) -> httpx.Response:
    """POST a raw wire body (no client in between) to the operation's path: what the sandbox says to it."""
    from runway_nb.catalog import api

    return httpx.post(sandbox.base_url + api.operation(op_id).path, json=body, timeout=30,
                      headers={"Authorization": f"Bearer {sandbox.api_key}", "X-Runway-Version": "2024-11-06"})
