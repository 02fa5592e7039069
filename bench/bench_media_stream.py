"""A 50 MB video through the kernel, where the page cannot reach Jupyter's files route: how long until its
first frame, how many slices, and what it costs the page's JS heap and main thread.

The measurement is the browser test tests/browser/test_blocked_files_route.py::test_a_50_mb_video_arrives_in_slices_and_plays
(JupyterLab, Debian's Chromium, `**/files/**` aborted, a Player of a 52 MB H.264 file): it writes the figures
to test-artifacts/browser/big_video_figures.json, which this script prints. Needs the browser-test setup
(`make browser-test` installs it); takes a minute or two.

    .venv/bin/python bench/bench_media_stream.py
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEST = "tests/browser/test_blocked_files_route.py::test_a_50_mb_video_arrives_in_slices_and_plays"
FIGURES = ROOT / "test-artifacts" / "browser" / "big_video_figures.json"


def main() -> int:
    FIGURES.unlink(missing_ok=True)
    run = subprocess.run([sys.executable, "-m", "pytest", TEST, "-q", "-p", "no:cacheprovider"], cwd=ROOT)
    if run.returncode or not FIGURES.is_file():
        print("the browser test did not finish; no figures", file=sys.stderr)
        return run.returncode or 1
    figures = json.loads(FIGURES.read_text())
    width = max(map(len, figures))
    print("50 MB video, files route blocked: bytes through the kernel in 1 MB slices")
    for name, value in figures.items():
        print(f"  {name:<{width}}  {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
