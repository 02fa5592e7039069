"""Scale: a batch of hundreds of tasks followed by one BatchView, at flat cost. Prints figures only.

1. Flatness (100 vs 500 tasks). The sandbox runs in a child process (its CPU and memory are not the
   client's), tier 5 (20 gen4_image tasks at once), InstantSynth (tiny outputs: this is about following,
   not encoding). This process plays the kernel: an asyncio loop on the main thread (a stand-in for
   the kernel's) and runway_nb's polling loop, each probed every 5 ms for lag, while
   `BatchView.run(client, calls)` runs the batch in the background with the journal on and every output
   stored. Reported: wall time against the greedy schedule (the same tasks, in the same order, each
   started the instant one of the 20 lanes frees, with the sandbox's own task times: what no client
   can beat), loop lag p99, RSS growth, CPU per task, the view's sends and its synced bytes.
2. Saved notebook size: the same N images in a real kernel (nbclient, as bench_notebook_size.py runs
   and measures it) shown by one BatchView against one TaskView per task (`show(task)`), widget state
   in the metadata as a browser's widget manager keeps it. Target: under 1 MB with the BatchView.

    .venv/bin/python bench/bench_batch_scale.py [--sizes 100 500] [--time-scale 0.2] [--no-view-too]
                                                [--notebook-tasks 500] [--notebook-time-scale 0.02]
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "reliability"), str(ROOT / "tests"), str(ROOT / "bench")]

from load_support import LagProbe, counted_displays  # noqa: E402
from rel_support import table  # noqa: E402

KEY = "key_bench_batch_scale_0123456789ab"
LANES = 20  # tier 5: maxConcurrentGenerations per model
CHILD = """
import json, sys
sys.path[:0] = [{here!r}, {tests!r}]
from rel_support import InstantSynth
from runway_nb.sandbox import serve
with serve(api_key={key!r}, time_scale={ts!r}, tier=5, daily_limit=10**6, credits=10**9, synth=InstantSynth()) as sb:
    print(sb.base_url, flush=True)
    sys.stdin.readline()
    e = sb.engine
    print(json.dumps({{i: [e.task(i).pending + e.task(i).run] for i in e.stats()["task_ids"]}}), flush=True)
"""


def rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def calls(n: int) -> list:
    return [("text_to_image", dict(model="gen4_image", prompt_text=f"tile {i}", ratio="1280:720", seed=i + 1))
            for i in range(n)]


def greedy(durations: list[float], lanes: int = LANES) -> float:
    free = [0.0] * lanes
    for d in durations:
        heapq.heappush(free, heapq.heappop(free) + d)
    return max(free)


def follow(n: int, ts: float, view: bool = True) -> dict:
    """One batch of n in this process against a sandbox child; the figures of section 1."""
    from runway_nb._loop import get_loop
    from runway_nb.client import RunwayML
    from runway_nb.clock import ScaledClock
    from runway_nb.observer import storer
    from runway_nb.widgets import BatchView

    code = CHILD.format(here=str(ROOT / "tests" / "reliability"), tests=str(ROOT / "tests"), key=KEY, ts=ts)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    child = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                             env=env)
    try:
        base_url = child.stdout.readline().strip()
        client = RunwayML(api_key=KEY, base_url=base_url, clock=ScaledClock(ts))  # journal on, as in a notebook

        async def main() -> dict:
            here, polling = LagProbe(), LagProbe().start_on(get_loop())
            probe = asyncio.ensure_future(here.run())
            rss0, cpu0, t0 = rss_kb(), time.process_time(), time.perf_counter()
            sends = {"rows": 0, "summary": 0}
            with counted_displays() as displays:
                if view:
                    shown = BatchView.run(client, calls(n))
                    shown._ipython_display_()
                    shown.observe(lambda c: sends.__setitem__(c["name"], sends[c["name"]] + 1),
                                  names=["rows", "summary"])
                    while not shown.ended.is_set():
                        await asyncio.sleep(0.05)
                    run = shown.batch
                else:  # the same batch with no view: what following it costs without one
                    run = client.batch(calls(n), background=True)
                    while not run.done:
                        await asyncio.sleep(0.05)
                    for t in run.tasks:  # and every output stored, as the view waits for
                        if t.status == "SUCCEEDED":
                            await asyncio.wrap_future(storer(t).store(t))
                wall = time.perf_counter() - t0
            cpu, rss = time.process_time() - cpu0, rss_kb() - rss0
            here.stop()
            polling.stop()
            await probe
            result = run.wait(5)
            out = {"n": n, "view": view, "wall": wall, "cpu": cpu, "rss_kb": rss, "main": here.summary(),
                   "polling": polling.summary(), "ok": sum(t.status == "SUCCEEDED" for t in result),
                   "ids": [t.id for t in result], "sends": sends, "swaps": displays.calls["update"]}
            if view:
                out.update(thumbs=sum(bool(r[2]) for r in shown.rows), rows_bytes=len(json.dumps(shown.rows).encode()),
                           summary_bytes=len(json.dumps(shown.summary).encode()), counts=shown.counts())
            return out

        out = asyncio.run(main())
        client.close()
        child.stdin.write("\n")
        child.stdin.flush()
        times = json.loads(child.stdout.readline())
        out["greedy"] = greedy([times[i][0] for i in out.pop("ids") if i in times])
        return out
    finally:
        child.terminate()
        child.wait(10)


# -- 2. saved notebook size --------------------------------------------------------------------------
SETUP = """
from runway_nb.client import RunwayML
from runway_nb.clock import ScaledClock
from runway_nb.sandbox import serve
sb = serve(time_scale={ts}, tier=5, daily_limit=10**6, credits=10**9).__enter__()
client = RunwayML(api_key=sb.api_key, base_url=sb.base_url, clock=ScaledClock({ts}))
calls = [("text_to_image", dict(model="gen4_image", prompt_text=f"tile {{i}}", ratio="1280:720", seed=i + 1))
         for i in range({n})]
