"""Request shapes as the pinned SDK release states them (catalog.api), and the one walk along them.

A shape node is one of: structure (fields: wire name -> {required, shape}), list (items, minItems,
maxItems), union (of; discriminator when a key tells the members apart), enum (values), integer and
number (min, max), string (minLength, maxLength, lengthUnit "utf16", pattern, format), boolean,
media (kinds, dataUriMaxMB), map (values), any, or ref (name of a structure). `nullable` admits null.

`walk` visits a body along its shape; `problems` (validation) and `media_fields` (where local media
may stand) are its visitors, so a new node type is taught once, here.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from . import catalog, formats, seed_shapes
from .catalog import api
from .formats import A_KIND
from .formats import join_or as _or
from .problems import Problem, UnknownField, _brief, _choices, _close, _same, _show, _wrong, utf16_len

Visit = Callable[[Mapping, Any, str], None]  # (node, value, field) at every node the body reaches


def resolve(node: Mapping) -> Mapping:
    """The node itself, or the structure a ref names (null still admitted where the ref admits it)."""
    if node.get("type") != "ref":
        return node
    named = api.shape(node["name"])
    return {**named, "nullable": True} if node.get("nullable") and not named.get("nullable") else named


def for_body(path: str, body: Any) -> tuple[str, Mapping] | None:
    """(label, shape) of a create body by the SDK's data: the model's variant, or the operation's own
    shape for one that takes no model; None when the pinned SDK does not know this path or model."""
    op = api.operation_for("POST", path)
    if op is None:
        return None
    name = op.id.removesuffix(".create").replace("_", "-")
    variants = api.variants(op.id)
    if variants:
        model = body.get("model") if isinstance(body, Mapping) else None
        shape = variants.get(model) if isinstance(model, str) else None
        return (f"{model} {name}", shape) if shape is not None else None
    if op.params_shape is None:
        return None
    shape = op.params_shape
    return name, (api.shape(shape) if isinstance(shape, str) else shape)


def request_shape(path: str, body: Any) -> Mapping | None:
    """The shape a create body is judged and prepared along, whoever describes its model: the
    hand-kept table (seed_shapes, on the path it routes to) or the pinned SDK; None for a model
    neither knows (sent unchecked)."""
    model = body.get("model") if isinstance(body, Mapping) else None
    if isinstance(model, str) and model in catalog.MODELS:
        endpoint = catalog.endpoint_for(model, path, body)
        return seed_shapes.shape(model, endpoint.path) if endpoint is not None else None
    found = for_body(path, body)
    return found[1] if found is not None else None


def layout(path: str, body: Any) -> Mapping | None:
    """Where inputs stand in a create body: its model's shape (request_shape), else, for a model newer
    than both catalogs (sent unchecked), each field as the models known on the same path have it
    (referenceImages is a list of {uri, tag?} there too); None when no field is known anywhere."""
    shape = request_shape(path, body)
    if shape is not None or not isinstance(body, Mapping):
        return shape
    fields: dict = {}
    for model in dict.fromkeys((*catalog.models_on(path), *models_on(path))):
        for key, spec in (request_shape(path, {"model": model}) or {}).get("fields", {}).items():
            if key in body and key != "model":
                fields.setdefault(key, spec)
    return {"type": "structure", "fields": fields} if fields else None


def models_on(path: str) -> tuple[str, ...]:
    """The model ids the pinned SDK's types take on a create path."""
    op = api.operation_for("POST", path)
    return tuple(api.variants(op.id)) if op is not None else ()


def walk(node: Mapping, value: Any, field: str, visit: Visit) -> None:
    """Visit `value` along `node`, then its parts along theirs (a union along the member it matches)."""
    node = resolve(node)
    visit(node, value, field)
    kind = node.get("type")
    if kind == "structure" and isinstance(value, Mapping):
        for key, spec in node["fields"].items():
            if key in value:
                walk(_narrowed(node, spec["shape"], value), value[key], _join(field, key), visit)
    elif kind == "list" and isinstance(value, list):
        for i, item in enumerate(value):
            walk(node["items"], item, _join(field, str(i)), visit)
    elif kind == "map" and isinstance(value, Mapping):
        for key, item in value.items():
            walk(node["values"], item, _join(field, str(key)), visit)
    elif kind == "union":
        meant = member(node, value)
        if meant is not None:
            walk(meant, value, field, visit)


