"""The journal: rows for every task and status, sanitized requests, several processes at once, history."""

from __future__ import annotations

import inspect
import json
import multiprocessing
import socket
import sqlite3
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

from runway_nb import journal as jmod
from runway_nb import observer as omod
from runway_nb import recovery as rmod
from runway_nb.errors import RunwayNBError
from runway_nb.journal import Journal
from runway_nb.store import sanitize

FAKE_KEY = "key_FAKE0123456789abcdefFAKE0123456789abcdefFAKE"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PNG_URI = "data:image/png;base64,iVBORw0KGgoAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="


@pytest.fixture
def jr(tmp_path):
    j = Journal(tmp_path / ".runway")
    yield j
    j.close()


def rows(j: Journal, sql: str, *args) -> list[tuple]:
    with sqlite3.connect(j.path) as conn:
        return conn.execute(sql, args).fetchall()


def snap(task_id, status, **kw):
    return {"id": task_id, "status": status, "progress": kw.pop("progress", 0.0), **kw}


def test_created_row_is_written_before_any_poll_and_sanitized(jr, monkeypatch):
    monkeypatch.setenv("RUNWAYML_API_SECRET", FAKE_KEY)
    body = {"model": "gen4_image_turbo", "promptText": "a fox", "ratio": "1920:1080",
            "referenceImages": [{"uri": PNG_URI, "tag": "fox"}], "headers": {"Authorization": "Bearer " + FAKE_KEY},
            "note": f"leaked {FAKE_KEY}"}
    jr.record_created("t1", "/v1/text_to_image", "gen4_image_turbo", body, 2, "nb.ipynb",
                      base_url="http://127.0.0.1:9", sandbox=True, folder="outs")
    row = jr.get("t1")
    assert row["status"] == "PENDING" and row["model"] == "gen4_image_turbo" and row["kind"] == "image"
    assert row["prompt"] == "a fox" and row["estimate_credits"] == 2 and row["source"] == "nb.ipynb"
    assert row["sandbox"] is True and row["base_url"] == "http://127.0.0.1:9" and row["folder"].endswith("outs")
    uri = row["request"]["referenceImages"][0]["uri"]["data_uri"]
    assert uri["type"] == "image/png" and uri["bytes"] > 0 and len(uri["sha256"]) == 64
    assert row["request"]["headers"] == {"Authorization": "****"} and row["request"]["note"] == "leaked ****"
    assert [e[0] for e in row["events"]] == ["CREATED"]
    raw = jr.path.read_bytes() + Path(str(jr.path) + "-wal").read_bytes()
    assert FAKE_KEY.encode() not in raw and b"iVBORw0KGgo" not in raw
    assert rows(jr, "PRAGMA journal_mode")[0][0] == "wal"
    assert rows(jr, "PRAGMA user_version")[0][0] == jmod.SCHEMA_VERSION


def test_sanitize_keeps_shape_and_describes_data():
    out = sanitize({"promptImage": [{"uri": PNG_URI, "position": "first"}], "api_key": "x", "n": 3, "b": PNG,
                    "ok": True, "none": None, "nested": {"X-Api-Key": "k"}}, hide=())
    assert out["promptImage"][0]["position"] == "first" and "data_uri" in out["promptImage"][0]["uri"]
    assert out["api_key"] == "****" and out["nested"]["X-Api-Key"] == "****"
    assert out["n"] == 3 and out["ok"] is True and out["none"] is None and out["b"]["bytes"] == len(PNG)
    json.dumps(out)


