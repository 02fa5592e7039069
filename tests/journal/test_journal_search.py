"""Search over the whole journal: the prompt index agrees with a scan, pages return every row once,
an old journal is indexed when it is opened, and a result thousands of tasks old is found."""

from __future__ import annotations

import random
import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runway_nb import journal as jmod
from runway_nb.journal import Journal

WORDS = ["cat", "surfing", "Mountain", "lake", "neon", "über", "rain", "100%", "snake_case", "a\\b"]


@pytest.fixture
def jr(tmp_path):
    j = Journal(tmp_path / ".runway")
    yield j
    j.close()


def fill(j: Journal, prompts: list[str | None], *, same_second: bool = False) -> None:
    for i, prompt in enumerate(prompts):
        j.record_created(f"t{i:05d}", "/v1/text_to_video", "gen4.5", {"promptText": prompt} if prompt else {},
                         12 * (i % 5), created_at=1_700_000_000.0 + (0 if same_second else i))


def scanned(j: Journal, text: str) -> set[str]:
    """What a plain scan finds: case-blind (ASCII) substring of the stored prompt."""
    return {r["id"] for r in j.history() if r["prompt"] and text.lower() in r["prompt"].lower()}


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.sampled_from(WORDS), min_size=0, max_size=4), min_size=1, max_size=30),
       st.sampled_from(WORDS + ["CAT", "ur", "ain n", "x"]))
def test_the_index_finds_what_a_scan_finds(tmp_path_factory, prompts, text):
    j = Journal(tmp_path_factory.mktemp("j") / ".runway")
    try:
        fill(j, [" ".join(p) or None for p in prompts])
        assert {r["id"] for r in j.history(text=text)} == scanned(j, text)
    finally:
        j.close()


def test_a_changed_prompt_is_searched_by_its_new_text(jr):
    fill(jr, ["a cat on a wave"])
    jr.record_status({"id": "t00000", "status": "RUNNING", "prompt": "ignored: the first prompt stays"})
    assert [r["id"] for r in jr.history(text="cat on")] == ["t00000"]
    with sqlite3.connect(jr.path) as conn:  # an edit by hand (or a later version's) is followed too
        conn.execute("UPDATE tasks SET prompt='a dog' WHERE id='t00000'")
    assert jr.history(text="cat on") == [] and [r["id"] for r in jr.history(text="dog")] == ["t00000"]
    with sqlite3.connect(jr.path) as conn:
        conn.execute("DELETE FROM tasks WHERE id='t00000'")
    assert jr.history(text="dog") == []


def test_pages_return_every_row_exactly_once(jr):
    fill(jr, [f"prompt {i}" for i in range(120)], same_second=True)  # ties on created_at: the id breaks them
    fill_more = Journal(jr.path)
    for i in range(120, 250):
        fill_more.record_created(f"t{i:05d}", "/v1/text_to_image", "gen4_image", {"promptText": f"p {i}"}, 5,
                                 created_at=1_700_000_000.0 + random.Random(i).randint(-3, 3))
    fill_more.close()
    seen, cursor = [], None
    while True:
        page = jr.history(limit=17, before=cursor)
        if not page:
            break
        seen += [r["id"] for r in page]
        cursor = jr.page_cursor(page)
    assert len(seen) == len(set(seen)) == jr.count() == 250
    assert seen == [r["id"] for r in jr.history()]  # the same order as one unpaged read


def test_filters_combine_with_paging_and_count(jr):
    fill(jr, [f"{'cat' if i % 3 == 0 else 'dog'} number {i}" for i in range(90)])
    assert jr.count_matching(text="cat") == 30
    assert jr.count_matching(text="cat", min_credits=24) == len([i for i in range(0, 90, 3) if 12 * (i % 5) >= 24])
    first = jr.history(text="cat", limit=10)
    rest = jr.history(text="cat", before=jr.page_cursor(first))
    assert len(first) == 10 and len(rest) == 20 and all("cat" in r["prompt"] for r in first + rest)


def test_a_version_1_journal_is_indexed_when_opened(tmp_path):
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:
        for statement in jmod._SCHEMA:
            conn.execute(statement)
        conn.execute("PRAGMA user_version=1")
        conn.executemany("INSERT INTO tasks (id, prompt, status, created_at, updated_at) VALUES (?,?,?,?,?)",
                         [(f"old{i}", f"an old surfing prompt {i}", "SUCCEEDED", i, i) for i in range(50)])
    j = Journal(path)
    try:
        expected = {"old4", *(f"old{i}" for i in range(40, 50))}
        assert {r["id"] for r in j.history(text="SURFING prompt 4")} == expected
        assert j.count_matching(text="surfing prompt 4") == len(expected)
        assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == jmod.SCHEMA_VERSION
    finally:
        j.close()


