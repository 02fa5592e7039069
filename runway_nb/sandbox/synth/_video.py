"""Video: H.264 MP4 made from numpy planes, with an optional AAC ambience track.

Frames are built directly as YUV 4:2:0 planes (no RGB conversion per frame): a panning crop of a
pre-rendered texture with soft orbs blended in, or a still image zoomed by index gathering.
x264 (preset ultrafast) encodes on its own threads while numpy builds the next frame.
"""

from __future__ import annotations

import io
import itertools
import os
import tempfile
from collections.abc import Callable, Iterator
from fractions import Fraction

import av
import numpy as np
from PIL import Image

from ._audio import ambience, audio_frames
from ._common import blend_caption, check_size, fill, hsv_to_rgb, load_image, rgb_to_yuv420, rng_for
from ._image import picture

AAC_RATE = 48000
# A fixed count, not the machine's: x264's output depends on it, and the same arguments must give
# the same bytes everywhere. Two frame threads keep this 2-core machine's cores busy.
X264_THREADS = 2

Planes = tuple[np.ndarray, np.ndarray, np.ndarray]
Layer = Callable[[int], Planes]  # frame index -> (Y, U, V) of the output size


def _planes(width: int, height: int) -> Planes:
    return (np.empty((height, width), np.uint8), np.empty((height // 2, width // 2), np.uint8),
            np.empty((height // 2, width // 2), np.uint8))


def _frame_buffer(width: int, height: int) -> tuple[np.ndarray, Planes]:
    """One contiguous I420 buffer (what VideoFrame.from_ndarray takes) and its three plane views."""
    buf = np.empty((height * 3 // 2, width), np.uint8)
    flat, luma, chroma = buf.reshape(-1), width * height, (width // 2) * (height // 2)
    planes = (flat[:luma].reshape(height, width),
              flat[luma:luma + chroma].reshape(height // 2, width // 2),
              flat[luma + chroma:].reshape(height // 2, width // 2))
    return buf, planes


def encode_clip(container_format: str, codec: str, fps: int, configure: Callable[[av.video.stream.VideoStream], None],
                frames: Iterator[av.VideoFrame], audio: np.ndarray | None, audio_codec: str = "aac") -> bytes:
    """Encode frames (and stereo float audio at AAC_RATE) into an MP4 or MOV with the index (moov) at the front.

    `configure` sets the video stream's size, pixel format, options and colour tags; audio is
    interleaved by time so players can stream the file. Bitexact, so equal input gives equal bytes.
    """
    with tempfile.TemporaryDirectory(prefix="runway_nb_synth_") as tmp:
        path = os.path.join(tmp, "out." + container_format)  # faststart re-reads the file: a real path
        options = {"movflags": "+faststart", "fflags": "+bitexact"}
        with av.open(path, "w", format=container_format, options=options) as container:
            video = container.add_stream(codec, rate=fps)
            configure(video)
            sound = None
            if audio is not None:
                sound = container.add_stream(audio_codec, rate=AAC_RATE, layout="stereo")
                if audio_codec == "aac":
                    sound.bit_rate = 128000
                    sound.options = {"aac_coder": "fast"}  # half the default coder's time; fine for ambience
                chunks, pending = audio_frames(audio, AAC_RATE, 1024), None
            for i, frame in enumerate(frames):
                frame.pts = i
                container.mux(video.encode(frame))
                # interleave: audio up to the end of this frame
                while sound is not None:
                    if pending is None:
                        pending = next(chunks, None)
                    if pending is None or pending.pts >= (i + 1) * AAC_RATE / fps:
                        break
                    container.mux(sound.encode(pending))
                    pending = None
            if sound is not None:
                for rest in ([pending] if pending is not None else []) + list(chunks):
                    container.mux(sound.encode(rest))
                container.mux(sound.encode(None))
            container.mux(video.encode(None))
        with open(path, "rb") as f:
            return f.read()


def encode_mp4(width: int, height: int, fps: Fraction | int, frames: Iterator[np.ndarray],
                audio: np.ndarray | None) -> bytes:
    """H.264 yuv420p (+AAC) MP4 from I420 buffers, tagged BT.709 limited range as the planes are made."""
    def configure(video: av.video.stream.VideoStream) -> None:
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.options = {"preset": "ultrafast", "crf": "23"}
        cc = video.codec_context
        cc.thread_count, cc.gop_size = X264_THREADS, round(2 * fps)  # a keyframe every 2 s for seeking
        cc.colorspace = cc.color_primaries = cc.color_trc = 1  # BT.709, as the planes are made
        cc.color_range = 1  # limited ("MPEG") range

    pictures = (av.VideoFrame.from_ndarray(buf, format="yuv420p") for buf in frames)
    return encode_clip("mp4", "libx264", fps, configure, pictures, audio)


def _even(x: float) -> int:
    return int(round(x / 2)) * 2


def _scene(rng: np.random.Generator, width: int, height: int, fps: int) -> Layer:
    """Abstract motion for text-to-video: a drifting colour field with glowing orbs crossing it."""
    mx, my = _even(width * 0.08) + 2, _even(height * 0.08) + 2
    base = rgb_to_yuv420(np.asarray(picture(rng, width + 2 * mx, height + 2 * my)))
    orbs = []
    count = int(rng.integers(3, 6))
    for colour in hsv_to_rgb(rng.random(count), rng.uniform(0.2, 0.6, count), rng.uniform(0.85, 1.0, count)):
        r = _even(min(width, height) * rng.uniform(0.1, 0.25))
        yy, xx = np.mgrid[-r:r, -r:r] + 0.5
        alpha = np.exp(-(xx**2 + yy**2) / (2 * (r / 2.5) ** 2)) * rng.uniform(0.6, 0.9)
        a_full = (alpha * 256).astype(np.uint16)
        levels = rgb_to_yuv420(np.full((2, 2, 3), colour, np.uint8))
        sprites = [(256 - a, a * np.uint16(level.flat[0]))
                   for level, a in zip(levels, (a_full, a_full[::2, ::2], a_full[::2, ::2]), strict=True)]
        path = rng.uniform(0.2, 1.0, 2) * rng.choice([-1, 1], 2), rng.uniform(0, 2 * np.pi, 2)
        orbs.append((r, sprites, path))
    pan = rng.uniform(0.05, 0.2, 2), rng.uniform(0, 2 * np.pi, 2)
    out = _planes(width, height)

    def render(i: int) -> Planes:
        t = i / fps
        ox = _even(mx + mx * 0.95 * np.sin(2 * np.pi * pan[0][0] * t + pan[1][0]))
        oy = _even(my + my * 0.95 * np.sin(2 * np.pi * pan[0][1] * t + pan[1][1]))
        for k, (src, dst) in enumerate(zip(base, out, strict=True)):
            s = 2 if k else 1
            h, w = dst.shape
            np.copyto(dst, src[oy // s:oy // s + h, ox // s:ox // s + w])
        for r, sprites, (speed, phase) in orbs:
            cx = (0.5 + 0.45 * np.sin(2 * np.pi * speed[0] * t / 4 + phase[0])) * width
            cy = (0.5 + 0.45 * np.sin(2 * np.pi * speed[1] * t / 4 + phase[1])) * height
            x0, y0 = _even(cx - r), _even(cy - r)
            for k, (dst, (inv, lit)) in enumerate(zip(out, sprites, strict=True)):
                s = 2 if k else 1
                _blend_sprite(dst, inv, lit, x0 // s, y0 // s)
        return out

    return render


def _blend_sprite(dst: np.ndarray, inv: np.ndarray, lit: np.ndarray, x0: int, y0: int) -> None:
    """dst = dst*(256-a)/256 + colour*a/256 over the sprite's footprint, clipped to dst (uint16 math)."""
    h, w = inv.shape
    ys, xs = max(0, y0), max(0, x0)
    ye, xe = min(dst.shape[0], y0 + h), min(dst.shape[1], x0 + w)
    if ys >= ye or xs >= xe:
        return
    sl = (slice(ys - y0, ye - y0), slice(xs - x0, xe - x0))
    region = dst[ys:ye, xs:xe]
    region[...] = (region * inv[sl] + lit[sl]) >> 8


def _zoom(src: np.ndarray, scale: float, aim: np.ndarray, dst: np.ndarray) -> None:
    """Nearest-neighbour zoom into src by `scale` towards aim (-1..1 per axis): two cheap gathers."""
    h, w = src.shape
    y0, x0 = (h - h / scale) * (0.5 + 0.5 * aim[1]), (w - w / scale) * (0.5 + 0.5 * aim[0])
    yi = np.minimum((y0 + (np.arange(h) + 0.5) / scale).astype(np.intp), h - 1)
    xi = np.minimum((x0 + (np.arange(w) + 0.5) / scale).astype(np.intp), w - 1)
    np.take(np.take(src, yi, axis=0), xi, axis=1, out=dst)


def _still(rng: np.random.Generator, picture: Image.Image, width: int, height: int, n: int, fps: int,
           zoom_in: bool) -> Layer:
    """A still brought to life by a slow zoom: it starts on the exact picture (zoom_in) or ends on it."""
    exact = rgb_to_yuv420(np.asarray(fill(picture, width, height)))
    depth, aim = min(0.2, 0.02 * n / fps), rng.uniform(-0.7, 0.7, 2)
    out = _planes(width, height)

    def render(i: int) -> Planes:
        p = i / max(1, n - 1)
        ease = p * p * (3 - 2 * p)
        scale = 1 + depth * (ease if zoom_in else 1 - ease)
        if scale == 1:
            return exact
        for src, dst in zip(exact, out, strict=True):
            _zoom(src, scale, aim, dst)
        return out

    return render


def _fit_frame(frame: av.VideoFrame, out: Planes) -> None:
    """Scale a decoded frame to cover out's size (keeping its aspect) and centre-crop into out."""
    height, width = out[0].shape
    scale = max(width / frame.width, height / frame.height)
    fw, fh = max(width, _even(frame.width * scale + 1)), max(height, _even(frame.height * scale + 1))
    flat = frame.reformat(fw, fh, "yuv420p").to_ndarray().reshape(-1)
    x0, y0 = (fw - width) // 4 * 2, (fh - height) // 4 * 2
    luma, chroma = fw * fh, (fw // 2) * (fh // 2)
    full = (flat[:luma].reshape(fh, fw), flat[luma:luma + chroma].reshape(fh // 2, fw // 2),
            flat[luma + chroma:luma + 2 * chroma].reshape(fh // 2, fw // 2))
    for k, (src, dst) in enumerate(zip(full, out, strict=True)):
        s = 2 if k else 1
        np.copyto(dst, src[y0 // s:y0 // s + dst.shape[0], x0 // s:x0 // s + dst.shape[1]])


def _decoded(source: bytes) -> Iterator[av.VideoFrame]:
    """The source's frames, over and over so a short clip loops; a single picture is given once."""
    while True:
        count = 0
        with av.open(io.BytesIO(source)) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            try:
                for frame in container.decode(stream):
                    count += 1
                    yield frame
            except av.FFmpegError:
                pass  # a damaged tail ends the pass; what decoded is used
        if count < 2:
            return


def _source(rng: np.random.Generator, source: bytes, width: int, height: int, n: int, fps: int) -> Layer | None:
    """The source's frames at our frame rate and size; None when it has no picture to use.

    A source that is one picture (an image, or a one-frame clip) is animated like a first frame.
    """
    try:
        with av.open(io.BytesIO(source)) as probe:
            if not probe.streams.video:
                return None
            stream = probe.streams.video[0]
            rate = float(stream.average_rate or stream.guessed_rate or fps)
    except (av.FFmpegError, ValueError) as exc:
        raise ValueError(f"source video could not be decoded ({exc})") from exc
    frames = _decoded(source)
    first, second = next(frames, None), next(frames, None)
    if first is None:
        return None
    if second is None:
        return _still(rng, first.to_image(), width, height, n, fps, zoom_in=True)
    frames = itertools.chain([second], frames)
    out = _planes(width, height)
    _fit_frame(first, out)
    shown = [0]  # index of the source frame now in `out`

    def render(i: int) -> Planes:
        want = int(i * rate / fps + 1e-6)
        while shown[0] < want:
            frame = next(frames, None)
            if frame is None:  # the source ended early: hold its last frame
                shown[0] = want
                break
            shown[0] += 1
            if shown[0] == want:
                _fit_frame(frame, out)
        return out

    return render


def _compose(start: Layer, end: Layer | None, n: int, width: int, height: int, prompt: str,
             rng: np.random.Generator, grade: tuple[float, float] = (0.0, 0.0),
             luma: np.ndarray | None = None) -> Iterator[np.ndarray]:
    """I420 frames: `start` with a colour drift (and a fixed grade), crossfading to end on `end`."""
    buf, out = _frame_buffer(width, height)
    fade_from = n - max(1, round(n * 0.4)) if end is not None else n
    drift, speed = rng.uniform(4, 12, 2) * rng.choice([-1, 1], 2), rng.uniform(0.5, 1.5)
    levels = np.arange(256)
    for i in range(n):
        y, u, v = start(i)
        wave = np.sin(np.pi * speed * i / max(1, n - 1))  # 0 on the first frame: it stays exact
        if luma is None:
            np.copyto(out[0], y)
        else:
            np.take(luma, y, out=out[0])
        for src, dst, offset in zip((u, v), out[1:], np.add(grade, drift * wave), strict=True):
            np.take(np.clip(levels + round(offset), 16, 240).astype(np.uint8), src, out=dst)
        if i >= fade_from:
            p = (i - fade_from + 1) / (n - fade_from)
            k = np.uint16(round(256 * p * p * (3 - 2 * p)))  # reaches 256 on the last frame
            for src, dst in zip(end(i), out, strict=True):
                dst[...] = (dst * (256 - k) + src * k) >> 8
        blend_caption(out[0], prompt, width, height, ink=235, shade=16)
        yield buf


def frames(width: int, height: int, seconds: float, *, seed: int, prompt: str, fps: int = 24,
           first_frame: bytes | None = None, last_frame: bytes | None = None) -> tuple[int, Iterator[np.ndarray]]:
    """The frames video() encodes: their count and an iterator of I420 buffers (8-bit BT.709, limited range).

    The iterator reuses one buffer: convert or copy each frame before asking for the next. Other
    encoders (synth/_formats.py) draw the same picture through this, so every format shows one clip.
    """
    check_size(width, height)
    n = max(1, round(seconds * fps))
    rng = rng_for("video", seed, prompt, first_frame or b"", last_frame or b"")
    if first_frame:
        start = _still(rng, load_image(first_frame), width, height, n, fps, zoom_in=True)
    else:
        start = _scene(rng, width, height, fps)
    end = _still(rng, load_image(last_frame), width, height, n, fps, zoom_in=False) if last_frame else None
    return n, _compose(start, end, n, width, height, prompt, rng)


def soundtrack(seconds: float, *, seed: int, prompt: str) -> np.ndarray:
    """The ambience under a video with audio: stereo float at AAC_RATE."""
    return ambience(rng_for("video audio", seed, prompt), seconds, AAC_RATE)


def video(width: int, height: int, seconds: float, *, seed: int, prompt: str, fps: int = 24,
          first_frame: bytes | None = None, last_frame: bytes | None = None, audio: bool = False) -> bytes:
    """MP4 (H.264 yuv420p, +AAC when audio) of exactly width x height and round(seconds*fps) frames.

    With first_frame the video opens on that image and slowly zooms into it; with last_frame it
    crossfades to end on that image; otherwise it is an abstract scene drawn from seed and prompt.
    Raises ValueError for an odd size or an image that cannot be decoded.
    """
    n, pictures = frames(width, height, seconds, seed=seed, prompt=prompt, fps=fps,
                         first_frame=first_frame, last_frame=last_frame)
    sound = soundtrack(n / fps, seed=seed, prompt=prompt) if audio else None
    return encode_mp4(width, height, fps, pictures, sound)


def like_frames(source: bytes | None, seconds: float, width: int, height: int, *, seed: int,
                prompt: str, regrade: bool = True, fps: Fraction | int = 24) -> tuple[int, Iterator[np.ndarray]]:
    """The frames video_like() encodes (24 fps unless asked): their count and an iterator of I420 buffers,
    as frames(). regrade=False keeps the source's colour and contrast (an upscale, an HDR conversion)."""
    check_size(width, height)
    n = max(1, round(seconds * fps))
    rng = rng_for("video_like", seed, prompt, source or b"")
    layer = _source(rng, source, width, height, n, fps) if source else None
    grade, luma = (0.0, 0.0), None
    if layer is None:
        layer = _scene(rng, width, height, fps)
    elif regrade:
        grade = tuple(rng.uniform(-24, 24, 2))
        luma = np.clip(128 + (np.arange(256) - 128) * rng.uniform(0.8, 1.3), 16, 235).astype(np.uint8)
    return n, _compose(layer, None, n, width, height, prompt, rng, grade, luma)


def video_like(source: bytes | None, seconds: float, width: int, height: int, *, seed: int,
               prompt: str, regrade: bool = True, fps: Fraction | int = 24) -> bytes:
    """MP4 of `seconds` at width x height (no audio; 24 fps, or `fps`: a frame-rate conversion): the
    source's frames regraded in colour and contrast (a short clip loops, a still image zooms), or a
    synthesized scene when there is no source or it has no picture (regrade=False: the source's own
    colour, resized). Raises ValueError when the source cannot be decoded.
    """
    _, pictures = like_frames(source, seconds, width, height, seed=seed, prompt=prompt, regrade=regrade, fps=fps)
    return encode_mp4(width, height, fps, pictures, None)
