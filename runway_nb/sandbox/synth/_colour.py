"""SDR frames as HDR signals: the BT.709 picture placed in BT.2020 at BT.2408's reference white.

The sandbox draws SDR pictures; an HDR delivery of them is honest when their light is carried,
not relabelled: 8-bit BT.709 (BT.1886, gamma 2.4) -> linear light with white at 203 cd/m²
(ITU-R BT.2408's HDR reference white) -> BT.2020 primaries -> PQ, HLG or linear code values.
Everything per pixel is folded into lookup tables over the 8-bit input (no per-pixel powers):
six gathers and three adds give fixed-point linear light, one more gather gives the code.
"""

from __future__ import annotations

from functools import lru_cache

import av
import numpy as np

REFERENCE_WHITE = 203.0  # cd/m² of SDR white in an HDR signal (ITU-R BT.2408)
HLG_PEAK = 1000.0  # cd/m², the nominal display an HLG signal is shown on (BT.2100)
BT709_TO_BT2020 = np.array([[0.6274, 0.3293, 0.0433],
                            [0.0691, 0.9195, 0.0114],
                            [0.0164, 0.0880, 0.8956]])  # linear light, ITU-R BT.2087
SCALE = (1 << 20) - 2  # fixed-point linear light: SCALE = REFERENCE_WHITE; two roundings stay < 2**20
# Colour tags (ISO/IEC 23091-2 code points, as FFmpeg numbers them): primaries, transfer, matrix.
BT709_TAGS = (1, 1, 1)
PQ_TAGS = (9, 16, 9)  # BT.2020, SMPTE ST 2084, BT.2020 non-constant luminance
HLG_TAGS = (9, 18, 9)  # BT.2020, ARIB STD-B67 (HLG), BT.2020 non-constant luminance
LINEAR_NITS_PER_UNIT = 100.0  # EXR frames: 1.0 = 100 cd/m², as the API states


def pq_encode(nits: np.ndarray) -> np.ndarray:
    """SMPTE ST 2084 inverse EOTF: absolute cd/m² (0..10000) -> signal 0..1."""
    m1, m2, c1, c2, c3 = 2610 / 16384, 2523 / 4096 * 128, 3424 / 4096, 2413 / 4096 * 32, 2392 / 4096 * 32
    p = np.power(np.clip(nits / 10000.0, 0.0, 1.0), m1)
    return np.power((c1 + c2 * p) / (1 + c3 * p), m2)


def hlg_encode(nits: np.ndarray) -> np.ndarray:
    """BT.2100 HLG: display cd/m² on a 1000 cd/m² display -> signal 0..1 (OOTF inverted per channel)."""
    a, b, c = 0.17883277, 0.28466892, 0.55991073
    scene = np.power(np.clip(nits / HLG_PEAK, 0.0, 1.0), 1 / 1.2)
    low = np.sqrt(3 * scene)
    high = a * np.log(np.maximum(12 * scene - b, 1e-12)) + c
    return np.where(scene <= 1 / 12, low, high)


@lru_cache(maxsize=1)
def _linear_tables() -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Per output channel: a table over (R << 8 | G) and one over B giving fixed-point BT.2020 light."""
    light = np.power(np.arange(256) / 255.0, 2.4)  # BT.1886 with a zero black level
    rg = [np.round((m[0] * light[:, None] + m[1] * light[None, :]) * SCALE).astype(np.int32).reshape(-1)
          for m in BT709_TO_BT2020]
    b = [np.round(m[2] * light * SCALE).astype(np.int32) for m in BT709_TO_BT2020]
    return rg, b


@lru_cache(maxsize=2)
def signal_table(signal: str) -> np.ndarray:
    """Fixed-point linear light -> `signal` ("pq" or "hlg") as float32 0..1."""
    nits = np.arange(1 << 20) * (REFERENCE_WHITE / SCALE)
    encode = {"pq": pq_encode, "hlg": hlg_encode}[signal]
    return encode(nits).astype(np.float32)


def rgb_planes(frame: av.VideoFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """R, G, B (8-bit full range) of an I420 BT.709 limited-range frame, as contiguous planes."""
    rgb = frame.reformat(format="gbrp", src_colorspace="itu709", src_color_range="MPEG", dst_color_range="JPEG")
    g, b, r = (np.frombuffer(p, np.uint8).reshape(rgb.height, p.line_size)[:, :rgb.width] for p in rgb.planes)
    return np.ascontiguousarray(r), np.ascontiguousarray(g), np.ascontiguousarray(b)


def linear_light(frame: av.VideoFrame) -> list[np.ndarray]:
    """BT.2020 linear light of the frame as fixed-point int32 planes [R, G, B] (SCALE = 203 cd/m²)."""
    r, g, b = rgb_planes(frame)
    rg = (r.astype(np.uint16) << 8) | g
    tables_rg, tables_b = _linear_tables()
    out = []
    for t_rg, t_b in zip(tables_rg, tables_b, strict=True):
        plane = np.take(t_rg, rg)
        plane += np.take(t_b, b)
        out.append(plane)
    return out


def light_levels(light: list[np.ndarray]) -> tuple[float, float]:
    """(brightest pixel, frame average) of max(R, G, B) in cd/m²: one frame's MaxCLL and FALL terms."""
    peak = np.maximum(np.maximum(light[0], light[1]), light[2])
    unit = REFERENCE_WHITE / SCALE
    return float(peak.max()) * unit, float(peak.mean()) * unit


