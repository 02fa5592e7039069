"""Soak under faults: many task lifecycles through the client and through %runway, against a sandbox that
injects every fault it has (429 storms with Retry-After, 500/502/503, dropped connections before and after
a task exists, slow answers, long THROTTLED queues, FAILED tasks, expired output URLs, truncated
downloads). Prints figures; asserts nothing (tests/reliability/test_soak.py asserts the counts).

What the figures must show: the sandbox created exactly the tasks the client recorded, plus one orphan per
create that honestly said "maybe" (TaskMayExistError), reconciled by listing the sandbox's ids; no
duplicates; every succeeded task's output on disk; no error a user saw that was not a runway_nb error.
The client runs as a user has it: journal on with its default download client.

    .venv/bin/python bench/bench_soak.py [--lifecycles 1500] [--magic-cells 60] [--workers 24] [--seed 7]
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "reliability"))

from rel_support import InstantSynth, Media, ScaledClock, soak_faults, table  # noqa: E402
from soak_support import (  # noqa: E402
    cancel_figures,
    error_classes,
    journal_figures,
    magic_soak,
    reconcile,
    run_lifecycles,
    stored_files,
)

from runway_nb.client import RunwayML  # noqa: E402
from runway_nb.resume import resume  # noqa: E402
from runway_nb.sandbox import serve  # noqa: E402


def client_soak(args, media: Media, work: Path) -> None:
    folder = work / "runway_outputs"
    with serve(time_scale=args.time_scale, synth=InstantSynth(), concurrency=3, daily_limit=10**7, credits=10**10,
               faults=soak_faults(), fault_seed=args.seed) as sb:
        client = RunwayML(api_key=sb.api_key, base_url=sb.base_url, clock=ScaledClock(args.time_scale))
        observer = next(o for o in client._core.observers if hasattr(o, "wait_stored"))
        before = set(sb.engine.stats()["task_ids"])
        cpu0, t0 = time.process_time(), time.perf_counter()
        outcomes = run_lifecycles(client, media, range(args.lifecycles), folder, workers=args.workers)
        wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        figures = reconcile(outcomes, sb.engine, client, folder, before=before)
        for o in outcomes:
            if o.task_id:
                try:
                    observer.wait_stored(o.task_id, timeout=60)
                except Exception:  # noqa: BLE001 - counted as the journal's store failures
                    pass
        figures.update(journal_figures(observer.journal, outcomes, sb.engine))
        figures.update(cancel_figures(outcomes, sb.engine))
        stats = sb.engine.stats()
        sb.set_faults(None)
        report = resume(client, journal=observer.journal, outputs=folder)
        figures["resume(): stored after the soak"] = len(report.stored)
        figures["journal rows still unfinished"] = len(observer.journal.unfinished())
        client.close()
    figures["wall s (lifecycles, sandbox in this process)"] = f"{wall:.1f}"
    figures["CPU s per lifecycle (client + sandbox)"] = f"{cpu / args.lifecycles:.4f}"
    figures["requests the sandbox answered"] = stats["requests"]
    print(table(f"soak: {args.lifecycles} lifecycles through RunwayML ({args.workers} users at once, time scale "
                f"{args.time_scale}, fault seed {args.seed})", list(figures.items())))
    print()
    print(table("errors users saw, by step", sorted(error_classes(outcomes).items()), ("step: error", "count")))
    print()
    print(table("faults injected", sorted(stats["faults"].items()), ("fault", "count")))
    unclear = [u for o in outcomes for u in o.unclear]
    for u in unclear[:10]:
        print("  NOT CLEAR:", u)


def magic_soak_run(args, media: Media, work: Path) -> None:
    from IPython.core.interactiveshell import InteractiveShell

    with serve(time_scale=args.time_scale, synth=InstantSynth(), concurrency=3, daily_limit=10**7, credits=10**10,
               faults=soak_faults(), fault_seed=args.seed + 1) as sb:
        os.environ.update(RUNWAYML_BASE_URL=sb.base_url, RUNWAYML_API_SECRET=sb.api_key)
        shell = InteractiveShell.instance()
        shell.run_line_magic("load_ext", "runway_nb")
        shell.run_line_magic("config", f"Runway.poll_time_scale = {args.time_scale}")
        shell.run_line_magic("config", "Runway.timeout = 1000000")
        before = sb.engine.stats()["created"]
        t0 = time.perf_counter()
        figures = magic_soak(shell, media, args.magic_cells, timeout=600)
        results, usage = figures.pop("_results"), figures.pop("_usage")
        unclear = figures.pop("_unclear")
        figures["created by the sandbox"] = sb.engine.stats()["created"] - before
        sb.set_faults(None)
        shell.run_cell("_report = %runway resume", store_history=False)
        report = shell.user_ns.get("_report")
        figures["stored by %runway resume"] = len(report.stored) if report is not None else "n/a"
        on_disk = stored_files(work / "runway_outputs")
        succeeded = {r.task.id for r in results if r.task.status == "SUCCEEDED"}
        figures["outputs on disk after resume"] = f"{len(succeeded & set(on_disk))} of {len(succeeded)}"
        figures["wall s"] = f"{time.perf_counter() - t0:.1f}"
        for r in results:
            r.done.wait(30)
        shell.run_line_magic("unload_ext", "runway_nb")
    print()
    print(table(f"soak: {args.magic_cells} %runway --bg cells", list(figures.items())))
    if usage:
        print(table("UsageErrors shown", sorted(usage.items()), ("error", "count")))
    for u in unclear[:10]:
        print("  NOT CLEAR:", u)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--lifecycles", type=int, default=1500)
    p.add_argument("--magic-cells", type=int, default=60)
    p.add_argument("--workers", type=int, default=24, help="users creating and waiting at once")
    p.add_argument("--time-scale", type=float, default=0.002)
    p.add_argument("--seed", type=int, default=7)
    args = p.parse_args()
    logging.getLogger("runway_nb").setLevel(logging.CRITICAL)  # store warnings under injected faults are expected
    work = Path(tempfile.mkdtemp(prefix="bench_soak-"))
    os.chdir(work)
    os.environ.pop("RUNWAY_NB_HOME", None)
    media = Media.make(work / "inputs")
    client_soak(args, media, work)
    if args.magic_cells:
        magic_soak_run(args, media, work)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory {peak:.0f} MB; work folder {work}")


if __name__ == "__main__":
    main()
