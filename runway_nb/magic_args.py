"""Parsing for %runway: argv in, a plain `Request` (wire fields) out. Options come from catalog Params.

Nothing here talks to the network or to IPython, so every rule can be tested with plain strings.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from . import catalog, formats
from .catalog import IMAGE, VIDEO
from .errors import RunwayNBError


class ArgsError(RunwayNBError, ValueError):
    """A bad command line: the magic shows the message alone, with no traceback."""


class HelpShown(Exception):  # noqa: N818 - a signal, not a failure
    """argparse printed --help: stop quietly."""


@dataclass(frozen=True)
class Sub:
    """A generation subcommand: the endpoints it reaches and the option names it gives wire fields."""

    name: str
    paths: tuple[str, ...]
    summary: str
    examples: tuple[str, ...]


SUBS = {s.name: s for s in (
    Sub("video", ("/v1/text_to_video", "/v1/image_to_video"), "text-to-video, or image-to-video with --image",
        ("%runway video a red fox running through fresh snow, slow motion",
         "%runway video --image photo.jpg --duration 5 --ratio 1104:832 the camera pushes in slowly",
         "%runway video --model veo3.1 --image first.png --last-image last.png --no-audio a day passes")),
    Sub("v2v", ("/v1/video_to_video",), "video-to-video with Gen-4 Aleph",
        ("%runway v2v --video clip.mp4 turn it into a watercolour painting",
         "%runway v2v --video clip.mp4 --ref style.png restyle it like the reference")),
    Sub("act", ("/v1/character_performance",), "a character performs a reference video (Act-Two)",
        ("%runway act --character face.png --reference performance.mp4 --expression-intensity 4",)),
    Sub("image", ("/v1/text_to_image",), "text-to-image, with optional @Tag reference images",
        ("%runway image a lighthouse at dusk, oil painting",
         "%runway image --ref eiffel.jpg=Tower --ref starry.jpg=Starry @Tower painted in the style of @Starry")),
    Sub("speech", ("/v1/text_to_speech",), "text-to-speech with a preset voice",
        ("%runway speech --voice Maya Hello, and welcome to the notebook!",)),
    Sub("sfx", ("/v1/sound_effect",), "a sound effect from a description",
        ("%runway sfx --duration 4 thunder rumbling in the distance",)),
    Sub("isolate", ("/v1/voice_isolation",), "remove background noise from speech",
        ("%runway isolate --audio noisy.mp3",)),
    Sub("dub", ("/v1/voice_dubbing",), "dub speech into another language",
        ("%runway dub --audio speech.mp3 --lang fr",)),
    Sub("sts", ("/v1/speech_to_speech",), "say the same words in another voice",
        ("%runway sts --media speech.mp3 --voice Bernard",)),
)}
# Wire names whose option is not simply the kebab-case name; the rest follow python_name.
FLAG_NAMES = {"promptImage": "image", "videoUri": "video", "audioUri": "audio", "references": "ref",
              "referenceImages": "ref", "targetLang": "lang"}
MEDIA_TYPES = ("uri", "prompt_image", "typed_uri", "references", "reference_images")
MANAGE = {"tasks": "the tasks of this session, with status", "status": "one task's status (ID)",
          "cancel": "cancel a running task (ID)", "delete": "delete a task and its outputs (ID)",
          "resume": "follow the unfinished tasks of earlier sessions", "history": "past tasks from the journal",
          "cost": "estimate a command without running it: %runway cost video ...",
          "credits": "the organization's credit balance", "budget": "cap this session's spend: budget N | off",
          "models": "the catalog as a table", "config": "current settings (%config Runway)",
          "sandbox": "on | off | status: use the local sandbox or the real API"}



@dataclass(frozen=True)
class Option:
    """One command-line option of a subcommand, tied to the wire field it fills."""

    flag: str  # "--expression-intensity"
    wire: str  # "expressionIntensity"
    param: catalog.Param

    @property
    def dest(self) -> str:
        return self.flag[2:].replace("-", "_")

    @property
    def is_media(self) -> bool:
        return self.param.type in MEDIA_TYPES


def models_for(sub: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(m for p in SUBS[sub].paths for m in catalog.models_on(p)))


def flag_for(wire: str) -> str:
    return "--" + FLAG_NAMES.get(wire, catalog.Param(wire, "text").python_name).replace("_", "-")


def _params(sub: str, model: str | None = None):
    """(model, path, Param) for every field of the subcommand's models (or of one model)."""
    for m in (model,) if model in catalog.MODELS else models_for(sub):
        for path in SUBS[sub].paths:
            for p in (catalog.MODELS[m].endpoint(path) or _NO_EP).params:
                yield m, path, p


