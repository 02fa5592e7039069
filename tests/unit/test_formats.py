"""formats: sniffing real files (from tests/media_samples.py), data URIs, URI rules and durations."""

from __future__ import annotations

import base64
import io

import av
import numpy as np
import pytest
from media_samples import audio_bytes, data_uri, image_bytes, video_bytes, wav_bytes
from PIL import Image

from runway_nb import catalog, formats


# -- sniff --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("pil_format", "expected"), [
    ("JPEG", ("image", "jpeg")), ("PNG", ("image", "png")), ("WEBP", ("image", "webp")),
    ("GIF", ("image", "gif")), ("TIFF", ("image", "tiff")),
])
def test_sniff_images_made_by_pillow(pil_format, expected):
    assert formats.sniff(image_bytes(pil_format)) == expected


@pytest.mark.parametrize(("container", "codec", "expected"), [
    ("mp4", "libx264", ("video", "mp4")),
    ("mov", "libx264", ("video", "mov")),
    ("matroska", "libx264", ("video", "mkv")),
    ("webm", "libvpx", ("video", "webm")),
])
def test_sniff_videos_made_by_pyav(container, codec, expected):
    assert formats.sniff(video_bytes(container=container, codec=codec)) == expected


@pytest.mark.parametrize(("container", "codec", "options", "expected"), [
    ("mp3", "libmp3lame", None, ("audio", "mp3")),                       # with the ID3v2 tag FFmpeg writes
    ("mp3", "libmp3lame", {"write_id3v2": "0", "write_xing": "0"}, ("audio", "mp3")),  # bare frame sync
    ("adts", "aac", None, ("audio", "aac")),
    ("ipod", "aac", None, ("audio", "m4a")),                             # FFmpeg's .m4a muxer: brand M4A
    ("flac", "flac", None, ("audio", "flac")),
    ("ogg", "libopus", None, ("audio", "ogg")),
])
def test_sniff_audio_made_by_pyav(container, codec, options, expected):
    rate = 48000 if codec == "libopus" else 44100
    assert formats.sniff(audio_bytes(container, codec, rate=rate, options=options)) == expected


def test_sniff_mp3_frames_after_id3_are_found_when_id3_is_written():
    data = audio_bytes("mp3", "libmp3lame")
    assert data[:3] == b"ID3"
    assert formats.sniff(data) == ("audio", "mp3")


def test_sniff_wav_made_by_the_wave_module():
    assert formats.sniff(wav_bytes()) == ("audio", "wav")


def test_sniff_needs_only_the_head_for_containers():
    assert formats.sniff(video_bytes()[:64]) == ("video", "mp4")
    assert formats.sniff(video_bytes(container="webm", codec="libvpx")[:64]) == ("video", "webm")
    assert formats.sniff(image_bytes("PNG")[:16]) == ("image", "png")


@pytest.mark.parametrize("junk", [b"", b"hello world, this is text", b"\x00" * 64, b"\xff", b"RIFF\x00\x00\x00\x00ABCD"])
def test_sniff_unknown_bytes_is_none(junk):
    assert formats.sniff(junk) is None


def test_sniff_accepts_bytearray_and_memoryview():
    png = image_bytes("PNG")
    assert formats.sniff(bytearray(png)) == formats.sniff(memoryview(png)) == ("image", "png")


def test_describe_names_the_format_with_its_article():
    assert formats.describe("image", "gif") == "a GIF image"
    assert formats.describe("video", "mp4") == "an MP4 video"
    assert formats.describe("audio", "wav") == "a WAV audio file"


# -- data URIs ------------------------------------------------------------------------------------------
def test_parse_data_uri_round_trip():
    png = image_bytes("PNG")
    assert formats.parse_data_uri(data_uri(png, "image/PNG")) == ("image/png", png)


def test_parse_data_uri_tolerates_missing_padding_and_parameters():
    payload = base64.b64encode(b"abcd").decode().rstrip("=")
    assert formats.parse_data_uri(f"data:audio/wav;name=x.wav;base64,{payload}") == ("audio/wav", b"abcd")


@pytest.mark.parametrize(("uri", "reason"), [
    ("https://example.com/x.png", "does not start with 'data:'"),
    ("data:image/png;base64", "no ','"),
    ("data:;base64,AAAA", "declares no media type"),
    ("data:image/png,%89PNG", "not base64-encoded"),
    ("data:image/png;base64,", "carries no data"),
    ("data:image/png;base64,AAAAA", "truncated"),
    ("data:image/png;base64,AA$A", "not valid base64"),
])
def test_parse_data_uri_says_what_is_wrong(uri, reason):
    with pytest.raises(ValueError, match=reason):
        formats.parse_data_uri(uri)


