"""A corpus of invalid requests, generated from the catalog: every model on every endpoint, every field
given a wrong type, a value outside the model's set, out of range, empty, too long (emoji count two
UTF-16 units), missing or unknown; every media field given a GIF, a missing path, a directory, an http or
IP-address URL, a malformed runway:// or data: URI, the wrong kind of media, a URL over 2048 characters or
a file over the 200 MB upload cap; plus the rules of single models (tags, references, voices, keyframes).

Each entry says which wire field the error must name. Made with the SDK's snake_case keywords, exactly
as a user of `client.<resource>.create(...)` writes them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from media_samples import gif_bytes, png_bytes, wav_bytes
from rel_support import HTTPS

from runway_nb import catalog

IMG, VID, AUD = f"{HTTPS}/image.png", f"{HTTPS}/clip.mp4", f"{HTTPS}/speech.mp3"
VOICE = {"type": "runway-preset", "preset_id": "Maya"}
EMOJI_PROMPT = "\U0001f600" * 501  # 501 characters, 1002 UTF-16 code units

# One valid call per (resource, model), https inputs only: every mutation below changes one thing.
BASES: dict[tuple[str, str], dict] = {
    ("text_to_video", "gen4.5"): dict(prompt_text="a lake at dawn", ratio="1280:720", duration=5),
    ("image_to_video", "gen4.5"): dict(prompt_image=IMG, prompt_text="leaves rustle", ratio="960:960", duration=5),
    ("image_to_video", "gen4_turbo"): dict(prompt_image=IMG, ratio="1104:832", duration=5, prompt_text="push in"),
    ("text_to_video", "veo3"): dict(prompt_text="a rocket launch", ratio="1280:720", duration=8),
    ("image_to_video", "veo3"): dict(prompt_image=IMG, ratio="720:1280", duration=8),
    ("text_to_video", "veo3.1"): dict(prompt_text="a quiet forest", ratio="1280:720", duration=4, audio=False),
    ("image_to_video", "veo3.1"): dict(prompt_image=[{"uri": IMG, "position": "first"}], duration=6, audio=True),
    ("text_to_video", "veo3.1_fast"): dict(prompt_text="waves on rocks", duration=4),
    ("image_to_video", "veo3.1_fast"): dict(prompt_image=IMG, ratio="720:1280", duration=8),
    ("video_to_video", "gen4_aleph"): dict(prompt_text="anime style", video_uri=VID,
                                           references=[{"type": "image", "uri": IMG}]),
    ("character_performance", "act_two"): dict(character={"type": "image", "uri": IMG},
                                               reference={"type": "video", "uri": VID}, ratio="960:960"),
    ("text_to_image", "gen4_image"): dict(prompt_text="a sofa", ratio="1280:720",
                                          reference_images=[{"uri": IMG, "tag": "Cat"}]),
    ("text_to_image", "gen4_image_turbo"): dict(prompt_text="a red car", ratio="720:720",
                                                reference_images=[{"uri": IMG}]),
    ("text_to_image", "gemini_2.5_flash"): dict(prompt_text="a lighthouse", ratio="1344:768"),
    ("text_to_speech", "eleven_multilingual_v2"): dict(prompt_text="Hello there", voice=VOICE),
    ("sound_effect", "eleven_text_to_sound_v2"): dict(prompt_text="thunder", duration=2.5, loop=True),
    ("voice_isolation", "eleven_voice_isolation"): dict(audio_uri=AUD),
    ("voice_dubbing", "eleven_voice_dubbing"): dict(audio_uri=AUD, target_lang="es", num_speakers=1),
    ("speech_to_speech", "eleven_multilingual_sts_v2"): dict(media={"type": "audio", "uri": AUD}, voice=VOICE),
}
WRONG_TYPE = {"text": 12345, "enum": ["x"], "int": "5", "number": "2.5", "bool": "yes", "uri": 42,
              "prompt_image": 3.5, "typed_uri": 7, "references": IMG, "reference_images": {"uri": IMG},
              "voice": "Maya", "moderation": "low"}


@dataclass(frozen=True)
class Bad:
    """One invalid call: what it is, the call itself, and the wire field its error must name."""

    category: str
    resource: str
    model: str
    kwargs: dict
    field: str

    @property
    def name(self) -> str:
        return f"{self.model} {self.resource}: {self.category}"


@dataclass(frozen=True)
class Files:
    """Local files the corpus points at: missing, a directory, and sparse files over the upload cap."""

    folder: Path
    missing: Path
    huge: dict  # kind -> path of a 201 MB sparse file that starts like that kind of media

    @classmethod
    def make(cls, folder: Path) -> Files:
        folder.mkdir(parents=True, exist_ok=True)
        heads = {catalog.IMAGE: png_bytes()[:64], catalog.VIDEO: b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00isom",
                 catalog.AUDIO: b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00"}
        huge = {}
        for kind, head in heads.items():
            path = folder / f"huge_{kind}.bin"
            path.write_bytes(head)
            os.truncate(path, 201_000_000)  # sparse: no disk used
            huge[kind] = path
        return cls(folder, folder / "does-not-exist.png", huge)


def _bad_media(kind: str, files: Files) -> list[tuple[str, Any]]:
    other = {catalog.IMAGE: wav_bytes(0.2), catalog.VIDEO: png_bytes(), catalog.AUDIO: png_bytes()}[kind]
    return [
        ("GIF", gif_bytes()),
        ("path that does not exist", files.missing),
        ("path that does not exist (str)", str(files.missing)),
        ("directory", files.folder),
        ("http:// URL", f"http://media.example.com/input.{kind}"),
        ("https URL with an IP host", "https://10.1.2.3/input.bin"),
        ("https URL over 2048 chars", f"{HTTPS}/{'a' * 2100}.png"),
        ("malformed runway:// (no upload)", "runway://"),
        ("malformed runway:// (space)", "runway://up load"),
        ("data: URI not base64", "data:image/png;base64,@@@@"),
        ("data: URI without data", "data:image/png;base64,"),
        ("wrong kind of media", other),
        ("over the 200 MB upload cap", files.huge[kind]),
    ]


def _place(p: catalog.Param, base_value: Any, value: Any) -> tuple[Any, str]:
    """Put a media value where param `p` takes it, in the shape the base call used; (value, field)."""
    if p.type == "typed_uri":
        return {"type": p.media[0], "uri": value}, f"{p.name}.uri"
    if p.type == "references":
        return [{"type": "image", "uri": value}], f"{p.name}.0.uri"
    if p.type == "reference_images":
        return [{"uri": value}], f"{p.name}.0.uri"
    if p.type == "prompt_image" and isinstance(base_value, list):
        return [{"uri": value, "position": "first"}], f"{p.name}.0.uri"
    return value, p.name


def _for_param(p: catalog.Param, base: dict, files: Files, model: str) -> Iterator[tuple[str, Any, str]]:
    """(category, new value or DROP, expected field) for one parameter."""
    yield f"{p.name}: wrong type", WRONG_TYPE[p.type], p.name
    if p.type == "enum":
        other = [c for m in catalog.MODELS.values() for e in m.endpoints for q in e.params
                 if q.name == p.name and q.type == "enum" for c in q.choices if c not in p.choices]
        yield f"{p.name}: outside the model's set", "999:999" if p.name == "ratio" else ("xx" if isinstance(
            p.choices[0], str) else 7), p.name
        if other:
            yield f"{p.name}: another model's value", other[0], p.name
    if p.type in ("int", "number"):
        if p.min is not None:
            yield f"{p.name}: below the minimum", p.min - 1, p.name
        if p.max is not None:
            yield f"{p.name}: above the maximum", p.max + 1, p.name
        if p.type == "int":
            yield f"{p.name}: not a whole number", (p.min or 0) + 1.5, p.name
    if p.type == "text":
        yield f"{p.name}: empty", "", p.name
        if p.max_len:
            yield f"{p.name}: {p.max_len + 1} characters", "a" * (p.max_len + 1), p.name
            yield f"{p.name}: 501 emoji (1002 UTF-16 units)", EMOJI_PROMPT, p.name
    if p.type == "voice":
        yield "voice: unknown preset", {"type": "runway-preset", "preset_id": "Nobody"}, "voice.presetId"
        yield "voice: preset in lower case", {"type": "runway-preset", "preset_id": "maya"}, "voice.presetId"
        yield "voice: unknown type", {"type": "cloned", "preset_id": "Maya"}, "voice.type"
        yield "voice: no presetId", {"type": "runway-preset"}, "voice.presetId"
    if p.type == "moderation":
        yield "contentModeration: unknown threshold", {"public_figure_threshold": "high"}, \
            "contentModeration.publicFigureThreshold"
    if p.type == "typed_uri":
        yield f"{p.name}: media type not offered", {"type": "text", "uri": IMG}, f"{p.name}.type"
    if p.media and p.name in base:
        for label, value in _bad_media(p.media[0], files):
            placed, fld = _place(p, base[p.name], value)
            yield f"{p.name}: {label}", placed, fld
    fill = p.fill or (p.name == "ratio" and model.startswith("veo")) or (p.type == "enum" and len(p.choices) == 1)
    text_only = p.name == "promptImage" and model in catalog.TEXT_ONLY_ON_IMAGE_TO_VIDEO
    if p.required and not fill and not text_only and p.name in base:
        yield f"{p.name}: missing", DROP, p.name


DROP = object()


def corpus(files: Files) -> list[Bad]:
    out: list[Bad] = []
    for (resource, model), base in BASES.items():
        path = f"/v1/{resource}"
        endpoint = catalog.endpoint_for(model, path, {"promptImage": 1} if "prompt_image" in base else {})
        wire_base = {_camel(k): v for k, v in base.items()}
        for p in endpoint.params:
            for category, value, fld in _for_param(p, wire_base, files, model):
                kwargs = {"model": model, **base}
                kwargs.pop(p.python_name, None)
                if value is not DROP:
                    kwargs[p.python_name] = value
                out.append(Bad(category, resource, model, kwargs, fld))
        out.append(Bad("unknown field (a typo)", resource, model, {"model": model, **base, "colour_grade": 1},
                       "colourGrade"))
        out.append(Bad("model missing", resource, model, dict(base), "model"))
        out.append(Bad("model not a string", resource, model, {"model": 5, **base}, "model"))
        elsewhere = next(m for m in catalog.MODELS if path not in catalog.MODELS[m].paths)
        out.append(Bad("a model this endpoint does not offer", resource, model, {"model": elsewhere, **base}, "model"))
    return out + _special(files)


def _special(files: Files) -> list[Bad]:
    t2i = "text_to_image"
    refs = [{"uri": IMG, "tag": "Cat"}]
    return [
        Bad("referenceImages missing (required by turbo)", t2i, "gen4_image_turbo",
            dict(model="gen4_image_turbo", prompt_text="a red car", ratio="720:720"), "referenceImages"),
        Bad("referenceImages empty (turbo needs 1)", t2i, "gen4_image_turbo",
            dict(model="gen4_image_turbo", prompt_text="a red car", ratio="720:720", reference_images=[]),
            "referenceImages"),
        Bad("@Tag with no such reference", t2i, "gen4_image",
            dict(model="gen4_image", prompt_text="@Dog on a sofa", ratio="1280:720", reference_images=refs),
            "promptText"),
        Bad("@tag differs in case", t2i, "gen4_image",
            dict(model="gen4_image", prompt_text="@cat on a sofa", ratio="1280:720", reference_images=refs),
            "promptText"),
        Bad("@Tag with no references at all", t2i, "gen4_image_turbo",
            dict(model="gen4_image_turbo", prompt_text="@Cat runs", ratio="720:720", reference_images=[{"uri": IMG}]),
            "promptText"),
        Bad("tag too short", t2i, "gen4_image",
            dict(model="gen4_image", prompt_text="a sofa", ratio="1280:720", reference_images=[{"uri": IMG, "tag": "C"}]),
            "referenceImages.0.tag"),
        Bad("tag starts with a digit", t2i, "gen4_image",
            dict(model="gen4_image", prompt_text="a", ratio="1280:720", reference_images=[{"uri": IMG, "tag": "1Cat"}]),
            "referenceImages.0.tag"),
        Bad("same tag twice", t2i, "gen4_image",
            dict(model="gen4_image", prompt_text="a", ratio="1280:720", reference_images=refs + refs),
            "referenceImages.1.tag"),
        Bad("4 reference images (max 3)", t2i, "gen4_image",
            dict(model="gen4_image", prompt_text="a", ratio="1280:720", reference_images=[{"uri": IMG}] * 4),
            "referenceImages"),
        Bad("keyframes: last without first", "image_to_video", "veo3.1",
            dict(model="veo3.1", prompt_image=[{"uri": IMG, "position": "last"}], duration=4), "promptImage"),
        Bad("keyframes: first twice", "image_to_video", "veo3.1",
            dict(model="veo3.1", prompt_image=[{"uri": IMG, "position": "first"}] * 2, duration=4),
            "promptImage.1.position"),
        Bad("keyframes: last on a model without it", "image_to_video", "gen4_turbo",
            dict(model="gen4_turbo", prompt_image=[{"uri": IMG, "position": "first"}, {"uri": IMG, "position": "last"}],
                 ratio="960:960"), "promptImage.1.position"),
        Bad("keyframes: empty list", "image_to_video", "veo3.1_fast",
            dict(model="veo3.1_fast", prompt_image=[], duration=4), "promptImage"),
        Bad("dubbing: language by name", "voice_dubbing", "eleven_voice_dubbing",
            dict(model="eleven_voice_dubbing", audio_uri=AUD, target_lang="Spanish"), "targetLang"),
        Bad("dubbing: language with region", "voice_dubbing", "eleven_voice_dubbing",
            dict(model="eleven_voice_dubbing", audio_uri=AUD, target_lang="es-ES"), "targetLang"),
        Bad("speech: voice given as a bare name", "text_to_speech", "eleven_multilingual_v2",
            dict(model="eleven_multilingual_v2", prompt_text="hi", voice="Maya"), "voice"),
        Bad("veo3.1: audio as 1", "text_to_video", "veo3.1",
            dict(model="veo3.1", prompt_text="a", duration=4, audio=1), "audio"),
        Bad("veo3: seed not offered", "text_to_video", "veo3",
            dict(model="veo3", prompt_text="a", seed=3), "seed"),
        Bad("gen4.5 text-to-video: image ratio", "text_to_video", "gen4.5",
            dict(model="gen4.5", prompt_text="a", ratio="960:960", duration=5), "ratio"),
        Bad("GIF as a local file", "image_to_video", "gen4_turbo",
            dict(model="gen4_turbo", prompt_image=_gif_file(files), ratio="960:960"), "promptImage"),
    ]


def _gif_file(files: Files) -> Path:
    path = files.folder / "anim.gif"
    if not path.exists():
        path.write_bytes(gif_bytes())
    return path


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(w[:1].upper() + w[1:] for w in rest)
