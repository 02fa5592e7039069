"""The request rules, once: a wire body (camelCase JSON) in, every problem with it out.

The client's pre-flight check and the sandbox's 400 refusal both call validate_body, so a body the
client lets through is one the sandbox accepts, and the other way round. Every body is judged by the
one walk over request shapes (shapes.problems): the SDK's shape of a model, or the hand-kept table's
model as a shape (seed_shapes); this module adds only routing, model ids and the prompt linter.
"""

from __future__ import annotations

import re

from . import catalog, seed_shapes, shapes
from .errors import error_body
from .formats import join_or as _or
from .problems import (
    Problem,
    UnknownField,
    _brief,
    _close,
    _kind_of,
    _show,
    _wrong,
    utf16_len,
)

__all__ = ["Problem", "UnknownField", "validate_body", "utf16_len", "lint_prompt", "problems_as_error_body"]


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
    label = label if endpoint.path == path else f"{label} (no promptImage given)"
    return shapes.problems(seed_shapes.shape(model_id, endpoint.path), body, "", label)


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
