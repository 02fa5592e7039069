"""The one table of media kinds, extensions and MIME types (formats.MEDIA_TYPES) and what reads it."""

from __future__ import annotations

import pytest

from runway_nb import catalog, formats, outputs, render
from runway_nb.widgets.catalog_json import serialize


@pytest.mark.parametrize("name, kind, mime", [
    ("runway_outputs/a_0.mp4", "video", "video/mp4"), ("X.JPG", "image", "image/jpeg"),
    ("b.jpeg", "image", "image/jpeg"), ("c.m4a", "audio", "audio/mp4"), ("d.mkv", "video", "video/x-matroska"),
    ("e.ogg", "audio", "audio/ogg"), ("notes.txt", None, "application/octet-stream"),
    ("no_extension", None, "application/octet-stream"), ("dir.mp4/file", None, "application/octet-stream"),
])
def test_kind_and_mime_by_name(name, kind, mime):
    assert formats.kind_of_name(name) == kind
    assert formats.mime_of_name(name) == mime


def test_the_api_input_formats_agree_with_the_table():
    """catalog.INPUT_LIMITS (the API's accepted inputs) names MIME types the table gives the same way."""
    for kind, limit in catalog.INPUT_LIMITS.items():
        for fmt in limit.formats:
            found = formats.type_of_name("x." + formats.file_ext(fmt))
            assert found is not None and found.kind == kind and found.mime == limit.mime[fmt], fmt


def test_download_extensions_come_from_the_table():
    assert outputs.extension(b"", "image/gif") == "gif"  # a type the table knows, by Content-Type
    assert outputs.extension(b"", "audio/ogg; codecs=opus") == "ogg"
    assert outputs.extension(b"\x89PNG\r\n\x1a\n" + bytes(8), "video/mp4") == "png"  # the bytes first
    assert formats.EXT_BY_TYPE["audio/x-wav"] == "wav" and formats.file_ext("jpeg") == "jpg"


def test_the_front_end_gets_the_table_once_with_the_catalog():
    shipped = serialize()["media_types"]
    assert shipped["mp4"] == {"kind": "video", "mime": "video/mp4"}
    assert set(shipped) == {ext for t in formats.MEDIA_TYPES for ext in t.extensions}


def test_one_credit_formatter():
    assert render.credits_text(1) == "1 credit"
    assert render.credits_text(60, 0.6) == "60 credits ($0.60)"
    assert render.credits_text(120000, 1200.0) == "120000 credits ($1,200.00)"
    assert render.credits_text(None) == ""
