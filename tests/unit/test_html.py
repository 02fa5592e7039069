"""_html.safe_url: the one rule for URLs written into HTML (src, href, poster)."""

from __future__ import annotations

import pytest

from runway_nb._html import safe_url


@pytest.mark.parametrize("url", ["https://cdn.example.com/a.mp4?sig=x&y=1", "HTTP://example.com/a.png",
                                 "runway_outputs/t_0.mp4", "runway_outputs/a%3Ab.mp4", "a/b:c.png",
                                 "//cdn.example.com/a.mp4"])
def test_http_urls_and_relative_paths_are_kept_as_given(url):
    assert safe_url(url) == url


@pytest.mark.parametrize("url", ["javascript:alert(1)", " JavaScript:alert(1)", "java\tscript:alert(1)",
                                 "\x01javascript:alert(1)", "vbscript:x", "data:text/html,<b>x</b>",
                                 "file:///etc/passwd", "c:x.mp4", "", "  ", None, 7])
def test_anything_else_is_not_a_url_to_emit(url):
    assert safe_url(url) is None
