"""synth: every output is decoded (PyAV, Pillow) and measured; nothing is taken from headers alone.

Inputs are made here with Pillow and PyAV, independently of synth. Sizes and lengths are small
except where size is the point, so the whole file runs in seconds.
"""

from __future__ import annotations

import io
import threading

import av
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageOps

from runway_nb.sandbox import synth

# -- inputs made independently of synth ----------------------------------------------------------

@pytest.fixture(autouse=True)
def made_anew():
    """Every call here really synthesizes (the cache would make determinism checks trivially true)."""
    with synth.fresh():
        yield


def test_a_repeated_request_is_served_from_the_cache_and_fresh_bypasses_it():
    with synth.fresh():
        made = synth.image(96, 64, seed=9, prompt="cache me")
    outside = threading.Thread(target=lambda: results.append(synth.image(96, 64, seed=9, prompt="cache me")))
    results: list[bytes] = []
    outside.start()
    outside.join()
    first = results[0]
    assert first == made
    outside = threading.Thread(target=lambda: results.append(synth.image(96, 64, seed=9, prompt="cache me")))
    outside.start()
    outside.join()
    assert results[1] is first  # the very same bytes object: not made twice
    assert synth.image(96, 64, seed=9, prompt="cache me") is not first  # fresh() here: made again