_NO_EP = catalog.Endpoint("", ())


@cache
def options_for(sub: str) -> tuple[Option, ...]:
    """Every option of a subcommand: the union of its models' fields (first definition wins)."""
    seen: dict[str, Option] = {}
    for _, _, p in _params(sub):
        if p.name != "promptText":
            seen.setdefault(p.name, Option(flag_for(p.name), p.name, p))
    return tuple(seen.values())


def has_last_frame(sub: str, model: str | None = None) -> bool:
    """Whether a model (or any of the subcommand's) takes a last-frame keyframe."""
    return any("last" in p.positions for _, _, p in _params(sub, model))


def _value_type(sub: str, wire: str):
    """int, float or str for a field across every model of the subcommand."""
    kinds = set()
    for _, _, p in _params(sub):
        if p.name == wire:
            vals = p.choices if p.type == "enum" else ()
            kinds.add("number" if p.type == "number" or any(isinstance(v, float) for v in vals)
                      else "int" if p.type == "int" or (vals and all(isinstance(v, int) for v in vals)) else "str")
    return float if "number" in kinds else int if kinds == {"int"} else str


def choices_for(sub: str, wire: str, model: str | None = None) -> tuple:
    """The values a field takes for one model (or any model of the subcommand), for help and completion."""
    out: dict = {}
    for _, _, p in _params(sub, model):
        if p.name == wire:
            small_range = p.type == "int" and p.min is not None and p.max is not None and p.max - p.min <= 10
            out.update(dict.fromkeys(p.choices or (tuple(range(int(p.min), int(p.max) + 1)) if small_range else ())))
    return tuple(out)


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so a kernel never sees SystemExit."""

    def error(self, message):
        raise ArgsError(f"{message}  ({_magic_prog('usage: ' + self.prog).removeprefix('usage: ')} --help shows "
                        "every option)")

    def format_help(self):
        return _magic_prog(super().format_help())

    def exit(self, status=0, message=None):
        if message:
            raise ArgsError(message.strip())
        raise HelpShown()


def _magic_prog(text: str) -> str:
    # argparse %-formats prog and usage, so "%runway" itself cannot be the prog: add the % back here.
    return text.replace("usage: runway", "usage: %runway")


METAVARS = {"ratio": "W:H", "voice": "NAME", "targetLang": "LANG", "contentModeration": "{auto,low}",
            "duration": "SECONDS", "seed": "N"}


def _takes_prompt(sub: str) -> bool:
    return any(p.name == "promptText" for _, _, p in _params(sub))


def _add_generate_options(sp: argparse.ArgumentParser, sub: str) -> None:
    sp.add_argument("prompt", nargs="*", help="the prompt (or the cell body of %%%%runway)"
                    if _takes_prompt(sub) else argparse.SUPPRESS)
    sp.add_argument("-m", "--model", metavar="MODEL", help=f"one of: {', '.join(models_for(sub))}")
    for opt in options_for(sub):
        p = opt.param
        help_ = (p.help or opt.wire).replace("%", "%%")
        choices = catalog.MODERATION_THRESHOLDS if p.type == "moderation" else choices_for(sub, opt.wire)
        if opt.wire in ("ratio", "duration") and len(models_for(sub)) > 1:
            help_ += " (by model: see below)"
        elif p.type == "enum" and len(choices) <= 12:
            help_ += f" ({', '.join(map(str, choices))})"
        elif p.type in ("int", "number") and p.min is not None and (p.max or 0) < 1e6:
            help_ += f" ({p.min:g}..{p.max:g})" if p.max is not None else f" (at least {p.min:g})"
        if p.type == "bool":
            sp.add_argument(opt.flag, dest=opt.dest, action=argparse.BooleanOptionalAction, default=None,
                            help=help_)
        elif opt.is_media:
            help_ += f"; a URL, file path or variable ({' or '.join(p.media)})"
            if p.type == "reference_images":
                help_ += "; PATH=Tag lets the prompt say @Tag"
            multi = p.type in ("reference_images", "references")
            sp.add_argument(opt.flag, dest=opt.dest, action="append" if multi else "store", metavar="INPUT",
                            help=help_ + ("; repeat for more" if multi and (p.max_items or 0) > 1 else ""))
            if p.type == "prompt_image" and has_last_frame(sub):
                sp.add_argument("--last-image", metavar="INPUT", help="image for the last frame (Veo 3.1 keyframes)")
        else:
            kind = _value_type(sub, opt.wire)
            sp.add_argument(opt.flag, dest=opt.dest, type=kind, help=help_,
                            metavar=METAVARS.get(opt.wire, "N" if kind is int else "X" if kind is float else "TEXT"))
    sp.add_argument("--bg", action="store_true", help="return at once; the view keeps updating")
    sp.add_argument("--out", metavar="DIR", help="folder for the outputs (default: Runway.output_folder)")
    sp.add_argument("--timeout", type=float, metavar="SECONDS", help="wait this long, then detach (it keeps running)")


def _by_model(sub: str) -> list[str]:
    """Each model's ratios and durations: the values that differ between models of one subcommand."""
    lines = []
    for m in models_for(sub):
        for path in SUBS[sub].paths:
            ep = catalog.MODELS[m].endpoint(path)
            if ep is None:
                continue
            bits = [f"{flag_for(p.name)} " + ("|".join(map(str, p.choices)) if p.choices else f"{p.min:g}..{p.max:g}")
                    for p in ep.params if p.name in ("ratio", "duration") and (p.choices or p.min is not None)]
            label = m + (" + --image" if path == "/v1/image_to_video" else "")
            lines.append(f"  {label:<22} {'  '.join(bits)}")
    return lines if len(lines) > 1 else []


