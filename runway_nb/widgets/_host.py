"""What the page said about itself: does Jupyter's files route serve the kernel's folder there?

A finished TaskView swaps itself for plain HTML whose `<video src="runway_outputs/x.mp4">` only
Jupyter's files route can load (so a saved notebook plays without a kernel). Where that route is
missing (VS Code, Colab, Voila, a proxy that blocks it) the swap would leave a player with nothing to
play, so there the live widget stays and its media comes through the kernel. Only the page can tell:
each widget's front end tries the route and reports {type: "host", files: bool} (js/src/media.ts).

Until a page has said anything (no page at all, as under nbconvert, or a cell still running, which
holds the page's messages back) a view swaps as before and keeps its model a while: a later
`files: false` brings the live widget back; `files: true`, or a kernel left idle for IDLE_GRACE seconds
with no word (no page is listening), closes it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger("runway_nb.widgets")
IDLE_GRACE = 10.0  # s of an idle kernel with no word from any page: nobody is looking


def _kernel_shell():
    """The IPython shell when it runs inside a Jupyter kernel (where a page may be listening), else None."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    return shell if shell is not None and getattr(shell, "kernel", None) is not None else None


class Host:
    """The latest word from a page: files_route True (swap to static HTML), False (stay live), None (unknown)."""

    def __init__(self, grace: float = IDLE_GRACE) -> None:
        self.files_route: bool | None = None
        self.grace = grace
        self._waiting: list[Callable[[bool | None], None]] = []
        self._lock = threading.Lock()
        self._busy = False
        self._last_activity = time.monotonic()
        self._watched_shell = None
        self._timer: threading.Timer | None = None

    def heard(self, files: bool) -> None:
        """A page reported; views waiting for the word settle now."""
        with self._lock:
            self.files_route = bool(files)
            waiting, self._waiting = self._waiting, []
        for callback in waiting:
            self._call(callback, bool(files))

    def when_known(self, callback: Callable[[bool | None], None]) -> None:
        """callback(files) once a page reports (now, if one has); callback(None) when none will."""
        shell = _kernel_shell()
        with self._lock:
            known = self.files_route
            if known is None and shell is not None:
                self._waiting.append(callback)
                self._watch(shell)
                self._arm()
                return
        self._call(callback, known)

    def watch(self) -> None:
        """Follow the kernel's cells (call while a cell runs: a view is made in one), so the idle
        grace counts from when the kernel last finished a cell."""
        shell = _kernel_shell()
        if shell is not None:
            with self._lock:
                self._watch(shell)

    def forget(self) -> None:
        """Back to knowing nothing (tests; a page of another kind attached to the same kernel)."""
        with self._lock:
            self.files_route = None

    # -- the idle watch ------------------------------------------------------------------------------
    def _watch(self, shell) -> None:
        if self._watched_shell is shell:
            return
        self._watched_shell = shell
        shell.events.register("pre_run_cell", self._cell_started)
        shell.events.register("post_run_cell", self._cell_ended)
        self._busy, self._last_activity = True, time.monotonic()  # first seen from inside a cell

    def _cell_started(self, *_args) -> None:
        self._busy, self._last_activity = True, time.monotonic()

    def _cell_ended(self, *_args) -> None:
        self._busy, self._last_activity = False, time.monotonic()

    def _arm(self, delay: float | None = None) -> None:
        if self._timer is not None and self._timer.is_alive():
            return
        self._timer = threading.Timer(self.grace if delay is None else delay, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def _expire(self) -> None:
        with self._lock:
            self._timer = None
            if not self._waiting:
                return
            idle_for = time.monotonic() - self._last_activity
            if self._busy or idle_for < self.grace:  # a cell runs: the page's messages wait behind it
                self._arm(self.grace - idle_for if not self._busy else self.grace)
                return
            waiting, self._waiting = self._waiting, []
        for callback in waiting:
            self._call(callback, None)

    @staticmethod
    def _call(callback: Callable[[bool | None], None], files: bool | None) -> None:
        try:
            callback(files)
        except Exception:
            log.exception("runway_nb: a view's host callback failed")


HOST = Host()