def picture(kind: str, size=(320, 200), fmt="PNG") -> bytes:
    """Two clearly different test pictures: "bars" (warm vertical bands) and "disc" (a cool disc)."""
    img = Image.new("RGB", size, (20, 30, 60) if kind == "disc" else (240, 200, 40))
    draw = ImageDraw.Draw(img)
    w, h = size
    if kind == "bars":
        for i in range(0, w, w // 8):
            draw.rectangle((i, 0, i + w // 16, h), fill=(200, 40, 30))
    else:
        draw.ellipse((w * 0.25, h * 0.15, w * 0.75, h * 0.85), fill=(60, 200, 230))
    out = io.BytesIO()
    img.save(out, fmt)
    return out.getvalue()


def clip(seconds: float, width=128, height=72, fps=12, audio=False) -> bytes:
    """A small MP4 whose grey level rises frame by frame (and a 440 Hz tone when audio=True)."""
    out = io.BytesIO()
    with av.open(out, "w", format="mp4") as c:
        v = c.add_stream("libx264", rate=fps, options={"preset": "ultrafast"})
        v.width, v.height, v.pix_fmt = width, height, "yuv420p"
        a = c.add_stream("aac", rate=44100, layout="mono") if audio else None
        n = round(seconds * fps)
        for i in range(n):
            level = 30 + int(200 * i / max(1, n - 1))
            frame = av.VideoFrame.from_ndarray(np.full((height, width, 3), level, np.uint8), format="rgb24")
            frame.pts = i
            c.mux(v.encode(frame))
        c.mux(v.encode())
        if a is not None:
            t = np.arange(round(seconds * 44100)) / 44100
            tone = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)[None, :]
            for start in range(0, tone.shape[1], 1024):
                f = av.AudioFrame.from_ndarray(tone[:, start:start + 1024], format="fltp", layout="mono")
                f.sample_rate, f.pts = 44100, start
                c.mux(a.encode(f))
            c.mux(a.encode())
    return out.getvalue()


# -- decoding ------------------------------------------------------------------------------------
def video_info(data: bytes) -> dict:
    with av.open(io.BytesIO(data)) as c:
        v = c.streams.video[0]
        info = {
            "codec": v.codec_context.name, "pix_fmt": v.codec_context.pix_fmt,
            "width": v.codec_context.width, "height": v.codec_context.height,
            "seconds": float(v.duration * v.time_base),
            "audio": [(a.codec_context.name, float(a.duration * a.time_base)) for a in c.streams.audio],
        }
        info["frames"] = [f.to_ndarray(format="rgb24").astype(np.int16) for f in c.decode(v)]
    return info


def samples(data: bytes) -> tuple[np.ndarray, int, str]:
    """Decoded mono samples (first channel), the rate, and the codec name."""
    with av.open(io.BytesIO(data)) as c:
        stream = c.streams.audio[0]
        name, rate = stream.codec_context.name, stream.codec_context.sample_rate
        x = np.concatenate([f.to_ndarray().reshape(f.to_ndarray().shape[0], -1)[0] for f in c.decode(stream)])
    return x, rate, name


def seconds_of(data: bytes) -> float:
    x, rate, _ = samples(data)
    return len(x) / rate


def filled(data: bytes, width: int, height: int) -> np.ndarray:
    img = ImageOps.fit(Image.open(io.BytesIO(data)).convert("RGB"), (width, height))
    return np.asarray(img).astype(np.int16)


def mad(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


def top_level_boxes(mp4: bytes) -> list[str]:
    boxes, i = [], 0
    while i + 8 <= len(mp4):
        size = int.from_bytes(mp4[i:i + 4], "big")
        boxes.append(mp4[i + 4:i + 8].decode("latin-1"))
        if size < 8:
            break
        i += size
    return boxes


# -- video ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("width", "height", "seconds", "fps"), [
    (160, 96, 1.0, 24), (96, 160, 0.5, 24), (222, 94, 0.75, 30),
])
def test_video_is_h264_of_the_exact_size_length_and_frame_count(width, height, seconds, fps):
    data = synth.video(width, height, seconds, seed=1, prompt="a red fox in the snow", fps=fps)
    info = video_info(data)
    assert (info["codec"], info["pix_fmt"]) == ("h264", "yuv420p")
    assert (info["width"], info["height"]) == (width, height)
    assert len(info["frames"]) == round(seconds * fps)
    assert info["seconds"] == pytest.approx(round(seconds * fps) / fps, abs=1e-3)
    assert info["audio"] == []
    frames = info["frames"]
    assert mad(frames[0], frames[-1]) > 1.0  # it moves


def test_video_index_is_at_the_front_so_browsers_play_while_loading():
    boxes = top_level_boxes(synth.video(64, 48, 0.25, seed=1, prompt="x", audio=True))
    assert boxes.index("moov") < boxes.index("mdat")


def test_video_audio_track_exists_only_when_asked_and_lasts_as_long():
    data = synth.video(128, 72, 1.5, seed=2, prompt="waves on a beach", audio=True)
    info = video_info(data)
    assert len(info["audio"]) == 1
    codec, seconds = info["audio"][0]
    assert codec == "aac"
    assert seconds == pytest.approx(info["seconds"], abs=0.03)
    x, rate, _ = samples(data)
    assert len(x) / rate == pytest.approx(1.5, abs=1024 / rate + 0.01)
    assert np.sqrt(np.mean(x**2)) > 0.02  # audible, not silence


def test_video_starts_on_first_frame_and_ends_on_last_frame():
    first, last = picture("bars", fmt="JPEG"), picture("disc", (200, 200), fmt="WEBP")
    data = synth.video(192, 108, 1.0, seed=3, prompt="morph", first_frame=first, last_frame=last)
    frames = video_info(data)["frames"]
    a, b = filled(first, 192, 108), filled(last, 192, 108)
    assert mad(frames[0], a) < 8 < mad(frames[0], b)
    assert mad(frames[-1], b) < 8 < mad(frames[-1], a)


def test_video_from_first_frame_alone_moves_away_from_it():
    first = picture("bars")
    frames = video_info(synth.video(160, 90, 1.0, seed=4, prompt="zoom", first_frame=first))["frames"]
    a = filled(first, 160, 90)
    assert mad(frames[0], a) < 8
    assert mad(frames[-1], a) > mad(frames[0], a) + 2


def test_video_is_deterministic_and_follows_seed_and_prompt():
    make = lambda **kw: synth.video(96, 64, 0.5, **{"seed": 5, "prompt": "p", "audio": True, **kw})  # noqa: E731
    same = make()
    assert make() == same
    assert make(seed=6) != same
    assert make(prompt="q") != same
    first = picture("bars")
    assert make(first_frame=first) == make(first_frame=first)


def test_video_refuses_odd_sizes():
    with pytest.raises(ValueError, match="even"):
        synth.video(101, 64, 1, seed=0, prompt="x")


# -- video_like ----------------------------------------------------------------------------------
def test_video_like_follows_the_source_at_the_requested_size_and_length():
    data = synth.video_like(clip(1.0), 1.0, 160, 96, seed=1, prompt="make it teal")
    info = video_info(data)
    assert (info["codec"], info["width"], info["height"]) == ("h264", 160, 96)
    assert len(info["frames"]) == 24 and info["seconds"] == pytest.approx(1.0, abs=1e-3)
    # the source brightens steadily; a regrade keeps that order
    brightness = [f[: 60].mean() for f in info["frames"]]
    assert brightness[-1] - brightness[0] > 60
    assert all(b2 >= b1 - 1 for b1, b2 in zip(brightness, brightness[1:], strict=False))


def test_video_like_loops_a_short_source_and_synthesizes_without_one():
    looped = video_info(synth.video_like(clip(0.5), 1.25, 96, 64, seed=1, prompt="x"))
    assert len(looped["frames"]) == 30 and looped["seconds"] == pytest.approx(1.25, abs=1e-3)
    alone = video_info(synth.video_like(None, 0.5, 64, 96, seed=1, prompt="x"))
    assert (alone["width"], alone["height"], len(alone["frames"])) == (64, 96, 12)


def test_video_like_animates_a_still_image_source_and_rejects_garbage():
    still = picture("disc")
    frames = video_info(synth.video_like(still, 0.5, 96, 64, seed=1, prompt="x"))["frames"]
    assert len(frames) == 12
    assert mad(frames[0], filled(still, 96, 64)) < 30  # regraded, but the same picture
    with pytest.raises(ValueError, match="decoded"):
        synth.video_like(b"definitely not a video", 1.0, 64, 64, seed=1, prompt="x")


def test_video_like_is_deterministic():
    source = clip(0.5)
    one = synth.video_like(source, 0.5, 64, 64, seed=1, prompt="x")
    assert synth.video_like(source, 0.5, 64, 64, seed=1, prompt="x") == one
    assert synth.video_like(source, 0.5, 64, 64, seed=2, prompt="x") != one


# -- image ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("width", "height", "fmt", "pil_format"), [
    (1920, 1080, "png", "PNG"), (1080, 1920, "jpeg", "JPEG"), (720, 720, "png", "PNG"), (333, 111, "jpeg", "JPEG"),
])
def test_image_has_the_exact_size_and_format(width, height, fmt, pil_format):
    data = synth.image(width, height, seed=1, prompt="a lighthouse at dusk", fmt=fmt)
    img = Image.open(io.BytesIO(data))
    assert img.format == pil_format and img.size == (width, height) and img.mode == "RGB"
    pixels = np.asarray(img)
    assert pixels.std() > 5  # a picture, not a flat fill


