"""The form's draft -> the wire body its plan is made from, and "copy as code". Pure functions.

A draft is {model, endpoint, body}: body is the wire body (camelCase) as the page built it, where a
file the person uploaded stands as the string "upload:<id>". The plan (runway_nb.plan) gets the
stored file's path in its place, a local input like any other: validated and priced as a placeholder,
turned into a data URI or an upload by the client when sent.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import catalog

UPLOAD = "upload:"


@dataclass
class Upload:
    """A file the page sent (its bytes are on disk at `path`), as the form knows it."""

    id: str
    name: str
    path: Path
    size: int
    kind: str | None = None
    format: str | None = None
    seconds: float | None = None
    error: str = ""

    def info(self) -> dict:
        """What the page may know: no bytes, no server path."""
        return {"name": self.name, "size": self.size, "kind": self.kind, "format": self.format, "error": self.error}


def substitute(value: Any, swap: Callable[[Upload | None, str], Any], uploads: Mapping[str, Upload]) -> Any:
    """Replace every "upload:<id>" in a body; {type, uri} items take the uploaded file's kind."""
    if isinstance(value, str) and value.startswith(UPLOAD):
        return swap(uploads.get(value[len(UPLOAD):]), value)
    if isinstance(value, list):
        return [substitute(v, swap, uploads) for v in value]
    if isinstance(value, dict):
        out = {k: substitute(v, swap, uploads) for k, v in value.items()}
        ref = value.get("uri")
        up = uploads.get(ref[len(UPLOAD):]) if isinstance(ref, str) and ref.startswith(UPLOAD) else None
        if up is not None and up.kind and "type" in value and value["type"] != "runway-preset":
            out["type"] = up.kind
        return out
    return value


def call_body(draft: Mapping, uploads: Mapping[str, Upload]) -> dict:
    """The wire body for the plan and the client: uploads as their stored paths."""
    return substitute(dict(draft.get("body") or {}), lambda up, ref: up.path if up else ref, uploads)


def input_seconds(draft: Mapping, uploads: Mapping[str, Upload]) -> float | None:
    """Length of the uploaded input a per-input-second price is measured on (None: nominal)."""
    model = catalog.MODELS.get(draft.get("model") or "")
    if model is None or model.price.unit != "input_second":
        return None
    found: list[float] = []

    def swap(up: Upload | None, ref: str) -> str:
        if up and up.seconds is not None:
            found.append(up.seconds)
        return ref

    substitute((draft.get("body") or {}).get(model.price.basis), swap, uploads)
    return found[0] if found else None


def _shown_fields(draft: Mapping) -> list[tuple[catalog.Param | None, str, Any]]:
    """The body's fields worth writing out: required ones, and optional ones set away from the default."""
    endpoint = catalog.endpoint_for(draft.get("model") or "", draft.get("endpoint") or "", draft.get("body"))
    out = []
    for name, value in (draft.get("body") or {}).items():
        p = endpoint.param(name) if endpoint else None
        if value is None or value == "" or (p is not None and not p.required and value == p.default):
            continue
        out.append((p, name, value))
    return out


def python_code(draft: Mapping, uploads: Mapping[str, Upload]) -> str:
    """The same request as a client call (uploaded files by their own names)."""
    def swap(up: Upload | None, ref: str) -> str:
        return up.name if up else ref

    resource = (draft.get("endpoint") or "/v1/?").rsplit("/", 1)[-1]
    lines = ["from runway_nb import RunwayML", "", "client = RunwayML()",
             f"task = client.{resource}.create(", f"    model={draft.get('model')!r},"]
    for p, name, value in _shown_fields(draft):
        keyword = p.python_name if p else catalog.Param(name, "text").python_name
        lines.append(f"    {keyword}={substitute(value, swap, uploads)!r},")
    return "\n".join([*lines, ")", "task.wait()"])


def magic_line(draft: Mapping, uploads: Mapping[str, Upload]) -> str:
    """The same request as a %runway line (magic_args' grammar: subcommand, options, then the prompt)."""
    from .. import magic_args

    path = draft.get("endpoint") or ""
    sub = next((s.name for s in magic_args.SUBS.values() if path in s.paths), None)
    if sub is None:
        return ""

    def name(value: Any) -> str:
        if isinstance(value, str) and value.startswith(UPLOAD):
            up = uploads.get(value[len(UPLOAD):])
            return up.name if up else value
        return str(value)

    words = ["%runway", sub, "--model", str(draft.get("model"))]
    prompt = ""
    for _param, field, value in _shown_fields(draft):
        flag = magic_args.flag_for(field)
        if field == "promptText":
            prompt = str(value)
        elif isinstance(value, bool):
            words.append(flag if value else "--no-" + flag[2:])
        elif field == "promptImage" and isinstance(value, list):
            for item in value:
                words += ["--last-image" if item.get("position") == "last" else flag, name(item.get("uri"))]
        elif isinstance(value, list):  # referenceImages / references
            for item in value:
                tag = f"={item['tag']}" if isinstance(item, dict) and item.get("tag") else ""
                words += [flag, name(item.get("uri") if isinstance(item, dict) else item) + tag]
        elif isinstance(value, dict):  # typed_uri, voice, contentModeration
            inner = value.get("uri", value.get("presetId", value.get("publicFigureThreshold")))
            words += [flag, name(inner)]
        else:
            words += [flag, name(value)]
    if prompt:
        words.append(prompt)
    return " ".join(w if w.startswith(("%", "--")) else shlex.quote(w) for w in words)
