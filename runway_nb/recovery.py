"""Recovery and recall over the journal: resume() recovers what a dead kernel left; history(), costs()
and open_result() look back over past tasks. The package names them (`runway_nb.resume()`, ...).

Storing goes through the journal's observer (observer.py), the one thing that stores outputs.
"""

from __future__ import annotations

import html
import logging
import os
import socket
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from . import errors, store
from .catalog import overlay
from .errors import task_field
from .invocations import core_class, is_run
from .journal import Journal
from .observer import STORE_TIMEOUT, JournalObserver, observer_for, open_journal
from .render import Table
from .store import StoredResult

__all__ = ["resume", "ResumeReport", "Recovered", "history", "History", "costs", "Costs", "open_result"]

log = logging.getLogger("runway_nb.journal")


# -- resume -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Recovered:
    """What resume() did with one task. outcome: stored, failed, cancelled, gone, running, skipped, error."""

    task_id: str
    model: str | None
    outcome: str
    paths: tuple[Path, ...] = ()
    message: str = ""


class _Table(Table):
    """The journal's tables (resume report, history, costs): render.Table with wider cells."""

    width = 60


class ResumeReport(_Table):
    """What resume() recovered, one Recovered per task; prints a one-line summary first."""

    columns = ("task_id", "model", "outcome", "files", "message")

    def _cells(self, r: Recovered) -> list[str]:
        files = ", ".join(os.path.relpath(p) for p in r.paths)
        return [r.task_id, r.model or "", r.outcome, files, r.message]

    def outcome(self, name: str) -> list[Recovered]:
        return [r for r in self if r.outcome == name]

    @property
    def stored(self) -> list[Recovered]:
        return self.outcome("stored")

    @property
    def gone(self) -> list[Recovered]:
        return self.outcome("gone")

    def summary(self) -> str:
        if not self:
            return "resume: nothing to recover"
        counts: dict[str, int] = {}
        for r in self:
            counts[r.outcome] = counts.get(r.outcome, 0) + 1
        files = sum(len(r.paths) for r in self)
        text = ", ".join(f"{n} {k}" for k, n in counts.items())
        return f"resume: {len(self)} task(s): {text}; {files} file(s) stored"

    def __repr__(self) -> str:
        return self.summary() + ("\n" + super().__repr__() if self else "")

    def _repr_html_(self) -> str:
        return f"<div>{html.escape(self.summary())}</div>" + (super()._repr_html_() if self else "")


def _norm(url: Any) -> str | None:
    return str(url).rstrip("/") if url else None


def _is_404(exc: BaseException) -> bool:
    return getattr(exc, "status_code", None) == 404 or getattr(getattr(exc, "response", None),
                                                                "status_code", None) == 404


def _stopped(base_url: str) -> bool:
    """Nothing listens at this (loopback) address any more."""
    parts = urlsplit(base_url)
    try:
        with socket.create_connection((parts.hostname, parts.port or 80), timeout=2.0):
            return False
    except ConnectionRefusedError:
        return True
    except OSError:
        return False


def _keeper(client: Any, jr: Journal, folder: Any) -> JournalObserver:
    """The client's own observer when it records into this journal, else this journal's for `folder`."""
    for obs in getattr(getattr(client, "_core", None), "observers", ()):
        if isinstance(obs, JournalObserver) and obs.journal is jr:
            return obs
    return observer_for(jr, folder)


def _recover(row: dict, client: Any, jr: Journal, outputs: Any, timeout: float | None) -> Recovered:
    tid, model = row["id"], row.get("model")
    folder = outputs or row.get("folder") or store.DEFAULT_FOLDER
    keeper = _keeper(client, jr, folder)
    if row.get("status") == "SUCCEEDED" and row.get("output"):
        try:  # the recorded URLs first: no API call while they are fresh (fetch asks for fresh ones once)
            core = core_class(row.get("endpoint")).from_wire(
                client.http, {"id": tid, "status": "SUCCEEDED", "output": row["output"]},
                model=model, endpoint=row.get("endpoint"), sandbox=bool(row.get("sandbox")))
            paths = keeper.store(core, folder).result(STORE_TIMEOUT)
            return Recovered(tid, model, "stored", tuple(paths))
        except Exception as exc:
            log.info("stored URLs of %s did not work (%s); retrieving the task", tid, exc)
    try:
        retrieve = client.workflow_invocations.retrieve if is_run(row.get("endpoint")) else client.tasks.retrieve
        task = retrieve(tid)
        if task_field(task, "status") not in ("SUCCEEDED", "FAILED", "CANCELLED"):
            try:
                task.wait(timeout=timeout)
            except Exception as exc:
                if _is_404(exc):
                    raise
        snapshot = task.snapshot() if hasattr(task, "snapshot") else task
        jr.record_status(snapshot)
        status = task_field(task, "status")
        if status == "SUCCEEDED":
            paths = keeper.store(task, folder).result(STORE_TIMEOUT)
            return Recovered(tid, model, "stored", tuple(paths))
        if status == "FAILED":
            failure = f"{task_field(task, 'failure') or ''} ({task_field(task, 'failure_code') or 'no code'})"
            return Recovered(tid, model, "failed", message=failure.strip())
        if status == "CANCELLED":
            return Recovered(tid, model, "cancelled")
        return Recovered(tid, model, "running", message=f"still {status} after {timeout} s; resume() again later")
    except Exception as exc:
        if _is_404(exc):
            note = "the API no longer has this task (404): deleted, or made with another key"
            jr.mark_gone(tid, note)
            return Recovered(tid, model, "gone", message=note)
        jr.record_store_error(tid, f"{type(exc).__name__}: {exc}")
        return Recovered(tid, model, "error", message=f"{type(exc).__name__}: {exc}")


