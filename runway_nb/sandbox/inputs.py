"""The media a request points at: found by walking the body along its shape, then opened.

https URLs are never fetched (their length is the catalog's nominal one, the same figure the
client's estimate uses); data URIs and runway:// uploads are decoded, sniffed and measured, so
their real length drives the output and the price. Shapes and formats of data URIs are
validate.py's job and are not re-checked here; uploads are checked here because only the sandbox
holds their bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import catalog, formats, shapes, validate

SNIFF_BYTES = 4096  # enough for magic bytes behind an ID3 tag


class InputRefused(Exception):
    """One input cannot be used; carries the problem to report with a 400."""

    def __init__(self, problem: validate.Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


@dataclass
class Media:
    """One input: where it sits in the body, what it is, and (when we hold it) its bytes or file."""

    field: str  # dotted wire path, e.g. "promptImage.0.uri"
    uri: str
    kind: str | None  # image / video / audio (None: an https URL whose kind the field leaves open)
    data: bytes | None = None
    path: Path | None = None
    seconds: float | None = None
    size: tuple[int, int] | None = None  # width, height of a video we hold
    position: str | None = None  # promptImage array items: first / last

    @property
    def held(self) -> bool:
        return self.data is not None or self.path is not None

    def read(self) -> bytes | None:
        if self.data is not None:
            return self.data
        return self.path.read_bytes() if self.path is not None else None


def open_along(shape: Any, body: dict, uploads) -> list[Media]:
    """Every media input a validated body gives, found along its shape (shapes.media_fields: the one
    walk), opened in wire order. A keyframe's position comes with it ("first" for a lone promptImage)."""
    out = []
    for field, kinds in shapes.media_fields(shape, body):
        holder, key = shapes.slot(body, field)
        if isinstance(holder[key], str):
            out.append(resolve(field, holder[key], kinds, _position(shape, holder, field), uploads))
    return out


def _position(shape: Any, holder: Any, field: str) -> str | None:
    if isinstance(holder, dict) and isinstance(holder.get("position"), str):
        return holder["position"]
    spec = shape.get("fields", {}).get(field) if "." not in field else None
    node = shapes.resolve(spec["shape"]) if spec else {}
    lists = [m for m in node.get("of", ()) if m.get("positions")]
    return lists[0]["positions"][0] if lists else None


def _short(uri: str) -> str:
    return uri if len(uri) <= 80 else uri[:60] + "..." + uri[-12:]


def resolve(field: str, uri: str, kinds: tuple[str, ...], position: str | None, uploads) -> Media:
    """Open one input. `uploads` maps a runway:// URI to a file path (or None when unknown/expired)."""
    scheme = uri.split(":", 1)[0].lower()
    media = Media(field, uri, kinds[0] if len(kinds) == 1 else None, position=position)
    if scheme == "data":
        _mime, media.data = formats.parse_data_uri(uri)  # validate.py already accepted it
        head = media.data[:SNIFF_BYTES]
    elif scheme == "runway":
        path = uploads(uri)
        if path is None:
            raise InputRefused(validate.Problem(field, _short(uri), (
                f"{field}: the upload {_short(uri)} is unknown or has expired (uploads last 24 hours); "
                "upload the file again with POST /v1/uploads")))
        media.path = path
        with open(path, "rb") as f:
            head = f.read(SNIFF_BYTES)
    else:
        return media  # https: never fetched
    found = formats.identify(head, kinds)  # formats.judge's reading, as validate.py and the client use
    if found is None or found[0] not in kinds or found[1] not in catalog.INPUT_LIMITS[found[0]].formats:
        what = formats.describe(*found) if found else "a file of unknown format"
        allowed = "; ".join(
            f"{k}: {', '.join(formats.NAMES.get(f, f) for f in catalog.INPUT_LIMITS[k].formats)}" for k in kinds
        )
        raise InputRefused(validate.Problem(field, _short(uri), f"{field} is {what}; use {allowed}"))
    media.kind = found[0]
    if media.kind == catalog.IMAGE and scheme == "runway" and (why := formats.unreadable_image(path)):
        raise InputRefused(validate.Problem(field, _short(uri), (  # data URIs: validate.py checked them
            f"{field} is {formats.describe(*found)} that cannot be read ({why}): it is truncated or corrupt")))
    if media.kind in (catalog.VIDEO, catalog.AUDIO):
        media.seconds = formats.probe_seconds(media.data if media.data is not None else media.path)
    if media.kind == catalog.VIDEO:
        media.size = video_size(media)
    return media


def video_size(media: Media) -> tuple[int, int] | None:
    """Width and height of a video input we hold, or None when unreadable."""
    import io

    import av

    src = io.BytesIO(media.data) if media.data is not None else str(media.path)
    try:
        with av.open(src) as c:
            stream = c.streams.video[0]
            return int(stream.codec_context.width), int(stream.codec_context.height)
    except (av.error.FFmpegError, IndexError, OSError, ValueError):
        return None


def check_reference_length(media: Media) -> None:
    """act_two: the performance video must be 3-30 s when its length can be measured."""
    problem = validate.input_length_problem("act_two", media.field, _short(media.uri), media.seconds)
    if problem is not None:
        raise InputRefused(problem)
