"""Media inputs judged by their content: magic bytes, data URIs, URL rules, durations.

A file called photo.png or a `data:image/png` URI may hold anything; Runway refuses what it cannot
read, so validation, the client and the sandbox look at the bytes. Stdlib and catalog only; PyAV is
imported inside probe_seconds and Pillow inside unreadable_image, so importing this module stays cheap.
"""

from __future__ import annotations

import base64
import binascii
import io
import ipaddress
import os
from typing import NamedTuple
from urllib.parse import urlsplit

from . import catalog
from .catalog import AUDIO, IMAGE, VIDEO

# Display names, for messages ("promptImage is a GIF image; use JPEG, PNG or WebP").
NAMES = {
    "jpeg": "JPEG", "png": "PNG", "webp": "WebP", "gif": "GIF", "tiff": "TIFF", "avif": "AVIF",
    "heif": "HEIF", "mp4": "MP4", "mov": "MOV", "webm": "WebM", "mkv": "MKV", "avi": "AVI",
    "mp3": "MP3", "mp2": "MP2", "wav": "WAV", "flac": "FLAC", "m4a": "M4A", "aac": "AAC",
    "ogg": "Ogg", "aiff": "AIFF",
}  # fmt: skip
_AN = frozenset({"mp4", "mov", "mkv", "avi", "mp3", "mp2", "m4a", "aac", "ogg", "aiff", "avif", "heif"})
_NOUNS = {IMAGE: "image", VIDEO: "video", AUDIO: "audio file"}
A_KIND = {IMAGE: "an image", VIDEO: "a video", AUDIO: "an audio file"}


# -- the one table of media types -----------------------------------------------------------------
class MediaType(NamedTuple):
    """A media format we store or show: its kind, MIME type and file extensions (the first is written)."""

    format: str
    kind: str
    mime: str
    extensions: tuple[str, ...]


MEDIA_TYPES = (
    MediaType("jpeg", IMAGE, "image/jpeg", ("jpg", "jpeg")),
    MediaType("png", IMAGE, "image/png", ("png",)),
    MediaType("webp", IMAGE, "image/webp", ("webp",)),
    MediaType("gif", IMAGE, "image/gif", ("gif",)),
    MediaType("mp4", VIDEO, "video/mp4", ("mp4",)),
    MediaType("mov", VIDEO, "video/quicktime", ("mov",)),
    MediaType("webm", VIDEO, "video/webm", ("webm",)),
    MediaType("mkv", VIDEO, "video/x-matroska", ("mkv",)),
    MediaType("mp3", AUDIO, "audio/mpeg", ("mp3",)),
    MediaType("wav", AUDIO, "audio/wav", ("wav",)),
    MediaType("flac", AUDIO, "audio/flac", ("flac",)),
    MediaType("m4a", AUDIO, "audio/mp4", ("m4a",)),
    MediaType("aac", AUDIO, "audio/aac", ("aac",)),
    MediaType("ogg", AUDIO, "audio/ogg", ("ogg",)),
)
_BY_EXT = {ext: t for t in MEDIA_TYPES for ext in t.extensions}
_BY_FORMAT = {t.format: t for t in MEDIA_TYPES}
# Content-Type -> extension (no dot), for a download whose bytes say nothing we know (outputs.py,
# store.py); audio/x-wav is what some servers send for WAV.
EXT_BY_TYPE = {**{t.mime: t.extensions[0] for t in MEDIA_TYPES}, "audio/x-wav": "wav"}


def file_ext(fmt: str) -> str:
    """A format's usual file extension, without the dot: jpeg -> jpg, the rest as named."""
    known = _BY_FORMAT.get(fmt)
    return known.extensions[0] if known else fmt


def type_of_name(name: str | os.PathLike) -> MediaType | None:
    """The media type a file name (or URL path) says by its extension, or None."""
    suffix = os.fspath(name).rsplit("/", 1)[-1]
    return _BY_EXT.get(suffix.rsplit(".", 1)[-1].lower()) if "." in suffix else None


def kind_of_name(name: str | os.PathLike) -> str | None:
    """'video', 'image' or 'audio' by the extension (runway_outputs/x.mp4 -> video), or None."""
    found = type_of_name(name)
    return found.kind if found else None


def mime_of_name(name: str | os.PathLike) -> str:
    """The MIME type by the extension; application/octet-stream when it is not a media type we know."""
    found = type_of_name(name)
    return found.mime if found else "application/octet-stream"


def media_types_json() -> dict:
    """The table as the front end reads it: {extension: {kind, mime}} (sent once in a widget's state)."""
    return {ext: {"kind": t.kind, "mime": t.mime} for ext, t in _BY_EXT.items()}