def _narrowed(node: Mapping, shape: Mapping, value: Mapping) -> Mapping:
    """A media field inside {type, uri} (kindFrom: "type"): only the kind its sibling names, the first
    kind it takes when the sibling is absent (the seed guide's untyped references are images)."""
    key = node.get("kindFrom")
    if key is None or shape.get("type") != "media":
        return shape
    kinds = resolve(node["fields"][key]["shape"]).get("values") or shape["kinds"]
    named = value.get(key, kinds[0])
    return {**shape, "kinds": [named]} if named in shape["kinds"] else shape


def _join(field: str, key: str) -> str:
    return f"{field}.{key}" if field else key


def member(node: Mapping, value: Any) -> Mapping | None:
    """The union member `value` is meant as: by the discriminator, else the first it fits, else None."""
    members = [resolve(m) for m in node["of"]]
    key = node.get("discriminator")
    if key is not None:
        tag = value.get(key) if isinstance(value, Mapping) else None
        return next((m for m in members if any(_same(tag, v) for v in _tags(m, key))), None)
    typed = [m for m in members if _fits_type(m, value)]
    if len(typed) > 1:  # alike in JSON type (two structures, say): the first the value fully fits, else
        found = [(len(problems(m, value, "", "")), i) for i, m in enumerate(typed)]  # the nearest (a local
        return typed[min(found)[1]]  # file not yet a URL still finds its member: the preview needs it)
    return typed[0] if typed else None


def _fits_type(node: Mapping, value: Any) -> bool:
    """Whether `value` has the JSON type `node` takes (its content may still be wrong)."""
    kind = node.get("type")
    if kind == "enum":
        return any(_same(value, c) for c in node["values"])
    if kind in ("string", "media"):
        return isinstance(value, str) or (kind == "media" and not isinstance(value, (Mapping, list, bool, int, float)))
    if kind in ("integer", "number"):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    types = {"boolean": bool, "list": list, "structure": Mapping, "map": Mapping}
    return kind in ("any", "union") or isinstance(value, types.get(kind, object))


def _tags(member: Mapping, key: str) -> tuple:
    spec = member.get("fields", {}).get(key)
    shape = resolve(spec["shape"]) if spec else {}
    return tuple(shape.get("values", ()))


# -- validation --------------------------------------------------------------------------------------
def problems(node: Mapping, value: Any, field: str, label: str) -> list[Problem]:
    """Every way `value` breaks what `node` states; [] when the API's types accept it."""
    found: list[Problem] = []
    walk(node, value, field, lambda n, v, f: found.extend(_check(n, v, f, label)))
    return found


def _check(node: Mapping, v: Any, field: str, label: str) -> Iterator[Problem]:
    if v is None:
        if not node.get("nullable") and node.get("type") != "any":
            yield Problem(field, None, f"{field} is null; omit it or give {allowed(node)}")
        return
    yield from _CHECKS.get(node.get("type"), _anything)(node, v, field, label)


def _anything(node: Mapping, v: Any, field: str, label: str) -> Iterator[Problem]:
    return iter(())


def _structure(node: Mapping, v: Any, field: str, label: str) -> Iterator[Problem]:
    if not isinstance(v, Mapping):
        yield _wrong(field or "the request body", v, allowed(node))
        return
    names = list(node["fields"])
    elsewhere = node.get("elsewhere") or {}
    for key in v:
        if key not in node["fields"]:
            paths = elsewhere.get(key)
            hint = _close(key, names, near=not paths)  # promptImage on text_to_video is no typo of promptText
            tail = (f"did you mean {_join(field, hint)}?" if hint else f"it belongs to {_or(paths)}" if paths
                    else f"accepted: {_or(names)}")
            yield UnknownField(_join(field, str(key)), _brief(v[key]),
                               f"field {_join(field, str(key))!r} is not accepted by {label}; {tail}")
    for key, spec in node["fields"].items():
        if spec["required"] and key not in v:
            name = _join(field, key)
            yield Problem(name, None, f"{name} is required by {label}; give {allowed(spec['shape'])}")
    yield from across(node, v, field, label)
    if node.get("mentions"):
        yield from mentions(v.get("promptText"), v.get(node["mentions"]), node["mentions"])


MENTION = re.compile(r"(?<![\w@])@([A-Za-z][A-Za-z0-9_]*)")  # not e-mail addresses: a@b.com


