"""When to ask about a task next: a fake clock, the poll scheduler, and the Poller that keeps to it.

The official SDK polls every 6 s +- 1.5 s, so on average it learns of a finished task ~3 s late and
makes ~T/6 + 0.5 requests over a task of T seconds. poll_schedule spends the same number of requests
differently: it predicts the end from the progress seen so far (and catalog.typical_seconds before
there is any), asks rarely while the end is far, and lands its polls just after the predicted end.
PENDING and THROTTLED (waiting for a concurrency slot) have no progress to learn from: they are
asked about every 2 s at first, slowing to the SDK's 6 s. How long a server's tasks take against
the catalog is learned as tasks finish (a sandbox runs many times faster than the real service).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from . import catalog, errors
from .catalog import api, overlay
from .http import retry_after as _asked

log = logging.getLogger("runway_nb.tasks")
_TRANSIENT = (errors.RateLimitError, errors.InternalServerError, errors.APIConnectionError)


class FakeClock:
    """Virtual time that jumps to the next sleeper's wake-up once the event loop has nothing else to do.

    Many coroutines may sleep at once (several tasks, HTTP backoff); each wakes in time order, so a
    ten-minute lifecycle runs in milliseconds and in the same order as it would in real time.
    `advance(s)` moves time by hand (e.g. for a sandbox engine sharing this clock).
    """

    realtime = False

    def __init__(self, start: float = 0.0, *, settle: int = 20) -> None:
        self._t = float(start)
        self._settle = settle
        self._timers: list[tuple[float, int, asyncio.Future]] = []
        self._seq = itertools.count()
        self._jumper: asyncio.Task | None = None

    def now(self) -> float:
        return self._t

    def advance(self, seconds: float) -> float:
        self._t += max(0.0, seconds)
        self._wake_due()
        return self._t

    async def sleep(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        fut = loop.create_future()
        heapq.heappush(self._timers, (self._t + max(0.0, seconds), next(self._seq), fut))
        if self._jumper is None or self._jumper.done():
            self._jumper = loop.create_task(self._jump())
        await fut

    def _wake_due(self) -> None:
        while self._timers and (self._timers[0][2].done() or self._timers[0][0] <= self._t):
            _, _, fut = heapq.heappop(self._timers)
            if not fut.done():
                fut.set_result(None)

    async def _jump(self) -> None:
        while True:
            for _ in range(self._settle):  # let every runnable coroutine reach its next await
                await asyncio.sleep(0)
            while self._timers and self._timers[0][2].done():
                heapq.heappop(self._timers)
            if not self._timers:
                return
            self._t = max(self._t, self._timers[0][0])
            self._wake_due()


# -- the scheduler ------------------------------------------------------------------------------


class Sample(NamedTuple):
    """One answer about a task: seconds since it was created, its status and progress (0..1)."""

    t: float
    status: str
    progress: float


@dataclass(frozen=True)
class Policy:
    """The scheduler's knobs (seconds), tuned by simulation (tests/unit/test_poll_schedule.py) and
    measured on the sandbox side by side with the SDK (bench/bench_polling.py)."""

    sdk_interval: float = 6.0  # the SDK's mean gap: it has made ~elapsed / 6 + 0.5 requests by then
    budget_slack: float = 0.5
    first_max: float = 6.0  # the first poll never comes later than the SDK's would
    first_min: float = 1.0
    first_fraction: float = 0.5  # of the expected duration, when no progress is known yet
    max_gap: float = 10.0  # a prediction can be wildly late after an early stall: never wait longer
    approach: float = 0.75  # a learning poll goes this far towards the predicted end ...
    land_within: float = 3.0  # ... until the end is this close; then land on it
    spare_to_learn: float = 2.0  # learn only with this many requests to spare before the SDK's count
    land_after: float = 0.3  # land this long after the predicted end
    dense: float = 0.6  # the shortest gap; past a missed landing gaps grow by `growth` up to 6 s
    growth: float = 1.5
    local_from: float = 0.9  # from this progress on, the latest rate counts more than the average ...
    local_weight: float = 0.7  # ... with this weight (near the end progress is close to linear)
    waiting_min: float = 2.0  # PENDING / THROTTLED: no progress to learn from; gaps grow to 6 s


POLICY = Policy()


def _running_since(samples: Sequence[Sample]) -> float:
    """When the task started running, at the latest: the last answer that said it had not."""
    waiting = [s.t for s in samples if s.status in ("PENDING", "THROTTLED")]
    return waiting[-1] if waiting else 0.0


def predict_end(samples: Sequence[Sample], *, typical: float | None = None,
                policy: Policy = POLICY) -> float | None:
    """When the task will finish (seconds since creation), from the progress seen so far.

    The average rate since it started running, so one stall or burst moves the prediction only as
    much as it moves the average; near the end the latest rate is weighed in, because the last
    stretch is nearly straight. Before any progress: `typical` after the wait so far (or None).
    """
    running = [s for s in samples if s.status == "RUNNING" and s.progress > 0]
    start = _running_since(samples)
    if not running:
        return None if typical is None else max(start, samples[-1].t if samples else 0.0) + typical
    last = running[-1]
    end = start + (last.t - start) / last.progress
    if len(running) >= 2 and last.progress >= policy.local_from:
        prev = running[-2]
        if last.progress > prev.progress:
            local = last.t + (1 - last.progress) * (last.t - prev.t) / (last.progress - prev.progress)
            end = policy.local_weight * local + (1 - policy.local_weight) * end
    return end


def budget(elapsed: float, policy: Policy = POLICY) -> float:
    """Requests the SDK has made, on average, by `elapsed` seconds (it sleeps 6 s +- 1.5 s first)."""
    return elapsed / policy.sdk_interval + policy.budget_slack


def poll_schedule(samples: Sequence[Sample], now: float, *, typical: float | None = None,
                  retry_after: float | None = None, policy: Policy = POLICY) -> float:
    """Seconds from `now` until the next status request: a pure function of what was seen.

    `samples` are the answers so far (one per request made), times in seconds since creation;
    `typical` is the expected duration (catalog.typical_seconds) used before any progress is known;
    `retry_after` is a 429's demand, honoured as a floor.
    """
    delay = _next_time(samples, typical, policy) - now
    return max(0.0, delay, retry_after or 0.0)


def _next_time(samples: Sequence[Sample], typical: float | None, policy: Policy) -> float:
    if not samples:
        guess = policy.first_fraction * (typical if typical is not None else 2 * policy.first_max)
        return min(max(guess, policy.first_min), policy.first_max)
    last = samples[-1]
    if last.status != "RUNNING" or last.progress <= 0:
        waited = last.t - (_running_since(samples[:-1]) if last.status == "RUNNING" else 0.0)
        return last.t + min(max(policy.waiting_min, 0.5 * waited), policy.sdk_interval)
    end = predict_end(samples, typical=typical, policy=policy)
    remaining = end - last.t
    # Each answer that missed the predicted end, or showed no progress, widens the shortest gap:
    # a task stuck at 99% is asked about at the SDK's rate, not every half second.
    misses = max(sum(1 for s in samples if s.t >= end), _stalled(samples))
    shortest = min(policy.dense * policy.growth ** max(misses - 1, 0), policy.sdk_interval)
    if remaining <= 0:
        return last.t + shortest
    spare = budget(end, policy) - len(samples)
    if remaining > policy.land_within and spare >= policy.spare_to_learn:
        target = last.t + policy.approach * remaining  # learn more, predict again
    else:
        target = end + policy.land_after
    return min(max(target, last.t + shortest), last.t + policy.max_gap)


def _stalled(samples: Sequence[Sample]) -> int:
    """How many of the latest answers showed no progress over the one before."""
    count = 0
    for before, after in zip(reversed(samples[:-1]), reversed(samples), strict=False):
        if after.status != "RUNNING" or after.progress > before.progress:
            break
        count += 1
    return count


# -- expected durations, learned per server ------------------------------------------------------
_speed: dict[str, float] = {}  # server -> how long its tasks take, as a multiple of the catalog's


def expected_seconds(model: str | None, endpoint: str | None, body: dict, *, server: str = "") -> float | None:
    """How long this request should take, scaled by what this server's tasks took so far: the model's
    own typical time (catalog.typical_seconds), else the overlay's for what the operation makes."""
    typical = _typical(model, endpoint, body)
    return None if typical is None else typical * _speed.get(server, 1.0)


