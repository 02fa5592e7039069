"""Gallery over a real journal: stored results only, entries with relative paths, re-display."""

from __future__ import annotations

import time

import pytest
from widget_fakes import FrontEnd, write_image, write_sidecar

from runway_nb.journal import Journal
from runway_nb.widgets.gallery import Gallery


@pytest.fixture
def journal(workdir):
    jr = Journal(workdir / ".runway")
    for i, (task_id, model, prompt) in enumerate([("img-1", "gen4_image", "a lighthouse"),
                                                   ("img-2", "gen4_image_turbo", "a <b>bold</b> cat")]):
        jr.record_created(task_id, "/v1/text_to_image", model, {"model": model, "promptText": prompt,
                                                                 "ratio": "1280:720"}, 8, created_at=time.time() + i)
        path = write_image(workdir / "runway_outputs" / f"{task_id}_0.png")
        write_sidecar(path, task_id=task_id, model=model, prompt=prompt, parameters={"ratio": "1280:720"})
        jr.record_status({"id": task_id, "status": "SUCCEEDED", "progress": 1.0, "output": ["https://x/1"]})
        jr.record_outputs(task_id, [path])
    jr.record_created("run-1", "/v1/text_to_video", "gen4.5", {"model": "gen4.5", "promptText": "x"}, 60)
    return jr


def test_lists_stored_results_newest_first(journal):
    gallery = Gallery(journal=journal)
    assert [i["task_id"] for i in gallery.items] == ["img-2", "img-1"]
    first = gallery.items[1]["outputs"][0]
    assert first["src"] == "runway_outputs/img-1_0.png" and first["kind"] == "image" and first["ratio"] == "1280:720"


def test_no_journal_means_an_empty_gallery_and_none_created(workdir):
    assert Gallery().items == []
    assert not (workdir / ".runway").exists()


def test_refresh_message_and_media_bytes(journal, workdir):
    gallery = Gallery(journal=journal)
    fe = FrontEnd(gallery)
    write_image(workdir / "runway_outputs" / "late_0.png")
    journal.record_created("late", "/v1/text_to_image", "gen4_image", {"promptText": "late"}, 8,
                           created_at=time.time() + 10)
    journal.record_status({"id": "late", "status": "SUCCEEDED", "progress": 1.0, "output": ["https://x/1"]})
    journal.record_outputs("late", [workdir / "runway_outputs" / "late_0.png"])
    fe.say({"type": "refresh"})
    assert gallery.items[0]["task_id"] == "late"
    fe.say({"type": "media", "src": "runway_outputs/img-1_0.png"})
    reply, [data] = fe.received[-1]
    assert reply["ok"] and data[:4] == b"\x89PNG"


def test_result_and_compare_are_static_html(journal):
    gallery = Gallery(journal=journal)
    one = gallery.result("img-1")._repr_mimebundle_()
    assert one["text/html"].count("<figure") == 1 and "runway_outputs/img-1_0.png" in one["text/html"]
    both = gallery.compare("img-1", "img-2")._repr_mimebundle_()
    assert both["text/html"].count("<figure") == 2 and "&lt;b&gt;bold&lt;/b&gt;" in both["text/html"]
    with pytest.raises(KeyError):
        gallery.result("img")  # ambiguous prefix
