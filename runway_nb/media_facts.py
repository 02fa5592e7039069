"""What an output file is, read from the file: facts, a viewable poster, and whether a browser plays it.

Runway's outputFormat deliveries (ProRes .mov, 10/12-bit HEVC, PQ/HLG HDR, zips of PNG or EXR
frames) do not play in a browser; a player shows these facts and a poster frame instead. Facts
come from headers (no decoding; frame counts from the container, or by counting packets); the
poster decodes one frame and maps HDR simply to 8-bit SDR. Stdlib at import; PyAV, numpy and
Pillow are imported when used.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import secrets
import struct
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from .formats import sniff

# ISO/IEC 23091-2 code points (as FFmpeg numbers them) -> names people read; 2 = unspecified.
PRIMARIES = {1: "BT.709", 4: "BT.470 M", 5: "BT.601 625", 6: "BT.601 525", 7: "SMPTE 240M", 8: "film",
             9: "BT.2020", 10: "SMPTE 428 (XYZ)", 11: "DCI-P3", 12: "Display P3", 22: "EBU 3213"}
TRANSFERS = {1: "BT.709", 4: "gamma 2.2", 5: "gamma 2.8", 6: "BT.601", 7: "SMPTE 240M", 8: "linear",
             13: "sRGB", 14: "BT.2020 10-bit", 15: "BT.2020 12-bit", 16: "PQ (SMPTE 2084)",
             17: "SMPTE 428", 18: "HLG (ARIB STD-B67)"}
MATRICES = {0: "RGB", 1: "BT.709", 5: "BT.601 625", 6: "BT.601 525", 7: "SMPTE 240M", 8: "YCgCo",
            9: "BT.2020 non-constant", 10: "BT.2020 constant", 14: "ICtCp"}
PQ, HLG, LINEAR = TRANSFERS[16], TRANSFERS[18], TRANSFERS[8]
FRAME_EXTENSIONS = (".png", ".exr")
POSTER_WIDTH = 480  # a poster file's widest side: enough for a card, a few tens of kB
REFERENCE_WHITE = 203.0  # cd/m² that an HDR picture's SDR white sits at (ITU-R BT.2408): shown as white
_BROWSER_VIDEO = {"h264", "vp8", "vp9", "av1"}
_BROWSER_AUDIO = {"aac", "mp3", "opus", "vorbis", "flac"}
_BROWSER_FILES = {"jpeg", "png", "webp", "gif", "avif", "mp3", "wav", "ogg", "flac", "m4a"}
_CHROMATICITIES = {(0.708, 0.292, 0.17, 0.797, 0.131, 0.046): "BT.2020", (0.64, 0.33, 0.3, 0.6, 0.15, 0.06): "BT.709",
                   (0.713, 0.293, 0.165, 0.83, 0.128, 0.044): "ACES AP1"}


@dataclass(frozen=True)
class MediaFacts:
    """A media file as a player would describe it; None where the file does not say."""

    container: str  # "mp4", "mov", "webm", "zip", "png", ...
    video_codec: str | None = None  # "h264", "hevc", "prores", "png", "exr"
    profile: str | None = None  # "Main 10", "HQ", "4444"
    width: int | None = None
    height: int | None = None
    frames: int | None = None
    fps: float | None = None
    duration: float | None = None
    pix_fmt: str | None = None  # FFmpeg's name: yuv420p10le, rgb48be, half float RGB as "gbrpf16le"
    bit_depth: int | None = None
    primaries: str | None = None
    transfer: str | None = None
    matrix: str | None = None
    audio_codec: str | None = None
    frame_format: str | None = None  # a zip's frames: "png" or "exr"
    sidecars: tuple[str, ...] = ()  # a zip's other entries, e.g. colorimetry.json
    colorimetry: dict | None = field(default=None, compare=False)  # a zip's colorimetry.json

    @property
    def hdr(self) -> bool:
        """PQ, HLG or linear-light (EXR) pictures: they need tone mapping to show on an SDR screen."""
        return self.transfer in (PQ, HLG, LINEAR)


def facts(path: str | os.PathLike) -> MediaFacts:
    """The facts of a video, a zip of frames, or an image, from its headers (cheap: no decoding)."""
    path = Path(path)
    with open(path, "rb") as f:
        head = f.read(64)
    if head.startswith(b"PK\x03\x04"):
        return _zip_facts(path)
    found = sniff(head)
    if found and found[1] == "png":
        return _png_facts(path.read_bytes(), "png")
    if head.startswith(b"v/1\x01"):
        return _exr_facts(path.read_bytes(), "exr")
    return _av_facts(path, found[1] if found else path.suffix.lstrip(".").lower())


def browser_playable(path: str | os.PathLike) -> bool:
    """True for what a browser's <video>/<img>/<audio> shows: H.264/VP9/AV1 in MP4/WebM as 8-bit 4:2:0
    (with AAC/MP3/Opus/Vorbis/FLAC audio), and common images and audio. ProRes, HEVC, 10-bit, HDR
    and zips of frames are False."""
    with open(path, "rb") as f:
        found = sniff(f.read(64))
    if found is None:
        return False
    if found[1] not in ("mp4", "webm"):
        return found[1] in _BROWSER_FILES
    info = _av_facts(Path(path), found[1])
    if info.video_codec is None:
        return info.audio_codec in _BROWSER_AUDIO
    return (info.video_codec in _BROWSER_VIDEO and info.pix_fmt in ("yuv420p", "yuvj420p") and not info.hdr
            and (info.audio_codec is None or info.audio_codec in _BROWSER_AUDIO))


def poster(path: str | os.PathLike) -> bytes:
    """A PNG of the first frame, taken from the file itself: a video's first decoded frame (any codec),
    a zip's first PNG/EXR frame, or the image. HDR (PQ, HLG, linear EXR) and deep pictures are mapped
    to 8-bit: BT.2408 reference white shown as white, highlights rolled off, BT.2020 -> BT.709."""
    return _png(poster_rgb(path))


def poster_file(path: str | os.PathLike, width: int = POSTER_WIDTH) -> Path | None:
    """The poster as a JPEG beside the file (<stem>.poster.jpg, at most `width` wide), made once. It is
    a file, not bytes in the notebook, so a saved notebook stays small and shows it without a kernel
    (its relative path is served like the media's). None when the file has no picture to show."""
    path = Path(path)
    target = path.with_name(path.stem + ".poster.jpg")
    if target.is_file() and target.stat().st_mtime_ns >= path.stat().st_mtime_ns:
        return target
    try:
        rgb = poster_rgb(path)
    except Exception:  # a poster is a nicety: undecodable or pictureless files show their facts alone
        return None
    from PIL import Image

    image = Image.fromarray(rgb, "RGB")
    image.thumbnail((width, width))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=82)
    tmp = None
    try:  # written whole, then renamed: the name only ever holds a whole JPEG
        tmp = target.parent / f".{target.name}.{secrets.token_hex(4)}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)  # umask applies
        with os.fdopen(fd, "wb") as f:
            f.write(out.getvalue())
        os.replace(tmp, target)
    except OSError:  # a folder we may not write to (read-only, full): the facts show without a poster
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        return None
    return target


