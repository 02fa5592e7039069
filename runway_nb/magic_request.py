"""%runway's parsed options -> a Request: the wire fields of one create call, routed to its endpoint
and model, checked against the model's fields (hand-kept Params, or the SDK's shape via magic_models).

The plan (runway_nb.plan) then checks and prices the body once; nothing here sends anything.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

from . import catalog
from . import magic_models as shaped
from .catalog import IMAGE, VIDEO
from .magic_args import (
    MEDIA_TYPES,
    PROMPT_FIELDS,
    SUBS,
    Option,
    flag_for,
    has_last_frame,
    models_for,
    options_for,
)
from .magic_inputs import as_media, media_kind, resolve_input, split_tag
from .magic_models import ArgsError


@dataclass
class Request:
    """One generation: its wire fields (camelCase; media values still Python objects) and how to run it."""

    sub: str
    model: str | None  # None: an operation without models (recipes, the Model Router)
    path: str
    fields: dict
    bg: bool = False
    out: str | None = None
    timeout: float | None = None

    @property
    def resource(self) -> str:
        """The client attribute for the path: /v1/text_to_image -> text_to_image."""
        return self.path.rsplit("/", 1)[-1]

    def body(self) -> dict:
        """The wire body, as the client sends it once its media are converted."""
        return {"model": self.model, **self.fields} if self.model else dict(self.fields)

    def plan(self) -> Any:
        """The request's plan (runway_nb.plan): checked and priced once, what the client sends."""
        from . import plan

        return plan.make(self.path, self.body())

    def preview(self) -> dict:
        """The wire body with local media as placeholder URLs, as its plan checked it (the one rule)."""
        return self.plan().preview


def to_request(ns: argparse.Namespace, cell: str | None, namespace, default_models: dict) -> Request:
    """Check the options against the chosen model and turn them into wire fields."""
    sub = ns.command
    words = " ".join(ns.prompt).strip()
    body = (cell or "").strip()
    if words and body:
        raise ArgsError("give the prompt on the line or in the cell body, not both")
    prompt = words or body
    given = {o.wire: getattr(ns, o.dest) for o in options_for(sub) if getattr(ns, o.dest, None) is not None}
    resolved = _upscale_input(ns, namespace, given)
    last = getattr(ns, "last_image", None)
    path = _route(sub, ns, given)
    model = _model(sub, path, ns.model, default_models, given)
    if sub == "video":
        if last and "promptImage" not in given:
            raise ArgsError("--last-image needs --image too: a last frame only comes with a first")
    if model in catalog.MODELS and catalog.MODELS[model].endpoint(path):
        ep = catalog.endpoint_for(model, path, {"promptImage": 1} if "promptImage" in given else {})
    else:
        ep = shaped.endpoint(model, path)
    label = f"{model or sub} ({path.rsplit('/', 1)[-1]})"
    accepted = {p.name for p in ep.params} if ep is not None else set(given) | {"promptText"}
    for wire in given:
        if wire not in accepted:
            offered = ", ".join(flag_for(p.name) for p in ep.params if p.name not in PROMPT_FIELDS) or "no options"
            raise ArgsError(f"{flag_for(wire)} is not accepted by {label}; it takes {offered} (%runway {sub} "
                            f"{f'--model {model} ' if model else (ns.choice or '') + ' '}--help lists every field)")
    if last and not has_last_frame(sub, model):
        raise ArgsError(f"--last-image is not accepted by {model}; keyframes need veo3.1 or veo3.1_fast")
    fields: dict = {}
    if prompt and ({"promptText", "prompt"} & accepted):
        fields["promptText" if "promptText" in accepted else "prompt"] = prompt
    elif prompt and sub == "generate":
        fields["input"] = {"promptText": prompt}
    elif prompt:
        raise ArgsError(f"{model or sub} takes no prompt text; got {prompt[:40]!r}")
    params = {p.name: p for p in ep.params} if ep is not None else {}
    for o in options_for(sub):
        if o.wire in given:
            opt = Option(o.flag, o.wire, params.get(o.wire, o.param))
            fields[o.wire] = resolved.get(o.wire) or _wire_value(opt, given[o.wire], last, namespace, model, path)
    if path == shaped.AVATAR_PATH:
        fields = shaped.avatar_body(fields)
    shaped.apply_sets(fields, getattr(ns, "sets", None), shaped.variant(model, path), label)
    for p in ep.params if ep is not None else ():  # required fields the catalog has a default for are sent with it
        if p.required and p.name not in fields:
            if path == shaped.AVATAR_PATH and p.name != "avatar":
                continue  # avatar: folded into its speech object above
            if p.name in PROMPT_FIELDS:
                raise ArgsError(f"{model} needs a prompt: write it after the options, or use %%runway with the "
                                "prompt in the cell body")
            if p.type in MEDIA_TYPES or p.default is None:
                what = f"; one of {', '.join(map(str, p.choices))}" if p.choices else ""
                raise ArgsError(f"{model or sub} needs {flag_for(p.name)} ({p.help or p.name}{what})")
            fields[p.name] = _wire_value(Option(flag_for(p.name), p.name, p), p.default, None, namespace, model, path)
    return Request(sub, model, path, fields, bg=ns.bg, out=ns.out, timeout=ns.timeout)


