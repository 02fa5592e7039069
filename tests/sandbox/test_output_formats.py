"""outputFormat deliveries: every format the sandbox makes is decoded (PyAV, zipfile, wave) and measured.

The clip opens on a picture made here, half white and half black, so its first frame has known light:
SDR white (203 cd/m² in an HDR signal, ITU-R BT.2408) must come out as the code values the standards
give, computed below from their own constants rather than taken from the code under test.
"""

from __future__ import annotations

import io
import json
import math
import struct
import wave
import zipfile

import av
import numpy as np
import pytest
from media_samples import video_bytes
from PIL import Image

from runway_nb.sandbox import synth

W, H, SECONDS, FPS = 128, 72, 0.5, 24
FRAMES = round(SECONDS * FPS)


def _pq(nits: float) -> float:
    """SMPTE ST 2084 inverse EOTF, written out from the standard."""
    m1, m2, c1, c2, c3 = 0.1593017578125, 78.84375, 0.8359375, 18.8515625, 18.6875
    y = (nits / 10000) ** m1
    return ((c1 + c2 * y) / (1 + c3 * y)) ** m2


def _hlg(nits: float) -> float:
    """BT.2100 HLG OETF of the scene light that a 1000 cd/m² display shows at `nits` (gamma 1.2)."""
    e = (nits / 1000) ** (1 / 1.2)
    a = 0.17883277
    return math.sqrt(3 * e) if e <= 1 / 12 else a * math.log(12 * e - (1 - 4 * a)) + 0.5 - a * math.log(4 * a)


PQ_WHITE, HLG_WHITE = _pq(203), _hlg(203)
# outputFormat -> container brand, codec, FFmpeg profile, decoded pix_fmt, (primaries, transfer, matrix),
# audio codec inside, white and black luma codes of the first frame.
VIDEO = {
    "mp4": ("isom", "h264", "Constrained Baseline", "yuv420p", (1, 1, 1), "aac", 235, 16),
    "prores": ("qt  ", "prores", "4444", "yuva444p12le", (1, 1, 1), "pcm_s16le", 940 * 4, 64 * 4),
    "hdr10": ("isom", "hevc", "Main 10", "yuv420p10le", (9, 16, 9), "aac", 64 + 876 * PQ_WHITE, 64),
    "hlg": ("isom", "hevc", "Main 10", "yuv420p10le", (9, 18, 9), "aac", 64 + 876 * HLG_WHITE, 64),
    "sdr_rec709_10bit": ("isom", "hevc", "Main 10", "yuv420p10le", (1, 1, 1), "aac", 940, 64),
    "hdr_pq_12bit_master": ("qt  ", "hevc", "Rext", "yuv444p12le", (9, 16, 9), "pcm_s16le",
                            256 + 3504 * PQ_WHITE, 256),
    "hdr_prores": ("qt  ", "prores", "HQ", "yuv422p10le", (9, 16, 9), "pcm_s16le", 64 + 876 * PQ_WHITE, 64),
}
SEQUENCES = ("png_sequence", "hdr_png_sequence", "hdr_exr_sequence")


