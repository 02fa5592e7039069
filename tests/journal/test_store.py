"""The output store: resumable downloads (outputs.fetch), names, sidecars, and the result object that shows
them again."""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

from runway_nb import errors, outputs, store
from runway_nb._loop import run_sync
from runway_nb.errors import RunwayNBError
from runway_nb.http import HTTP
from runway_nb.journal import Journal
from runway_nb.poll import FakeClock
from runway_nb.tasks import TaskCore

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
MP4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x01" * 5000
MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" + b"\x00" * 400


class CutStream(httpx.AsyncByteStream):
    """Sends the first half of the body, then the connection drops."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    async def __aiter__(self):
        yield self.data[: len(self.data) // 2]
        raise httpx.ReadError("connection reset by peer")


def server(files: dict[str, bytes], *, cut: set[str] = frozenset(), short: set[str] = frozenset(),
           calls: list | None = None, urls: list[str] | None = None):
    """A CDN for the outputs (Range requests honoured) and the task's GET (handing out `urls`, default
    one per file)."""
    def handler(request: httpx.Request) -> httpx.Response:
        path, wanted = request.url.path, request.headers.get("range")
        if calls is not None:
            calls.append((path, wanted))
        if path.startswith("/v1/tasks/"):
            return httpx.Response(200, json={"id": path.rsplit("/", 1)[1], "status": "SUCCEEDED",
                                             "output": urls or [f"https://h{p}" for p in files]})
        data = files.get(path)
        if data is None:
            return httpx.Response(403, text="expired")
        if path in short:  # a server announcing more than it ever sends
            return httpx.Response(200, headers={"content-length": str(len(data) + 10)},
                                  stream=httpx.ByteStream(data))
        if path in cut and not wanted:
            return httpx.Response(200, headers={"content-length": str(len(data))}, stream=CutStream(data))
        start = int(wanted[6:-1]) if wanted else 0
        headers = {"content-type": "application/octet-stream"}
        if start:
            headers["content-range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
        return httpx.Response(206 if start else 200, content=data[start:], headers=headers)

    return httpx.MockTransport(handler)


def task_core(task: dict, transport: httpx.MockTransport, **fields) -> TaskCore:
    """A succeeded task as the client holds it, talking to `transport`, on virtual time (no real backoff)."""
    http = HTTP("http://127.0.0.1:5", "key_test", transport=transport)
    return TaskCore.from_wire(http, {"status": "SUCCEEDED", **task}, clock=FakeClock(), **fields)


def save(task: dict, folder, transport: httpx.MockTransport, *, record=None, **fields) -> list[Path]:
    return run_sync(store.save_outputs(task_core(task, transport, **fields), folder, record=record))


def names(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


RECORD = {
    "id": "task-1", "model": "gen4_image", "endpoint": "/v1/text_to_image", "kind": "image",
    "prompt": "a red fox", "request": {"model": "gen4_image", "promptText": "a red fox", "ratio": "1920:1080",
                                       "seed": 42, "referenceImages": [{"uri": "data:image/png;base64,iVBORw0KGgo="}]},
    "estimate_credits": 8, "cost_credits": 8, "created_at": 1_700_000_000.0, "source": "demo.ipynb",
    "events": [("CREATED", 1_700_000_000.0, None), ("RUNNING", 1_700_000_002.0, 0.1),
               ("SUCCEEDED", 1_700_000_010.5, 1.0)],
}


def test_save_outputs_names_by_sniffed_bytes_and_writes_sidecars(tmp_path):
    task = {"id": "task-1", "output": ["https://cdn.example/a?sig=1", "https://cdn.example/b", "https://x/c"]}
    paths = save(task, tmp_path, server({"/a": PNG, "/b": MP4, "/c": MP3}), record=RECORD)
    assert [p.name for p in paths] == ["task-1_0.png", "task-1_1.mp4", "task-1_2.mp3"]
    assert paths[0].read_bytes() == PNG and paths[1].read_bytes() == MP4
    assert names(tmp_path) == {"task-1_0.png", "task-1_1.mp4", "task-1_2.mp3",
                               "task-1_0.json", "task-1_1.json", "task-1_2.json"}
    side = json.loads((tmp_path / "task-1_0.json").read_text())
    assert side["task_id"] == "task-1" and side["index"] == 0 and side["file"] == "task-1_0.png"
    assert side["prompt"] == "a red fox" and side["model"] == "gen4_image" and side["kind"] == "image"
    assert side["seed"] == 42 and side["cost_credits"] == 8 and side["cost_dollars"] == 0.08
    assert side["parameters"]["ratio"] == "1920:1080" and "promptText" not in side["parameters"]
    ref = side["parameters"]["referenceImages"][0]["uri"]
    assert ref["data_uri"]["type"] == "image/png" and len(ref["data_uri"]["sha256"]) == 64
    timings = side["timings"]
    assert timings["queued_seconds"] == 2.0 and timings["running_seconds"] == 8.5
    assert timings["total_seconds"] == 10.5 and timings["finished_at"].startswith("2023-11-14T22:13:30")
    assert side["bytes"] == len(PNG) and side["source"] == "demo.ipynb"
    assert "sig=" not in json.dumps(side)  # signed URLs expire and are not for sharing: never in a sidecar


def test_a_cut_download_resumes_and_an_incomplete_one_leaves_no_complete_looking_file(tmp_path):
    task = {"id": "cut", "output": ["https://cdn.example/v.mp4"]}
    calls: list = []
    [path] = save(task, tmp_path / "a", server({"/v.mp4": MP4}, cut={"/v.mp4"}, calls=calls))
    assert path.read_bytes() == MP4 and calls == [("/v.mp4", None), ("/v.mp4", f"bytes={len(MP4) // 2}-")]
    with pytest.raises(errors.IncompleteDownload) as caught:  # short every time: the retries run out
        save(task, tmp_path / "b", server({"/v.mp4": MP4}, short={"/v.mp4"}))
    assert isinstance(caught.value, errors.RunwayNBError) and isinstance(caught.value, OSError)
    assert names(tmp_path / "b") == {"cut_0.part"}  # no final name, no sidecar: the bytes so far, to resume
    assert store.stored("cut", tmp_path / "b") == []
    paths = save(task, tmp_path / "b", server({"/v.mp4": MP4}))
    assert paths[0].read_bytes() == MP4 and store.stored("cut", tmp_path / "b") == paths
    assert names(tmp_path / "b") == {"cut_0.mp4", "cut_0.json"}


def test_a_download_killed_mid_write_is_resumed(tmp_path):
    (tmp_path / "k_0.part").write_bytes(MP4[:100])  # what a SIGKILLed kernel leaves
    calls: list = []
    paths = save({"id": "k", "output": ["https://h/v.mp4"]}, tmp_path, server({"/v.mp4": MP4}, calls=calls))
    assert names(tmp_path) == {"k_0.mp4", "k_0.json"} and paths[0].read_bytes() == MP4
    assert calls == [("/v.mp4", "bytes=100-")]


def test_saving_twice_downloads_once(tmp_path):
    calls: list = []
    task = {"id": "t", "output": ["https://h/a", "https://h/b"]}
    files = {"/a": PNG, "/b": PNG}
    first = save(task, tmp_path, server(files, calls=calls))
    second = save(task, tmp_path, server(files, calls=calls))
    assert first == second and len(calls) == 2


def test_an_expired_url_is_asked_for_again_once_then_raises_and_keeps_nothing(tmp_path):
    calls: list = []
    with pytest.raises(errors.PermissionDeniedError) as caught:
        save({"id": "old", "output": ["https://h/gone"]}, tmp_path,
             server({}, calls=calls, urls=["https://h/gone"]))
    assert isinstance(caught.value, errors.RunwayNBError)  # never a raw httpx error
    assert [c[0] for c in calls] == ["/gone", "/v1/tasks/old", "/gone"]
    assert names(tmp_path) == set()


def test_a_task_without_outputs_is_refused(tmp_path):
    core = task_core({"id": "x", "output": []}, server({}))
    core.status = "RUNNING"
    with pytest.raises(ValueError, match="no outputs") as refused:
        run_sync(store.save_outputs(core, tmp_path))
    assert isinstance(refused.value, RunwayNBError)


def test_extension_falls_back_to_content_type_then_url():
    assert outputs.extension(PNG) == "png"
    assert outputs.extension(b"????", "video/mp4") == "mp4"
    assert outputs.extension(b"????", "application/octet-stream", "https://h/x/out.webp?sig=1") == "webp"
    assert outputs.extension(b"????", "", "https://h/x/out") == "bin"


def test_atomic_write_replaces_whole_files_only(tmp_path):
    target = tmp_path / "a.json"
    store.atomic_write(target, b"one")
    store.atomic_write(target, b"two")
    assert target.read_bytes() == b"two" and names(tmp_path) == {"a.json"}


def test_stored_result_shows_files_by_relative_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    paths = save({"id": "r", "output": ["https://h/a", "https://h/b"]}, "runway_outputs",
                 server({"/a": MP4, "/b": PNG}), record={**RECORD, "id": "r", "status": "SUCCEEDED"})
    result = store.StoredResult({**RECORD, "id": "r", "status": "SUCCEEDED", "stored": [str(p) for p in paths]})
    page = result._repr_html_()
    assert 'src="runway_outputs/r_0.mp4"' in page and "<video" in page and "height:360px" in page
    assert 'src="runway_outputs/r_1.png"' in page and "<img" in page
    assert str(tmp_path) not in page  # relative: the saved notebook plays it without a kernel
    text = repr(result)
    assert "r" in text and "gen4_image" in text and "runway_outputs/r_0.mp4" in text
    assert result.sidecars[0]["file"] == "r_0.mp4"


def test_stored_result_escapes_the_prompt(tmp_path):
    page = store.StoredResult({"id": "x", "prompt": "<script>alert(1)</script>", "status": "FAILED"})._repr_html_()
    assert "<script>" not in page and "no stored files" in page


def test_sidecar_falls_back_to_the_task_fields(tmp_path):
    [path] = save({"id": "s", "output": ["https://h/a"]}, tmp_path, server({"/a": MP4}), model="gen4.5",
                  endpoint="/v1/text_to_video", body={"promptText": "waves"}, estimate=SimpleNamespace(credits=60))
    side = json.loads(path.with_suffix(".json").read_text())
    assert side["model"] == "gen4.5" and side["prompt"] == "waves" and side["cost_dollars"] == 0.6


def test_journal_folder_gets_a_gitignore(tmp_path):
    Journal(tmp_path / "home")
    assert (tmp_path / "home" / ".gitignore").read_text() == "*\n"
    assert os.path.exists(tmp_path / "home" / "journal.sqlite3")


def test_two_fetches_of_one_file_take_turns(tmp_path):
    """The journal storing an output while the user saves it to the same folder: one download, one file."""
    import asyncio

    calls: list = []
    core = task_core({"id": "two", "output": ["https://h/v.mp4"]}, server({"/v.mp4": MP4}, calls=calls))

    async def both():
        return await asyncio.gather(outputs.fetch(core, 0, tmp_path, "two_0"), outputs.fetch(core, 0, tmp_path, "two_0"))

    first, second = run_sync(both())
    assert first == second and first.read_bytes() == MP4 and len(calls) == 1 and names(tmp_path) == {"two_0.mp4"}
