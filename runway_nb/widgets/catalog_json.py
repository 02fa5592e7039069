"""The catalog as JSON for the form's front end: sent once in a trait, so the page can draw exactly the
fields each model takes without asking the kernel.

Every operation that starts a task is offered, one entry per model (or per operation, for those that
take no model: the recipes, the Model Router): its shape from catalog.api (nested structures, lists,
unions, enums, ranges, media), with docs cut to their first sentence and the named structures sent
once in `shapes`. Defaults come from the hand-kept catalog for the seed's models (the API applies
them; no type states them). The whole is about 110 KB as compact JSON (measured by the tests).

`python -m runway_nb.widgets.catalog_json > js/tests/fixtures/catalog.json` refreshes the copy the JS
tests read; a Python test fails when that copy is stale.
"""

from __future__ import annotations

import functools
import json
import re
import sys
from collections.abc import Mapping
from typing import Any

from .. import catalog, formats
from ..catalog import api, overlay

KINDS = ("video", "image", "audio")
DOC_CHARS = 160
LABELS = {
    "promptText": "Prompt", "promptImage": "Image", "ratio": "Ratio", "duration": "Duration (s)", "seed": "Seed",
    "audio": "Audio", "contentModeration": "Public figures", "videoUri": "Video", "audioUri": "Audio file",
    "references": "References", "referenceImages": "Reference images", "character": "Character",
    "reference": "Performance", "bodyControl": "Body control", "expressionIntensity": "Expression",
    "voice": "Voice", "loop": "Loop", "targetLang": "Language", "disableVoiceCloning": "Generic voice",
    "dropBackgroundAudio": "Drop background", "numSpeakers": "Speakers", "media": "Source",
    "removeBackgroundNoise": "Remove noise", "outputFormat": "Output format", "publicFigureThreshold": "Public figures",
    "uri": "File", "presetId": "Preset",
}
OPERATION_LABELS = {
    "text_to_video.create": "Text to video", "image_to_video.create": "Image to video",
    "video_to_video.create": "Video to video", "character_performance.create": "Character performance",
    "avatar_videos.create": "Avatar video", "video_upscale.create": "Video upscale", "video_to_hdr.create": "Video to HDR",
    "text_to_image.create": "Text to image", "image_upscale.create": "Image upscale",
    "text_to_speech.create": "Text to speech", "sound_effect.create": "Sound effect",
    "voice_isolation.create": "Voice isolation", "voice_dubbing.create": "Dubbing",
    "speech_to_speech.create": "Speech to speech", "video_to_audio.create": "Video to audio",
    "generate.video.create": "Model Router video", "generate.image.create": "Model Router image",
    "generate.audio.create": "Model Router audio",
}
LANGUAGE_NAMES = {
    "en": "English", "hi": "Hindi", "pt": "Portuguese", "zh": "Chinese", "es": "Spanish", "fr": "French",
    "de": "German", "ja": "Japanese", "ar": "Arabic", "ru": "Russian", "ko": "Korean", "id": "Indonesian",
    "it": "Italian", "nl": "Dutch", "tr": "Turkish", "pl": "Polish", "sv": "Swedish", "fil": "Filipino",
    "ms": "Malay", "ro": "Romanian", "uk": "Ukrainian", "el": "Greek", "cs": "Czech", "da": "Danish",
    "fi": "Finnish", "bg": "Bulgarian", "hr": "Croatian", "sk": "Slovak", "ta": "Tamil",
}
_BOILERPLATE = ("A HTTPS URL, Runway upload URI", "A HTTPS URL, a Runway upload URI")
_DROP = ("doc", "limitRules", "sdkType", "python")


def label(name: str) -> str:
    """A field's label: the table above, else its camelCase name in words."""
    if name in LABELS:
        return LABELS[name]
    words = "".join(" " + c.lower() if c.isupper() else c for c in name).replace("_", " ")
    return words[:1].upper() + words[1:]


def operation_label(op_id: str) -> str:
    return OPERATION_LABELS.get(op_id) or label(op_id.removesuffix(".create").split(".")[-1])


def help_text(doc: str) -> str:
    """A field doc's first sentence that says something the input does not (the media URI boilerplate
    "A HTTPS URL, Runway upload URI, or base64 data URI ..." does not), cut to fit under an input."""
    sentences = re.split(r"(?<=[a-z0-9)`][.!?])\s+(?=[A-Z`])", " ".join(doc.split()))
    first = next((s for s in sentences if not s.startswith(_BOILERPLATE)), "")
    return first if len(first) <= DOC_CHARS else first[: DOC_CHARS - 1].rstrip() + "…"


def compact(node: Any, names: set[str]) -> Any:
    """A shape node without what the page does not need (docs become one-line help), noting the
    named structures it refers to in `names`."""
    if isinstance(node, Mapping):
        if node.get("type") == "ref":
            names.add(node["name"])
        out = {k: compact(v, names) for k, v in node.items() if k not in _DROP}
        if node.get("doc") and (text := help_text(node["doc"])):
            out["help"] = text
        return out
    if isinstance(node, (list, tuple)):
        return [compact(v, names) for v in node]
    return node


def _seed_defaults(model_id: str, path: str, shape: dict) -> dict:
    """The hand-kept defaults of a seed model's top-level fields (duration 5, Veo's audio on)."""
    endpoint = next((e for e in catalog.MODELS[model_id].endpoints if e.path == path), None) \
        if model_id in catalog.MODELS else None
    for name, field in shape.get("fields", {}).items():
        p = endpoint.param(name) if endpoint else None
        if p is not None and p.default is not None and p.type not in ("voice", "moderation"):
            field["default"] = p.default
    return shape