def test_status_changes_are_recorded_and_repeats_are_not(jr):
    jr.record_created("t", "/v1/text_to_video", "gen4.5", {"promptText": "sea"}, 60)
    assert jr.record_status(snap("t", "PENDING")) is False  # already known: no write
    assert jr.record_status(snap("t", "RUNNING", progress=0.1)) is True
    assert jr.record_status(snap("t", "RUNNING", progress=0.11)) is False  # throttled progress
    assert jr.record_status(snap("t", "SUCCEEDED", progress=1.0, output=("https://h/o.mp4",),
                                 cost_credits=60)) is True
    assert jr.record_status(snap("t", "SUCCEEDED", progress=1.0, output=("https://h/o.mp4",),
                                 cost_credits=60)) is False
    row = jr.get("t")
    assert [e[0] for e in row["events"]] == ["CREATED", "RUNNING", "SUCCEEDED"]
    assert row["status"] == "SUCCEEDED" and row["output"] == ["https://h/o.mp4"] and row["cost_credits"] == 60
    assert row["finished_at"] is not None and row["progress"] == 1.0
    assert [r["id"] for r in jr.unfinished()] == ["t"]  # succeeded but not stored yet
    jr.record_outputs("t", ["/tmp/t_0.mp4"])
    assert jr.unfinished() == [] and jr.get("t")["stored"] == ["/tmp/t_0.mp4"]


def test_progress_is_throttled_not_lost(jr, monkeypatch):
    jr.record_created("p", "/v1/text_to_video", "gen4.5", {}, 60)
    jr.record_status(snap("p", "RUNNING", progress=0.1))
    later = time.time() + 60
    monkeypatch.setattr(jmod, "time", SimpleNamespace(time=lambda: later, sleep=time.sleep))
    assert jr.record_status(snap("p", "RUNNING", progress=0.5)) is True
    row = jr.get("p")
    assert row["progress"] == 0.5 and [e[0] for e in row["events"]] == ["CREATED", "RUNNING"]


def test_failure_and_a_stale_status_from_another_process(jr):
    jr.record_created("f", "/v1/text_to_video", "gen4.5", {"promptText": "x"}, 60)
    jr.record_status(snap("f", "FAILED", failure="blocked", failure_code="SAFETY.INPUT.TEXT", cost_credits=60))
    other = Journal(jr.path)  # a second kernel still thinking it is running
    other.record_status(snap("f", "RUNNING", progress=0.5))
    row = jr.get("f")
    assert row["status"] == "FAILED" and row["failure_code"] == "SAFETY.INPUT.TEXT" and row["failure"] == "blocked"
    assert jr.unfinished() == []
    other.close()


def test_status_of_a_task_never_created_here_makes_a_row(jr):
    s = SimpleNamespace(id="ext", model="veo3", endpoint="/v1/text_to_video", prompt="rain", status="RUNNING",
                        progress=0.3, estimated_credits=320, cost_credits=None, failure=None, failure_code=None,
                        output=(), sandbox=False)
    jr.record_status(s)
    row = jr.get("ext")
    assert row["model"] == "veo3" and row["kind"] == "video" and row["estimate_credits"] == 320
    assert [r["id"] for r in jr.unfinished()] == ["ext"]


def test_gone_tasks_are_not_resumed(jr):
    jr.record_created("g", "/v1/text_to_video", "gen4.5", {}, 60)
    jr.mark_gone("g", "404")
    assert jr.unfinished() == [] and jr.get("g")["note"] == "404"


def _writer(path: str, prefix: str, n: int, barrier) -> None:
    j = Journal(path)
    barrier.wait()
    for i in range(n):
        tid = f"{prefix}-{i}"
        j.record_created(tid, "/v1/text_to_image", "gen4_image", {"promptText": f"p {i}"}, 8)
        j.record_status({"id": tid, "status": "RUNNING", "progress": 0.5})
        j.record_status({"id": tid, "status": "SUCCEEDED", "progress": 1.0, "output": [f"https://h/{tid}"]})
    j.close()


