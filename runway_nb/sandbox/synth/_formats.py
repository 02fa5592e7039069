"""Gen-4.5's outputFormat deliveries, made for real: ProRes .mov, 10/12-bit HEVC, PNG and EXR sequences.

One row per outputFormat says what the file is (container, codec, pixel format, colour tags,
sidecars); render() draws the same clip as video() (its frame generator) and encodes it as the
row says. HDR rows carry the SDR picture as true BT.2020 PQ/HLG/linear light (synth/_colour.py).
The two ACEScg sequences are refused as a sandbox limit: see LIMITS.
"""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from typing import NamedTuple

import av
import numpy as np

from . import _colour as colour
from ._audio import audio_frames
from ._exr import encode_exr
from ._video import AAC_RATE, encode_clip, encode_mp4, frames, like_frames, soundtrack

# x265 threads fixed (not the machine's), so the same arguments give the same bytes everywhere.
X265 = "log-level=error:pools=2:frame-threads=2:info=0"  # info=0: no SEI naming the build and options
# SMPTE ST 2086 mastering display: BT.2020 primaries, D65, 1000 cd/m² peak, 0.0001 cd/m² black.
MASTER_DISPLAY = "G(8500,39850)B(6550,2300)R(35400,14600)WP(15635,16450)L(10000000,1)"
BT2020_XY = (0.708, 0.292, 0.170, 0.797, 0.131, 0.046, 0.3127, 0.3290)  # R, G, B, white (CIE xy)
ZIP_DATE = (2020, 1, 1, 0, 0, 0)  # fixed, so a zip's bytes depend only on its contents
PRORES_TIERS = {"422 Proxy": 0, "422 LT": 1, "422": 2, "422 HQ": 3, "4444": 4, "4444 XQ": 5}  # FFmpeg numbers


class Artifact(NamedTuple):
    """One delivered file: its name, bytes and MIME type."""

    filename: str
    data: bytes
    mime: str


class SandboxLimit(NotImplementedError):
    """The API makes this format; the sandbox cannot make it honestly with its own libraries."""

    def __init__(self, output_format: str, reason: str) -> None:
        self.output_format = output_format
        super().__init__(f"outputFormat {output_format!r} is not made by the sandbox (a sandbox limit, "
                         f"not an API rule): {reason}")


@dataclass(frozen=True)
class OutputFormat:
    """How one outputFormat is delivered. pix_fmt_4444 is for ProRes 4444 tiers; audio is the codec
    inside the container, or "wav" for a separate audio.wav beside a frame sequence."""

    name: str
    container: str  # "mp4", "mov" or "zip"
    codec: str  # FFmpeg encoder ("exr": synth/_exr.py)
    pix_fmt: str
    signal: str  # "sdr" (BT.709 as drawn), "pq", "hlg" or "linear" (BT.2020 light, 1.0 = 100 cd/m²)
    tags: tuple[int, int, int]  # colour primaries, transfer, matrix (ISO/IEC 23091-2 code points)
    mime: str
    audio: str = "aac"
    tiers: tuple[str, ...] = ()  # ProRes profiles accepted
    default_tier: str | None = None
    pix_fmt_4444: str | None = None
    x265: str = ""  # extra x265-params
    measured_light: bool = False  # MaxCLL/MaxFALL measured: a first pass for video; sequences as written
    frame_name: str = "frame_{:04d}.png"
    options: dict = field(default_factory=dict)


