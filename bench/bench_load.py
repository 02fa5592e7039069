"""Load: 100 tasks followed at once from one process with live TaskViews, and a batch of 50 under a
concurrency limit of 5. Prints figures; asserts nothing (tests/reliability/test_load.py asserts the counts).

1. Follow: the sandbox runs in its own process (its CPU is not the client's). 100 tasks are created and
   each shown with a TaskView; while they run, a probe wakes every 5 ms on runway_nb's polling loop and
   on the main thread's loop, and records how late it woke (event-loop lag). Twice: in this process with
   an asyncio loop standing in for the kernel's, and in a real IPython kernel (jupyter_client), whose own
   loop is the one a notebook feels. Targets: p99 lag under 50 ms; CPU per followed task is reported.
2. Batch: 50 images, at most 5 running at once, against ideal = 10 waves x task time (the sum of the
   sandbox's planned task times / 5) and against greedy = the same tasks, in the same order, each
   started the instant a lane frees (what no client can beat: task times vary, so lanes end unevenly).
   As Runway does it (all created, the service queues them THROTTLED), by hand on the client
   (AsyncRunwayML + a semaphore), and with RunwayML.batch. The clients poll on a ScaledClock, i.e. at
   the real service's pace. Target: within 10% of ideal.

    .venv/bin/python bench/bench_load.py [--tasks 100] [--time-scale 0.2] [--batch-time-scale 0.2] [--no-kernel]
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "reliability"), str(ROOT / "tests")]  # rel_support, media_samples

from load_support import (  # noqa: E402
    FOLLOW_MIX,
    LagProbe,
    counted_displays,
    max_overlap,
    sandbox_process,
    semaphore_batch,
)
from rel_support import InstantSynth, table  # noqa: E402

from runway_nb._loop import get_loop  # noqa: E402
from runway_nb.client import AsyncRunwayML, RunwayML  # noqa: E402
from runway_nb.clock import ScaledClock  # noqa: E402
from runway_nb.sandbox import serve  # noqa: E402

KEY = "key_bench_load_0123456789abcdef"


def _sandbox(args, n: int):
    return sandbox_process(KEY, time_scale=args.time_scale, concurrency=n, daily_limit=10**6, credits=10**9)


# -- 1. follow ----------------------------------------------------------------------------------------
def follow_here(args, base_url: str) -> dict:
    """This process: the main thread runs an asyncio loop (a stand-in for the kernel's) while it waits."""
    from runway_nb.widgets import show

    os.environ.update(RUNWAYML_BASE_URL=base_url, RUNWAYML_API_SECRET=KEY)
    client = RunwayML()  # journal on, as a notebook user has it

    async def main() -> dict:
        tasks = [getattr(client, r).create(**kw(i)) for i, (r, kw) in
                 ((i, FOLLOW_MIX[i % len(FOLLOW_MIX)]) for i in range(args.tasks))]
        here, polling = LagProbe(), LagProbe().start_on(get_loop())
        probe = asyncio.ensure_future(here.run())
        cpu0, t0 = time.process_time(), time.perf_counter()
        with counted_displays() as displays:
            views = [show(t) for t in tasks]
            while not all(v.ended.is_set() for v in views):
                await asyncio.sleep(0.05)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - t0
        here.stop()
        polling.stop()
        await probe
        return {"where": "this process (asyncio stand-in)", "tasks": len(tasks),
                "ended": sum(v.ended.is_set() for v in views), "stored": sum(bool(v.paths) for v in views),
                "wall_s": wall, "cpu_s": cpu, "main": here.summary(), "polling": polling.summary(),
                "states": sum(v._binding._coalescer.sent for v in views), "swaps": displays.calls["update"]}

    try:
        return asyncio.run(main())
    finally:
        client.close()


KERNEL_SETUP = """
import asyncio, json, sys, time
sys.path[:0] = [{here!r}, {tests!r}]
from load_support import FOLLOW_MIX, LagProbe
from runway_nb._loop import get_loop
from runway_nb.client import RunwayML
from runway_nb.widgets import show
client = RunwayML()
tasks = [getattr(client, r).create(**kw(i)) for i, (r, kw) in ((i, FOLLOW_MIX[i % len(FOLLOW_MIX)]) for i in range({n}))]
_kernel, _polling = LagProbe(), LagProbe().start_on(get_loop())
_probe = asyncio.ensure_future(_kernel.run())
_cpu0, _t0 = time.process_time(), time.perf_counter()
views = [show(t) for t in tasks]
"""
KERNEL_WAIT = """
while not all(v.ended.is_set() for v in views):
    await asyncio.sleep(0.05)
_cpu, _wall = time.process_time() - _cpu0, time.perf_counter() - _t0
_kernel.stop(); _polling.stop()
print(json.dumps({"tasks": len(tasks), "ended": sum(v.ended.is_set() for v in views),
                  "stored": sum(bool(v.paths) for v in views), "wall_s": _wall, "cpu_s": _cpu,
                  "main": _kernel.summary(), "polling": _polling.summary(),
                  "states": sum(v._binding._coalescer.sent for v in views)}))
"""


def follow_in_kernel(args, base_url: str) -> dict | None:
    try:
        from jupyter_client.manager import start_new_kernel
    except ImportError:
        return None
    work = Path(tempfile.mkdtemp(prefix="bench_load-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RUNWAY_NB_", "RUNWAYML_"))}
    env.update(RUNWAYML_BASE_URL=base_url, RUNWAYML_API_SECRET=KEY, RUNWAY_NB_HOME=str(work / ".runway"),
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])))
    km, kc = start_new_kernel(kernel_name="python3", cwd=str(work), env=env, startup_timeout=90)
    messages = {"iopub": 0, "comm": 0}
    out: list[str] = []

    def hook(msg: dict) -> None:
        messages["iopub"] += 1
        messages["comm"] += msg["msg_type"].startswith("comm_")
        if msg["msg_type"] == "stream":
            out.append(msg["content"]["text"])
        elif msg["msg_type"] == "error":
            out.append("\n".join(msg["content"]["traceback"]))

    try:
        setup = KERNEL_SETUP.format(here=str(ROOT / "tests" / "reliability"), tests=str(ROOT / "tests"),
                                    n=args.tasks)
        for code in (setup, KERNEL_WAIT):
            reply = kc.execute_interactive(code, timeout=600, output_hook=hook)
            if reply["content"]["status"] != "ok":
                raise RuntimeError("".join(out)[-3000:])
        figures = json.loads("".join(out).strip().splitlines()[-1])
        figures.update(where="an IPython kernel (jupyter_client)", iopub=messages["iopub"], comm=messages["comm"])
        return figures
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def follow_rows(f: dict) -> list[tuple]:
    n = f["tasks"]
    return [(f["where"], f"{f['ended']}/{n}", f"{f['stored']}/{n}", f"{f['wall_s']:.1f}",
             f"{f['main']['p50_ms']:.1f} / {f['main']['p99_ms']:.1f} / {f['main']['max_ms']:.0f}",
             f"{f['polling']['p50_ms']:.1f} / {f['polling']['p99_ms']:.1f} / {f['polling']['max_ms']:.0f}",
             f"{1000 * f['cpu_s'] / n:.1f}", f"{f['states'] / n:.1f}")]