def test_image_is_deterministic_and_follows_seed_and_prompt():
    one = synth.image(200, 120, seed=1, prompt="a")
    assert synth.image(200, 120, seed=1, prompt="a") == one
    assert synth.image(200, 120, seed=2, prompt="a") != one
    assert synth.image(200, 120, seed=1, prompt="b") != one


def test_image_blends_reference_images_in():
    ref = picture("bars", (400, 240), fmt="WEBP")
    plain = np.asarray(Image.open(io.BytesIO(synth.image(200, 120, seed=1, prompt="a"))))
    mixed_bytes = synth.image(200, 120, seed=1, prompt="a", references=[ref])
    mixed = np.asarray(Image.open(io.BytesIO(mixed_bytes)))
    target = filled(ref, 200, 120)
    assert mad(mixed, target) < mad(plain, target) - 10
    two = synth.image(200, 120, seed=1, prompt="a", references=[ref, picture("disc")])
    assert Image.open(io.BytesIO(two)).size == (200, 120) and two != mixed_bytes


def test_tiny_sizes_still_come_out_exact():
    for w, h in [(1, 1), (3, 50), (50, 3)]:
        assert Image.open(io.BytesIO(synth.image(w, h, seed=0, prompt="a caption wider than the image"))).size == (w, h)
    info = video_info(synth.video(2, 2, 0.1, seed=0, prompt="a caption wider than the frame"))
    assert (info["width"], info["height"], len(info["frames"])) == (2, 2, 2)


def test_image_rejects_an_unknown_format():
    with pytest.raises(ValueError, match="png"):
        synth.image(10, 10, seed=0, prompt="x", fmt="gif")