def test_two_processes_writing_at_once_lose_nothing(tmp_path):
    n = 150
    Journal(tmp_path / "j").close()
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    procs = [ctx.Process(target=_writer, args=(str(tmp_path / "j"), p, n, barrier)) for p in ("a", "b")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    j = Journal(tmp_path / "j")
    assert j.count() == 2 * n
    assert rows(j, "SELECT COUNT(*) FROM events")[0][0] == 2 * n * 3
    assert rows(j, "SELECT COUNT(*) FROM tasks WHERE status='SUCCEEDED'")[0][0] == 2 * n
    j.close()


def test_history_filters_and_cost_sums(jr):
    day1 = datetime(2025, 3, 1, 12).timestamp()
    day2 = datetime(2025, 3, 2, 9).timestamp()
    for tid, model, prompt, when, status, extra in [
        ("v1", "gen4.5", "Ocean waves at dusk", day1, "SUCCEEDED", {"cost_credits": 60}),
        ("v2", "veo3", "A city at night", day1, "FAILED", {"failure": "x", "failure_code": "INTERNAL"}),
        ("i1", "gen4_image", "a WAVE of color", day2, "SUCCEEDED", {}),
        ("a1", "eleven_multilingual_v2", "hello", day2, "FAILED", {"failure_code": "SAFETY.INPUT.TEXT"}),
        ("r1", "gen4.5", "running still", day2, "RUNNING", {}),
    ]:
        est = {"gen4.5": 60, "veo3": 320, "gen4_image": 8, "eleven_multilingual_v2": 1}[model]
        jr.record_created(tid, None, model, {"promptText": prompt}, est, created_at=when)
        jr.record_status(snap(tid, status, **extra))
    assert {r["id"] for r in jr.history(model="gen4.5")} == {"v1", "r1"}
    assert {r["id"] for r in jr.history(kind="image")} == {"i1"}
    assert {r["id"] for r in jr.history(status=["failed"])} == {"v2", "a1"}
    assert {r["id"] for r in jr.history(text="wave")} == {"v1", "i1"}  # any case, substring
    assert {r["id"] for r in jr.history(since=date(2025, 3, 2))} == {"i1", "a1", "r1"}
    assert {r["id"] for r in jr.history(until=date(2025, 3, 1))} == {"v1", "v2"}  # a date: that whole day
    assert {r["id"] for r in jr.history(since="2025-03-01T13:00", until=datetime(2025, 3, 2, 10))} == {
        "i1", "a1", "r1"}
    assert [r["id"] for r in jr.history(limit=2)][0] in {"i1", "a1", "r1"}
    by_day = {r["day"]: r for r in jr.costs(by="day")}
    assert by_day["2025-03-01"]["credits"] == 60 and by_day["2025-03-01"]["tasks"] == 2  # refunded failure: 0
    assert by_day["2025-03-02"]["credits"] == 9 and by_day["2025-03-02"]["pending"] == 60  # 8 + unrefunded 1
    by_model = {r["model"]: r for r in jr.costs(by="model")}
    assert by_model["gen4.5"]["credits"] == 60 and by_model["gen4.5"]["dollars"] == 0.6
    assert by_model["veo3"]["credits"] == 0
    with pytest.raises(ValueError):
        jr.costs(by="week")
    hist = rmod.history(journal=jr, text="wave")
    assert "Ocean waves" in repr(hist) and "<table>" in hist._repr_html_()
    assert rmod.costs(by="model", journal=jr, since=date(2025, 3, 2)).total == 9


def test_switches_and_home(monkeypatch, tmp_path):
    monkeypatch.delenv(jmod.SWITCH_ENV, raising=False)
    assert jmod.enabled() and jmod.enabled(True) and not jmod.enabled(False)
    monkeypatch.setenv(jmod.SWITCH_ENV, "0")
    assert not jmod.enabled() and omod.journal_observer() is None
    monkeypatch.setenv(jmod.SWITCH_ENV, "1")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(jmod.HOME_ENV, raising=False)
    assert jmod.default_home() == tmp_path / ".runway"
    monkeypatch.setenv(jmod.HOME_ENV, str(tmp_path / "elsewhere"))
    assert jmod.default_home() == tmp_path / "elsewhere"
    assert omod.journal_observer(False) is None
    obs = omod.journal_observer()
    assert obs is omod.journal_observer() and obs.journal.path == tmp_path / "elsewhere" / jmod.FILENAME


def test_source_detection(monkeypatch):
    monkeypatch.setenv("JPY_SESSION_NAME", "/work/project/demo.ipynb")
    assert omod.detect_source() == "/work/project/demo.ipynb"
    monkeypatch.delenv("JPY_SESSION_NAME")
    assert omod.detect_source()  # under pytest: the script that runs it


def test_newer_schema_is_refused(tmp_path):
    Journal(tmp_path).close()
    with sqlite3.connect(tmp_path / jmod.FILENAME) as conn:
        conn.execute("PRAGMA user_version=99")
    with pytest.raises(jmod.JournalError, match="newer"):
        Journal(tmp_path)


# -- the observer (TaskCore's hook) ----------------------------------------------------------------
def fake_core(task_id="c1", **kw):
    return SimpleNamespace(id=task_id, endpoint="/v1/text_to_video", model="gen4.5",
                           body={"model": "gen4.5", "promptText": "surf", "ratio": "1280:720", "duration": 5,
                                 "seed": 7, "promptImage": PNG_URI},
                           estimate=SimpleNamespace(credits=60), sandbox=True,
                           http=SimpleNamespace(base_url="http://127.0.0.1:5"), **kw)


def real_core(obs, handler, task_id="c1"):
    """A TaskCore as the client makes one (observers told at once), over a mock network."""
    from runway_nb.http import HTTP
    from runway_nb.tasks import TaskCore

    http = HTTP("http://127.0.0.1:5", "key_test", transport=httpx.MockTransport(handler))
    core = fake_core(task_id)
    return TaskCore(http, task_id, model=core.model, endpoint=core.endpoint, body=core.body,
                    estimate=core.estimate, sandbox=True, observers=[obs])


def test_observer_records_and_stores_on_success(jr, tmp_path):
    seen = []

    def handler(request):
        seen.append(request.url.path)
        return httpx.Response(200, content=b"\x00\x00\x00\x18ftypisom" + b"\x00" * 500)

    obs = omod.JournalObserver(jr, tmp_path / "outs")
    core = real_core(obs, handler)
    core._apply({"id": "c1", "status": "RUNNING", "progress": 0.2})
    core._apply({"id": "c1", "status": "SUCCEEDED", "output": ["https://h/x"]})
    [path] = obs.wait_stored("c1", timeout=30)
    assert path == tmp_path / "outs" / "c1_0.mp4" and path.is_file() and seen == ["/x"]
    assert core.saved[0] == path  # the task's Output now shows the stored file
    assert obs.store(core).result(5) == [path] and seen == ["/x"]  # asked again: the same job, no new fetch
    row = jr.get("c1")
    assert row["stored"] == [str(path)] and jr.unfinished() == []
    side = json.loads(path.with_suffix(".json").read_text())
    assert side["seed"] == 7 and side["prompt"] == "surf" and side["parameters"]["duration"] == 5
    assert "data_uri" in side["parameters"]["promptImage"] and side["timings"]["total_seconds"] is not None


def test_observer_failure_to_store_is_recorded_for_resume(jr, tmp_path):
    from runway_nb import errors

    def handler(request):  # the output URL stays forbidden, even after the task hands out fresh ones
        if request.url.path.startswith("/v1/tasks/"):
            return httpx.Response(200, json={"id": "c2", "status": "SUCCEEDED", "output": ["https://h/x"]})
        return httpx.Response(403)

    obs = omod.JournalObserver(jr, tmp_path / "outs")
    core = real_core(obs, handler, "c2")
    core._apply({"id": "c2", "status": "SUCCEEDED", "output": ["https://h/x"]})
    with pytest.raises(errors.PermissionDeniedError) as caught:
        obs.wait_stored("c2", timeout=30)
    assert isinstance(caught.value, errors.RunwayNBError)  # never a raw httpx error
    assert "403" in jr.get("c2")["store_error"] and [r["id"] for r in jr.unfinished()] == ["c2"]
    assert not list((tmp_path / "outs").glob("c2_0.*"))


def test_without_a_journal_the_observer_still_stores(tmp_path):
    from runway_nb.tasks import TaskCore

    obs = omod.JournalObserver(None, tmp_path / "outs")
    core = real_core(obs, lambda r: httpx.Response(200, content=PNG), "n1")
    core._apply({"id": "n1", "status": "SUCCEEDED", "output": ["https://h/p"]})
    [path] = obs.wait_stored("n1", timeout=30)
    assert path.name == "n1_0.png" and json.loads(path.with_suffix(".json").read_text())["prompt"] == "surf"
    plain = TaskCore.from_wire(core.http, {"id": "n2", "status": "SUCCEEDED", "output": ["https://h/p"]})
    assert omod.storer(plain, tmp_path / "else") is omod.storer(plain, tmp_path / "else")  # no observer: one per folder
    [other] = omod.storer(plain, tmp_path / "else").store(plain, tmp_path / "else").result(30)
    assert other == tmp_path / "else" / "n2_0.png"


def test_observer_never_raises_into_the_poller(tmp_path):
    class Broken:
        def record_created(self, *a, **k):
            raise sqlite3.OperationalError("disk I/O error")

        record_status = record_created

    obs = omod.JournalObserver(Broken(), tmp_path, download=False)
    obs.on_created(fake_core())
    obs.on_change(snap("c1", "RUNNING"))
    obs.on_change(snap("c1", "SUCCEEDED", output=["https://h/x"]))


def test_open_result_by_prefix(jr, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "runway_outputs"
    out.mkdir()
    (out / "abcdef_0.png").write_bytes(PNG)
    jr.record_created("abcdef", "/v1/text_to_image", "gen4_image", {"promptText": "owl"}, 8)
    jr.record_status(snap("abcdef", "SUCCEEDED", output=["https://h/a"]))
    jr.record_outputs("abcdef", [out / "abcdef_0.png"])
    result = rmod.open_result("abc", journal=jr)
    assert result.files == [out / "abcdef_0.png"]
    assert 'src="runway_outputs/abcdef_0.png"' in result._repr_html_() and "owl" in repr(result)
    assert rmod.history(journal=jr).open(0).id == "abcdef"
    assert rmod.history(journal=jr).open("abc").id == "abcdef"
    for lookup in (lambda: rmod.open_result("zzz", journal=jr), lambda: rmod.history(journal=jr).open("zzz")):
        with pytest.raises(KeyError) as missing:  # a RunwayNBError, still a KeyError for older code
            lookup()
        assert isinstance(missing.value, RunwayNBError) and "'zzz'" in str(missing.value)


def test_resume_with_nothing_to_do(jr):
    report = rmod.resume(object(), journal=jr)
    assert len(report) == 0 and "nothing" in repr(report)


def test_resume_stores_from_recorded_urls_and_marks_gone(jr, tmp_path):
    """No server needed for these two: fresh recorded URLs are used directly; a 404 retrieve marks gone."""

    from runway_nb.client import RunwayML

    seen = []

    def handler(request):
        seen.append(request.url.path)
        if request.url.path.startswith("/v1/tasks/"):
            return httpx.Response(404, json={"error": "Task not found"})
        return httpx.Response(200, content=PNG)

    client = RunwayML(api_key="key_test", base_url="http://127.0.0.1:5", transport=httpx.MockTransport(handler),
                      journal=False)
    jr.record_created("ok", "/v1/text_to_image", "gen4_image", {"promptText": "x"}, 8,
                      base_url="http://127.0.0.1:5", folder=tmp_path / "o")
    jr.record_status(snap("ok", "SUCCEEDED", output=["https://h/a.png"]))
    jr.record_created("lost", "/v1/text_to_image", "gen4_image", {"promptText": "y"}, 8,
                      base_url="http://127.0.0.1:5/")
    jr.record_created("elsewhere", "/v1/text_to_image", "gen4_image", {}, 8, base_url="https://api.dev.runwayml.com")
    with socket.socket() as s:  # a port nothing listens on: a sandbox from a kernel that died
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    jr.record_created("old-sandbox", "/v1/text_to_image", "gen4_image", {}, 8, base_url=dead, sandbox=True)
    report = rmod.resume(client, journal=jr)
    client.close()
    assert sorted(seen) == ["/a.png", "/v1/tasks/lost"]  # fresh recorded URLs: used without asking the API
    outcome = {r.task_id: r.outcome for r in report}
    assert outcome == {"ok": "stored", "lost": "gone", "elsewhere": "skipped", "old-sandbox": "gone"}
    assert (tmp_path / "o" / "ok_0.png").is_file() and jr.get("lost")["gone_at"]
    assert "404" in report.gone[0].message and "1 stored" in repr(report)
    assert jr.get("old-sandbox")["note"].startswith("the sandbox that made it")
    assert {r["id"] for r in jr.unfinished()} == {"elsewhere"}


def test_dates_parse():
    assert jmod.to_epoch(date(2025, 1, 1), end_of_day=True) - jmod.to_epoch(date(2025, 1, 1)) == pytest.approx(
        timedelta(days=1).total_seconds(), abs=3600)
    with pytest.raises(TypeError):
        jmod.to_epoch(object())


# -- end to end, against a served sandbox ---------------------------------------------------------
@pytest.fixture
def served(tmp_path, monkeypatch):
    """(sandbox module, client module), with cwd and RUNWAY_NB_HOME inside tmp_path."""
    sandbox = pytest.importorskip("runway_nb.sandbox", reason="runway_nb.sandbox is not written yet")
    client_mod = pytest.importorskip("runway_nb.client", reason="runway_nb.client is not written yet")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(jmod.HOME_ENV, str(tmp_path / ".runway"))
    monkeypatch.delenv("RUNWAYML_API_SECRET", raising=False)
    return sandbox, client_mod


def make_client(client_mod, sb, **kw):
    try:
        return client_mod.RunwayML(api_key=sb.api_key, base_url=sb.base_url, journal=False, **kw)
    except TypeError:  # a client without the journal switch yet
        return client_mod.RunwayML(api_key=sb.api_key, base_url=sb.base_url, **kw)


def png_data_uri() -> str:
    import base64
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (320, 320), (200, 80, 20)).save(buf, "PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def raw_create(sb, path: str, body: dict) -> str:
    headers = {"Authorization": f"Bearer {sb.api_key}", "X-Runway-Version": "2024-11-06"}
    response = httpx.post(sb.base_url + path, json=body, headers=headers, timeout=30)
    response.raise_for_status()
    return response.json()["id"]


def test_the_key_never_reaches_the_journal_or_sidecars(served, tmp_path):
    sandbox, client_mod = served
    jr = Journal(tmp_path / ".runway")
    obs = omod.JournalObserver(jr, tmp_path / "runway_outputs")
    image = png_data_uri()
    with sandbox.serve(time_scale=0.01, api_key=FAKE_KEY) as sb:
        client = make_client(client_mod, sb, observers=[obs])
        task = client.text_to_image.create(model="gen4_image_turbo", prompt_text="@fox in the snow",
                                           ratio="1280:720", reference_images=[{"uri": image, "tag": "fox"}])
        task.wait(timeout=120)
        paths = obs.wait_stored(task.id, timeout=60)
        client.close()
    assert paths and all(p.is_file() for p in paths)
    row = jr.get(task.id)
    assert row["status"] == "SUCCEEDED" and row["stored"] and row["source"]
    assert row["request"]["referenceImages"][0]["uri"]["data_uri"]["type"] == "image/png"
    jr.close()
    files = [p for d in (tmp_path / ".runway", tmp_path / "runway_outputs") for p in d.rglob("*") if p.is_file()]
    assert len(files) >= 3  # journal file(s) + media + sidecar
    b64 = image.split(",", 1)[1][:200].encode()
    for path in files:
        data = path.read_bytes()
        assert FAKE_KEY.encode() not in data, f"the API key is in {path}"
        assert b64 not in data, f"raw data-URI bytes are in {path}"


def test_resume_after_a_kernel_died_before_polling(served, tmp_path):
    sandbox, client_mod = served
    jr = Journal(tmp_path / ".runway")
    body = {"model": "gen4_image", "promptText": "a lighthouse at dawn", "ratio": "1280:720", "seed": 3}
    with sandbox.serve(time_scale=0.01) as sb:
        # the kernel made these, journaled them, and died before its first poll
        alive = raw_create(sb, "/v1/text_to_image", body)
        deleted = raw_create(sb, "/v1/text_to_image", {**body, "seed": 4})
        for tid in (alive, deleted):
            jr.record_created(tid, "/v1/text_to_image", "gen4_image", body, 5, "dead.ipynb", base_url=sb.base_url,
                              sandbox=True, folder=tmp_path / "runway_outputs")
        httpx.delete(f"{sb.base_url}/v1/tasks/{deleted}", headers={"Authorization": f"Bearer {sb.api_key}",
                                                                    "X-Runway-Version": "2024-11-06"})
        client = make_client(client_mod, sb)
        report = rmod.resume(client, journal=jr, timeout=120)
        again = rmod.resume(client, journal=jr)
        client.close()
    outcome = {r.task_id: r.outcome for r in report}
    assert outcome == {alive: "stored", deleted: "gone"}, repr(report)
    [path] = report.stored[0].paths
    assert path == tmp_path / "runway_outputs" / f"{alive}_0.png" and path.stat().st_size > 1000
    side = json.loads(path.with_suffix(".json").read_text())
    assert side["seed"] == 3 and side["prompt"] == "a lighthouse at dawn" and side["source"] == "dead.ipynb"
    assert jr.get(alive)["status"] == "SUCCEEDED" and jr.get(deleted)["gone_at"]
    assert len(again) == 0 and jr.unfinished() == []
    assert "1 stored" in report.summary() and "1 gone" in report.summary()
    jr.close()


def test_resume_refetches_expired_urls_and_survives_a_cut_download(served, tmp_path):
    sandbox, client_mod = served
    from runway_nb import errors
    from runway_nb.sandbox import FaultProfile

    jr = Journal(tmp_path / ".runway")
    obs = omod.JournalObserver(jr, tmp_path / "runway_outputs")
    out = tmp_path / "runway_outputs"
    with sandbox.serve(time_scale=0.01) as sb:
        client = make_client(client_mod, sb, observers=[obs])
        sb.set_faults(FaultProfile(truncate_rate=1.0))  # every download is cut short: the fetcher resumes it
        cut = client.text_to_image.create(model="gen4_image", prompt_text="a red kite", ratio="1280:720")
        cut.wait(timeout=120)
        [path] = obs.wait_stored(cut.id, timeout=60)
        assert path.stat().st_size > 1000 and sb.engine.stats()["faults"]["truncated"] >= 1
        assert not list(out.glob("*.part"))
        sb.set_faults(FaultProfile(expire_rate=1.0))  # every URL handed out is already expired
        task = client.text_to_image.create(model="gen4_image", prompt_text="a blue kite", ratio="1280:720")
        task.wait(timeout=120)
        with pytest.raises(errors.PermissionDeniedError):  # expired, and still expired after one refresh
            obs.wait_stored(task.id, timeout=60)
        assert not list(out.glob(f"{task.id}_0.*"))
        row = jr.get(task.id)
        assert row["store_error"] and [r["id"] for r in jr.unfinished()] == [task.id]
        sb.set_faults(None)  # a day later: the recorded URLs no longer work, resume must fetch fresh ones
        report = rmod.resume(client, journal=jr, timeout=120)
        client.close()
    assert [r.outcome for r in report] == ["stored"], repr(report)
    assert report.stored[0].paths[0].is_file() and jr.unfinished() == []
    jr.close()


def test_runway_nb_resume_is_the_function_whatever_the_import_order():
    import runway_nb
    import runway_nb.observer
    import runway_nb.recovery
    from runway_nb.recovery import resume

    assert runway_nb.resume is resume and callable(runway_nb.resume)
    assert runway_nb.history is rmod.history and runway_nb.open_result is rmod.open_result
    assert "journal" in str(inspect.signature(runway_nb.resume))


def test_a_task_retrieved_by_id_is_journaled_as_adopted(served, tmp_path):
    sandbox, client_mod = served
    jr = Journal(tmp_path / ".runway")
    obs = omod.JournalObserver(jr, tmp_path / "runway_outputs")
    body = {"model": "gen4_image", "promptText": "a kite", "ratio": "1280:720"}
    with sandbox.serve(time_scale=0.01) as sb:
        made_elsewhere = raw_create(sb, "/v1/text_to_image", body)  # another machine made it: never journaled here
        client = make_client(client_mod, sb, observers=[obs])
        task = client.tasks.retrieve(made_elsewhere)
        adopted = jr.get(made_elsewhere)
        task.wait(timeout=120)  # followed like any task: its success is recorded and its outputs stored
        paths = obs.wait_stored(made_elsewhere, timeout=60)
        known = client.text_to_image.create(model="gen4_image", prompt_text="a kite", ratio="1280:720")
        client.tasks.retrieve(known.id)  # a task the journal saw created keeps its own record
        client.close()
    assert adopted is not None and adopted["note"].startswith("adopted") and adopted["request"] is None
    assert adopted["base_url"] == sb.base_url and adopted["sandbox"] and adopted["folder"]
    assert [e[0] for e in adopted["events"]][0] == "ADOPTED"
    row = jr.get(made_elsewhere)
    assert row["status"] == "SUCCEEDED" and row["stored"] and paths
    assert made_elsewhere not in [r["id"] for r in jr.unfinished()]
    assert abs(row["created_at"] - adopted["created_at"]) < 1e-6  # the service's createdAt, kept
    own = jr.get(known.id)
    assert own["note"] is None and own["request"]["promptText"] == "a kite"
    assert [e[0] for e in own["events"]][0] == "CREATED"
    assert not jr.record_adopted(known.id, "/v1/text_to_image", "gen4_image")  # known: left as it is
    jr.close()


@pytest.mark.anyio
async def test_an_async_client_may_block_on_wait_stored(served, tmp_path):
    """The stores run on runway_nb's own loop: a cell (or coroutine) of a notebook's loop may block on them."""
    sandbox, client_mod = served
    jr = Journal(tmp_path / ".runway")
    obs = omod.JournalObserver(jr, tmp_path / "runway_outputs")
    with sandbox.serve(time_scale=0.01) as sb:
        client = client_mod.AsyncRunwayML(api_key=sb.api_key, base_url=sb.base_url, journal=False, observers=[obs])
        task = await client.text_to_image.create(model="gen4_image", prompt_text="a kite", ratio="1280:720")
        await task.wait()
        [path] = obs.wait_stored(task.id, timeout=60)  # blocks this loop while the store runs
        await client.close()
    assert path.is_file() and jr.get(task.id)["stored"] == [str(path)]
    jr.close()


def test_closing_a_client_lets_its_stores_finish(served, tmp_path):
    sandbox, client_mod = served
    jr = Journal(tmp_path / ".runway")
    obs = omod.JournalObserver(jr, tmp_path / "runway_outputs")
    with sandbox.serve(time_scale=0.01) as sb:
        with make_client(client_mod, sb, observers=[obs]) as client:
            task = client.text_to_video.create(model="gen4.5", prompt_text="waves", ratio="1280:720", duration=2)
            task.wait(timeout=120)
        assert not obs.pending()  # closed: nothing left in flight, the file is there
    assert jr.get(task.id)["stored"] and Path(jr.get(task.id)["stored"][0]).is_file()
    jr.close()