@cache
def parser() -> _Parser:
    """The whole %runway grammar, built once from the catalog."""
    top = _Parser(prog="runway", add_help=True, formatter_class=argparse.RawDescriptionHelpFormatter,
                  description="Make video, images and audio with Runway's API.")
    subs = top.add_subparsers(dest="command", metavar="SUBCOMMAND", parser_class=_Parser)
    for s in SUBS.values():
        by_model = _by_model(s.name)
        epilog = "examples:\n  " + "\n  ".join(s.examples)
        epilog += "\n\nby model:\n" + "\n".join(by_model) if by_model else ""
        sp = subs.add_parser(s.name, help=s.summary, description=f"{s.summary}. Models: "
                             f"{', '.join(models_for(s.name))}.", epilog=epilog,
                             formatter_class=argparse.RawDescriptionHelpFormatter)
        _add_generate_options(sp, s.name)
    for name, summary in MANAGE.items():
        sp = subs.add_parser(name, help=summary.replace("%", "%%"), description=summary)
        if name in ("status", "cancel", "delete"):
            sp.add_argument("id", help="a task id (or a unique prefix of one from this session)")
        elif name == "cost":
            sp.add_argument("rest", nargs=argparse.REMAINDER, help="a generation command")
        elif name == "budget":
            sp.add_argument("limit", nargs="?", help="credits, or 'off'")
        elif name == "sandbox":
            sp.add_argument("mode", nargs="?", default="status", choices=("on", "off", "status"))
        elif name == "history":
            sp.add_argument("-m", "--model", help="only this model")
            sp.add_argument("--kind", choices=catalog.KINDS, help="only video, image or audio tasks")
            sp.add_argument("--text", help="only tasks whose prompt contains this (any case)")
            sp.add_argument("--status", help="only this status (SUCCEEDED, FAILED, ...)")
            sp.add_argument("--since", help="only tasks created on or after this date (YYYY-MM-DD)")
            sp.add_argument("-n", "--limit", type=int, default=20, help="at most this many rows (20)")
        elif name == "models":
            sp.add_argument("kind", nargs="?", choices=catalog.KINDS, help="only video, image or audio models")
    return top


