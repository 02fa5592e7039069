"""client.batch(calls, concurrency=...): many create calls, checked first, run under a concurrency limit.

Every request is checked before anything is sent (one ValidationError lists every bad one, by index),
the total cost is estimated, then at most `concurrency` tasks exist unfinished at once (by default the
organization's tier limit per model), the next one created as soon as one ends. The handles come
back in the order of `calls`; a task that failed, or whose create call was refused, is a FAILED handle,
never an exception that loses the others.

How a batch learns of ends: the tasks of one batch are alike, so the durations of those that ended
predict the next ones better than the catalog does. Each running task is asked about on
poll_schedule's timetable with that learned duration and a tighter landing; the batch keeps its total
status requests within what the official SDK's 6 s polling would have made for the same tasks.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from . import _wire, catalog, errors, poll
from .validate import Problem

__all__ = ["Call", "BatchResult", "build_requests", "run"]

log = logging.getLogger("runway_nb.batch")
# Land just after the predicted end and follow densely after a miss: ends are learned sooner, at the
# price of a request or so per task, which the batch pays from what the SDK's polling would spend.
BATCH_POLICY = dataclasses.replace(poll.POLICY, land_after=0.1, dense=0.3)
_TRANSIENT = (errors.RateLimitError, errors.InternalServerError, errors.APIConnectionError)


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


def build_requests(face: Any, calls: Iterable[Any]) -> list[_wire.Request]:
    """Every call -> a wire request, checked (without its local media); one ValidationError for all."""
    requests: list[Any] = []
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
        req = _wire.build(target.path, kwargs)
        if req.known or req.model is None:
            try:
                _wire.check_before_media(req.path, req.body)
            except errors.ValidationError as exc:
                problems += [_problem(i, f"{resource} {req.model}", p) for p in exc.problems]
        requests.append(req)
    if problems:
        raise errors.ValidationError(problems, path="batch")
    return requests


async def _prepare(core: Any, requests: list[_wire.Request]) -> list[_wire.Request]:
    """Local media converted (uploaded if large) and the full check; still nothing created or charged."""
    from . import media

    out, problems = [], []
    for i, req in enumerate(requests):
        try:
            body = await media.prepare_body(req.path, req.body, http=core.http)
            if req.known or req.model is None:
                _wire.check(req.path, body)
            out.append(dataclasses.replace(req, body=body))
        except errors.ValidationError as exc:
            problems += [_problem(i, f"{req.path.rsplit('/', 1)[-1]} {req.model}", p) for p in exc.problems]
    if problems:
        raise errors.ValidationError(problems, path="batch")
    return out


def estimate(core: Any, requests: list[_wire.Request]) -> BatchEstimate:
    credits, dollars, unpriced = 0, 0.0, 0
    for req in requests:
        e = core._estimate(req, req.body) if req.known else None
        if e is None:
            unpriced += 1
        else:
            credits, dollars = credits + e.credits, dollars + e.dollars
    return BatchEstimate(credits, round(dollars, 2), unpriced)


async def _limits(core: Any, requests: list[_wire.Request], concurrency: int | None) -> tuple[dict, int | None]:
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
    for req in requests:
        n = tier.get(req.model)
        limits[req.model] = int(n) if isinstance(n, int) and n > 0 else fallback
    return limits, None


# -- following: learn ends quickly, within the SDK's request count -------------------------------
class _Ends:
    """Durations of this batch's finished tasks, by kind of request, and the status requests spent."""

    def __init__(self) -> None:
        self.seen: dict[tuple, list[float]] = {}
        self.requests = 0
        self.allowed = 0.0  # what the SDK's polling would have made so far, over finished tasks

    @staticmethod
    def key(core: Any) -> tuple:
        return core.model, core.endpoint, core.body.get("duration")

    def typical(self, core: Any) -> float | None:
        done = self.seen.get(self.key(core))
        return statistics.median(done) if done else core.typical

    def ended(self, core: Any) -> None:
        s = core.samples
        if core.status == "SUCCEEDED" and len(s) >= 2:
            self.seen.setdefault(self.key(core), []).append(0.5 * (s[-2].t + s[-1].t))
        self.allowed += poll.budget(core.elapsed)

    def spare(self, running: Iterable[Any]) -> float:
        return self.allowed + sum(poll.budget(c.elapsed) for c in running) - self.requests


