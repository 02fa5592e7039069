"""Recovery and recall, over the journal and the store: `runway_nb.resume()` recovers what a dead
kernel left (this module is itself callable: see the end of the file).

JournalObserver records live tasks through TaskCore's observer hook and stores outputs the moment a
task succeeds; resume() picks up whatever a dead kernel left behind; history(), costs() and
open_result() look back over past tasks.
"""

from __future__ import annotations

import html
import inspect
import logging
import os
import sys
import threading
import types
import warnings
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from runway_nb import store
from runway_nb.errors import task_field
from runway_nb.journal import Journal, default_home, enabled
from runway_nb.render import Table
from runway_nb.store import StoredResult

__all__ = ["JournalObserver", "journal_observer", "open_journal", "close_all", "resume", "ResumeReport", "Recovered",
           "history", "History", "costs", "Costs", "open_result"]

log = logging.getLogger("runway_nb.journal")
_guard = threading.Lock()
_journals: dict[str, Journal] = {}
_observers: dict[tuple, JournalObserver] = {}


def detect_source() -> str | None:
    """The notebook or script a task came from, when the environment tells (else None)."""
    name = os.environ.get("JPY_SESSION_NAME")
    if name:
        return name
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None
    if shell is not None:
        vsc = getattr(shell, "user_ns", {}).get("__vsc_ipynb_file__")
        if vsc:
            return str(vsc)
    argv0 = sys.argv[0] if sys.argv else ""
    if argv0 and argv0 != "-c" and "ipykernel" not in argv0:
        return os.path.abspath(argv0)
    return None


def open_journal(journal: Journal | str | os.PathLike | None = None) -> Journal:
    """The process's Journal for a folder or file (default: RUNWAY_NB_HOME or ./.runway), opened once."""
    if isinstance(journal, Journal):
        return journal
    key = str(Path(journal).expanduser().resolve()) if journal not in (None, True) else str(default_home())
    with _guard:
        if key not in _journals:
            _journals[key] = Journal(key)
        return _journals[key]


