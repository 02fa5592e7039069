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
sys.path[:0] = [str(ROOT / "tests" / "reliability"), str(ROOT / "tests")]  # rel_support, media_samples

from rel_support import InstantSynth, Media, ScaledClock, soak_faults, table  # noqa: E402
from soak_support import error_classes, soak_client, soak_magics  # noqa: E402

from runway_nb.client import RunwayML  # noqa: E402
from runway_nb.sandbox import serve  # noqa: E402


def client_soak(args, media: Media, work: Path) -> None:
    folder = work / "runway_outputs"
    with serve(time_scale=args.time_scale, synth=InstantSynth(), concurrency=3, daily_limit=10**7, credits=10**10,
               faults=soak_faults(), fault_seed=args.seed) as sb:
        client = RunwayML(api_key=sb.api_key, base_url=sb.base_url, clock=ScaledClock(args.time_scale))
        observer = next(o for o in client._core.observers if hasattr(o, "wait_stored"))
        soak = soak_client(sb, client, observer, media, args.lifecycles, folder, workers=args.workers,
                           store_timeout=60)
        client.close()
    outcomes, figures, stats = soak.outcomes, soak.figures, soak.stats
    figures["wall s (lifecycles, sandbox in this process)"] = f"{soak.wall:.1f}"
    figures["CPU s per lifecycle (client + sandbox)"] = f"{soak.cpu / args.lifecycles:.4f}"
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
        t0 = time.perf_counter()
        figures = soak_magics(sb, shell, media, args.magic_cells, work / "runway_outputs", timeout=600)
        results, usage = figures.pop("_results"), figures.pop("_usage")
        unclear = figures.pop("_unclear")
        on_disk, succeeded = figures["outputs on disk after resume"], figures.pop("_succeeded")
        figures["outputs on disk after resume"] = f"{on_disk} of {succeeded}"
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
