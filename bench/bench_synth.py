"""How long the sandbox takes to make its media: prints best-of-3 and median beside the targets.

Run: .venv/bin/python bench/bench_synth.py   (figures only; nothing here asserts a time)
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # runnable from a checkout without install

import av  # noqa: E402

from runway_nb.sandbox import synth  # noqa: E402

RUNS = 3


def timed(make) -> tuple[float, float, float, int]:
    """(best, median) wall seconds of RUNS calls, median CPU seconds (all threads), last output size.

    CPU time is shown because wall time on a shared machine also counts other people's work.
    """
    times, cpu, size = [], [], 0
    for _ in range(RUNS):
        start, start_cpu = time.perf_counter(), time.process_time()
        size = len(make())
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return min(times), statistics.median(times), statistics.median(cpu), size


def main() -> None:
    first = synth.image(1280, 720, seed=1, prompt="first frame", fmt="jpeg")
    last = synth.image(1280, 720, seed=2, prompt="last frame", fmt="jpeg")
    synth.video(64, 64, 0.1, seed=0, prompt="warm-up", audio=True)  # imports, font, encoder set-up
    cases = [
        ("video 1280:720, 10 s, 24 fps", "< 2.0 s",
         lambda: synth.video(1280, 720, 10, seed=1, prompt="a red fox running through snow")),
        ("video 1280:720, 10 s, 24 fps + AAC", "< 2.0 s",
         lambda: synth.video(1280, 720, 10, seed=1, prompt="a red fox running through snow", audio=True)),
        ("image 1920:1080 PNG", "< 0.2 s", lambda: synth.image(1920, 1080, seed=1, prompt="a lighthouse at dusk")),
        ("video 1280:720, 10 s, first+last frame + AAC", "",
         lambda: synth.video(1280, 720, 10, seed=1, prompt="morph", first_frame=first, last_frame=last, audio=True)),
        ("image 1920:1080 JPEG", "", lambda: synth.image(1920, 1080, seed=1, prompt="a lighthouse", fmt="jpeg")),
        ("speech, 140 characters (10 s)", "", lambda: synth.speech("Hello from the sandbox. " * 6, voice="Maya", seed=1)),
        ("sound effect 10 s, loop", "", lambda: synth.sound("rain on a tin roof", 10, seed=1, loop=True)),
    ]
    print(f"synth: best of {RUNS} and median, {os.cpu_count()} CPUs, PyAV {av.__version__}, "
          f"load average {os.getloadavg()[0]:.2f}")
    print(f"{'what':<48} {'best':>8} {'median':>8} {'target':>8} {'cpu':>8} {'size':>9}")
    for name, target, make in cases:
        best, median, cpu, size = timed(make)
        print(f"{name:<48} {best:>7.3f}s {median:>7.3f}s {target:>8} {cpu:>7.3f}s {size / 1e6:>7.2f}MB")


if __name__ == "__main__":
    with synth.fresh():  # measure making media, not the sandbox's cache of recent results
        main()