_ALL_TIERS = tuple(PRORES_TIERS)
_HDR_TIERS = ("422", "422 HQ", "4444")
_FAST_PNG = {"pred": "up", "compression_level": "1"}  # a quarter of the default's time, ~1.2x the bytes
FORMATS = {f.name: f for f in (
    OutputFormat("mp4", "mp4", "libx264", "yuv420p", "sdr", colour.BT709_TAGS, "video/mp4"),
    OutputFormat("prores", "mov", "prores", "yuv422p10le", "sdr", colour.BT709_TAGS, "video/quicktime",
                 audio="pcm_s16le", tiers=_ALL_TIERS, default_tier="4444", pix_fmt_4444="yuva444p10le"),
    OutputFormat("png_sequence", "zip", "png", "rgb24", "sdr", colour.BT709_TAGS, "application/zip", audio="wav",
                 options=_FAST_PNG),
    OutputFormat("hdr10", "mp4", "libx265", "yuv420p10le", "pq", colour.PQ_TAGS, "video/mp4",
                 x265="master-display=" + MASTER_DISPLAY),
    OutputFormat("hlg", "mp4", "libx265", "yuv420p10le", "hlg", colour.HLG_TAGS, "video/mp4"),
    OutputFormat("sdr_rec709_10bit", "mp4", "libx265", "yuv420p10le", "sdr", colour.BT709_TAGS, "video/mp4"),
    OutputFormat("hdr_pq_12bit_master", "mov", "libx265", "yuv444p12le", "pq", colour.PQ_TAGS, "video/quicktime",
                 audio="pcm_s16le", x265="master-display=" + MASTER_DISPLAY, measured_light=True),
    OutputFormat("hdr_prores", "mov", "prores", "yuv422p10le", "pq", colour.PQ_TAGS, "video/quicktime",
                 audio="pcm_s16le", tiers=_HDR_TIERS, default_tier="422 HQ", pix_fmt_4444="yuv444p10le"),
    OutputFormat("hdr_png_sequence", "zip", "png", "rgb48be", "pq", (9, 16, 0), "application/zip", audio="wav",
                 measured_light=True, options=_FAST_PNG),
    OutputFormat("hdr_exr_sequence", "zip", "exr", "half float RGB", "linear", (9, 8, 0), "application/zip",
                 audio="wav", measured_light=True, frame_name="frame_{:04d}.exr"),  # written by synth/_exr.py
)}
_ACES = ("it needs the inverse ACES {} Output Transform to make scene-referred ACEScg, which the sandbox's "
         "libraries (numpy, Pillow, PyAV) do not provide; hdr_exr_sequence gives linear BT.2020 EXR frames")
LIMITS = {"hdr_exr_acescg_sequence_1_3": _ACES.format("1.3"), "hdr_exr_acescg_sequence_2_0": _ACES.format("2.0")}
OUTPUT_FORMATS = (*FORMATS, *LIMITS)  # every value the API lists, in its order


def limit(output_format: str) -> str | None:
    """Why the sandbox cannot make this outputFormat (check before charging), or None when it can."""
    return LIMITS.get(output_format)


def tier(output_format: str, prores_profile: str | None) -> str | None:
    """The ProRes profile used: the one asked for, else the format's default (None for non-ProRes)."""
    row = _row(output_format)
    if prores_profile is None:
        return row.default_tier
    if prores_profile not in row.tiers:
        allowed = ", ".join(repr(t) for t in row.tiers) or "none (not a ProRes format)"
        raise ValueError(f"proresProfile {prores_profile!r} does not apply to outputFormat {output_format!r}; "
                         f"allowed: {allowed}")
    return prores_profile


def _row(output_format: str) -> OutputFormat:
    if output_format in LIMITS:
        raise SandboxLimit(output_format, LIMITS[output_format])
    if output_format not in FORMATS:
        raise ValueError(f"outputFormat {output_format!r} is not one of: {', '.join(OUTPUT_FORMATS)}")
    return FORMATS[output_format]


def render(output_format: str, width: int, height: int, seconds: float, *, seed: int, prompt: str,
           fps: int = 24, first_frame: bytes | None = None, last_frame: bytes | None = None,
           audio: bool = False, prores_profile: str | None = None) -> list[Artifact]:
    """The clip video() would make with these arguments, delivered as `output_format`.

    Returns one file (video.mp4 / video.mov / frames.zip), plus audio.wav beside a frame sequence
    when audio is on. Deterministic for the same arguments. Raises SandboxLimit for the formats in
    LIMITS and ValueError for an unknown format, a ProRes profile that does not apply, or what
    video() refuses (odd size, undecodable image).
    """
    kw = dict(seed=seed, prompt=prompt, fps=fps, first_frame=first_frame, last_frame=last_frame)
    n, first = frames(width, height, seconds, **kw)
    sound = soundtrack(n / fps, seed=seed, prompt=prompt) if audio else None
    unused = iter([first])  # the first pass uses these frames; a second (measuring light) draws them again
    return deliver(output_format, lambda: next(unused, None) or frames(width, height, seconds, **kw)[1],
                   width=width, height=height, fps=fps, sound=sound, prores_profile=prores_profile)