def mentions(prompt: Any, refs: Any, name: str) -> Iterator[Problem]:
    """Every @Name in the prompt must be the tag of a reference image (case-sensitive)."""
    if not isinstance(prompt, str):
        return
    tags = [r["tag"] for r in (refs if isinstance(refs, list) else ())
            if isinstance(r, Mapping) and isinstance(r.get("tag"), str)]
    for mention in dict.fromkeys(MENTION.findall(prompt)):
        if mention in tags:
            continue
        have = f"tags given: {', '.join(dict.fromkeys(tags))}" if tags else f"no {name} carry a tag"
        hint = next((t for t in tags if t.lower() == mention.lower()), None)
        hint = f" (tags are case-sensitive: did you mean @{hint}?)" if hint else ""
        yield Problem("promptText", f"@{mention}", f"promptText mentions @{mention}, which is not the tag of any "
                      f"reference image; {have}{hint}")


def across(node: Mapping, v: Mapping, field: str, label: str) -> Iterator[Problem]:
    """The rules the SDK states across a structure's fields, read from its prose by the generator
    (scripts/catalog_gen/limits.py): a field valid only with a sibling's value, a value set narrowed
    by a sibling, a flag that needs a sibling list."""
    for key, spec in node["fields"].items():
        if v.get(key) is None:
            continue
        rule, name, value = spec["shape"], _join(field, key), v[key]
        for other, values in (rule.get("onlyWhen") or {}).items():
            if not any(_same(v.get(other), x) for x in values):
                now = f"it is {_show(v[other])}" if v.get(other) is not None else "it is not given"
                yield Problem(name, _brief(value), f"{name} is only valid when {_join(field, other)} is "
                                                   f"{_or([_show(x) for x in values])} ({now}) for {label}")
        for when in rule.get("valuesWhen") or ():
            if all(_same(v.get(k), w) for k, w in when["when"].items()) and not any(
                    _same(value, x) for x in when["values"]):
                cond = " and ".join(f"{_join(field, k)} is {str(w).lower() if isinstance(w, bool) else _show(w)}"
                                    for k, w in when["when"].items())
                yield Problem(name, _brief(value), f"{name} {_show(value)} is not offered by {label} when {cond}; "
                                                   f"choose {_choices(when['values'])}")
        for other in rule.get("requires") or ():
            if value is True and not v.get(other):
                yield Problem(name, True, f"{name} true needs {_join(field, other)} (at least one) for {label}; "
                                          f"give {_join(field, other)} or leave {name} out")


def _enum(node: Mapping, v: Any, field: str, label: str) -> Iterator[Problem]:
    values = node["values"]
    if not any(_same(v, c) for c in values):
        msg = f"{field} {_show(v)} is not offered by {label}; choose {_choices(values)}"
        if (hint := _close(v, values)) is not None:
            msg += f" (did you mean {hint}?)"
        yield Problem(field, _brief(v), msg)


def _number(node: Mapping, v: Any, field: str, label: str) -> Iterator[Problem]:
    # As validate.py: a boolean is never a number, a whole float is its int (JSON has one number type).
    integer = node["type"] == "integer"
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        yield _wrong(field, v, allowed(node))
    elif isinstance(v, float) and not math.isfinite(v):
        yield Problem(field, v, f"{field} {v!r} is not a finite number; give {allowed(node)}")
    elif integer and isinstance(v, float) and not v.is_integer():
        yield Problem(field, v, f"{field} {v!r} is not an integer; give {allowed(node)}")
    elif (node.get("min") is not None and v < node["min"]) or (node.get("max") is not None and v > node["max"]):
        yield Problem(field, v, f"{field} {v!r} is out of range for {label}; give {allowed(node)}")


def _string(node: Mapping, v: Any, field: str, label: str) -> Iterator[Problem]:
    if not isinstance(v, str):
        yield _wrong(field, v, allowed(node))
        return
    utf16 = node.get("lengthUnit") == "utf16"
    n = utf16_len(v) if utf16 else len(v)
    unit = "UTF-16 code units" if utf16 else "characters"
    if node.get("minLength") is not None and n < node["minLength"]:
        yield Problem(field, _brief(v), f"{field} is {'empty' if not v else f'{n} {unit} long'}; "
                      f"give {allowed(node)}")
    elif node.get("maxLength") is not None and n > node["maxLength"]:
        extra = f" ({len(v)} characters; emoji and some symbols count 2)" if utf16 and n != len(v) else ""
        yield Problem(field, _brief(v), f"{field} is {n} {unit} long{extra}; the limit is {node['maxLength']}")
    if node.get("pattern") and not re.fullmatch(node["pattern"], v):  # "$" alone would let "abc\n" through
        how = node.get("patternWords")
        yield Problem(field, _brief(v), f"{field} {_show(v)} is not valid; {how}" if how else
                      f"{field} {_show(v)} does not match {node['pattern']}")


