"""render: a stored file no browser plays gets its poster frame, its facts and a link, never a <video>.

The files are the sandbox's real outputFormat deliveries (ProRes .mov, 10-bit HEVC, zips of PNG and
EXR frames); the HTML is parsed, and the poster it names is read back from disk and decoded.
"""

from __future__ import annotations

import os
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from runway_nb import media_facts, render
from runway_nb.sandbox import synth

W, H = 128, 72
# outputFormat -> (container, codec starts with, HDR transfer starts with)
UNPLAYABLE = {
    "prores": ("MOV", "ProRes", "BT.709 · SDR"),
    "hdr_prores": ("MOV", "ProRes", "PQ (SMPTE 2084) · HDR"),
    "hdr10": ("MP4", "HEVC Main 10", "PQ (SMPTE 2084) · HDR"),
    "hlg": ("MP4", "HEVC Main 10", "HLG (ARIB STD-B67) · HDR"),
    "sdr_rec709_10bit": ("MP4", "HEVC Main 10", "BT.709 · SDR"),
    "png_sequence": ("ZIP", "PNG frames", "not stated"),
    "hdr_png_sequence": ("ZIP", "PNG frames", "PQ (SMPTE 2084) · HDR"),
    "hdr_exr_sequence": ("ZIP", "OpenEXR frames", "linear · HDR"),
}


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text, of an HTML fragment."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def named(self, tag: str) -> list[dict]:
        return [attrs for t, attrs in self.tags if t == tag]


@pytest.fixture(scope="module")
def delivered(tmp_path_factory):
    """{outputFormat: main file} in runway_outputs/, the sidecar-less way a user's folder may hold them."""
    folder = tmp_path_factory.mktemp("nb") / "runway_outputs"
    folder.mkdir()
    paths = {}
    for fmt in ["mp4", *UNPLAYABLE]:
        files = synth.render_format(fmt, W, H, 0.5, seed=7, prompt="facts card", audio=True)
        for f in files:
            (folder / f"{fmt}_{f.filename}").write_bytes(f.data)
        paths[fmt] = folder / f"{fmt}_{files[0].filename}"
    return paths


@pytest.fixture
def in_notebook_folder(delivered, monkeypatch):
    monkeypatch.chdir(next(iter(delivered.values())).parent.parent)


@pytest.mark.parametrize("fmt", list(UNPLAYABLE))
def test_unplayable_output_shows_poster_and_facts_not_a_video(delivered, in_notebook_folder, fmt):
    container, codec, transfer = UNPLAYABLE[fmt]
    path = delivered[fmt]
    entry = render.file_entry(path, model="gen4.5", prompt="facts card")
    facts = dict(entry["facts"])
    assert facts["container"] == container and facts["codec"].startswith(codec)
    assert facts["size"] == f"{W} × {H}" and facts["frames"].startswith("12")
    assert facts["HDR transfer"] == transfer
    assert facts["file size"].endswith(("kB", "MB"))
    if fmt != "png_sequence":  # the plain PNG zip states no frame rate, so no duration either
        assert facts["duration"] == "0.50 s"

    page = render.result_html([entry], height=render.PLAYER_HEIGHT)
    parsed = Elements(page)
    assert "<video" not in page and not parsed.named("video")
    [figure] = parsed.named("figure")
    assert figure["data-shows"] == "facts"
    [img] = parsed.named("img")
    assert img["src"] == f"runway_outputs/{path.stem}.poster.jpg" == entry["poster"]
    with Image.open(Path(img["src"])) as poster:  # relative to the notebook's folder, as the page loads it
        assert poster.format == "JPEG" and poster.size == (W, H)
        pixels = np.asarray(poster.convert("RGB"), dtype=float)
    assert pixels.std() > 10  # a picture of the clip, not a flat or black field
    text = " ".join(parsed.text)
    for label, value in entry["facts"]:
        assert label in text and value in text
    assert "A browser cannot play this file" in text
    assert f'runway_outputs/{path.name}' in [a.get("href") for a in parsed.named("a")]