def split(line: str) -> list[str]:
    """Shell-like words, where prompts' apostrophes stay text: "a cat's toy" is three words, not an
    open quote. "..." quotes anywhere; '...' only around a whole word."""
    words, buf, started, i, n = [], [], False, 0, len(line)
    while i < n:
        c = line[i]
        if c.isspace():
            if started:
                words.append("".join(buf))
            buf, started, i = [], False, i + 1
            continue
        end = -1
        if c == '"':
            end = next((j for j in range(i + 1, n) if line[j] == '"' and line[j - 1] != "\\"), -1)
        elif c == "'" and not started:
            end = next((j for j in range(i + 1, n) if line[j] == "'" and (j + 1 == n or line[j + 1].isspace())), -1)
        if end != -1:
            buf.append(line[i + 1:end].replace('\\"', '"') if c == '"' else line[i + 1:end])
            started, i = True, end + 1
        else:
            buf.append(c)
            started, i = True, i + 1
    if started:
        words.append("".join(buf))
    return words


def parse_argv(argv: list[str]) -> argparse.Namespace:
    """argv -> Namespace, raising ArgsError or HelpShown; options and prompt words may interleave."""
    if not argv:
        raise ArgsError("give a subcommand: " + ", ".join([*SUBS, *MANAGE]) + "  (%runway? for help)")
    p = parser()
    if argv[0] in SUBS and not any(a in ("-h", "--help") for a in argv):
        sp = p._subparsers._group_actions[0].choices[argv[0]]
        ns = sp.parse_intermixed_args(argv[1:])
        ns.command = argv[0]
        return ns
    return p.parse_args(argv)


# -- inputs --------------------------------------------------------------------------------------
_URL = re.compile(r"^(https?|data|runway):", re.I)
_EXPR = re.compile(r"^[A-Za-z_]\w*(\.\w+|\[-?\d+\])*$")


def resolve_input(spec: str, namespace, option: str) -> Any:
    """A URL stays a string; a notebook variable becomes its object; a path becomes a Path."""
    if _URL.match(spec):
        return spec
    root = re.match(r"[A-Za-z_]\w*", spec)
    if _EXPR.match(spec) and root and root.group() in namespace:
        try:
            obj = eval(spec, {"__builtins__": {}}, namespace)  # noqa: S307 - the user's own names
        except Exception as exc:
            raise ArgsError(f"{option} {spec!r}: {type(exc).__name__}: {exc}") from None
        return as_media(obj, option)
    path = Path(spec).expanduser()
    if path.is_file():
        return path
    raise ArgsError(f"{option} {spec!r}: not a URL, an existing file, or a variable in the notebook")


def as_media(obj: Any, option: str) -> Any:
    """What the client takes for a notebook object: a previous result's first output, a file, bytes..."""
    outputs = getattr(obj, "outputs", None)
    if outputs is not None and not isinstance(obj, (str, bytes)):
        files = getattr(obj, "files", None)
        if files:
            return Path(files[0])
        if not outputs:
            raise ArgsError(f"{option}: that task has no output yet (status {getattr(obj, 'status', '?')})")
        obj = outputs[0]
    if hasattr(obj, "read") and hasattr(obj, "url") and isinstance(obj.url, str):
        saved = getattr(obj, "path", None)
        if saved and Path(saved).is_file():
            return Path(saved)
        return obj.url if re.match(r"https://[^/]*[A-Za-z][^/]*\.[A-Za-z]", obj.url) else obj.read()
    if isinstance(obj, str):
        return obj if _URL.match(obj) else resolve_input(obj, {}, option)
    if isinstance(obj, (bytearray, memoryview)):
        return bytes(obj)
    if hasattr(obj, "__fspath__"):
        return Path(obj)
    return obj  # bytes, PIL images, numpy arrays: media.py knows them


def media_kind(value: Any) -> str | None:
    """image / video / audio of a resolved input, by sniffing bytes where we can, else by name."""
    head = None
    if isinstance(value, bytes):
        head = value[:64]
    elif isinstance(value, Path):
        with open(value, "rb") as f:
            head = f.read(64)
    if head is not None:
        try:
            from .formats import sniff
            found = sniff(head)
            if found:
                return found[0]
        except ImportError:
            pass
    if isinstance(value, str):
        if value.startswith("data:"):
            kind = value[5:].split("/", 1)[0]
            return kind if kind in catalog.KINDS else None
        name = value.split("?", 1)[0]
    elif isinstance(value, Path):
        name = value.name
    elif isinstance(value, bytes):
        return None
    else:
        return VIDEO if getattr(value, "ndim", 3) == 4 else IMAGE  # PIL image or numpy array
    return formats.kind_of_name(name)