# ISO base media (ftyp) major brands that are not plain MP4 video.
_FTYP_BRANDS = {
    b"qt  ": (VIDEO, "mov"), b"M4A ": (AUDIO, "m4a"), b"M4B ": (AUDIO, "m4a"), b"M4P ": (AUDIO, "m4a"),
    b"F4A ": (AUDIO, "m4a"), b"avif": (IMAGE, "avif"), b"avis": (IMAGE, "avif"), b"heic": (IMAGE, "heif"),
    b"heix": (IMAGE, "heif"), b"mif1": (IMAGE, "heif"), b"msf1": (IMAGE, "heif"),
}  # fmt: skip
# Old QuickTime files may start with one of these atoms instead of ftyp.
_QT_ATOMS = (b"moov", b"mdat", b"wide", b"free", b"pnot")


# -- sniffing -------------------------------------------------------------------------------------
def identify(head: bytes, kinds: tuple[str, ...] | list[str]) -> tuple[str, str] | None:
    """sniff(), as a field taking `kinds` reads the bytes: the one rule the client and sandbox share.

    An ftyp brand cannot tell audio-only MP4 from video, and M4A is audio-only MP4: in a field that
    takes audio but not video, an MP4/MOV is M4A (the service reads what it is given).
    """
    found = sniff(head)
    if found and found[0] == VIDEO and found[1] in ("mp4", "mov") and AUDIO in kinds and VIDEO not in kinds:
        return AUDIO, "m4a"
    return found


def unreadable_image(source: bytes | str | os.PathLike) -> str | None:
    """Why a JPEG/PNG/WebP (bytes or a path) cannot be read, e.g. truncated; None when it can.

    Magic bytes say nothing of the rest: a 40-byte PNG starts like a good one. Cheap enough for
    a 5 MB image: the header is parsed; PNG chunks are walked and their CRCs checked (no inflate);
    JPEG is decoded at 1/8 scale; WebP's decoder checks its whole stream when opened. Pillow is
    imported here, so importing this module stays light.
    """
    import warnings

    from PIL import Image

    src = io.BytesIO(bytes(source)) if isinstance(source, (bytes, bytearray, memoryview)) else os.fspath(source)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(src) as im:
                if im.format == "PNG":
                    im.verify()
                elif im.format == "JPEG":
                    im.draft(im.mode, (1, 1))
                    im.load()
    except Image.DecompressionBombError:
        return None  # very large, not broken: the size rules are not this function's
    except FileNotFoundError:
        raise
    except Exception as exc:  # noqa: BLE001 - Pillow raises OSError, SyntaxError, struct.error, ...
        return str(exc).split(" <", 1)[0] or type(exc).__name__  # no "<_io.BytesIO object at 0x...>"
    return None


def sniff(head: bytes) -> tuple[str, str] | None:
    """(kind, format) from the first bytes of a file, or None when unrecognised.

    64 bytes are enough for everything but MP3/AAC behind a large ID3 tag, which needs the tag too.
    """
    head = bytes(head)
    if head.startswith(b"\xff\xd8\xff"):
        return IMAGE, "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return IMAGE, "png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return IMAGE, "gif"
    if head[:4] in (b"RIFF", b"RF64"):
        return {b"WEBP": (IMAGE, "webp"), b"WAVE": (AUDIO, "wav"), b"AVI ": (VIDEO, "avi")}.get(head[8:12])
    if head[4:8] == b"ftyp" and len(head) >= 12:
        return _FTYP_BRANDS.get(head[8:12], (VIDEO, "mp4"))
    if head[4:8] in _QT_ATOMS:
        return VIDEO, "mov"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return VIDEO, "webm" if _ebml_doctype(head) == b"webm" else "mkv"
    if head.startswith(b"fLaC"):
        return AUDIO, "flac"
    if head.startswith(b"OggS"):
        return AUDIO, "ogg"
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return AUDIO, "aiff"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return IMAGE, "tiff"
    if head.startswith(b"ID3") and len(head) >= 10:
        return _after_id3(head)
    return _mpeg_audio_frame(head)


def _ebml_doctype(head: bytes) -> bytes | None:
    """The DocType element (ID 0x4282) of an EBML header: b'webm' or b'matroska'."""
    i = head.find(b"\x42\x82", 4, 128)
    if i < 0 or i + 2 >= len(head):
        return None
    first = head[i + 2]
    length = 8 - first.bit_length() + 1  # an EBML vint's length is its leading zero bits + 1
    if not 1 <= length <= 8:
        return None
    size = int.from_bytes(bytes([first & (0xFF >> length)]) + head[i + 3:i + 2 + length], "big")
    start = i + 2 + length
    return head[start:start + size]


