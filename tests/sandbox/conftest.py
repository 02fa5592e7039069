"""Fixtures for the sandbox tests: a fake clock, an instant synth, engines, in-process clients.

In-process tests drive the app through httpx.ASGITransport on a FakeClock with FakeSynth (the wire
and the state machine, in milliseconds); served tests run uvicorn with the real synth and decode
what comes back.
"""

from __future__ import annotations

import httpx
import pytest
from media_samples import data_uri, video_bytes, wav_bytes
from sandbox_support import AUDIO_SECONDS, VIDEO_SECONDS, FakeSynth, H, cases

from runway_nb.sandbox import Engine, FakeClock, create_app


@pytest.fixture(scope="session")
def input_video() -> bytes:
    return video_bytes(VIDEO_SECONDS, 128, 72)  # expected(): Aleph's output keeps its 128x72 and its length


@pytest.fixture(scope="session")
def input_audio() -> bytes:
    return wav_bytes(AUDIO_SECONDS)


@pytest.fixture(scope="session")
def all_cases(input_video, input_audio) -> list[tuple[str, str, dict]]:
    return cases(data_uri(input_video, "video/mp4"), data_uri(input_audio, "audio/wav"))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fake_synth() -> FakeSynth:
    return FakeSynth()


@pytest.fixture
def make_engine(clock, fake_synth):
    """Engine factory on the fake clock and fake synth; every engine made is closed afterwards."""
    made = []

    def make(**kw) -> Engine:
        kw.setdefault("clock", clock)
        kw.setdefault("synth", fake_synth)
        kw.setdefault("time_scale", 0.01)
        made.append(Engine(**kw))
        return made[-1]

    yield make
    for e in made:
        e.close()


@pytest.fixture
def engine(make_engine) -> Engine:
    return make_engine()


@pytest.fixture
def asgi_client():
    """`async with asgi_client(engine) as c:` an httpx client talking to the app in-process."""

    def make(engine: Engine, headers: dict | None = H) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=create_app(engine))
        return httpx.AsyncClient(transport=transport, base_url="http://sandbox", headers=headers)

    return make