def test_history_pages_through_the_same_search(jr):
    from runway_nb import recovery

    fill(jr, [f"{'kite' if i % 2 else 'fox'} number {i}" for i in range(45)])
    first = recovery.history(journal=jr, text="KITE", limit=10)
    assert "page 1 · 22 matching task(s)" in repr(first)
    seen, page = [], first
    while page:
        seen += [r["id"] for r in page]
        page = page.next()
    assert len(seen) == len(set(seen)) == 22 and page.number == 4
    third = recovery.history(journal=jr, text="kite", limit=10, page=3)
    assert [r["id"] for r in third] == seen[20:] and third.number == 3
    assert len(recovery.history(journal=jr, provider="Runway", limit=100)) == 45  # gen4.5 is Runway's
    assert len(recovery.history(journal=jr, provider="Kling", limit=100)) == 0


def test_operations_are_searched_by_the_endpoint_the_journal_recorded(jr):
    paths = ["/v1/text_to_video", "/v1/video_upscale", "/v1/generate/video", "/v1/recipes/product_ad",
             "/v1/recipes/product_ugc", "/v1/recipes_like/other", "/v1/workflows/wf_1a", "/v1/workflows/wf_2b"]
    for i, path in enumerate(paths):
        jr.record_created(f"t{i}", path, None, {"promptText": f"p{i}"}, 10, created_at=1_700_000_000.0 + i)
    assert jr.operations() == ["generate.video", "recipes.product_ad", "recipes.product_ugc", "recipes_like.other",
                               "text_to_video", "video_upscale", "workflows.run"]
    ids = lambda **f: [r["id"] for r in jr.history(**f)]  # noqa: E731
    assert ids(operation="video_upscale") == ["t1"]
    assert ids(operation="generate.video") == ids(operation="/v1/generate/video") == ["t2"]
    assert ids(operation="text_to_video.create") == ["t0"]  # the SDK's operation id names it too
    assert ids(operation="recipes.*") == ["t4", "t3"]  # a family; "recipes_like" is another one
    assert ids(operation=["video_upscale", "recipes.*"]) == ["t4", "t3", "t1"]
    assert ids(operation="recipes") == [] and jr.count_matching(operation="nope") == 0
    assert ids(operation="workflows.run") == ["t7", "t6"]  # a run of any published workflow
    assert jr.operations(operation="recipes.*") == ["recipes.product_ad", "recipes.product_ugc"]
    assert jmod.operation_of("/v1/recipes/product_ad") == "recipes.product_ad" and jmod.operation_of(None) is None


def test_history_shows_the_operation_and_the_final_cost_else_the_estimate_marked(jr):
    from runway_nb import recovery

    jr.record_created("done", "/v1/video_upscale", "upscale_v1", {}, 10, created_at=1_700_000_000.0)
    jr.record_status({"id": "done", "status": "SUCCEEDED", "cost_credits": 8, "output": ["https://x/y.mp4"]})
    jr.record_created("going", "/v1/text_to_video", "gen4.5", {"promptText": "kite"}, 60, created_at=1_700_000_001.0)
    table = recovery.history(journal=jr)
    text = repr(table)
    assert "operation" in text.splitlines()[1]
    rows = {line.split()[0]: line for line in text.splitlines()[2:]}
    assert "video_upscale" in rows["done"] and " 8 " in rows["done"] and "estimate" not in rows["done"]
    assert "text_to_video" in rows["going"] and "~60 (estimate)" in rows["going"]
    assert "~60 (estimate)" in table._repr_html_()
    assert [r["id"] for r in recovery.history(journal=jr, operation="video_upscale")] == ["done"]
    assert [r["id"] for r in recovery.history(journal=jr, min_credits=20)] == ["going"]
    assert [r["id"] for r in recovery.history(journal=jr, max_credits=8)] == ["done"]


@pytest.mark.parametrize("endpoint,kind", [
    ("/v1/generate/video", "video"), ("/v1/generate/image", "image"), ("/v1/video_upscale", "video"),
    ("/v1/recipes/product_ad", "video"), ("/v1/image_upscale", "image"), ("/v1/video_to_audio", "audio"),
    ("/v1/workflows/wf_1", None),  # a workflow's nodes make any kind
])
def test_the_kind_of_a_model_less_or_sdk_only_task_is_what_its_operation_makes(endpoint, kind):
    from runway_nb.journal import kind_of

    assert kind_of("some_new_model", endpoint) == kind
