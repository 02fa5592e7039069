"""media_facts: facts, posters and browser_playable for real files.

Two sources of files: ones made here with PyAV/Pillow (independent of the sandbox), and every
outputFormat the sandbox delivers. Posters are decoded and compared with the picture they show.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from media_samples import audio_bytes, video_bytes
from PIL import Image

from runway_nb import media_facts
from runway_nb.sandbox import synth

W, H = 96, 54


def _encode(path: Path, codec: str, pix_fmt: str, *, container: str | None = None, frames: int = 6,
            tags: tuple[int, int, int] | None = None, level: int = 128, options: dict | None = None) -> Path:
    """A flat clip made with PyAV: `level` is its 8-bit grey, put into the codec's pixel format."""
    with av.open(str(path), "w", format=container) as out:
        stream = out.add_stream(codec, rate=12, options=options or {})
        stream.width, stream.height, stream.pix_fmt = W, H, pix_fmt
        if tags:
            cc = stream.codec_context
            cc.color_primaries, cc.color_trc, cc.colorspace = tags
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(np.full((H, W, 3), level, np.uint8), format="rgb24")
            frame = frame.reformat(format=pix_fmt)
            if tags:
                frame.color_primaries, frame.color_trc, frame.colorspace = tags
            frame.pts, frame.time_base = i, Fraction(1, 12)
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    return path


def _poster(path) -> np.ndarray:
    data = media_facts.poster(path)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    img = Image.open(io.BytesIO(data))
    assert img.mode == "RGB"
    return np.asarray(img).astype(float)


# -- files made here -------------------------------------------------------------------------------
def test_h264_mp4_is_playable_with_its_facts(tmp_path):
    path = tmp_path / "a.mp4"
    path.write_bytes(video_bytes(1.0, W, H, fps=12))
    info = media_facts.facts(path)
    assert (info.container, info.video_codec, info.width, info.height) == ("mp4", "h264", W, H)
    assert (info.frames, info.fps, info.pix_fmt, info.bit_depth) == (12, 12.0, "yuv420p", 8)
    assert info.duration == pytest.approx(1.0, abs=0.01) and not info.hdr
    assert media_facts.browser_playable(path)
    assert _poster(path).shape == (H, W, 3)


def test_webm_frames_counted_from_packets(tmp_path):
    path = tmp_path / "a.webm"
    path.write_bytes(video_bytes(0.5, W, H, fps=12, container="webm", codec="libvpx-vp9"))
    info = media_facts.facts(path)
    assert (info.container, info.video_codec, info.frames) == ("webm", "vp9", 6)  # WebM states no count
    assert media_facts.browser_playable(path)


@pytest.mark.parametrize(("codec", "pix_fmt", "container", "why"), [
    ("libx264", "yuv444p", "mp4", "4:4:4 is not what browsers decode"),
    ("libx264", "yuv420p10le", "mp4", "10-bit H.264"),
    ("libx265", "yuv420p", "mp4", "HEVC"),
    ("prores", "yuv422p10le", "mov", "ProRes in MOV"),
])
def test_not_playable_in_a_browser(tmp_path, codec, pix_fmt, container, why):
    path = _encode(tmp_path / f"a.{container}", codec, pix_fmt, container=container,
                   options={"x265-params": "log-level=error"} if codec == "libx265" else None)
    assert not media_facts.browser_playable(path), why
    info = media_facts.facts(path)
    assert (info.video_codec, info.pix_fmt[:7]) == ({"prores": "prores", "libx265": "hevc"}.get(codec, "h264"),
                                                    pix_fmt[:7])
    grey = _poster(path)
    assert abs(grey.mean() - 128) < 3  # decoded whatever the codec


def test_hevc_pq_tagged_file(tmp_path):
    path = _encode(tmp_path / "pq.mp4", "libx265", "yuv420p10le", container="mp4", tags=(9, 16, 9),
                   options={"x265-params": "log-level=error"})
    info = media_facts.facts(path)
    assert (info.profile, info.bit_depth, info.primaries, info.transfer, info.matrix) == (
        "Main 10", 10, "BT.2020", "PQ (SMPTE 2084)", "BT.2020 non-constant")
    assert info.hdr and not media_facts.browser_playable(path)


