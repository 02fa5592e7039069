"""Shared helpers for synthesis: seeded randomness, image inputs, colour conversion, the caption."""

from __future__ import annotations

import hashlib
import io
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont, ImageOps

# BT.709, limited range: the matrix HD players assume, and what the H.264 stream is tagged with.
_RGB_TO_YUV = np.array([
    [0.2126, 0.7152, 0.0722],
    [-0.1146, -0.3854, 0.5],
    [0.5, -0.4542, -0.0458],
], dtype=np.float32) * np.array([[219.0], [224.0], [224.0]], dtype=np.float32) / 255.0


def rng_for(*parts: object) -> np.random.Generator:
    """A generator fixed by the parts (seed, prompt, input bytes...): same parts, same media."""
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        data = part if isinstance(part, bytes | bytearray) else repr(part).encode()
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return np.random.default_rng(int.from_bytes(h.digest(), "little"))


def check_size(width: int, height: int) -> None:
    """H.264 in 4:2:0 needs even sides; say so rather than let the encoder fail obscurely."""
    if width <= 0 or height <= 0 or width % 2 or height % 2:
        raise ValueError(f"video size {width}x{height} must be positive even numbers, e.g. 1280x720")


def hsv_to_rgb(h: np.ndarray, s: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Vectorised HSV (0..1) -> RGB float (0..255); hues make palettes that look chosen."""
    i = np.floor(h * 6.0) % 6
    f = h * 6.0 - np.floor(h * 6.0)
    p, q, t = v * (1 - s), v * (1 - f * s), v * (1 - (1 - f) * s)
    choices = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)]
    rgb = [np.select([i == k for k in range(6)], [c[ch] for c in choices]) for ch in range(3)]
    return np.stack(rgb, axis=-1) * 255.0


def palette(rng: np.random.Generator, n: int) -> np.ndarray:
    """n harmonious colours (n, 3) float: hues near a base hue, varied value."""
    base = rng.random()
    hues = (base + rng.normal(0, 0.08, n) + rng.choice([0.0, 0.5], n, p=[0.75, 0.25])) % 1.0
    return hsv_to_rgb(hues, rng.uniform(0.25, 0.7, n), rng.uniform(0.35, 0.95, n))


def smooth_field(rng: np.random.Generator, width: int, height: int, cells: tuple[int, int],
                 colours: np.ndarray) -> Image.Image:
    """A soft colour field: a small random grid of palette colours, upscaled bicubically (cheap)."""
    gw, gh = cells
    grid = colours[rng.integers(0, len(colours), (gh, gw))]
    grid += rng.normal(0, 12, grid.shape)
    small = Image.fromarray(np.clip(grid, 0, 255).astype(np.uint8), "RGB")
    return small.resize((width, height), Image.Resampling.BICUBIC)


def load_image(data: bytes) -> Image.Image:
    """Decode JPEG/PNG/WebP bytes to RGB, honouring EXIF rotation as a camera would show it."""
    try:
        img = Image.open(io.BytesIO(data))
        img = ImageOps.exif_transpose(img)
        return img.convert("RGB")
    except Exception as exc:  # Pillow raises several types; the engine wants one
        raise ValueError(f"image input could not be decoded ({exc})") from exc


def fill(img: Image.Image, width: int, height: int) -> Image.Image:
    """Resize and centre-crop to cover width x height exactly, like CSS object-fit: cover."""
    if img.size == (width, height):
        return img
    return ImageOps.fit(img, (width, height), Image.Resampling.BILINEAR)


def rgb_to_yuv420(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(h, w, 3) uint8 RGB -> Y (h, w), U and V (h/2, w/2) uint8, BT.709 limited range."""
    f = rgb.astype(np.float32)
    y = f @ _RGB_TO_YUV[0] + 16.0
    h, w = rgb.shape[:2]
    quarter = f.reshape(h // 2, 2, w // 2, 2, 3).mean(axis=(1, 3))
    u = quarter @ _RGB_TO_YUV[1] + 128.0
    v = quarter @ _RGB_TO_YUV[2] + 128.0
    return tuple(np.clip(p + 0.5, 0, 255).astype(np.uint8) for p in (y, u, v))


def _font(size: int) -> ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):  # Pillow without FreeType: the small bitmap font
        return ImageFont.load_default()


@lru_cache(maxsize=32)
def caption(prompt: str, width: int, height: int) -> tuple[np.ndarray, np.ndarray, int, int]:
    """The "SANDBOX · prompt" caption as (ink, halo) alpha masks (0..256) and its top-left corner.

    Rendered once with Pillow and cached; frames only blend these few pixels, so nobody mistakes
    sandbox output for the real service's.
    """
    size = max(9, min(width, height) // 36)
    font = _font(size)
    text = "SANDBOX · " + " ".join(prompt.split())
    limit = width * 0.9
    text = text[: int(limit / (size * 0.25)) + 2]  # no glyph is narrower than a quarter em
    if font.getlength(text) > limit:
        while text and font.getlength(text + "…") > limit:
            text = text[:-1]
        text += "…"
    left, top, right, bottom = font.getbbox(text, stroke_width=2)
    box = (right - left + 4, bottom - top + 4)
    halo, ink = Image.new("L", box), Image.new("L", box)
    origin = (2 - left, 2 - top)
    ImageDraw.Draw(halo).text(origin, text, font=font, fill=255, stroke_width=2, stroke_fill=255)
    ImageDraw.Draw(ink).text(origin, text, font=font, fill=255)
    margin = min(max(4, size // 2), width)
    x0, y0 = margin, max(0, height - box[1] - margin)
    ink_a, halo_a = ((np.asarray(im, np.uint16)[: height - y0, : width - x0] * 257) >> 8 for im in (ink, halo))
    return ink_a, halo_a * 3 // 5, x0, y0


def blend_caption(plane: np.ndarray, prompt: str, width: int, height: int, ink: int, shade: int) -> None:
    """Blend the cached caption into a luma (or RGB) array in place: shaded halo, then light ink."""
    a_ink, a_halo, x0, y0 = caption(prompt, width, height)
    h, w = a_ink.shape
    region = plane[y0:y0 + h, x0:x0 + w]
    for alpha, level in ((a_halo, shade), (a_ink, ink)):
        a = alpha.reshape(alpha.shape + (1,) * (region.ndim - 2)).astype(np.int32)
        r = region.astype(np.int32)
        region[...] = r + (((level - r) * a) >> 8)
