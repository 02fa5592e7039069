"""Load, asserted as counts: 100 tasks followed at once from one process with live TaskViews (every one
ends, stores its output, swaps to static HTML once; polling stays bounded), and batches of 50 under a
concurrency limit of 5. The times (event-loop lag, CPU per task, batch time against the ideal) are
bench figures: bench/bench_load.py prints them; here they are only printed.
"""

from __future__ import annotations

import asyncio

import pytest
from load_support import (
    LagProbe,
    counted_displays,
    create_many,
    follow_with_views,
    max_overlap,
    semaphore_batch,
)
from rel_support import InstantSynth, PausableClock, ScaledClock, table

from runway_nb._loop import get_loop
from runway_nb.client import AsyncRunwayML, RunwayML
from runway_nb.sandbox import serve

TIME_SCALE = 0.002
FOLLOWED = 100


def test_100_tasks_followed_at_once_with_live_views(workdir):
    with serve(time_scale=TIME_SCALE, synth=InstantSynth(), concurrency=FOLLOWED, daily_limit=10**6,
               credits=10**9) as sb, counted_displays() as displays:
        client = RunwayML(api_key=sb.api_key, base_url=sb.base_url, clock=ScaledClock(TIME_SCALE), journal=False)
        probe = LagProbe().start_on(get_loop())
        tasks = create_many(client, FOLLOWED)
        creates = sb.engine.stats()["requests"]
        probe.reset()
        figures = follow_with_views(tasks, widgets=True, timeout=120)
        probe.stop()
        gets = sb.engine.stats()["requests"] - creates
        client.close()
    sent = figures["states_sent"]
    print(table(f"{FOLLOWED} tasks followed with live TaskViews (times are not asserted)", [
        ("ended", figures["ended"]), ("outputs stored", figures["stored"]),
        ("status GETs per task", f"{gets / FOLLOWED:.1f}"), ("view states sent per task (max)", max(sent)),
        ("CPU s per followed task", f"{figures['cpu_s'] / FOLLOWED:.4f}"),
        ("runway_nb loop lag p99 ms", f"{probe.summary()['p99_ms']:.1f}"),
        ("displays", dict(displays.calls))]))
    assert figures["ended"] == FOLLOWED
    assert figures["status"] == {"SUCCEEDED": FOLLOWED}
    assert figures["final_status"] == {"SUCCEEDED": FOLLOWED}
    assert figures["stored"] == FOLLOWED
    assert displays.calls["publish_raw"] == FOLLOWED  # each live view shown once ...
    assert displays.calls["update"] == FOLLOWED  # ... and swapped for static HTML once, when it ended
    assert 1 <= min(sent) and max(sent) <= 20  # coalesced: a handful of states per view, not one per poll
    assert gets <= 20 * FOLLOWED  # polling stays bounded (no busy loop) with 100 followers
    assert len(probe.lags) > 0


def _calls(n: int) -> list[tuple[str, dict]]:
    return [("text_to_image", dict(model="gen4_image", prompt_text=f"tile {i}", ratio="1280:720")) for i in range(n)]


def _intervals(engine, ids) -> list[tuple[float, float]]:
    return [(engine.task(t).created, engine.task(t).ended) for t in ids]


def _running(engine, ids) -> list[tuple[float, float]]:
    out = []
    for t in ids:
        rec = engine.task(t)
        out.append((rec.started, rec.ended))
    return out


def test_batch_of_50_queued_by_the_service_runs_5_at_a_time(workdir):
    """All 50 created at once; the sandbox (tier concurrency 5) keeps the rest THROTTLED, as Runway does."""
    clock = PausableClock()  # stopped while the 50 creates go out, so none can end before the last is made
    with serve(time_scale=TIME_SCALE, synth=InstantSynth(), concurrency=5, daily_limit=10**6, credits=10**9,
               clock=clock) as sb:
        client = RunwayML(api_key=sb.api_key, base_url=sb.base_url, clock=ScaledClock(TIME_SCALE), journal=False)
        seen: list[str] = []
        clock.pause()
        tasks = [getattr(client, r).create(**kw) for r, kw in _calls(50)]
        for t in tasks:
            t.on_change(lambda s, seen=seen: seen.append(s.status))
        tasks[-1].refresh()  # the last one waits for a slot: THROTTLED, and the client says so
        clock.resume()
        for t in tasks:
            t.wait(timeout=1e6)
        ids = [t.id for t in tasks]
        assert [t.status for t in tasks] == ["SUCCEEDED"] * 50
        assert max_overlap(_running(sb.engine, ids)) == 5
        assert "THROTTLED" in seen  # the client showed the queue, not a stall
        client.close()


def test_batch_of_50_limited_to_5_by_the_client_by_hand(workdir):
    """The pattern a batch API would wrap (AsyncRunwayML + a semaphore): never more than 5 unfinished."""
    with serve(time_scale=TIME_SCALE, synth=InstantSynth(), concurrency=50, daily_limit=10**6, credits=10**9) as sb:

        async def main() -> list:
            async with AsyncRunwayML(api_key=sb.api_key, base_url=sb.base_url, clock=ScaledClock(TIME_SCALE),
                                     journal=False) as c:
                return await semaphore_batch(c, _calls(50), 5)

        tasks = asyncio.run(main())
        assert [t.status for t in tasks] == ["SUCCEEDED"] * 50
        assert sb.engine.stats()["created"] == 50
        assert max_overlap(_intervals(sb.engine, [t.id for t in tasks])) <= 5


def test_batch_api_runs_50_under_a_limit_of_5(workdir):
    """The client's own batch: RunwayML.batch(calls, concurrency=5) -> the 50 tasks, finished, in order.

    Proposed shape (issue 7): `calls` is a list of (resource name, keyword arguments) as for
    `client.<resource>.create(**kwargs)`; at most `concurrency` tasks exist unfinished at any moment; a
    failed task does not stop the batch; returns the Task handles in the order of `calls`."""
    if not hasattr(RunwayML, "batch"):
        pytest.skip("missing API: RunwayML.batch(calls, *, concurrency) (and AsyncRunwayML.batch) - a way to run "
                    "a batch under a client-side concurrency limit; see this test's docstring")
    with serve(time_scale=TIME_SCALE, synth=InstantSynth(), concurrency=50, daily_limit=10**6, credits=10**9) as sb:
        client = RunwayML(api_key=sb.api_key, base_url=sb.base_url, clock=ScaledClock(TIME_SCALE), journal=False)
        tasks = client.batch(_calls(50), concurrency=5)
        assert [t.status for t in tasks] == ["SUCCEEDED"] * 50
        assert [t.snapshot().prompt for t in tasks] == [kw["prompt_text"] for _, kw in _calls(50)]
        assert sb.engine.stats()["created"] == 50
        assert max_overlap(_intervals(sb.engine, [t.id for t in tasks])) <= 5
        client.close()