def poster_rgb(path: str | os.PathLike):
    """The first frame as poster() maps it, as an (h, w, 3) uint8 array."""
    info = facts(path)
    path = Path(path)
    if info.container == "zip":
        with zipfile.ZipFile(path) as zf:
            first = next(n for n in sorted(zf.namelist()) if n.lower().endswith(FRAME_EXTENSIONS))
            frame = _decode_image(zf.read(first), info.frame_format)
    elif info.container in ("png", "exr"):
        frame = _decode_image(path.read_bytes(), info.container)
    else:
        frame = _first_frame(path)
    return _display_rgb(frame, info)


# -- containers PyAV reads -----------------------------------------------------------------------
def _name(table: dict, code: int | None) -> str | None:
    return table.get(code) if code not in (None, 2) else None


def _bit_depth(pix_fmt: str | None) -> int | None:
    import av

    try:
        return max(c.bits for c in av.VideoFormat(pix_fmt).components) if pix_fmt else None
    except (ValueError, av.FFmpegError):
        return None


def _av_facts(path: Path, container: str) -> MediaFacts:
    import av

    with av.open(str(path)) as c:
        audio = c.streams.audio[0].codec_context.codec.canonical_name if c.streams.audio else None
        duration = c.duration / 1e6 if c.duration else None
        if not c.streams.video:
            return MediaFacts(container, duration=duration, audio_codec=audio)
        stream = c.streams.video[0]
        cc = stream.codec_context
        fps = float(stream.average_rate) if stream.average_rate else None
        if stream.duration and stream.time_base:
            duration = float(stream.duration * stream.time_base)
        frames = stream.frames or None
        if frames is None:  # the container does not say (WebM, MKV): count packets, still no decoding
            frames = sum(1 for p in c.demux(stream) if p.size) or None
        pix_fmt = cc.pix_fmt
        return MediaFacts(
            container, video_codec=cc.codec.canonical_name, profile=cc.profile or None, width=cc.width, height=cc.height,
            frames=frames, fps=fps, duration=duration, pix_fmt=pix_fmt, bit_depth=_bit_depth(pix_fmt),
            primaries=_name(PRIMARIES, cc.color_primaries), transfer=_name(TRANSFERS, cc.color_trc),
            matrix=_name(MATRICES, cc.colorspace), audio_codec=audio)


