"""Media inputs -> what goes on the wire.

Every field that takes media accepts an https URL, a data URI, a runway:// URI, a local path (str or
Path), bytes, a PIL image or a numpy array. The format is judged from the bytes, never the name.
Small inputs become data URIs; larger ones go through Runway's ephemeral upload, streamed from disk.

Public names (the client calls these):
  inspect(value, *, field, kinds) -> Source       local look at an input: kind, format, size (no network)
  async prepare(value, *, field, kinds, http, data_uri_max=None) -> str     one input -> a wire URI
  async prepare_body(path, body, *, http, data_uri_max=None) -> dict        every media field of a body
  prepare_sync(...) / prepare_body_sync(...)     the same on the background loop (sync client)
  input_seconds(value) -> float | None           length of local audio/video, for pricing
"""

from __future__ import annotations

import base64
import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlparse

from . import catalog, errors, formats, shapes, validate
from .validate import Problem

PASS_THROUGH = ("https://", "runway://")  # sent as written (data: URIs may be re-encoded or uploaded)


def is_local(value: Any) -> bool:
    """A path, bytes, image, array or data URI: prepare() turns it into what is sent."""
    if isinstance(value, str):
        return not value.startswith(PASS_THROUGH)
    return not isinstance(value, (int, float, type(None), list, tuple, dict))