async def _follow(core: Any, ends: _Ends, running: set) -> None:
    """Ask about `core` until it ends: BATCH_POLICY while the batch has requests to spare, else the SDK's pace."""
    retry_after: float | None = None
    failures = 0
    while not core.terminal:
        now = core.elapsed
        policy = BATCH_POLICY if ends.spare(running) > 1 else poll.POLICY
        delay = poll.poll_schedule(core.samples, now, typical=ends.typical(core), retry_after=retry_after,
                                   policy=policy)
        seen = len(core.samples)
        await core.clock.sleep(delay)
        if core.terminal or len(core.samples) > seen:
            continue  # someone else's poll (a live view, the journal's follower) answered meanwhile
        try:
            ends.requests += 1
            await core.refresh()
            retry_after, failures = None, 0
        except _TRANSIENT as exc:
            failures += 1
            retry_after = max(poll._asked(getattr(getattr(exc, "response", None), "headers", None)) or 0.0,
                              min(poll.POLICY.dense * 2 ** failures, 30.0))
        except errors.NotFoundError:
            core.gone("the task was deleted or cancelled elsewhere (GET answered 404)")
        except errors.APIError as exc:  # e.g. 401: this task cannot be followed; keep it as failed
            _fail(core, exc)
        core._poke()  # a poller also following it plans from the new sample, not from its old plan


def _fail(core: Any, exc: BaseException) -> None:
    """Mark a handle FAILED on the client's side (its create was refused, or it cannot be followed)."""
    core.error = exc
    core.status, core.failure = "FAILED", getattr(exc, "message", None) or str(exc)
    core.failure_code = f"CLIENT.{type(exc).__name__}"
    core.samples.append(poll.Sample(core.elapsed, core.status, core.progress))
    core._finished = core.clock.now()
    core._emit()


async def _one(core: Any, req: _wire.Request, gates: list[asyncio.Semaphore], ends: _Ends, running: set) -> Any:
    from .tasks import TaskCore

    for gate in gates:
        await gate.acquire()
    try:
        try:
            task = await core.create(req)
        except Exception as exc:  # refused, or outcome unknown: a failed handle that says why
            task = TaskCore(core.http, "", model=req.model, endpoint=req.path, body=req.body, clock=core.clock,
                            sandbox=core.is_sandbox, notify_created=False)
            _fail(task, exc)
            return task
        running.add(task)
        try:
            await _follow(task, ends, running)
        finally:
            running.discard(task)
            ends.ended(task)
        return task
    finally:
        for gate in reversed(gates):
            gate.release()


async def run(face: Any, requests: list[_wire.Request], concurrency: int | None) -> BatchResult:
    """Media and the full check for all, the estimate, the limits; then every call, returned in order."""
    core = face._core
    requests = await _prepare(core, requests)
    total = estimate(core, requests)
    log.info("batch of %d: estimated %s", len(requests), total)
    per_model, overall = await _limits(core, requests, concurrency)
    model_gates = {m: asyncio.Semaphore(n) for m, n in per_model.items()}
    overall_gate = [asyncio.Semaphore(overall)] if overall else []
    ends, running = _Ends(), set()
    cores = await asyncio.gather(*(
        _one(core, req, [*([model_gates[req.model]] if req.model in model_gates else []), *overall_gate],
             ends, running) for req in requests))
    result = BatchResult(face._task(c) for c in cores)
    result.estimate = total
    return result
