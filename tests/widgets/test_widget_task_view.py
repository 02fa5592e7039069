"""TaskView: state it publishes, Cancel, outputs as player entries, the display swap, no bytes."""

from __future__ import annotations

import json

import pytest
from widget_fakes import FakeTask, FrontEnd, contains_bytes, synced_values, write_sidecar, write_video

from runway_nb.widgets import TaskView
from runway_nb.widgets.task_view import show

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def stored_video(workdir):
    path = write_video(workdir / "runway_outputs" / "task-1_0.mp4")
    write_sidecar(path)
    return [path]


def wait_end(view):
    assert view.ended.wait(10), "the view never ended"


def test_publishes_the_task_state(workdir):
    task = FakeTask(status="RUNNING", progress=0.25, elapsed=3.14159)
    view = TaskView(task, save=lambda *a: [])
    t = view.run["task"]
    assert t["status"] == "RUNNING" and t["progress"] == 0.25 and t["elapsed"] == 3.1
    assert t["estimated_credits"] == 60 and t["estimated_dollars"] == 0.6
    assert t["sandbox"] is True and view.run["outputs"] == []


def test_state_changes_are_coalesced(workdir):
    task = FakeTask(status="RUNNING")
    view = TaskView(task, save=lambda *a: [])
    sent = []
    view.observe(lambda change: sent.append(change["new"]), names="run")
    for i in range(1, 40):  # a burst of changes inside one quiet interval
        task.set(progress=i / 40)
    assert len(sent) <= 1
    task.set(status="FAILED", failure="boom", failure_code="INTERNAL")  # the end is sent at once
    assert sent[-1]["task"]["status"] == "FAILED"
    assert len(sent) <= 2


def test_many_views_updating_at_once_send_few_messages(workdir):
    tasks = [FakeTask(id=f"t{i}", status="RUNNING") for i in range(20)]
    views = [TaskView(t, save=lambda *a: []) for t in tasks]
    for step in range(1, 101):  # 2000 changes in a burst, as 20 busy pollers might deliver
        for task in tasks:
            task.set(progress=step / 100, elapsed=step * 0.1)
    sends = [v._binding._coalescer.sent for v in views]
    assert max(sends) <= 3, sends  # the first state, at most one or two coalesced ones
    for task in tasks:
        task.set(status="CANCELLED")
    assert all(v.ended.wait(5) for v in views)
    assert all(v.run["task"]["status"] == "CANCELLED" for v in views)


def test_cancel_message_cancels_the_task(workdir):
    task = FakeTask(status="RUNNING")
    view = TaskView(task, save=lambda *a: [])
    FrontEnd(view).say({"type": "cancel"})
    wait_end(view)
    assert task.cancelled == 1
    assert view.run["task"]["status"] == "CANCELLED"


def test_a_failed_cancel_is_shown_not_raised(workdir):
    task = FakeTask(status="RUNNING")
    task.cancel_error = RuntimeError("connection refused")
    view = TaskView(task, save=lambda *a: [])
    view._binding.cancel().result(5)
    assert view.run["notice"] == "could not cancel: connection refused"
    assert view.run["task"]["status"] == "RUNNING"


def test_success_makes_player_entries_with_relative_paths(workdir):
    paths = stored_video(workdir)
    task = FakeTask(status="RUNNING")
    view = TaskView(task, save=lambda *a: paths)
    task.set(status="SUCCEEDED", progress=1.0, cost_credits=60, output=("http://127.0.0.1/x.mp4",))
    wait_end(view)
    [entry] = view.run["outputs"]
    assert entry["src"] == "runway_outputs/task-1_0.mp4"
    assert entry["kind"] == "video" and entry["mime"] == "video/mp4"
    assert entry["poster"] == "runway_outputs/task-1_0.poster.jpg"
    assert (workdir / "runway_outputs" / "task-1_0.poster.jpg").is_file()
    # Absolute paths, so the front end can build the server's files/ URL (the page URL is not the folder).
    assert entry["path"] == (workdir / "runway_outputs" / "task-1_0.mp4").resolve().as_posix()
    assert entry["poster_path"] == (workdir / "runway_outputs" / "task-1_0.poster.jpg").resolve().as_posix()
    assert (entry["model"], entry["seed"], entry["ratio"], entry["duration"]) == ("gen4.5", 42, "1280:720", 5)
    assert entry["cost_credits"] == 60 and entry["cost_dollars"] == 0.6
    assert view.paths == paths