# -- input URIs -------------------------------------------------------------------------------------------
def test_check_uri_accepts_each_form():
    assert formats.check_uri("https://example.com/a.jpg", ("image",)) == []
    assert formats.check_uri("runway://upload/abc123", ("image",)) == []
    assert formats.check_uri(data_uri(image_bytes("JPEG"), "image/jpeg"), ("image",)) == []
    assert formats.check_uri(data_uri(wav_bytes(), "audio/wav"), ("audio",)) == []


def test_check_uri_audio_only_mp4_is_m4a_for_audio_fields():
    # PyAV's mp4 muxer writes brand isom even for audio only: it must still pass as M4A audio.
    mp4_audio = audio_bytes("mp4", "aac")
    assert formats.sniff(mp4_audio) == ("video", "mp4")
    assert formats.check_uri(data_uri(mp4_audio, "audio/mp4"), ("audio",)) == []
    assert formats.check_uri(data_uri(mp4_audio, "video/mp4"), ("video",)) == []


def test_identify_reads_mp4_as_m4a_only_where_audio_but_not_video_is_taken():
    mp4_audio = audio_bytes("mp4", "aac")
    assert formats.identify(mp4_audio, ("audio",)) == ("audio", "m4a")
    assert formats.identify(mp4_audio, ("video",)) == formats.identify(mp4_audio, ("audio", "video")) == ("video", "mp4")
    assert formats.identify(wav_bytes(), ("audio",)) == ("audio", "wav")


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_unreadable_image_finds_truncated_images_and_passes_whole_ones(fmt, tmp_path):
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (48, 64, 3), dtype=np.uint8)).save(buf, fmt)
    whole = buf.getvalue()  # noise: the image data is most of the file
    assert formats.unreadable_image(whole) is None
    assert formats.unreadable_image(whole + b"\x00" * 100) is None  # trailing bytes: still readable
    (tmp_path / "a.img").write_bytes(whole)
    assert formats.unreadable_image(tmp_path / "a.img") is None
    for cut in (40, len(whole) // 2, len(whole) - 16):  # (PNG's last 12 bytes are its empty IEND chunk)
        why = formats.unreadable_image(whole[:cut])
        assert why and "0x" not in why, (cut, why)  # a reason, without Pillow's object repr


def test_check_uri_refuses_a_truncated_image():
    (reason,) = formats.check_uri(data_uri(image_bytes("PNG")[:40], "image/png"), ("image",))
    assert reason.startswith("is a PNG image that cannot be read (") and "truncated or corrupt" in reason


def test_check_uri_gif_refused_by_name():
    (reason,) = formats.check_uri(data_uri(image_bytes("GIF"), "image/gif"), ("image",))
    assert reason == "is a GIF image; use JPEG, PNG or WebP"


def test_shorten_never_prints_a_whole_data_uri():
    uri = data_uri(b"\x00" * 3_000_000, "image/png")
    short = formats.shorten(uri)
    assert short.startswith(uri[:40]) and len(short) < 70 and "4.0 MB" in short
    assert formats.shorten("short") == "short"


def test_size_text_uses_the_catalog_megabyte():
    assert formats.size_text(5 * catalog.MB) == "5.0 MB"
    assert formats.size_text(999) == "999 bytes"


# -- durations -----------------------------------------------------------------------------------------------
def test_probe_seconds_of_video_bytes():
    assert formats.probe_seconds(video_bytes(2.0)) == pytest.approx(2.0, abs=0.1)


def test_probe_seconds_of_audio_bytes_and_paths(tmp_path):
    path = tmp_path / "tone.mp3"
    path.write_bytes(audio_bytes("mp3", "libmp3lame", seconds=3.0))
    assert formats.probe_seconds(path) == pytest.approx(3.0, abs=0.1)
    assert formats.probe_seconds(str(path)) == pytest.approx(3.0, abs=0.1)
    assert formats.probe_seconds(wav_bytes(1.5)) == pytest.approx(1.5, abs=0.01)


def test_probe_seconds_of_live_webm_without_a_stated_duration():
    live = video_bytes(2.0, container="webm", codec="libvpx", options={"live": "1"})  # no duration in the header
    with av.open(io.BytesIO(live)) as container:
        assert container.duration is None
    assert formats.probe_seconds(live) == pytest.approx(2.0, abs=0.15)


def test_probe_seconds_of_garbage_is_none():
    assert formats.probe_seconds(b"this is not media at all" * 10) is None


def test_probe_seconds_of_a_missing_file_raises(tmp_path):
    with pytest.raises(FileNotFoundError):
        formats.probe_seconds(tmp_path / "nope.mp4")


def test_importing_formats_does_not_import_pyav():
    import subprocess
    import sys

    code = "import sys, runway_nb.formats, runway_nb.validate, runway_nb.pricing; print('av' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
