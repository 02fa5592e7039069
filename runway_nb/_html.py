"""The one rule for URLs put into the HTML we write (src, href, poster).

Output URLs come from the server; a hostile or broken one could send `javascript:...`, which
html.escape leaves intact and a browser runs when the link is clicked. Only http(s) URLs and relative
paths (our stored files) are emitted as links or sources; anything else is shown as text.
"""

from __future__ import annotations

import re

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_IGNORED = re.compile(r"[\t\n\r]")  # browsers drop these anywhere in a URL before reading its scheme
_EDGES = "".join(map(chr, range(0x21)))  # ... and C0 controls and spaces at either end


def safe_url(url: object) -> str | None:
    """`url` when it may go into src/href (http://, https:// or a relative path), else None."""
    if not isinstance(url, str) or not url:
        return None
    seen = _IGNORED.sub("", url).strip(_EDGES)
    scheme = _SCHEME.match(seen)
    if scheme is None:
        return url if seen else None  # relative: a path (a colon after a '/' is not a scheme)
    return url if scheme.group(0).lower() in ("http:", "https:") else None