class JournalObserver:
    """TaskCore's observer: journal writes inline (a few hundred microseconds), downloads on a worker
    thread so the polling loop never waits for the network."""

    def __init__(self, journal: Journal, outputs: str | os.PathLike | None = None, *, download: bool = True,
                 client: Any = None, workers: int = 2) -> None:
        self.journal = journal
        self.outputs = outputs if outputs is not None else store.DEFAULT_FOLDER
        self.download = download
        self._client = client  # an httpx.Client for downloads (tests pass one with a mock transport)
        self._workers = workers
        self._pool: ThreadPoolExecutor | None = None
        self._futures: dict[str, Future] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"JournalObserver({self.journal!r}, outputs={str(self.outputs)!r})"

    def on_created(self, core: Any) -> None:
        """Write the task down before the first poll: from here on a crash cannot lose it."""
        try:
            estimate = task_field(core, "estimate")
            credits = estimate if isinstance(estimate, (int, float)) else task_field(estimate, "credits")
            self.journal.record_created(
                task_field(core, "id", "task_id"), task_field(core, "endpoint"), task_field(core, "model"),
                task_field(core, "body"),
                credits, detect_source(), base_url=task_field(task_field(core, "http"), "base_url"),
                sandbox=bool(task_field(core, "sandbox")), folder=Path(self.outputs).resolve())
        except Exception as exc:  # the journal must never break a generation
            log.warning("runway_nb could not journal task %s: %s", task_field(core, "id", "task_id"), exc)

    def on_adopted(self, core: Any) -> None:
        """A task retrieved by id that this journal may never have seen created: recorded with what is
        known (a row already there is kept), then its status. Outputs of a task that had already
        succeeded are not fetched here (resume() stores them); one seen succeeding later is stored."""
        task_id = task_field(core, "id", "task_id")
        try:
            created = task_field(core, "created_at")
            self.journal.record_adopted(
                task_id, task_field(core, "endpoint"), task_field(core, "model"), source=detect_source(),
                base_url=task_field(task_field(core, "http"), "base_url"), sandbox=bool(task_field(core, "sandbox")),
                folder=Path(self.outputs).resolve(), created_at=created.timestamp() if created else None)
            self.journal.record_status(core.snapshot())
        except Exception as exc:  # the journal must never break a retrieve
            log.warning("runway_nb could not journal task %s: %s", task_id, exc)

    def on_change(self, snapshot: Any) -> None:
        """Record a real change; on SUCCEEDED start downloading the outputs at once."""
        try:
            self.journal.record_status(snapshot)
        except Exception as exc:
            log.warning("runway_nb could not journal a status of %s: %s", task_field(snapshot, "id"), exc)
        if self.download and task_field(snapshot, "status") == "SUCCEEDED" and task_field(snapshot, "output"):
            self._submit(task_field(snapshot, "id"), [str(u) for u in task_field(snapshot, "output")])

    def _submit(self, task_id: str, urls: list[str]) -> None:
        with self._lock:
            running = self._futures.get(task_id)
            if running is not None and (not running.done() or running.exception() is None):
                return
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="runway_nb-store")
            try:
                self._futures[task_id] = self._pool.submit(self._store, task_id, urls)
            except RuntimeError:  # interpreter shutting down: resume() will fetch it next time
                log.warning("runway_nb could not start storing %s; run runway_nb.resume() later", task_id)

    def _store(self, task_id: str, urls: list[str]) -> list[Path]:
        try:
            row = self.journal.get(task_id) or {}
        except Exception:
            row = {}
        folder = row.get("folder") or self.outputs
        try:
            paths = store.save_outputs({"id": task_id, "output": urls}, folder, record=row or None,
                                       client=self._client)
        except Exception as exc:
            log.warning("runway_nb could not store the outputs of %s (%s); runway_nb.resume() will retry",
                        task_id, exc)
            self.journal.record_store_error(task_id, f"{type(exc).__name__}: {exc}")
            raise
        self.journal.record_outputs(task_id, paths)
        return paths

    def wait_stored(self, task_id: str | None = None, timeout: float | None = None) -> Any:
        """The stored paths of one task (or {id: paths} of all) once their downloads end; raises their error."""
        if task_id is not None:
            future = self._futures.get(task_id)
            return future.result(timeout) if future else []
        return {tid: f.result(timeout) for tid, f in list(self._futures.items())}

    def close(self) -> None:
        """Let downloads in flight finish, then end the worker threads (a later success starts new ones)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)


def close_all() -> None:
    """Finish the downloads in flight and close every journal this process opened. For long-lived
    processes that switch projects (a test run gives each test its own folder); the next task
    opens what it needs again."""
    with _guard:
        observers, journals = list(_observers.values()), list(_journals.values())
        _observers.clear()
        _journals.clear()
    for observer in observers:
        observer.close()
    for journal in journals:
        journal.close()


def journal_observer(journal: Any = None, outputs: str | os.PathLike | None = None) -> JournalObserver | None:
    """The observer every face attaches to its tasks, or None when journaling is off
    (journal=False or RUNWAY_NB_JOURNAL=0). One per journal and outputs folder per process."""
    if isinstance(journal, JournalObserver):
        return journal
    if not enabled(journal):
        return None
    try:
        jr = open_journal(journal if journal is not True else None)
    except Exception as exc:
        warnings.warn(f"runway_nb: the task journal is off, it could not be opened ({exc}); tasks will "
                      "not be recoverable after a crash", RuntimeWarning, stacklevel=2)
        return None
    key = (str(jr.path), str(outputs or store.DEFAULT_FOLDER))
    with _guard:
        if key not in _observers:
            _observers[key] = JournalObserver(jr, outputs)
        return _observers[key]


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
    import httpx

    try:
        httpx.get(base_url + "/v1/organization", timeout=2.0)
    except httpx.ConnectError:
        return True
    except httpx.HTTPError:
        pass
    return False


def _recover(row: dict, client: Any, jr: Journal, outputs: Any, timeout: float | None) -> Recovered:
    tid, model = row["id"], row.get("model")
    folder = outputs or row.get("folder") or store.DEFAULT_FOLDER
    if row.get("status") == "SUCCEEDED" and row.get("output"):
        try:  # the recorded URLs first: no API call needed while they are fresh
            paths = store.save_outputs(row, folder, record=jr.get(tid))
            jr.record_outputs(tid, paths)
            return Recovered(tid, model, "stored", tuple(paths))
        except Exception as exc:
            log.info("stored URLs of %s did not work (%s); fetching fresh ones", tid, exc)
    try:
        task = client.tasks.retrieve(tid)
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
            paths = store.save_outputs(task, folder, record=jr.get(tid))
            jr.record_outputs(tid, paths)
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
        from runway_nb.client import RunwayML

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
    """Past tasks (journal rows), newest first; .open(i or id) shows one again."""

    columns = ("id", "created", "model", "status", "credits", "prompt", "files")

    def _cells(self, row: dict) -> list[str]:
        cost = row.get("cost_credits") if row.get("cost_credits") is not None else row.get("estimate_credits")
        when = datetime.fromtimestamp(row["created_at"]).strftime("%Y-%m-%d %H:%M") if row.get("created_at") else ""
        return [row["id"], when, row.get("model") or "", row.get("status") or "",
                "" if cost is None else f"{cost:g}", (row.get("prompt") or "")[:60], str(len(row.get("stored") or []))]

    def open(self, which: int | str) -> StoredResult:
        row = self[which] if isinstance(which, int) else next(r for r in self if r["id"].startswith(which))
        return _result(row)


class Costs(_Table):
    """Credits per day, model or kind; .total sums them."""

    def __init__(self, rows: list[dict], by: str) -> None:
        super().__init__(rows)
        self.columns = (by, "tasks", "credits", "dollars", "pending")

    @property
    def total(self) -> float:
        return sum(r["credits"] or 0 for r in self)


def history(*, model: Any = None, kind: Any = None, status: Any = None, text: str | None = None,
            since: Any = None, until: Any = None, source: str | None = None, limit: int | None = 200,
            journal: Any = None) -> History:
    """Past tasks, newest first, filtered by model, kind, status, text in the prompt and date range."""
    return History(open_journal(journal).history(model=model, kind=kind, status=status, text=text,
                                                 since=since, until=until, source=source, limit=limit))


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
            raise KeyError(f"{len(matches) or 'no'} task(s) in {jr.path} match {task_id!r}"
                           + ("; give more of the id" if matches else ""))
        row = jr.get(matches[0])
    return _result(row)


class _CallableModule(types.ModuleType):
    """Calling the module calls resume()."""

    def __call__(self, *args: Any, **kwargs: Any) -> ResumeReport:
        return _resume(*args, **kwargs)


# `runway_nb.resume` names both this module and its main function, and which one an import leaves on
# the package depends on import order. So the two are made one object: the module is callable, and
# its `resume` is itself. `runway_nb.resume()`, `runway_nb.resume.history()` and
# `from runway_nb.resume import resume` then all work, in any order.
_resume = resume
__signature__ = inspect.signature(_resume)
sys.modules[__name__].__class__ = _CallableModule
resume = sys.modules[__name__]
