"""Fault injection: the failures a client of the real service meets, on demand and reproducible.

A FaultProfile says how often each failure happens; Faults draws the decisions from per-channel
random streams seeded by one number, so the same sequence of requests meets the same faults and a
change in, say, how often outputs are downloaded does not move the failures of tasks.
Faults never make the sandbox lie: a task dropped "after creation" exists and is counted in stats.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, fields, replace
from typing import NamedTuple

from .. import catalog


@dataclass(frozen=True)
class FaultProfile:
    """How often each fault happens (rates are probabilities per request, task or download)."""

    name: str = "custom"
    storm_rate: float = 0.0  # a request starts a 429 storm ...
    storm_length: int = 3  # ... answering this many requests in a row with 429
    retry_after: float = 1.0  # real seconds advertised in Retry-After (and retry-after-ms)
    error_rate: float = 0.0  # a request answers 500, 502 or 503
    drop_rate: float = 0.0  # the connection is dropped (creates: before or after the task exists)
    drop_after: float = 0.5  # share of dropped creates whose task was created before the drop
    slow_rate: float = 0.0  # a request is answered only after slow_seconds (on the engine's clock)
    slow_seconds: float = 2.0
    fail_rate: float = 0.0  # a created task ends FAILED with one of failure_codes
    failure_codes: tuple[str, ...] = catalog.FAILURE_CODES
    truncate_rate: float = 0.0  # a download stops early although Content-Length promised more
    throttle_rate: float = 0.0  # a task sits THROTTLED for throttle_seconds first (x time_scale)
    throttle_seconds: float = 120.0
    expire_rate: float = 0.0  # a task's output URLs are handed out already expired

    def with_(self, **changes) -> FaultProfile:
        """A copy with some rates changed: PROFILES["flaky"].with_(fail_rate=0)."""
        return replace(self, **changes)


PROFILES: dict[str, FaultProfile] = {
    "none": FaultProfile("none"),
    "flaky": FaultProfile("flaky", storm_rate=0.03, storm_length=2, error_rate=0.05, drop_rate=0.03,
                          slow_rate=0.05, slow_seconds=1.0, fail_rate=0.05, truncate_rate=0.05),
    "storm": FaultProfile("storm", storm_rate=0.25, storm_length=4, retry_after=1.0),
    "slow": FaultProfile("slow", slow_rate=0.5, slow_seconds=2.0, throttle_rate=0.3),
    "chaos": FaultProfile("chaos", storm_rate=0.08, storm_length=3, error_rate=0.1, drop_rate=0.08,
                          slow_rate=0.1, slow_seconds=1.0, fail_rate=0.2, truncate_rate=0.1,
                          throttle_rate=0.2, expire_rate=0.1),
}


def profile(spec: str | FaultProfile | None) -> FaultProfile:
    """A profile from its name (or itself); None means no faults."""
    if spec is None:
        return PROFILES["none"]
    if isinstance(spec, FaultProfile):
        return spec
    try:
        return PROFILES[spec]
    except KeyError:
        raise ValueError(f"unknown fault profile {spec!r}; choose one of {', '.join(PROFILES)}") from None


class Action(NamedTuple):
    """What the HTTP layer should do to one request instead of (or before) answering it."""

    kind: str  # "status" | "drop_before" | "drop_after" | "slow"
    status: int = 0
    seconds: float = 0.0


class TaskFault(NamedTuple):
    failure_code: str | None  # the task will FAIL with this code
    fail_at: float  # fraction of the running time at which it fails
    extra_throttle: float  # service seconds spent THROTTLED before it may start


class Faults:
    """Decisions drawn from seeded streams, one per channel; counts every fault injected."""

    CHANNELS = ("request", "task", "download", "url")

    def __init__(self, spec: str | FaultProfile | None = None, seed: int = 0) -> None:
        self.profile = profile(spec)
        self.seed = seed
        self._rng = {ch: random.Random(f"{seed}:{ch}") for ch in self.CHANNELS}
        self._storm_left = 0
        self.counts: Counter[str] = Counter()

    @property
    def active(self) -> bool:
        return any(getattr(self.profile, f.name) for f in fields(self.profile) if f.name.endswith("_rate"))

    def _hit(self, channel: str, rate: float) -> bool:
        # Always draw, so one rate being zero does not shift the stream for the others.
        return self._rng[channel].random() < rate

    def on_request(self, create: bool) -> Action | None:
        p, rng = self.profile, self._rng["request"]
        if self._storm_left > 0:
            self._storm_left -= 1
            self.counts["429"] += 1
            return Action("status", 429, p.retry_after)
        storm, error, drop, slow = (self._hit("request", r) for r in
                                    (p.storm_rate, p.error_rate, p.drop_rate, p.slow_rate))
        code, after = rng.choice((500, 502, 503)), rng.random() < p.drop_after
        if storm:
            self._storm_left = max(0, p.storm_length - 1)
            self.counts["429"] += 1
            return Action("status", 429, p.retry_after)
        if error:
            self.counts[str(code)] += 1
            return Action("status", code)
        if drop:
            kind = "drop_after" if after and create else "drop_before"
            self.counts[kind] += 1
            return Action(kind)
        if slow:
            self.counts["slow"] += 1
            return Action("slow", seconds=p.slow_seconds)
        return None

    def on_task(self) -> TaskFault:
        p, rng = self.profile, self._rng["task"]
        fail, throttle = self._hit("task", p.fail_rate), self._hit("task", p.throttle_rate)
        code, at = rng.choice(p.failure_codes or catalog.FAILURE_CODES), rng.uniform(0.05, 0.9)
        if fail:
            self.counts["failed_task"] += 1
        if throttle:
            self.counts["long_throttle"] += 1
        return TaskFault(code if fail else None, at, p.throttle_seconds if throttle else 0.0)

    def on_download(self) -> float | None:
        """The fraction of the file to send before cutting the connection, or None for all of it."""
        cut, frac = self._hit("download", self.profile.truncate_rate), self._rng["download"].uniform(0.1, 0.9)
        if cut:
            self.counts["truncated"] += 1
            return frac
        return None

    def on_output_urls(self) -> bool:
        """True when this task's URLs should be handed out already expired."""
        if self._hit("url", self.profile.expire_rate):
            self.counts["expired_url"] += 1
            return True
        return False
