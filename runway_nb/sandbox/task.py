"""One task's record and its timing model: how long each phase lasts and how progress moves.

The real service's times come from catalog.typical_seconds, varied per task (seeded, so a run can
be replayed) and scaled by time_scale; progress follows an uneven curve with the odd stall, as
real progress bars do.
"""

from __future__ import annotations

import concurrent.futures
import math
import random
import time
from dataclasses import dataclass, field, replace

from .faults import TaskFault
from .outputs import Plan

FAILURE_MESSAGES = {
    "SAFETY.INPUT.TEXT": "The prompt was flagged by content moderation.",
    "SAFETY.INPUT.IMAGE": "An input image was flagged by content moderation.",
    "SAFETY.OUTPUT.VIDEO": "The output was flagged by content moderation; try a different prompt.",
    "INTERNAL.BAD_OUTPUT": "The output did not pass quality checks; please try again.",
    "ASSET.INVALID": "An input asset could not be processed; check its format and content.",
    "INTERNAL": "An internal error occurred; please try again.",
}
_KNOTS = 10  # progress curve segments


@dataclass(eq=False)
class Task:
    """One task as the engine knows it; `state` is QUEUED/ACTIVE until it ends."""

    id: str
    model: str
    body: dict  # as sent, with long strings (data URIs) cut: see brief()
    plan: Plan
    created: float  # clock time
    wall: float  # epoch seconds, for createdAt
    credits: int
    fault: TaskFault
    pending: float  # service seconds spent PENDING once started
    run: float  # service seconds spent RUNNING
    curve: tuple[float, ...]  # progress at each knot, uneven with stalls
    inputs: list = field(default_factory=list)
    state: str = "QUEUED"  # QUEUED | ACTIVE | SUCCEEDED | FAILED | CANCELLED
    started: float | None = None
    ended: float | None = None
    ready_at: float | None = None  # when the output file was written (or synthesis failed)
    error: str | None = None
    job: concurrent.futures.Future | None = None
    outputs: list[str] = field(default_factory=list)
    deleted: bool = False
    failure_code: str | None = None
    refunded: int = 0  # credits given back (cancelled before it ran, or failed on Runway's side)

    def cost(self, status: str) -> dict:
        """The wire's money field (SDK 5.24.0): `estimatedCost` while waiting or running, `cost` once ended.

        estimatedCost is "the maximum credits this task may charge"; cost is the final charge, 0 when
        fully refunded."""
        if status in ("SUCCEEDED", "FAILED", "CANCELLED"):
            return {"cost": {"credits": int(self.credits - self.refunded)}}
        return {"estimatedCost": {"credits": self.credits}}

    @property
    def eligible(self) -> float:
        return self.created + self.fault.extra_throttle

    def status(self, now: float) -> str:
        if self.state not in ("QUEUED", "ACTIVE"):
            return self.state
        if self.started is None:
            return "THROTTLED"
        return "PENDING" if now < self.started + self.pending else "RUNNING"

    def progress(self, now: float) -> float:
        f = max(0.0, (now - self.started - self.pending) / self.run) if self.run > 0 else 1.0
        x = min(f, 1.0) * _KNOTS
        i = min(int(x), _KNOTS - 1)
        p = self.curve[i] + (self.curve[i + 1] - self.curve[i]) * (x - i)
        return round(min(p, 0.99), 4)  # 1.0 only as SUCCEEDED

    def end_time(self) -> float:
        start = self.started + self.pending
        if self.fault.failure_code:
            return start + self.run * self.fault.fail_at
        return math.inf if self.ready_at is None else max(start + self.run, self.ready_at)


def curve(rng: random.Random) -> tuple[float, ...]:
    """Cumulative progress at _KNOTS+1 points: uneven steps, some flat (a stall)."""
    steps = [0.0 if rng.random() < 0.15 else rng.uniform(0.2, 1.5) for _ in range(_KNOTS)]
    steps[-1] = steps[-1] or 0.5
    total, acc, out = sum(steps), 0.0, [0.0]
    for s in steps:
        acc += s
        out.append(acc / total)
    return tuple(out)


def iso(wall: float) -> str:
    ms = int(round(wall * 1000))
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + f".{ms % 1000:03d}Z"


def timing(typical: float, time_scale: float, rng: random.Random) -> tuple[float, float, tuple]:
    """(pending, running, progress curve) in clock seconds for one task: its typical time x a spread."""
    total = typical * time_scale
    total *= min(1.8, max(0.6, rng.lognormvariate(0, 0.2)))
    pending = total * rng.uniform(0.03, 0.12)
    return pending, total - pending, curve(rng)


def spent(plan: Plan) -> Plan:
    """The plan without its closure, so the input bytes it holds can be freed."""
    return replace(plan, make=_spent)


def _spent() -> bytes:
    raise RuntimeError("this task's output was already made")


def brief(value):
    """A body fit to keep for the task's lifetime: data URIs (up to 5 MB each) cut to a note."""
    if isinstance(value, str) and len(value) > 200:
        return f"{value[:40]}... ({len(value)} chars)"
    if isinstance(value, dict):
        return {k: brief(v) for k, v in value.items()}
    if isinstance(value, list):
        return [brief(v) for v in value]
    return value
