"""What the page said about itself: does Jupyter's files route serve the kernel's folder there?

A finished TaskView swaps itself for plain HTML whose `<video src="runway_outputs/x.mp4">` only
Jupyter's files route can load (so a saved notebook plays without a kernel). Where that route is
missing (VS Code, Colab, Voila, a proxy that blocks it) that HTML has nothing to play, so there a
finished view stays the live player and its media comes through the kernel. Only the page can tell:
the first TaskView of a kernel makes one PageProbe, a model no output shows, whose front end
(js/src/host.ts) tries the files route with a file beside the notebook as soon as the page creates
it and reports {type: "host", files: bool}; every player reports the same from its first file.

A cell that waits for its task (`%runway video`) holds the page's messages back until it ends, so
a view may end before any word came: it swaps as before, and if the word that then arrives is
"no files route", a live view of the finished task takes the static HTML's place.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anywidget
import traitlets

from .. import render
from ._bundle import esm

log = logging.getLogger("runway_nb.widgets")


def in_kernel() -> bool:
    """True inside a Jupyter kernel, where a page may be listening (not plain or terminal IPython)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def probe_file() -> dict:
    """A file in the kernel's folder (in Jupyter the notebook's own folder: at least the notebook) for the
    page to try its files route with before any output exists; {} when there is none."""
    try:
        with os.scandir(".") as found:
            for item in found:
                if not item.name.startswith(".") and item.is_file():
                    path = Path(item.path)
                    return {"src": render.relative_url(path), "path": path.resolve().as_posix()}
    except OSError:
        pass
    return {}


class PageProbe(anywidget.AnyWidget):
    """Never displayed: the page creates its model anyway, and its front end reports on the files route."""

    _esm = esm("host")
    probe = traitlets.Dict().tag(sync=True)  # {src, path}

    def __init__(self, host: Host, **kwargs: Any) -> None:
        super().__init__(probe=probe_file(), **kwargs)
        self.on_msg(lambda _w, content, _b: host.handle(content))


class Host:
    """The latest word from a page: files_route True (swap to static HTML), False (stay live), None (unknown)."""

    def __init__(self) -> None:
        self.files_route: bool | None = None
        self._waiting: list[Callable[[bool], None]] = []
        self._lock = threading.Lock()
        self._probe: PageProbe | None = None

    def listen(self) -> None:
        """Inside a kernel, make the PageProbe once (call it from a cell: the page then hears early)."""
        if self._probe is not None or not in_kernel():
            return
        with self._lock:
            if self._probe is None:
                try:
                    self._probe = PageProbe(self)
                except Exception as exc:  # no widget front end at all: players still report
                    log.debug("runway_nb: no page probe: %s", exc)

    def handle(self, content: Any) -> bool:
        """A {type: "host", files} message from any widget's page; False for other messages."""
        if not (isinstance(content, dict) and content.get("type") == "host"):
            return False
        self.heard(bool(content.get("files")))
        return True

    def heard(self, files: bool) -> None:
        """A page reported; views waiting for the word hear it now."""
        with self._lock:
            self.files_route = bool(files)
            waiting, self._waiting = self._waiting, []
        for callback in waiting:
            try:
                callback(bool(files))
            except Exception:
                log.exception("runway_nb: a view's host callback failed")

    def when_heard(self, callback: Callable[[bool], None]) -> None:
        """callback(files) at the next word from a page (a kernel with no page never calls it)."""
        with self._lock:
            self._waiting.append(callback)

    def forget(self) -> None:
        """Back to knowing nothing (tests; another kind of page attached to the same kernel)."""
        with self._lock:
            self.files_route = None
            self._waiting.clear()


HOST = Host()
