"""%runway's options for every model the pinned SDK names, made from its shapes (catalog.api).

The seed's fifteen models keep their hand-kept Params (catalog.MODELS); every other model, and the
operations without a model (recipes, the Model Router), get Params derived here from their shape, so
the same parser, completion and help serve both. Fields no flag fits (nested objects, lists of
structures) are set with `--set path=value`; validation stays the plan's (one check).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from typing import Any

from . import catalog, shapes
from .catalog import api, overlay
from .errors import RunwayNBError


class ArgsError(RunwayNBError, ValueError):
    """A bad command line: the magic shows the message alone, with no traceback (magic_args re-exports it)."""


SET_HELP = ("set any field of the model's request, nested ones too: --set providerSettings.multiPrompt="
            "'[{\"prompt\":\"...\",\"duration\":5}]' (the value is read as JSON when it parses, else as text; "
            "dotted paths build nested objects; repeat for more); --help --model M lists every field")


def operation_of(path: str) -> api.Operation | None:
    return api.operation_for("POST", path)


def variant(model: str | None, path: str) -> Mapping | None:
    """The shape of a create body: the model's variant, or the operation's own shape (recipes, router)."""
    op = operation_of(path)
    if op is None:
        return None
    if model is None:
        found = shapes.for_body(path, {})
        return found[1] if found else None
    return api.variant(op.id, model)


def models_on(path: str) -> tuple[str, ...]:
    """Hand-kept models first (the seed's order), then every other model the SDK's types take there."""
    return tuple(dict.fromkeys([*catalog.models_on(path), *shapes.models_on(path)]))


def first_sentence(doc: str | None) -> str:
    text = " ".join((doc or "").split()).replace("e.g.", "e\0g\0").replace("i.e.", "i\0e\0")
    m = re.match(r"(.+?[.!?])(\s|$)", text)
    return (m.group(1) if m else text)[:160].replace("\0", ".")


def fields_of(shape: Mapping) -> Mapping:
    """A shape's top-level fields; a union's (multi_shot_video's modes) merged: required only where every
    member requires it, an enum's values joined."""
    shape = shapes.resolve(shape)
    if shape.get("type") != "union":
        return shape.get("fields", {})
    members = [shapes.resolve(m) for m in shape["of"]]
    merged: dict = {}
    for m in members:
        for wire, spec in m.get("fields", {}).items():
            everywhere = all(wire in o.get("fields", {}) and o["fields"][wire]["required"] for o in members)
            if wire not in merged:
                merged[wire] = {**spec, "required": everywhere}
                continue
            a, b = shapes.resolve(merged[wire]["shape"]), shapes.resolve(spec["shape"])
            if a.get("type") == b.get("type") == "enum":
                merged[wire]["shape"] = {"type": "enum", "values": tuple(dict.fromkeys([*a["values"], *b["values"]]))}
    return merged


# -- shape fields -> Params ------------------------------------------------------------------------
def _uri_items(node: Mapping) -> bool:
    """A list of {uri[, tag]} structures: one option, repeated (kling_4's references, product images)."""
    if node.get("type") != "list":
        return False
    item = shapes.resolve(node["items"])
    fields = item.get("fields", {}) if item.get("type") == "structure" else {}
    return "uri" in fields and set(fields) <= {"uri", "tag"} and shapes.resolve(fields["uri"]["shape"]).get("type") == "media"


def param_of(wire: str, spec: Mapping) -> catalog.Param | None:
    """A catalog.Param for one top-level field of a shape, or None when only --set can fill it."""
    node = shapes.resolve(spec["shape"])
    kind, req, help_ = node.get("type"), bool(spec["required"]), first_sentence(spec.get("doc")).rstrip(".")
    common = {"required": req, "help": help_, "max_len": None}
    if wire == "voice":
        return catalog.Param(wire, "voice", **common)
    if wire == "promptImage":
        return catalog.Param(wire, "prompt_image", media=("image",), **common)
    if kind == "enum":
        return catalog.Param(wire, "enum", choices=tuple(node["values"]), **common)
    if kind in ("integer", "number"):
        return catalog.Param(wire, "int" if kind == "integer" else "number", min=node.get("min"),
                             max=node.get("max"), **common)
    if kind == "string":
        return catalog.Param(wire, "text", **{**common, "max_len": node.get("maxLength")})
    if kind == "boolean":
        return catalog.Param(wire, "bool", **common)
    if kind == "media":
        return catalog.Param(wire, "uri", media=tuple(node["kinds"]), **common)
    if _uri_items(node):
        item = shapes.resolve(node["items"])
        kinds = tuple(shapes.resolve(item["fields"]["uri"]["shape"])["kinds"])
        return catalog.Param(wire, "reference_images", media=kinds, min_items=node.get("minItems") or 0,
                             max_items=node.get("maxItems"), **common)
    return None


AVATAR_PATH = "/v1/avatar_videos"


def _avatar_presets() -> tuple:
    node = shapes.resolve(variant("gwm1_avatars", AVATAR_PATH)["fields"]["avatar"]["shape"])
    return next(tuple(shapes.resolve(m)["fields"]["presetId"]["shape"]["values"]) for m in node["of"]
                if "presetId" in shapes.resolve(m)["fields"])


def _avatar_params() -> tuple[catalog.Param, ...]:
    """avatar_videos' nested avatar and speech objects, as the options a person gives."""
    return (catalog.Param("avatar", "avatar", required=True, choices=_avatar_presets(),
                          help="a preset avatar or the id of your own (client.avatars)"),
            catalog.Param("promptText", "text", help="the script the avatar speaks", max_len=None),
            catalog.Param("voice", "voice", help="the voice of the script: a preset, or a custom voice id "
                          "(%runway voices)"),
            catalog.Param("audio", "uri", media=("audio",), help="an audio clip to speak instead of a script"))


def avatar_body(fields: dict) -> dict:
    """--avatar, the script (the prompt words) or --audio, and --voice -> the wire's avatar and speech."""
    fields = dict(fields)
    name = fields.pop("avatar", None)
    script, voice, audio = fields.pop("promptText", None), fields.pop("voice", None), fields.pop("audio", None)
    if audio is not None and script:
        raise ArgsError("give the avatar a script (the prompt words) or --audio, not both")
    if audio is not None:
        speech: dict = {"type": "audio", "audio": audio}
    elif script:
        speech = {"type": "text", "text": script, **({"voice": voice} if voice else {})}
    else:
        raise ArgsError("an avatar needs a script to speak (the prompt words) or --audio CLIP")
    if name is not None:
        fields["avatar"] = ({"type": "runway-preset", "presetId": name} if name in _avatar_presets()
                            else {"type": "custom", "avatarId": name})
    return {**fields, "speech": speech}


@cache
def endpoint(model: str | None, path: str) -> catalog.Endpoint | None:
    """The fields of `model` on `path` as Params: hand-kept where the seed's catalog has them, else
    from the SDK's shape; None when neither knows the pair."""
    if model in catalog.MODELS:
        ep = catalog.MODELS[model].endpoint(path)
        if ep is not None:
            return ep
    shape = variant(model, path)
    if shape is None:
        return None
    if path == AVATAR_PATH:
        return catalog.Endpoint(path, _avatar_params())
    params = [param_of(w, s) for w, s in fields_of(shape).items() if w != "model"]
    return catalog.Endpoint(path, tuple(p for p in params if p is not None))


# In the SDK's own order ("Prefer eleven_ttv_v3 (latest)"): the first is the default.
VOICE_DESIGN_MODELS = tuple(api.shape("voice_create_params.FromText")["fields"]["model"]["shape"]["values"])


def field_paths(shape: Mapping | None, prefix: str = "", depth: int = 0) -> list[str]:
    """Dotted paths of a shape's fields, nested structures included (what --set completes to)."""
    out: list[str] = []
    for wire, spec in (fields_of(shape) if shape is not None else {}).items():
        if wire == "model":
            continue
        out.append(prefix + wire)
        node = shapes.resolve(spec["shape"])
        if node.get("type") == "structure" and depth < 2:
            out += field_paths(node, prefix + wire + ".", depth + 1)
    return out


# -- --set -----------------------------------------------------------------------------------------
_PATH = re.compile(r"^[A-Za-z_]\w*(\.\w+)*$")


def parse_set(spec: str) -> tuple[list[str], Any]:
    """'a.b=[1,2]' -> (['a', 'b'], [1, 2]); the value as JSON when it parses, else the text itself."""
    path, eq, text = spec.partition("=")
    path = path.strip()
    if not eq or not _PATH.match(path):
        raise ArgsError(f"--set {spec!r}: write FIELD=VALUE, FIELD a wire name or a dotted path "
                        "(providerSettings.multiPrompt=...)")
    try:
        value = json.loads(text)
    except ValueError:
        value = text
    return path.split("."), value


def check_path(parts: list[str], shape: Mapping | None, label: str) -> Mapping | None:
    """Refuse a --set path the model's shape has no field for, naming it and what is accepted; the
    node the path reaches (None below a map or an untyped value)."""
    node: Mapping | None = shape
    for depth, key in enumerate(parts):
        if node is None:
            return  # below a map or an untyped value: the data is the caller's
        node = shapes.resolve(node)
        kind = node.get("type")
        if kind == "list" and key.isdigit():
            node = node["items"]
            continue
        members = [shapes.resolve(m) for m in node["of"]] if kind == "union" else [node]
        structs = [m for m in members if m.get("type") == "structure"]
        if kind == "map" or any(m.get("type") in ("map", "any") for m in members):
            return
        where = ".".join(parts[:depth + 1])
        found = next((m["fields"][key]["shape"] for m in structs if key in m["fields"]), None)
        if found is None:
            names = sorted({k for m in structs for k in m["fields"]} - {"model"})
            what = f"it takes {', '.join(names)}" if names else f"{'.'.join(parts[:depth]) or 'it'} has no fields"
            raise ArgsError(f"--set {where}: no field {key!r} in {label}'s request; {what}")
        node = found
    return node


def as_written(value: Any, node: Mapping | None) -> Any:
    """A --set value read as JSON, kept as the text written where the field is text: `targetFramerate=24`
    is the enum's "24", not the number 24; `seed=7` on an integer stays 7."""
    node = shapes.resolve(node) if node is not None else {}
    texts = node.get("type") == "string" or (node.get("type") == "enum" and all(
        isinstance(v, str) for v in node["values"]))
    if texts and isinstance(value, (int, float)) and not isinstance(value, bool):
        return json.dumps(value)
    return value


def apply_sets(fields: dict, sets: list[str], shape: Mapping | None, label: str) -> None:
    """Put each --set value at its dotted path in `fields` (nested objects made as needed)."""
    for spec in sets or ():
        parts, value = parse_set(spec)
        if parts == ["model"]:
            raise ArgsError("--set model: choose the model with --model")
        value = as_written(value, check_path(parts, shape, label))
        holder = fields
        for i, key in enumerate(parts[:-1]):
            nxt = holder.setdefault(key, {})
            if not isinstance(nxt, dict):
                raise ArgsError(f"--set {'.'.join(parts)}: {'.'.join(parts[:i + 1])} is already {nxt!r}, not an object")
            holder = nxt
        holder[parts[-1]] = value


# -- voices ------------------------------------------------------------------------------------------
def voice_value(model: str, path: str, value: Any, resolve_media) -> dict:
    """The wire voice for a --voice value, by the model's voice shape: a preset name, a custom voice
    id (where the shape takes {type: custom, id}), or an audio clip to clone (seed_audio)."""
    shape = variant(model, path)
    spec = shape["fields"].get("voice") if shape else None
    if path == AVATAR_PATH and shape is not None:  # the voice of a text script, inside speech
        speech = [shapes.resolve(m) for m in shapes.resolve(shape["fields"]["speech"]["shape"])["of"]]
        spec = next(m["fields"]["voice"] for m in speech if "voice" in m["fields"])
    if spec is None:
        return {"type": "runway-preset", "presetId": value}
    node = shapes.resolve(spec["shape"])
    members = [shapes.resolve(m) for m in node["of"]] if node.get("type") == "union" else [node]

    def tag(m: Mapping) -> Any:
        return shapes.resolve(m["fields"]["type"]["shape"])["values"][0]

    for m in members:
        presets = shapes.resolve(m["fields"]["presetId"]["shape"]).get("values", ()) if "presetId" in m["fields"] else ()
        if value in presets:
            return {"type": tag(m), "presetId": value}
    for m in members:
        if "id" in m["fields"]:
            return {"type": tag(m), "id": value}
        if "audioUri" in m["fields"]:
            return {"type": tag(m), "audioUri": resolve_media(value)}
    takes = shapes.allowed(node)
    presets = next((shapes.resolve(m["fields"]["presetId"]["shape"])["values"] for m in members
                    if "presetId" in m["fields"]), ())
    raise ArgsError(f"--voice {value!r} is not a voice {model} takes ({takes}): choose a preset "
                    f"({', '.join(presets[:8])}, ...); custom voice ids (%runway voices) are taken only "
                    "where the API's types say so: %runway avatar --voice ID")


# -- help --------------------------------------------------------------------------------------------
def _field_lines(fields: Mapping, prefix: str, flags: Mapping[str, str], depth: int) -> Iterator[str]:
    for wire, spec in fields.items():
        if wire == "model":
            continue
        name = prefix + wire
        node = shapes.resolve(spec["shape"])
        flag = flags.get(name)
        how = flag if flag else f"--set {name}=..."
        need = "required" if spec["required"] else "optional"
        yield f"  {name:<28} {need:<8} {how}"
        yield f"      {shapes.allowed(node)}"
        if spec.get("doc"):
            yield f"      {first_sentence(spec['doc'])}"
        inner = node if node.get("type") == "structure" else None
        if node.get("type") == "list" and shapes.resolve(node["items"]).get("type") == "structure":
            inner, name = shapes.resolve(node["items"]), name + ".N"
        if inner is not None and depth < 2:
            yield from _field_lines(inner["fields"], name + ".", flags, depth + 1)


def model_help(sub: str, model: str | None, paths: tuple[str, ...], flags: Callable[[str], Mapping[str, str]]) -> str:
    """Every field `model` takes on the subcommand's operations, from the SDK's shape."""
    lines = []
    for path in paths:
        shape = variant(model, path)
        if shape is None:
            continue
        op = operation_of(path)
        lines += [f"{model + ' on ' if model else ''}{op.id} (POST {path}):", *_field_lines(fields_of(shape), "", flags(path), 0), ""]
    for path in paths if not lines and model in catalog.MODELS else ():  # retired: the hand-kept table's fields
        ep = catalog.MODELS[model].endpoint(path)
        lines += [f"{model} on {path.rsplit('/', 1)[-1]} (POST {path}; the seed's hand-kept fields):"] if ep else []
        for p in ep.params if ep else ():
            limits = (", ".join(map(str, p.choices)) if p.choices else
                      f"from {p.min:g} to {p.max:g}" if p.min is not None and p.max is not None else p.type)
            lines += [f"  {p.name:<28} {'required' if p.required else 'optional':<8} {flags(path).get(p.name, '')}",
                      f"      {limits}", *([f"      {p.help}"] if p.help else [])]
    if not lines:
        return f"{model} is not in runwayml {api.sdk_version()}'s types for %runway {sub}"
    facts = overlay.facts(model) if model else None
    head = [f"%runway {sub} --model {model}" + (f"  ({facts.provider})" if facts else "")]
    if facts and facts.retired:
        head.append(f"retired: {facts.retired}")
    if model in catalog.MODELS:
        head.append(catalog.MODELS[model].description)
    head.append("price: " + (price_text(model) if model else overlay.NO_PRICE))
    return "\n".join([*head, "", *lines, "Fields without a flag: " + SET_HELP])


def price_text(model: str) -> str:
    """The hand-kept price in words, or that none is published."""
    m = catalog.MODELS.get(model)
    if m is None:
        return "price not published"
    p = m.price
    unit = {"second": "s", "input_second": "s of input", "image": "image", "char": "characters"}[p.unit]
    text = f"{p.credits:g} credits/{'' if p.per == 1 else f'{p.per:g} '}{unit}"
    if p.by_ratio:
        text += f" ({min(p.by_ratio.values()):g} at 720p)"
    if p.silent_credits is not None:
        text += f" ({p.silent_credits:g} silent)"
    return text
