"""The Poller across event loops: a task first followed on one loop (an async cell's) and later on
another (the background loop) must poll at its schedule's pace there, not spin the CPU."""

from __future__ import annotations

import asyncio

from runway_nb.clock import ScaledClock
from runway_nb.poll import Poller, Sample


class Core:
    """The little of tasks.TaskCore a Poller reads, polling forever (never terminal)."""

    id = "task-loops"
    typical = None
    terminal = False

    def __init__(self) -> None:
        self.clock = ScaledClock(0.001)  # a 1 s poll interval is 1 ms of real time
        self.start = self.clock.now()
        self.followed = True
        self.refreshes = self.turns = 0
        self.samples: list[Sample] = []
        self.settled: list = []

    @property
    def elapsed(self) -> float:
        return self.clock.now() - self.start

    def next_deadline(self):
        self.turns += 1  # once per turn of the poller's loop
        return None

    def expire_waiters(self) -> None:
        pass

    async def refresh(self):
        self.refreshes += 1
        self.samples.append(Sample(self.elapsed, "RUNNING", 0.01))
        return self

    def settle(self, error=None) -> None:
        self.settled.append(error)


def _follow_for(poller: Poller, seconds: float) -> None:
    async def run() -> None:
        poller.start()
        await asyncio.sleep(seconds)
        await poller.stop()

    asyncio.run(run())


def test_a_poll_moved_to_a_second_loop_keeps_its_pace():
    core = Core()
    poller = Poller(core)
    _follow_for(poller, 0.05)  # the first loop: its wake event is now bound to it
    first = core.refreshes, core.turns
    _follow_for(poller, 0.2)  # the second loop
    polls, turns = core.refreshes - first[0], core.turns - first[1]
    assert core.settled == []
    assert first[0] > 0 and polls > 0
    # 0.2 s at >= 1 ms (1 scaled second) per poll is at most 200 turns; a spinning loop makes ~10^4.
    assert turns <= 200, f"{turns} turns of the poller in 0.2 s ({polls} polls): it spun"