def split_tag(spec: str) -> tuple[str, str | None]:
    """'cat.png=Cat' -> ('cat.png', 'Cat'); a URL's own query (?sig=abc) is not taken for a tag."""
    m = re.fullmatch(r"(.+)=([A-Za-z][A-Za-z0-9_]*)", spec)
    if not m:
        return spec, None
    left = m.group(1)
    if _URL.match(left) and "?" in left and "=" not in left.rsplit("?", 1)[1].rsplit("&", 1)[-1]:
        return spec, None
    return left, m.group(2)


# -- Namespace -> Request ------------------------------------------------------------------------
@dataclass
class Request:
    """One generation: its wire fields (camelCase; media values still Python objects) and how to run it."""

    sub: str
    model: str
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
        return {"model": self.model, **self.fields}

    def plan(self) -> Any:
        """The request's plan (runway_nb.plan): checked and priced once, what the client sends."""
        from . import plan

        return plan.make(self.path, self.body())

    def preview(self) -> dict:
        """The wire body with local media as placeholder URLs (plan.preview: the one rule)."""
        from . import plan

        return plan.preview(self.body())[0]


def to_request(ns: argparse.Namespace, cell: str | None, namespace, default_models: dict) -> Request:
    """Check the options against the chosen model and turn them into wire fields."""
    sub = ns.command
    words = " ".join(ns.prompt).strip()
    body = (cell or "").strip()
    if words and body:
        raise ArgsError("give the prompt on the line or in the cell body, not both")
    prompt = words or body
    model = ns.model or default_models.get(sub) or models_for(sub)[0]
    if model not in models_for(sub):  # options come from the catalog: a newer model needs RunwayML() itself
        raise ArgsError(f"--model {model!r} is not a {sub} model; choose one of {', '.join(models_for(sub))}")
    given = {o.wire: getattr(ns, o.dest) for o in options_for(sub) if getattr(ns, o.dest) is not None}
    last = getattr(ns, "last_image", None)
    path = SUBS[sub].paths[0]
    if sub == "video":
        path = "/v1/image_to_video" if "promptImage" in given else "/v1/text_to_video"
        if last and "promptImage" not in given:
            raise ArgsError("--last-image needs --image too: a last frame only comes with a first")
        if not catalog.MODELS[model].endpoint(path):
            raise ArgsError(f"{model} makes video from an image: give --image (a URL, file or variable)")
    ep = catalog.endpoint_for(model, path, {"promptImage": 1} if "promptImage" in given else {})
    accepted = {p.name for p in ep.params}
    for wire in given:
        if wire not in accepted:
            offered = ", ".join(flag_for(p.name) for p in ep.params if p.name != "promptText") or "no options"
            raise ArgsError(f"{flag_for(wire)} is not accepted by {model} ({path.rsplit('/', 1)[-1]}); it takes {offered}")
    if last and not has_last_frame(sub, model):
        raise ArgsError(f"--last-image is not accepted by {model}; keyframes need veo3.1 or veo3.1_fast")
    if prompt and "promptText" not in accepted:
        raise ArgsError(f"{model} takes no prompt text; got {prompt[:40]!r}")
    fields = {"promptText": prompt} if prompt else {}
    fields.update({o.wire: _wire_value(o, given[o.wire], last, namespace) for o in options_for(sub) if o.wire in given})
    for p in ep.params:  # required fields the catalog has a default for are sent with it (gen4.5's ratio...)
        if p.required and p.name not in fields:
            if p.name == "promptText":
                raise ArgsError(f"{model} needs a prompt: write it after the options, or use %%runway with the "
                                "prompt in the cell body")
            if p.type in MEDIA_TYPES or p.default is None:
                raise ArgsError(f"{model} needs {flag_for(p.name)} ({p.help})")
            fields[p.name] = _wire_value(Option(flag_for(p.name), p.name, p), p.default, None, namespace)
    return Request(sub, model, path, fields, bg=ns.bg, out=ns.out, timeout=ns.timeout)


def _wire_value(opt: Option, value, last, namespace):
    p, flag = opt.param, opt.flag
    if p.type == "voice":
        return {"type": "runway-preset", "presetId": value}
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
    """A validate.Problem in the magic's own terms: the option name, then the full sentence."""
    head = str(problem.field).split(".", 1)[0]
    where = "prompt" if head == "promptText" else flag_for(head) if head else "request"
    return f"{where}: {problem.message}"
