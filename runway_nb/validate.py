"""The request rules, once: a wire body (camelCase JSON) in, every problem with it out.

The client's pre-flight check and the sandbox's 400 refusal both call validate_body, so a body the
client lets through is one the sandbox accepts, and the other way round. Every rule is driven by
catalog.py (Param.type, choices, min/max, media, positions, max_len, item counts); none repeats it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import NamedTuple

from . import catalog, formats, shapes
from .errors import error_body
from .formats import A_KIND
from .formats import join_or as _or
from .problems import (
    Problem,
    UnknownField,
    _brief,
    _choices,
    _close,
    _kind_of,
    _same,
    _show,
    _wrong,
    utf16_len,
)

__all__ = ["Problem", "UnknownField", "validate_body", "utf16_len", "lint_prompt", "problems_as_error_body"]


class _Ctx(NamedTuple):
    model: catalog.Model
    label: str  # "gen4.5 text-to-video", for messages


# Reference-image tags: Runway's docs say 3-16 characters, letters, digits and underscores, starting
# with a letter. No other source confirms it; we enforce it anyway because a tag the service reads
# differently would silently stop matching its @mention.
_TAG = re.compile(catalog.REFERENCE_TAG_PATTERN)
_MENTION = re.compile(r"(?<![\w@])@([A-Za-z][A-Za-z0-9_]*)")  # not e-mail addresses: a@b.com
_VOICE_TYPE = catalog.VOICE_TYPE


def _range(p: catalog.Param) -> str:
    lo, hi = p.min, p.max
    if lo is not None and hi is not None:
        return f" from {lo:g} to {hi:g}"
    return f" of at least {lo:g}" if lo is not None else f" of at most {hi:g}" if hi is not None else ""


def _count_text(lo: int, hi: int | None) -> str:
    if hi is None:
        return f"at least {lo}"
    return f"at most {hi}" if lo == 0 else f"{lo} to {hi}" if lo != hi else f"exactly {lo}"


def _allowed(p: catalog.Param) -> str:
    """What a field accepts, in words (for 'give ...')."""
    uri = f"an https URL, a data: URI or a runway:// URI of {_or(A_KIND[k] for k in p.media)}" if p.media else ""
    return {
        "text": "a non-empty string" + (f" of at most {p.max_len} UTF-16 code units" if p.max_len else ""),
        "enum": _choices(p.choices),
        "int": "an integer" + _range(p),
        "number": "a number" + _range(p),
        "bool": "true or false",
        "uri": uri,
        "prompt_image": f"{uri}, or a list of {{uri, position}} with position {_or(p.positions or ('',))}",
        "typed_uri": f"{{type: {_or(p.media or ('',))}, uri}}",
        "references": f"a list of {_count_text(p.min_items, p.max_items)} {{type: {_or(p.media or ('',))}, uri}}",
        "reference_images": f"a list of {_count_text(p.min_items, p.max_items)} {{uri, tag?}}",
        "voice": f"{{type: {_VOICE_TYPE}, presetId: {_choices(p.choices, 80)}}}",
        "moderation": f"{{publicFigureThreshold: {_or(p.choices)}}}",
    }[p.type]


# -- the body -----------------------------------------------------------------------------------
def validate_body(path: str, body: dict) -> list[Problem]:
    """Every problem with one wire body for `path`; an empty list means the API would take it."""
    if not isinstance(body, dict):
        return [Problem("", _brief(body), f"the request body is {_kind_of(body)}; send a JSON object")]
    model_id = body.get("model")
    if path not in catalog.ENDPOINTS or (isinstance(model_id, str) and catalog.get_model(model_id) is None):
        derived = shapes.for_body(path, body)  # a model or operation only the SDK's types describe
        if derived is not None:
            label, shape = derived
            return shapes.problems(shape, body, "", label)
    if path not in catalog.ENDPOINTS:
        return [Problem("", path, f"{path!r} is not an endpoint runway_nb knows; use {_or(catalog.ENDPOINTS)}")]
    problem = _model_problem(path, model_id)
    if problem:
        return [problem]
    endpoint = catalog.endpoint_for(model_id, path, body)  # a text-only image_to_video body: text_to_video
    label = f"{model_id} {endpoint.path.rsplit('/', 1)[-1].replace('_', '-')}"
    ctx = _Ctx(catalog.MODELS[model_id], label if endpoint.path == path else f"{label} (no promptImage given)")
    newer = shapes.for_body(endpoint.path, body)  # fields the SDK gained since the hand-kept table
    newer_fields = newer[1]["fields"] if newer is not None else {}
    problems = []
    for key, value in body.items():
        if key == "model" or endpoint.param(key) is not None:
            continue
        if key in newer_fields:  # e.g. gen4.5's outputFormat, veo3.1's seed: judged by the SDK's shape
            problems += shapes.problems(newer_fields[key]["shape"], value, key, label)
        else:
            problems.append(_unknown(ctx, "", key, value, [p.name for p in endpoint.params] + list(newer_fields)))
    if newer is not None:  # what the SDK states across fields (proresProfile only with outputFormat prores)
        problems += shapes.across(newer[1], body, "", label)
    for p in endpoint.params:
        if p.name in body:
            problems.extend(_CHECKS[p.type](ctx, p, p.name, body[p.name]))
    problems += [Problem(name, None, f"{name} is required by {ctx.label}; give {_allowed(endpoint.param(name))}")
                 for name in endpoint.required if name not in body]
    if any(p.type == "reference_images" for p in endpoint.params):
        problems.extend(_mentions(body))
    return problems


def _model_problem(path: str, model_id: object) -> Problem | None:
    accepted = _or(dict.fromkeys((*catalog.models_on(path), *shapes.models_on(path))))
    if model_id is None:
        return Problem("model", None, f"model is required; {path} accepts {accepted}")
    if not isinstance(model_id, str):
        return _wrong("model", model_id, f"a model id: {accepted}")
    model = catalog.get_model(model_id)
    if model is None:
        hint = _close(model_id, catalog.MODELS)
        hint = f" (did you mean {hint}?)" if hint else ""
        return Problem("model", _brief(model_id), f"model {_show(model_id)} is not known{hint}; {path} accepts {accepted}")
    if path not in model.paths:
        return Problem("model", model_id, f"model {model_id!r} is not offered on {path}; it runs on "
                       f"{_or(model.paths)}, and {path} accepts {accepted}")
    return None


def _unknown(ctx: _Ctx, prefix: str, key: object, value: object, names: list[str]) -> Problem:
    """An unexpected key, with the name it most likely meant (prompt_text -> promptText)."""
    field = f"{prefix}{key}"
    elsewhere = [e.path for e in ctx.model.endpoints if not prefix and e.param(key) is not None]
    hint = _close(key, names, near=not elsewhere)  # promptImage on text_to_video is not a typo of promptText
    if hint:
        tail = f"did you mean {prefix}{hint}?"
    elif elsewhere:
        tail = f"it belongs to {_or(elsewhere)}"
    else:
        tail = f"accepted: {_or((['model'] if not prefix else []) + names)}"
    return UnknownField(field, _brief(value), f"field {field!r} is not accepted by {ctx.label}; {tail}")


def _shape(ctx: _Ctx, field: str, v: object, required: tuple, optional: tuple = ()) -> Iterator[Problem]:
    """An object's shape: a dict, every key known, required keys present."""
    if not isinstance(v, dict):
        yield _wrong(field, v, "{" + ", ".join(required + tuple(f"{k}?" for k in optional)) + "}")
        return
    for key in v:
        if key not in required and key not in optional:
            yield _unknown(ctx, f"{field}.", key, v[key], list(required + optional))
    for key in required:
        if key not in v:
            yield Problem(f"{field}.{key}", None, f"{field}.{key} is required by {ctx.label}")


