"""Searching the whole journal: history search and paging at 10,000 and 100,000 tasks (p50/p99, ms).

Beside each figure, the naive way measured in the same run: the same question asked with a scanning
LIKE (what a journal without the prompt index does). Prints figures only.
Run: .venv/bin/python bench/bench_history.py [rows ...]
"""

from __future__ import annotations

import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from runway_nb import journal as jmod  # noqa: E402
from runway_nb.journal import Journal  # noqa: E402

WORDS = ("cat dog surfing mountain lake sunset rocket forest city neon rain ocean desert castle robot "
         "harbour gulls misty dawn timelapse drone orbit portrait studio").split()
MODELS = ("gen4.5", "veo3.1", "gen4_image", "eleven_multilingual_v2")


def build(path: Path, n: int) -> None:
    """n succeeded tasks written straight into a journal file (the benchmark is about reading)."""
    rnd = random.Random(n)
    Journal(path).close()  # the current schema, with its index and triggers
    with sqlite3.connect(path) as conn:
        conn.executemany(
            """INSERT INTO tasks (id, endpoint, model, kind, prompt, estimate_credits, cost_credits, status,
                   created_at, updated_at, stored) VALUES (?,?,?,?,?,?,?,?,?,?,?)""",
            ((f"task-{i:07d}", "/v1/text_to_video", MODELS[i % 4], ("video", "video", "image", "audio")[i % 4],
              " ".join(rnd.choice(WORDS) for _ in range(14)) + f" shot{i}", 60, 60, "SUCCEEDED",
              1_600_000_000 + i, 1_600_000_000 + i, f'["runway_outputs/task-{i:07d}_0.mp4"]') for i in range(n)))


def timed(fn, repeat: int = 40) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.99) - 1 if len(times) >= 100 else -1]


def main(sizes: list[int]) -> None:
    for n in sizes:
        measure(n)
    print(f"\n(schema {jmod.SCHEMA_VERSION}: trigram prompt index; naive = LIKE scan / OFFSET paging)")


def measure(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "journal.sqlite3"
        start = time.perf_counter()
        build(path, n)
        print(f"\n== {n:,} tasks (built in {time.perf_counter() - start:.1f} s)")
        j = Journal(path)
        old = f"shot{n - 5000}" if n > 5000 else "shot1"  # a result 5,000 results old, by a word of its prompt
        naive = sqlite3.connect(path)

        def scan(text: str, limit: int = 50) -> list:
            return naive.execute("SELECT * FROM tasks WHERE prompt LIKE ? ESCAPE '\\' ORDER BY created_at "
                                 "DESC LIMIT ?", (f"%{text}%", limit)).fetchall()

        cases = [
            ("first page (50 newest)", lambda: j.history(status="SUCCEEDED", limit=50),
             lambda: naive.execute("SELECT * FROM tasks WHERE status='SUCCEEDED' ORDER BY created_at DESC "
                                   "LIMIT 50").fetchall()),
            ("search, a rare word (old result)", lambda: j.history(text=old, limit=50), lambda: scan(old)),
            ("search, a common word", lambda: j.history(text="surfing", limit=50), lambda: scan("surfing")),
            ("search + model filter", lambda: j.history(text="neon rain", model="veo3.1", limit=50),
             lambda: naive.execute("SELECT * FROM tasks WHERE prompt LIKE ? AND model='veo3.1' ORDER BY "
                                   "created_at DESC LIMIT 50", ("%neon rain%",)).fetchall()),
            ("count of matches", lambda: j.count_matching(text="drone orbit"),
             lambda: naive.execute("SELECT COUNT(*) FROM tasks WHERE prompt LIKE ?", ("%drone orbit%",))
             .fetchall()),
        ]
        page = j.history(limit=50)
        for _ in range(n // 100):  # deep into the journal by cursor
            page = j.history(limit=50, before=j.page_cursor(page)) or page
        deep = j.page_cursor(page)
        cases.append(("a page 100 pages deep (cursor)", lambda: j.history(limit=50, before=deep),
                      lambda: naive.execute("SELECT * FROM tasks ORDER BY created_at DESC LIMIT 50 OFFSET ?",
                                            (n // 2,)).fetchall()))
        assert [r["id"] for r in j.history(text=old)][-1].endswith(old.removeprefix("shot").zfill(7))
        print(f"{'':36} {'runway_nb p50':>14} {'p99':>8} {'naive p50':>10} {'p99':>8}  (ms)")
        for name, ours, theirs in cases:
            (a50, a99), (b50, b99) = timed(ours), timed(theirs)
            print(f"{name:36} {a50:14.2f} {a99:8.2f} {b50:10.2f} {b99:8.2f}")
        j.close()
        naive.close()


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10_000, 100_000])
