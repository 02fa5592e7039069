"""Clocks for the sandbox engine: real time when served (runway_nb.clock.RealClock, the client's
own), a fake one that tests move by hand.

Both speak the same small protocol as tasks.py's clocks (`now()` monotonic seconds, `async sleep`),
so a lifecycle that takes minutes on the real service runs in microseconds in a unit test.
"""

from __future__ import annotations

import asyncio
import threading


class FakeClock:
    """Time that moves only when told: `advance(s)`, or by awaiting `sleep(s)` (which returns at once)."""

    realtime = False

    def __init__(self, start: float = 0.0) -> None:
        self._t = float(start)
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._t

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError(f"a clock cannot go back ({seconds} s)")
        with self._lock:
            self._t += seconds
            return self._t

    async def sleep(self, seconds: float) -> None:
        self.advance(max(0.0, seconds))
        await asyncio.sleep(0)