# -- one checker per Param.type -----------------------------------------------------------------
def _text(ctx: _Ctx, p: catalog.Param, field: str, v: object) -> Iterator[Problem]:
    if not isinstance(v, str):
        yield _wrong(field, v, _allowed(p))
    elif not v:
        yield Problem(field, v, f"{field} is empty; give {_allowed(p)}")
    elif p.max_len is not None and (n := utf16_len(v)) > p.max_len:
        extra = f" ({len(v)} characters; emoji and some symbols count 2)" if n != len(v) else ""
        yield Problem(field, _brief(v), f"{field} is {n} UTF-16 code units long{extra}; the limit is {p.max_len}")


def _choice(ctx: _Ctx, field: str, v: object, choices: tuple) -> Iterator[Problem]:
    # True is not 1; a whole float is its int (8.0 is 8: JSON has one number type, see _number).
    if any(_same(v, c) for c in choices):
        return
    msg = f"{field} {_show(v)} is not offered by {ctx.label}; choose {_choices(choices)}"
    if (hint := _close(v, choices)) is not None:
        msg += f" (did you mean {hint}?)"
    yield Problem(field, _brief(v), msg)


def _number(ctx: _Ctx, p: catalog.Param, field: str, v: object, integer: bool = False) -> Iterator[Problem]:
    # Booleans are never numbers (True is not a duration). A whole float counts as an int: JSON has one
    # number type, so 5.0 reaches a JavaScript API as 5, and we never block what the API would accept.
    # 5.5 is refused. A "number" field takes an int or a float.
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        yield _wrong(field, v, _allowed(p))
    elif isinstance(v, float) and not math.isfinite(v):
        yield Problem(field, v, f"{field} {v!r} is not a finite number; give {_allowed(p)}")
    elif integer and isinstance(v, float) and not v.is_integer():
        yield Problem(field, v, f"{field} {v!r} is not an integer; give {_allowed(p)}")
    elif (p.min is not None and v < p.min) or (p.max is not None and v > p.max):
        yield Problem(field, v, f"{field} {v!r} is out of range for {ctx.label}; give {_allowed(p)}")


