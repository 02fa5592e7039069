"""Task handles: status, progress, ETA, cost, events, wait, cancel and download for one Runway task.

One TaskCore per task holds the state and does the polling on the loop its HTTP client lives on
(the background loop for the sync client, the caller's loop for the async one). Task and AsyncTask
are two faces over it that differ only in how they run a coroutine. A task nobody follows (no
wait, no events(), no on_change callback, no observer) is not polled at all.

Cost: Runway's answers carry `estimatedCost.credits` (the create call's and a waiting or running
task's) and `cost.credits` once a task ended (runwayml 5.24.0). `estimated_credits` is the catalog's
estimate, else the server's; `cost_credits` is the server's final cost when it gave one, else the
estimate once the task SUCCEEDED (and for SAFETY.INPUT failures, which are not refunded), 0 for
other failures, else None.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from . import errors, poll
from .clock import Clock, RealClock
from .outputs import Output, download
from .poll import FakeClock, Sample, poll_schedule

__all__ = ["TaskSnapshot", "TaskCore", "Task", "AsyncTask", "Output", "Clock", "RealClock", "FakeClock",
           "poll_schedule", "TERMINAL", "WAITING"]

log = logging.getLogger("runway_nb.tasks")
TERMINAL = ("SUCCEEDED", "FAILED", "CANCELLED")
WAITING = ("PENDING", "THROTTLED")
CANCELLED_HERE = ("cancelled by this client (had it finished in the instant between the last look and the "
                  "cancel, Runway deleted it and its outputs instead)")


def normalize_status(status: str | None) -> str:
    """The seed guide's CANCELED is the SDK's CANCELLED."""
    return "CANCELLED" if status == "CANCELED" else (status or "PENDING")


def _parse_time(value: Any) -> datetime | None:
    if isinstance(value, datetime) or value is None:
        return value
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


@dataclass(frozen=True)
class TaskSnapshot:
    """What widgets, magics and the journal read: one moment of a task, immutable."""

    id: str
    model: str | None
    endpoint: str | None
    prompt: str | None
    status: str
    progress: float
    created_at: datetime | None
    elapsed: float
    eta: float | None
    estimated_credits: int | None
    cost_credits: int | None
    failure: str | None
    failure_code: str | None
    output: tuple[str, ...]
    sandbox: bool

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL

    def as_dict(self) -> dict:
        data = asdict(self)
        data["created_at"] = self.created_at.isoformat() if self.created_at else None
        data["output"] = list(self.output)
        return data


def _credits(cost: Any, default: float | None) -> float | None:
    """{"credits": n} from the wire, as a whole number when it is one."""
    credits = cost.get("credits") if isinstance(cost, dict) else None
    if isinstance(credits, (int, float)) and not isinstance(credits, bool):
        return int(credits) if float(credits).is_integer() else credits
    return default


class TaskCore:
    """One task's state and its poller; shared by the sync and async faces."""

    status_path = "/v1/tasks/{}"  # where its state is read (invocations.InvocationCore: elsewhere)

    def __init__(self, http: Any, task_id: str, *, model: str | None = None, endpoint: str | None = None,
                 body: dict | None = None, estimate: Any = None, clock: Clock | None = None,
                 sandbox: bool = False, observers: Any = (), created_at: datetime | None = None,
                 notify_created: bool = True, pace: poll.Pace | None = None,
                 server_estimate: float | None = None) -> None:
        self.http, self.id, self.model, self.endpoint = http, str(task_id), model, endpoint
        self.body, self.estimate, self.sandbox = dict(body or {}), estimate, sandbox
        self.server_estimate, self.server_cost = server_estimate, None  # what Runway said (credits)
        self.clock: Clock = clock or RealClock()
        self.status, self.progress, self.output = "PENDING", 0.0, []
        self.failure: str | None = None
        self.failure_code: str | None = None
        self.raw: dict = {}
        self.saved: dict[int, Any] = {}  # output index -> Path, once downloaded by this process
        self.deleted = False  # a DELETE for it was sent from here (cancel or delete): it cannot be fetched now
        self.created_at = created_at or datetime.now(UTC)
        self._t0 = self.clock.now()
        self._finished: float | None = None
        self.samples: list[Sample] = []
        self._callbacks: list[Callable[[TaskSnapshot], Any]] = []
        self._queues: set[asyncio.Queue] = set()
        self._waiters: list[tuple[float | None, asyncio.Future]] = []
        self._server = str(getattr(http, "base_url", ""))
        self.error: BaseException | None = None  # why it FAILED on this side (fail())
        self._poller = poll.Poller(self, pace)
        if hasattr(http, "track"):
            http.track(self)  # closing the client stops this task's polling (stop())
        self.observers = list(observers)
        self._created_here = notify_created
        for obs in self.observers if notify_created else ():
            _call(getattr(obs, "on_created", None), self)
        self._ensure_poller()

    @classmethod
    def from_wire(cls, http: Any, task_json: dict, *, observers: Any = (), **kw: Any) -> TaskCore:
        """A handle for a task someone else created (tasks.retrieve, resume): its state from the GET.

        Observers get `on_adopted(core)` once that state is in (not on_created: its request is unknown
        here), so the journal records a task it never saw created; one without on_adopted gets
        `on_change(snapshot)`. From then on they follow it like any other task.
        """
        created = _parse_time(task_json.get("createdAt"))
        core = cls(http, task_json["id"], created_at=created, notify_created=False, **kw)
        if created is not None and getattr(core.clock, "realtime", True):
            core._t0 -= max(0.0, (datetime.now(UTC) - created).total_seconds())
        core._apply(task_json)
        core.observers = list(observers)
        for obs in core.observers:
            adopted = getattr(obs, "on_adopted", None)
            _call(adopted, core) if adopted is not None else _call(getattr(obs, "on_change", None), core.snapshot())
        core._ensure_poller()
        return core

    # -- state ------------------------------------------------------------------------------------
    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL

    @property
    def elapsed(self) -> float:
        return max(0.0, (self._finished if self._finished is not None else self.clock.now()) - self._t0)

    @property
    def typical(self) -> float | None:
        return poll.expected_seconds(self.model, self.endpoint, self.body, server=self._server)

    @property
    def eta(self) -> float | None:
        if self.terminal:
            return None
        end = poll.predict_end(self.samples, typical=self.typical)
        return None if end is None else max(0.0, end - self.elapsed)

    @property
    def estimated_credits(self) -> float | None:
        """The catalog's estimate, else the server's (a model no local price covers)."""
        credits = getattr(self.estimate, "credits", None)
        return credits if credits is not None else self.server_estimate

    @property
    def cost_credits(self) -> float | None:
        if self.server_cost is not None:
            return self.server_cost
        credits = self.estimated_credits
        if self.status == "SUCCEEDED" or (self.status == "FAILED" and (self.failure_code or "").startswith(
                "SAFETY.INPUT")):
            return credits
        return 0 if self.status == "FAILED" and credits is not None else None

    def snapshot(self) -> TaskSnapshot:
        return TaskSnapshot(
            id=self.id, model=self.model, endpoint=self.endpoint, prompt=self.body.get("promptText"),
            status=self.status, progress=self.progress, created_at=self.created_at, elapsed=self.elapsed,
            eta=self.eta, estimated_credits=self.estimated_credits,
            cost_credits=self.cost_credits, failure=self.failure, failure_code=self.failure_code,
            output=tuple(self.output), sandbox=self.sandbox)

    def _apply(self, wire: dict) -> None:
        """Take in one GET answer; tell everyone following if anything they show changed."""
        self.raw = dict(wire)
        self.server_estimate = _credits(wire.get("estimatedCost"), self.server_estimate)
        self.server_cost = _credits(wire.get("cost"), self.server_cost)
        before = (self.status, self.progress, tuple(self.output), self.failure, self.failure_code)
        status = normalize_status(wire.get("status"))
        if self.terminal and status != self.status:
            return  # a terminal state is final (e.g. cancelled here, stale answer in flight)
        self.status = status
        if status == "RUNNING":
            self.progress = min(1.0, max(0.0, float(wire.get("progress") or 0.0)))
        elif status == "SUCCEEDED":
            self.progress, self.output = 1.0, [str(u) for u in wire.get("output") or ()]
        elif status == "FAILED":
            self.failure, self.failure_code = wire.get("failure") or "failed", wire.get("failureCode")
        self.samples.append(Sample(self.elapsed, status, self.progress))
        if self.terminal and self._finished is None:
            self._finished = self.clock.now()
            self._learn()
        if (self.status, self.progress, tuple(self.output), self.failure, self.failure_code) != before:
            self._emit()

    def _learn(self) -> None:
        if self.status == "SUCCEEDED" and len(self.samples) >= (1 if self._created_here else 2):
            before = self.samples[-2].t if len(self.samples) >= 2 else 0.0
            poll.learn(self._server, self.typical, before, self.samples[-1].t)

    def _emit(self) -> None:
        snap = self.snapshot()
        for obs in self.observers:  # the journal first: what a view or a cell does next reads it
            _call(getattr(obs, "on_change", None), snap)
        for cb in list(self._callbacks):
            _call(cb, snap)
        for q in list(self._queues):
            q.put_nowait(snap)
        if self.terminal:
            self.settle()

    def settle(self, error: BaseException | None = None) -> None:
        """Finish every wait and events() stream: with the outcome, or with `error`."""
        for _, fut in self._waiters:
            if not fut.done():
                fut.set_exception(error) if error else fut.set_result(None)
        for q in list(self._queues):
            q.put_nowait(error)
        self._poke()

    # -- following and polling --------------------------------------------------------------------
    @property
    def followed(self) -> bool:
        return bool(self._waiters or self._queues or self._callbacks
                    or any(hasattr(o, "on_change") for o in self.observers))

    def _ensure_poller(self) -> None:
        if self.terminal or not self.followed:
            return
        if getattr(self.http, "closed", False):
            self.settle(self._closed_error())  # nothing can poll it now: end the waits instead of hanging
        else:
            self._poller.start()

    async def stop(self) -> None:
        """Its client is closing: stop polling (quietly) and end any wait or events() with an error.
        The task goes on at Runway; the journal still lists it, so runway_nb.resume() picks it up."""
        await self._poller.stop()
        if not self.terminal and (self._waiters or self._queues):
            self.settle(self._closed_error())

    def _closed_error(self) -> errors.APIConnectionError:
        return errors.APIConnectionError(message=(
            f"task {self.id} is no longer followed: its client was closed. The task goes on at Runway; "
            "retrieve it with an open client (client.tasks.retrieve) or run runway_nb.resume()."))

    def _poke(self) -> None:
        self._poller.poke()

    def next_deadline(self) -> float | None:
        """The earliest end of a wait still pending (clock time), for the poller to wake at."""
        return min((d for d, f in self._waiters if d is not None and not f.done()), default=None)

    def expire_waiters(self) -> None:
        now = self.clock.now()
        for deadline, fut in self._waiters:
            if deadline is not None and now >= deadline and not fut.done():
                fut.set_exception(errors.TaskTimeoutError(task=self))

    def gone(self, why: str) -> None:
        """It was cancelled or deleted (here, or elsewhere: a 404): CANCELLED, final."""
        if not self.terminal:
            self.status, self.failure = "CANCELLED", self.failure or why
            self._end()

    def fail(self, error: BaseException) -> None:
        """FAILED on this side: its create call was refused, or it cannot be followed (e.g. a 401);
        `failure_code` is CLIENT.<error class>, `error` the exception itself."""
        if not self.terminal:
            self.error, self.status = error, "FAILED"
            self.failure = getattr(error, "message", None) or str(error)
            self.failure_code = f"CLIENT.{type(error).__name__}"
            self._end()

    def _end(self) -> None:
        self.samples.append(Sample(self.elapsed, self.status, self.progress))
        self._finished = self.clock.now()
        self._emit()

    # -- what the faces call ----------------------------------------------------------------------
    async def refresh(self) -> TaskCore:
        """GET the task now (fresh output URLs too)."""
        resp = await self.http.request("GET", self.status_path.format(self.id))
        self._apply(resp.json())
        return self

    async def wait(self, timeout: float | None = 600, handle: Any = None) -> Any:
        """Until SUCCEEDED (returns `handle`); raises TaskFailedError / TaskCancelledError at once,
        TaskTimeoutError after `timeout` seconds (the task keeps running: wait again or retrieve it)."""
        if not self.terminal:
            fut = asyncio.get_running_loop().create_future()
            entry = (None if timeout is None else self.clock.now() + timeout, fut)
            self._waiters.append(entry)
            self._ensure_poller()
            self._poke()
            try:
                await fut
            except errors.TaskError as exc:
                exc.task = handle or self
                raise
            finally:
                self._waiters.remove(entry)
                self._poke()
        self._raise_outcome(handle)
        return handle or self

    def _raise_outcome(self, handle: Any) -> None:
        cls = {"FAILED": errors.TaskFailedError, "CANCELLED": errors.TaskCancelledError}.get(self.status)
        if cls is not None:
            raise cls(task=handle or self, task_id=self.id, failure=self.failure, failure_code=self.failure_code)

    async def events(self) -> AsyncIterator[TaskSnapshot]:
        """The current snapshot, then one per change, ending after the terminal one."""
        queue: asyncio.Queue = asyncio.Queue()
        self._queues.add(queue)
        self._ensure_poller()
        try:
            yield self.snapshot()
            while not self.terminal or not queue.empty():
                item = await queue.get()
                if item is None:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
                if item.terminal:
                    return
        finally:
            self._queues.discard(queue)
            self._poke()

    def on_change(self, callback: Callable[[TaskSnapshot], Any]) -> Callable[[], None]:
        """Call `callback(snapshot)` on every change (from the loop thread); returns an unsubscribe."""
        self._callbacks.append(callback)
        self._ensure_poller()

        def unsubscribe() -> None:
            if callback in self._callbacks:
                self._callbacks.remove(callback)
                self._poke()

        return unsubscribe

    async def follow(self, callback: Callable[[TaskSnapshot], Any]) -> Callable[[], None]:
        """on_change, run on the loop (so the sync face starts polling where the HTTP client lives)."""
        return self.on_change(callback)

    async def cancel(self) -> bool:
        """Cancel a task still PENDING/THROTTLED/RUNNING; never delete a finished one (see delete).

        Runway's DELETE cancels a live task but deletes a finished one with its outputs, so this looks
        first (GET): if the service already finished it, nothing is sent, the handle shows the outcome
        and this returns False. Else it sends the DELETE and returns True; the handle says CANCELLED.

        The API has no "cancel only if still running", so one race remains: a task that finishes in
        the moment between that GET and the DELETE's arrival is deleted, outputs and all. When a poll
        shows it finished meanwhile, the handle keeps the server's status, `deleted` is True, a warning
        is logged and this returns False; otherwise its `failure` text names the possibility.
        """
        if self.terminal:
            return False
        try:
            await self.refresh()
        except errors.NotFoundError:
            self.gone("the task was deleted or cancelled elsewhere (GET answered 404)")
            return False
        if self.terminal:
            return False  # finished already: left alone, the handle says how it ended
        await self._delete()
        self.deleted = True
        if self.terminal and self.status != "CANCELLED":  # a poll answered meanwhile: it had finished
            log.warning("task %s was %s by the time the cancel arrived, so the DELETE deleted it and its "
                        "outputs", self.id, self.status)
            return False
        self.gone(CANCELLED_HERE)
        return True

    async def delete(self) -> None:
        """Cancel it if running, else delete it and its outputs on Runway's side."""
        await self._delete()
        self.deleted = True
        self.gone("deleted by this client")

    async def _delete(self) -> None:
        try:
            await self.http.request("DELETE", f"/v1/tasks/{self.id}", headers={"Accept": "*/*"})
        except errors.NotFoundError:
            pass  # already gone

    def wire_output(self) -> Any:
        """`output` as the SDK's model has it: a task's list of URLs."""
        return list(self.output)

    def outputs(self, sync: bool = True) -> list[Output]:
        return [Output(self, i, sync=sync) for i in range(len(self.output))]

    async def download(self, folder: Any = "runway_outputs") -> list:
        return await download(self, folder)


