"""The hand-kept table's models (catalog.MODELS) as shape nodes, so one walk (shapes.py) reads every model.

The seed's models keep their stricter hand-kept facts (tag rules, frame positions, seed ranges, the
fields the seed guide leaves out), written once in catalog.Param and turned into the node grammar
here; a field the pinned SDK gained since (gen4.5's outputFormat) comes from the SDK's own shape of
the same model, with the rules it states across fields. Validation, media preparation and the
sandbox then walk one description for every model. Adding a Param type means one entry in NODES.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from . import catalog
from .catalog import api

TAG_WORDS = "use 3 to 16 letters, digits or underscores, starting with a letter"


def _media(p: catalog.Param) -> dict:
    return {"type": "media", "kinds": list(p.media or catalog.KINDS)}


def _spec(shape: dict, required: bool = True) -> dict:
    return {"required": required, "shape": shape}


def _text(p: catalog.Param) -> dict:
    node = {"type": "string", "minLength": 1}
    return {**node, "maxLength": p.max_len, "lengthUnit": "utf16"} if p.max_len is not None else node


def _number(kind: str) -> Callable[[catalog.Param], dict]:
    def node(p: catalog.Param) -> dict:
        return {"type": kind, **({"min": p.min} if p.min is not None else {}),
                **({"max": p.max} if p.max is not None else {})}
    return node


def _typed(p: catalog.Param, type_required: bool = True) -> dict:
    """{type, uri}: the type names the media kind, and the uri's content must be of it (kindFrom)."""
    return {"type": "structure", "kindFrom": "type", "fields": {
        "type": _spec({"type": "enum", "values": list(p.media)}, type_required), "uri": _spec(_media(p))}}


def _items(p: catalog.Param, item: dict, **extra: Any) -> dict:
    node = {"type": "list", "items": item, **extra}
    if p.min_items:
        node["minItems"] = p.min_items
    if p.max_items is not None:
        node["maxItems"] = p.max_items
    return node


def _prompt_image(p: catalog.Param) -> dict:
    frame = {"type": "structure", "fields": {"uri": _spec(_media(p)),
                                             "position": _spec({"type": "enum", "values": list(p.positions)})}}
    return {"type": "union", "of": [_media(p), {"type": "list", "minItems": 1, "items": frame,
                                                 "positions": list(p.positions)}]}


def _reference_images(p: catalog.Param) -> dict:
    tag = {"type": "string", "pattern": f"^{catalog.REFERENCE_TAG_PATTERN}$", "patternWords": TAG_WORDS}
    item = {"type": "structure", "fields": {"uri": _spec(_media(p)), "tag": _spec(tag, False)}}
    return _items(p, item, uniqueKey="tag", itemNoun="image")


NODES: dict[str, Callable[[catalog.Param], dict]] = {
    "text": _text,
    "enum": lambda p: {"type": "enum", "values": list(p.choices)},
    "int": _number("integer"),
    "number": _number("number"),
    "bool": lambda p: {"type": "boolean"},
    "uri": _media,
    "prompt_image": _prompt_image,
    "typed_uri": _typed,
    "references": lambda p: _items(p, _typed(p, type_required=False)),  # the seed guide omits type: image
    "reference_images": _reference_images,
    "voice": lambda p: {"type": "structure", "fields": {
        "type": _spec({"type": "enum", "values": [catalog.VOICE_TYPE]}),
        "presetId": _spec({"type": "enum", "values": list(p.choices)})}},
    "moderation": lambda p: {"type": "structure", "fields": {
        "publicFigureThreshold": _spec({"type": "enum", "values": list(p.choices)}, False)}},
}


@cache
def shape(model_id: str, path: str) -> dict | None:
    """The request shape of a hand-kept model on one path (None when it does not run there). Shared:
    never change what it returns."""
    model = catalog.MODELS.get(model_id)
    endpoint = model.endpoint(path) if model else None
    if endpoint is None:
        return None
    fields = {"model": _spec({"type": "enum", "values": [model_id]})}
    for p in endpoint.params:
        fields[p.name] = _spec(NODES[p.type](p), p.required)
    op = api.operation_for("POST", path)
    newer = api.variant(op.id, model_id) if op is not None else None
    for key, spec in (newer or {}).get("fields", {}).items():
        fields.setdefault(key, spec)  # what the SDK added since (outputFormat, seed on veo3.1)
    node: dict = {"type": "structure", "fields": fields}
    if any(p.type == "reference_images" for p in endpoint.params):
        node["mentions"] = "referenceImages"  # every @Tag in promptText names one of them
    elsewhere = {p.name: [e.path for e in model.endpoints if e.param(p.name) is not None]
                 for e in model.endpoints for p in e.params if endpoint.param(p.name) is None}
    if elsewhere:
        node["elsewhere"] = elsewhere  # promptImage on text_to_video: "it belongs to /v1/image_to_video"
    return node