def _after_id3(head: bytes) -> tuple[str, str]:
    """An ID3v2 tag usually precedes MP3, sometimes AAC or FLAC: look past it when we have the bytes."""
    size = (head[6] & 0x7F) << 21 | (head[7] & 0x7F) << 14 | (head[8] & 0x7F) << 7 | (head[9] & 0x7F)
    offset = 10 + size + (10 if head[5] & 0x10 else 0)
    found = sniff(head[offset:]) if offset < len(head) else None
    return found if found and found[0] == AUDIO else (AUDIO, "mp3")


def _mpeg_audio_frame(head: bytes) -> tuple[str, str] | None:
    """An MPEG audio frame header (MP3/MP2) or an ADTS header (raw AAC), both starting with sync bits."""
    if len(head) < 3 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return None
    if head[1] & 0xF6 == 0xF0:  # 12 sync bits and layer 00: ADTS
        return AUDIO, "aac"
    version, layer = (head[1] >> 3) & 3, (head[1] >> 1) & 3
    bitrate, rate = head[2] >> 4, (head[2] >> 2) & 3
    if version == 1 or layer == 0 or bitrate == 15 or rate == 3:  # reserved values: not audio
        return None
    return AUDIO, "mp3" if layer == 1 else "mp2"


# -- data URIs -----------------------------------------------------------------------------------
def parse_data_uri(uri: str) -> tuple[str, bytes]:
    """'data:<mime>;base64,<payload>' -> (mime, bytes). Raises ValueError saying what is wrong.

    Runway takes base64 data URIs only. Missing '=' padding is tolerated (browsers and Node
    decode it); any other character outside the base64 alphabet is refused.
    """
    if not isinstance(uri, str) or uri[:5].lower() != "data:":
        raise ValueError("it does not start with 'data:'")
    header, comma, payload = uri[5:].partition(",")
    if not comma:
        raise ValueError("it has no ',' between the header and the data")
    mime, *params = header.split(";")
    mime = mime.strip().lower()
    if "/" not in mime:
        raise ValueError("it declares no media type (expected data:<type>/<subtype>;base64,...)")
    if "base64" not in (p.strip().lower() for p in params):
        raise ValueError("it is not base64-encoded (expected data:<type>/<subtype>;base64,...)")
    if not payload:
        raise ValueError("it carries no data")
    if len(payload) % 4 == 1:
        raise ValueError("its base64 data is truncated")
    try:
        data = base64.b64decode(payload + "=" * (-len(payload) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("its data is not valid base64") from None
    return mime, data


# -- input URIs (contract 6.2) -------------------------------------------------------------------
def describe(kind: str, fmt: str) -> str:
    """('image', 'gif') -> 'a GIF image'."""
    return f"{'an' if fmt in _AN else 'a'} {NAMES.get(fmt, fmt.upper())} {_NOUNS.get(kind, kind)}"


def join_or(items) -> str:
    """['a', 'b', 'c'] -> 'a, b or c' (for messages)."""
    items = [str(i) for i in items]
    return "" if not items else items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def size_text(n: int) -> str:
    """A byte count for people, in catalog.MB units."""
    return f"{n} bytes" if n < 1000 else f"{n / 1000:.1f} kB" if n < catalog.MB else f"{n / catalog.MB:.1f} MB"


def shorten(text: str) -> str:
    """A long string cut for messages: its first 40 characters and its size (never a whole data URI)."""
    if len(text) <= 80:
        return text
    size = size_text(len(text)) if text[:5].lower() == "data:" else f"{len(text)} chars"
    return f"{text[:40]}… ({size})"


def check_uri(uri: str, kinds: tuple[str, ...]) -> list[str]:
    """What keeps `uri` from being a usable input of one of `kinds`; [] when nothing does.

    Each reason is a phrase to follow the field's name ("is a GIF image; use JPEG, PNG or WebP").
    https: a host name, not an IP, at most catalog.URL_MAX_CHARS (never fetched here). data: decoded,
    judged by its bytes, its size capped on the URI string. runway://: syntax only (the sandbox
    knows whether the upload exists).
    """
    scheme = uri.partition(":")[0].lower() if ":" in uri else ""
    if scheme == "https":
        return _https_reasons(uri)
    if scheme == "data":
        return _data_reasons(uri, kinds)
    if scheme == "runway":
        ok = uri[:9].lower() == "runway://" and len(uri) > 9 and not any(c.isspace() for c in uri)
        return [] if ok else [f"{shorten(uri)!r} is not a runway:// upload URI (it must name an upload "
                              "and contain no spaces)"]
    if not uri:
        return ["is empty; give an https:// URL, a data: URI or a runway:// upload URI"]
    why = "Runway fetches https URLs only" if scheme == "http" else "it is not a URI Runway accepts"
    return [f"{shorten(uri)!r} cannot be used: {why}; give an https:// URL, a data: URI or a runway:// upload URI"]


def _https_reasons(url: str) -> list[str]:
    reasons = []
    if len(url) > catalog.URL_MAX_CHARS:
        reasons.append(f"is a URL of {len(url)} characters; the limit is {catalog.URL_MAX_CHARS} "
                       "(upload the file instead)")
    try:
        host = urlsplit(url).hostname
    except ValueError:
        host = None
    if any(c.isspace() for c in url):
        reasons.append(f"{shorten(url)!r} contains whitespace; percent-encode it")
    elif not host:
        reasons.append(f"{shorten(url)!r} has no host name")
    else:
        try:
            ipaddress.ip_address(host)
            reasons.append(f"{shorten(url)!r} uses an IP address ({host}); Runway fetches from host names only")
        except ValueError:
            pass
    return reasons


def _data_reasons(uri: str, kinds: tuple[str, ...]) -> list[str]:
    try:
        mime, data = parse_data_uri(uri)
    except ValueError as e:
        return [f"{shorten(uri)!r} is not a usable data URI: {e}"]
    kind, reasons = judge(data, mime, kinds)
    limit = catalog.INPUT_LIMITS[kind or kinds[0]].data_uri  # measured on the URI string, base64 and all
    if len(uri) > limit:
        reasons.append(f"is a data URI of {size_text(len(uri))}; {A_KIND[kind or kinds[0]]} data URI may be "
                       f"at most {size_text(limit)} (upload larger files instead)")
    return reasons


def judge(data: bytes, mime: str, kinds: tuple[str, ...]) -> tuple[str | None, list[str]]:
    """Whether bytes declared as `mime` are usable media of one of `kinds`: (kind found, reasons not).

    The content decides the format (identify; catalog.INPUT_LIMITS[kind].formats), an image must
    really decode (unreadable_image), and the declared type must name the same kind.
    """
    accepted = {k: catalog.INPUT_LIMITS[k].formats for k in kinds}
    found = identify(data, kinds)
    wanted, reasons = join_or(A_KIND[k] for k in kinds), []
    declared = mime.split("/")[0]
    if found is None:
        ok = join_or(NAMES[f] for k in kinds for f in accepted[k])
        reasons.append(f"holds {size_text(len(data))} of data that is not a recognised media file; give {wanted} ({ok})")
    elif found[0] not in kinds:
        return None, [f"is {describe(*found)}; it must be {wanted}"]
    elif found[1] not in accepted[found[0]]:
        reasons.append(f"is {describe(*found)}; use {join_or(NAMES[f] for f in accepted[found[0]])}")
    elif found[0] == IMAGE and (why := unreadable_image(data)):
        reasons.append(f"is {describe(*found)} that cannot be read ({why}): it is truncated or corrupt")
    if declared != (found[0] if found else declared) or declared not in kinds:
        what = f"holds {describe(*found)}" if found else f"must be {wanted}"
        reasons.append(f"declares {mime!r}, but it {what}; declare a matching {found[0] if found else join_or(kinds)}/... type")
    return (found[0] if found and found[0] in kinds else None), reasons


# -- durations ------------------------------------------------------------------------------------
def probe_seconds(data: bytes | str | os.PathLike) -> float | None:
    """Duration in seconds of audio or video (bytes or a path), or None when it cannot be read.

    Containers that state no duration (raw ADTS, streamed WebM) are measured by demuxing packets,
    which reads timestamps without decoding. A missing file raises FileNotFoundError.
    """
    import av  # lazy: PyAV loads FFmpeg's libraries, too slow for every import of this module

    src = io.BytesIO(bytes(data)) if isinstance(data, (bytes, bytearray, memoryview)) else os.fspath(data)
    try:
        with av.open(src) as container:
            if container.duration and container.duration > 0:
                return container.duration / av.time_base
            return _demuxed_seconds(container)
    except FileNotFoundError:
        raise
    except (av.error.FFmpegError, OSError, ValueError, EOFError):
        return None


def _demuxed_seconds(container) -> float | None:
    end = 0.0
    for packet in container.demux():
        if packet.pts is not None and packet.time_base is not None:
            end = max(end, float((packet.pts + (packet.duration or 0)) * packet.time_base))
    return end or None