def _call(fn: Callable | None, arg: Any) -> None:
    """Observers and callbacks never break the poller: their errors are logged."""
    if fn is None:
        return
    try:
        fn(arg)
    except Exception:
        log.exception("task observer %r raised", fn)


class _Face:
    """Everything both faces share. `_run` turns a core coroutine into the face's result."""

    _sync = True

    def __init__(self, core: TaskCore) -> None:
        self._core = core

    def _run(self, coro: Any) -> Any:
        raise NotImplementedError

    id = property(lambda self: self._core.id)
    status = property(lambda self: self._core.status)
    progress = property(lambda self: self._core.progress)
    output = property(lambda self: self._core.wire_output(),
                      doc="As the SDK has it: a task's list of signed output URLs (an invocation's map of them).")
    outputs = property(lambda self: self._core.outputs(self._sync), doc="The outputs as Output objects (players).")
    failure = property(lambda self: self._core.failure)
    failure_code = property(lambda self: self._core.failure_code)
    node_errors = property(lambda self: self._core.raw.get("nodeErrors"), doc="A workflow invocation's.")
    created_at = property(lambda self: self._core.created_at)
    estimate = property(lambda self: self._core.estimate)
    model = property(lambda self: self._core.model)
    endpoint = property(lambda self: self._core.endpoint)
    elapsed = property(lambda self: self._core.elapsed)
    eta = property(lambda self: self._core.eta)
    cost_credits = property(lambda self: self._core.cost_credits)
    terminal = property(lambda self: self._core.terminal)
    deleted = property(lambda self: self._core.deleted, doc="True once cancel() or delete() sent a DELETE for it.")

    # SDK spellings (task.failureCode, task.createdAt) for code written against the raw JSON
    failureCode = failure_code
    createdAt = created_at

    def snapshot(self) -> TaskSnapshot:
        return self._core.snapshot()

    def wait(self, timeout: float | None = 600) -> Any:
        """Until the task ends; returns this handle, raises TaskFailed/Cancelled/TimeoutError."""
        return self._run(self._core.wait(timeout, handle=self))

    def wait_for_task_output(self, timeout: float | None = 600) -> Any:
        """The SDK's name for wait(); unlike the SDK, a cancelled task ends it at once."""
        return self.wait(timeout)

    def refresh(self) -> Any:
        return self._run(self._finish(self._core.refresh()))

    def cancel(self) -> Any:
        """Cancel it if still waiting or running (True); a finished task is left alone (False)."""
        return self._run(self._core.cancel())

    def delete(self) -> Any:
        return self._run(self._core.delete())

    def download(self, folder: Any = "runway_outputs") -> Any:
        """Every output streamed to `folder` (resumable, right extension); returns the paths."""
        return self._run(self._core.download(folder))

    async def _finish(self, coro: Any) -> Any:
        await coro
        return self

    def to_dict(self) -> dict:
        return self._core.snapshot().as_dict()

    def __repr__(self) -> str:
        c = self._core
        extra = f", progress={c.progress:.0%}" if c.status == "RUNNING" else ""
        extra += f", failure={c.failure!r}" if c.failure else ""
        return f"{type(self).__name__}(id={c.id!r}, status={c.status!r}{extra})"


