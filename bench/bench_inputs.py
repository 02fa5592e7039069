"""Peak memory of uploading a 150 MB video input: runway_nb's media.prepare against the official SDK.

The sandbox is served from a child process, so the figures are the client's alone. Peak Python
allocations come from tracemalloc; peak RSS is sampled every 5 ms during the upload. Prints
figures; asserts nothing.

    .venv/bin/python bench/bench_inputs.py [--mb 150]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path

import psutil

MB = 1_000_000
MP4_HEAD = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"


def _serve(ready, stop) -> None:
    from runway_nb.sandbox import serve

    with serve() as sb:
        ready.put((sb.base_url, sb.api_key))
        stop.wait()


class PeakRSS:
    """Samples this process's resident memory while the block runs."""

    def __enter__(self) -> PeakRSS:
        self.proc, self.base = psutil.Process(), psutil.Process().memory_info().rss
        self.peak, self._stop = self.base, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, self.proc.memory_info().rss)

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def growth(self) -> float:
        return (self.peak - self.base) / MB


def measure(name: str, upload) -> tuple[str, float, float, float, str]:
    tracemalloc.start()
    tracemalloc.reset_peak()
    started = time.monotonic()
    with PeakRSS() as rss:
        uri = upload()
    seconds = time.monotonic() - started
    peak = tracemalloc.get_traced_memory()[1] / MB
    tracemalloc.stop()
    return name, seconds, peak, rss.growth, uri


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mb", type=int, default=150, help="size of the input file in MB (10^6 bytes)")
    args = ap.parse_args()

    ctx = mp.get_context("spawn")
    ready, stop = ctx.Queue(), ctx.Event()
    server = ctx.Process(target=_serve, args=(ready, stop), daemon=True)
    server.start()
    base_url, api_key = ready.get(timeout=60)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "input.mp4"
            with path.open("wb") as fh:  # an MP4 header, then incompressible bytes
                fh.write(MP4_HEAD)
                for _ in range(args.mb):
                    fh.write(os.urandom(MB))
            size = path.stat().st_size / MB

            from runway_nb import media
            from runway_nb.http import HTTP

            async def ours() -> str:
                http = HTTP(base_url, api_key)
                try:
                    return await media.prepare(path, field="videoUri", kinds=("video",), http=http)
                finally:
                    await http.aclose()

            import runwayml

            sdk = runwayml.RunwayML(api_key=api_key, base_url=base_url)
            rows = [measure("runway_nb media.prepare(path)", lambda: asyncio.run(ours())),
                    measure("runwayml uploads.create_ephemeral(file=path)",
                            lambda: sdk.uploads.create_ephemeral(file=path).uri)]
            sdk.close()
    finally:
        stop.set()
        server.join(timeout=15)

    print(f"upload of a {size:.0f} MB MP4 (ephemeral upload flow) to a served sandbox in another process\n")
    print(f"{'client':<46} {'seconds':>8} {'MB/s':>7} {'tracemalloc peak':>17} {'RSS growth':>11}  result")
    for name, seconds, peak, growth, uri in rows:
        print(f"{name:<46} {seconds:>8.2f} {size / seconds:>7.0f} {peak:>14.1f} MB {growth:>8.1f} MB  "
              f"{uri.split('://')[0]}://...")


if __name__ == "__main__":
    main()
