"""Where each widget's front end comes from: the esbuild bundle in runway_nb/static/ (built from js/
by `npm run build`; not committed). anywidget reads a path, and with ANYWIDGET_HMR=1 reloads it on
change. When the bundle is missing (a source checkout before the build) the widget still imports
and its view says how to build the front end, while the text/html fallbacks keep working.
"""

from __future__ import annotations

from pathlib import Path

STATIC = Path(__file__).resolve().parent.parent / "static"

_MISSING = """export default { render({ el }) {
  el.textContent = "runway_nb: the widget front end is not built (static/%s.js is missing). " +
    "Run `make` (or `cd js && npm ci && npm run build`) and restart the kernel.";
} };
"""


def esm(name: str) -> Path | str:
    """The bundled module for one widget, or a stand-in module that explains how to build it."""
    path = STATIC / f"{name}.js"
    return path if path.is_file() else _MISSING % name