def _first_frame(path: Path):
    import av

    with av.open(str(path)) as c:
        if not c.streams.video:
            raise ValueError(f"{path.name} has no picture to make a poster from")
        return next(c.decode(video=0))


# -- frame sequences and single frames -------------------------------------------------------------
def _zip_facts(path: Path) -> MediaFacts:
    with zipfile.ZipFile(path) as zf:
        names = sorted(n for n in zf.namelist() if not n.endswith("/"))
        frames = [n for n in names if n.lower().endswith(FRAME_EXTENSIONS)]
        sidecars = tuple(n for n in names if n not in frames)
        colorimetry = None
        json_name = next((n for n in sidecars if Path(n).name == "colorimetry.json"), None)
        if json_name:
            colorimetry = json.loads(zf.read(json_name))
        if not frames:
            return MediaFacts("zip", sidecars=sidecars, colorimetry=colorimetry)
        kind = Path(frames[0]).suffix.lstrip(".").lower()
        first = zf.read(frames[0])
    one = _png_facts(first, "zip") if kind == "png" else _exr_facts(first, "zip")
    fps = (colorimetry or {}).get("frameRate")
    described = _described(colorimetry or {})
    return MediaFacts(
        "zip", video_codec=kind, width=one.width, height=one.height, frames=len(frames), fps=fps,
        duration=len(frames) / fps if fps else None, pix_fmt=one.pix_fmt, bit_depth=one.bit_depth,
        primaries=one.primaries or described.get("primaries"), transfer=one.transfer or described.get("transfer"),
        matrix=one.matrix, frame_format=kind, sidecars=sidecars, colorimetry=colorimetry)


def _described(colorimetry: dict) -> dict:
    """Primaries and transfer as a colorimetry.json words them, in this module's names."""
    words = f"{colorimetry.get('colourPrimaries', '')} {colorimetry.get('transferFunction', '')}".lower()
    out = {"primaries": "BT.2020"} if "2020" in words else {}
    for key, name in (("2084", PQ), ("pq", PQ), ("hlg", HLG), ("linear", LINEAR)):
        if key in words:
            out["transfer"] = name
            break
    return out