"""
ONE_VIEW = ["from runway_nb.widgets import BatchView\nview = BatchView.run(client, calls)\nview",
            "view.wait(); None"]
MANY_LIVE = ["from runway_nb.widgets import show\nrun = client.batch(calls, background=True)\nimport time\n"
             "while any(c is None for c in run.cores): time.sleep(0.01)\nviews = [show(t) for t in run.tasks]\nNone",
             "for v in views: v.ended.wait()\nNone"]


def notebook_sizes(n: int, ts: float) -> list[tuple]:
    import nbformat
    from bench_notebook_size import anatomy, execute

    rows = []
    tmp = Path(tempfile.mkdtemp(prefix="bench_batch_scale-"))
    env_before = dict(os.environ)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    try:
        for label, cells in (("one BatchView", ONE_VIEW), ("one TaskView per task (shown while running)", MANY_LIVE)):
            nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in
                                                 [SETUP.format(ts=ts, n=n), *cells]])
            t0 = time.perf_counter()
            path, _ = execute(nb, tmp / label.split()[1], "batch.ipynb")
            a = anatomy(path)
            rows.append((label, n, f"{a['bytes'] / 1000:.1f} KB", f"{a['without_state'] / 1000:.1f} KB",
                         f"{a['outputs'] / 1000:.1f} KB", f"{a['state'] / 1000:.1f} KB", a["models"], a["errors"],
                         f"{time.perf_counter() - t0:.0f}", "met" if "Batch" in label and a["bytes"] < 1e6 else ""))
    finally:
        os.environ.clear()
        os.environ.update(env_before)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="*", default=[100, 500], help="none skips section 1")
    ap.add_argument("--time-scale", type=float, default=0.2, help="sandbox speed: gen4_image ~3 s per task at 0.2")
    ap.add_argument("--no-view-too", action="store_true", help="also the largest batch with no view")
    ap.add_argument("--notebook-tasks", type=int, default=500, help="0 skips the notebook-size section")
    ap.add_argument("--notebook-time-scale", type=float, default=0.02)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench_batch_scale-"))
    os.chdir(work)  # the journal and runway_outputs/ land here
    os.environ["RUNWAY_NB_HOME"] = str(work / ".runway")

    runs = [follow(n, args.time_scale) for n in args.sizes]
    if args.no_view_too and args.sizes:
        runs.append(follow(max(args.sizes), args.time_scale, view=False))
    if runs:
        print(table(f"a batch of N gen4_image at tier 5 ({LANES} at once), journal on, outputs stored; sandbox in a "
                    f"child process at time scale {args.time_scale}; load average {os.getloadavg()[0]:.1f}",
                    [(r["n"], "BatchView" if r["view"] else "none", f"{r['ok']}/{r['n']}", r.get("thumbs", ""),
                      f"{r['greedy']:.1f}", f"{r['wall']:.1f}", f"{100 * (r['wall'] / r['greedy'] - 1):+.0f}%",
                      f"{r['main']['p99_ms']:.1f} / {r['main']['max_ms']:.0f}",
                      f"{r['polling']['p99_ms']:.1f} / {r['polling']['max_ms']:.0f}",
                      f"{r['rss_kb'] / 1024:.1f} ({r['rss_kb'] / r['n']:.0f} KB/task)", f"{1000 * r['cpu'] / r['n']:.1f}",
                      f"{r['sends']['rows']} / {r['sends']['summary']}" if r["view"] else "",
                      f"{r['rows_bytes'] / 1000:.1f} KB" if r["view"] else "",
                      f"{r['summary_bytes']} B" if r["view"] else "") for r in runs],
                    ("N", "view", "succeeded", "thumbs", "greedy s", "wall s", "vs greedy", "main lag p99/max ms",
                     "polling lag p99/max ms", "RSS growth MB", "CPU ms/task", "rows/summary sends", "rows state",
                     "summary")))
    if args.notebook_tasks:
        print()
        print(table(f"saved notebook, {args.notebook_tasks} images run in a real kernel (nbclient), sandbox in the "
                    "kernel at tier 5; target under 1 MB for the BatchView",
                    notebook_sizes(args.notebook_tasks, args.notebook_time_scale),
                    ("shown by", "tasks", "file", "without widget state", "outputs", "widget state", "models",
                     "errors", "kernel s", "target")))


if __name__ == "__main__":
    main()