@pytest.fixture(scope="module")
def half_white() -> bytes:
    img = Image.new("RGB", (W, H), (0, 0, 0))
    img.paste((255, 255, 255), (0, 0, W // 2, H))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def made(half_white):
    """Each format rendered once (with audio) for the whole module: {format: [Artifact, ...]}."""
    cache = {}

    def get(fmt: str):
        if fmt not in cache:
            cache[fmt] = synth.render_format(fmt, W, H, SECONDS, seed=7, prompt="half white", audio=True,
                                             first_frame=half_white)
        return cache[fmt]

    return get


def _luma(frame: av.VideoFrame) -> np.ndarray:
    plane = frame.planes[0]
    dtype = np.uint8 if frame.format.name == "yuv420p" else np.uint16
    return np.frombuffer(plane, dtype).reshape(plane.height, -1)[:, :plane.width].astype(float)


@pytest.mark.parametrize("fmt", list(VIDEO))
def test_video_formats_decode_as_asked(made, fmt):
    brand, codec, profile, pix_fmt, tags, audio, white, black = VIDEO[fmt]
    (artifact,) = made(fmt)
    assert artifact.filename == "video." + ("mov" if brand == "qt  " else "mp4")
    assert artifact.mime == ("video/quicktime" if brand == "qt  " else "video/mp4")
    assert artifact.data[4:8] == b"ftyp" and artifact.data[8:12] == brand.encode()
    with av.open(io.BytesIO(artifact.data)) as c:
        stream = c.streams.video[0]
        cc = stream.codec_context
        assert (cc.name, cc.profile, cc.width, cc.height) == (codec, profile, W, H)
        assert (cc.color_primaries, cc.color_trc, cc.colorspace) == tags
        assert [s.codec_context.name for s in c.streams.audio] == [audio]
        decoded = list(c.decode(stream))
    assert len(decoded) == FRAMES
    first = decoded[0]
    assert first.format.name == pix_fmt
    assert (first.color_primaries, first.color_trc, first.colorspace) == tags
    luma = _luma(first)
    left, right = luma[: H // 3, 8: W // 2 - 8], luma[: H // 3, W // 2 + 8: -8]  # clear of edges and caption
    codes = 1 << (int(pix_fmt[-4:-2]) - 10) if pix_fmt.endswith("le") else 1  # 12-bit: 4 codes per 10-bit code
    assert abs(np.median(left) - white) <= 2 * codes  # lossy codecs: within 2 10-bit (or 8-bit) codes
    assert abs(np.median(right) - black) <= 2 * codes


def test_hevc_hdr_carries_its_static_metadata(made):
    """The 12-bit master states MaxCLL measured from its frames (SDR white: 203 cd/m²) and a mastering display."""
    (artifact,) = made("hdr_pq_12bit_master")
    with av.open(io.BytesIO(artifact.data)) as c:
        side = {str(sd.type).split(".")[-1]: bytes(sd) for sd in next(c.decode(video=0)).side_data}
    max_cll, max_fall = struct.unpack("<II", side["CONTENT_LIGHT_LEVEL"])
    assert max_cll == 203  # the white half, nothing brighter
    assert 60 < max_fall < 203  # half the picture is black
    assert "MASTERING_DISPLAY_METADATA" in side


@pytest.mark.parametrize(("tier", "name", "alpha"), [
    ("422 Proxy", "Proxy", False), ("422 LT", "LT", False), ("422", "Standard", False),
    ("422 HQ", "HQ", False), ("4444", "4444", True), ("4444 XQ", "XQ", True)])
def test_every_prores_tier(tier, name, alpha):
    (artifact,) = synth.render_format("prores", 64, 36, 0.125, seed=1, prompt="tier", prores_profile=tier)
    with av.open(io.BytesIO(artifact.data)) as c:
        cc = c.streams.video[0].codec_context
        assert cc.profile == name
        assert cc.pix_fmt.startswith("yuva") == alpha  # 4444 tiers: an alpha plane, fully opaque
        frame = next(c.decode(video=0))
    if alpha:
        plane = frame.planes[3]
        assert np.frombuffer(plane, np.uint16).reshape(plane.height, -1)[:, :plane.width].min() == 1023 << 2  # 10-bit max


def test_hdr_prores_tiers_and_refusals():
    (artifact,) = synth.render_format("hdr_prores", 64, 36, 0.125, seed=1, prompt="t", prores_profile="4444")
    with av.open(io.BytesIO(artifact.data)) as c:
        cc = c.streams.video[0].codec_context
        assert (cc.profile, cc.pix_fmt, cc.color_trc) == ("4444", "yuv444p12le", 16)
    with pytest.raises(ValueError, match=r"proresProfile '422 LT' does not apply to outputFormat 'hdr_prores'.*'422 HQ'"):
        synth.render_format("hdr_prores", 64, 36, 0.125, seed=1, prompt="t", prores_profile="422 LT")
    with pytest.raises(ValueError, match=r"proresProfile '422' does not apply to outputFormat 'hdr10'"):
        synth.render_format("hdr10", 64, 36, 0.125, seed=1, prompt="t", prores_profile="422")


def _png_chunks(data: bytes) -> dict[bytes, bytes]:
    chunks, pos = {}, 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunks.setdefault(kind, data[pos + 8:pos + 8 + length])
        pos += 12 + length
    return chunks


def _exr_half_rgb(data: bytes) -> np.ndarray:
    frame = av.CodecContext.create("exr", "r").decode(av.Packet(data))[0]
    assert frame.format.name == "gbrpf16le"  # half floats, as asked
    g, b, r = (np.frombuffer(p, np.float16).reshape(p.height, -1)[:, :p.width] for p in frame.planes[:3])
    return np.stack([r, g, b], axis=-1).astype(float)


@pytest.mark.parametrize("fmt", SEQUENCES)
def test_sequences_hold_every_frame_and_their_sidecars(made, fmt):
    frames_zip, wav = made(fmt)
    assert (frames_zip.filename, frames_zip.mime, wav.filename, wav.mime) == (
        "frames.zip", "application/zip", "audio.wav", "audio/wav")
    ext = ".exr" if "exr" in fmt else ".png"
    with zipfile.ZipFile(io.BytesIO(frames_zip.data)) as zf:
        names = zf.namelist()
        assert [n for n in names if n.endswith(ext)] == [f"frame_{i:04d}{ext}" for i in range(1, FRAMES + 1)]
        first = zf.read(f"frame_0001{ext}")
        colorimetry = json.loads(zf.read("colorimetry.json")) if fmt != "png_sequence" else None
    assert ("colorimetry.json" in names) == (fmt != "png_sequence")
    with wave.open(io.BytesIO(wav.data)) as w:
        assert (w.getnchannels(), w.getframerate(), w.getsampwidth()) == (2, 48000, 2)
        assert abs(w.getnframes() / 48000 - SECONDS) < 0.03

    if ext == ".exr":
        rgb = _exr_half_rgb(first)
        assert b"chromaticities" in first[:1000] and b"whiteLuminance" in first[:1000]
        white, black = 2.03, 0.0  # linear BT.2020 light, 1.0 = 100 cd/m²
    else:
        chunks = _png_chunks(first)
        width, height, depth = struct.unpack(">IIB", chunks[b"IHDR"][:9])
        assert (width, height) == (W, H)
        frame = av.CodecContext.create("png", "r").decode(av.Packet(first))[0]
        rgb = frame.to_ndarray().astype(float)
        if fmt == "png_sequence":
            assert depth == 8 and b"cICP" not in chunks
            white, black = 255, 0
        else:
            assert depth == 16 and chunks[b"cICP"] == bytes([9, 16, 0, 1])  # BT.2020, PQ, RGB, full range
            white, black = 65535 * PQ_WHITE, 0
    left, right = rgb[: H // 3, 8: W // 2 - 8], rgb[: H // 3, W // 2 + 8: -8]
    assert np.allclose(left, white, rtol=0.005, atol=0.5) and np.allclose(right, black, atol=0.5)

    if colorimetry is not None:
        assert colorimetry["outputFormat"] == fmt
        assert (colorimetry["frameCount"], colorimetry["frameRate"], colorimetry["width"]) == (FRAMES, FPS, W)
        assert colorimetry["colourPrimaries"] == "BT.2020" and colorimetry["audio"] == "audio.wav"
        assert colorimetry["maxCLL"] == 203 and colorimetry["referenceWhiteNits"] == 203
        assert ("PQ" in colorimetry["transferFunction"]) == (fmt == "hdr_png_sequence")
        if ext == ".exr":
            assert colorimetry["transferFunction"] == "linear" and colorimetry["nitsPerUnit"] == 100


def test_no_audio_no_wav():
    files = synth.render_format("hdr_exr_sequence", 64, 36, 0.125, seed=1, prompt="quiet")
    assert [f.filename for f in files] == ["frames.zip"]
    with zipfile.ZipFile(io.BytesIO(files[0].data)) as zf:
        assert json.loads(zf.read("colorimetry.json"))["audio"] is None
    (video,) = synth.render_format("hdr10", 64, 36, 0.125, seed=1, prompt="quiet")
    with av.open(io.BytesIO(video.data)) as c:
        assert not c.streams.audio


@pytest.mark.parametrize("fmt", ["hdr10", "hdr_png_sequence", "prores"])
def test_same_arguments_same_bytes(fmt):
    a = synth.render_format(fmt, 64, 36, 0.25, seed=3, prompt="again", audio=True)
    assert a == synth.render_format(fmt, 64, 36, 0.25, seed=3, prompt="again", audio=True)
    assert a[0].data != synth.render_format(fmt, 64, 36, 0.25, seed=4, prompt="again", audio=True)[0].data


def test_mp4_is_the_video_of_the_same_arguments():
    (artifact,) = synth.render_format("mp4", 64, 36, 0.25, seed=3, prompt="same", audio=True)
    assert artifact.data == synth.video(64, 36, 0.25, seed=3, prompt="same", audio=True)


@pytest.mark.parametrize("fmt", ["hdr_exr_acescg_sequence_1_3", "hdr_exr_acescg_sequence_2_0"])
def test_aces_sequences_are_refused_as_a_sandbox_limit(fmt):
    assert "ACES" in synth.format_limit(fmt)
    with pytest.raises(synth.SandboxLimit) as info:
        synth.render_format(fmt, 64, 36, 0.25, seed=1, prompt="aces")
    message = str(info.value)
    assert fmt in message and "sandbox limit" in message and "hdr_exr_sequence" in message
    assert info.value.output_format == fmt


def test_formats_listed_and_unknown_refused():
    assert synth.OUTPUT_FORMATS == (
        "mp4", "prores", "png_sequence", "hdr10", "hlg", "sdr_rec709_10bit", "hdr_pq_12bit_master", "hdr_prores",
        "hdr_png_sequence", "hdr_exr_sequence", "hdr_exr_acescg_sequence_1_3", "hdr_exr_acescg_sequence_2_0")
    assert {f for f in synth.OUTPUT_FORMATS if synth.format_limit(f) is None} == {*VIDEO, *SEQUENCES}
    with pytest.raises(ValueError, match=r"outputFormat 'webm' is not one of: mp4, prores"):
        synth.render_format("webm", 64, 36, 0.25, seed=1, prompt="x")


def test_video_like_frames_delivered_as_alephs_formats():
    """deliver_format takes any clip's frames: Aleph's regraded source as mp4 (the same bytes as video_like)
    and as a 10-bit Rec.709 HEVC."""
    source = video_bytes(0.5, 64, 36, fps=12)

    def make():
        return synth.like_frames(source, 0.5, 64, 36, seed=2, prompt="aleph")[1]

    (mp4,) = synth.deliver_format("mp4", make, width=64, height=36, fps=24)
    assert mp4.data == synth.video_like(source, 0.5, 64, 36, seed=2, prompt="aleph")
    (hevc,) = synth.deliver_format("sdr_rec709_10bit", make, width=64, height=36, fps=24)
    with av.open(io.BytesIO(hevc.data)) as c:
        cc = c.streams.video[0].codec_context
        assert (cc.name, cc.profile, cc.pix_fmt, cc.color_trc) == ("hevc", "Main 10", "yuv420p10le", 1)
        assert sum(1 for _ in c.decode(video=0)) == 12
