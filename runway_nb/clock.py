"""Clocks: monotonic seconds and a way to wait, injected so tests run lifecycles without real waits.

A leaf (stdlib only), shared by the client (http.py, poll.py, tasks.py, the magics) and the sandbox
engine, so both sides of the wire keep time the same way. The fake clocks live with their users:
poll.FakeClock jumps to the next sleeper's wake-up, sandbox.clock.FakeClock moves only when told.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol


class Clock(Protocol):
    """Monotonic seconds and a way to wait: injected so tests run lifecycles without real waits."""

    def now(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class ScaledClock:
    """Real time run `scale` times slower for the poller: follows a sandbox served with time_scale=scale
    at its own pace (0.01: a 30 s task is polled as if 30 s passed when 0.3 s did)."""

    realtime = True

    def __init__(self, scale: float) -> None:
        self.scale = scale

    def now(self) -> float:
        return time.monotonic() / self.scale

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds) * self.scale)


class RealClock(ScaledClock):
    """Monotonic wall time: a ScaledClock at scale 1."""

    def __init__(self) -> None:
        super().__init__(1.0)
