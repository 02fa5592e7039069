"""client.batch(calls, concurrency=...): many create calls, checked first, run under a concurrency limit.

Every request is checked before anything is sent (one ValidationError lists every bad one, by index),
the total cost is estimated, then at most `concurrency` tasks exist unfinished at once (by default the
organization's tier limit per model), the next one created as soon as one ends. The handles come
back in the order of `calls`; a task that failed, or whose create call was refused, is a FAILED handle,
never an exception that loses the others.

How a batch learns of ends: the tasks of one batch are alike, so the durations of those that ended
predict the next ones better than the catalog does. Each task's own poller (poll.Poller) asks about
it with the batch's pace (BatchPace): that learned duration and a tighter landing, while the batch's
total status requests stay within what the official SDK's 6 s polling would have made for the same tasks.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import logging
import statistics
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from . import _wire, catalog, errors, poll
from .plan import Plan
from .validate import Problem

__all__ = ["Call", "BatchResult", "BatchRun", "build_requests", "run", "start"]

log = logging.getLogger("runway_nb.batch")
# Land just after the predicted end and follow densely after a miss: ends are learned sooner, at the
# price of a request or so per task, which the batch pays from what the SDK's polling would spend.
BATCH_POLICY = dataclasses.replace(poll.POLICY, land_after=0.1, dense=0.3)


@dataclass(frozen=True)
class Call:
    """One create call not made yet: `client.text_to_image.call(model=..., prompt_text=...)`."""

    resource: str  # the client attribute, e.g. "text_to_video"
    kwargs: Mapping[str, Any]

    def __iter__(self):  # so a Call unpacks like the (resource, kwargs) pair it stands for
        return iter((self.resource, self.kwargs))


class BatchResult(list):
    """The task handles in the order of the calls, plus `.estimate` (the predicted total cost)."""

    estimate: Any = None  # BatchEstimate

    @property
    def succeeded(self) -> list:
        return [t for t in self if t.status == "SUCCEEDED"]

    @property
    def failed(self) -> list:
        return [t for t in self if t.status != "SUCCEEDED"]


@dataclass(frozen=True)
class BatchEstimate:
    """The catalog's predicted cost of the whole batch; `unpriced` counts calls it cannot price."""

    credits: int
    dollars: float
    unpriced: int = 0

    def __str__(self) -> str:
        extra = f" (+{self.unpriced} unpriced)" if self.unpriced else ""
        return f"{self.credits} credits (${self.dollars:.2f}){extra}"


# -- before anything is sent --------------------------------------------------------------------
def _item(face: Any, call: Any) -> tuple[str, dict]:
    if isinstance(call, Mapping):  # {"resource": "text_to_image", "model": ..., ...}
        rest = dict(call)
        return str(rest.pop("resource", "")), rest
    resource, kwargs = call  # a Call or a (resource, kwargs) pair
    return str(resource), dict(kwargs)


def _problem(index: int, where: str, p: Problem) -> Problem:
    field = f"calls.{index}" + (f".{p.field}" if p.field else "")
    return Problem(field, p.value, f"call {index} ({where}): {p.message}")


def build_requests(face: Any, calls: Iterable[Any]) -> list[Plan]:
    """Every call -> its plan (checked, priced, local media set aside); one ValidationError for all."""
    plans: list[Plan] = []
    problems: list[Problem] = []
    names = [p.rsplit("/", 1)[-1] for p in catalog.ENDPOINTS]
    for i, call in enumerate(calls):
        try:
            resource, kwargs = _item(face, call)
        except (TypeError, ValueError):
            problems.append(Problem(f"calls.{i}", repr(call)[:80], f"call {i}: expected (resource, kwargs), a "
                                    "dict with 'resource', or client.<resource>.call(...)"))
            continue
        target = getattr(face, resource, None) if resource in names else None
        if target is None:
            problems.append(Problem(f"calls.{i}", resource, f"call {i}: no resource {resource!r}; choose one "
                                    f"of {', '.join(names)}"))
            continue
        plan = _wire.build(target.path, kwargs)
        _wire.tell(plan)
        problems += [_problem(i, f"{resource} {plan.model}", p) for p in plan.problems]
        plans.append(plan)
    if problems:
        raise errors.ValidationError(problems, path="batch")
    return plans


async def _prepare(core: Any, plans: list[Plan]) -> list[Plan]:
    """Every call's local media read, judged and converted (uploaded if large); still nothing created."""
    out, problems = [], []
    for i, plan in enumerate(plans):
        try:
            out.append(await core.prepare(plan))
        except errors.ValidationError as exc:
            problems += [_problem(i, f"{plan.resource} {plan.model}", p) for p in exc.problems]
    if problems:
        raise errors.ValidationError(problems, path="batch")
    return out


def estimate(plans: list[Plan]) -> BatchEstimate:
    credits, dollars, unpriced = 0, 0.0, 0
    for plan in plans:
        if plan.estimate is None:
            unpriced += 1
        else:
            credits, dollars = credits + plan.estimate.credits, dollars + plan.estimate.dollars
    return BatchEstimate(credits, round(dollars, 2), unpriced)