# -- speech, sound, audio_like -------------------------------------------------------------------
def test_speech_is_mp3_whose_length_follows_the_text():
    short = synth.speech("Hi.", voice="Maya", seed=1)
    medium = synth.speech("Hello there, and welcome to the sandbox.", voice="Maya", seed=1)
    long = synth.speech("Hello there, and welcome to the sandbox. " * 4, voice="Maya", seed=1)
    assert samples(short)[2].startswith("mp3")  # the decoder is "mp3float"
    assert seconds_of(short) == pytest.approx(1.0, abs=0.05)  # the minimum
    assert seconds_of(medium) == pytest.approx(40 / 14, abs=0.1)
    assert seconds_of(long) > 3 * seconds_of(medium)
    x, _, _ = samples(medium)
    assert np.sqrt(np.mean(x**2)) > 0.03


def test_speech_pitch_follows_the_voice_and_output_is_deterministic():
    def pitch(voice: str) -> float:
        x, rate, _ = samples(synth.speech("aaaa aaaa aaaa aaaa", voice=voice, seed=1))
        spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
        freqs = np.fft.rfftfreq(len(x), 1 / rate)
        band = (freqs > 60) & (freqs < 300)
        return float(freqs[band][spectrum[band].argmax()])

    assert abs(pitch("Maya") - pitch("Bernard")) > 5
    one = synth.speech("Same words.", voice="Maya", seed=1)
    assert synth.speech("Same words.", voice="Maya", seed=1) == one
    assert synth.speech("Same words.", voice="Maya", seed=2) != one


@pytest.mark.parametrize("seconds", [0.5, 2.0, 3.7])
def test_sound_lasts_exactly_the_requested_seconds(seconds):
    data = synth.sound("rain on a tin roof", seconds, seed=1)
    x, _, codec = samples(data)
    assert codec.startswith("mp3")
    assert seconds_of(data) == pytest.approx(seconds, abs=0.01)
    assert np.sqrt(np.mean(x**2)) > 0.02


def test_sound_loop_runs_from_its_end_straight_into_its_start():
    data = synth.sound("engine hum", 2.0, seed=3, loop=True)
    x, rate, _ = samples(data)
    assert len(x) / rate == pytest.approx(2.0, abs=0.01)
    edge = int(rate * 0.05)
    local = np.median(np.abs(np.diff(np.concatenate([x[-edge:], x[:edge]]))))
    assert abs(x[0] - x[-1]) < 4 * local + 1e-3  # no click at the seam
    assert np.sqrt(np.mean(x[:edge] ** 2)) > 0.1 * np.sqrt(np.mean(x**2))  # not faded in
    assert synth.sound("engine hum", 2.0, seed=3, loop=True) == data
    assert synth.sound("engine hum", 2.0, seed=4, loop=True) != data


@pytest.mark.parametrize("kind", ["isolation", "dubbing", "sts"])
def test_audio_like_has_the_requested_length_from_a_source_or_without_one(kind):
    voice = synth.speech("The quick brown fox jumps over the lazy dog.", voice="Maya", seed=1)
    derived = synth.audio_like(voice, 2.5, seed=1, kind=kind)
    assert samples(derived)[2].startswith("mp3")
    assert seconds_of(derived) == pytest.approx(2.5, abs=0.01)
    assert synth.audio_like(voice, 2.5, seed=1, kind=kind) == derived
    alone = synth.audio_like(None, 1.5, seed=1, kind=kind)
    assert seconds_of(alone) == pytest.approx(1.5, abs=0.01)


def test_audio_like_takes_the_sound_of_a_video_and_rejects_garbage():
    from_video = synth.audio_like(clip(1.0, audio=True), 1.0, seed=1, kind="sts")
    x, _, _ = samples(from_video)
    assert seconds_of(from_video) == pytest.approx(1.0, abs=0.01) and np.sqrt(np.mean(x**2)) > 0.02
    silent_video = synth.audio_like(clip(0.5), 0.75, seed=1, kind="dubbing")  # no audio track: synthesized
    assert seconds_of(silent_video) == pytest.approx(0.75, abs=0.01)
    with pytest.raises(ValueError, match="decoded"):
        synth.audio_like(b"not audio at all", 1.0, seed=1, kind="isolation")
