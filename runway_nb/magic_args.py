"""Parsing for %runway: argv in, a plain `Request` (wire fields) out. Options come from catalog Params.

Nothing here talks to the network or to IPython, so every rule can be tested with plain strings.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from functools import cache

from . import catalog
from . import magic_models as shaped
from .magic_inputs import EXTENSIONS, as_media, media_kind, resolve_input, split_tag  # noqa: F401
from .magic_models import ArgsError


class HelpShown(Exception):  # noqa: N818 - a signal, not a failure
    """argparse printed --help: stop quietly."""


@dataclass(frozen=True)
class Sub:
    """A generation subcommand: the endpoints it reaches and the option names it gives wire fields.
    `choices` (recipe, generate): the word after the subcommand picks the endpoint, e.g. recipe product_ad."""

    name: str
    paths: tuple[str, ...]
    summary: str
    examples: tuple[str, ...]
    choices: tuple[tuple[str, str], ...] = ()  # (word, path)


def _recipes() -> tuple[tuple[str, str], ...]:
    from .catalog import api

    return tuple((op.sdk_method, op.path) for op in api.operations().values()
                 if op.resource == "recipes" and op.creates_task)


_ROUTER = (("video", "/v1/generate/video"), ("image", "/v1/generate/image"), ("audio", "/v1/generate/audio"))
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
    Sub("sound", ("/v1/video_to_audio",), "sound for a video: sound effects that fit it (sfx makes one from text)",
        ("%runway sound --video clip.mp4 --duration 5 waves on rocks, gulls",)),
    Sub("upscale", ("/v1/image_upscale", "/v1/video_upscale"), "upscale an image or a video (the input's kind "
        "picks image_upscale or video_upscale)",
        ("%runway upscale --input photo.png --scale-factor 4",
         "%runway upscale --input clip.mp4 --model enhance_frame_rate --target-framerate 60")),
    Sub("hdr", ("/v1/video_to_hdr",), "turn an SDR video into HDR (Ruby)",
        ("%runway hdr --video clip.mp4 --output-format hlg",)),
    Sub("avatar", ("/v1/avatar_videos",), "an avatar speaks a script (the prompt) or an audio clip",
        ("%runway avatar --avatar game-character --voice my_voice_id Welcome to the show!",)),
    Sub("generate", tuple(p for _, p in _ROUTER), "generate video|image|audio through a saved Model Router "
        "config (--config SLUG)", ("%runway generate video --config my-router --set input.duration=5 a kite at dawn",),
        _ROUTER),
    Sub("recipe", tuple(p for _, p in _recipes()), "run a recipe: recipe NAME (" + ", ".join(n for n, _ in _recipes())
        + ")", ("%runway recipe product_ad --version 2026-07 --product-images bottle.png --user-concept calm beach",),
        _recipes()),
)}
# Wire names whose option is not simply the kebab-case name; the rest follow python_name.
FLAG_NAMES = {"promptImage": "image", "videoUri": "video", "audioUri": "audio", "references": "ref",
              "referenceImages": "ref", "targetLang": "lang", "imageUri": "image", "configId": "config"}
PROMPT_FIELDS = ("promptText", "prompt")  # filled by the prompt words (or the cell body), never a flag
RESERVED = ("--model", "--set", "--bg", "--out", "--timeout", "--input", "--help")
MEDIA_TYPES = ("uri", "prompt_image", "typed_uri", "references", "reference_images")
MANAGE = {"tasks": "the tasks of this session, with status", "status": "one task's status (ID)",
          "cancel": "cancel a running task (ID)", "delete": "delete a task and its outputs (ID)",
          "resume": "follow the unfinished tasks of earlier sessions", "history": "past tasks from the journal",
          "cost": "estimate a command without running it: %runway cost video ...",
          "credits": "the organization's credit balance", "budget": "cap this session's spend: budget N | off",
          "models": "every model by kind and provider, with prices", "config": "current settings (%config Runway)",
          "voices": "custom voices: voices [list] | preview PROMPT | design NAME PROMPT | delete ID",
          "workflow": "workflows: workflow (list) | workflow ID [--set NODE.KEY=VALUE] (runs it)",
          "batch": "many prompts, one live view: batch COMMAND SOURCE [--concurrency N] (batch --help)",
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
    """Every model of the subcommand's operations: the hand-kept first, then every one the SDK names."""
    return tuple(dict.fromkeys(m for p in SUBS[sub].paths for m in shaped.models_on(p)))


def flag_for(wire: str) -> str:
    return "--" + FLAG_NAMES.get(wire, catalog.Param(wire, "text").python_name).replace("_", "-")


def _params(sub: str, model: str | None = None):
    """(model, path, Param) for every field of the subcommand's models (or of one model)."""
    for path in SUBS[sub].paths:
        on_path = shaped.models_on(path) or (None,)  # recipes and the router take no model
        for m in ((model,) if model in on_path else ()) if model else on_path:
            for p in (shaped.endpoint(m, path) or _NO_EP).params:
                yield m, path, p


_NO_EP = catalog.Endpoint("", ())