def test_media_request_sends_bytes_as_a_buffer_only_for_shown_files(workdir):
    paths = stored_video(workdir)
    (workdir / "secret.txt").write_text("not yours")
    task = FakeTask(status="SUCCEEDED", output=("http://x/1",), cost_credits=60)
    view = TaskView(task, save=lambda *a: paths)
    wait_end(view)
    fe = FrontEnd(view)
    fe.say({"type": "media", "src": "runway_outputs/task-1_0.mp4"})
    fe.say({"type": "media", "src": "secret.txt"})
    (ok, [data]), (refused, no_buffers) = fe.received
    assert ok == {"type": "media", "src": "runway_outputs/task-1_0.mp4", "ok": True, "mime": "video/mp4"}
    assert data == paths[0].read_bytes()
    assert refused["ok"] is False and no_buffers == []


def test_media_request_answers_for_the_poster_too(workdir):
    paths = stored_video(workdir)
    view = TaskView(FakeTask(status="SUCCEEDED", output=("http://x/1",), cost_credits=60), save=lambda *a: paths)
    wait_end(view)
    fe = FrontEnd(view)
    fe.say({"type": "media", "src": "runway_outputs/task-1_0.poster.jpg"})
    [(reply, [data])] = fe.received
    assert reply["ok"] is True and reply["mime"] == "image/jpeg"
    assert data == (workdir / "runway_outputs" / "task-1_0.poster.jpg").read_bytes()


def test_failed_save_falls_back_to_the_output_urls(workdir):
    def broken(*_):
        raise OSError("disk full")

    task = FakeTask(status="SUCCEEDED", output=("http://127.0.0.1:1/o.mp4",), cost_credits=60)
    view = TaskView(task, save=broken)
    wait_end(view)
    assert "disk full" in view.run["notice"]
    assert view.run["outputs"][0]["src"] == "http://127.0.0.1:1/o.mp4"


def test_no_bytes_in_synced_traits(workdir):
    paths = stored_video(workdir)
    task = FakeTask(status="SUCCEEDED", output=("http://x/1",), cost_credits=60)
    view = TaskView(task, save=lambda *a: paths)
    wait_end(view)
    values = synced_values(view)
    assert not contains_bytes(values)
    state = {k: v for k, v in values.items() if k not in ("_esm", "_css")}
    assert len(json.dumps(state)) < 5000  # a few hundred bytes of state, never media


def test_display_swaps_to_static_html_when_the_task_ends(workdir, displays):
    paths = stored_video(workdir)
    task = FakeTask(status="RUNNING", progress=0.5)
    view = show(task, save=lambda *a: paths)
    [(kind, display_id, live)] = displays.calls
    assert kind == "display" and display_id == view.display_id
    assert WIDGET_MIME in live and "text/html" in live and "text/plain" in live
    task.set(status="SUCCEEDED", progress=1.0, cost_credits=60, output=("http://x/1",))
    wait_end(view)
    kind, display_id, static = displays.calls[-1]
    assert (kind, display_id) == ("update", view.display_id)
    assert WIDGET_MIME not in static
    assert '<video src="runway_outputs/task-1_0.mp4"' in static["text/html"]
    assert "runway_outputs/task-1_0.mp4" in static["text/plain"]
    # The widget is closed (no model left for a saved widget state), yet still shows as its result.
    assert view.comm is None
    assert '<video src="runway_outputs/task-1_0.mp4"' in view._repr_html_()
    view._ipython_display_()
    kind, _, again = displays.calls[-1]
    assert kind == "display" and WIDGET_MIME not in again


