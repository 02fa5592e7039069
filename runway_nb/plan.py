"""One request plan: what a create call will send, what is wrong with it, and what it will cost.

Every face makes it once per call and nothing checks or prices the request again: the SDK-style
client (keywords, via _wire.build), %runway (its options), GenerateForm (the page's draft) and
client.batch (each call). `%runway cost` and the form show it; the client sends it (_Core.send).

Local media (paths, bytes, images, arrays, data URIs) are judged once, from their bytes, when they
are converted for the wire (media.prepare_body). Until then the one preview rule stands: a local
input is a placeholder URL, and problems under it wait for that conversion.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from . import catalog, errors, media, shapes
from .media import is_local
from .validate import Problem

I2V, T2V = "/v1/image_to_video", "/v1/text_to_video"
PLACEHOLDER = "https://runway-nb.invalid/local-input"


@dataclass(frozen=True)
class Plan:
    """A create call before it is sent: its wire body, its problems, its estimate."""

    path: str
    model: str | None
    body: dict  # the wire body (camelCase); local inputs still as given until media.prepare_body
    preview: dict  # the body as validated and priced: local inputs as PLACEHOLDER
    problems: tuple[Problem, ...] = ()
    estimate: Any = None  # pricing.Estimate, or None (a model the catalog does not know, an unpriceable body)
    advice: tuple[str, ...] = ()  # the prompt linter's warnings
    local: frozenset[str] = frozenset()  # dotted fields holding local inputs
    options: Mapping[str, Any] = field(default_factory=dict)  # extra_headers, extra_query, timeout

    known: bool = True  # the catalog or the SDK's types describe the model: the body was checked

    @property
    def priced(self) -> bool:
        """The hand-kept catalog prices it (else the server's estimatedCost is the first figure)."""
        return self.model in catalog.MODELS

    @property
    def resource(self) -> str:
        """The client attribute for the path: /v1/text_to_image -> text_to_image."""
        return self.path.rsplit("/", 1)[-1]

    @property
    def credits(self) -> int | None:
        return None if self.estimate is None else self.estimate.credits

    def error(self) -> errors.ValidationError | None:
        """Every problem as one ValidationError (None when there is none)."""
        return errors.ValidationError(list(self.problems), path=self.path) if self.problems else None


def make(path: str, body: Mapping[str, Any], *, input_seconds: float | None = None,
         options: Mapping[str, Any] | None = None) -> Plan:
    """Plan a create call from its wire body: routed, completed with the defaults the seed guide relies
    on, validated and priced once, with local inputs set aside (see `preview`).

    `input_seconds` is the measured length of the input a per-input-second price counts (the form
    knows it from the upload); None measures a local input here, or takes the nominal length.
    """
    from . import validate

    body = dict(body)
    model = body.get("model")
    priced = isinstance(model, str) and model in catalog.MODELS
    if path == I2V and "promptImage" not in body and model in catalog.TEXT_ONLY_ON_IMAGE_TO_VIDEO:
        path = T2V  # text-only: both readings of the API accept it there (contract §3)
    shape = shapes.request_shape(path, body)  # the hand-kept table's or the SDK's: None for a newer model
    known = priced or shape is not None
    if priced:
        fill_defaults(model, path, body)
    where = shape if shape is not None else shapes.layout(path, body)  # a newer model: its neighbours'
    if where is not None:
        body = media.coerce(where, body)  # reference_images=["cat.png"] -> [{"uri": "cat.png"}]
    stand_in, local = preview(body, where)
    problems: tuple[Problem, ...] = ()
    if known or not (isinstance(model, str) and model):  # a model id newer than the catalog goes unchecked
        problems = tuple(p for p in validate.validate_body(path, stand_in) if not _under(p.field, local))
    estimate, advice = None, ()
    if priced:
        estimate = _estimate(model, body, stand_in, input_seconds)
        prompt = body.get("promptText")
        advice = tuple(validate.lint_prompt(prompt, model)) if isinstance(prompt, str) and prompt else ()
    return Plan(path, model if isinstance(model, str) else None, body, stand_in, problems, estimate, advice,
                frozenset(local), dict(options or {}), known)


def fill_defaults(model_id: str, path: str, body: dict) -> None:
    """Send the fields the seed guide leaves out but the SDK types require (catalog Param.fill: Veo's
    ratio, veo3's 8 s, gen4_turbo's ratio), so its examples work against either reading of the API."""
    endpoint = catalog.endpoint_for(model_id, path, body)
    for p in endpoint.params if endpoint else ():
        if getattr(p, "fill", False) and p.name not in body and p.default is not None:
            body[p.name] = p.default


def _estimate(model: str, body: dict, stand_in: dict, seconds: float | None) -> Any:
    """The catalog's price; per input second, measured from the local input when there is one."""
    from . import pricing

    with contextlib.suppress(Exception):  # an estimate is advice: it never stops a request
        basis = catalog.MODELS[model].price.basis
        if seconds is None and basis:
            seconds = media.input_seconds(body.get(basis))
        return pricing.estimate(model, stand_in, input_seconds=seconds)
    return None


# -- the preview rule ------------------------------------------------------------------------------
def preview(body: Mapping[str, Any], shape: Mapping | None = None) -> tuple[dict, set[str]]:
    """A copy of the body with local inputs replaced by PLACEHOLDER, and the dotted fields replaced.

    Validation and pricing run on it, so a bad ratio never waits for a 100 MB upload; problems of
    the inputs themselves are found when media.prepare_body reads their bytes. `shape` (shapes.layout)
    says where media stand.
    """
    replaced: set[str] = set()
    out = shapes.copy_tree(body)
    for where, _kinds in shapes.media_fields(shape, body) if shape is not None else ():
        holder, key = shapes.slot(out, where)
        if is_local(holder[key]):
            holder[key] = PLACEHOLDER
            replaced.add(where)
    return out, replaced


def _under(problem_field: str, local: set[str] | frozenset[str]) -> bool:
    return any(problem_field == f or problem_field.startswith(f + ".") for f in local)
