"""One background asyncio loop per process, so the sync face can drive async code anywhere.

Jupyter's kernel already runs a loop in the main thread, so `asyncio.run` is not an option there;
running the coroutine on a loop of our own in a daemon thread works the same in a script, a kernel
or a thread pool. Polling tasks live on this loop too, so the kernel never blocks on them.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_thread: threading.Thread | None = None


def get_loop() -> asyncio.AbstractEventLoop:
    """The process's background loop, started on first use (and again in a forked child)."""
    global _loop, _thread
    with _lock:
        if _loop is None or _thread is None or not _thread.is_alive():
            _loop = asyncio.new_event_loop()
            _thread = threading.Thread(target=_loop.run_forever, name="runway_nb-loop", daemon=True)
            _thread.start()
        return _loop


def in_loop_thread() -> bool:
    return _thread is not None and threading.current_thread() is _thread


def run_sync(coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
    """Run `coro` on the background loop and return its result (or raise its exception).

    Ctrl-C (a kernel interrupt) cancels the coroutine instead of leaving it running unseen.
    """
    if in_loop_thread():
        coro.close()
        raise RuntimeError("run_sync() called from runway_nb's own loop thread: await the coroutine instead")
    future = asyncio.run_coroutine_threadsafe(coro, get_loop())
    try:
        return future.result(timeout)
    except BaseException:
        future.cancel()
        raise


def _reset_after_fork() -> None:
    global _loop, _thread, _lock
    _loop, _thread, _lock = None, None, threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)