def _typical(model: str | None, endpoint: str | None, body: dict) -> float | None:
    seconds = body.get("duration")
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        seconds = None
    if model in catalog.MODELS:
        if seconds is None:
            ep = catalog.endpoint_for(model, endpoint or "", body)
            param = ep.param("duration") if ep else None
            seconds = param.default if param is not None and catalog.MODELS[model].kind == catalog.VIDEO else 0
        return catalog.typical_seconds(model, float(seconds or 0))
    op = api.operation_for("POST", endpoint or "")
    kind = overlay.output_kind(op.id) if op is not None else None
    if kind is None:
        return None
    if seconds is None:
        seconds = overlay.DEFAULT_VIDEO_SECONDS if kind == catalog.VIDEO else 0.0
    return overlay.typical_seconds(kind, float(seconds))


def learn(server: str, expected: float | None, before: float, after: float) -> None:
    """A task expected to take `expected` s ended between `before` and `after`: remember the ratio
    (a sandbox runs many times faster than the real service, and the real one varies by the day)."""
    if expected:
        ratio = 0.5 * (before + after) / expected * _speed.get(server, 1.0)
        _speed[server] = ratio if server not in _speed else 0.5 * (_speed[server] + ratio)


# -- the poller -------------------------------------------------------------------------------------
class Pace:
    """How a Poller paces its questions about a task: the schedule's knobs and the expected duration.

    The default is for a task followed on its own; client.batch gives its tasks a pace that learns
    from the batch's finished tasks (batch.BatchPace). `asked` hears of every status request made.
    """

    def policy(self, core: Any) -> Policy:
        return POLICY

    def typical(self, core: Any) -> float | None:
        return core.typical

    def asked(self, core: Any) -> None:
        pass