def test_audio_and_images(tmp_path):
    mp3 = tmp_path / "a.mp3"
    mp3.write_bytes(audio_bytes("mp3", "libmp3lame"))
    info = media_facts.facts(mp3)
    assert (info.video_codec, info.audio_codec) == (None, "mp3") and media_facts.browser_playable(mp3)
    with pytest.raises(ValueError, match="no picture"):
        media_facts.poster(mp3)
    png = tmp_path / "a.png"
    Image.new("RGB", (W, H), (200, 40, 10)).save(png)
    info = media_facts.facts(png)
    assert (info.container, info.width, info.height, info.bit_depth, info.pix_fmt) == ("png", W, H, 8, "rgb24")
    assert media_facts.browser_playable(png)
    assert np.allclose(_poster(png)[0, 0], (200, 40, 10))


def test_zip_of_frames_without_sidecars(tmp_path):
    path = tmp_path / "frames.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for i in range(3):
            buf = io.BytesIO()
            Image.new("RGB", (W, H), (10 * i, 100, 50)).save(buf, "PNG")
            zf.writestr(f"shot/f{i:03d}.png", buf.getvalue())
        zf.writestr("shot/notes.txt", "hello")
    info = media_facts.facts(path)
    assert (info.container, info.frame_format, info.frames, info.width, info.height) == ("zip", "png", 3, W, H)
    assert info.sidecars == ("shot/notes.txt",) and info.fps is None and info.colorimetry is None
    assert not media_facts.browser_playable(path)
    assert np.allclose(_poster(path)[0, 0], (0, 100, 50))  # the first frame by name


