"""The SDK's keywords -> a checked wire body, and JSON answers -> objects read like the SDK's models.

Kept apart from client.py so the faces stay a thin layer: everything here is pure (no I/O) and runs
in the caller's thread, so the warnings it raises point at the caller's own line.
"""

from __future__ import annotations

import datetime as _dt
import os
import sys
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from . import catalog, errors, shapes

I2V, T2V = "/v1/image_to_video", "/v1/text_to_video"
REQUEST_OPTIONS = ("extra_headers", "extra_query", "extra_body", "timeout")
PASS_THROUGH = ("https://", "runway://")  # what media.py sends as is (data: URIs it may re-encode or upload)
MEDIA_FIELDS = frozenset(p.name for m in catalog.MODELS.values() for e in m.endpoints for p in e.params if p.media)
_PKG_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def warn(message: str) -> None:
    """warnings.warn (a RunwayNBWarning) pointing at the user's line, however deep inside runway_nb we are."""
    frame, level = sys._getframe(0), 1
    while frame is not None and frame.f_code.co_filename.startswith(_PKG_DIR):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, errors.RunwayNBWarning, stacklevel=level)


# -- snake_case -> camelCase ----------------------------------------------------------------------
def camel(name: str) -> str:
    """prompt_text -> promptText, preset_id -> presetId, from_ -> from; camelCase stays as it is."""
    if name.endswith("_") and not name.startswith("_"):
        name = name[:-1]
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def to_wire(value: Any) -> Any:
    """Keys of dicts (recursively, through lists) to their wire names; dates to ISO strings."""
    if isinstance(value, Mapping):
        return {camel(str(k)): to_wire(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_wire(v) for v in value]
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    return value


@dataclass(frozen=True)
class Request:
    """A create call once its keywords are wire fields: ready for media, pre-flight and sending."""

    path: str
    body: dict
    model: str | None
    known: bool  # the catalog knows the model, so the body can be checked
    options: dict  # extra_headers, extra_query, timeout


def build(path: str, kwargs: dict) -> Request:
    """Keywords -> wire body: names, None dropped, extra_body merged, text-only image_to_video rerouted,
    defaults the seed guide relies on filled; prompt lint and unknown models reported as warnings."""
    options = {k: kwargs.pop(k) for k in REQUEST_OPTIONS if k in kwargs}
    body = to_wire({k: v for k, v in kwargs.items() if v is not None})
    body.update(options.pop("extra_body", None) or {})
    model_id = body.get("model")
    known = isinstance(model_id, str) and model_id in catalog.MODELS
    described = known or shapes.for_body(path, body) is not None  # the SDK's types describe it
    if path == I2V and "promptImage" not in body and model_id in catalog.TEXT_ONLY_ON_IMAGE_TO_VIDEO:
        path = T2V  # text-only: both readings of the API accept it there (contract §3)
    if known:
        fill_defaults(model_id, path, body)
        from .validate import lint_prompt

        for advice in lint_prompt(body["promptText"], model_id) if isinstance(body.get("promptText"), str) else ():
            warn(f"prompt: {advice}")
    elif isinstance(model_id, str) and not described:
        warn(f"model {model_id!r} is not in runway_nb's catalog; sending it unchecked (the API may be "
             f"newer). Known on {path}: {', '.join(catalog.models_on(path)) or 'none'}.")
    return Request(path, body, model_id if isinstance(model_id, str) else None, described, options)


def fill_defaults(model_id: str, path: str, body: dict) -> None:
    """Send the fields the seed guide leaves out but the SDK types require (catalog Param.fill: Veo's
    ratio, veo3's 8 s, gen4_turbo's ratio), so its examples work against either reading of the API."""
    endpoint = catalog.endpoint_for(model_id, path, body)
    for p in endpoint.params if endpoint else ():
        if getattr(p, "fill", False) and p.name not in body and p.default is not None:
            body[p.name] = p.default


# -- pre-flight ---------------------------------------------------------------------------------------
def check(path: str, body: dict, skip: Callable[[Any], bool] = lambda problem: False) -> None:
    """Every problem of the wire body at once, as one ValidationError; nothing is sent."""
    from .validate import validate_body

    problems = [p for p in validate_body(path, body) if not skip(p)]
    if problems:
        raise errors.ValidationError(problems, path=path)


PLACEHOLDER = "https://runway-nb.invalid/local-input"


def _local(value: Any) -> bool:
    """A path, bytes, image, array or data URI: media.py turns it into what is sent."""
    if isinstance(value, str):
        return not value.startswith(PASS_THROUGH)
    return not isinstance(value, (int, float, type(None), list, tuple, dict))


def without_local_media(body: dict) -> tuple[dict, set[str]]:
    """A copy of the body with local inputs replaced by a placeholder URL, and the fields replaced.

    The check before media conversion runs on it, so a bad ratio never waits for a 100 MB upload;
    problems of the inputs themselves are left to the check after conversion.
    """
    replaced: set[str] = set()

    def sub(value: Any, field: str) -> Any:
        if isinstance(value, dict):
            return {k: sub(v, f"{field}.{k}") if k == "uri" else v for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [sub(v, f"{field}.{i}") for i, v in enumerate(value)]
        if _local(value):
            replaced.add(field)
            return PLACEHOLDER
        return value

    out = {k: sub(v, k) if k in MEDIA_FIELDS else v for k, v in body.items()}
    return out, replaced


def check_before_media(path: str, body: dict) -> None:
    """The pre-flight check with local inputs set aside (see without_local_media)."""
    stand_in, replaced = without_local_media(body)
    check(path, stand_in, skip=lambda p: any(p.field == f or p.field.startswith(f + ".") for f in replaced))


# -- answers ------------------------------------------------------------------------------------------
def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name)


class Record(Mapping):
    """A JSON answer (organization, usage) read like the SDK's models: `org.credit_balance`, or org["creditBalance"]."""

    def __init__(self, data: Mapping) -> None:
        self._data = dict(data)

    def __getattr__(self, name: str) -> Any:
        data = self.__dict__.get("_data", {})
        for key in (camel(name), name):
            if key in data:
                return _wrap(data[key])
        raise AttributeError(f"no field {name!r}; fields: {', '.join(_snake(k) for k in data)}")

    def __getitem__(self, key: str) -> Any:
        return _wrap(self._data[key])

    def __iter__(self):
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def to_dict(self) -> dict:
        return dict(self._data)

    model_dump = to_dict

    def __repr__(self) -> str:
        return f"Record({self._data!r})"


def _wrap(value: Any) -> Any:
    if isinstance(value, Mapping):
        return Record(value)
    if isinstance(value, list):
        return [_wrap(v) for v in value]
    return value


@dataclass(frozen=True)
class Upload:
    """What uploads.create_ephemeral returns: `.uri` is the runway:// URI to use in any media field."""

    uri: str

    @property
    def runway_uri(self) -> str:
        return self.uri
