"""Tasks for the models and operations only the pinned SDK's types describe (kling_4, ruby, recipes...).

The seed's models have hand-kept plans (outputs.plan); for every other create, the shape says where
the inputs sit (shapes.media_fields) and the overlay what kind of media comes out. The output follows
what the request asks where the shape has the usual fields (ratio "W:H", duration in seconds), and the
inputs where it transforms one (an upscale keeps its source's length and shape, at the resolution
asked; ruby's HDR comes in the delivery format asked, synth.deliver_like). Credits are the sandbox's own
nominal rates (catalog.overlay.SANDBOX_RATES): Runway's prices for these models are not published here.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .. import catalog, shapes
from ..catalog import api, overlay
from . import inputs as _inputs
from .outputs import EXTENSIONS, Plan

_RATIO = re.compile(r"^(\d{1,5}):(\d{1,5})$")
ASPECT_LONG_SIDE = 1280  # "16:9" names a shape, not a size: the sandbox makes it this long
DEFAULT_SIZE = {catalog.VIDEO: (1280, 720), catalog.IMAGE: (1024, 1024)}
MAX_SIDE = 1920
UPSCALE_SHORT_SIDE = {"720p": 720, "1k": 1080, "2k": 1440, "4k": 2160}  # then cut to MAX_SIDE, as every size
KEEPS_THE_PICTURE = ("video_upscale.create", "video_to_hdr.create")  # the source resized or re-coded, not restyled


@dataclass(frozen=True)
class Derived:
    """One derived create: the operation, the model (or the operation's id when it takes none), the
    shape, and what its output is."""

    op: api.Operation
    key: str  # the model id, or e.g. "recipes.product_ad": what quotas and timings are kept by
    shape: Any
    kind: str


def lookup(path: str, body: dict) -> Derived | None:
    """The derived create behind a validated body, or None when the hand-kept catalog serves it."""
    model = body.get("model")
    if isinstance(model, str) and catalog.get_model(model) is not None:
        return None
    found = shapes.for_body(path, body)
    op = api.operation_for("POST", path)
    kind = overlay.output_kind(op.id) if op is not None else None
    if found is None or kind is None:
        return None
    return Derived(op, model if isinstance(model, str) else op.id, found[1], kind)


def open_inputs(d: Derived, body: dict, uploads) -> list[_inputs.Media]:
    """Every media input the body gives, opened as the seed models' inputs are (data:, runway://, https)."""
    return _inputs.open_along(d.shape, body, uploads)


def _size(body: dict, kind: str, source: _inputs.Media | None) -> tuple[int, int]:
    ratio = body.get("ratio") or body.get("resolution")
    match = _RATIO.match(ratio) if isinstance(ratio, str) else None
    if match and max(int(match.group(1)), int(match.group(2))) < 64 and min(map(int, match.groups())) > 0:
        a, b = int(match.group(1)), int(match.group(2))
        w, h = (ASPECT_LONG_SIDE, ASPECT_LONG_SIDE * b / a) if a >= b else (ASPECT_LONG_SIDE * a / b, ASPECT_LONG_SIDE)
    elif match and min(map(int, match.groups())) > 0:
        w, h = int(match.group(1)), int(match.group(2))
    elif source is not None and source.size:
        w, h = source.size
    else:
        w, h = DEFAULT_SIZE.get(kind, (1280, 720))
    return fit(w, h)


def fit(w: float, h: float) -> tuple[int, int]:
    """Even sides, the longer at most MAX_SIDE (a synthetic 4K clip would only cost the sandbox time)."""
    scale = min(1.0, MAX_SIDE / max(w, h))
    return max(2, int(w * scale) // 2 * 2), max(2, int(h * scale) // 2 * 2)


def _seconds(body: dict, source: _inputs.Media | None) -> float:
    duration = body.get("duration")
    if isinstance(duration, (int, float)) and not isinstance(duration, bool) and duration > 0:
        return float(duration)
    if source is not None and source.seconds:
        return float(source.seconds)
    return overlay.DEFAULT_VIDEO_SECONDS


def _upscaled(body: dict, source: _inputs.Media | None) -> tuple[int, int] | None:
    """An upscale's size: the source's shape with its shorter side at the named resolution (the
    sandbox's reading of "720p" to "4k"; the API does not give pixels), or None when no size is named."""
    short = UPSCALE_SHORT_SIDE.get(str(body.get("resolution", "")).lower())
    if short is None:
        return None
    w, h = source.size if source is not None and source.size else DEFAULT_SIZE[catalog.VIDEO]
    return fit(short * w / min(w, h), short * h / min(w, h))


def frame_rate(name: object) -> Fraction | int:
    """A targetFramerate value as frames per second: "60" -> 60, "29_97" -> 30000/1001; else 24."""
    if not isinstance(name, str) or not re.fullmatch(r"\d+(_\d+)?", name):
        return 24
    whole, _, part = name.partition("_")
    return Fraction(round(float(f"{whole}.{part}")) * 1000, 1001) if part else int(whole)


def plan(synth, d: Derived, body: dict, media: list[_inputs.Media], seed: int) -> Plan:
    """The synth call for a derived create: the kind the operation makes, sized as the request asks.
    A delivery format synth makes (ruby's HDR, aleph2's ProRes) is delivered as asked; `synth` is None
    when only the length is wanted (the price)."""
    body = {**overlay.SERVICE_DEFAULTS.get(d.key, {}), **body}
    prompt = next((v for k in ("promptText", "prompt", "text") if isinstance(v := body.get(k), str)), "")
    source = next((m for m in media if m.kind in (catalog.VIDEO, catalog.AUDIO) and m.held), None)
    image = next((m for m in media if m.kind == catalog.IMAGE and m.held), None)
    if d.kind == catalog.VIDEO:
        w, h = (d.op.id == "video_upscale.create" and _upscaled(body, source)) or _size(body, d.kind, source)
        seconds = _seconds(body, source)
        fmt = body.get("outputFormat")
        regrade = d.op.id not in KEEPS_THE_PICTURE
        if fmt != "mp4" and fmt in getattr(synth, "OUTPUT_FORMATS", ()):
            clip = source if source is not None and source.kind == catalog.VIDEO else None
            tier = body.get("proresProfile") if "prores" in fmt else None  # "only valid" for ProRes formats
            return Plan(d.kind, fmt, seconds, lambda: synth.deliver_like(
                fmt, clip and clip.read(), seconds, w, h, seed=seed, prompt=prompt, prores_profile=tier,
                regrade=regrade))
        fps = frame_rate(body.get("targetFramerate"))  # enhance_frame_rate: the rate it converts to
        if source is not None and source.kind == catalog.VIDEO:
            return Plan(d.kind, "mp4", seconds, lambda: synth.video_like(source.read(), seconds, w, h, seed=seed,
                                                                         prompt=prompt, regrade=regrade, fps=fps))
        audio = bool(body.get("audio", False))
        return Plan(d.kind, "mp4", seconds, lambda: synth.video(
            w, h, seconds, seed=seed, prompt=prompt, first_frame=image and image.read(), audio=audio, fps=fps))
    if d.kind == catalog.IMAGE:
        w, h = _size(body, d.kind, None)
        refs = [data for m in media if m.kind == catalog.IMAGE and (data := m.read()) is not None]
        return Plan(d.kind, EXTENSIONS[d.kind], 0.0, lambda: synth.image(w, h, seed=seed, prompt=prompt,
                                                                          references=refs))
    seconds = _seconds(body, source)
    if source is not None:
        return Plan(d.kind, "mp3", seconds, lambda: synth.audio_like(source.read(), seconds, seed=seed, kind="sts"))
    if d.op.id == "text_to_speech.create" or "voice" in body:
        return Plan(d.kind, "mp3", 0.0, lambda: synth.speech(prompt or "hello", voice="sandbox", seed=seed))
    return Plan(d.kind, "mp3", seconds, lambda: synth.sound(prompt, seconds, seed=seed, loop=False))


def credits(d: Derived, plan_: Plan) -> int:
    """The sandbox's nominal price (see the module docstring): per output second, or per image."""
    rate = overlay.SANDBOX_RATES[d.kind]
    return int(rate if d.kind == catalog.IMAGE else math.ceil(rate * max(plan_.seconds, 1.0)))


def typical_seconds(d: Derived, output_seconds: float) -> float:
    return overlay.typical_seconds(d.kind, output_seconds)