async def _limits(core: Any, plans: list[Plan], concurrency: int | None) -> tuple[dict, int | None]:
    """(per-model limits, overall limit): `concurrency` overall, else the tier's limit for each model."""
    if concurrency is not None:
        if not isinstance(concurrency, int) or concurrency < 1:
            raise ValueError(f"concurrency must be a whole number >= 1, not {concurrency!r}")
        return {}, concurrency
    org = (await core.http.request("GET", "/v1/organization")).json()
    tier = {m: (v or {}).get("maxConcurrentGenerations") for m, v in ((org.get("tier") or {}).get("models")
                                                                       or {}).items()}
    known = [int(n) for n in tier.values() if isinstance(n, int) and n > 0]
    fallback = min(known, default=1)  # a model the tier does not list: the most careful limit it shows
    limits = {}
    for plan in plans:
        n = tier.get(plan.model)
        limits[plan.model] = int(n) if isinstance(n, int) and n > 0 else fallback
    return limits, None


# -- following: learn ends quickly, within the SDK's request count -------------------------------
class BatchPace(poll.Pace):
    """The batch's pace for its tasks' pollers: durations of the tasks that ended, by kind of request,
    and the status requests spent against what the SDK's polling would have made."""

    def __init__(self) -> None:
        self.seen: dict[tuple, list[float]] = {}
        self.running: set = set()
        self.requests = 0
        self.allowed = 0.0  # what the SDK's polling would have made so far, over finished tasks

    @staticmethod
    def key(core: Any) -> tuple:
        return core.model, core.endpoint, core.body.get("duration")

    def typical(self, core: Any) -> float | None:
        done = self.seen.get(self.key(core))
        return statistics.median(done) if done else core.typical

    def policy(self, core: Any) -> poll.Policy:
        """Land tightly while the batch has requests to spare, else keep the SDK's pace."""
        spare = self.allowed + sum(poll.budget(c.elapsed) for c in self.running) - self.requests
        return BATCH_POLICY if spare > 1 else poll.POLICY

    def asked(self, core: Any) -> None:
        self.requests += 1

    def ended(self, core: Any) -> None:
        s = core.samples
        if core.status == "SUCCEEDED" and len(s) >= 2:
            self.seen.setdefault(self.key(core), []).append(0.5 * (s[-2].t + s[-1].t))
        self.allowed += poll.budget(core.elapsed)


async def _one(core: Any, plan: Plan, gates: list[asyncio.Semaphore], pace: BatchPace,
               tracker: BatchRun | None = None, index: int = 0) -> Any:
    from .tasks import TaskCore

    for gate in gates:
        await gate.acquire()
    try:
        def local(error: BaseException | None) -> Any:  # a handle for a task that was never created
            task = TaskCore(core.http, "", model=plan.model, endpoint=plan.path, body=plan.body, clock=core.clock,
                            sandbox=core.is_sandbox, notify_created=False)
            task.fail(error) if error is not None else task.gone("cancelled before it was created")
            return task

        if tracker is not None and tracker.cancelled:
            return tracker._created(index, local(None))
        try:
            task = await core.send(plan, pace=pace)
        except Exception as exc:  # refused, or outcome unknown: a failed handle that says why
            task = local(exc)
            return tracker._created(index, task) if tracker is not None else task
        if tracker is not None:
            tracker._created(index, task)
            if tracker.cancelled:  # cancel all came while this create was in flight
                await tracker._cancel_one(task)
        pace.running.add(task)
        try:
            await task.wait(timeout=None)  # its poller, at the batch's pace
        except errors.TaskError:
            pass  # FAILED or CANCELLED: the handle says so
        except errors.APIError as exc:  # e.g. 401: this task cannot be followed; keep it as failed
            task.fail(exc)
        finally:
            pace.running.discard(task)
            pace.ended(task)
        return task
    finally:
        for gate in reversed(gates):
            gate.release()


async def prepare(face: Any, plans: list[Plan]) -> list[Plan]:
    """Every call's local media read and judged (one ValidationError for all): nothing created yet."""
    return await _prepare(face._core, plans)


async def run(face: Any, plans: list[Plan], concurrency: int | None, *, tracker: BatchRun | None = None,
              prepared: bool = False) -> BatchResult:
    """Media for all, the estimate, the limits; then every call, returned in order."""
    core = face._core
    plans = plans if prepared else await _prepare(core, plans)
    total = estimate(plans)
    log.info("batch of %d: estimated %s", len(plans), total)
    per_model, overall = await _limits(core, plans, concurrency)
    model_gates = {m: asyncio.Semaphore(n) for m, n in per_model.items()}
    overall_gate = [asyncio.Semaphore(overall)] if overall else []
    if tracker is not None:
        tracker.lanes = overall or sum(per_model.values()) or 1
    pace = BatchPace()
    cores = await asyncio.gather(*(
        _one(core, plan, [*([model_gates[plan.model]] if plan.model in model_gates else []), *overall_gate], pace,
             tracker, i)
        for i, plan in enumerate(plans)))
    result = BatchResult(face._task(c) for c in cores)
    result.estimate = total
    return result