ALONE = Pace()


class Poller:
    """Asks about one task on poll_schedule's timetable while anyone follows it.

    `core` gives samples, elapsed, typical, followed, terminal, next_deadline(), expire_waiters(),
    refresh(), gone() and settle() (tasks.TaskCore); `pace` says how often to ask. poke() wakes it
    early: a new waiter with an earlier deadline, or the last follower leaving.
    """

    def __init__(self, core: Any, pace: Pace | None = None) -> None:
        self.core = core
        self.pace = pace or ALONE
        self.task: asyncio.Task | None = None
        self._wake = asyncio.Event()
        self.retry_after: float | None = None
        self.failures = 0

    def start(self) -> None:
        """Run on the current loop, unless already running (no loop here: the next async call starts it)."""
        if self.task is not None and not self.task.done():
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self.task = loop.create_task(self._run(), name=f"runway_nb poll {self.core.id}")

    async def stop(self) -> None:
        """Cancel the polling task and let it end, quietly (its client is closing: no poll may outlive it)."""
        task, self.task = self.task, None
        if task is None or task.done():
            return
        if task.get_loop() is not asyncio.get_running_loop():
            task.get_loop().call_soon_threadsafe(task.cancel)
            return
        task.cancel()
        await asyncio.wait((task,))  # waits for the cancellation without raising it here

    def poke(self) -> None:
        """Wake the poller early; safe from any thread (an unsubscribe from the kernel's thread)."""
        loop = self.task.get_loop() if self.task is not None and not self.task.done() else None
        try:
            here = asyncio.get_running_loop()
        except RuntimeError:
            here = None
        if loop is None or loop is here:
            self._wake.set()
        elif not loop.is_closed():
            loop.call_soon_threadsafe(self._wake.set)

    async def _run(self) -> None:
        # A fresh event for the loop this run is on: an asyncio.Event binds to the first loop that
        # waits on it, and a task's polling may move loops (an async test's, then the background one);
        # a waker bound elsewhere fails at once, and the sleep below would then spin.
        self._wake = asyncio.Event()
        try:
            await self._follow()
        except Exception as exc:  # a broken clock or transport: every waiter hears it, none hangs
            log.warning("polling of %s stopped: %r", self.core.id, exc)
            self.core.settle(exc)

    async def _follow(self) -> None:
        core, pace = self.core, self.pace
        while core.followed and not core.terminal:
            now = core.elapsed
            due = now + poll_schedule(core.samples, now, typical=pace.typical(core), retry_after=self.retry_after,
                                      policy=pace.policy(core))
            deadline = core.next_deadline()
            wake = due if deadline is None else min(due, now + deadline - core.clock.now())
            await self._sleep(wake - now)
            core.expire_waiters()
            if not core.followed or core.terminal or core.elapsed < due - 1e-6:
                continue
            try:
                pace.asked(core)
                await core.refresh()
                self.retry_after, self.failures = None, 0
            except _TRANSIENT as exc:  # http.py already retried; wait longer and keep following
                self.failures += 1
                asked = _asked(getattr(getattr(exc, "response", None), "headers", None)) or 0.0
                self.retry_after = max(asked, min(POLICY.dense * 2 ** self.failures, 30.0))
                log.debug("poll of %s failed (%s); next in >= %.1f s", core.id, exc, self.retry_after)
            except errors.NotFoundError:
                core.gone("the task was deleted or cancelled elsewhere (GET answered 404)")
            except errors.APIError as exc:
                core.settle(exc)
                return

    async def _sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)  # always yield: never spin without letting the loop run others
            return
        self._wake.clear()
        sleeper = asyncio.ensure_future(self.core.clock.sleep(seconds))
        waker = asyncio.ensure_future(self._wake.wait())
        try:
            done, _ = await asyncio.wait((sleeper, waker), return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
            waker.cancel()
        for finished in done:  # a clock or event that failed must stop the poll, not spin it
            if not finished.cancelled() and finished.exception() is not None:
                raise finished.exception()
