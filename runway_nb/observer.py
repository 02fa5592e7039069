"""The journal's observer: every task written down the moment it exists, its outputs stored the moment
it succeeds. It is the one thing that stores outputs: the widgets, the %runway results and resume()
ask it (`store(task)`) and wait on the future it hands back, so a task's files are fetched once, by
outputs.fetch (resumable, fresh URLs once), with their sidecars.

With journaling off (RUNWAY_NB_JOURNAL=0, journal=False) the faces still get their files: an observer
without a journal stores and records nothing. This module also keeps the process's journals and
observers, one per journal file and outputs folder.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import sys
import threading
import warnings
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from . import _loop, store
from .errors import task_field
from .journal import Journal, default_home, enabled

__all__ = ["JournalObserver", "journal_observer", "observer_for", "storer", "open_journal", "close_all", "detect_source",
           "STORE_TIMEOUT"]

log = logging.getLogger("runway_nb.journal")
STORE_TIMEOUT = 900.0  # seconds a face waits for a task's files before showing the API's URLs instead
_guard = threading.Lock()
_journals: dict[str, Journal] = {}
_observers: dict[tuple, JournalObserver] = {}
_jobs: dict[tuple[str, str], Future] = {}  # (folder, task id) -> its store job: one at a time per process
_exit_hook = False


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
    """TaskCore's observer: journal writes inline (a few hundred microseconds); outputs stored by a job
    on runway_nb's own event loop (_loop), so neither the polling nor a notebook's loop waits for them,
    and a cell may block on wait_stored(). `journal=None` stores without recording."""

    def __init__(self, journal: Journal | None, outputs: str | os.PathLike | None = None, *,
                 download: bool = True) -> None:
        self.journal = journal
        self.outputs = outputs if outputs is not None else store.DEFAULT_FOLDER
        self.download = download  # store on success by itself (store() works either way)
        self._cores: dict[str, Any] = {}  # task id -> its core, until it ends (outputs are fetched through it)
        self._started: dict[str, tuple[str, str]] = {}  # task id -> key of the job started for it here
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"JournalObserver({self.journal!r}, outputs={str(self.outputs)!r})"

    # -- TaskCore's hooks (called on the task's loop; they never raise into the poller) -------------
    def on_created(self, core: Any) -> None:
        """Write the task down before the first poll: from here on a crash cannot lose it."""
        self._remember(core)
        if self.journal is None:
            return
        try:
            estimate = task_field(core, "estimate")
            credits = estimate if isinstance(estimate, (int, float)) else task_field(estimate, "credits")
            if credits is None:  # no local price: what the create call's answer said (estimatedCost)
                credits = task_field(core, "server_estimate")
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
        succeeded are not fetched here (resume() or a view asks for them); one seen succeeding later is."""
        self._remember(core)
        if self.journal is None:
            return
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
        """Record a real change; on SUCCEEDED start storing the outputs at once."""
        task_id = task_field(snapshot, "id")
        if self.journal is not None:
            try:
                self.journal.record_status(snapshot)
            except Exception as exc:
                log.warning("runway_nb could not journal a status of %s: %s", task_id, exc)
        if task_field(snapshot, "status") not in ("SUCCEEDED", "FAILED", "CANCELLED"):
            return
        with self._lock:
            core = self._cores.pop(task_id, None)
        if core is not None and self.download and task_field(snapshot, "status") == "SUCCEEDED" and core.output:
            try:
                self.store(core)
            except Exception as exc:  # a closed loop at interpreter exit: resume() fetches it next time
                log.warning("runway_nb could not start storing %s (%s); run runway_nb.resume() later", task_id, exc)

    def _remember(self, core: Any) -> None:
        """Keep the core until it ends: its outputs are fetched through it (fresh URLs too)."""
        with self._lock:
            self._cores[core.id] = core

    # -- storing ------------------------------------------------------------------------------------
    def store(self, task: Any, folder: str | os.PathLike | None = None) -> Future:
        """Store a succeeded task's outputs (Task, AsyncTask or TaskCore) with their sidecars; the future
        gives their paths. One job per task and folder in the process: a second call while it runs, or
        after it succeeded, gets the same future; after a failure it starts again. `folder` defaults to
        the one the journal recorded for the task, else this observer's."""
        core = getattr(task, "_core", task)
        row = self._row(core.id)
        folder = Path(folder or (row or {}).get("folder") or self.outputs).expanduser().resolve()
        key = (str(folder), core.id)
        with _guard:
            job = _jobs.get(key)
            if job is None or (job.done() and (job.cancelled() or job.exception() is not None)):
                job = asyncio.run_coroutine_threadsafe(self._store(core, folder, row), _loop.get_loop())
                _jobs[key] = job
                _finish_at_exit()
        with self._lock:
            self._started[core.id] = key
        return job

    def _row(self, task_id: str) -> dict | None:
        if self.journal is None:
            return None
        try:
            return self.journal.get(task_id)
        except Exception:
            return None

    async def _store(self, core: Any, folder: Path, row: dict | None) -> list[Path]:
        row = self._row(core.id) or row  # as the journal has it now: its final cost and timings too
        try:
            paths = await store.save_outputs(core, folder, record=row)
        except Exception as exc:
            log.warning("runway_nb could not store the outputs of %s (%s); runway_nb.resume() will retry",
                        core.id, exc)
            if self.journal is not None:
                self.journal.record_store_error(core.id, f"{type(exc).__name__}: {exc}")
            raise
        recorded = (row or {}).get("folder")
        if self.journal is not None and (not recorded or Path(recorded) == folder):
            self.journal.record_outputs(core.id, paths)  # a copy in another folder leaves the record as it is
        return paths

    def wait_stored(self, task_id: str | None = None, timeout: float | None = None) -> Any:
        """The stored paths of one task (or {id: paths} of all) once storing ends; raises its error."""
        with self._lock:
            started = dict(self._started)
        if task_id is not None:
            job = _jobs.get(started[task_id]) if task_id in started else None
            return job.result(timeout) if job else []
        return {tid: _jobs[key].result(timeout) for tid, key in started.items() if key in _jobs}

    def pending(self) -> list[Future]:
        """The store jobs this observer started that have not ended."""
        with self._lock:
            keys = list(self._started.values())
        return [job for key in keys if (job := _jobs.get(key)) is not None and not job.done()]

    def close(self) -> None:
        """Let the stores in flight that this observer started finish."""
        _wait(self.pending())