def _plane(frame: av.VideoFrame, index: int, dtype: type) -> np.ndarray:
    """A writable numpy view of one plane, without its row padding."""
    plane = frame.planes[index]
    size = np.dtype(dtype).itemsize
    return np.frombuffer(plane, dtype).reshape(plane.height, plane.line_size // size)[:, :plane.width]


def coded_frame(light: list[np.ndarray], signal: str) -> av.VideoFrame:
    """A gbrp16le frame (full-range R'G'B') carrying the light coded as PQ or HLG (16-bit PNG frames)."""
    table = signal_table(signal)
    height, width = light[0].shape
    frame = av.VideoFrame(width, height, "gbrp16le")
    for index, channel in enumerate((light[1], light[2], light[0])):  # G, B, R
        np.rint(np.take(table, channel) * np.float32(65535), out=_plane(frame, index, np.uint16), casting="unsafe")
    return frame


def _subsample(x: np.ndarray, sy: int, sx: int) -> np.ndarray:
    """Mean of each sy x sx block (2x2 for 4:2:0, 1x2 for 4:2:2) by strided adds, far cheaper than reshape-mean."""
    if sy == 2:
        x = x[0::2] + x[1::2]
    if sx == 2:
        x = x[:, 0::2] + x[:, 1::2]
    return x * np.float32(1 / (sy * sx))


def ycbcr_frame(light: list[np.ndarray], signal: str, pix_fmt: str) -> av.VideoFrame:
    """A limited-range BT.2020 (non-constant luminance) Y'CbCr frame of the light coded as PQ or HLG.

    pix_fmt is yuv4[20|22|44]p(10|12)le. Computed here rather than by swscale, whose RGB -> YUV
    path at these depths overshoots white by about 0.4 % (3 codes in 10-bit).
    """
    table = signal_table(signal)
    r, g, b = (np.take(table, channel) for channel in light)
    kr, kb = 0.2627, 0.0593
    step = float(1 << (int(pix_fmt[-4:-2]) - 8))
    frame = av.VideoFrame(r.shape[1], r.shape[0], pix_fmt)
    y = r * np.float32(kr * 219 * step) + g * np.float32((1 - kr - kb) * 219 * step)
    y += b * np.float32(kb * 219 * step) + np.float32(16 * step + 0.5)
    np.copyto(_plane(frame, 0, np.uint16), y, casting="unsafe")  # + 0.5 and truncation: rounding
    sy, sx = {"420": (2, 2), "422": (1, 2), "444": (1, 1)}[pix_fmt[3:6]]
    if (sy, sx) != (1, 1):  # Cb and Cr are linear in R'G'B': subsample the inputs, then combine
        r, g, b = (_subsample(x, sy, sx) for x in (r, g, b))
    for index, (k, own, other) in enumerate(((kb, b, r), (kr, r, b)), start=1):
        # Cb = (B' - Y') / (2 (1 - kb)), Cr = (R' - Y') / (2 (1 - kr)); Y' spelled out in R'G'B'
        scale = 224 * step / (2 * (1 - k))
        c = own * np.float32((1 - k) * scale) - g * np.float32((1 - kr - kb) * scale)
        c -= other * np.float32((kr + kb - k) * scale)
        c += np.float32(128 * step + 0.5)
        np.copyto(_plane(frame, index, np.uint16), c, casting="unsafe")
    frame.color_primaries, frame.color_trc, frame.colorspace = PQ_TAGS if signal == "pq" else HLG_TAGS
    frame.color_range = 1
    return frame


def linear_planes(light: list[np.ndarray]) -> list[np.ndarray]:
    """[R, G, B] float32 planes of linear BT.2020 light with 1.0 = 100 cd/m² (for OpenEXR)."""
    unit = np.float32(REFERENCE_WHITE / SCALE / LINEAR_NITS_PER_UNIT)
    return [channel * unit for channel in light]
