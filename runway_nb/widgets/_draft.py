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

from .. import catalog, shapes

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


def start(model: str) -> dict:
    """The first draft for `model` (an SDK model id, or a model-less operation's id such as
    "recipes.product_ad"): its first create path, and an empty body."""
    from ..catalog import api

    if model in catalog.MODELS:
        return {"model": model, "endpoint": catalog.MODELS[model].paths[0], "body": {}}
    op = api.operation(model)
    if op is not None and op.creates_task and not api.variants(op.id):
        return {"model": None, "endpoint": op.path, "body": {}}
    op = next(iter(api.operations_of(model)), None)
    if op is None:
        raise ValueError(f"GenerateForm has no model {model!r}; pick one of {', '.join(api.model_ids())}")
    return {"model": model, "endpoint": op.path, "body": {}}


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


def _shown_fields(draft: Mapping) -> list[tuple[str, Any]]:
    """The body's fields worth writing out: set ones, and for a seed model's optional ones only those
    set away from the hand-kept default."""
    endpoint = catalog.endpoint_for(draft.get("model") or "", draft.get("endpoint") or "", draft.get("body"))
    out = []
    for name, value in (draft.get("body") or {}).items():
        p = endpoint.param(name) if endpoint else None
        if value is None or value == "" or (p is not None and not p.required and value == p.default):
            continue
        out.append((name, value))
    return out


def operation_of(draft: Mapping) -> Any:
    """The pinned SDK's operation for the draft's path (None for a path it does not name)."""
    from ..catalog import api

    return api.operation_for("POST", draft.get("endpoint") or "")


def to_python(node: Mapping | None, value: Any) -> Any:
    """A wire value with structure keys as the SDK's Python names (along the shape), for code."""
    if node is None:
        return value
    node = shapes.resolve(node)
    kind = node.get("type")
    if kind == "structure" and isinstance(value, Mapping):
        fields = node["fields"]
        return {fields[k].get("python", k) if k in fields else k: to_python(fields[k]["shape"] if k in fields else None, v)
                for k, v in value.items()}
    if kind == "list" and isinstance(value, list):
        return [to_python(node["items"], v) for v in value]
    if kind == "union":
        for member in map(shapes.resolve, node["of"]):
            if (member.get("type") == "structure" and isinstance(value, Mapping) and set(value) <= set(member["fields"])
                    or member.get("type") == "list" and isinstance(value, list)):
                return to_python(member, value)
    return value


def python_code(draft: Mapping, uploads: Mapping[str, Upload]) -> str:
    """The same request as the SDK's call, `client.<resource>.<method>(**keywords)` with the SDK's
    Python names (uploaded files by their own names: put them beside the notebook)."""
    def swap(up: Upload | None, ref: str) -> str:
        return up.name if up else ref

    op = operation_of(draft)
    model = draft.get("model")
    body = {"model": model, **(draft.get("body") or {})} if model else dict(draft.get("body") or {})
    found = shapes.for_body(draft.get("endpoint") or "", body)
    fields = found[1]["fields"] if found and found[1].get("type") == "structure" else {}
    call = f"{op.resource}.{op.sdk_method}" if op else (draft.get("endpoint") or "/v1/?").rsplit("/", 1)[-1] + ".create"
    lines = ["from runway_nb import RunwayML", "", "client = RunwayML()", f"task = client.{call}("]
    if model:
        lines.append(f"    model={model!r},")
    for name, value in _shown_fields(draft):
        spec = fields.get(name)
        keyword = spec.get("python", name) if spec else catalog.Param(name, "text").python_name
        value = to_python(spec["shape"] if spec else None, substitute(value, swap, uploads))
        lines.append(f"    {keyword}={value!r},")
    return "\n".join([*lines, ")", "task.wait_for_task_output()"])


def magic_line(draft: Mapping, uploads: Mapping[str, Upload]) -> str:
    """The same request as a %runway line (magic_args' grammar: subcommand, options, then the prompt)."""
    from .. import magic_args

    path = draft.get("endpoint") or ""
    if draft.get("model") not in catalog.MODELS:
        return ""  # the magics' options are the hand-kept catalog's: a model only the SDK names has none yet
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
    endpoint = catalog.endpoint_for(draft["model"], path, draft.get("body"))
    shown = _shown_fields(draft)
    if endpoint is None or any(endpoint.param(field) is None for field, _ in shown):
        return ""  # a field only the SDK's shape names (gen4.5's outputFormat): the Python call says it
    for field, value in shown:
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