# -- in the background: a handle that a view follows ------------------------------------------------
class BatchRun:
    """A batch running in the background (`client.batch(calls, background=True)`): the cell is free while
    it runs. `.tasks` fills as tasks are created (None: not created yet), `.counts()` tallies statuses
    (QUEUED: not created yet), `.on_change(callback)` hears `(index, snapshot)` from the polling loop,
    `.wait()` gives the BatchResult, `.cancel()` cancels every unfinished task and creates no more.
    `runway_nb.widgets.BatchView(run)` shows it live."""

    def __init__(self, face: Any, plans: list[Plan]) -> None:
        self._face = face
        self.size = len(plans)
        self.estimate = estimate(plans)
        self.estimates = [p.estimate.credits if p.estimate is not None else None for p in plans]
        self.cores: list[Any] = [None] * self.size
        self.cancelled = False
        self.lanes = 1  # how many may run at once (known once the limits are read)
        self.future: Any = None  # concurrent.futures.Future (sync client) or asyncio.Task (async client)
        self._listeners: list[Callable[[int, Any], None]] = []

    @property
    def tasks(self) -> list:
        return [None if c is None else self._face._task(c) for c in self.cores]

    def task(self, index: int) -> Any:
        """The handle of call `index` (None: not created yet), as the client's own calls return it."""
        core = self.cores[index]
        return None if core is None else self._face._task(core)

    def queued_credits(self) -> float:
        """The estimate of the calls not created yet (they will be, unless the batch is cancelled or failed)."""
        if self.cancelled or self._ended_with_error():
            return 0.0
        return sum(e or 0 for c, e in zip(self.cores, self.estimates, strict=True) if c is None)

    def _ended_with_error(self) -> bool:
        done = self.future is not None and self.future.done()
        return done and not self.future.cancelled() and self.future.exception() is not None

    def status(self, index: int) -> str:
        core = self.cores[index]
        return "QUEUED" if core is None else core.status

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for i in range(self.size):
            out[self.status(i)] = out.get(self.status(i), 0) + 1
        return out

    @property
    def done(self) -> bool:
        return self.future is not None and self.future.done()

    def on_change(self, callback: Callable[[int, Any], None]) -> Callable[[], None]:
        """`callback(index, snapshot)` when a task is created and on each of its changes; returns an unsubscribe."""
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback) if callback in self._listeners else None

    def _tell(self, index: int, snapshot: Any) -> None:
        for cb in list(self._listeners):
            try:
                cb(index, snapshot)
            except Exception:
                log.exception("batch listener %r raised", cb)

    def _created(self, index: int, core: Any) -> Any:
        self.cores[index] = core
        self._tell(index, core.snapshot())
        if not core.terminal:
            core.on_change(lambda snap: self._tell(index, snap))
        return core

    async def _cancel_one(self, core: Any) -> None:
        try:
            await core.cancel()
        except errors.APIError as exc:
            log.warning("could not cancel task %s: %s", core.id, exc)

    async def _cancel_all(self) -> int:
        self.cancelled = True
        live = [c for c in self.cores if c is not None and c.id and not c.terminal]
        gate = asyncio.Semaphore(8)  # a few at once: 500 GET + DELETE pairs must not flood the connection pool

        async def one(core: Any) -> None:
            async with gate:
                await self._cancel_one(core)

        await asyncio.gather(*(one(c) for c in live))
        return sum(c.status == "CANCELLED" for c in live)

    def cancel(self) -> Any:
        """Create no more tasks and cancel every unfinished one; returns how many it cancelled
        (an awaitable on the async client). Tasks not created yet end CANCELLED without being sent."""
        if isinstance(self.future, concurrent.futures.Future):
            from ._loop import run_sync

            return run_sync(self._cancel_all())
        return self._cancel_all()

    def wait(self, timeout: float | None = None) -> Any:
        """The BatchResult once every task ended (sync client: blocks; async client: an awaitable)."""
        if isinstance(self.future, concurrent.futures.Future):
            return self.future.result(timeout)
        return asyncio.wait_for(asyncio.shield(self.future), timeout)

    def __repr__(self) -> str:
        counts = ", ".join(f"{k.lower()} {v}" for k, v in sorted(self.counts().items()))
        return f"BatchRun({self.size} tasks: {counts})"


def start(face: Any, plans: list[Plan], concurrency: int | None, *, sync: bool) -> Any:
    """Run the batch in the background and return its BatchRun at once; media problems raise here first
    (sync) or when awaited (async), before anything is created."""
    from ._loop import get_loop, run_sync

    async def go(tracker: BatchRun, prepared: list[Plan]) -> BatchResult:
        return await run(face, prepared, concurrency, tracker=tracker, prepared=True)

    if sync:
        prepared = run_sync(prepare(face, plans))
        tracker = BatchRun(face, prepared)
        tracker.future = asyncio.run_coroutine_threadsafe(go(tracker, prepared), get_loop())
        return tracker

    async def begin() -> BatchRun:
        prepared = await prepare(face, plans)
        tracker = BatchRun(face, prepared)
        tracker.future = asyncio.ensure_future(go(tracker, prepared))
        return tracker

    return begin()
