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


# -- operation, and the page's date and credit controls -------------------------------------------------
OPERATIONS = ("/v1/text_to_video", "/v1/image_to_video", "/v1/generate/video", "/v1/recipes/product_ad",
              "/v1/recipes/product_ugc", "/v1/video_upscale")
DAY = 86_400.0


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    """60 stored results: ten per operation, a day apart, 1..60 credits; every third has only an estimate."""
    import datetime as dt

    root = tmp_path_factory.mktemp("mixed")
    image = write_image(root / "runway_outputs" / "shared_0.png")
    path = root / ".runway" / "journal.sqlite3"
    Journal(path).close()
    start = dt.datetime(2026, 1, 1, 12).timestamp()  # noon, local time: whole days are unambiguous
    with sqlite3.connect(path) as conn:
        conn.executemany(
            """INSERT INTO tasks (id, endpoint, model, kind, prompt, status, created_at, updated_at, stored,
                   cost_credits, estimate_credits) VALUES (?,?,?,?,?,'SUCCEEDED',?,?,?,?,?)""",
            ((f"m{i:03d}", OPERATIONS[i % 6], "gen4.5", "video", f"shot {i}", start + i * DAY, start + i * DAY,
              json.dumps([str(image)]), None if i % 3 == 0 else i + 1, i + 1) for i in range(60)))
    return Journal(path)


def test_the_operation_filter_reads_what_the_journal_recorded(mixed):
    gallery = Gallery(journal=mixed)
    assert gallery.operations == ["generate.video", "image_to_video", "recipes.product_ad", "recipes.product_ugc",
                                  "text_to_video", "video_upscale"]
    assert gallery.search(operation="video_upscale").total == 10
    assert {i["operation"] for i in gallery.items} == {"video_upscale"}
    assert gallery.search(operation="generate.video").total == 10
    recipes = gallery.search(operation="recipes.*")
    assert recipes.total == 20 and {i["operation"] for i in recipes.items} == {"recipes.product_ad", "recipes.product_ugc"}
    both = gallery.search("shot 1", operation="image_to_video")  # image_to_video: shots 1, 7, 13, 19, 25...
    assert [i["task_id"] for i in both.items] == ["m019", "m013", "m001"]
    gallery.query = {"operation": "text_to_video"}  # the page's select
    assert gallery.total == 10 and all(i["task_id"] in {f"m{i:03d}" for i in range(0, 60, 6)} for i in gallery.items)


def test_the_page_date_and_credit_controls_narrow_the_search_in_the_kernel(mixed):
    gallery = Gallery(journal=mixed)
    fe = FrontEnd(gallery)
    # what the page's "From"/"To" date inputs and credit boxes send: ISO days and numbers
    gallery.query = {"since": "2026-01-11", "until": "2026-01-15"}  # days 10..14, the "to" day included
    assert sorted(i["task_id"] for i in gallery.items) == [f"m{i:03d}" for i in range(10, 15)]
    assert gallery.total == 5
    gallery.query = {"min_credits": 20, "max_credits": 24.5}
    assert sorted(i["task_id"] for i in gallery.items) == [f"m{i:03d}" for i in range(19, 24)]
    gallery.query = {"since": "2026-02-01", "max_credits": 40, "operation": "text_to_video"}
    assert [i["task_id"] for i in gallery.items] == ["m036"]  # day 31 on; at most 40 credits; every sixth
    fe.say({"type": "refresh"})
    assert gallery.total == 1 and gallery.problem == ""


def test_a_date_or_amount_that_cannot_be_read_is_named(mixed):
    gallery = Gallery(journal=mixed)
    gallery.query = {"since": "yesterday"}
    assert gallery.items == [] and gallery.total == 0 and "since='yesterday' is not a date" in gallery.problem
    gallery.query = {"min_credits": "lots"}
    assert "min_credits='lots' is not a number" in gallery.problem
    gallery.query = {"until": "9999-12-31"}  # a real date, past what a timestamp holds: named, not raised
    assert "until='9999-12-31' is not a date" in gallery.problem
    gallery.query = {}
    assert gallery.total == 60 and gallery.problem == ""
    with pytest.raises(ValueError, match="until='2026-13-01' is not a date"):
        gallery.search(until="2026-13-01")
    assert gallery.query == {} and gallery.total == 60  # the search stays as it was


def test_tiles_carry_the_final_cost_else_the_estimate(mixed):
    items = {i["task_id"]: i for i in Gallery(journal=mixed, page=60).items}
    assert items["m004"]["cost_credits"] == 5 and "estimate_credits" not in items["m004"]
    assert items["m003"]["cost_credits"] is None and items["m003"]["estimate_credits"] == 4
