"""How long the sandbox takes to deliver each outputFormat, and how big the files are.

A 5 s 1280x720 clip at 24 fps with audio, as Gen-4.5 makes it, in every format the sandbox can
make (the H.264 MP4 first, as the baseline). Prints wall and CPU seconds (CPU counts all threads:
on a shared machine wall time also counts other people's work) and the bytes of each file.

Run: .venv/bin/python bench/bench_output_formats.py [seconds] [WxH] [outputFormat ...]
(figures only; nothing asserts a time)
"""

from __future__ import annotations

import os
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # runnable from a checkout without install

import av  # noqa: E402

from runway_nb.sandbox import synth  # noqa: E402
from runway_nb.sandbox.synth import _formats  # noqa: E402


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0
    width, height = (int(x) for x in (sys.argv[2] if len(sys.argv) > 2 else "1280x720").split("x"))
    synth.render_format("hdr10", 64, 64, 0.1, seed=0, prompt="warm-up", audio=True)  # imports, tables, encoders
    print(f"output formats: {width}x{height}, {seconds:g} s at 24 fps + audio, {os.cpu_count()} CPUs, "
          f"PyAV {av.__version__}, load average {os.getloadavg()[0]:.2f}")
    print(f"{'outputFormat':<22} {'codec':<9} {'pix_fmt':<13} {'wall':>7} {'cpu':>7} {'peak py':>8}  files")
    for name in sys.argv[3:] or synth.OUTPUT_FORMATS:
        if synth.format_limit(name):
            print(f"{name:<22} refused: sandbox limit")
            continue
        row = _formats.FORMATS[name]
        tracemalloc.start()
        start, start_cpu = time.perf_counter(), time.process_time()
        files = synth.render_format(name, width, height, seconds, seed=1, prompt="a red fox in snow", audio=True)
        wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        sizes = ", ".join(f"{f.filename} {len(f.data) / 1e6:.2f} MB" for f in files)
        pix = row.pix_fmt_4444 if row.default_tier and row.default_tier.startswith("4444") else row.pix_fmt
        print(f"{name:<22} {row.codec:<9} {pix[:13]:<13} {wall:>6.2f}s {cpu:>6.2f}s {peak / 1e6:>6.0f}MB  {sizes}")


if __name__ == "__main__":
    main()
