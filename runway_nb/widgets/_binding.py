"""TaskBinding: one task followed for one view. It publishes the task's state (coalesced), stores the
outputs when the task succeeds, cancels on request, and tells the view when everything is over.

The state it publishes is the `run` the front end draws: {task, outputs, notice}. on_change calls
come from the client's loop thread; waiting for the stored files (the journal's observer stores them)
and cancelling run on a small worker pool, so neither the polling loop nor the kernel's message
handler waits for the network.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from .. import catalog
from ..render import remote_entry
from ._coalesce import INTERVAL, Coalescer
from ._media import MediaServer

log = logging.getLogger("runway_nb.widgets")
_TASK_FIELDS = ("id", "model", "prompt", "status", "progress", "elapsed", "eta", "estimated_credits",
                "cost_credits", "failure", "failure_code", "sandbox")
POOL = ThreadPoolExecutor(4, thread_name_prefix="runway_nb-widgets-io")


def running_loop() -> asyncio.AbstractEventLoop | None:
    """The caller's event loop (a notebook cell runs inside the kernel's), for AsyncTask calls later."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def settle(value: Any, loop: asyncio.AbstractEventLoop | None, timeout: float = 60) -> Any:
    """The result of a call that may be async (AsyncTask.cancel, AsyncRunwayML create), from a worker thread."""
    if not inspect.isawaitable(value):
        return value
    if loop is None or loop.is_closed():
        raise RuntimeError("an async task's call needs the event loop it was made on, and there is none")
    return asyncio.run_coroutine_threadsafe(_awaited(value), loop).result(timeout)


async def _awaited(value: Any) -> Any:
    return await value


def task_state(snapshot: Any) -> dict:
    """The JSON-safe part of a TaskSnapshot a view shows (times rounded: the browser ticks them)."""
    data = snapshot.as_dict() if hasattr(snapshot, "as_dict") else dict(snapshot)
    state = {k: data.get(k) for k in _TASK_FIELDS}
    state["status"] = state["status"] or "PENDING"
    state["sandbox"] = bool(state["sandbox"])
    for key, digits in (("progress", 3), ("elapsed", 1), ("eta", 0)):
        if isinstance(state[key], (int, float)):
            state[key] = round(float(state[key]), digits)
    for key in ("estimated", "cost"):
        credits = state[f"{key}_credits"]
        state[f"{key}_dollars"] = None if credits is None else round(credits * catalog.CREDIT_DOLLARS, 2)
    return state


def request_of(task: Any) -> dict:
    """The wire body the task was created with (ratio, duration, seed for the captions), if known."""
    body = getattr(task, "body", None) or getattr(getattr(task, "_core", None), "body", None)
    return dict(body) if isinstance(body, dict) else {}


def save_outputs(task: Any, snapshot: Any, folder: str | None) -> list[Path]:
    """A succeeded task's stored outputs: the journal's observer stores them (once, whoever asks first);
    this waits for it. `folder` None: where the task's client stores them."""
    from ..observer import STORE_TIMEOUT, storer

    return storer(task, folder).store(task, folder).result(STORE_TIMEOUT)


class TaskBinding:
    """One task followed for one view; `publish(run_state)` is how the view hears of it."""

    def __init__(self, task: Any, publish: Callable[[dict], None], *, media: MediaServer | None = None,
                 folder: str | None = None, save: Callable[..., list] | None = None,
                 on_end: Callable[[TaskBinding], None] | None = None, interval: float = INTERVAL,
                 call_later: Callable | None = None) -> None:
        self.task = task
        self.media = media or MediaServer()
        self.folder = folder
        self.outputs: list[dict] = []
        self.paths: list[Path] = []
        self.notice = ""
        self.snapshot: Any = None
        self.ended = threading.Event()
        self._save = save or save_outputs
        self._on_end = on_end
        self._finishing = False
        self._lock = threading.Lock()
        self._coalescer = Coalescer(publish, interval, call_later=call_later)
        request = request_of(task)
        self._meta = {k: v for k, v in request.items() if k in ("seed", "ratio", "duration")}
        self._meta["output_format"] = request.get("outputFormat")  # a remote fallback needs it (render.remote_entry)
        self._unsubscribe: Callable[[], None] | None = None
        self._loop = running_loop()
        first = task.snapshot()
        if not first.terminal:
            self._unsubscribe = task.on_change(self._changed)
            first = task.snapshot()  # a change may have come between the two looks
        self._changed(first)

    @property
    def state(self) -> dict:
        return {"task": task_state(self.snapshot), "outputs": list(self.outputs), "notice": self.notice}

    def _changed(self, snapshot: Any) -> None:
        with self._lock:
            if self.snapshot is not None and self.snapshot.terminal and not snapshot.terminal:
                return  # a stale look that lost the race with the final one
            self.snapshot = snapshot
            finish = snapshot.terminal and not self._finishing
            self._finishing = self._finishing or finish
        self._coalescer.push(self.state, now=finish)
        if finish:
            if snapshot.status == "SUCCEEDED":
                POOL.submit(self._store, snapshot)
            else:
                self._end()

    def _store(self, snapshot: Any) -> None:
        meta = {"task_id": snapshot.id, "model": snapshot.model, "prompt": snapshot.prompt,
                "sandbox": snapshot.sandbox, "cost_credits": snapshot.cost_credits, **self._meta}
        try:
            self.paths = [Path(p) for p in self._save(self.task, snapshot, self.folder)]
            self.outputs = [self.media.entry(p, **meta) for p in self.paths]
        except Exception as exc:
            log.warning("runway_nb could not store the outputs of %s: %s", snapshot.id, exc)
            self.notice = f"could not store the outputs ({type(exc).__name__}: {exc}); showing them from the API"
            kind = catalog.MODELS[snapshot.model].kind if snapshot.model in catalog.MODELS else "file"
            self.outputs = [remote_entry(url, i, kind, **meta) for i, url in enumerate(snapshot.output)]
        self._coalescer.push(self.state, now=True)
        self._end()

    def _end(self) -> None:
        self._coalescer.flush()
        if self._unsubscribe is not None:
            with contextlib.suppress(Exception):
                self._unsubscribe()
        self.ended.set()
        if self._on_end is not None:
            try:
                self._on_end(self)
            except Exception:
                log.exception("runway_nb: a view's end-of-task hook failed")

    def cancel(self) -> Future:
        """Cancel the task on the worker pool; a failure is shown in the view (`notice`)."""
        return POOL.submit(self._cancel)

    def _cancel(self) -> None:
        try:
            settle(self.task.cancel(), self._loop)
        except Exception as exc:
            self.notice = f"could not cancel: {exc}"
            self._coalescer.push(self.state, now=True)
            return
        self.notice = ""
        with contextlib.suppress(Exception):
            self._changed(self.task.snapshot())  # show CANCELLED now, not at the next poll
