"""Widgets with outputs no browser plays (gen4.5's outputFormat deliveries): the synced entries carry
the facts and the poster's paths (never bytes), the kernel serves the poster to a page that cannot
load it, and the static HTML a finished view leaves behind has the poster card, not a <video>."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image
from widget_fakes import FakeTask, FrontEnd, contains_bytes, synced_values, write_sidecar

from runway_nb.sandbox import synth
from runway_nb.widgets import Player, TaskView


def deliver(folder, fmt: str, task_id: str = "task-1") -> list:
    """The sandbox's real files for `fmt`, stored as the store names them (<task>_<index>.<ext> + sidecar)."""
    folder.mkdir(exist_ok=True)
    paths = []
    for index, f in enumerate(synth.render_format(fmt, 128, 72, 0.5, seed=3, prompt="a red fox", audio=True)):
        path = folder / f"{task_id}_{index}{f.filename[f.filename.rindex('.'):]}"
        path.write_bytes(f.data)
        write_sidecar(path, task_id=task_id, index=index, file=path.name, kind=None)
        paths.append(path)
    return paths


def test_player_state_has_facts_and_poster_paths_and_no_bytes(workdir):
    [mov] = deliver(workdir / "runway_outputs", "prores")
    zip_, wav = deliver(workdir / "runway_outputs", "hdr_exr_sequence", task_id="task-2")
    player = Player([mov, zip_, wav])
    state = synced_values(player)
    assert not contains_bytes(state) and len(json.dumps(state["items"])) < 6000
    prores, frames, audio = state["items"]
    assert dict(prores["facts"])["codec"].startswith("ProRes") and dict(prores["facts"])["container"] == "MOV"
    assert dict(frames["facts"])["codec"] == "OpenEXR frames" and dict(frames["facts"])["frames"] == "12 at 24 fps"
    assert audio["kind"] == "audio" and audio["facts"] is None
    for entry, path in ((prores, mov), (frames, zip_)):
        poster = path.with_name(path.stem + ".poster.jpg")
        assert entry["poster"] == f"runway_outputs/{poster.name}"
        assert entry["poster_path"] == poster.resolve().as_posix()
        with Image.open(poster) as im:
            assert im.size == (128, 72)
    page = player._repr_mimebundle_()[0]["text/html"]
    assert "<video" not in page and page.count('data-shows="facts"') == 2 and "<audio" in page


def test_the_kernel_serves_the_poster_of_an_unplayable_file(workdir):
    [mov] = deliver(workdir / "runway_outputs", "hdr10")
    player = Player([mov])
    fe = FrontEnd(player)
    fe.say({"type": "media", "src": "runway_outputs/task-1_0.poster.jpg", "offset": 0, "size": 1 << 20})
    [(reply, [data])] = fe.received
    assert reply["ok"] is True and reply["mime"] == "image/jpeg"
    assert Image.open(io.BytesIO(data)).size == (128, 72)


@pytest.mark.parametrize("fmt", ["prores", "png_sequence"])
def test_a_finished_task_view_shows_the_card_live_and_in_its_static_html(workdir, fmt):
    paths = deliver(workdir / "runway_outputs", fmt)
    task = FakeTask(status="RUNNING")
    view = TaskView(task, save=lambda *a: paths)
    task.set(status="SUCCEEDED", progress=1.0, cost_credits=60, output=tuple(f"http://x/{i}" for i in range(len(paths))))
    assert view.ended.wait(10)
    outputs = view.run["outputs"]
    assert outputs[0]["facts"] and outputs[0]["poster"].endswith(".poster.jpg")
    assert all(o["facts"] is None for o in outputs[1:])  # the .wav beside a frame zip plays
    static = view.result().html
    assert "<video" not in static and 'data-shows="facts"' in static
    assert outputs[0]["poster"] in static


def test_an_unsaved_delivery_in_a_task_view_is_a_link_card_not_a_video(workdir):
    def broken(*_):
        raise OSError("disk full")

    task = FakeTask(status="SUCCEEDED", output=("http://127.0.0.1:1/video.mp4",), cost_credits=60)
    task.body = {"model": "gen4.5", "promptText": "a red fox", "outputFormat": "hdr10"}
    view = TaskView(task, save=broken)
    assert view.ended.wait(10)
    [entry] = view.run["outputs"]
    assert entry["facts"] and entry["poster"] == ""
    assert "<video" not in view.result().html
