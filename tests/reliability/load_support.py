"""Load: many tasks followed at once from one process (live TaskViews), event-loop lag and CPU, and a batch
under a concurrency limit. Used by tests/reliability/test_load.py (counts) and bench/bench_load.py (times).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rel_support import HTTPS, percentile

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

# What 100 followed tasks are: cheap kinds (images, speech, short videos), spread over several models.
FOLLOW_MIX = [
    ("text_to_image", lambda i: dict(model="gen4_image", prompt_text=f"a kite {i}", ratio="1280:720")),
    ("text_to_image", lambda i: dict(model="gemini_2.5_flash", prompt_text=f"a boat {i}", ratio="1024:1024")),
    ("text_to_speech", lambda i: dict(model="eleven_multilingual_v2", prompt_text=f"Hello number {i}",
                                      voice={"type": "runway-preset", "preset_id": "Maya"})),
    ("text_to_video", lambda i: dict(model="gen4.5", prompt_text=f"a lake {i}", ratio="1280:720", duration=2)),
    ("image_to_video", lambda i: dict(model="gen4_turbo", prompt_image=f"{HTTPS}/{i}.png", ratio="960:960",
                                      duration=2)),
]


# -- event-loop lag -------------------------------------------------------------------------------------
class LagProbe:
    """Asks a loop to wake every `interval` s and records how late it woke: its lag (seconds)."""

    def __init__(self, interval: float = 0.005) -> None:
        self.interval = interval
        self.lags: list[float] = []
        self._stop = False
        self.future: Any = None

    async def run(self) -> None:
        while not self._stop:
            t0 = time.perf_counter()
            await asyncio.sleep(self.interval)
            self.lags.append(max(0.0, time.perf_counter() - t0 - self.interval))

    def start_on(self, loop: asyncio.AbstractEventLoop) -> LagProbe:
        """Run on a loop another thread drives (runway_nb's background loop)."""
        self.future = asyncio.run_coroutine_threadsafe(self.run(), loop)
        return self

    def reset(self) -> None:
        self.lags.clear()

    def stop(self) -> None:
        self._stop = True

    def summary(self) -> dict:
        lags = self.lags
        return {"samples": len(lags), "p50_ms": 1000 * percentile(lags, 50), "p99_ms": 1000 * percentile(lags, 99),
                "max_ms": 1000 * max(lags, default=0.0)}


# -- following many tasks with live views --------------------------------------------------------------
@dataclass
class DisplayCounter:
    """Stands in for IPython's display: counts publishes (the live view) and updates (the swap to HTML)."""

    calls: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def publish(self, obj: Any, display_id: str, *, update: bool = False) -> None:
        with self.lock:
            self.calls["update" if update else "publish"] += 1

    def publish_raw(self, data: dict, metadata: dict, display_id: str) -> None:
        with self.lock:
            self.calls["publish_raw"] += 1


@contextmanager
def counted_displays():
    """Route the widgets' display calls to a counter (no kernel here to show them)."""
    from runway_nb.widgets import _display

    counter = DisplayCounter()
    saved = _display.publish, _display.publish_raw
    _display.publish, _display.publish_raw = counter.publish, counter.publish_raw
    try:
        yield counter
    finally:
        _display.publish, _display.publish_raw = saved


def create_many(client: Any, n: int) -> list:
    tasks = []
    for i in range(n):
        resource, kwargs = FOLLOW_MIX[i % len(FOLLOW_MIX)]
        tasks.append(getattr(client, resource).create(**kwargs(i)))
    return tasks


def follow_with_views(tasks: list, *, widgets: bool = True, timeout: float = 120.0) -> dict:
    """Follow every task with a displayed TaskView (or an on_change callback when widgets=False) until all
    ended; returns counts (views, swaps, states sent) plus the CPU and wall time the following took."""
    cpu0, t0 = time.process_time(), time.perf_counter()
    events = Counter()
    if widgets:
        from runway_nb.widgets import show

        views = [show(t) for t in tasks]
        ended = [v.ended for v in views]
    else:
        views, ended = [], []
        for t in tasks:
            done = threading.Event()

            def changed(snap: Any, done: threading.Event = done) -> None:
                events["changes"] += 1
                if snap.terminal:
                    done.set()

            t.on_change(changed)
            if t.snapshot().terminal:
                done.set()
            ended.append(done)
    deadline = time.monotonic() + timeout
    for e in ended:
        e.wait(max(0.0, deadline - time.monotonic()))
    out = {"tasks": len(tasks), "ended": sum(e.is_set() for e in ended),
           "cpu_s": time.process_time() - cpu0, "wall_s": time.perf_counter() - t0,
           "status": Counter(t.status for t in tasks)}
    if widgets:
        out["views"] = len(views)
        out["states_sent"] = [v._binding._coalescer.sent for v in views]
        out["stored"] = sum(bool(v.paths) for v in views)
        out["final_status"] = Counter(v.run["task"]["status"] for v in views)
    else:
        out["changes"] = events["changes"]
    return out


# -- a sandbox in its own process (so its CPU is not counted as the client's) --------------------------
@contextmanager
def sandbox_process(api_key: str, **engine_kwargs: Any):
    """`python -m`-style sandbox in a child process with InstantSynth; yields its base URL."""
    args = ", ".join(f"{k}={v!r}" for k, v in engine_kwargs.items())
    code = (f"import sys; sys.path[:0] = [{str(HERE)!r}, {str(HERE.parent)!r}]; "  # rel_support, media_samples
            f"from rel_support import InstantSynth; "
            f"from runway_nb.sandbox import run; "
            f"run(0, api_key={api_key!r}, log_level='warning', synth=InstantSynth(), {args})")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)
    try:
        line = proc.stdout.readline().strip()
        if not line.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"sandbox did not start: {line!r} {proc.stderr.read()[:2000]}")
        yield line
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


# -- a batch under a concurrency limit -----------------------------------------------------------------
def max_overlap(intervals: list[tuple[float, float]]) -> int:
    """The most intervals open at one moment (an end at t closes before a start at t)."""
    marks = sorted([(a, 1) for a, _ in intervals] + [(b, -1) for _, b in intervals], key=lambda m: (m[0], m[1]))
    most = cur = 0
    for _, step in marks:
        cur += step
        most = max(most, cur)
    return most


async def semaphore_batch(client: Any, calls: list[tuple[str, dict]], limit: int) -> list:
    """What a batch API would do, written by hand: at most `limit` tasks exist unfinished at once."""
    gate = asyncio.Semaphore(limit)

    async def one(resource: str, kwargs: dict) -> Any:
        async with gate:
            task = await getattr(client, resource).create(**kwargs)
            try:
                await task.wait(timeout=None)
            except Exception:  # noqa: BLE001 - the batch reports outcomes, it does not stop
                pass
            return task

    return await asyncio.gather(*(one(r, kw) for r, kw in calls))
