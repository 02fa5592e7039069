"""What the journal costs a task: time per create record and per status change (median and p99, ms).

Target: under 2 ms per status change, since observers run on the polling loop. Prints figures only.
Run: .venv/bin/python bench/bench_journal.py [tasks]
"""

from __future__ import annotations

import multiprocessing
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from runway_nb.journal import Journal  # noqa: E402
from runway_nb.observer import JournalObserver  # noqa: E402

BODY = {"model": "gen4.5", "promptText": "a slow pan across a misty harbour at dawn, gulls overhead",
        "ratio": "1280:720", "duration": 5, "seed": 1234,
        "promptImage": "data:image/png;base64," + "iVBORw0KGgo" * 3000}  # a ~33 kB data URI to sanitize


def snapshot(task_id: str, status: str, progress: float, **kw) -> object:
    """A TaskSnapshot when tasks.py is importable, else a stand-in with the same fields."""
    fields = dict(id=task_id, model="gen4.5", endpoint="/v1/text_to_video", prompt=BODY["promptText"],
                  status=status, progress=progress, created_at=None, elapsed=1.0, eta=None,
                  estimated_credits=60, cost_credits=kw.get("cost_credits"), failure=None, failure_code=None,
                  output=tuple(kw.get("output", ())), sandbox=False)
    try:
        from runway_nb.tasks import TaskSnapshot

        return TaskSnapshot(**fields)
    except ImportError:
        return SimpleNamespace(**fields)


def core(task_id: str) -> SimpleNamespace:
    return SimpleNamespace(id=task_id, endpoint="/v1/text_to_video", model="gen4.5", body=BODY,
                           estimate=SimpleNamespace(credits=60), sandbox=False,
                           http=SimpleNamespace(base_url="https://api.dev.runwayml.com"))


def run(folder: Path, n: int, prefix: str = "t") -> dict[str, list[float]]:
    """One observer's life for n tasks: created, PENDING->RUNNING, progress polls, SUCCEEDED."""
    obs = JournalObserver(Journal(folder), folder / "outputs", download=False)
    times: dict[str, list[float]] = {"created": [], "status change": [], "progress (throttled)": []}

    def timed(kind: str, fn, arg) -> None:
        t0 = time.perf_counter()
        fn(arg)
        times[kind].append((time.perf_counter() - t0) * 1000)

    for i in range(n):
        tid = f"{prefix}{i:05d}"
        timed("created", obs.on_created, core(tid))
        timed("status change", obs.on_change, snapshot(tid, "RUNNING", 0.05))
        for p in (0.2, 0.35, 0.5, 0.65, 0.8):  # polls a few seconds apart: mostly skipped by the throttle
            timed("progress (throttled)", obs.on_change, snapshot(tid, "RUNNING", p))
        timed("status change", obs.on_change,
              snapshot(tid, "SUCCEEDED", 1.0, output=[f"https://cdn.example/{tid}.mp4?sig=x"], cost_credits=60))
    obs.journal.close()
    return times


def _rival(folder: str, n: int, ready) -> None:
    ready.wait()
    run(Path(folder), n, prefix="rival")


def report(title: str, times: dict[str, list[float]]) -> None:
    print(title)
    for kind, values in times.items():
        values = sorted(values)
        p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
        print(f"  {kind:<22} n={len(values):<5} median {statistics.median(values):6.3f} ms   p99 {p99:6.3f} ms")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 400
    with tempfile.TemporaryDirectory(prefix="bench_journal_") as tmp:
        run(Path(tmp) / "warm", 20)
        report(f"journal overhead per task, one kernel ({n} tasks; target < 2 ms per status change):",
               run(Path(tmp) / "alone", n))
        ctx = multiprocessing.get_context("spawn")
        ready = ctx.Barrier(2)
        rival = ctx.Process(target=_rival, args=(str(Path(tmp) / "shared"), n, ready))
        Journal(Path(tmp) / "shared").close()
        rival.start()
        ready.wait()
        shared = run(Path(tmp) / "shared", n)
        rival.join()
        report(f"\nwhile a second kernel writes the same journal ({n} tasks each):", shared)
        total = Journal(Path(tmp) / "shared").count()
        print(f"  rows after both: {total} (expected {2 * n})")


if __name__ == "__main__":
    main()
