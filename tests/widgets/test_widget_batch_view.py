"""BatchView over a real background batch on a served sandbox: its counts agree with the journal at the
end, every stored result has a thumbnail, Cancel all cancels every unfinished task (the sandbox records
CANCELLED; the ones not created yet are never sent), and the synced state holds only id/status/thumb/kind
per task. Plus the coalescing: many changes, few sends."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter

import pytest
from widget_fakes import FrontEnd

sandbox = pytest.importorskip("runway_nb.sandbox")
client_mod = pytest.importorskip("runway_nb.client")

KEY = "key_BATCHview_0123456789abcdef"
FAST = 0.002


class ScaledClock:
    """The client's clock for a sandbox at time scale FAST, so polling keeps the real service's pace."""

    realtime = True

    def __init__(self, scale: float = FAST) -> None:
        self.scale = scale

    def now(self) -> float:
        return time.monotonic() / self.scale

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds) * self.scale)


def images(n: int) -> list[tuple[str, dict]]:
    return [("text_to_image", dict(model="gen4_image", prompt_text=f"tile {i}", ratio="1280:720", seed=i + 1))
            for i in range(n)]


def test_counts_match_the_journal_and_every_result_has_a_thumbnail(workdir, displays, monkeypatch):
    from runway_nb.journal import Journal

    monkeypatch.setenv("RUNWAY_NB_JOURNAL", "1")
    from runway_nb.widgets import BatchView

    journal = workdir / "journal.sqlite"
    with sandbox.serve(api_key=KEY, time_scale=FAST, concurrency=3, daily_limit=10**6, credits=10**9) as sb:
        client = client_mod.RunwayML(api_key=KEY, base_url=sb.base_url, clock=ScaledClock(), journal=str(journal))
        sb.set_faults("flaky", seed=3)  # some tasks fail at the service: the counts must say so too
        view = BatchView.run(client, images(12), concurrency=3)
        view._ipython_display_()
        result = view.wait(120)
        assert view.ended.is_set()
        client.close()
    assert len(result) == 12
    rows = {r["id"]: r["status"] for r in Journal(journal).history()}
    # a create the service refused (flaky faults) is never a task: a FAILED handle, not in the journal
    refused = [t for t in result if not t.id]
    assert all(t.status == "FAILED" and t.failure_code.startswith("CLIENT.") for t in refused)
    expected = [rows[t.id] if t.id else "FAILED" for t in result]
    assert len(rows) == 12 - len(refused)
    assert view.counts() == dict(Counter(expected))
    assert view.summary["counts"] == dict(Counter(expected))
    assert view.summary["done"] is True
    assert [r[0] for r in view.rows] == [t.id for t in result]  # call order
    assert [r[1] for r in view.rows] == expected
    for i, (_task_id, status, thumb, kind) in enumerate(view.rows):
        if status == "SUCCEEDED":
            assert kind == "image" and (workdir / thumb).is_file(), (i, thumb)
        else:
            assert thumb == ""
    spent = sum(t.cost_credits or 0 for t in result)
    assert view.summary["spent_credits"] == spent and view.summary["to_come_credits"] == 0
    kind, _, static = displays.calls[-1]  # the live view swapped for plain HTML once it ended
    assert kind == "update" and static["text/html"].count("<img ") == expected.count("SUCCEEDED")


def test_cancel_all_cancels_every_unfinished_task(workdir):
    from runway_nb.widgets import BatchView

    calls = [("text_to_video", dict(model="gen4.5", prompt_text=f"a slow tide {i}", ratio="1280:720", duration=10))
             for i in range(8)]
    with sandbox.serve(api_key=KEY, time_scale=0.05, daily_limit=10**6, credits=10**9) as sb:
        client = client_mod.RunwayML(api_key=KEY, base_url=sb.base_url, clock=ScaledClock(0.05), journal=False)
        view = BatchView.run(client, calls, concurrency=3)
        deadline = time.monotonic() + 30
        while sum(c is not None for c in view.batch.cores) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        FrontEnd(view).say({"type": "cancel_all"})
        result = view.wait(60)
        created = [t.id for t in result if t.id]
        assert len(created) == 3  # the other five were never sent
        assert all(t.status == "CANCELLED" for t in result)
        stats = sb.engine.stats()
        assert stats["created"] == 3 and set(stats["task_ids"]) == set(created)
        assert stats["status"]["CANCELLED"] == 3
        client.close()
    assert view.counts() == {"CANCELLED": 8}
    assert view.summary["cancelled"] is True and view.summary["to_come_credits"] == 0


def test_opening_a_task_shows_its_own_view_and_the_state_stays_small(workdir):
    from runway_nb.widgets import BatchView

    with sandbox.serve(api_key=KEY, time_scale=FAST, concurrency=4, daily_limit=10**6, credits=10**9) as sb:
        client = client_mod.RunwayML(api_key=KEY, base_url=sb.base_url, clock=ScaledClock(), journal=False)
        view = BatchView.run(client, images(6), concurrency=4)
        result = view.wait(120)
        front = FrontEnd(view)
        front.say({"type": "open", "index": 4})
        deadline = time.monotonic() + 10
        while view.selected.get("index") != 4 and time.monotonic() < deadline:
            time.sleep(0.02)
        client.close()
    assert view.selected["task"]["id"] == result[4].id
    if result[4].status == "SUCCEEDED":
        [entry] = view.selected["outputs"]
        assert entry["kind"] == "image" and (workdir / entry["src"]).is_file()
        front.say({"type": "media", "src": entry["src"]})  # the page could not load it: the bytes, once
        reply, buffers = front.received[-1]
        assert reply["ok"] is True and buffers and bytes(buffers[0])[:4] == b"\x89PNG"
    assert all(len(row) == 4 for row in view.rows)
    per_task = len(json.dumps(view.rows)) / len(view.rows)
    assert per_task < 200, per_task  # id, status, thumbnail path, kind: nothing else per task


class FakeBatch:
    """What BatchView reads of a batch.BatchRun, driven by hand."""

    def __init__(self, n: int) -> None:
        self.size, self.cores, self.estimates = n, [None] * n, [5] * n
        self.cancelled, self.lanes, self.future, self.done = False, 2, None, False
        self.listeners = []

    def on_change(self, cb):
        self.listeners.append(cb)
        return lambda: None


class Snap:
    def __init__(self, i: int, status: str) -> None:
        self.id, self.status, self.elapsed = f"t{i}", status, 1.0
        self.terminal = status in ("SUCCEEDED", "FAILED", "CANCELLED")


def test_a_thousand_changes_make_a_handful_of_sends(workdir):
    from runway_nb.widgets import BatchView

    later = []
    batch = FakeBatch(500)
    view = BatchView(batch, call_later=lambda delay, fn: later.append(fn))
    sent = {"rows": 0}
    view.observe(lambda _c: sent.__setitem__("rows", sent["rows"] + 1), names="rows")
    for i in range(500):
        for status in ("PENDING", "RUNNING"):
            batch.listeners[0](i, Snap(i, status))
    # per coalescer: at most one send (handed to the scheduler thread) and one timer for the rest
    assert sent["rows"] == 0 and len(later) <= 4
    for fn in later:
        fn()
    assert sent["rows"] <= 2
    assert [r[1] for r in view.rows] == ["RUNNING"] * 500
    assert view.counts() == {"RUNNING": 500}


def test_a_frame_zip_and_a_prores_mov_get_their_posters_as_thumbnails(workdir, displays):
    """Outputs no browser plays are shown by their poster frame in the grid (never a broken picture)."""
    from runway_nb.widgets import BatchView

    calls = [("text_to_video", dict(model="gen4.5", prompt_text=f"delivery {fmt}", ratio="1280:720", duration=2,
                                    seed=4, output_format=fmt)) for fmt in ("png_sequence", "prores")]
    with sandbox.serve(api_key=KEY, time_scale=FAST, daily_limit=10**6, credits=10**9) as sb:
        client = client_mod.RunwayML(api_key=KEY, base_url=sb.base_url, clock=ScaledClock())
        view = BatchView.run(client, calls, concurrency=2)
        view._ipython_display_()
        view.wait(120)
        client.close()
    (_, zip_status, zip_thumb, zip_kind), (_, mov_status, mov_thumb, mov_kind) = view.rows
    assert (zip_status, mov_status) == ("SUCCEEDED", "SUCCEEDED")
    assert (zip_kind, mov_kind) == ("file", "video")
    for thumb in (zip_thumb, mov_thumb):
        assert thumb.endswith("_0.poster.jpg") and (workdir / thumb).is_file()
    kind, _, static = displays.calls[-1]
    assert kind == "update" and static["text/html"].count("<img ") == 2