def resume(client: Any = None, *, journal: Any = None, outputs: str | os.PathLike | None = None,
           timeout: float | None = 600.0, workers: int = 8) -> ResumeReport:
    """Pick up every task the journal shows unfinished or not yet stored: re-attach, follow it to the end,
    store its outputs. Quiet; returns a ResumeReport. Tasks made against another server are left alone."""
    jr = open_journal(journal)
    rows = jr.unfinished()
    if not rows:
        return ResumeReport()
    if client is None:
        from .client import RunwayML

        client = RunwayML()
    here = _norm(getattr(client, "base_url", None))
    todo, report = [], ResumeReport()
    for row in rows:
        there = _norm(row.get("base_url"))
        if here and there and there != here:
            if row.get("sandbox") and _stopped(there):  # a sandbox dies with its kernel, and its tasks
                jr.mark_gone(row["id"], f"the sandbox that made it ({there}) has stopped")
                report.append(Recovered(row["id"], row.get("model"), "gone", message="its sandbox has stopped"))
            else:
                report.append(Recovered(row["id"], row.get("model"), "skipped", message=f"made against {there}"))
        else:
            todo.append(row)
    if todo:
        with ThreadPoolExecutor(max(1, min(workers, len(todo))), thread_name_prefix="runway_nb-resume") as pool:
            report[:0] = pool.map(lambda r: _recover(r, client, jr, outputs, timeout), todo)
    return report


# -- history ------------------------------------------------------------------------------------
class History(_Table):
    """Past tasks (journal rows), newest first; .open(i or id) shows one again, .next() the next page."""

    columns = ("id", "created", "model", "status", "credits", "prompt", "files")

    def __init__(self, rows: Any = (), journal: Any = None, filters: dict | None = None,
                 limit: int | None = None, number: int = 1) -> None:
        super().__init__(rows)
        self._journal, self._filters, self._limit, self.number = journal, dict(filters or {}), limit, number
        if journal is not None and limit is not None:
            self.title = f"page {number} · {journal.count_matching(**self._filters)} matching task(s)"

    def next(self) -> History:
        """The page after this one (empty past the last), with the same search."""
        if self._journal is None or self._limit is None:
            return History([])
        rows = self._journal.history(limit=self._limit, before=self._journal.page_cursor(self),
                                     **self._filters) if self else []
        return History(rows, self._journal, self._filters, self._limit, self.number + 1)

    def _cells(self, row: dict) -> list[str]:
        cost = row.get("cost_credits") if row.get("cost_credits") is not None else row.get("estimate_credits")
        when = datetime.fromtimestamp(row["created_at"]).strftime("%Y-%m-%d %H:%M") if row.get("created_at") else ""
        return [row["id"], when, row.get("model") or "", row.get("status") or "",
                "" if cost is None else f"{cost:g}", (row.get("prompt") or "")[:60], str(len(row.get("stored") or []))]

    def open(self, which: int | str) -> StoredResult:
        if isinstance(which, int):
            return _result(self[which])
        rows = [r for r in self if r["id"].startswith(which)]
        if len(rows) != 1:
            raise errors.ResultNotFoundError(f"{len(rows) or 'no'} task(s) in this table match {which!r}"
                                             + ("; give more of the id" if rows else ""))
        return _result(rows[0])


class Costs(_Table):
    """Credits per day, model or kind; .total sums them."""

    def __init__(self, rows: list[dict], by: str) -> None:
        super().__init__(rows)
        self.columns = (by, "tasks", "credits", "dollars", "pending")

    @property
    def total(self) -> float:
        return sum(r["credits"] or 0 for r in self)


def history(*, model: Any = None, kind: Any = None, status: Any = None, text: str | None = None,
            since: Any = None, until: Any = None, source: str | None = None, provider: str | None = None,
            limit: int | None = 200, page: int = 1, journal: Any = None) -> History:
    """Past tasks, newest first, searched over the whole journal (the gallery's search): model, kind,
    status, provider, text in the prompt (any case), date range; `limit` rows a page, `page` from 1.
    The table's .next() is the page after it."""
    jr = open_journal(journal)
    filters = {"model": model, "kind": kind, "status": status, "text": text, "since": since, "until": until,
               "source": source}
    if provider:
        chosen = [m for m in ([model] if isinstance(model, str) else model or jr.models())
                  if overlay.provider(m) == provider]
        filters["model"] = chosen or ["(none)"]
    table = History(jr.history(limit=limit, **filters), jr, filters, limit)
    for _ in range(max(1, int(page)) - 1):
        table = table.next()
    return table


def costs(by: str = "day", *, journal: Any = None, **filters: Any) -> Costs:
    """Credits spent per day, model or kind (same filters as history())."""
    return Costs(open_journal(journal).costs(by=by, **filters), by)


def _result(row: dict) -> StoredResult:
    files = [Path(p) for p in row.get("stored") or [] if Path(p).is_file()]
    if not files and row.get("status") == "SUCCEEDED":
        files = store.stored(row["id"], row.get("folder") or store.DEFAULT_FOLDER)
    return StoredResult(row, files)


def open_result(task_id: str, *, journal: Any = None) -> StoredResult:
    """A past task as a result object that displays its stored files again (a unique id prefix is enough)."""
    jr = open_journal(journal)
    row = jr.get(task_id)
    if row is None:
        matches = jr.find(task_id)
        if len(matches) != 1:
            raise errors.ResultNotFoundError(f"{len(matches) or 'no'} task(s) in {jr.path} match {task_id!r}"
                           + ("; give more of the id" if matches else ""))
        row = jr.get(matches[0])
    return _result(row)