# -- 2. batch -----------------------------------------------------------------------------------------
def calls(n: int) -> list[tuple[str, dict]]:
    return [("text_to_image", dict(model="gen4_image", prompt_text=f"tile {i}", ratio="1280:720")) for i in range(n)]


def _clock(args) -> ScaledClock:
    """The client keeps the real service's pace on a sandbox running `batch_time_scale` times faster:
    with a plain clock it would poll 3 s tasks on the timetable of 15 s ones (first poll after >= 1 s,
    queued states every >= 2 s), and each of the 10 waves would wait seconds to be noticed."""
    return ScaledClock(args.batch_time_scale)


def ideal(engine, ids) -> tuple[float, float]:
    """(ideal = sum of planned task times / 5, i.e. 10 waves x mean task time; mean task time)."""
    durations = [engine.task(t).pending + engine.task(t).run for t in ids]
    return sum(durations) / 5, statistics.fmean(durations)


def greedy(engine, ids, lanes: int = 5) -> float:
    """The best any client can do with these tasks in this order: each starts the instant a lane frees
    (no request or polling latency). Above sum/5 because task times vary (the sandbox: +-20%), so the
    last wave's lanes end unevenly; what a client adds is the time over this."""
    free = [0.0] * lanes
    for t in ids:
        heapq.heappush(free, heapq.heappop(free) + engine.task(t).pending + engine.task(t).run)
    return max(free)


def batch_by_service(args) -> dict:
    with serve(time_scale=args.batch_time_scale, synth=InstantSynth(), concurrency=5, daily_limit=10**6,
               credits=10**9) as sb:
        client = RunwayML(api_key=sb.api_key, base_url=sb.base_url, journal=False, clock=_clock(args))
        t0 = time.perf_counter()
        tasks = [getattr(client, r).create(**kw) for r, kw in calls(50)]
        for t in tasks:
            t.wait(timeout=None)
        wall = time.perf_counter() - t0
        ids = [t.id for t in tasks]
        best, mean = ideal(sb.engine, ids)
        floor = greedy(sb.engine, ids)
        spans = [(sb.engine.task(t).started, sb.engine.task(t).ended) for t in ids]
        server = max(e for _, e in spans) - min(sb.engine.task(t).created for t in ids)
        client.close()
    return {"how": "all created; the service queues (THROTTLED)", "wall": wall, "server": server, "ideal": best, "greedy": floor,
            "mean": mean, "peak": max_overlap(spans), "ok": sum(t.status == "SUCCEEDED" for t in tasks)}


