"""Media through the kernel in slices, and the page's word on Jupyter's files route deciding the swap."""

from __future__ import annotations

import time

import pytest
from widget_fakes import FakeTask, FrontEnd, write_sidecar, write_video

from runway_nb.widgets import Player, TaskView, _host
from runway_nb.widgets._media import CHUNK_BYTES, MAX_CHUNK_BYTES

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def stored_video(workdir):
    path = write_video(workdir / "runway_outputs" / "task-1_0.mp4")
    write_sidecar(path)
    return [path]


@pytest.fixture
def host(monkeypatch):
    """A fresh Host that believes it runs in a kernel (a page may be listening), with a short grace."""
    fresh = _host.Host(grace=0.2)
    monkeypatch.setattr(_host, "HOST", fresh)
    monkeypatch.setattr(_host, "_kernel_shell", lambda: None)
    return fresh


@pytest.fixture
def in_kernel(host, monkeypatch):
    class Events:
        def __init__(self):
            self.registered = {}

        def register(self, name, callback):
            self.registered[name] = callback

    class Shell:
        kernel = object()
        events = Events()

    shell = Shell()
    monkeypatch.setattr(_host, "_kernel_shell", lambda: shell)
    return shell


# -- slices -------------------------------------------------------------------------------------------
def test_a_file_is_sent_slice_by_slice_and_every_byte_arrives(workdir):
    big = workdir / "runway_outputs" / "big.mp4"
    big.parent.mkdir(parents=True)
    data = bytes(range(256)) * (10 * CHUNK_BYTES // 256 + 3)  # ten slices and a bit
    big.write_bytes(data)
    player = Player([big])
    fe = FrontEnd(player)
    got, offset = b"", 0
    while True:
        fe.say({"type": "media", "src": "runway_outputs/big.mp4", "offset": offset, "size": CHUNK_BYTES})
        reply, [chunk] = fe.received[-1]
        assert reply == {"type": "media", "src": "runway_outputs/big.mp4", "ok": True, "mime": "video/mp4",
                         "offset": offset, "total": len(data)}
        assert len(chunk) <= CHUNK_BYTES
        got += chunk
        offset += len(chunk)
        if offset >= len(data):
            break
    assert got == data and len(fe.received) == 11


def test_a_slice_is_never_larger_than_the_cap_and_bad_numbers_are_refused(workdir):
    big = workdir / "big.mp4"
    big.write_bytes(b"\0" * (MAX_CHUNK_BYTES + 10))
    fe = FrontEnd(Player([big]))
    fe.say({"type": "media", "src": "big.mp4", "offset": 0, "size": 10 * MAX_CHUNK_BYTES})
    fe.say({"type": "media", "src": "big.mp4", "offset": "x", "size": 5})
    fe.say({"type": "media", "src": "../etc/passwd", "offset": 0, "size": 5})
    (ok, [chunk]), (bad, none), (refused, nothing) = fe.received
    assert ok["ok"] and len(chunk) == MAX_CHUNK_BYTES
    assert bad["ok"] is False and "whole numbers" in bad["error"] and none == []
    assert refused["ok"] is False and refused["error"] == "not a file this widget shows" and nothing == []


# -- the page's word ----------------------------------------------------------------------------------
def test_where_the_files_route_is_missing_a_finished_view_stays_live(workdir, displays, host):
    paths = stored_video(workdir)
    task = FakeTask(status="RUNNING", progress=0.5)
    view = TaskView(task, save=lambda *a: paths)
    view._ipython_display_()
    FrontEnd(view).say({"type": "host", "files": False})
    assert host.files_route is False
    task.set(status="SUCCEEDED", progress=1.0, output=("http://x/1",))
    assert view.settle(10)
    assert [c[0] for c in displays.calls] == ["display"]  # never swapped
    assert view.comm is not None  # the live player keeps its model: it serves the bytes


def test_where_the_files_route_works_the_view_swaps_and_closes(workdir, displays, host):
    paths = stored_video(workdir)
    task = FakeTask(status="RUNNING", progress=0.5)
    view = TaskView(task, save=lambda *a: paths)
    view._ipython_display_()
    FrontEnd(view).say({"type": "host", "files": True})
    task.set(status="SUCCEEDED", progress=1.0, output=("http://x/1",))
    assert view.settle(10)
    kind, _, static = displays.calls[-1]
    assert kind == "update" and WIDGET_MIME not in static
    assert view.comm is None


def test_in_a_kernel_before_any_word_the_view_swaps_then_comes_back_live_if_told(workdir, displays, in_kernel):
    paths = stored_video(workdir)
    task = FakeTask(status="RUNNING", progress=0.5)
    view = TaskView(task, save=lambda *a: paths)
    view._ipython_display_()
    task.set(status="SUCCEEDED", progress=1.0, output=("http://x/1",))
    assert view.settle(10)
    assert displays.calls[-1][0] == "update" and WIDGET_MIME not in displays.calls[-1][2]
    assert view.comm is not None  # kept, in case the page says the static HTML cannot play there
    FrontEnd(view).say({"type": "host", "files": False})  # the cell ended; the page's word arrives
    kind, display_id, bundle = displays.calls[-1]
    assert (kind, display_id) == ("update", view.display_id) and WIDGET_MIME in bundle
    assert view.comm is not None


def test_in_a_kernel_with_no_page_the_model_is_closed_after_an_idle_grace(workdir, displays, in_kernel):
    paths = stored_video(workdir)
    task = FakeTask(status="RUNNING", progress=0.5)
    view = TaskView(task, save=lambda *a: paths)
    view._ipython_display_()
    task.set(status="SUCCEEDED", progress=1.0, output=("http://x/1",))
    assert view.settle(10)
    assert view.comm is not None
    time.sleep(0.5)  # a cell is still running (no post_run_cell yet): the page's word may be queued
    assert view.comm is not None
    in_kernel.events.registered["post_run_cell"](None)  # the cell ended; the grace counts from now
    deadline = time.monotonic() + 5
    while view.comm is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert view.comm is None
    assert WIDGET_MIME not in displays.calls[-1][2]  # the static HTML stays