def _boolean(node: Mapping, v: Any, field: str, label: str) -> Iterator[Problem]:
    if not isinstance(v, bool):
        yield _wrong(field, v, "true or false")


def _media(node: Mapping, v: Any, field: str, label: str) -> Iterator[Problem]:
    kinds = tuple(node["kinds"])
    if not isinstance(v, str):
        yield _wrong(field, v, allowed(node))
        return
    yield from (Problem(field, _brief(v), f"{field} {reason}") for reason in formats.check_uri(v, kinds))
    cap = node.get("dataUriMaxMB")
    if cap is not None and v[:5].lower() == "data:" and len(v) > cap * catalog.MB:
        yield Problem(field, _brief(v), f"{field} is a data URI of {formats.size_text(len(v))}; {label} takes "
                      f"data URIs of at most {cap:g} MB (upload larger files instead)")


def _list(node: Mapping, v: Any, field: str, label: str) -> Iterator[Problem]:
    if not isinstance(v, list):
        yield _wrong(field, v, allowed(node))
        return
    lo, hi = node.get("minItems") or 0, node.get("maxItems")
    if node.get("positions") and not v:
        yield Problem(field, [], f"{field} is an empty list; give at least the {node['positions'][0]} frame")
    elif len(v) < lo or (hi is not None and len(v) > hi):
        yield Problem(field, _brief(v), f"{field} has {len(v)} item{'s' * (len(v) != 1)}; {label} takes "
                      f"{_count(lo, hi)}")
    if node.get("positions"):
        yield from _frames(node["positions"], v, field, label)
    if node.get("uniqueKey"):
        yield from _unique(node["uniqueKey"], v, field, node.get("itemNoun", "item"))


def _frames(positions: list, v: list, field: str, label: str) -> Iterator[Problem]:
    """Keyframes: each position once, and the first listed (Veo 3.1: no last frame without a first)."""
    seen: dict[str, int] = {}
    for i, item in enumerate(v):
        pos = item.get("position") if isinstance(item, Mapping) else None
        if pos not in positions:
            continue
        if pos in seen:
            yield Problem(f"{field}.{i}.position", pos, f"{field}.{i}.position {pos!r} repeats {field}.{seen[pos]}; "
                          "each frame position may be given once")
        else:
            seen[pos] = i
    if seen and positions[0] not in seen:
        yield Problem(field, _brief(v), f"{field} gives a {_or(seen)} frame but no {positions[0]} frame; "
                      f"{label} needs the {positions[0]} frame too")


def _unique(key: str, v: list, field: str, noun: str) -> Iterator[Problem]:
    """A key that names one item only (reference image tags)."""
    first: dict[Any, int] = {}
    for i, item in enumerate(v):
        value = item.get(key) if isinstance(item, Mapping) else None
        if not isinstance(value, str):
            continue
        if value in first:
            yield Problem(f"{field}.{i}.{key}", value, f"{field}.{i}.{key} {value!r} is already the {key} of "
                          f"{field}.{first[value]}; each {key} may name one {noun}")
        else:
            first[value] = i


def _map(node: Mapping, v: Any, field: str, label: str) -> Iterator[Problem]:
    if not isinstance(v, Mapping):
        yield _wrong(field, v, "an object")


def _union(node: Mapping, v: Any, field: str, label: str) -> Iterator[Problem]:
    if member(node, v) is not None:
        return  # walk() goes on along the member
    key = node.get("discriminator")
    if key is not None and isinstance(v, Mapping):
        tags = [t for m in node["of"] for t in _tags(resolve(m), key)]
        name = _join(field, key)
        yield Problem(name, _brief(v.get(key)), f"{name} {_show(v.get(key))} is not offered by {label}; "
                      f"choose {_choices(tags)}")
        return
    alike = [m for m in map(resolve, node["of"]) if _fits_type(m, v)]
    if alike:  # the member it looks like most: its own problems say what to change
        yield from min((problems(m, v, field, label) for m in alike), key=len)
    else:
        yield _wrong(field, v, allowed(node))


_CHECKS = {"structure": _structure, "enum": _enum, "integer": _number, "number": _number, "string": _string,
           "boolean": _boolean, "media": _media, "list": _list, "map": _map, "union": _union}


# -- words -------------------------------------------------------------------------------------------
def _count(lo: int, hi: int | None) -> str:
    if hi is None:
        return f"at least {lo}"
    return f"at most {hi}" if lo == 0 else f"{lo} to {hi}" if lo != hi else f"exactly {lo}"