def test_exr_made_by_pyav_rolls_highlights_off(tmp_path):
    """A linear EXR with no chromaticities: BT.709 by OpenEXR's rule; 2x reference white is eased to white."""
    frame = av.VideoFrame(W, H, "gbrpf32le")
    for plane in frame.planes:
        view = np.frombuffer(plane, np.float32).reshape(H, -1)[:, :W]
        view[:, : W // 2] = 4.06  # 406 cd/m², twice BT.2408's reference white
        view[:, W // 2:] = 0.203 * 0.18 * 10  # an 18 % grey at 203 cd/m² white, in 100 cd/m² units
    codec = av.CodecContext.create("exr", "w")
    codec.width, codec.height, codec.pix_fmt = W, H, "gbrpf32le"
    path = tmp_path / "frame.exr"
    path.write_bytes(b"".join(bytes(p) for p in codec.encode(frame)))
    info = media_facts.facts(path)
    assert (info.container, info.video_codec, info.transfer, info.primaries) == ("exr", "exr", "linear", "BT.709")
    assert (info.width, info.height, info.bit_depth) == (W, H, 32)
    poster = _poster(path)
    assert poster[:, : W // 2].min() == 255  # the brightest pixel lands on white
    assert abs(poster[0, -1, 0] - 255 * 0.18 ** (1 / 2.4)) < 2  # mid grey below the knee is kept as it is


def test_importing_it_pulls_in_neither_the_sandbox_nor_heavy_libraries():
    code = ("import sys, runway_nb.media_facts; "
            "print(sorted(m for m in ('runway_nb.sandbox', 'av', 'numpy', 'PIL') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# -- every outputFormat the sandbox delivers ---------------------------------------------------------
# format -> container, codec, bit depth, primaries, transfer, browser-playable
EXPECTED = {
    "mp4": ("mp4", "h264", 8, "BT.709", "BT.709", True),
    "prores": ("mov", "prores", 12, "BT.709", "BT.709", False),  # the ProRes decoder gives 12-bit 4444
    "png_sequence": ("zip", "png", 8, None, None, False),
    "hdr10": ("mp4", "hevc", 10, "BT.2020", "PQ (SMPTE 2084)", False),
    "hlg": ("mp4", "hevc", 10, "BT.2020", "HLG (ARIB STD-B67)", False),
    "sdr_rec709_10bit": ("mp4", "hevc", 10, "BT.709", "BT.709", False),
    "hdr_pq_12bit_master": ("mov", "hevc", 12, "BT.2020", "PQ (SMPTE 2084)", False),
    "hdr_prores": ("mov", "prores", 10, "BT.2020", "PQ (SMPTE 2084)", False),
    "hdr_png_sequence": ("zip", "png", 16, "BT.2020", "PQ (SMPTE 2084)", False),
    "hdr_exr_sequence": ("zip", "exr", 16, "BT.2020", "linear", False),
}


@pytest.fixture(scope="module")
def delivered(tmp_path_factory):
    """Each format rendered once, written to disk: {format: path of its main file}."""
    folder = tmp_path_factory.mktemp("formats")
    paths = {}
    for fmt in EXPECTED:
        files = synth.render_format(fmt, 128, 72, 0.5, seed=5, prompt="facts", audio=True)
        for f in files:
            (folder / f"{fmt}_{f.filename}").write_bytes(f.data)
        paths[fmt] = folder / f"{fmt}_{files[0].filename}"
    return paths


def test_every_sandbox_format_is_covered():
    assert set(EXPECTED) == {f for f in synth.OUTPUT_FORMATS if synth.format_limit(f) is None}


@pytest.mark.parametrize("fmt", list(EXPECTED))
def test_facts_of_sandbox_outputs(delivered, fmt):
    container, codec, depth, primaries, transfer, playable = EXPECTED[fmt]
    info = media_facts.facts(delivered[fmt])
    assert (info.container, info.video_codec, info.bit_depth) == (container, codec, depth)
    assert (info.primaries, info.transfer) == (primaries, transfer)
    assert (info.width, info.height, info.frames) == (128, 72, 12)
    if fmt == "png_sequence":  # PNG frames and nothing else, as the API describes it: no rate to read
        assert info.fps is None and info.duration is None
    else:
        assert info.fps == 24 and info.duration == pytest.approx(0.5, abs=0.01)
    assert media_facts.browser_playable(delivered[fmt]) is playable
    if container == "zip":
        assert info.frame_format == codec
        assert info.sidecars == (() if fmt == "png_sequence" else ("colorimetry.json",))
        if info.colorimetry:
            assert info.colorimetry["frameCount"] == 12 and info.colorimetry["audio"] == "audio.wav"
    else:
        assert info.audio_codec == ("aac" if container == "mp4" else "pcm_s16le")
        wav = delivered[fmt].with_name(f"{fmt}_audio.wav")
        assert not wav.exists()


def test_wav_beside_a_sequence(delivered):
    wav = delivered["hdr_png_sequence"].with_name("hdr_png_sequence_audio.wav")
    info = media_facts.facts(wav)
    assert (info.container, info.audio_codec, info.video_codec) == ("wav", "pcm_s16le", None)
    assert info.duration == pytest.approx(0.5, abs=0.03)


@pytest.mark.parametrize("fmt", [f for f in EXPECTED if f != "png_sequence"])
def test_posters_show_the_same_picture_as_the_sdr_frames(delivered, fmt):
    """Every delivery of one clip, HDR ones tone-mapped, shows what the (lossless) SDR PNG frames show."""
    reference, poster = _poster(delivered["png_sequence"]), _poster(delivered[fmt])
    assert poster.shape == reference.shape == (72, 128, 3)
    blocks = [x.reshape(9, 8, 16, 8, 3).mean(axis=(1, 3)) for x in (poster, reference)]  # codecs' detail aside
    assert np.abs(blocks[0] - blocks[1]).mean() < 3  # of 255: tone and colour as the SDR picture has them
    assert poster.std() > 10  # a picture, not a flat field


def test_colorimetry_json_is_read(delivered):
    info = media_facts.facts(delivered["hdr_exr_sequence"])
    assert info.colorimetry["nitsPerUnit"] == 100
    assert json.loads(json.dumps(info.colorimetry)) == info.colorimetry