def deliver_like(output_format: str, source: bytes | None, seconds: float, width: int, height: int, *, seed: int,
                 prompt: str, prores_profile: str | None = None, regrade: bool = True) -> list[Artifact]:
    """video_like()'s clip of these arguments (24 fps, no sound) delivered as `output_format`: what a
    transform of a source video returns in a delivery format (ruby's HDR, aleph2's ProRes)."""
    def make() -> Iterator[np.ndarray]:
        return like_frames(source, seconds, width, height, seed=seed, prompt=prompt, regrade=regrade)[1]

    return deliver(output_format, make, width=width, height=height, fps=24, prores_profile=prores_profile)


def deliver(output_format: str, make_frames: Callable[[], Iterator[np.ndarray]], *, width: int, height: int,
            fps: int, sound: np.ndarray | None = None, prores_profile: str | None = None) -> list[Artifact]:
    """Any synthesized clip as `output_format`: make_frames() gives its I420 buffers (8-bit BT.709,
    limited range, as synth/_video.py draws them; called twice when light is measured first), sound
    is stereo float at AAC_RATE or None. render() is this for video()'s clip; video_like's frames fit too.
    """
    row, chosen = _row(output_format), tier(output_format, prores_profile)
    if row.name == "mp4":
        return [Artifact("video.mp4", encode_mp4(width, height, fps, make_frames(), sound), row.mime)]
    pictures = (av.VideoFrame.from_ndarray(buf, format="yuv420p") for buf in make_frames())
    if row.container == "zip":
        out = [Artifact("frames.zip", _sequence(row, pictures, width, height, fps, sound is not None), row.mime)]
        return out + ([Artifact("audio.wav", _wav(sound), "audio/wav")] if sound is not None else [])
    light = _measure(make_frames()) if row.measured_light else None
    pix_fmt = row.pix_fmt_4444 if chosen and chosen.startswith("4444") else row.pix_fmt

    def configure(stream: av.video.stream.VideoStream) -> None:
        stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
        cc = stream.codec_context
        cc.color_primaries, cc.color_trc, cc.colorspace = row.tags
        cc.color_range = 1  # limited ("MPEG") range, as video is
        if row.codec == "prores":
            stream.options = {"profile": str(PRORES_TIERS[chosen]), "vendor": "apl0"}
            cc.thread_count, cc.thread_type = 2, "FRAME"
        else:
            params = ":".join(p for p in (X265, row.x265, light and "max-cll={},{}".format(*light)) if p)
            stream.options = {"preset": "ultrafast", "crf": "20", "x265-params": params}  # x265's 28 is soft
            stream.codec_tag = "hvc1"  # the tag Apple players require for HEVC in MP4/MOV
            cc.gop_size = 2 * fps

    data = encode_clip(row.container, row.codec, fps, configure, _converted(row, pictures, pix_fmt), sound,
                       row.audio)
    return [Artifact("video." + row.container, data, row.mime)]


def _converted(row: OutputFormat, pictures: Iterator[av.VideoFrame], pix_fmt: str) -> Iterator[av.VideoFrame]:
    """Each drawn frame in the row's pixel format and signal (limited-range YUV for video codecs)."""
    for picture in pictures:
        if row.signal == "sdr":
            frame = picture.reformat(format=pix_fmt)  # same BT.709 picture, more bits per sample
        else:
            frame = colour.ycbcr_frame(colour.linear_light(picture), row.signal, pix_fmt)
        # ProRes writes the frame's own tags into each frame header (the container's come from the stream)
        frame.color_primaries, frame.color_trc, frame.colorspace = row.tags
        frame.color_range = 1
        yield frame


def _measure(buffers: Iterator[np.ndarray]) -> tuple[int, int]:
    """MaxCLL and MaxFALL (cd/m², rounded up) of the clip: a first pass, since x265 writes them first."""
    levels = [colour.light_levels(colour.linear_light(av.VideoFrame.from_ndarray(b, format="yuv420p")))
              for b in buffers]
    return _ceil(max(p for p, _ in levels)), _ceil(max(a for _, a in levels))