def _png_facts(data: bytes, container: str) -> MediaFacts:
    """IHDR and cICP chunks: size, depth, colour type, and (PNG 3rd edition) the colour tags."""
    width, height, depth, colour_type = struct.unpack(">IIBB", data[16:26])
    pix = {0: "gray", 2: "rgb", 4: "ya", 6: "rgba"}.get(colour_type, "pal")
    pix_fmt = {("rgb", 8): "rgb24", ("rgb", 16): "rgb48be", ("rgba", 8): "rgba", ("rgba", 16): "rgba64be",
               ("gray", 8): "gray", ("gray", 16): "gray16be"}.get((pix, depth), f"{pix}{depth}")
    cicp = _png_chunk(data, b"cICP")
    p, t, m = (cicp[0], cicp[1], cicp[2]) if cicp and len(cicp) >= 4 else (None, None, None)
    return MediaFacts(container, video_codec="png", width=width, height=height, frames=1, pix_fmt=pix_fmt,
                      bit_depth=depth, primaries=_name(PRIMARIES, p), transfer=_name(TRANSFERS, t),
                      matrix=_name(MATRICES, m))


def _png_chunk(data: bytes, kind: bytes) -> bytes | None:
    pos = 8
    while pos + 8 <= len(data):
        length, name = struct.unpack(">I4s", data[pos:pos + 8])
        if name == kind:
            return data[pos + 8:pos + 8 + length]
        if name in (b"IDAT", b"IEND"):  # colour chunks come before the image data
            return None
        pos += 12 + length
    return None


def _exr_facts(data: bytes, container: str) -> MediaFacts:
    """An OpenEXR header: data window, channel pixel type (half/float) and chromaticities."""
    attrs, pos = {}, 8
    while data[pos] != 0:
        name_end = data.index(b"\0", pos)
        type_end = data.index(b"\0", name_end + 1)
        (size,) = struct.unpack_from("<i", data, type_end + 1)
        attrs[data[pos:name_end].decode()] = data[type_end + 5:type_end + 5 + size]
        pos = type_end + 5 + size
    x0, y0, x1, y1 = struct.unpack("<4i", attrs["dataWindow"])
    pixel_type = struct.unpack_from("<i", attrs["channels"], attrs["channels"].index(b"\0") + 1)[0]
    bits = {0: 32, 1: 16, 2: 32}.get(pixel_type)
    pix_fmt = {1: "gbrpf16le", 2: "gbrpf32le", 0: "uint32"}.get(pixel_type)
    primaries = "BT.709"  # OpenEXR's default when no chromaticities are given
    if "chromaticities" in attrs:
        xy = tuple(round(v, 3) for v in struct.unpack("<8f", attrs["chromaticities"])[:6])
        primaries = _CHROMATICITIES.get(xy, "custom")
    return MediaFacts(container, video_codec="exr", width=x1 - x0 + 1, height=y1 - y0 + 1, frames=1,
                      pix_fmt=pix_fmt, bit_depth=bits, primaries=primaries, transfer=LINEAR, matrix="RGB")


def _decode_image(data: bytes, kind: str):
    import av

    codec = av.CodecContext.create(kind, "r")
    frames = codec.decode(av.Packet(data))
    if not frames:
        raise ValueError(f"the {kind.upper()} frame could not be decoded")
    return frames[0]


