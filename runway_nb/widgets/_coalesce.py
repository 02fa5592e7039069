"""Send a widget's state only when it changed, and at most every `interval` seconds.

A task's on_change fires on every poll answer that changes something; several views at once must
not flood the kernel's output channel. The newest state always wins, and the last one is never
lost: a change inside the quiet interval is sent when the interval ends.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from ._schedule import SCHEDULER

INTERVAL = 0.25  # seconds: four updates a second at most per view


class Coalescer:
    def __init__(self, send: Callable[[Any], None], interval: float = INTERVAL, *,
                 clock: Callable[[], float] = time.monotonic,
                 call_later: Callable[[float, Callable[[], None]], None] | None = None) -> None:
        self._send = send
        self._interval = interval
        self._clock = clock
        self._call_later = call_later or SCHEDULER.call_later
        self._lock = threading.RLock()
        self._last: Any = None
        self._sent_at = float("-inf")
        self._pending: Any = None
        self._has_pending = False
        self._scheduled = False
        self.sent = 0  # how many states went out (tests and benchmarks read it)

    def push(self, value: Any, *, now: bool = False) -> None:
        """Offer the newest state; it goes out at once if the interval has passed (or `now`)."""
        with self._lock:
            if value == self._last and not self._has_pending:
                return
            self._pending, self._has_pending = value, True
            wait = self._sent_at + self._interval - self._clock()
            if now or wait <= 0:
                self._flush_locked()
            elif not self._scheduled:
                self._scheduled = True
                self._call_later(wait, self._on_timer)

    def flush(self) -> None:
        """Send what is pending now (before a display swap, so the last state is out first)."""
        with self._lock:
            self._flush_locked()

    def _on_timer(self) -> None:
        with self._lock:
            self._scheduled = False
            self._flush_locked()

    def _flush_locked(self) -> None:
        if not self._has_pending:
            return
        value, self._pending, self._has_pending = self._pending, None, False
        if value == self._last:
            return
        self._last, self._sent_at = value, self._clock()
        self.sent += 1
        self._send(value)