@dataclass(frozen=True)
class Source:
    """A local input after a look at its bytes: exactly one of `path` / `data` is set."""

    field: str
    kind: str
    format: str
    size: int
    path: Path | None = None
    data: bytes | None = None

    @property
    def mime(self) -> str:
        return catalog.INPUT_LIMITS[self.kind].mime[self.format]

    @property
    def filename(self) -> str:
        ext = formats.file_ext(self.format)
        if self.path is not None and self.path.suffix.lower().lstrip(".") in (ext, self.format):
            return self.path.name
        stem = self.path.stem if self.path is not None else self.field.replace(".", "_")
        return f"{stem}.{ext}"

    def data_uri_length(self) -> int:
        return len(f"data:{self.mime};base64,") + 4 * ((self.size + 2) // 3)

    def read(self) -> bytes:
        return self.data if self.data is not None else self.path.read_bytes()

    def data_uri(self) -> str:
        return f"data:{self.mime};base64," + base64.b64encode(self.read()).decode("ascii")


def _refuse(field: str, value: Any, message: str) -> errors.ValidationError:
    return errors.ValidationError([Problem(field, _describe(value), message)])


def _describe(value: Any) -> Any:
    """A short stand-in for a value in an error (never megabytes of bytes or base64)."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return f"<{len(value)} bytes>"
    if isinstance(value, str) and len(value) > 80:
        return value[:60] + "..."
    if isinstance(value, (str, int, float, type(None))):
        return value
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return f"<{type(value).__name__}>"


def _image_bytes(value: Any, field: str) -> bytes | None:
    """PIL images and numpy arrays -> PNG bytes; None for anything else."""
    mod = type(value).__module__
    if mod.startswith("numpy") and hasattr(value, "shape"):
        value = _array_to_pil(value, field)
    elif not (mod.startswith("PIL.") and hasattr(value, "save")):
        return None
    buf = io.BytesIO()
    value.save(buf, format="PNG")
    return buf.getvalue()


def _array_to_pil(arr: Any, field: str) -> Any:
    import numpy as np
    from PIL import Image

    shape_ok = arr.ndim == 2 or (arr.ndim == 3 and arr.shape[2] in (3, 4))
    if not shape_ok:
        raise _refuse(field, f"<array {arr.shape}>", f"{field}: an image array must be HxW, HxWx3 or HxWx4, "
                      f"not shape {arr.shape}")
    if np.issubdtype(arr.dtype, np.floating):
        if arr.size and (np.nanmin(arr) < 0 or np.nanmax(arr) > 1):
            raise _refuse(field, f"<array {arr.dtype}>", f"{field}: a float image array must hold values "
                          "in 0..1 (multiply by 255 and use uint8 for 0..255 data)")
        arr = np.rint(np.nan_to_num(arr) * 255).astype(np.uint8)
    elif arr.dtype != np.uint8:
        raise _refuse(field, f"<array {arr.dtype}>", f"{field}: an image array must be uint8 (0..255) "
                      f"or float (0..1), not {arr.dtype}")
    return Image.fromarray(np.ascontiguousarray(arr))


def _local(value: Any, field: str) -> tuple[Path | None, bytes | None]:
    """Turn a local input into a path or bytes; errors name the field."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return None, bytes(value)
    if isinstance(value, str) and value.startswith("data:"):
        try:
            return None, formats.parse_data_uri(value)[1]
        except ValueError as exc:
            raise _refuse(field, value, f"{field}: not a readable data URI ({exc})") from None
    if isinstance(value, str) and not value.strip():
        raise _refuse(field, value, f"{field} is empty; give an https:// URL, a runway:// upload URI, a data URI "
                      "or a local file")
    if isinstance(value, (str, os.PathLike)):
        path = Path(os.fspath(value)).expanduser()
        if isinstance(value, str) and (value.startswith("http://") or "://" in value):
            raise _refuse(field, value, f"{field}: URL '{_describe(value)}' is not accepted; use an https:// "
                          "URL, a runway:// upload URI, a data URI or a local file")
        if not path.exists():
            raise _refuse(field, value, f"{field}: file '{path}' does not exist")
        if path.is_dir():
            raise _refuse(field, value, f"{field}: '{path}' is a directory; give a media file")
        return path, None
    data = _image_bytes(value, field)
    if data is None:
        raise _refuse(field, value, f"{field}: cannot use a {type(value).__name__} as media; give a URL, "
                      "data URI, path, bytes, PIL image or numpy array")
    return None, data


def inspect(value: Any, *, field: str, kinds: tuple[str, ...] | list[str]) -> Source:
    """Look at a local input (path, bytes, PIL, numpy, data URI): its kind, format and size."""
    path, data = _local(value, field)
    if path is not None:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(64)
    else:
        size, head = len(data), data[:64]
    found = formats.identify(head, kinds)  # the sandbox's rule too (formats.judge)
    allowed = " or ".join(f"{k} ({', '.join(catalog.INPUT_LIMITS[k].formats)})" for k in kinds)
    if found is None:
        raise _refuse(field, value, f"{field}: the data is not a recognised media format; {field} takes {allowed}")
    kind, fmt = found
    if kind not in kinds:
        raise _refuse(field, value, f"{field}: got {kind} ({fmt}), but {field} takes {allowed}")
    limit = catalog.INPUT_LIMITS[kind]
    if fmt not in limit.formats:
        raise _refuse(field, value, f"{field}: {fmt.upper()} is not supported for {kind} inputs; "
                      f"use {', '.join(limit.formats)}")
    cap = min(limit.upload, catalog.UPLOAD_MAX_BYTES)
    if size > cap:
        raise _refuse(field, value, f"{field}: {size / catalog.MB:.1f} MB is over the {cap // catalog.MB} MB "
                      f"upload limit for {kind} inputs")
    if kind == catalog.IMAGE and (why := formats.unreadable_image(path if path is not None else data)):
        raise _refuse(field, value, f"{field}: the {formats.NAMES[fmt]} image cannot be read ({why}); it is "
                      "truncated or corrupt")
    return Source(field, kind, fmt, size, path, data)


async def prepare(value: Any, *, field: str, kinds: tuple[str, ...] | list[str], http: Any,
                  data_uri_max: int | None = None) -> str:
    """One media input -> the URI to send: remote URIs pass through, small data inline, large uploaded.

    `data_uri_max` lowers the inline cap (bytes of URI text) below catalog.INPUT_LIMITS[kind].data_uri.
    """
    if isinstance(value, str) and value.startswith(PASS_THROUGH):
        return value
    src = inspect(value, field=field, kinds=kinds)
    cap = catalog.INPUT_LIMITS[src.kind].data_uri
    if data_uri_max is not None:
        cap = min(cap, data_uri_max)
    if isinstance(value, str) and value.startswith("data:") and len(value) <= cap and (
            value[5:].split(";", 1)[0].strip().lower() == src.mime):
        return value  # already right: sent as written
    if src.data_uri_length() <= cap:
        return src.data_uri()  # the type named by the bytes, whatever the data URI claimed
    return await upload(src, http=http)


async def upload(src: Source, *, http: Any) -> str:
    """Runway's ephemeral upload: ask for a presigned form, then POST the file to it (HTTP.upload
    streams a path from disk in 64 KiB chunks, with no Runway auth header)."""
    resp = await http.request("POST", "/v1/uploads", json={"filename": src.filename, "type": "ephemeral"})
    form = resp.json()
    url = urljoin(http.base_url + "/", form["uploadUrl"])
    await http.upload(url, form.get("fields") or {}, filename=src.filename,
                      source=src.path if src.path is not None else src.data, content_type=src.mime)
    return form["runwayUri"]


def _guess_kind(value: Any, kinds: tuple[str, ...]) -> str:
    """A {type, uri}'s `type` for a bare value: from the bytes when local, the URL's suffix otherwise."""
    if isinstance(value, str) and value.startswith(PASS_THROUGH):
        kind = formats.kind_of_name(urlparse(value).path)
        return kind if kind in kinds else kinds[0]
    try:
        return inspect(value, field="", kinds=kinds).kind
    except (errors.RunwayNBError, ValueError, OSError):
        return kinds[0]  # unreadable: prepare() names the problem when it reads the input


def coerce(node: Any, value: Any) -> Any:
    """`value` in the form its shape takes, where a user may write less: a bare local input (a path,
    bytes, an image) where {uri, ...} stands becomes {"uri": input}, its `type` named from the bytes
    where the shape needs one (else the first kind it takes); a tuple becomes a list. Everything else
    is left as written, for validation."""
    node = shapes.resolve(node)
    kind = node.get("type")
    value = list(value) if isinstance(value, tuple) else value
    if kind == "union":
        meant = shapes.member(node, value)
        if meant is not None:
            return coerce(meant, value)
        wrapped = next((m for m in map(shapes.resolve, node["of"]) if _wraps(m)), None)
        return coerce(wrapped, value) if wrapped is not None and is_local(value) else value
    if kind == "list" and isinstance(value, (list, tuple)):
        return [coerce(node["items"], item) for item in value]
    if kind != "structure":
        return value
    if isinstance(value, dict):
        return {k: coerce(node["fields"][k]["shape"], v) if k in node["fields"] else v for k, v in value.items()}
    if not _wraps(node) or not is_local(value):
        return value  # a URL or a wrong value stays as written: the API would refuse it too
    out = {"uri": value}
    key = node.get("kindFrom")
    if key is not None:
        spec = node["fields"][key]
        kinds = tuple(shapes.resolve(spec["shape"])["values"])
        out = {key: _guess_kind(value, kinds) if spec["required"] else kinds[0], **out}
    return out


def _wraps(node: Any) -> bool:
    """A structure that holds one input under `uri` (every other field optional or its kind)."""
    fields = node.get("fields", {}) if node.get("type") == "structure" else {}
    uri = fields.get("uri")
    return uri is not None and shapes.resolve(uri["shape"]).get("type") == "media" and all(
        not spec["required"] or key in ("uri", node.get("kindFrom")) for key, spec in fields.items())


def _check_lengths(model: str, body: dict) -> None:
    """validate.LENGTH_RULES on local inputs (act_two's 3-30 s reference), measured here as the sandbox does."""
    for field in validate.LENGTH_RULES.get(model, {}):
        name = field.split(".", 1)[0]
        value = body.get(name)
        value = value.get("uri") if isinstance(value, dict) else value
        problem = validate.input_length_problem(model, field, _describe(value), input_seconds(value))
        if problem is not None:
            raise errors.ValidationError([problem])


async def prepare_body(path: str, body: dict, *, http: Any, data_uri_max: int | None = None) -> dict:
    """A wire body with every media field made wire-ready (a new dict; the input is not changed), along
    the model's shape (for a model newer than the catalogs, as its neighbours on the path have them)."""
    _check_lengths(str(body.get("model", "")), body)  # before any upload: nothing is sent for a bad input
    shape = shapes.layout(path, body)
    if shape is None:
        return shapes.copy_tree(body)
    return await _prepare_along(shape, coerce(shape, body), http=http, data_uri_max=data_uri_max)


async def _prepare_along(shape: Any, body: dict, *, http: Any, data_uri_max: int | None) -> dict:
    out = shapes.copy_tree(body)
    for where, kinds in shapes.media_fields(shape, body):
        holder, key = shapes.slot(out, where)
        holder[key] = await prepare(holder[key], field=where, kinds=kinds, http=http, data_uri_max=data_uri_max)
    return out


def prepare_sync(value: Any, **kw: Any) -> str:
    """prepare() for sync code: runs on the background loop where the sync client's HTTP lives."""
    from ._loop import run_sync

    return run_sync(prepare(value, **kw))


def prepare_body_sync(path: str, body: dict, **kw: Any) -> dict:
    from ._loop import run_sync

    return run_sync(prepare_body(path, body, **kw))


def input_seconds(value: Any) -> float | None:
    """Length in seconds of a local audio/video input (for pricing); None for remote or unreadable."""
    if value is None or (isinstance(value, str) and value.startswith(PASS_THROUGH)):
        return None
    if isinstance(value, dict):
        return input_seconds(value.get("uri"))
    try:
        path, data = _local(value, "input")
        return formats.probe_seconds(path if path is not None else data)
    except (errors.ValidationError, ValueError, OSError):
        return None