def test_failure_swaps_to_a_static_failure(workdir, displays):
    task = FakeTask(status="RUNNING")
    view = TaskView(task, save=lambda *a: [])
    view._ipython_display_()
    task.set(status="FAILED", failure="Flagged <b>input</b>", failure_code="SAFETY.INPUT.TEXT")
    wait_end(view)
    kind, _, static = displays.calls[-1]
    assert kind == "update"
    assert "Failed: Flagged &lt;b&gt;input&lt;/b&gt; (SAFETY.INPUT.TEXT)" in static["text/html"]
    assert "Failed: Flagged <b>input</b> (SAFETY.INPUT.TEXT)" in static["text/plain"]


def test_a_finished_task_displays_static_html_straight_away(workdir, displays):
    paths = stored_video(workdir)
    view = TaskView(FakeTask(status="SUCCEEDED", output=("http://x/1",), cost_credits=60), save=lambda *a: paths)
    wait_end(view)
    view._ipython_display_()
    [(kind, _, bundle)] = displays.calls
    assert kind == "display" and WIDGET_MIME not in bundle


def test_swap_false_keeps_the_live_widget(workdir, displays):
    task = FakeTask(status="RUNNING")
    view = show(task, swap=False, save=lambda *a: [])
    task.set(status="CANCELLED")
    wait_end(view)
    assert [c[0] for c in displays.calls] == ["display"]
    assert view.comm is not None  # its widget output lives on: so does its model


def test_not_displayed_means_nothing_to_swap(workdir, displays):
    task = FakeTask(status="RUNNING")
    view = TaskView(task, save=lambda *a: [])
    task.set(status="CANCELLED")
    wait_end(view)
    assert displays.calls == []


def test_swap_through_ipython_display_machinery(workdir):
    """The real IPython display path: display_data with a display id, then update_display_data."""
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    InteractiveShell.instance()
    task = FakeTask(status="RUNNING")
    with capture_output() as captured:
        view = TaskView(task, save=lambda *a: [])
        from IPython.display import display

        display(view)  # goes through _ipython_display_
        task.set(status="CANCELLED")
        wait_end(view)
    first, last = captured.outputs[0], captured.outputs[-1]
    assert first.transient == {"display_id": view.display_id} and not first.update
    assert WIDGET_MIME in first.data
    assert last.update and last.transient == {"display_id": view.display_id}
    assert WIDGET_MIME not in last.data and "cancelled" in last.data["text/plain"]


@pytest.mark.parametrize("field", ["prompt", "failure"])
def test_fallback_html_escapes_task_text(workdir, field):
    evil = "<img src=x onerror=alert(1)>"
    task = FakeTask(status="FAILED", **{field: evil})
    view = TaskView(task, save=lambda *a: [])
    data, _ = view._repr_mimebundle_()
    assert "<img" not in data["text/html"]
    assert "&lt;img src=x onerror=alert(1)&gt;" in data["text/html"]


class FakeAsyncTask(FakeTask):
    """AsyncTask's shape: cancel() is a coroutine, to run on the loop the task lives on."""

    async def cancel(self) -> None:  # type: ignore[override]
        FakeTask.cancel(self)


@pytest.mark.anyio
async def test_cancel_of_an_async_task_runs_on_its_loop(workdir):
    import anyio

    task = FakeAsyncTask(status="RUNNING")
    view = TaskView(task, save=lambda *a: [])
    FrontEnd(view).say({"type": "cancel"})
    assert await anyio.to_thread.run_sync(view.ended.wait, 10)
    assert task.cancelled == 1 and view.run["task"]["status"] == "CANCELLED"
