"""Images: PNG or JPEG from a soft colour field with shapes, blending any reference images in."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter

from ._common import blend_caption, fill, load_image, palette, rng_for, smooth_field


def _shapes(rng: np.random.Generator, size: tuple[int, int], colours: np.ndarray) -> Image.Image:
    """Translucent discs and bands, blurred a little so their edges stay soft when upscaled."""
    w, h = size
    layer = Image.new("RGBA", size, (*(int(c) for c in colours[0]), 0))
    draw = ImageDraw.Draw(layer)
    for colour in colours:
        rgba = (*(int(c) for c in colour), int(rng.integers(70, 160)))
        cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(0.05, 0.3) * min(w, h)
        if rng.random() < 0.7:
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=rgba)
        else:
            draw.polygon([(0, cy), (w, cy + rng.uniform(-h, h) / 3), (w, cy + r), (0, cy + r / 2)], fill=rgba)
    return layer.filter(ImageFilter.GaussianBlur(0.6 + rng.random()))


def _light(rng: np.random.Generator, size: tuple[int, int]) -> Image.Image:
    """Light falling from one side and a vignette, as an RGB multiplier."""
    yy, xx = np.mgrid[0:1:size[1] * 1j, 0:1:size[0] * 1j]
    sx, sy = rng.uniform(0.2, 0.8, 2)
    glow = 1.0 - 0.45 * ((xx - sx) ** 2 + (yy - sy * 0.6) ** 2)
    edge = 1.0 - 0.35 * ((2 * xx - 1) ** 4 + (2 * yy - 1) ** 4)
    return Image.fromarray((np.clip(glow * edge, 0, 1) * 255).astype(np.uint8)).convert("RGB")


def _references(refs: list[bytes], width: int, height: int) -> tuple[Image.Image, Image.Image]:
    """The references side by side in soft vertical bands, and how strongly each pixel shows them."""
    mix = fill(load_image(refs[0]), width, height)
    x = np.linspace(0.0, len(refs), width, endpoint=False)
    for k, data in enumerate(refs[1:], start=1):
        band = np.clip(x - k + 0.5, 0.0, 1.0)  # 0 left of band k, ramping to 1 across half a band
        mask = Image.fromarray(np.broadcast_to((band * 255).astype(np.uint8), (height, width)))
        mix = Image.composite(fill(load_image(data), width, height), mix, mask)
    return mix, Image.new("L", (width, height), 170)


def picture(rng: np.random.Generator, width: int, height: int) -> Image.Image:
    """The abstract picture under everything (images, and the backdrop of text-to-video).

    Composed at 1/8 size, where it is all soft anyway, then upscaled once: that keeps a
    1920x1080 image well under 0.1 s before encoding.
    """
    small = (max(8, width // 8), max(8, height // 8))
    colours = palette(rng, 6)
    canvas = smooth_field(rng, *small, (int(rng.integers(3, 7)), int(rng.integers(2, 5))), colours)
    shapes = _shapes(rng, small, palette(rng, int(rng.integers(3, 7))))
    canvas = Image.alpha_composite(canvas.convert("RGBA"), shapes).convert("RGB")
    canvas = ImageChops.multiply(canvas, _light(rng, small))
    return canvas.resize((width, height), Image.Resampling.BICUBIC)


def image(width: int, height: int, *, seed: int, prompt: str, references: list[bytes] = (),
          fmt: str = "png") -> bytes:
    """PNG (or JPEG with fmt="jpeg") of exactly width x height, fixed by seed, prompt and references."""
    if width <= 0 or height <= 0:
        raise ValueError(f"image size {width}x{height} must be positive")
    if fmt not in ("png", "jpeg", "jpg"):
        raise ValueError(f"image format {fmt!r} is not offered; choose 'png' or 'jpeg'")
    refs = list(references)
    rng = rng_for("image", seed, prompt, *refs)
    canvas = picture(rng, width, height)
    if refs:
        mix, strength = _references(refs, width, height)
        canvas = Image.composite(mix, canvas, strength)
    pixels = np.array(canvas)
    blend_caption(pixels, prompt, width, height, ink=245, shade=10)
    out = io.BytesIO()
    if fmt == "png":
        # zlib level 1 with the RLE strategy: the fastest setting here, and smaller than the default
        Image.fromarray(pixels).save(out, "PNG", compress_level=1, compress_type=3)
    else:
        Image.fromarray(pixels).save(out, "JPEG", quality=90)
    return out.getvalue()