def _upscale_input(ns, namespace, given: dict) -> dict:
    """upscale --input X: the input's kind names the field (imageUri or videoUri), hence the operation."""
    spec = getattr(ns, "input", None)
    if spec is None:
        return {}
    obj = resolve_input(spec, namespace, "--input")
    kind = media_kind(obj)
    if kind not in (IMAGE, VIDEO):
        raise ArgsError(f"--input {spec!r}: upscale takes an image or a video"
                        + (f", got {kind}" if kind else "; cannot tell which from the name"))
    wire = "imageUri" if kind == IMAGE else "videoUri"
    if wire in given:
        raise ArgsError(f"give the {kind} once: --input or {flag_for(wire)}")
    given[wire] = spec
    return {wire: obj}


def _route(sub: str, ns, given: dict) -> str:
    """The endpoint a subcommand line reaches: by its first word (recipe, generate) or by its inputs."""
    spec = SUBS[sub]
    if spec.choices:
        return dict(spec.choices)[ns.choice]
    if sub == "video":
        return "/v1/image_to_video" if "promptImage" in given else "/v1/text_to_video"
    if sub == "upscale":
        if "imageUri" in given or "videoUri" in given:
            return "/v1/image_upscale" if "imageUri" in given else "/v1/video_upscale"
        raise ArgsError("upscale needs the image or video to upscale: --input X (a URL, file or variable)")
    return spec.paths[0]


def _model(sub: str, path: str, asked: str | None, default_models: dict, given: dict) -> str | None:  # noqa: ARG001
    """The model for the line: --model, else the configured default, else the endpoint's first."""
    on_path = shaped.models_on(path)
    if not on_path:
        if asked:
            raise ArgsError(f"%runway {sub} takes no --model (the {'router config' if sub == 'generate' else 'recipe'} "
                            "decides)")
        return None
    default = default_models.get(sub)
    model = asked or (default if default in on_path else on_path[0])
    if model in on_path:
        return model
    if sub == "video" and model in shaped.models_on("/v1/image_to_video"):
        raise ArgsError(f"{model} makes video from an image: give --image (a URL, file or variable)")
    if sub == "upscale" and model in models_for(sub):
        kind = "an image" if model in shaped.models_on("/v1/image_upscale") else "a video"
        raise ArgsError(f"{model} upscales {kind}: give --input with {kind}")
    if model not in catalog.MODELS and model not in catalog.api.model_ids():
        return model  # newer than the catalog: sent unchecked, with the client's warning; the API decides
    raise ArgsError(f"--model {model!r} is not a {sub} model; choose one of {', '.join(models_for(sub))}")


def _wire_value(opt: Option, value, last, namespace, model=None, path=""):
    p, flag = opt.param, opt.flag
    if p.type == "int" and isinstance(value, float) and value.is_integer():
        return int(value)
    if p.type == "voice":
        if model in catalog.MODELS:
            return {"type": "runway-preset", "presetId": value}
        return shaped.voice_value(model, path, value, lambda v: as_media(resolve_input(v, namespace, flag), flag))
    if p.type == "moderation":
        return {"publicFigureThreshold": value}
    if p.type == "prompt_image":
        first = resolve_input(value, namespace, flag)
        if not last:
            return first
        return [{"uri": first, "position": "first"},
                {"uri": resolve_input(last, namespace, "--last-image"), "position": "last"}]
    if p.type == "uri":
        return resolve_input(value, namespace, flag)
    if p.type == "typed_uri":
        obj = resolve_input(value, namespace, flag)
        kind = media_kind(obj) or (p.media[0] if len(p.media) == 1 else None)
        if kind not in p.media:
            raise ArgsError(f"{flag} {value!r}: expected {' or '.join(p.media)}"
                            + (f", got {kind}" if kind else "; cannot tell which from the name"))
        return {"type": kind, "uri": obj}
    if p.type == "references":
        return [{"type": "image", "uri": resolve_input(v, namespace, flag)} for v in value]
    if p.type == "reference_images":
        items = []
        for v in value:
            spec, tag = split_tag(v)
            items.append({"uri": resolve_input(spec, namespace, flag), **({"tag": tag} if tag else {})})
        return items
    return value


def problem_text(problem) -> str:
    """A validate.Problem in the magic's own terms: the option name (or --set FIELD), then the sentence."""
    head = str(problem.field).split(".", 1)[0]
    flags = {o.wire for s in SUBS for o in options_for(s)}
    where = ("prompt" if head == "promptText" else flag_for(head) if head in flags
             else f"--set {problem.field}" if head else "request")
    return f"{where}: {problem.message}"