def _entry(key: str, model: str | None, ops: list[api.Operation], names: set[str]) -> dict:
    kind = overlay.output_kind(ops[0].id) or "video"
    seed = catalog.MODELS.get(model or "")
    out_ops = []
    for op in ops:
        raw = api.variant(op.id, model) if model else (
            api.shape(op.params_shape) if isinstance(op.params_shape, str) else op.params_shape)
        shape = compact(raw, names)
        if model:
            shape["fields"].pop("model", None)
            _seed_defaults(model, op.path, shape)
        if "fields" in shape:  # the prompt first, then what must be given, then the options
            shape["fields"] = dict(sorted(shape["fields"].items(),
                                          key=lambda kv: (kv[0] != "promptText", not kv[1]["required"])))
        out_ops.append({"op": op.id, "path": op.path, "label": operation_label(op.id),
                        "call": f"{op.resource}.{op.sdk_method}", "shape": shape})
    return {"id": key, "model": model, "kind": kind,
            "provider": overlay.provider(model) if model else "Runway",
            "label": seed.label if seed else (model or operation_label(ops[0].id)),
            "description": seed.description if seed else "",
            "priced": seed is not None, "ops": out_ops}


def task_operations() -> list[api.Operation]:
    """Every operation that starts a task and makes media (realtime sessions and previews do not)."""
    return [op for op in api.operations().values() if op.creates_task and overlay.output_kind(op.id)]


def serialize() -> dict[str, Any]:
    """Every model (and model-less operation) that makes media, by kind then provider, with its shapes."""
    names: set[str] = set()
    by_model: dict[str, list[api.Operation]] = {}
    entries = []
    for op in task_operations():
        if api.variants(op.id):
            for model in api.variants(op.id):
                by_model.setdefault(model, []).append(op)
        else:
            entries.append(_entry(op.id, None, [op], names))
    order = list(OPERATION_LABELS)  # text first: a prompt alone is the common start
    entries += [_entry(model, model, sorted(ops, key=lambda op: order.index(op.id) if op.id in order else len(order)),
                       names) for model, ops in by_model.items()]
    entries.sort(key=lambda e: (KINDS.index(e["kind"]), e["provider"] != "Runway", e["provider"], e["model"] is None,
                                e["id"]))
    shapes: dict[str, Any] = {}
    while missing := sorted(names - shapes.keys()):
        for name in missing:
            shapes[name] = compact(api.shape(name), names)
    common, (entries, shapes) = shared_parts((entries, shapes))
    return {
        "kinds": list(KINDS),
        "models": entries,
        "shapes": shapes,
        "common": common,
        "labels": LABELS,
        "languages": {code: LANGUAGE_NAMES.get(code, code) for code in catalog.DUBBING_LANGUAGES},
        "accept": {kind: ",".join(dict.fromkeys(limit.mime.values())) for kind, limit in catalog.INPUT_LIMITS.items()},
        "upload_max_bytes": catalog.UPLOAD_MAX_BYTES,
        "media_types": formats.media_types_json(),  # the one table of kinds and MIME types, by extension
        "no_price": NO_PRICE_TEXT,
    }


def shared_parts(tree: Any, min_chars: int = 48) -> tuple[list, Any]:
    """Objects that occur more than once (the same media field on forty models) stored once in a
    list, each place holding {"$": index}; the page puts them back (form.ts expand)."""
    key = lambda node: json.dumps(node, sort_keys=True, separators=(",", ":"))  # noqa: E731
    counts: dict[str, int] = {}

    def count(node: Any) -> None:
        if isinstance(node, dict):
            k = key(node)
            counts[k] = counts.get(k, 0) + 1
            for v in node.values():
                count(v)
        elif isinstance(node, (list, tuple)):
            for v in node:
                count(v)

    table: list = []
    index: dict[str, int] = {}

    def sub(node: Any) -> Any:
        if isinstance(node, dict):
            k = key(node)
            if counts.get(k, 0) > 1 and len(k) >= min_chars:
                if k not in index:
                    index[k] = len(table)
                    table.append(None)
                    table[index[k]] = {n: sub(v) for n, v in node.items()}
                return {"$": index[k]}
            return {n: sub(v) for n, v in node.items()}
        if isinstance(node, (list, tuple)):
            return [sub(v) for v in node]
        return node

    count(tree)
    return table, sub(tree)


def expand(value: Any, common: list) -> Any:
    """shared_parts undone (what form.ts's expand does): {"$": i} -> common[i], recursively."""
    if isinstance(value, list):
        return [expand(v, common) for v in value]
    if isinstance(value, dict):
        if set(value) == {"$"}:
            return expand(common[value["$"]], common)
        return {k: expand(v, common) for k, v in value.items()}
    return value


NO_PRICE_TEXT = "price not published: Runway's estimate comes with the answer"


@functools.cache
def _cached_text() -> str:
    return json.dumps(serialize(), separators=(",", ":"))


def cached() -> dict[str, Any]:
    """serialize(), built once per process (a fresh copy each call: traits may be changed)."""
    return json.loads(_cached_text())


def size() -> int:
    """Bytes of the catalog as the page receives it (compact JSON)."""
    return len(_cached_text().encode())


if __name__ == "__main__":
    json.dump(serialize(), sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