@cache
def options_for(sub: str) -> tuple[Option, ...]:
    """Every option of a subcommand: the union of its models' fields (first definition wins)."""
    seen: dict[str, Option] = {}
    for _, _, p in _params(sub):
        flag = flag_for(p.name)
        if p.name not in PROMPT_FIELDS and flag not in RESERVED and flag not in {o.flag for o in seen.values()}:
            seen.setdefault(p.name, Option(flag, p.name, p))
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
    return sub == "generate" or any(p.name in PROMPT_FIELDS for _, _, p in _params(sub))


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
    if sub == "upscale":
        sp.add_argument("--input", metavar="INPUT", help="the image or video to upscale (its kind picks the "
                        "operation); a URL, file path or variable")
    sp.add_argument("--set", dest="sets", action="append", metavar="FIELD=VALUE", help=shaped.SET_HELP.replace("%", "%%"))
    sp.add_argument("--bg", action="store_true", help="return at once; the view keeps updating")
    sp.add_argument("--out", metavar="DIR", help="folder for the outputs (default: Runway.output_folder)")
    sp.add_argument("--timeout", type=float, metavar="SECONDS", help="wait this long, then detach (it keeps running)")


def _by_model(sub: str) -> list[str]:
    """Each model's ratios and durations: the values that differ between models of one subcommand."""
    lines = []
    for m in (m for m in models_for(sub) if m in catalog.MODELS):
        for path in SUBS[sub].paths:
            ep = shaped.endpoint(m, path)
            if ep is None:
                continue
            bits = [f"{flag_for(p.name)} " + ("|".join(map(str, p.choices)) if p.choices else f"{p.min:g}..{p.max:g}")
                    for p in ep.params if p.name in ("ratio", "duration") and (p.choices or p.min is not None)]
            label = m + (" + --image" if path == "/v1/image_to_video" else "")
            lines.append(f"  {label:<22} {'  '.join(bits)}")
    if lines and len(models_for(sub)) > len({ln.split()[0] for ln in lines}):
        lines.append(f"  every model's fields: %runway {sub} --help --model MODEL")
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
            sp.add_argument("--provider", help="only this provider's models (Runway, Google, Kling, ...)")
            sp.add_argument("--operation", help="only this operation (text_to_video, video_upscale, "
                            "generate.video, recipes.product_ad; recipes.* for every recipe)")
            sp.add_argument("-n", "--limit", type=int, default=20, help="rows a page (20)")
            sp.add_argument("--page", type=int, default=1, help="which page, newest first (1)")
        elif name == "models":
            sp.add_argument("kind", nargs="?", choices=catalog.KINDS, help="only video, image or audio models")
        elif name == "voices":
            sp.add_argument("action", nargs="?", default="list", choices=("list", "preview", "design", "delete"))
            sp.add_argument("words", nargs="*", help="preview: a description; design: NAME then a description; "
                            "delete: ID")
            sp.add_argument("-m", "--model", help=f"voice design model ({', '.join(shaped.VOICE_DESIGN_MODELS)})")
            sp.add_argument("--audio", metavar="INPUT", help="design: clone the voice from this clip instead")
            sp.add_argument("--description", help="design: a note kept with the voice")
            sp.add_argument("-n", "--limit", type=int, default=20, help="list: at most this many (20)")
        elif name == "workflow":
            sp.add_argument("id", nargs="?", help="the published workflow version to run (none: list them)")
            sp.add_argument("--set", dest="sets", action="append", metavar="NODE.KEY=VALUE",
                            help="override a node's output: a value, a URL (image/video/audio) or JSON")
    return top


def split(line: str) -> list[str]:
    """Shell-like words, where prompts' apostrophes stay text: "a cat's toy" is three words, not an
    open quote. "..." quotes anywhere; '...' only around a whole word or a whole value after = (--set
    field='[{"a": 1}]' keeps its double quotes)."""
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
        elif c == "'" and (not started or (buf and buf[-1].endswith("="))):  # 'x' or --set a='[...]'
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
    sub = SUBS.get(argv[0])
    choice = None
    if sub is not None and sub.choices:
        names = [n for n, _ in sub.choices]
        if len(argv) < 2 or argv[1] not in names:
            if not any(a in ("-h", "--help") for a in argv[1:2]):
                raise ArgsError(f"%runway {sub.name} needs one of {', '.join(names)} first, e.g. {sub.examples[0]}")
        else:
            choice, argv = argv[1], [argv[0], *argv[2:]]
    if sub is not None and any(a in ("-h", "--help") for a in argv):
        model = next((b for a, b in zip(argv, argv[1:], strict=False) if a in ("-m", "--model")), None)
        if model or choice:
            paths = tuple(dict(sub.choices)[choice] for _ in (1,)) if choice else sub.paths
            def flags(path: str) -> dict:
                """The flags this model has on `path` (the rest: --set); the prompt words fill the prompt."""
                ep = shaped.endpoint(model, path)
                own = {p.name for p in ep.params} if ep else set()
                return {**{o.wire: o.flag for o in options_for(sub.name) if o.wire in own},
                        **{w: "the prompt words" for w in PROMPT_FIELDS}}

            print(shaped.model_help(sub.name + (f" {choice}" if choice else ""), model, paths, flags))
            raise HelpShown()
    if sub is not None and not any(a in ("-h", "--help") for a in argv):
        sp = p._subparsers._group_actions[0].choices[argv[0]]
        ns = sp.parse_intermixed_args(argv[1:])
        ns.command, ns.choice = argv[0], choice
        return ns
    return p.parse_args(argv)
