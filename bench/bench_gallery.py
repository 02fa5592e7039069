"""The gallery over a large journal: time to the first page, time per search, and the bytes of state
the widget syncs to the page, at 10,000 and 100,000 stored results.

Beside it, the naive way measured in the same run: the gallery as it was (every result of the
newest `limit` loaded into the page, filtering in the page), which cannot reach older results at all
and syncs state in proportion to `limit`. Prints figures only.
Run: .venv/bin/python bench/bench_gallery.py [rows ...]
"""

from __future__ import annotations

import json
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image  # noqa: E402

from runway_nb.journal import Journal  # noqa: E402
from runway_nb.widgets import gallery as gallery_mod  # noqa: E402
from runway_nb.widgets.gallery import Gallery  # noqa: E402

WORDS = "cat dog surfing mountain lake sunset rocket forest city neon rain ocean desert castle robot".split()
MODELS = ("gen4.5", "gen4_image", "kling_4", "veo3.1", "gpt_image_2", "eleven_v3")
ENDPOINTS = ("/v1/text_to_image", "/v1/text_to_video", "/v1/image_to_video", "/v1/generate/video",
             "/v1/recipes/product_ad", "/v1/video_upscale", "/v1/text_to_speech")


def build(root: Path, n: int) -> Journal:
    image = root / "runway_outputs" / "shared_0.png"
    image.parent.mkdir(parents=True)
    Image.new("RGB", (64, 36), (40, 90, 160)).save(image)
    path = root / ".runway" / "journal.sqlite3"
    Journal(path).close()
    with sqlite3.connect(path) as conn:
        conn.executemany(
            """INSERT INTO tasks (id, endpoint, model, kind, prompt, status, created_at, updated_at, stored,
                   cost_credits) VALUES (?,?,?,?,?,'SUCCEEDED',?,?,?,?)""",
            ((f"task-{i:07d}", ENDPOINTS[i % len(ENDPOINTS)], MODELS[i % len(MODELS)], "image",
              " ".join(WORDS[(i * 7 + k) % len(WORDS)] for k in range(10)) + f" shot{i}", i, i,
              json.dumps([str(image)]), 1 + i % 60) for i in range(n)))
    return Journal(path)


def state_bytes(widget) -> int:
    state = widget.get_state()
    state.pop("_esm", None)  # the front end's module: the same bytes however large the journal
    return len(json.dumps(state, default=str))


def timed(fn, repeat: int = 7) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times)


def measure(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        jr = build(Path(tmp), n)
        print(f"\n== {n:,} stored results (built in {time.perf_counter() - start:.1f} s)")
        g = Gallery(journal=jr)
        first = timed(lambda: Gallery(journal=jr))
        ages = iter(range(5000, 5000 + 100))
        old = timed(lambda: g.search(f"shot{n - next(ages)}"))  # a different old result each time
        words = iter(WORDS * 3)
        common = timed(lambda: g.search(f"{next(words)} "))
        providers = iter(["Kling", "Google", "Runway", "OpenAI", "ElevenLabs"] * 3)
        provider = timed(lambda: g.search(provider=next(providers)))
        operations = iter(["video_upscale", "generate.video", "recipes.*", "text_to_video"] * 2)
        operation = timed(lambda: g.search(operation=next(operations)))
        spans = iter(range(1, 20))  # the page's "from"/"to" and credit boxes: a window of 20% of the days
        narrowed = timed(lambda: g.search(since=n * 0.8 - next(spans), until=n * 0.9, min_credits=10,
                                          max_credits=20))
        g.search()
        for _ in range(gallery_mod.WINDOW // gallery_mod.PAGE + 2):  # scroll past the window
            g.more()
        scrolled = state_bytes(g)
        limit = min(n, 10_000)

        def naive_open() -> list:  # the gallery as it was: the newest `limit` results, all in the page
            return [g._item(row) for row in jr.history(status="SUCCEEDED", limit=limit)]

        start = time.perf_counter()
        loaded = naive_open()
        naive_seconds = time.perf_counter() - start
        naive_bytes = len(json.dumps(loaded, default=str))
        print(f"{'':44} {'median ms':>10} {'max ms':>8}")
        for name, (med, top) in (("first page (open the gallery)", first), ("search: a 5,000-results-old word", old),
                                 ("search: a common word", common), ("filter: one provider", provider),
                                 ("filter: one operation", operation), ("filter: dates + credits", narrowed)):
            print(f"{name:44} {med:10.1f} {top:8.1f}")
        print(f"synced state: first page {state_bytes(Gallery(journal=jr)) / 1e3:.0f} KB, after scrolling past "
              f"the window {scrolled / 1e3:.0f} KB (window {gallery_mod.WINDOW} results)")
        print(f"naive (every result loaded, limit={limit:,}): open {naive_seconds:.1f} s, state "
              f"{naive_bytes / 1e6:.1f} MB; results older than the limit cannot be found")
        jr.close()


if __name__ == "__main__":
    for rows in [int(a) for a in sys.argv[1:]] or [10_000, 100_000]:
        measure(rows)