def _ceil(x: float) -> int:
    return int(np.ceil(x - 1e-6))


def _sequence(row: OutputFormat, pictures: Iterator[av.VideoFrame], width: int, height: int, fps: int,
              audio: bool) -> bytes:
    """A zip of one image per frame (stored: PNG and EXR are compressed already), plus colorimetry.json."""
    png = None
    if row.codec == "png":
        png = av.CodecContext.create("png", "w")
        png.width, png.height, png.pix_fmt = width, height, row.pix_fmt
        png.time_base = Fraction(1, fps)
        png.options = dict(row.options)
    peak, average, n = 0.0, 0.0, 0
    out = tempfile.TemporaryFile(prefix="runway_nb_synth_")  # on disk, so memory holds one copy, at the end
    with out, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        for n, picture in enumerate(pictures, start=1):
            if row.signal == "sdr":
                data = _png(png, picture.reformat(format="rgb24", src_colorspace="itu709",
                                                  src_color_range="MPEG", dst_color_range="JPEG"))
            else:
                light = colour.linear_light(picture)
                p, a = colour.light_levels(light)
                peak, average = max(peak, p), max(average, a)
                data = _hdr_image(row, png, light)
            zf.writestr(zipfile.ZipInfo(row.frame_name.format(n), ZIP_DATE), data)
        if row.signal != "sdr":
            info = _colorimetry(row, n, width, height, fps, audio, (_ceil(peak), _ceil(average)))
            zf.writestr(zipfile.ZipInfo("colorimetry.json", ZIP_DATE), json.dumps(info, indent=2) + "\n")
        zf.close()
        out.seek(0)
        return out.read()


def _png(png: av.CodecContext, image: av.VideoFrame) -> bytes:
    return b"".join(bytes(p) for p in png.encode(image))


def _hdr_image(row: OutputFormat, png: av.CodecContext | None, light: list[np.ndarray]) -> bytes:
    """One HDR frame file: linear half-float EXR, or a 16-bit PNG of the coded signal tagged by cICP."""
    if row.signal == "linear":
        return encode_exr(*colour.linear_planes(light), chromaticities=BT2020_XY,
                          white_luminance=colour.LINEAR_NITS_PER_UNIT)
    image = colour.coded_frame(light, row.signal).reformat(format=row.pix_fmt)
    image.color_primaries, image.color_trc, image.colorspace = row.tags
    image.color_range = 2  # full range: a PNG's cICP chunk says so
    return _png(png, image)


def _colorimetry(row: OutputFormat, n: int, width: int, height: int, fps: int, audio: bool,
                 light: tuple[int, int]) -> dict:
    """The sidecar describing the frames' signal: what a grading tool needs to read them right."""
    info = {"outputFormat": row.name, "frameCount": n, "frameRate": fps, "width": width, "height": height,
            "firstFrame": row.frame_name.format(1), "colourPrimaries": "BT.2020",
            "whitePoint": "D65"}
    if row.signal == "pq":
        info.update(encoding="16-bit RGB PNG, full range", transferFunction="SMPTE ST 2084 (PQ)",
                    pngCicp=list(row.tags) + [1])
    else:
        info.update(encoding="OpenEXR half float RGB, ZIP compression", transferFunction="linear",
                    nitsPerUnit=colour.LINEAR_NITS_PER_UNIT)
    info.update(referenceWhiteNits=colour.REFERENCE_WHITE, maxCLL=light[0], maxFALL=light[1],
                audio="audio.wav" if audio else None, source="runway_nb sandbox: synthetic SDR picture in HDR")
    return info


def _wav(sound: np.ndarray) -> bytes:
    """16-bit PCM WAV of stereo float audio at AAC_RATE (the audio of a frame sequence)."""
    out = io.BytesIO()
    with av.open(out, "w", format="wav", options={"fflags": "+bitexact"}) as container:
        stream = container.add_stream("pcm_s16le", rate=AAC_RATE, layout="stereo")
        for frame in audio_frames(sound, AAC_RATE, 1024):
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return out.getvalue()