def _bool(ctx: _Ctx, p: catalog.Param, field: str, v: object) -> Iterator[Problem]:
    if not isinstance(v, bool):
        yield _wrong(field, v, "true or false")


def _prompt_image(ctx: _Ctx, p: catalog.Param, field: str, v: object) -> Iterator[Problem]:
    if isinstance(v, str):
        yield from _uri(field, v, p.media)
        return
    if not isinstance(v, list) or not v:
        yield (Problem(field, [], f"{field} is an empty list; give at least the {p.positions[0]} frame")
               if v == [] else _wrong(field, v, _allowed(p)))
        return
    seen: dict[str, int] = {}
    for i, item in enumerate(v):
        f = f"{field}.{i}"
        yield from _shape(ctx, f, item, ("uri", "position"))
        if not isinstance(item, dict):
            continue
        if "uri" in item:
            yield from _uri(f"{f}.uri", item["uri"], p.media)
        pos = item.get("position")
        if "position" not in item:
            continue
        if not isinstance(pos, str) or pos not in p.positions:
            yield from _choice(ctx, f"{f}.position", pos, p.positions)
        elif pos in seen:
            yield Problem(f"{f}.position", pos, f"{f}.position {pos!r} repeats {field}.{seen[pos]}; "
                          "each frame position may be given once")
        else:
            seen[pos] = i
    # The first listed position is the one every keyframe list needs (Veo 3.1: no last without first).
    if seen and p.positions[0] not in seen:
        yield Problem(field, _brief(v), f"{field} gives a {_or(seen)} frame but no {p.positions[0]} frame; "
                      f"{ctx.label} needs the {p.positions[0]} frame too")


