"""Tab completion for %runway: subcommands, the models of a subcommand, the options and values the
chosen model takes (hand-kept or from its SDK shape), --set field paths, notebook names for inputs."""

from __future__ import annotations

import re
from typing import Any

from . import catalog, journal
from . import magic_args as args
from . import magic_models as shaped
from .catalog import api

_MAGIC_LINE = re.compile(r"(?:^|[=\s(])%%?runway\s+(.*)$")
_MEDIA_FLAGS = {o.flag for s in args.SUBS for o in args.options_for(s) if o.is_media} | {"--last-image"}


def candidates(words: list[str], fragment: str, default_models: dict, names=()) -> list[str]:
    """What may come next on a %runway line: subcommands, options valid for the chosen model, and the
    values of --model, --ratio, --voice, --lang, --duration for it. Pure: tested without a shell."""
    if words[:1] == ["cost"]:
        words = words[1:]
    if not words:
        return [*args.SUBS, *args.MANAGE]
    sub = words[0]
    if sub == "sandbox":
        return ["on", "off", "status"] if len(words) == 1 else []
    if sub == "models":
        return list(catalog.KINDS) if len(words) == 1 else []
    if sub == "history":  # what the journal records: the operations that make tasks, and workflow runs
        return sorted({journal.operation_of(op.path) for op in api.operations().values() if op.creates_task}
                      | {"recipes.*", "workflows.run"}) if words[-1] == "--operation" else []
    if sub == "voices":
        return ["list", "preview", "design", "delete"] if len(words) == 1 else (
            list(shaped.VOICE_DESIGN_MODELS) if words[-1] in ("-m", "--model") else [])
    if sub not in args.SUBS:
        return []
    spec = args.SUBS[sub]
    if spec.choices and len(words) == 1:
        return [n for n, _ in spec.choices]
    paths = (dict(spec.choices)[words[1]],) if spec.choices and words[1] in dict(spec.choices) else spec.paths
    if sub == "video":
        paths = ("/v1/image_to_video",) if "--image" in words else ("/v1/text_to_video",)
    model = next((b for a, b in zip(words, words[1:], strict=False) if a in ("-m", "--model")), None)
    models = [m for p in paths for m in shaped.models_on(p)]
    model = model or (default_models.get(sub) if default_models.get(sub) in models else None) or next(iter(models), None)
    eps = [ep for p in paths if (ep := shaped.endpoint(model, p)) is not None]
    prev = words[-1]
    if prev in ("-m", "--model"):
        return list(args.models_for(sub))
    flag_of = {o.flag: o for o in args.options_for(sub)}
    if prev in flag_of and not flag_of[prev].is_media:
        wire = flag_of[prev].wire
        if wire == "contentModeration":
            return list(catalog.MODERATION_THRESHOLDS)
        if wire == "voice":
            return list(catalog.VOICE_PRESETS)
        values = next((p.choices for ep in eps for p in ep.params if p.name == wire and p.choices), ())
        return [str(v) for v in values or args.choices_for(sub, wire, model)]
    if prev == "--set":
        return [f"{f}=" for p in paths for f in shaped.field_paths(shaped.variant(model, p))]
    if prev in _MEDIA_FLAGS or prev == "--input":
        return [n for n in names if not n.startswith("_")]
    if fragment.startswith("-"):
        accepted = {p.name for ep in eps for p in ep.params}
        flags = [o.flag for o in args.options_for(sub) if not eps or o.wire in accepted]
        if sub == "video" and args.has_last_frame(sub, model):
            flags.append("--last-image")
        extra = ["--input"] if sub == "upscale" else []
        return [*(["--model"] if models else []), *flags, *extra, "--set", "--bg", "--out", "--timeout", "--help"]
    return []


def make_matcher(magics: Any):
    """An IPython (API v2) completion matcher bound to the magics' defaults and the user namespace."""
    from IPython.core.completer import SimpleCompletion, completion_matcher

    @completion_matcher(identifier="runway_nb.magics", priority=100, api_version=2)
    def runway_matcher(context):
        m = _MAGIC_LINE.search(context.text_until_cursor)
        if not m or (context.full_text.lstrip().startswith("%%runway") and context.cursor_line > 0):
            return {"completions": [], "suppress": False}
        text = m.group(1)
        words = args.split(text)
        fragment = "" if not text or text[-1].isspace() else (words.pop() if words else "")
        names = [k for k in magics.shell.user_ns if k.isidentifier() and not k.startswith("_")]
        found = [c for c in candidates(words, fragment, magics._default_models(), names) if c.startswith(fragment)]
        media = bool(words) and words[-1] in _MEDIA_FLAGS  # a file path may be meant too: keep file completion
        return {"completions": [SimpleCompletion(c, type="runway") for c in found], "suppress": bool(found) and not media,
                "matched_fragment": fragment}

    return runway_matcher
