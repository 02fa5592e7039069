"""Media through the kernel in slices, and the page's word on Jupyter's files route deciding the swap."""

from __future__ import annotations

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
    """A fresh Host, as in a kernel no page has spoken to yet."""
    fresh = _host.Host()
    monkeypatch.setattr(_host, "HOST", fresh)
    return fresh


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


def test_a_view_that_ended_before_the_page_spoke_comes_back_live_if_the_route_is_missing(workdir, displays, host):
    paths = stored_video(workdir)
    task = FakeTask(status="RUNNING", progress=0.5)
    view = TaskView(task, save=lambda *a: paths)
    view._ipython_display_()
    task.set(status="SUCCEEDED", progress=1.0, output=("http://x/1",))
    assert view.settle(10)
    kind, _, static = displays.calls[-1]
    assert kind == "update" and WIDGET_MIME not in static  # swapped, as before: nothing said otherwise
    assert view.comm is None
    host.handle({"type": "host", "files": False})  # the waiting cell ended; the page's word arrives
    kind, display_id, bundle = displays.calls[-1]
    assert (kind, display_id) == ("update", view.display_id) and WIDGET_MIME in bundle
    live = view._revived
    assert live.comm is not None and live.swap is False
    assert live.run["outputs"][0]["src"] == "runway_outputs/task-1_0.mp4"
    fe = FrontEnd(live)  # the revived view serves the bytes
    fe.say({"type": "media", "src": "runway_outputs/task-1_0.mp4", "offset": 0, "size": 4})
    assert fe.received[-1][0]["ok"] is True and fe.received[-1][1] == [paths[0].read_bytes()[:4]]


def test_the_page_saying_the_route_works_after_the_swap_changes_nothing(workdir, displays, host):
    paths = stored_video(workdir)
    task = FakeTask(status="RUNNING", progress=0.5)
    view = TaskView(task, save=lambda *a: paths)
    view._ipython_display_()
    task.set(status="SUCCEEDED", progress=1.0, output=("http://x/1",))
    assert view.settle(10)
    before = list(displays.calls)
    host.handle({"type": "host", "files": True})
    assert displays.calls == before and host.files_route is True


def test_the_page_probe_reports_through_its_own_model(workdir, host):
    (workdir / "demo.ipynb").write_text("{}")
    probe = _host.PageProbe(host)
    assert probe.probe == {"src": "demo.ipynb", "path": (workdir / "demo.ipynb").resolve().as_posix()}
    FrontEnd(probe).say({"type": "host", "files": False})
    assert host.files_route is False
    FrontEnd(probe).say({"type": "media", "src": "demo.ipynb"})  # not its job: ignored
    assert host.files_route is False


def test_outside_a_kernel_no_probe_is_made(host):
    host.listen()
    assert host._probe is None


# -- the Player ---------------------------------------------------------------------------------------
def test_a_player_is_plain_html_until_a_page_says_it_has_no_files_route(workdir, displays, host):
    paths = stored_video(workdir)
    player = Player(paths)
    player._ipython_display_()  # no page has spoken (nbclient never will): plain HTML, no model kept
    kind, display_id, static = displays.calls[-1]
    assert (kind, display_id) == ("display", player.display_id) and WIDGET_MIME not in static
    assert 'src="runway_outputs/task-1_0.mp4"' in static["text/html"] and player.comm is None
    host.handle({"type": "host", "files": False})  # VS Code, Colab: the live player takes its place
    kind, display_id, bundle = displays.calls[-1]
    assert (kind, display_id) == ("update", player.display_id) and WIDGET_MIME in bundle
    fe = FrontEnd(player._revived)
    fe.say({"type": "media", "src": "runway_outputs/task-1_0.mp4", "offset": 0, "size": 4})
    assert fe.received[-1][1] == [paths[0].read_bytes()[:4]]


def test_a_player_is_live_where_the_page_already_said_it_has_no_files_route(workdir, displays, host):
    host.handle({"type": "host", "files": False})
    player = Player(stored_video(workdir))
    player._ipython_display_()
    assert [(c[0], WIDGET_MIME in c[2]) for c in displays.calls] == [("display", True)] and player.comm is not None


def test_a_player_stays_plain_html_where_the_page_said_the_route_works(workdir, displays, host):
    host.handle({"type": "host", "files": True})
    player = Player(stored_video(workdir))
    player._ipython_display_()
    host.handle({"type": "host", "files": False})  # a later page's word does not concern a shown player
    assert [(c[0], WIDGET_MIME in c[2]) for c in displays.calls] == [("display", False)] and player.comm is None
