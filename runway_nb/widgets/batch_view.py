"""BatchView: one live view for a whole batch (hundreds of tasks) instead of one TaskView per task.

It shows counts by status, credits spent and still to come, an ETA, Cancel all, and a grid of
thumbnails that fills as results are stored; pressing a thumbnail shows that task's own view (status,
progress, cancel, then its player) below the grid. The cost stays flat in the batch's size:

- Synced state is three small traits: `summary` (counts, credits, ETA), `rows` (per task only
  [id, status, thumbnail path, kind], in call order) and `selected` (the one task opened). `base` is
  the working directory once, so a thumbnail's absolute path is not repeated per task.
- Updates are coalesced (widgets/_coalesce.py): the summary at most 4 times a second and the rows
  at most once a second, whatever the number of tasks, so 500 tasks do not flood the comm. The
  coalescer is offered a version number, not the state, so a change costs O(1); the state is built
  when it is sent.
- Thumbnails are the stored files (an image itself, a video's poster JPEG), loaded lazily by the
  page through the notebook server's files route or, failing that, as bytes from MediaServer.
- When the batch ends the output is swapped for static HTML (counts and a grid of thumbnails, each a
  link to its file), as TaskView does, so a saved notebook carries no widget state for it.
"""

from __future__ import annotations

import contextlib
import html
import threading
import uuid
from pathlib import Path
from typing import Any

import anywidget
import traitlets

from .. import catalog, formats, store
from .._html import safe_url
from . import _display
from ._binding import POOL, running_loop, settle, task_state
from ._bundle import esm
from ._coalesce import INTERVAL, Coalescer
from ._media import MediaServer, absolute_path, poster_for
from ._schedule import SCHEDULER
from .fallback import StaticResult

ROWS_INTERVAL = 1.0  # seconds between two sends of the per-task rows, at most
ORDER = ("QUEUED", "PENDING", "THROTTLED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED")
ACTIVE = ("QUEUED", "PENDING", "THROTTLED", "RUNNING")