def _typed(ctx: _Ctx, p: catalog.Param, field: str, v: object, type_required: bool = True) -> Iterator[Problem]:
    """{type, uri}: the type names the media kind, and the URI's content must be of that kind."""
    if not isinstance(v, dict):
        yield _wrong(field, v, f"{{type{'' if type_required else '?'}: {_or(p.media)}, uri}}")
        return
    yield from _shape(ctx, field, v, ("type", "uri") if type_required else ("uri",), () if type_required else ("type",))
    kind = v.get("type", None if type_required else p.media[0])
    if "type" in v and kind not in p.media:
        yield from _choice(ctx, f"{field}.type", kind, p.media)
    if "uri" in v:
        yield from _uri(f"{field}.uri", v["uri"], (kind,) if kind in p.media else p.media)


def _list(ctx: _Ctx, p: catalog.Param, field: str, v: object) -> Iterator[Problem]:
    if not isinstance(v, list):
        yield _wrong(field, v, _allowed(p))
    elif len(v) < p.min_items or (p.max_items is not None and len(v) > p.max_items):
        yield Problem(field, _brief(v), f"{field} has {len(v)} item{'s' * (len(v) != 1)}; {ctx.label} "
                      f"takes {_count_text(p.min_items, p.max_items)}")


def _references(ctx: _Ctx, p: catalog.Param, field: str, v: object) -> Iterator[Problem]:
    # The seed guide omits `type` on gen4_aleph references; it is then taken as the first media kind.
    yield from _list(ctx, p, field, v)
    for i, item in enumerate(v if isinstance(v, list) else ()):
        yield from _typed(ctx, p, f"{field}.{i}", item, type_required=False)


def _reference_images(ctx: _Ctx, p: catalog.Param, field: str, v: object) -> Iterator[Problem]:
    yield from _list(ctx, p, field, v)
    tags: dict[str, int] = {}
    for i, item in enumerate(v if isinstance(v, list) else ()):
        f = f"{field}.{i}"
        yield from _shape(ctx, f, item, ("uri",), ("tag",))
        if not isinstance(item, dict):
            continue
        if "uri" in item:
            yield from _uri(f"{f}.uri", item["uri"], p.media)
        if "tag" not in item:
            continue
        tag = item["tag"]
        if not isinstance(tag, str):
            yield _wrong(f"{f}.tag", tag, "a string tag such as 'EiffelTower'")
        elif not _TAG.fullmatch(tag):
            yield Problem(f"{f}.tag", tag, f"{f}.tag {tag!r} is not a valid tag; use 3 to 16 letters, digits or "
                          "underscores, starting with a letter")
        elif tag in tags:
            yield Problem(f"{f}.tag", tag, f"{f}.tag {tag!r} is already the tag of {field}.{tags[tag]}; "
                          "each tag may name one image")
        else:
            tags[tag] = i


def _mentions(body: dict) -> Iterator[Problem]:
    """Every @Name in the prompt must be the tag of a reference image (case-sensitive)."""
    prompt, refs = body.get("promptText"), body.get("referenceImages")
    if not isinstance(prompt, str):
        return
    tags = [r["tag"] for r in (refs if isinstance(refs, list) else ())
            if isinstance(r, dict) and isinstance(r.get("tag"), str)]
    for name in dict.fromkeys(_MENTION.findall(prompt)):
        if name in tags:
            continue
        have = f"tags given: {', '.join(dict.fromkeys(tags))}" if tags else "no referenceImages carry a tag"
        hint = next((t for t in tags if t.lower() == name.lower()), None)
        hint = f" (tags are case-sensitive: did you mean @{hint}?)" if hint else ""
        yield Problem("promptText", f"@{name}", f"promptText mentions @{name}, which is not the tag of any "
                      f"reference image; {have}{hint}")


def _choices_object(ctx: _Ctx, field: str, v: object, keys: dict) -> Iterator[Problem]:
    """An object whose every key is an enum: keys maps name -> (choices, required)."""
    yield from _shape(ctx, field, v, tuple(k for k, (_, r) in keys.items() if r),
                      tuple(k for k, (_, r) in keys.items() if not r))
    for key, (choices, _) in keys.items():
        if isinstance(v, dict) and key in v:
            yield from _choice(ctx, f"{field}.{key}", v[key], choices)