# -- the poster: any frame to 8-bit SDR ------------------------------------------------------------
def _display_rgb(frame, info: MediaFacts):
    """The frame as (h, w, 3) uint8 RGB for an SDR screen: SDR as coded, HDR through a simple tone map."""
    import numpy as np

    matrix = {"BT.2020 non-constant": "bt2020", "BT.2020 constant": "bt2020"}.get(info.matrix or "", "itu709")
    if info.transfer == LINEAR:  # EXR: linear light, 1.0 = 100 cd/m²
        nits = np.nan_to_num(_float_rgb(frame), nan=0.0, posinf=0.0, neginf=0.0) * 100.0
    elif info.hdr or (info.bit_depth or 8) > 8:
        full = "JPEG" if frame.format.name.startswith(("gbr", "rgb", "gray")) else None
        rgb = frame.reformat(format="rgb48le", src_colorspace=matrix, src_color_range=full or _range(frame),
                             dst_color_range="JPEG").to_ndarray().astype(np.float32) / 65535.0
        if not info.hdr:
            return _srgb_bytes(rgb, encoded=True)
        nits = _pq_decode(rgb) if info.transfer == PQ else _hlg_decode(rgb)
    else:
        return frame.reformat(format="rgb24", src_colorspace=matrix, src_color_range=_range(frame),
                              dst_color_range="JPEG").to_ndarray()
    light = nits / REFERENCE_WHITE
    if info.primaries == "BT.2020":
        light = light @ np.array([[1.6605, -0.5876, -0.0728], [-0.1246, 1.1329, -0.0083],
                                  [-0.0182, -0.1006, 1.1187]], np.float32).T  # BT.2020 -> BT.709 (linear)
    return _srgb_bytes(_roll_off(np.maximum(light, 0.0)), encoded=False)


def _roll_off(light, knee: float = 0.8):
    """Light above `knee` (1.0 = reference white) eased so the brightest pixel lands on 1.0; below it,
    and for pictures with nothing brighter than white, the light is kept as it is."""
    import numpy as np

    white = float(light.max())
    if white <= 1.0:
        return light
    t, top = np.maximum(light - knee, 0.0) / (1 - knee), (white - knee) / (1 - knee)
    eased = knee + (1 - knee) * t * (1 + t / (top * top)) / (1 + t)  # extended Reinhard: top -> 1.0
    return np.where(light > knee, eased, light)


def _float_rgb(frame):
    """(h, w, 3) float32 RGB of a planar float frame, read from its planes: swscale clips floats to 0..1."""
    import numpy as np

    dtype = np.float16 if "f16" in frame.format.name else np.float32
    planes = [np.frombuffer(p, dtype).reshape(p.height, p.line_size // dtype(0).itemsize)[:, :p.width]
              for p in frame.planes[:3]]
    return np.stack([planes[2], planes[0], planes[1]], axis=-1).astype(np.float32)  # G, B, R -> R, G, B


def _range(frame) -> str:
    return "JPEG" if getattr(frame, "color_range", 1) == 2 else "MPEG"


def _pq_decode(signal):
    import numpy as np

    m1, m2, c1, c2, c3 = 2610 / 16384, 2523 / 4096 * 128, 3424 / 4096, 2413 / 4096 * 32, 2392 / 4096 * 32
    p = np.power(np.clip(signal, 0.0, 1.0), 1 / m2)
    return 10000.0 * np.power(np.maximum(p - c1, 0.0) / (c2 - c3 * p), 1 / m1)


def _hlg_decode(signal, peak: float = 1000.0):
    """HLG signal -> display cd/m² on a 1000 cd/m² display (OOTF gamma 1.2, applied per channel)."""
    import numpy as np

    a, b, c = 0.17883277, 0.28466892, 0.55991073
    e = np.clip(signal, 0.0, 1.0)
    scene = np.where(e <= 0.5, e * e / 3, (np.exp((e - c) / a) + b) / 12)
    return peak * np.power(scene, 1.2)


def _srgb_bytes(rgb, encoded: bool):
    """Float RGB 0..1 -> uint8. Linear light is coded for a BT.1886 (gamma 2.4) display, as SDR video
    is, so an HDR poster of SDR-graded light looks like the SDR picture; coded values are only scaled."""
    import numpy as np

    x = np.clip(rgb, 0.0, 1.0)
    if not encoded:
        x = np.power(x, 1 / 2.4)
    return (x * 255 + 0.5).astype(np.uint8)


def _png(rgb) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.fromarray(rgb, "RGB").save(out, "PNG", compress_level=1)
    return out.getvalue()
