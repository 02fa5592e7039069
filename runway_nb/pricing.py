"""What a task will cost, before it is sent: credits and dollars from catalog.Price and the wire body.

The client shows this estimate and the sandbox charges exactly it, so both read the same rules:
missing optional fields take Param.default, partial units round up, and an input whose length was
not measured counts as catalog.NOMINAL_INPUT_SECONDS of its kind.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from . import catalog


@dataclass(frozen=True)
class Estimate:
    """credits (whole), dollars (credits x catalog.CREDIT_DOLLARS) and the sum in words."""

    credits: int
    dollars: float
    basis: str  # "12 credits/s x 10 s"


def estimate(model_id: str, body: dict, *, input_seconds: float | None = None) -> Estimate:
    """The cost of one task of `model_id` for the wire `body`.

    `input_seconds` is the measured length of the input named by Price.basis (unit "input_second");
    None means unmeasured. Raises ValueError for a model the catalog does not know. Values of the
    wrong type count as missing, so an estimate works on a half-filled form.
    """
    model = catalog.get_model(model_id)
    if model is None:
        raise ValueError(f"no price is known for model {model_id!r}; known: {', '.join(catalog.MODELS)}")
    price, unit = model.price, model.price.unit
    if unit == "second":
        seconds = _value(model, body, "duration", _is_number) or 0
        silent = price.silent_credits is not None and _value(model, body, "audio", _is_bool) is False
        rate = price.silent_credits if silent else price.credits
        credits, basis = _charge(rate, price.per, seconds, "s")
        basis += " (audio off)" if silent else "" if price.per == 1 else f" ({seconds:g} s)"
        extra = output_format_surcharge(model_id, body.get("outputFormat"), body.get("ratio"))
        if extra:
            more, more_basis = _charge(extra, 1, seconds, "s")
            credits += more
            basis += f" + {body['outputFormat']} {more_basis}"
    elif unit == "input_second":
        kind = _input_kind(model, body)
        seconds = float(input_seconds) if input_seconds is not None else catalog.NOMINAL_INPUT_SECONDS[kind]
        how = "measured" if input_seconds is not None else "nominal, not measured"
        credits, basis = _charge(price.credits, price.per, seconds, "s")
        basis += f" ({seconds:g} s of input {kind}, {how})"
    elif unit == "image":
        ratio = _value(model, body, "ratio", lambda v: isinstance(v, str))
        each = price.by_ratio.get(ratio, price.credits)
        credits = _ceil(each * model.outputs)
        basis = f"{each:g} credits per image ({ratio})" + (f" x {model.outputs}" if model.outputs != 1 else "")
    elif unit == "char":
        text = body.get("promptText")
        chars = len(text.encode("utf-16-le")) // 2 if isinstance(text, str) else 0  # = validate.utf16_len
        credits, basis = _charge(price.credits, price.per, chars, "characters")
        basis += f" ({chars} characters in UTF-16 units)"
    else:
        raise ValueError(f"catalog price unit {unit!r} of {model_id} is not one pricing knows")
    return Estimate(credits, round(credits * catalog.CREDIT_DOLLARS, 6), basis)


# Output formats past H.264 cost more per second. Source: runwayml 5.24.0, the doc of gen4.5's
# `outputFormat` (text_to_video and image_to_video params): "Non-mp4 formats incur an additional
# per-second credit surcharge: 5 credits per second for `prores` and `png_sequence`, and 20 credits per
# second for every 10-bit and deeper profile (including the 12-bit, 16-bit, and EXR ones), rising to 40
# credits per second when the output is larger than 4 megapixels". Only gen4.5 has a price here; aleph2
# and ruby state the same rule, but no base price of theirs is published.
SURCHARGED_MODELS = frozenset({"gen4.5"})
EIGHT_BIT_FORMATS = {"prores": 5, "png_sequence": 5}  # credits per output second
DEEP_RATE, DEEP_LARGE_RATE, LARGE_PIXELS = 20, 40, 4_000_000


def output_format_surcharge(model_id: str, output_format: object, ratio: object = None) -> int:
    """Extra credits per output second for `output_format` (0 for mp4, a missing or unknown value)."""
    if model_id not in SURCHARGED_MODELS or not isinstance(output_format, str) or output_format == "mp4":
        return 0
    if output_format in EIGHT_BIT_FORMATS:
        return EIGHT_BIT_FORMATS[output_format]
    if not output_format.startswith(("hdr", "hlg", "sdr_rec709_10bit")):
        return 0  # a format the rule does not name: no surcharge invented
    width, _, height = str(ratio or "").partition(":")
    pixels = int(width) * int(height) if width.isdigit() and height.isdigit() else 0
    return DEEP_LARGE_RATE if pixels > LARGE_PIXELS else DEEP_RATE


def _ceil(x: float) -> int:
    # Rounded first so float noise (6.000000001 s from a probe) does not add a whole unit.
    return math.ceil(round(x, 6))


def _charge(rate: float, per: float, amount: float, unit: str) -> tuple[int, str]:
    """`rate` credits for every `per` units of `amount`, a partial unit rounded up."""
    units = _ceil(max(amount, 0) / per)
    credits = _ceil(rate * units)
    if per == 1:
        return credits, f"{rate:g} credits/{unit} x {units} {unit}"
    return credits, f"{rate:g} credit{'s' * (rate != 1)} per {per:g} {unit} x {units}"


def _is_number(v: object) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _is_bool(v: object) -> bool:
    return isinstance(v, bool)


def _value(model: catalog.Model, body: dict, name: str, ok):
    """body[name] when `ok` says it is usable, else the Param's default (missing fields take defaults)."""
    if ok(body.get(name)):
        return body[name]
    param = next((e.param(name) for e in model.endpoints if e.param(name) is not None), None)
    return param.default if param is not None else None


def _input_kind(model: catalog.Model, body: dict) -> str:
    """The media kind of the input named by Price.basis: a typed_uri's `type` when valid, else the Param's."""
    param = next(e.param(model.price.basis) for e in model.endpoints if e.param(model.price.basis))
    given = body.get(param.name)
    if isinstance(given, dict) and given.get("type") in param.media:
        return given["type"]
    return param.media[0]
