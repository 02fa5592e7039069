"""What %runway does, as plain functions over a Session. No IPython here: tests call these directly.

The magics (magics.py) parse a line into a Request (magic_args.py), call one function here, and
only decide how to show what comes back.
"""

from __future__ import annotations

import os
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from traitlets import Bool, Enum, Float, Unicode
from traitlets.config import Configurable

from . import catalog, render
from .catalog import overlay
from .magic_models import ArgsError
from .magic_request import Request, problem_text
from .render import Table, credits_text

TERMINAL = ("SUCCEEDED", "FAILED", "CANCELLED")
SANDBOX_BADGE = render.SANDBOX_BADGE


class BudgetExceeded(ArgsError):
    """The task would take the session past its budget: refused before anything is sent."""


class RunwaySettings(Configurable):
    """The settings the actions read, held once: magics.Runway is one of these (so `%config Runway.budget
    = 200` sets them), and a Session reads them from it; without IPython, make one: Settings(budget=200)."""

    output_folder = Unicode("runway_outputs", help="where outputs are saved (relative to the notebook)"
                            ).tag(config=True)
    budget = Float(None, allow_none=True, help="refuse tasks that would take the session past this many "
                   "credits (None: no limit)").tag(config=True)
    timeout = Float(600.0, allow_none=True, help="seconds to wait before detaching (it keeps running)"
                    ).tag(config=True)
    sandbox = Enum(("auto", "on", "off"), "auto", help="auto: the local sandbox when no RUNWAYML_API_SECRET "
                   "is set; on: always the sandbox; off: always the real API").tag(config=True)
    journal = Bool(True, help="record every task in .runway/ so runway_nb.resume() can recover it"
                   ).tag(config=True)


Settings = RunwaySettings


class Session:
    """One notebook's state: its clients (one per output folder), the tasks it started, its budget."""

    def __init__(self, settings: RunwaySettings | None = None, client: Any = None) -> None:
        self.settings = settings if settings is not None else RunwaySettings()
        self._clients: dict[str, Any] = {} if client is None else {self.settings.output_folder: client}
        self.results: dict[str, Result] = {}
        self.notes: list[str] = []  # things to tell the user once (the sandbox is in use, ...)
        self.result_factory = Result  # the magics swap in a subclass that knows how to show itself
        self.clock: Any = None  # the poller's clock (None: real time)
        self._lock = threading.Lock()

    def client(self, folder: str | None = None) -> Any:
        """The client whose journal observer stores outputs in `folder`, made on first use."""
        folder = folder or self.settings.output_folder
        with self._lock:
            if folder not in self._clients:
                self._clients[folder] = make_client(self.settings, folder, self.notes, self.clock)
            return self._clients[folder]

    def reset(self) -> None:
        """Forget the clients (the sandbox setting or the output folder changed)."""
        with self._lock:
            self._clients.clear()

    def spent(self) -> float:
        """Credits this session has committed: final costs where known, estimates while running, and
        the estimates of its batches' calls not created yet."""
        total = sum(v.batch.queued_credits() for v in list(getattr(self, "batch_views", ())))
        for r in list(self.results.values()):
            snap = r.task.snapshot()
            if snap.cost_credits is not None:
                total += snap.cost_credits
            elif snap.status not in TERMINAL:
                total += snap.estimated_credits or 0
        return total

    def track(self, task: Any, request: Any = None, folder: str | None = None) -> Result:
        """A task this session shows from now on: listed by %runway tasks, followed to its end."""
        result = self.result_factory(task, request, folder or self.settings.output_folder)
        self.results[task.id] = result
        follow(result)
        return result

    def find(self, ref: str) -> Result | None:
        """A task of this session by id or unique id prefix."""
        if ref in self.results:
            return self.results[ref]
        hits = [r for tid, r in list(self.results.items()) if tid.startswith(ref)]  # batches add from their loop
        if len(hits) > 1:
            raise ArgsError(f"{ref!r} matches {len(hits)} tasks of this session; give more of the id")
        return hits[0] if hits else None


