"""The SDK's keywords -> a wire body (planned by plan.py), and JSON answers -> objects read like the SDK's models.

Kept apart from client.py so the faces stay a thin layer: everything here is pure (no I/O) and runs
in the caller's thread, so the warnings it raises point at the caller's own line.
"""

from __future__ import annotations

import datetime as _dt
import os
import sys
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import catalog, errors, shapes

REQUEST_OPTIONS = ("extra_headers", "extra_query", "extra_body", "timeout")
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


def build(path: str, kwargs: dict) -> Any:
    """SDK keywords -> the call's plan (plan.make): names to the wire's, None dropped, extra_body merged."""
    from . import plan

    options = {k: kwargs.pop(k) for k in REQUEST_OPTIONS if k in kwargs}
    given = {k: v for k, v in kwargs.items() if v is not None}
    described = shapes.for_body(path, {"model": given["model"]} if "model" in given else {})
    # Along the SDK's shape where it has one: its wire names are not always camelCase (aleph2's
    # keyframes range is start_seconds on the wire) and a map's keys are data, not names.
    body = shapes.to_wire(described[1], given, camel) if described else to_wire(given)
    body.update(options.pop("extra_body", None) or {})
    return plan.make(path, body, options=options)


def tell(plan: Any) -> None:
    """The plan's advice as warnings at the caller's line: the prompt linter's, and a model the catalog
    does not know (sent unchecked: the API may be newer)."""
    for advice in plan.advice:
        warn(f"prompt: {advice}")
    if plan.model is not None and not plan.known:
        warn(f"model {plan.model!r} is not in runway_nb's catalog; sending it unchecked (the API may be "
             f"newer). Known on {plan.path}: {', '.join(catalog.models_on(plan.path)) or 'none'}.")


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
