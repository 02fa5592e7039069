"""How soon each client learns that a task finished, and how many status requests it makes for it.

runway_nb and the official runwayml SDK run the same mix of video tasks at the same time against
one served sandbox. The sandbox's engine knows when each task really ended; each client's wait
returns when it knows. Status requests are counted per task on the wire: an httpx transport on our
side, an httpx event hook in the SDK's http_client. Prints figures; asserts nothing.

    .venv/bin/python bench/bench_polling.py [--tasks 12] [--waves 2] [--time-scale 0.3]
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import runwayml

from runway_nb import catalog
from runway_nb.client import RunwayML
from runway_nb.sandbox import serve

# The same calls, as both SDKs spell them (snake_case keywords on the text_to_video resource).
MIX = [
    dict(model="gen4.5", prompt_text="a lake at dawn", ratio="1280:720", duration=5),
    dict(model="gen4.5", prompt_text="a city at night", ratio="720:1280", duration=10),
    dict(model="veo3.1_fast", prompt_text="waves on rocks", ratio="1280:720", duration=8),
    dict(model="veo3", prompt_text="a rocket launch", ratio="1280:720", duration=8),
    dict(model="veo3.1_fast", prompt_text="rain on a window", ratio="720:1280", duration=4),
    dict(model="veo3.1", prompt_text="a quiet forest", ratio="1280:720", duration=6, audio=False),
]


class InstantSynth:
    """Outputs made at once: this bench measures polling, not the sandbox's video encoder."""

    def video(self, *a, **kw):
        return b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(1000)

    video_like = video


class CountingTransport(httpx.AsyncBaseTransport):
    """Counts GET /v1/tasks/{id} per task id on runway_nb's side of the wire."""

    def __init__(self, counts: Counter) -> None:
        self.inner, self.counts = httpx.AsyncHTTPTransport(), counts

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        _count(request, self.counts)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


_lock = threading.Lock()


def _count(request: httpx.Request, counts: Counter) -> None:
    path = request.url.path
    if request.method == "GET" and path.startswith("/v1/tasks/"):
        with _lock:
            counts[path.rsplit("/", 1)[-1]] += 1


def run_ours(client: RunwayML, kwargs: dict) -> tuple[str, float]:
    task = client.text_to_video.create(**kwargs)
    task.wait()
    return task.id, time.monotonic()


def run_sdk(client: runwayml.RunwayML, kwargs: dict) -> tuple[str, float]:
    task = client.text_to_video.create(**kwargs)
    done = task.wait_for_task_output()
    return done.id, time.monotonic()


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tasks", type=int, default=12, help="tasks per client per wave")
    ap.add_argument("--waves", type=int, default=2, help="waves run one after another")
    ap.add_argument("--time-scale", type=float, default=0.3, help="sandbox time scale (0.3: tasks ~10-40 s)")
    args = ap.parse_args()

    ours_counts, sdk_counts = Counter(), Counter()
    with serve(time_scale=args.time_scale, tier=5, concurrency=1000, credits=10**9,
               synth=InstantSynth(), workers=4) as sb:
        ours = RunwayML(api_key=sb.api_key, base_url=sb.base_url, transport=CountingTransport(ours_counts))
        sdk_http = httpx.Client(event_hooks={"request": [lambda r: _count(r, sdk_counts)]},
                                timeout=60, limits=httpx.Limits(max_connections=100))
        sdk = runwayml.RunwayML(api_key=sb.api_key, base_url=sb.base_url, http_client=sdk_http)
        rows: dict[str, list[tuple[int, str, float]]] = {"runway_nb": [], "runwayml SDK": []}
        started = time.monotonic()
        for wave in range(args.waves):
            jobs = [(k, MIX[i % len(MIX)]) for i in range(args.tasks) for k in rows]
            with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
                futures = [(k, pool.submit(run_ours if k == "runway_nb" else run_sdk,
                                           ours if k == "runway_nb" else sdk, dict(kw))) for k, kw in jobs]
                for k, fut in futures:
                    task_id, known_at = fut.result()
                    rows[k].append((wave, task_id, known_at))
        total = time.monotonic() - started

        def describe(name: str, counts: Counter, only_wave: int | None = None) -> str:
            delays, polls, expected, lengths = [], [], [], []
            for wave, task_id, known_at in rows[name]:
                if only_wave is not None and wave != only_wave:
                    continue
                t = sb.engine.task(task_id)
                delays.append(known_at - t.ended)
                polls.append(counts[task_id])
                lengths.append(t.ended - t.created)
                expected.append((t.ended - t.created) / 6 + 0.5)
            return (f"{name:<13} {len(delays):>5} {statistics.median(lengths):>8.1f} s "
                    f"{statistics.median(delays):>8.2f} s {pct(delays, 0.9):>7.2f} s {max(delays):>7.2f} s "
                    f"{statistics.mean(polls):>9.2f} {statistics.mean(expected):>10.2f}")

        header = (f"{'client':<13} {'tasks':>5} {'task len':>10} {'median':>10} {'p90':>9} {'max':>9} "
                  f"{'GETs/task':>9} {'T/6+0.5':>10}")
        print(f"sandbox time_scale {args.time_scale}: {args.waves} wave(s) x {args.tasks} tasks per client, "
              f"run side by side; {total:.0f} s in all")
        print("finish-detection delay (client knows - task really ended) and status requests per task\n")
        print(header)
        print(describe("runway_nb", ours_counts))
        print(describe("runwayml SDK", sdk_counts))
        if args.waves > 1:
            last = args.waves - 1
            print(f"\nwave {last + 1} only (runway_nb has learned this server's speed from wave 1):")
            print(header)
            print(describe("runway_nb", ours_counts, last))
            print(describe("runwayml SDK", sdk_counts, last))
        print("\nmix (model, seconds of video, catalog typical time x time_scale): " + ", ".join(
            f"{kw['model']} {kw['duration']} s ~{catalog.typical_seconds(kw['model'], kw['duration']) * args.time_scale:.0f} s"
            for kw in MIX))
        ours.close()
        sdk.close()


if __name__ == "__main__":
    main()