def make_client(settings: RunwaySettings, folder: str, notes: list[str], clock: Any = None) -> Any:
    """A RunwayML client storing in `folder`, its journal on unless the settings turn it off; the sandbox
    notice becomes a note, not a warning."""
    from .client import RunwayML
    from .errors import MissingAPIKeyError, RunwayNBWarning

    sandbox = {"auto": None, "on": True, "off": False}[settings.sandbox]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RunwayNBWarning)
        try:
            client = RunwayML(sandbox=sandbox, clock=clock, journal=None if settings.journal else False,
                              outputs=folder)
        except MissingAPIKeyError as exc:
            raise ArgsError(f"{exc}\n(%runway sandbox on uses the local sandbox instead)") from None
    if client.is_sandbox and not os.environ.get("RUNWAYML_API_SECRET"):
        notes.append(f"{SANDBOX_BADGE}: no RUNWAYML_API_SECRET is set, so the local sandbox at "
                     f"{client.base_url} is in use meanwhile (free, synthetic media). For real Runway: "
                     "%env RUNWAYML_API_SECRET=key_...  then  %runway sandbox off")
    else:
        notes += [str(w.message) for w in caught if issubclass(w.category, RunwayNBWarning)]
    return client


class Result:
    """What %runway returns: the task handle, plus the files its outputs were saved to.

    Attributes the task has (status, output, outputs, wait, cancel, ...) are read through to it.
    """

    def __init__(self, task: Any, request: Request | None = None, folder: str | None = None) -> None:
        self.task, self.request, self.folder = task, request, folder
        self.files: list[Path] = []
        self.message: str | None = None  # why it stopped waiting: failure, detach, timeout
        self.detached = False
        self.done = threading.Event()  # set when the task ended and its files are known
        self.listeners: list = []  # called with a snapshot on every change (the magics' views)
        self._finishing = False
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name == "task":
            raise AttributeError(name)
        return getattr(self.task, name)

    @property
    def sandbox(self) -> bool:
        return bool(self.task.snapshot().sandbox)

    def summary(self) -> str:
        """One line: id, model, status, credits, and the badge when the outputs are synthetic."""
        s = self.task.snapshot()
        parts = [s.id, s.model or _made_by(s.endpoint), s.status if s.status != "RUNNING" else f"RUNNING {s.progress:.0%}"]
        credits = s.cost_credits if s.cost_credits is not None else s.estimated_credits
        if credits is not None:
            parts.append(credits_text(credits) + ("" if s.cost_credits is not None else " (estimate)"))
        if s.sandbox:
            parts.append(f"[{SANDBOX_BADGE}]")
        return " · ".join(parts)

    def __repr__(self) -> str:
        lines = [self.summary()]
        lines += [f"  {os.path.relpath(p)}" for p in self.files]
        if self.message:
            lines.append(f"  {self.message}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """Plain HTML players with relative paths (render.result_html), so a saved notebook still plays
        them without a kernel; the summary (with the sandbox badge) above them."""
        s = self.task.snapshot()
        entries = [render.file_entry(p, task_id=s.id, model=s.model, prompt=s.prompt, sandbox=s.sandbox,
                                     cost_credits=s.cost_credits) for p in self.files]
        notes = [] if entries else [s.prompt or "", "no stored files" if s.status == "SUCCEEDED" else ""]
        return render.result_html(entries, self.summary(), notes=[*notes, self.message or ""],
                                  height=render.PLAYER_HEIGHT, task_id=s.id)


def _made_by(endpoint: str | None) -> str:
    """What started a task that names no model: "workflow wf_1", "product-ad" (a recipe)."""
    parts = (endpoint or "").strip("/").split("/")
    if len(parts) == 3 and parts[1] == "workflows":
        return f"workflow {parts[2]}"
    return parts[-1].replace("_", "-") if parts[-1] else "?"


# -- generation ----------------------------------------------------------------------------------
@dataclass
class Cost:
    """What `%runway cost` shows: a request's plan (runway_nb.plan), its price and problems, nothing sent."""

    request: Request
    plan: Any

    @property
    def body(self) -> dict:
        """The wire body as checked and priced (local inputs as placeholder URLs)."""
        return self.plan.preview

    @property
    def estimate(self) -> Any:
        return self.plan.estimate

    @property
    def credits(self) -> int | None:
        return self.plan.credits

    @property
    def problems(self) -> list[str]:
        """The problems in the magic's terms: the option, then the full sentence."""
        return [problem_text(p) for p in self.plan.problems]

    def __repr__(self) -> str:
        what = f"{self.request.model or self.request.sub} {self.request.resource.replace('_', '-')}"
        if self.estimate is None:
            text = f"{what}: price {overlay.NO_PRICE}"
        else:
            e = self.estimate
            text = f"{what}: {credits_text(e.credits, e.dollars)} = {e.basis}"
        return "\n".join([text, *(f"  problem: {p}" for p in self.problems),
                          *(f"  advice: {a}" for a in self.plan.advice)])


def plan(req: Request) -> Cost:
    """Validate and price a request locally: the very plan submit() would send."""
    return Cost(req, req.plan())


def submit(session: Session, req: Request) -> Result:
    """Plan (one check, one price), budget, then create the task: one POST, or nothing when anything is wrong."""
    from .errors import ValidationError

    p = plan(req)
    if p.problems:
        raise ArgsError("\n".join(p.problems))
    check_budget(session, p.credits, f"{req.model or req.sub}")
    folder = req.out or session.settings.output_folder
    client = session.client(folder)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            task = client._create(p.plan)  # the wire body as planned: no keywords to translate back
        except ValidationError as exc:  # a local input, judged from its bytes
            raise ArgsError("\n".join(problem_text(q) for q in exc.problems)) from None
        finally:  # told even when the API refuses (a model newer than the catalog: the server decided)
            session.notes += [f"note: {w.message}" for w in caught if "sandbox" not in str(w.message)]
    return session.track(task, req, folder)


def check_budget(session: Session, credits: float | None, what: str) -> None:
    """Refuse what could take the session past its budget: a known price over it, or an unknown price
    while a budget is set (never exceeded silently)."""
    budget = session.settings.budget
    if budget is None:
        return
    if credits is None:
        raise BudgetExceeded(f"refused: the cost of {what} is unknown and a budget of {budget:g} "
                             "credits is set (%runway budget off lifts it)")
    spent = session.spent()
    if spent + credits > budget:
        raise BudgetExceeded(f"refused: this {what} task costs {credits:g} credits and the session "
                             f"has spent {spent:g} of its {budget:g} credit budget "
                             f"(%runway budget {spent + credits:g} or more would allow it)")


def follow(result: Result) -> None:
    """Keep the task polled to its end (even after a detach) and collect its files when it ends."""
    def changed(snap: Any) -> None:
        for listener in list(result.listeners):
            listener(snap)
        if snap.status in TERMINAL:
            with result._lock:
                if result._finishing:
                    return
                result._finishing = True
            threading.Thread(target=finish, args=(result,), daemon=True, name="runway_nb-finish").start()

    if result.task.snapshot().status not in TERMINAL:
        result.task.on_change(changed)
    snap = result.task.snapshot()
    if snap.status in TERMINAL:  # it ended before (or while) we subscribed: no change will come
        changed(snap)


def finish(result: Result) -> None:
    """Store a succeeded task's outputs (the journal observer has usually started already); then notify."""
    try:
        if result.task.status == "SUCCEEDED" and not result.files and result.task.outputs:
            result.files = store_outputs(result)  # (a workflow's nodes may all end without output)
        elif result.task.status == "FAILED" and not result.message:
            result.message = f"failed: {result.task.failure} ({result.task.failure_code or 'no code'})"
    except Exception as exc:  # the task itself is fine; only the copy on disk is missing
        result.message = f"outputs not stored ({type(exc).__name__}: {exc}); runway_nb.resume() retries"
    finally:
        result.done.set()
        for listener in list(result.listeners):
            listener(result.task.snapshot())


def store_outputs(result: Result) -> list[Path]:
    """The task's stored outputs: the journal's observer stores them (once, whoever asks first; without
    a journal it stores and records nothing); this waits for it."""
    from .observer import STORE_TIMEOUT, storer

    job = storer(result.task, result.folder).store(result.task, result.folder)
    return [Path(p) for p in job.result(STORE_TIMEOUT)]


def wait(result: Result, timeout: float | None) -> str:
    """Block until the task ends: 'done', 'failed', or 'detached' (Ctrl-C or timeout; it keeps running)."""
    from .errors import TaskError, TaskTimeoutError

    try:
        result.task.wait(timeout=timeout)
    except KeyboardInterrupt:
        return detach(result, "interrupted")
    except TaskTimeoutError:
        return detach(result, f"still running after {timeout:g} s")
    except TaskError as exc:
        result.message = str(exc)
    try:
        result.done.wait(timeout=(timeout or 600) + 60)
    except KeyboardInterrupt:
        return detach(result, "interrupted while saving the outputs")
    return "done" if result.task.status == "SUCCEEDED" else "failed"


def detach(result: Result, why: str) -> str:
    result.detached = True
    tid = result.task.id
    result.message = (f"{why}: detached from task {tid}; it keeps running and is followed in the background "
                      f"(%runway status {tid[:8]} · %runway cancel {tid[:8]})")
    return "detached"


# -- looking and managing ------------------------------------------------------------------------
def tasks_table(session: Session) -> Table:
    rows = []
    for r in list(session.results.values()):  # a batch adds its tasks from the polling loop meanwhile
        s = r.task.snapshot()
        credits = s.cost_credits if s.cost_credits is not None else s.estimated_credits
        rows.append({"id": s.id, "model": s.model, "status": s.status, "progress": f"{s.progress:.0%}",
                     "credits": credits, "elapsed": f"{s.elapsed:.0f} s", "prompt": (s.prompt or "")[:40],
                     "files": ", ".join(os.path.relpath(p) for p in r.files)})
    title = f"{len(rows)} task(s) this session, {session.spent():g} credits"
    if session.settings.budget is not None:
        title += f" of a {session.settings.budget:g} credit budget"
    return Table(rows, ("id", "model", "status", "progress", "credits", "elapsed", "prompt", "files"), title)


def lookup(session: Session, ref: str) -> Result:
    """A session task, or any task or workflow invocation on the account by full id (retrieved and
    followed from now on)."""
    found = session.find(ref)
    if found is not None:
        return found
    from .errors import NotFoundError

    client = session.client()
    try:
        task = client.tasks.retrieve(ref)
    except NotFoundError:
        try:  # a workflow run's invocation is followed at its own path
            task = client.workflow_invocations.retrieve(ref)
        except NotFoundError:
            raise ArgsError(f"no task {ref!r}: not one of this session's, and the API does not know it") from None
    result = session.track(task)
    if task.status in TERMINAL:
        result.done.wait(60)  # a finished task: show it with its stored files
    return result


def status(session: Session, ref: str) -> Result:
    result = lookup(session, ref)
    if result.task.status not in TERMINAL:
        result.task.refresh()
    return result


def cancel(session: Session, ref: str) -> str:
    result = lookup(session, ref)
    before = result.task.status
    if before in TERMINAL:
        return f"task {result.task.id} already {before}; nothing to cancel (%runway delete removes it)"
    if not result.task.cancel():  # it had finished on Runway's side since this kernel last looked
        return f"task {result.task.id} already {result.task.status}; left alone (%runway delete removes it)"
    return f"cancelled task {result.task.id} (was {before})"


def delete(session: Session, ref: str) -> str:
    found = session.find(ref)
    if found is None:
        session.client().tasks.delete(ref)
        return f"deleted task {ref}"
    found.task.delete()
    return f"deleted task {found.task.id} on the service (local files stay: {len(found.files)})"


class Credits(int):
    """The organization's balance: an int that prints with dollars and where it came from."""

    sandbox = False

    def __repr__(self) -> str:
        where = f" [{SANDBOX_BADGE}]" if self.sandbox else ""
        return credits_text(int(self), int(self) * catalog.CREDIT_DOLLARS) + where

    def _repr_pretty_(self, p, cycle) -> None:
        p.text(repr(self))


def credits(session: Session) -> Credits:
    client = session.client()
    value = Credits(client.organization.retrieve().credit_balance)
    value.sandbox = client.is_sandbox
    return value


def history_table(model: str | None = None, status: str | None = None, since: str | None = None,
                  limit: int = 20, kind: str | None = None, text: str | None = None, provider: str | None = None,
                  page: int = 1, operation: str | None = None) -> Any:
    from .recovery import history

    return history(model=model, kind=kind, text=text, status=status.upper() if status else None, since=since,
                   provider=provider, operation=operation, limit=limit, page=page)


def resume_tasks(session: Session) -> Any:
    from .recovery import resume

    return resume(session.client(), outputs=session.settings.output_folder, timeout=session.settings.timeout)