def _range(node: Mapping) -> str:
    lo, hi = node.get("min"), node.get("max")
    if lo is not None and hi is not None:
        return f" from {lo:g} to {hi:g}"
    return f" of at least {lo:g}" if lo is not None else f" of at most {hi:g}" if hi is not None else ""


def allowed(node: Mapping, depth: int = 0) -> str:
    """What a node accepts, in words (for 'give ...')."""
    node = resolve(node)
    kind = node.get("type")
    if kind == "enum":
        return _choices(node["values"])
    if kind in ("integer", "number"):
        return ("an integer" if kind == "integer" else "a number") + _range(node)
    if kind == "string":
        top = node.get("maxLength")
        unit = " UTF-16 code units" if node.get("lengthUnit") == "utf16" else " characters"
        low = node.get("minLength")
        words = ["a non-empty string" if low == 1 else "a string"]
        if low and low > 1:
            words.append(f"of at least {low}{unit}" if top is None else f"of {low} to {top}{unit}")
        elif top is not None:
            words.append(f"of at most {top}{unit}")
        return " ".join(words)
    if kind == "boolean":
        return "true or false"
    if kind == "media":
        return f"an https URL, a data: URI or a runway:// URI of {_or(A_KIND[k] for k in node['kinds'])}"
    if kind == "list":
        return f"a list of {_count(node.get('minItems') or 0, node.get('maxItems'))} item(s)" + (
            f", each {allowed(node['items'], depth + 1)}" if depth < 2 else "")
    if kind == "structure":
        keys = []
        for k, spec in node["fields"].items():
            name, values = k if spec["required"] else f"{k}?", resolve(spec["shape"]).get("values") or ()
            keys.append(f"{name}: {_or(values)}" if spec["shape"].get("type") == "enum" and len(values) <= 3 else name)
        return "{" + ", ".join(keys) + "}"
    if kind == "union":
        return " or ".join(allowed(m, depth + 1) for m in node["of"]) if depth < 2 else "one of several shapes"
    return "an object" if kind == "map" else "a value"


# -- where media may stand -----------------------------------------------------------------------
def copy_tree(value: Any) -> Any:
    """A body's dicts and lists copied, its leaves (paths, bytes, images, memoryviews) shared as given."""
    if isinstance(value, Mapping):
        return {k: copy_tree(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [copy_tree(v) for v in value]
    return value


def slot(value: Any, where: str) -> tuple[Any, Any]:
    """(container, key) of the dotted field `where` in a body ("references.0.uri"): read or set it there."""
    *parents, last = where.split(".")
    for part in parents:
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value, (int(last) if isinstance(value, list) else last)


def media_fields(node: Mapping, value: Any) -> list[tuple[str, tuple[str, ...]]]:
    """(field path, kinds) of every media URI position `value` fills along `node`."""
    found: list[tuple[str, tuple[str, ...]]] = []
    walk(node, value, "", lambda n, v, f: found.append((f, tuple(n["kinds"]))) if n.get("type") == "media" else None)
    return found


# -- python keywords to wire names -----------------------------------------------------------------
def to_wire(node: Mapping, value: Any, fallback: Callable[[str], str] | None = None) -> Any:
    """`value` with structure keys turned from the SDK's Python names into wire names (from_ -> from,
    node_outputs -> nodeOutputs), recursively along `node`; a map's keys are data and stay as given.
    Keys the shape does not name go through `fallback` (the client's camelCase rule)."""
    node = resolve(node)
    kind = node.get("type")
    if kind == "structure" and isinstance(value, Mapping):
        wire = {spec.get("python", key): key for key, spec in node["fields"].items()}
        out = {}
        for key, item in value.items():
            name = key if key in node["fields"] else wire.get(key) or (fallback(key) if fallback else key)
            spec = node["fields"].get(name)
            out[name] = to_wire(spec["shape"], item, fallback) if spec else _plain(item, fallback)
        return out
    if kind == "list" and isinstance(value, (list, tuple)):
        return [to_wire(node["items"], item, fallback) for item in value]
    if kind == "map" and isinstance(value, Mapping):
        return {key: to_wire(node["values"], item, fallback) for key, item in value.items()}
    if kind == "union":
        meant = member(node, value)
        return to_wire(meant, value, fallback) if meant is not None else _plain(value, fallback)
    return _plain(value, fallback) if kind == "any" or isinstance(value, (_dt.date, _dt.datetime)) else value


def _plain(value: Any, fallback: Callable[[str], str] | None) -> Any:
    """A value no shape describes: keys through `fallback`, recursively; dates as ISO 8601 text."""
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {(fallback(k) if fallback else k): _plain(v, fallback) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v, fallback) for v in value]
    return value