class Task(_Face):
    """The sync handle (RunwayML): calls block the caller; polling runs on the background loop."""

    def _run(self, coro: Any) -> Any:
        from ._loop import run_sync

        return run_sync(coro)

    def on_change(self, callback: Callable[[TaskSnapshot], Any]) -> Callable[[], None]:
        """Call `callback(snapshot)` on every change, from the background loop's thread."""
        return self._run(self._core.follow(callback))

    def events(self) -> Iterator[TaskSnapshot]:
        """Snapshots as the task changes (blocking iterator), ending after the terminal one."""
        agen = self._core.events()
        try:
            while (step := self._run(_step(agen)))[0]:
                yield step[1]
        finally:
            self._run(_step(agen, close=True))


async def _step(agen: Any, close: bool = False) -> tuple[bool, Any]:
    """One step of an async generator as a coroutine (what run_sync can run on the loop)."""
    try:
        return (False, await agen.aclose()) if close else (True, await agen.__anext__())
    except StopAsyncIteration:
        return False, None


class AsyncTask(_Face):
    """The async handle (AsyncRunwayML): methods return awaitables on the caller's loop."""

    _sync = False

    def _run(self, coro: Any) -> Any:
        return coro

    def on_change(self, callback: Callable[[TaskSnapshot], Any]) -> Callable[[], None]:
        return self._core.on_change(callback)

    def events(self) -> AsyncIterator[TaskSnapshot]:
        return self._core.events()