def test_a_browser_playable_mp4_keeps_its_video_player(delivered, in_notebook_folder):
    entry = render.file_entry(delivered["mp4"])
    assert entry["facts"] is None
    page = render.media_html(entry)
    assert '<video src="runway_outputs/mp4_video.mp4"' in page and 'data-shows="player"' in page


def test_the_wav_beside_a_frame_zip_is_an_audio_player(delivered, in_notebook_folder):
    wav = delivered["png_sequence"].with_name("png_sequence_audio.wav")
    entry = render.file_entry(wav)
    assert entry["kind"] == "audio" and entry["facts"] is None
    assert "<audio" in render.media_html(entry)


def test_the_poster_is_made_once_and_again_when_the_file_changes(delivered, in_notebook_folder, tmp_path):
    copy = tmp_path / "again.mov"
    copy.write_bytes(delivered["prores"].read_bytes())
    render.file_entry(copy)
    poster = tmp_path / "again.poster.jpg"
    first = poster.stat().st_mtime_ns
    render.file_entry(copy)
    assert poster.stat().st_mtime_ns == first
    umask = os.umask(0)
    os.umask(umask)
    assert poster.stat().st_mode & 0o777 == 0o666 & ~umask  # readable as the file beside it is (a shared hub)
    copy.write_bytes(delivered["hdr10"].read_bytes())  # the same name, another file
    entry = render.file_entry(copy)
    assert poster.stat().st_mtime_ns > first
    assert dict(entry["facts"])["codec"].startswith("HEVC")


def test_a_folder_that_takes_no_poster_still_shows_the_facts(delivered, in_notebook_folder, tmp_path, monkeypatch):
    copy = tmp_path / "readonly.mov"
    copy.write_bytes(delivered["prores"].read_bytes())

    def refuse(*_args, **_kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(media_facts.os, "open", refuse)  # the poster's temp file cannot be made (root ignores modes)
    entry = render.file_entry(copy)
    assert entry["poster"] == "" and dict(entry["facts"])["container"] == "MOV"
    page = render.media_html(entry)
    assert "<video" not in page and "<img" not in page and "no picture to show" in page
    assert not list(tmp_path.glob("*.poster.jpg")) and not list(tmp_path.glob(".*.tmp"))


def test_server_text_in_facts_is_text_and_bad_urls_are_not_emitted():
    entry = render.remote_entry("https://cdn.example/o.mov", 0, "video", prompt="<b>p</b>")
    entry.update(facts=[["codec", "<img src=x onerror=alert(1)>"]], poster="javascript:alert(1)",
                 name='"><script>x</script>')
    page = render.media_html(entry)
    parsed = Elements(page)
    assert not parsed.named("img") and not parsed.named("script") and not parsed.named("b")
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "javascript:" not in page


@pytest.mark.parametrize(("url", "fmt", "card"), [
    ("https://cdn.example/a/video.mov?sig=1", None, True),
    ("https://cdn.example/a/frames.zip", None, True),
    ("https://cdn.example/a/video.mp4", "hdr10", True),
    ("https://cdn.example/a/video.mp4", None, False),
    ("https://cdn.example/a/video.mp4", "mp4", False),
])
def test_an_unsaved_delivery_gets_a_card_with_its_link(url, fmt, card):
    """(An image's jpeg and a sound's mp3 still play: see the next test.)"""
    page = render.media_html(render.remote_entry(url, 0, "video", output_format=fmt))
    assert ("<video" in page) is not card
    assert f'href="{url}"' in page
    if card:
        assert "save it to see its first frame" in page


@pytest.mark.parametrize(("url", "kind", "fmt", "tag"), [
    ("https://cdn.example/a/0.jpg", "image", "jpeg", "<img"),
    ("https://cdn.example/a/0.mp3", "audio", "mp3", "<audio"),
    ("https://cdn.example/a/1.wav", "audio", "png_sequence", "<audio"),  # the sound beside a frame zip
])
def test_an_unsaved_image_or_sound_keeps_its_player_whatever_its_format(url, kind, fmt, tag):
    page = render.media_html(render.remote_entry(url, 0, kind, output_format=fmt))
    assert tag in page and "cannot play" not in page
