"""Shared pieces of the reliability tests and of bench/bench_soak.py and bench/bench_load.py.

Imported by name (tests/ is not a package; the benches put this folder, and tests/ for media_samples, on
sys.path). Everything here is plain code over the public surface: the client, the served sandbox, its
fault profiles.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from media_samples import png_bytes, video_bytes, wav_bytes

from runway_nb.clock import ScaledClock  # noqa: F401  (the tests import it from here)
from runway_nb.sandbox.faults import FaultProfile

CANARY = "key_RELIABILITY_canary_0123456789abcdef"
HTTPS = "https://media.example.com"


# -- a synth that makes outputs at once -------------------------------------------------------------
class InstantSynth:
    """Stands in for synth.py: a few valid-looking bytes per output, made at once (these tests are about
    lifecycles, not encoders). Thread-safe: it keeps no state."""

    MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(2000)
    PNG = b"\x89PNG\r\n\x1a\n" + bytes(400)
    MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + bytes(400)

    def video(self, *a: Any, **kw: Any) -> bytes:
        return self.MP4

    video_like = video

    def image(self, *a: Any, **kw: Any) -> bytes:
        return self.PNG

    def speech(self, *a: Any, **kw: Any) -> bytes:
        return self.MP3

    sound = audio_like = speech


# -- time ---------------------------------------------------------------------------------------------
# -- the wire -----------------------------------------------------------------------------------------
class CountingTransport(httpx.AsyncBaseTransport):
    """Wraps a transport and counts every request that reaches it (uploads included), by method and path."""

    def __init__(self, inner: httpx.AsyncBaseTransport | None = None) -> None:
        self.inner = inner or httpx.AsyncHTTPTransport()
        self.counts: Counter[str] = Counter()

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.counts[f"{request.method} {request.url.path}"] += 1
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


# -- fault profiles -------------------------------------------------------------------------------------
def soak_faults(name: str = "soak") -> FaultProfile:
    """Every fault the sandbox can inject, often enough to be met hundreds of times in a soak.

    Times are real seconds (Retry-After, slow answers) kept short so a soak runs in seconds; the
    client's ScaledClock still honours Retry-After (it is the floor of every retry delay)."""
    return FaultProfile(name, storm_rate=0.03, storm_length=3, retry_after=0.02, error_rate=0.05, drop_rate=0.04,
                        drop_after=0.7, slow_rate=0.05, slow_seconds=0.03, fail_rate=0.1, truncate_rate=0.1,
                        throttle_rate=0.2, throttle_seconds=60.0, expire_rate=0.1)


# -- input media (tests/media_samples.py) ------------------------------------------------------------
@dataclass(frozen=True)
class Media:
    """Small local input files: a PNG, a 3.5 s MP4 (act_two wants 3-30 s), a 3 s WAV."""

    folder: Path
    png: Path
    mp4: Path
    wav: Path

    @classmethod
    def make(cls, folder: Path) -> Media:
        folder.mkdir(parents=True, exist_ok=True)
        files = {"png": png_bytes(), "mp4": video_bytes(3.5), "wav": wav_bytes(3.0)}
        for ext, data in files.items():
            (folder / f"input.{ext}").write_bytes(data)
        return cls(folder, folder / "input.png", folder / "input.mp4", folder / "input.wav")


# -- one create call per (resource, model), with a marker that finds its task on the sandbox ------------
Case = tuple[str, str, Callable[[str, Media], dict]]  # (case id, resource, kwargs(marker, media))
VOICE = {"type": "runway-preset", "preset_id": "Maya"}


def _img(m: str) -> str:
    return f"{HTTPS}/{m}/image.png"


