"""The gallery searches the whole journal in the kernel and pages through it: a result thousands of
tasks old is found by a word of its prompt, pages return every result once, the synced state stays
small however large the journal is."""

from __future__ import annotations

import json
import sqlite3

import pytest
from widget_fakes import FrontEnd, write_image

from runway_nb.journal import Journal
from runway_nb.widgets import gallery as gallery_mod
from runway_nb.widgets.gallery import Gallery

N = 6000
MODELS = ("gen4.5", "gen4_image", "kling_4", "eleven_v3")


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """A journal of N stored results (written straight into SQLite: the test is about reading)."""
    root = tmp_path_factory.mktemp("big")
    image = write_image(root / "runway_outputs" / "shared_0.png")
    path = root / ".runway" / "journal.sqlite3"
    Journal(path).close()
    with sqlite3.connect(path) as conn:
        conn.executemany(
            """INSERT INTO tasks (id, endpoint, model, kind, prompt, status, created_at, updated_at, stored,
                   cost_credits) VALUES (?,?,?,?,?,'SUCCEEDED',?,?,?,?)""",
            ((f"t{i:05d}", "/v1/text_to_image", MODELS[i % 4], "image",
              f"result number {i}" + (" with a wandering albatross" if i == 17 else ""), i, i,
              json.dumps([str(image)]), 5) for i in range(N)))
    return Journal(path)


def test_a_result_thousands_of_tasks_old_is_found_by_a_word(big):
    gallery = Gallery(journal=big)
    assert gallery.total == N and len(gallery.items) == gallery_mod.PAGE and gallery.has_more
    assert gallery.items[0]["task_id"] == f"t{N - 1:05d}"  # newest first
    gallery.search("ALBATROSS")
    assert [i["task_id"] for i in gallery.items] == ["t00017"] and gallery.total == 1 and not gallery.has_more
    assert N - 17 > 5000  # it is more than 5,000 results old


def test_filters_by_provider_and_model_in_the_kernel(big):
    gallery = Gallery(journal=big).search(provider="Kling")
    assert gallery.total == N // 4 and {i["model"] for i in gallery.items} == {"kling_4"}
    assert set(gallery.providers) == {"Runway", "Kling", "ElevenLabs"} and "kling_4" in gallery.models
    gallery.search("number 4", model="gen4.5")
    assert all(i["model"] == "gen4.5" and "number 4" in i["prompt"] for i in gallery.items)


def test_pages_return_every_result_once_and_the_window_stays_small(big):
    gallery = Gallery(journal=big).search("number 1")
    fe = FrontEnd(gallery)
    expected = big.count_matching(status="SUCCEEDED", text="number 1")
    seen, biggest = [i["task_id"] for i in gallery.items], 0
    while gallery.has_more:
        before = {i["task_id"] for i in gallery.items}
        fe.say({"type": "more"})  # what the page sends when the grid's end scrolls into view
        seen += [i["task_id"] for i in gallery.items if i["task_id"] not in before]
        assert len(gallery.items) <= gallery_mod.WINDOW
        biggest = max(biggest, len(json.dumps(gallery.get_state(), default=str)))
    assert len(seen) == len(set(seen)) == expected > gallery_mod.WINDOW
    assert seen == sorted(seen, reverse=True)
    assert biggest < 200_000, biggest
    assert gallery.skipped == expected - len(gallery.items)


def test_the_page_sets_the_query(big):
    gallery = Gallery(journal=big)
    gallery.query = {"text": "albatross"}  # as the page's search box does (a synced trait)
    assert [i["task_id"] for i in gallery.items] == ["t00017"]
    gallery.query = {}
    assert gallery.total == N


def test_dates_and_cost_narrow_the_search(big):
    import datetime as dt

    gallery = Gallery(journal=big).search(since=dt.datetime.fromtimestamp(N - 10), min_credits=5)
    assert gallery.total == 10 and all(i["created_at"] >= N - 10 for i in gallery.items)
    assert Gallery(journal=big).search(max_credits=4).total == 0
    until = Gallery(journal=big).search(until=dt.datetime.fromtimestamp(3).isoformat(), text="number")
    assert [i["task_id"] for i in until.items] == ["t00002", "t00001", "t00000"]
