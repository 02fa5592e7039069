"""TaskView with real tasks from a served sandbox: stored outputs, the swap, and a real cancel."""

from __future__ import annotations

import pytest
from widget_fakes import FrontEnd

sandbox = pytest.importorskip("runway_nb.sandbox")
client_mod = pytest.importorskip("runway_nb.client")

KEY = "key_WIDGETtest_0123456789abcdef"


@pytest.fixture
def client(workdir):
    with sandbox.serve(api_key=KEY, time_scale=0.01) as sb:
        yield client_mod.RunwayML(api_key=KEY, base_url=sb.base_url)


def test_a_sandbox_image_is_stored_shown_and_swapped(client, displays, workdir):
    from runway_nb.widgets import show

    task = client.text_to_image.create(model="gen4_image", prompt_text="a lighthouse <at> dusk", ratio="1280:720",
                                       seed=7)
    view = show(task)
    assert view.ended.wait(60)
    [entry] = view.run["outputs"]
    assert (workdir / entry["src"]).is_file()
    assert entry["src"].startswith("runway_outputs/") and entry["kind"] == "image"
    assert entry["sandbox"] is True and entry["ratio"] == "1280:720"
    kind, _, static = displays.calls[-1]
    assert kind == "update" and f'<img src="{entry["src"]}"' in static["text/html"]
    assert "a lighthouse &lt;at&gt; dusk" in static["text/html"]


def test_cancel_from_the_page_cancels_the_sandbox_task(workdir):
    from runway_nb.widgets import TaskView

    with sandbox.serve(api_key=KEY, time_scale=1.0) as sb:  # real time: the task is still running
        client = client_mod.RunwayML(api_key=KEY, base_url=sb.base_url)
        task = client.text_to_video.create(model="gen4.5", prompt_text="a slow sunrise", ratio="1280:720", duration=5)
        view = TaskView(task)
        FrontEnd(view).say({"type": "cancel"})
        assert view.ended.wait(30)
        assert task.status == "CANCELLED"
        assert view.run["task"]["status"] == "CANCELLED"