def _wait(jobs: list[Future], timeout: float | None = None) -> None:
    """Wait for store jobs (they run on runway_nb's loop: never from that loop's own thread)."""
    for job in jobs:
        if not job.done() and not _loop.in_loop_thread():
            try:
                job.result(timeout)
            except Exception:
                pass


def _finish_at_exit() -> None:
    """At interpreter exit, let downloads in flight end first (their files are what the user paid for).
    Registered when the first job starts, so it runs before an atexit hook registered earlier (the
    default sandbox's shutdown, which must outlive the downloads from it)."""
    global _exit_hook
    if not _exit_hook:
        _exit_hook = True
        atexit.register(lambda: _wait([j for j in list(_jobs.values()) if not j.done()], STORE_TIMEOUT))


def storer(task: Any, folder: str | os.PathLike | None = None) -> JournalObserver:
    """The observer that stores `task`'s outputs: its client's journal observer, else one that stores in
    `folder` without recording (journaling is off for it)."""
    core = getattr(task, "_core", task)
    for obs in getattr(core, "observers", ()):
        if isinstance(obs, JournalObserver):
            return obs
    return observer_for(None, folder)


def observer_for(journal: Journal | None, outputs: str | os.PathLike | None = None) -> JournalObserver:
    """The process's observer for a journal (None: store without recording) and an outputs folder."""
    key = (str(journal.path) if journal is not None else None, str(outputs or store.DEFAULT_FOLDER))
    with _guard:
        if key not in _observers:
            _observers[key] = JournalObserver(journal, outputs)
        return _observers[key]


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
    return observer_for(jr, outputs)


def close_all() -> None:
    """Finish the stores in flight and close every journal this process opened. For long-lived
    processes that switch projects (a test run gives each test its own folder); the next task
    opens what it needs again."""
    with _guard:
        jobs, journals = list(_jobs.values()), list(_journals.values())
        _observers.clear()
        _journals.clear()
    _wait(jobs)
    with _guard:
        for key in [k for k, j in _jobs.items() if j.done()]:
            del _jobs[key]
    for journal in journals:
        journal.close()