def batch_by_hand(args) -> dict:
    with serve(time_scale=args.batch_time_scale, synth=InstantSynth(), concurrency=50, daily_limit=10**6,
               credits=10**9) as sb:

        async def main() -> tuple[list, float]:
            async with AsyncRunwayML(api_key=sb.api_key, base_url=sb.base_url, journal=False, clock=_clock(args)) as c:
                t0 = time.perf_counter()
                tasks = await semaphore_batch(c, calls(50), 5)
                return tasks, time.perf_counter() - t0

        tasks, wall = asyncio.run(main())
        ids = [t.id for t in tasks]
        best, mean = ideal(sb.engine, ids)
        floor = greedy(sb.engine, ids)
        spans = [(sb.engine.task(t).created, sb.engine.task(t).ended) for t in ids]
        server = max(e for _, e in spans) - min(s for s, _ in spans)
    return {"how": "client: AsyncRunwayML + semaphore(5)", "wall": wall, "server": server, "ideal": best, "greedy": floor,
            "mean": mean, "peak": max_overlap(spans), "ok": sum(t.status == "SUCCEEDED" for t in tasks)}


def batch_api(args) -> dict | None:
    if not hasattr(RunwayML, "batch"):
        return None
    with serve(time_scale=args.batch_time_scale, synth=InstantSynth(), concurrency=50, daily_limit=10**6,
               credits=10**9) as sb:
        client = RunwayML(api_key=sb.api_key, base_url=sb.base_url, journal=False, clock=_clock(args))
        t0 = time.perf_counter()
        tasks = client.batch(calls(50), concurrency=5)
        wall = time.perf_counter() - t0
        ids = [t.id for t in tasks]
        best, mean = ideal(sb.engine, ids)
        floor = greedy(sb.engine, ids)
        spans = [(sb.engine.task(t).created, sb.engine.task(t).ended) for t in ids]
        server = max(e for _, e in spans) - min(s for s, _ in spans)
        client.close()
    return {"how": "RunwayML.batch(concurrency=5)", "wall": wall, "server": server, "ideal": best, "greedy": floor, "mean": mean,
            "peak": max_overlap(spans), "ok": sum(t.status == "SUCCEEDED" for t in tasks)}


def batch_row(b: dict) -> tuple:
    return (b["how"], f"{b['ok']}/50", b["peak"], f"{b['mean']:.2f}", f"{b['ideal']:.1f}", f"{b['greedy']:.1f}",
            f"{b['server']:.1f}", f"{b['wall']:.1f}", f"{100 * (b['wall'] / b['ideal'] - 1):+.1f}%",
            f"{100 * (b['wall'] / b['greedy'] - 1):+.1f}%")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tasks", type=int, default=100)
    p.add_argument("--time-scale", type=float, default=0.2, help="sandbox time scale for the followed tasks")
    p.add_argument("--batch-time-scale", type=float, default=0.2, help="gen4_image at 0.2: ~3 s per task")
    p.add_argument("--no-kernel", action="store_true", help="skip the IPython kernel run")
    p.add_argument("--skip-batch", action="store_true")
    args = p.parse_args()
    cwd = Path(tempfile.mkdtemp(prefix="bench_load-"))
    os.chdir(cwd)  # the journal and runway_outputs/ land here
    os.environ["RUNWAY_NB_HOME"] = str(cwd / ".runway")

    follows = []
    with _sandbox(args, args.tasks) as base_url:
        follows.append(follow_here(args, base_url))
    if not args.no_kernel:
        with _sandbox(args, args.tasks) as base_url:
            k = follow_in_kernel(args, base_url)
            if k is not None:
                follows.append(k)
    print(table(f"{args.tasks} tasks followed at once with live TaskViews (sandbox in its own process, time scale "
                f"{args.time_scale}); lag in ms, target p99 < 50",
                [r for f in follows for r in follow_rows(f)],
                ("where", "ended", "stored", "wall s", "main loop lag p50/p99/max", "polling loop lag p50/p99/max",
                 "CPU ms/task", "view states/task")))
    for f in follows:
        if "iopub" in f:
            print(f"  kernel: {f['iopub']} iopub messages ({f['comm']} widget comm messages) for {f['tasks']} views")
    if args.skip_batch:
        return
    rows = [batch_row(batch_by_service(args)), batch_row(batch_by_hand(args))]
    api = batch_api(args)
    rows.append(batch_row(api) if api else ("RunwayML.batch(concurrency=5)", "missing API", *[""] * 8))
    print()
    print(table("a batch of 50 (gen4_image) under a concurrency limit of 5; ideal = sum of task times / 5 "
                "(10 waves x mean), greedy = the same tasks started the instant a lane frees (no client "
                "latency); target within +10%", rows,
                ("how", "succeeded", "peak running", "mean task s", "ideal s", "greedy s", "service s", "client s",
                 "vs ideal", "vs greedy")))


if __name__ == "__main__":
    main()