class BatchView(anywidget.AnyWidget):
    """Shows a batch.BatchRun live: `BatchView(client.batch(calls, background=True))`, or BatchView.run."""

    _esm = esm("batch_view")
    summary = traitlets.Dict().tag(sync=True)
    rows = traitlets.List().tag(sync=True)  # [[task id, status, thumbnail src, kind], ...] in call order
    base = traitlets.Unicode("").tag(sync=True)  # absolute working directory: thumbnail path = base/src
    selected = traitlets.Dict().tag(sync=True)  # {index, task, outputs, notice} of the task opened, or {}

    def __init__(self, batch: Any, *, folder: str | None = None, swap: bool = True, interval: float = INTERVAL,
                 rows_interval: float = ROWS_INTERVAL, call_later: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.batch, self.folder, self.swap = batch, folder, swap
        self.display_id = uuid.uuid4().hex
        self.base = absolute_path(Path.cwd())
        self.ended = threading.Event()  # the batch ended and every thumbnail is in
        self._lock = threading.RLock()
        self._media = MediaServer()
        self._loop = running_loop()
        n = batch.size
        self._ids, self._status = [""] * n, ["QUEUED"] * n
        self._thumbs: list[list[str]] = [["", ""] for _ in range(n)]
        self._paths: dict[int, list[Path]] = {}
        self._durations: list[float] = []
        self._storing = 0
        self._open = -1
        self._version = 0
        self._displayed = False
        self._over = False
        # The polling loop's thread only marks a change; building and sending the state happens on the
        # widgets' scheduler thread, so a send never delays a poll.
        defer = call_later or SCHEDULER.call_later
        self._summary = Coalescer(lambda _v: defer(0, self._send_summary), interval, call_later=call_later)
        self._rows = Coalescer(lambda _v: defer(0, self._send_rows), rows_interval, call_later=call_later)
        self.on_msg(self._on_message)
        self._unsubscribe = batch.on_change(self._changed)
        for i, core in enumerate(batch.cores):  # tasks created before this view subscribed
            if core is not None:
                self._changed(i, core.snapshot())
        self._send_summary()
        self._send_rows()
        self._watch_end()

    @classmethod
    def run(cls, client: Any, calls: Any, *, concurrency: int | None = None, **kwargs: Any) -> BatchView:
        """Start `calls` as a background batch on `client` (RunwayML) and return its view."""
        return cls(client.batch(calls, concurrency=concurrency, background=True), **kwargs)

    # -- what Python code reads ---------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        with self._lock:
            out: dict[str, int] = {}
            for s in self._status:
                out[s] = out.get(s, 0) + 1
            return out

    @property
    def paths(self) -> dict[int, list[Path]]:
        """Stored output files by call index (the tasks that succeeded and are stored so far)."""
        return dict(self._paths)

    def wait(self, timeout: float | None = None) -> Any:
        """Until the batch ended and the view has every thumbnail; returns the BatchResult (RunwayML's
        batches; with AsyncRunwayML await `view.batch.wait()`)."""
        result = self.batch.wait(timeout)
        self.ended.wait(timeout)
        return result

    def cancel_all(self) -> Any:
        return self.batch.cancel()

    # -- following the batch ------------------------------------------------------------------------
    def _changed(self, index: int, snap: Any) -> None:
        with self._lock:
            before = self._status[index]
            if before in ("SUCCEEDED", "FAILED", "CANCELLED"):
                return  # a stale answer after the final one
            self._ids[index], self._status[index] = snap.id, snap.status
            if snap.status == "SUCCEEDED":
                self._durations.append(snap.elapsed)
                self._storing += 1
            self._version += 1
            version = self._version
        if snap.terminal and snap.status == "SUCCEEDED":
            self._store(index)
        self._summary.push(version)
        self._rows.push(version)
        if index == self._open:
            POOL.submit(self._send_selected)  # it reads sidecars: not on the polling loop

    def _store(self, index: int) -> None:
        """Ask for the stored files (the journal's observer stores them); a thumbnail when they are in."""
        from ..observer import storer

        task = self.batch.cores[index]
        try:
            job = storer(task, self.folder).store(task, self.folder)
        except Exception:
            self._stored(index, None)
            return
        job.add_done_callback(lambda f: POOL.submit(self._stored, index, f))

    def _stored(self, index: int, job: Any) -> None:
        paths: list[Path] = []
        with contextlib.suppress(Exception):
            paths = [Path(p) for p in job.result()] if job is not None else []
        thumb = ["", ""]
        if paths:
            first = paths[0]
            kind = formats.kind_of_name(first) or "file"
            picture = first if kind == "image" else None if kind == "audio" else poster_for(first)  # video, frame zip
            src = store.relative_url(picture) if picture else ""
            if picture:
                self._media.allow(src, picture)
            thumb = [src, kind]
        with self._lock:
            self._paths[index] = paths
            self._thumbs[index] = thumb
            self._storing -= 1
            self._version += 1
            version = self._version
        self._rows.push(version)
        self._summary.push(version)
        if index == self._open:
            self._send_selected()
        self._check_end()

    def _watch_end(self) -> None:
        future = self.batch.future
        if future is not None:
            future.add_done_callback(lambda _f: POOL.submit(self._check_end))

    def _check_end(self) -> None:
        with self._lock:
            over = self.batch.done and self._storing <= 0 and not self._over
            self._over = self._over or over
        if not over:
            return
        self._send_summary()  # the final state, here and now (this is a worker thread, not the loop)
        self._send_rows()
        with contextlib.suppress(Exception):
            self._unsubscribe()
        if self.swap and self._displayed:  # before `ended`: a cell waiting on it ends after the swap is out
            _display.publish(self.result(), self.display_id, update=True)
            layout = self.layout
            self.close()
            layout.close()
        self.ended.set()

    # -- state for the page --------------------------------------------------------------------------
    def summary_state(self) -> dict:
        """Counts by status, credits spent and to come, ETA (seconds, or None), and whether it is over."""
        with self._lock:
            counts = self.counts()
            spent = to_come = 0.0
            for i, core in enumerate(self.batch.cores):
                if core is None:
                    to_come += self.batch.estimates[i] or 0
                elif core.terminal:
                    spent += core.cost_credits or 0
                else:
                    to_come += core.estimated_credits or 0
            return {"total": self.batch.size, "counts": {k: counts[k] for k in ORDER if k in counts},
                    "spent_credits": round(spent, 2), "to_come_credits": round(to_come, 2),
                    "spent_dollars": round(spent * catalog.CREDIT_DOLLARS, 2),
                    "to_come_dollars": round(to_come * catalog.CREDIT_DOLLARS, 2),
                    "eta": self._eta(counts), "done": bool(self._over or self.batch.done),
                    "cancelled": bool(self.batch.cancelled), "storing": self._storing}

    def _eta(self, counts: dict[str, int]) -> float | None:
        """Seconds until the last task ends: queued ones run `lanes` at a time, each as long as the
        typical finished one, after the running ones end."""
        if not self._durations or not any(counts.get(s) for s in ACTIVE):
            return None
        typical = sorted(self._durations)[len(self._durations) // 2]
        lanes = max(1, int(self.batch.lanes or 1))
        waves = -(-counts.get("QUEUED", 0) // lanes)
        return round(typical * (waves + 0.5 * (counts.get("RUNNING", 0) > 0)), 1)

    def _send_summary(self) -> None:
        self.summary = self.summary_state()

    def _send_rows(self) -> None:
        with self._lock:
            self.rows = [[self._ids[i], self._status[i], *self._thumbs[i]] for i in range(self.batch.size)]

    def _send_selected(self) -> None:
        index = self._open
        core = self.batch.cores[index] if 0 <= index < self.batch.size else None
        if core is None:
            self.selected = {} if index < 0 else {"index": index, "task": {"status": "PENDING"}, "outputs": [],
                                                    "notice": "not created yet: waiting for a free slot"}
            return
        snap = core.snapshot()
        meta = {"task_id": snap.id, "model": snap.model, "prompt": snap.prompt, "sandbox": snap.sandbox,
                "cost_credits": snap.cost_credits}
        outputs = [self._media.entry(p, **meta) for p in self._paths.get(index, [])]
        self.selected = {"index": index, "task": task_state(snap), "outputs": outputs, "notice": ""}

    def _on_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "open":
            index = content.get("index")
            self._open = index if isinstance(index, int) and 0 <= index < self.batch.size else -1
            POOL.submit(self._send_selected)
        elif kind == "cancel_all":
            POOL.submit(self._cancel, None)
        elif kind == "cancel":
            index = content.get("index")
            if isinstance(index, int) and 0 <= index < self.batch.size and self.batch.cores[index] is not None:
                POOL.submit(self._cancel, index)
        elif kind == "media":
            self._media.answer(self, content)

    def _cancel(self, index: int | None) -> None:
        try:
            if index is None:
                settle(self.batch.cancel(), self._loop)
            else:
                settle(self.batch._face._task(self.batch.cores[index]).cancel(), self._loop)
        except Exception as exc:
            self.summary = {**self.summary_state(), "notice": f"could not cancel: {exc}"}

    # -- display: live while running, static HTML once ended ---------------------------------------
    def _ipython_display_(self) -> None:
        if self.swap and self.ended.is_set():
            _display.publish(self.result(), self.display_id)
            return
        self._displayed = True
        data, metadata = self._repr_mimebundle_()
        _display.publish_raw(data, metadata, self.display_id)

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict, dict]:
        data, metadata = super()._repr_mimebundle_(**kwargs)
        result = self.result()
        return {**data, "text/plain": result.plain, "text/html": result.html}, metadata

    def result(self) -> StaticResult:
        """The batch as static HTML + text: counts and a grid of thumbnails, each a link to its file."""
        summary = self.summary_state()
        line = summary_text(summary)
        cells = []
        with self._lock:
            for i in range(self.batch.size):
                paths = self._paths.get(i) or []
                src, href = safe_url(self._thumbs[i][0]), safe_url(store.relative_url(paths[0])) if paths else None
                label = html.escape(f"{i}: {self._status[i].lower()} {self._ids[i]}", quote=True)
                inner = (f'<img src="{html.escape(src, quote=True)}" alt="{i}" loading="lazy" '
                         'style="width:96px;height:54px;object-fit:cover">' if src else
                         f'<span style="display:block;width:96px;height:54px;font-size:10px;overflow:hidden">{label}</span>')
                cells.append(f'<a href="{html.escape(href, quote=True)}" target="_blank" title="{label}">{inner}</a>'
                             if href else f'<span title="{label}">{inner}</span>')
        body = (f'<div><p style="margin:2px 0">{html.escape(line)}</p><div style="display:flex;flex-wrap:wrap;'
                f'gap:4px">{"".join(cells)}</div></div>')
        return StaticResult(body, line)

    def __repr__(self) -> str:
        return f"BatchView({summary_text(self.summary_state())})"


def summary_text(summary: dict) -> str:
    """'batch of 500: 120 succeeded, 3 failed, 377 queued; 960 credits spent, 3016 to come', one line."""
    counts = ", ".join(f"{n} {s.lower() if s != 'THROTTLED' else 'queued at Runway'}"
                       for s, n in summary["counts"].items())
    return (f"batch of {summary['total']}: {counts}; {summary['spent_credits']:g} credits spent, "
            f"{summary['to_come_credits']:g} to come")
