"""%runway's inputs: a URL, a file path or a notebook variable, turned into what the client sends.

Plain functions over strings and objects (no IPython), shared by the generation subcommands and the
non-task ones (voices from an audio clip).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from . import catalog, formats
from .catalog import IMAGE, VIDEO
from .magic_models import ArgsError

EXTENSIONS = {ext: t.kind for t in formats.MEDIA_TYPES for ext in t.extensions}  # formats' one table, by extension


_URL = re.compile(r"^(https?|data|runway):", re.I)
_EXPR = re.compile(r"^[A-Za-z_]\w*(\.\w+|\[-?\d+\])*$")


def resolve_input(spec: str, namespace, option: str) -> Any:
    """A URL stays a string; a notebook variable becomes its object; a path becomes a Path."""
    if _URL.match(spec):
        return spec
    root = re.match(r"[A-Za-z_]\w*", spec)
    if _EXPR.match(spec) and root and root.group() in namespace:
        try:
            obj = eval(spec, {"__builtins__": {}}, namespace)  # noqa: S307 - the user's own names
        except Exception as exc:
            raise ArgsError(f"{option} {spec!r}: {type(exc).__name__}: {exc}") from None
        return as_media(obj, option)
    path = Path(spec).expanduser()
    if path.is_file():
        return path
    raise ArgsError(f"{option} {spec!r}: not a URL, an existing file, or a variable in the notebook")


def as_media(obj: Any, option: str) -> Any:
    """What the client takes for a notebook object: a previous result's first output, a file, bytes..."""
    outputs = getattr(obj, "outputs", None)
    if outputs is not None and not isinstance(obj, (str, bytes)):
        files = getattr(obj, "files", None)
        if files:
            return Path(files[0])
        if not outputs:
            raise ArgsError(f"{option}: that task has no output yet (status {getattr(obj, 'status', '?')})")
        obj = outputs[0]
    if hasattr(obj, "read") and hasattr(obj, "url") and isinstance(obj.url, str):
        saved = getattr(obj, "path", None)
        if saved and Path(saved).is_file():
            return Path(saved)
        return obj.url if re.match(r"https://[^/]*[A-Za-z][^/]*\.[A-Za-z]", obj.url) else obj.read()
    if isinstance(obj, str):
        return obj if _URL.match(obj) else resolve_input(obj, {}, option)
    if isinstance(obj, (bytearray, memoryview)):
        return bytes(obj)
    if hasattr(obj, "__fspath__"):
        return Path(obj)
    return obj  # bytes, PIL images, numpy arrays: media.py knows them


def media_kind(value: Any) -> str | None:
    """image / video / audio of a resolved input, by sniffing bytes where we can, else by name."""
    head = None
    if isinstance(value, bytes):
        head = value[:64]
    elif isinstance(value, Path):
        with open(value, "rb") as f:
            head = f.read(64)
    if head is not None:
        try:
            from .formats import sniff
            found = sniff(head)
            if found:
                return found[0]
        except ImportError:
            pass
    if isinstance(value, str):
        if value.startswith("data:"):
            kind = value[5:].split("/", 1)[0]
            return kind if kind in catalog.KINDS else None
        name = value.split("?", 1)[0]
    elif isinstance(value, Path):
        name = value.name
    elif isinstance(value, bytes):
        return None
    else:
        return VIDEO if getattr(value, "ndim", 3) == 4 else IMAGE  # PIL image or numpy array
    return EXTENSIONS.get(name.rsplit(".", 1)[-1].lower()) if "." in name else None


def split_tag(spec: str) -> tuple[str, str | None]:
    """'cat.png=Cat' -> ('cat.png', 'Cat'); a URL's own query (?sig=abc) is not taken for a tag."""
    m = re.fullmatch(r"(.+)=([A-Za-z][A-Za-z0-9_]*)", spec)
    if not m:
        return spec, None
    left = m.group(1)
    if _URL.match(left) and "?" in left and "=" not in left.rsplit("?", 1)[1].rsplit("&", 1)[-1]:
        return spec, None
    return left, m.group(2)