_CHECKS = {
    "text": _text,
    "enum": lambda ctx, p, field, v: _choice(ctx, field, v, p.choices),
    "int": lambda ctx, p, field, v: _number(ctx, p, field, v, integer=True),
    "number": _number,
    "bool": _bool,
    "uri": lambda ctx, p, field, v: _uri(field, v, p.media),
    "prompt_image": _prompt_image,
    "typed_uri": _typed,
    "references": _references,
    "reference_images": _reference_images,
    "voice": lambda ctx, p, field, v: _choices_object(
        ctx, field, v, {"type": ((_VOICE_TYPE,), True), "presetId": (p.choices, True)}),
    "moderation": lambda ctx, p, field, v: _choices_object(
        ctx, field, v, {"publicFigureThreshold": (p.choices, False)}),
}


def _uri(field: str, v: object, media: tuple[str, ...]) -> Iterator[Problem]:
    """An input URI: the rules live in formats.check_uri (https host, data URI content and size, runway://)."""
    if not isinstance(v, str):
        yield _wrong(field, v, f"an https URL, a data: URI or a runway:// URI of {_or(A_KIND[k] for k in media)}")
        return
    yield from (Problem(field, _brief(v), f"{field} {reason}") for reason in formats.check_uri(v, media))


# Input lengths a model requires, by wire field: checked where the input can be measured (the sandbox
# on what it holds, the client on local files before sending; an https URL is measured by the service).
LENGTH_RULES = {"act_two": {"reference.uri": catalog.ACT_TWO_REFERENCE_SECONDS}}


def input_length_problem(model_id: str, field: str, value: object, seconds: float | None) -> Problem | None:
    """What LENGTH_RULES says of an input lasting `seconds`; None when met, not measured or not ruled."""
    rule = LENGTH_RULES.get(model_id, {}).get(field)
    if rule is None or seconds is None:
        return None
    lo, hi = rule
    if lo <= seconds <= hi:
        return None
    return Problem(field, _brief(value), f"{field}: the reference video lasts {seconds:.1f} s; "
                                         f"act_two needs a performance of {lo:g} to {hi:g} s")


# -- prompt advice and the 400 body ---------------------------------------------------------------
_NEGATIVE = re.compile(r"\b(?:no|not|without|never|don['’]t|do not|doesn['’]t|avoid)\b(?:\s+\w+)?", re.I)
_SCENES = re.compile(r"\b(?:then|cut to|next scene|scene \d+|afterwards|later on|transitions? to)\b", re.I)
_LONG_WORDS = 120


def lint_prompt(text: str, model_id: str | None = None) -> list[str]:
    """Advice from Runway's prompting tips: warnings, never refusals. Speech and sound text is skipped."""
    model = catalog.get_model(model_id) if model_id else None
    if not isinstance(text, str) or (model is not None and model.kind == catalog.AUDIO):
        return []
    warnings = []
    if text and not text.strip():  # "" is refused by validate_body; spaces alone pass there, and mean nothing
        warnings.append("the prompt is only whitespace; describe what should appear")
    if negatives := list(dict.fromkeys(m.group(0).lower() for m in _NEGATIVE.finditer(text))):
        warnings.append(f"the prompt uses negative phrasing ({', '.join(map(repr, negatives))}); models tend to "
                        "add what a prompt negates: describe what should appear instead")
    if (words := len(text.split())) > _LONG_WORDS:
        warnings.append(f"the prompt is {words} words long; short, simple prompts work best: start with the "
                        "essentials and iterate")
    if scenes := list(dict.fromkeys(m.group(0).lower() for m in _SCENES.finditer(text))):
        warnings.append(f"the prompt seems to describe several scenes ({', '.join(map(repr, scenes))}); describe "
                        "one scene per generation and make the others separately")
    return warnings


def problems_as_error_body(problems) -> dict:
    """The API's 400 body (errors.error_body), long values cut as in every message."""
    return error_body(problems, _brief)
