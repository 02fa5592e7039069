"""Requests made from the pinned SDK's shapes: for any operation and model, a minimal call and a full one.

`example(shape, full)` gives the SDK's Python keywords (snake_case, as a user writes them): the
required fields only, or every field. Values are the smallest the shape allows (durations at their
minimum, one item per list) so the sandbox's synthesis stays quick; media are https placeholders of
the field's kind (the sandbox does not fetch them).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from runway_nb import shapes
from runway_nb.catalog import api

MEDIA = {"image": "https://example.com/input.png", "video": "https://example.com/input.mp4",
         "audio": "https://example.com/input.mp3"}
TEXT = "a red fox running through fresh snow at dawn, soft light, slow camera"
WORD = "subject"  # fits the tag patterns the shapes state


def example(node: Mapping, full: bool, depth: int = 0) -> Any:
    node = shapes.resolve(node)
    kind = node.get("type")
    if kind == "structure":
        out = {}
        for key, spec in node["fields"].items():
            if spec["required"] or (full and depth < 4):
                out[spec.get("python", key)] = example(spec["shape"], full, depth + 1)
        return _across(node, out)
    if kind == "union":
        return example(node["of"][0], full, depth)
    if kind == "enum":
        return node["values"][0]
    if kind in ("integer", "number"):
        lo, hi = node.get("min"), node.get("max")
        value = lo if lo is not None else min(hi, 5) if hi is not None else 5
        return int(value) if kind == "integer" else float(value)
    if kind == "string":
        if node.get("format") == "date-time":
            return "2026-01-02T03:04:05Z"
        text = WORD if node.get("pattern") else TEXT
        lo, hi = node.get("minLength") or 0, node.get("maxLength")
        text = (text * (lo // len(text) + 1)) if len(text) < lo else text
        return text[:hi] if hi is not None else text
    if kind == "boolean":
        return False
    if kind == "media":
        return MEDIA[node["kinds"][0]]
    if kind == "list":
        return [example(node["items"], full, depth + 1) for _ in range(max(node.get("minItems") or 0, 1))]
    if kind == "map":
        return {"node_1": example(node["values"], full, depth + 1)}
    return TEXT


def _across(node: Mapping, out: dict) -> dict:
    """Keep the rules the SDK states across fields (shapes.across): a field given only with a sibling's
    value gets that sibling set to it; a value set a sibling narrows gets its first value."""
    fields = node["fields"]
    python = {key: spec.get("python", key) for key, spec in fields.items()}
    for key, spec in fields.items():
        if python[key] in out:
            for other, values in (spec["shape"].get("onlyWhen") or {}).items():
                if other in fields:
                    out[python[other]] = values[0]
    for key, spec in fields.items():
        for when in spec["shape"].get("valuesWhen") or ():
            if python[key] in out and all(out.get(python.get(k, k)) == w for k, w in when["when"].items()):
                out[python[key]] = when["values"][0]
    return out


def call(client: Any, op_id: str, kwargs: dict) -> Any:
    """client.<resource>.<method>(**kwargs) for an operation id: the SDK and runway_nb alike."""
    op = api.operation(op_id)
    target = client
    for part in op.resource.split("."):
        target = getattr(target, part)
    return getattr(target, op.sdk_method)(**kwargs)
