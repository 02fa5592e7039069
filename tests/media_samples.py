"""Sample input media for the tests and benches: real bytes made by Pillow, PyAV and wave.

Made here, independently of the code under test (formats.py, media.py, the sandbox's synth), so a test
that sniffs, measures or uploads them checks that code against real encoders. One copy for every test
folder: tests/ is on sys.path (tests/conftest.py lives there); a bench or a child process that imports a
helper built on this puts tests/ on sys.path itself.
"""

from __future__ import annotations

import base64
import io
import math
import wave
from fractions import Fraction


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (64, 36),
                colour: tuple | str = (200, 80, 40)) -> bytes:
    """A flat-colour RGB picture in any Pillow format (PNG, JPEG, WEBP, GIF, TIFF): real magic bytes."""
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, fmt)
    return buf.getvalue()


def png_bytes(width: int = 64, height: int = 36, colour: tuple = (200, 80, 40)) -> bytes:
    """A small PNG: the input image most tests send (its size matters where an output follows it)."""
    return image_bytes("PNG", (width, height), colour)


def gif_bytes() -> bytes:
    """A 16x16 GIF: a real image in a format the API refuses by name."""
    return image_bytes("GIF", (16, 16), (0, 0, 255))


def video_bytes(seconds: float = 1.0, width: int = 64, height: int = 36, fps: int = 12, *, container: str = "mp4",
                codec: str = "libx264", options: dict | None = None) -> bytes:
    """A grey ramp of round(seconds * fps) frames, timed exactly, so its measured length is `seconds`.

    MP4/H.264 (ultrafast) unless told: act_two and Aleph measure their source, sniffing wants other
    containers (webm + libvpx, ...). `options` go to the muxer (e.g. {"live": "1"}: no stated duration)."""
    import av
    import numpy as np

    buf = io.BytesIO()
    with av.open(buf, "w", format=container, options=options or {}) as out:
        stream = out.add_stream(codec, rate=fps, options={"preset": "ultrafast"} if codec == "libx264" else {})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for i in range(round(seconds * fps)):
            frame = av.VideoFrame.from_ndarray(np.full((height, width, 3), (i * 9) % 255, np.uint8), format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, fps)
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    return buf.getvalue()


def audio_bytes(container: str, codec: str, seconds: float = 1.0, rate: int = 44100,
                options: dict | None = None) -> bytes:
    """A 440 Hz mono tone in any PyAV container and codec (mp3, adts/aac, ipod/m4a, flac, ogg/opus, ...),
    for sniffing and measuring compressed audio. `options` go to the muxer (e.g. {"write_id3v2": "0"})."""
    import av
    import numpy as np

    buf = io.BytesIO()
    with av.open(buf, "w", format=container, options=options or {}) as out:
        stream = out.add_stream(codec, rate=rate, layout="mono")
        t = np.arange(int(seconds * rate)) / rate
        samples = (np.sin(2 * np.pi * 440 * t) * 0.3).astype(np.float32)
        for start in range(0, len(samples), 1024):
            frame = av.AudioFrame.from_ndarray(samples[None, start:start + 1024], format="fltp", layout="mono")
            frame.sample_rate, frame.pts = rate, start
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return buf.getvalue()


def wav_bytes(seconds: float = 1.0, rate: int = 8000, tone_hz: float | None = None) -> bytes:
    """Mono 16-bit WAV of exactly `seconds`: the quickest audio input with a length to measure.

    Near-silent by default; tone_hz: a sine at that pitch instead, a sound for the sandbox's voice tools
    (isolation, speech to speech) to derive their output from, as they would from a voice."""
    n = int(seconds * rate)
    if tone_hz is None:
        frames = b"\x00\x01" * n
    else:
        import numpy as np

        t = np.arange(n) / rate
        frames = (np.sin(2 * math.pi * tone_hz * t) * 8000).astype("<i2").tobytes()
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)
    return buf.getvalue()


def data_uri(data: bytes, mime: str) -> str:
    """A base64 data URI: how a local input travels inline in a request body."""
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"