CASES: list[Case] = [
    ("gen4.5 t2v", "text_to_video", lambda m, md: dict(model="gen4.5", prompt_text=f"a lake [{m}]", ratio="1280:720",
                                                        duration=2)),
    ("gen4.5 i2v", "image_to_video", lambda m, md: dict(model="gen4.5", prompt_image=md.png, prompt_text=f"leaves [{m}]",
                                                         ratio="960:960", duration=3)),
    ("gen4_turbo", "image_to_video", lambda m, md: dict(model="gen4_turbo", prompt_image=_img(m), ratio="1104:832",
                                                         duration=2, prompt_text=f"push in [{m}]")),
    ("veo3 t2v", "text_to_video", lambda m, md: dict(model="veo3", prompt_text=f"a rocket [{m}]", ratio="1280:720",
                                                      duration=8)),
    ("veo3.1 i2v", "image_to_video", lambda m, md: dict(
        model="veo3.1", duration=4, prompt_text=f"a day passes [{m}]",
        prompt_image=[{"uri": md.png, "position": "first"}, {"uri": _img(m), "position": "last"}])),
    ("veo3.1_fast t2v", "text_to_video", lambda m, md: dict(model="veo3.1_fast", prompt_text=f"waves [{m}]",
                                                             duration=4, audio=False)),
    ("gen4_aleph", "video_to_video", lambda m, md: dict(model="gen4_aleph", prompt_text=f"anime [{m}]",
                                                         video_uri=md.mp4, references=[{"uri": _img(m)}])),
    ("act_two", "character_performance", lambda m, md: dict(
        model="act_two", character={"type": "image", "uri": _img(m)}, reference={"type": "video", "uri": md.mp4},
        ratio="960:960", expression_intensity=4)),
    ("gen4_image", "text_to_image", lambda m, md: dict(model="gen4_image", prompt_text=f"@Cat on a sofa [{m}]",
                                                        ratio="1280:720", reference_images=[{"uri": md.png, "tag": "Cat"}])),
    ("gen4_image_turbo", "text_to_image", lambda m, md: dict(model="gen4_image_turbo", prompt_text=f"a red car [{m}]",
                                                              ratio="720:720", reference_images=[{"uri": _img(m)}])),
    ("gemini_2.5_flash", "text_to_image", lambda m, md: dict(model="gemini_2.5_flash", prompt_text=f"a lighthouse [{m}]",
                                                              ratio="1344:768")),
    ("eleven_multilingual_v2", "text_to_speech", lambda m, md: dict(model="eleven_multilingual_v2",
                                                                     prompt_text=f"Hello there {m}", voice=VOICE)),
    ("eleven_text_to_sound_v2", "sound_effect", lambda m, md: dict(model="eleven_text_to_sound_v2",
                                                                    prompt_text=f"thunder [{m}]", duration=2.5)),
    ("eleven_voice_isolation", "voice_isolation", lambda m, md: dict(model="eleven_voice_isolation",
                                                                      audio_uri=f"{HTTPS}/{m}/noisy.mp3")),
    ("eleven_voice_dubbing", "voice_dubbing", lambda m, md: dict(model="eleven_voice_dubbing",
                                                                  audio_uri=f"{HTTPS}/{m}/speech.mp3", target_lang="es")),
    ("eleven_multilingual_sts_v2", "speech_to_speech", lambda m, md: dict(
        model="eleven_multilingual_sts_v2", media={"type": "audio", "uri": f"{HTTPS}/{m}/speech.mp3"}, voice=VOICE)),
]


def marker_of(index: int, prefix: str = "rel") -> str:
    return f"{prefix}{index:05d}"


# -- tables ---------------------------------------------------------------------------------------------
def table(title: str, rows: list[tuple], header: tuple = ("figure", "value")) -> str:
    """A plain text table: what the benches print and the tests print on failure."""
    cells = [tuple(str(c) for c in header)] + [tuple(str(c) for c in r) for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    line = "  ".join("-" * w for w in widths)
    out = [title, line] + ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells[:1]]
    out += [line] + ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells[1:]]
    return "\n".join(out + [line])


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100), nearest rank; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


class PausableClock:
    """Real time for a served sandbox that a test can stop for a while (`with clock.paused():`), e.g. so
    that 50 creates all land before the first task could end, however slow the machine is."""

    realtime = True

    def __init__(self) -> None:
        self._lost = 0.0
        self._since: float | None = None

    def now(self) -> float:
        return (self._since if self._since is not None else time.monotonic()) - self._lost

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))

    def pause(self) -> None:
        self._since = time.monotonic()

    def resume(self) -> None:
        if self._since is not None:
            self._lost += time.monotonic() - self._since
            self._since = None
