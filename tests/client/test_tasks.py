"""Task handles against the sandbox: events, waiting states, cancel, failure, timeout, downloads.

Most tests run the sandbox in-process (httpx.ASGITransport) with one FakeClock shared by the engine
and the task, so a minute-long lifecycle takes milliseconds and the order of events is exact. The
cut-connection and running-loop tests use a served sandbox (real sockets, tiny time scale).
"""

from __future__ import annotations

import asyncio
import gc
import io
import logging
import threading
from types import SimpleNamespace

import httpx
import pytest

from runway_nb import _loop, errors, pricing
from runway_nb.http import HTTP
from runway_nb.outputs import Output
from runway_nb.poll import FakeClock
from runway_nb.sandbox import FaultProfile, create_app, serve
from runway_nb.sandbox.engine import FAILURE_MESSAGES, Engine
from runway_nb.tasks import AsyncTask, TaskCore, TaskSnapshot

pytestmark = pytest.mark.anyio
KEY = "key_TASKStest_0123456789abcdef"
BASE = "http://sandbox.test"
T2V = ("/v1/text_to_video", {"model": "gen4.5", "promptText": "a lake at dawn", "ratio": "1280:720", "duration": 5})
T2I = ("/v1/text_to_image", {"model": "gen4_image", "promptText": "a red car", "ratio": "1280:720"})
T2S = ("/v1/text_to_speech", {"model": "eleven_multilingual_v2", "promptText": "Hello",
                              "voice": {"type": "runway-preset", "presetId": "Maya"}})


def _png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()


class InstantSynth:
    """Stands in for synth.py: small files with the right magic bytes, made at once."""

    png = _png()
    mp4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"v" * 4000
    mp3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 500

    def video(self, *a, **kw):
        return self.mp4

    video_like = video

    def image(self, *a, **kw):
        return self.png

    def speech(self, *a, **kw):
        return self.mp3

    sound = audio_like = speech


class Counting(httpx.AsyncBaseTransport):
    """Forwards to the sandbox and logs (clock time, method, path) of every request."""

    def __init__(self, inner: httpx.AsyncBaseTransport, clock) -> None:
        self.inner, self.clock, self.log = inner, clock, []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.log.append((self.clock.now(), request.method, request.url.path))
        return await self.inner.handle_async_request(request)

    def polls(self, task_id: str) -> list[float]:
        return [t for t, m, p in self.log if m == "GET" and p == f"/v1/tasks/{task_id}"]


class Env:
    def __init__(self, **engine_kw) -> None:
        self.clock = FakeClock()
        engine_kw.setdefault("time_scale", 0.2)
        self.engine = Engine(clock=self.clock, api_key=KEY, synth=InstantSynth(), **engine_kw)
        self.transport = Counting(httpx.ASGITransport(app=create_app(self.engine)), self.clock)
        self.http = HTTP(BASE, KEY, transport=self.transport, clock=self.clock)

    async def start(self, case=T2V, **kw) -> AsyncTask:
        path, body = case
        resp = await self.http.request("POST", path, json=body, create=True)
        self.engine.settle()
        core = TaskCore(self.http, resp.json()["id"], model=body["model"], endpoint=path, body=body,
                        estimate=pricing.estimate(body["model"], body), clock=self.clock, **kw)
        return AsyncTask(core)

    def ended(self, task) -> float:
        t = self.engine.task(task.id)
        return t.ended - t.created


@pytest.fixture
def env():
    made = []

    def make(**kw) -> Env:
        made.append(Env(**kw))
        return made[-1]

    yield make
    for e in made:
        e.engine.close()


async def _spin(n: int = 50) -> None:
    for _ in range(n):
        await asyncio.sleep(0)


# -- lifecycle ------------------------------------------------------------------------------------
async def test_events_follow_the_lifecycle_in_order(env):
    e = env()
    task = await e.start()
    seen: list[TaskSnapshot] = []
    task.on_change(seen.append)
    streamed = [snap async for snap in task.events()]
    assert streamed[0].status == "PENDING" and streamed[-1].status == "SUCCEEDED"
    assert [s.status for s in streamed[1:]] == [s.status for s in seen]  # same changes, both ways
    assert all(s.status in ("PENDING", "RUNNING", "SUCCEEDED") for s in streamed)
    progress = [s.progress for s in streamed]
    assert progress == sorted(progress) and progress[-1] == 1.0
    final = streamed[-1]
    assert final.eta is None and final.elapsed > 0 and final.terminal
    assert final.cost_credits == final.estimated_credits == 60  # 12 credits/s x 5 s, no API cost field
    assert final.as_dict()["output"] == task.output and isinstance(final.as_dict()["created_at"], str)
    assert task.status == "SUCCEEDED" and await task.wait() is task  # already over: returns at once


async def test_finishing_is_noticed_soon_with_fewer_requests_than_the_sdk(env):
    e = env()
    task = await e.start()
    await task.wait()
    duration = e.ended(task)
    polls = e.transport.polls(task.id)
    assert polls[-1] - duration < 6.0  # the SDK notices ~3 s late on average, at worst 7.5 s
    assert len(polls) <= duration / 6 + 1.5  # the SDK makes ~duration / 6 + 0.5


async def test_a_task_nobody_follows_is_not_polled(env):
    e = env()
    task = await e.start()
    e.clock.advance(600)
    await _spin()
    assert e.transport.polls(task.id) == []
    seen, ended = [], asyncio.Event()
    unsubscribe = task.on_change(lambda snap: (seen.append(snap), ended.set()))
    await ended.wait()
    unsubscribe()
    assert seen[-1].status == "SUCCEEDED" and len(e.transport.polls(task.id)) == 1


async def test_unsubscribing_the_last_follower_stops_polling(env):
    e = env(time_scale=1.0)
    task = await e.start()
    unsubscribe = task.on_change(lambda snap: None)
    while len(e.transport.polls(task.id)) < 2:
        await asyncio.sleep(0)
    unsubscribe()
    await _spin()
    count = len(e.transport.polls(task.id))
    await _spin(200)
    assert len(e.transport.polls(task.id)) == count and task._core._poller.task.done()


async def test_throttled_is_a_waiting_state(env):
    e = env(concurrency=1)
    first, second = await e.start(), await e.start()
    statuses: list[str] = []
    second.on_change(lambda s: statuses.append(s.status))
    await asyncio.gather(first.wait(), second.wait())
    assert statuses[0] == "THROTTLED" and statuses[-1] == "SUCCEEDED" and "RUNNING" in statuses
    assert second.status == "SUCCEEDED"


# -- endings that are not success -------------------------------------------------------------------
async def test_cancel_ends_the_wait_at_once(env):
    e = env(time_scale=1.0)
    task = await e.start()
    waiter = asyncio.create_task(task.wait())
    while not e.transport.polls(task.id):
        await asyncio.sleep(0)
    await task.cancel()
    await _spin(5)
    assert waiter.done()
    with pytest.raises(errors.TaskCancelledError) as caught:
        waiter.result()
    assert caught.value.task_id == task.id and caught.value.task is task
    assert task.status == "CANCELLED" and e.engine.task(task.id).state == "CANCELLED"


def _finish_on_the_service(e: Env) -> None:
    """The service finishes every task it has (nobody polls: the handles have not looked since)."""
    for _ in range(3):
        e.engine.settle()
        e.clock.advance(1000)
        e.engine.tick()


async def test_cancel_never_deletes_a_task_that_already_finished(env):
    e = env()
    done = await e.start(T2I)
    _finish_on_the_service(e)
    assert done.status == "PENDING" and e.engine.task(done.id).state == "SUCCEEDED"
    assert await done.cancel() is False  # it looked first, saw SUCCEEDED and sent nothing
    assert done.status == "SUCCEEDED" and done.output and not done.deleted
    assert not e.engine.task(done.id).deleted and ("DELETE", f"/v1/tasks/{done.id}") not in {
        (m, p) for _, m, p in e.transport.log}
    live = await e.start()
    assert await live.cancel() is True and live.status == "CANCELLED" and live.deleted
    assert e.engine.task(live.id).state == "CANCELLED"


async def test_cancel_racing_the_end_says_what_happened(env, caplog):
    e = env()
    task = await e.start(T2I)
    inner = e.transport.handle_async_request

    async def finish_first(request: httpx.Request) -> httpx.Response:
        if request.method == "DELETE":  # it finished while the DELETE was on its way, and a poll said so
            _finish_on_the_service(e)
            task._core._apply(e.engine.get_task(task.id))
        return await inner(request)

    e.transport.handle_async_request = finish_first
    assert await task.cancel() is False
    assert task.status == "SUCCEEDED" and task.deleted and e.engine.task(task.id).deleted  # honest: gone
    assert any("deleted it and its outputs" in r.getMessage() for r in caplog.records)


async def test_cancelled_elsewhere_ends_the_wait(env):
    e = env(time_scale=1.0)
    task = await e.start()
    waiter = asyncio.create_task(task.wait())
    await _spin()
    e.engine.cancel_task(task.id)  # server-side: the task stays fetchable, as CANCELLED
    with pytest.raises(errors.TaskCancelledError):
        await waiter
    deleted = await e.start()
    waiter = asyncio.create_task(deleted.wait())
    await _spin()
    e.engine.delete_task(deleted.id)  # deleted: 404 from now on
    with pytest.raises(errors.TaskCancelledError):
        await waiter
    assert deleted.status == "CANCELLED" and "404" in deleted.failure


@pytest.mark.parametrize("code, refunded", [("SAFETY.OUTPUT.VIDEO", True), ("SAFETY.INPUT.TEXT", False)])
async def test_failure_carries_id_failure_and_code(env, code, refunded):
    e = env(faults=FaultProfile(fail_rate=1.0, failure_codes=(code,)))
    task = await e.start()
    with pytest.raises(errors.TaskFailedError) as caught:
        await task.wait_for_task_output()
    err = caught.value
    assert (err.task_id, err.failure, err.failure_code) == (task.id, FAILURE_MESSAGES[code], code)
    assert err.task is task and task.failure_code == code and task.id in str(err)
    assert task.cost_credits == (0 if refunded else task.estimate.credits)


async def test_timeout_keeps_the_id_and_the_task_can_be_waited_again(env):
    e = env(time_scale=1.0)
    task = await e.start()
    with pytest.raises(errors.TaskTimeoutError) as caught:
        await task.wait(timeout=5)
    assert caught.value.task_id == task.id and caught.value.task is task and task.id in str(caught.value)
    assert task.status in ("PENDING", "RUNNING") and e.clock.now() < 30
    assert await task.wait() is task and task.status == "SUCCEEDED"


async def test_seed_spelling_canceled_is_terminal():
    answers = iter([{"status": "RUNNING", "progress": 0.2}, {"status": "CANCELED"}])

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"id": "t1", "createdAt": "2024-11-06T12:00:00.000Z", **next(answers)})

    clock = FakeClock()
    http = HTTP(BASE, KEY, transport=httpx.MockTransport(handler), clock=clock)
    task = AsyncTask(TaskCore(http, "t1", clock=clock))
    with pytest.raises(errors.TaskCancelledError):
        await task.wait()
    assert task.status == "CANCELLED"


async def test_429_backs_off_honouring_retry_after():
    times: list[float] = []
    clock = FakeClock()

    def handler(request: httpx.Request) -> httpx.Response:
        times.append(clock.now())
        if len(times) == 1:
            return httpx.Response(429, json={"error": "slow down"}, headers={"Retry-After": "20"})
        status = {"status": "SUCCEEDED", "output": ["https://x.test/o.mp4"]} if len(times) > 2 else {
            "status": "RUNNING", "progress": 0.5}
        return httpx.Response(200, json={"id": "t1", "createdAt": "2024-11-06T12:00:00.000Z", **status})

    http = HTTP(BASE, KEY, transport=httpx.MockTransport(handler), clock=clock, max_retries=0)
    task = AsyncTask(TaskCore(http, "t1", clock=clock))
    await task.wait()
    assert times[1] - times[0] >= 20


# -- outputs and downloads ----------------------------------------------------------------------------
@pytest.mark.parametrize("case, ext, tag", [(T2V, "mp4", "<video src="), (T2I, "png", "<img src="),
                                            (T2S, "mp3", "<audio src=")])
async def test_download_names_by_the_bytes_and_outputs_show_a_player(env, tmp_path, monkeypatch, case, ext, tag):
    monkeypatch.chdir(tmp_path)
    e = env()
    task = await e.start(case)
    await task.wait()
    assert isinstance(task.output, list) and all(isinstance(u, str) for u in task.output)
    out = task.outputs[0]
    assert isinstance(out, Output) and out.url == task.output[0] and tag in out._repr_html_()
    bundle = out._repr_mimebundle_()
    assert tag in bundle["text/html"] and "Output(" in bundle["text/plain"]
    paths = await task.download(tmp_path / "out")
    assert [p.name for p in paths] == [f"{task.id}_0.{ext}"]
    assert paths[0].read_bytes() == e.engine.outputs.file(task.id, f"0.{ext}").read_bytes()
    assert not list((tmp_path / "out").glob("*.part"))
    assert f'src="out/{task.id}_0.{ext}"' in out._repr_html_()  # plays from the file once saved
    assert await task.download(tmp_path / "out") == paths  # already complete: kept, not fetched again
    assert await out.aread() == paths[0].read_bytes()
    with pytest.raises(RuntimeError, match="aread"):
        out.read()  # an async task's output: blocking here would stall the caller's loop


async def test_save_to_a_file_name(env, tmp_path):
    e = env()
    task = await e.start(T2I)
    await task.wait()
    assert (await task.outputs[0].asave(tmp_path / "car.png")).name == "car.png"
    assert (await task.outputs[0].asave(tmp_path / "noext")).name == "noext.png"


async def test_download_refuses_to_write_outside_the_folder(tmp_path):
    http = HTTP(BASE, KEY, transport=httpx.MockTransport(lambda r: httpx.Response(200, content=b"x")))
    folder = tmp_path / "out"
    for bad in ("../escape", "/tmp/escape", "a/../../escape"):
        core = TaskCore.from_wire(http, {"id": bad, "status": "SUCCEEDED", "output": ["https://x.test/o"],
                                         "createdAt": "2024-11-06T12:00:00.000Z"}, clock=FakeClock())
        with pytest.raises(ValueError, match="outside the folder"):
            await core.download(folder)
    assert not list(tmp_path.rglob("*escape*"))


class _CutStream(httpx.AsyncByteStream):
    def __init__(self, data: bytes) -> None:
        self.data = data

    async def __aiter__(self):
        yield self.data
        raise httpx.ReadError("connection cut")


async def test_download_resumes_with_range_from_the_bytes_on_disk(tmp_path):
    data = _png() + bytes(range(256)) * 40
    ranges: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/v1/tasks/"):
            return httpx.Response(200, json={"id": "t1", "status": "SUCCEEDED", "output": [f"{BASE}/f"],
                                             "createdAt": "2024-11-06T12:00:00.000Z"})
        ranges.append(request.headers.get("range"))
        start = int(ranges[-1][6:-1]) if ranges[-1] else 0
        if len(ranges) == 2:  # the first resume is cut again, later than before
            return httpx.Response(206, headers={"content-range": f"bytes {start}-{len(data) - 1}/{len(data)}",
                                                "content-length": str(len(data) - start)},
                                  stream=_CutStream(data[start:start + 3000]))
        if start:
            return httpx.Response(206, content=data[start:],
                                  headers={"content-range": f"bytes {start}-{len(data) - 1}/{len(data)}"})
        return httpx.Response(200, headers={"content-length": str(len(data))}, stream=_CutStream(data[:1000]))

    clock = FakeClock()
    http = HTTP(BASE, KEY, transport=httpx.MockTransport(handler), clock=clock)
    core = TaskCore(http, "t1", clock=clock)
    await core.refresh()
    [path] = await core.download(tmp_path)
    assert ranges == [None, "bytes=1000-", "bytes=4000-"]
    assert path.name == "t1_0.png" and path.read_bytes() == data and not list(tmp_path.glob("*.part"))


async def test_a_part_file_left_by_an_earlier_run_is_resumed(tmp_path):
    data = _png() * 3
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("range"))
        start = int(seen[-1][6:-1])
        return httpx.Response(206, content=data[start:], headers={
            "content-range": f"bytes {start}-{len(data) - 1}/{len(data)}", "content-type": "image/png"})

    http = HTTP(BASE, KEY, transport=httpx.MockTransport(handler))
    core = TaskCore.from_wire(http, {"id": "t2", "status": "SUCCEEDED", "output": [f"{BASE}/f"]})
    (tmp_path / "t2_0.part").write_bytes(data[:50])
    [path] = await core.download(tmp_path)
    assert seen == ["bytes=50-"] and path.read_bytes() == data


async def test_expired_urls_are_fetched_again_once(env, tmp_path):
    e = env(faults=FaultProfile(expire_rate=1.0))
    task = await e.start(T2I)
    await task.wait()
    e.engine.set_faults(None)  # from now on the task hands out fresh URLs
    before = len(e.transport.polls(task.id))
    [path] = await task.download(tmp_path)
    assert path.stat().st_size > 0 and len(e.transport.polls(task.id)) == before + 1
    e.engine.set_faults(FaultProfile(expire_rate=1.0))
    await task.refresh()
    with pytest.raises(errors.PermissionDeniedError):  # still expired after one refresh: no loop
        await task.outputs[0].aread()
    assert len(e.transport.polls(task.id)) == before + 3


# -- real sockets -------------------------------------------------------------------------------------
async def test_a_cut_connection_resumes_against_the_served_sandbox(tmp_path):
    with serve(time_scale=0.005, faults=FaultProfile(truncate_rate=1.0)) as sb:
        http = HTTP(sb.base_url, sb.api_key)
        path, body = T2S  # the shortest typical time: the first poll comes after 2 s
        resp = await http.request("POST", path, json=body, create=True)
        task = AsyncTask(TaskCore(http, resp.json()["id"], model=body["model"], endpoint=path, body=body))
        await task.wait()
        [saved] = await task.download(tmp_path)
        assert saved.read_bytes() == sb.engine.outputs.file(task.id, "0.mp3").read_bytes()
        assert sb.engine.faults.counts["truncated"] >= 1
        await http.aclose()


def test_sync_tasks_inside_a_running_loop_share_the_background_loop():
    from runway_nb.client import RunwayML

    with serve(time_scale=0.005) as sb:
        client = RunwayML(api_key=sb.api_key, base_url=sb.base_url)

        async def notebook_cell():  # a Jupyter cell: sync code while the kernel's own loop runs
            tasks = [client.text_to_speech.create(model="eleven_multilingual_v2", prompt_text=f"Hello {i}",
                                                  voice={"type": "runway-preset", "preset_id": "Maya"})
                     for i in range(3)]
            changes = []
            tasks[0].on_change(changes.append)
            return [t.wait() for t in tasks], changes

        tasks, changes = asyncio.run(notebook_cell())
        assert all(t.status == "SUCCEEDED" for t in tasks) and changes[-1].status == "SUCCEEDED"
        assert {t._core._poller.task.get_loop() for t in tasks} == {_loop.get_loop()}
        snaps = list(client.tasks.retrieve(tasks[1].id).events())
        assert [s.status for s in snaps] == ["SUCCEEDED"]
        assert tasks[2].outputs[0].read()[:3] == b"ID3" and tasks[2].outputs[0].kind == "audio"
        client.close()


def test_sync_face_follows_and_unfollows_from_the_callers_thread():
    from runway_nb.client import RunwayML

    clock = FakeClock()
    engine = Engine(clock=clock, api_key=KEY, synth=InstantSynth(), time_scale=1.0)
    transport = Counting(httpx.ASGITransport(app=create_app(engine)), clock)
    # journal=False: the journal follows every task to store its outputs, which is not what is tested here
    client = RunwayML(api_key=KEY, base_url=BASE, transport=transport, clock=clock, sandbox=False, journal=False)
    task = client.text_to_video.create(model="gen4.5", prompt_text="a lake", ratio="1280:720", duration=5)
    engine.settle()
    got = threading.Event()
    unsubscribe = task.on_change(lambda snap: got.set())
    assert got.wait(30)  # a safety net only: on the fake clock this takes milliseconds
    unsubscribe()  # from this thread, while the poller sleeps on the background loop
    poller = task._core._poller.task
    _loop.run_sync(asyncio.wait({poller}, timeout=30))
    # The poller stops once nobody follows. (On the fake clock the task may have finished in the instant
    # between the first change and unsubscribe(): then it stopped because the task ended. Either way no
    # poller is left, which is what is tested; asserting RUNNING alone failed about 1 run in 8.)
    assert poller.done() and task.status in ("RUNNING", "SUCCEEDED")
    assert task.wait() is task and task.status == "SUCCEEDED"
    client.close()
    engine.close()


# -- closing the client ---------------------------------------------------------------------------
def _follower_client(face, clock: FakeClock, client_clock: object = "same", **kw):
    """A client over an in-process sandbox whose observer follows every task, as the journal does."""
    engine = Engine(clock=clock, api_key=KEY, synth=InstantSynth(), time_scale=1.0)
    transport = Counting(httpx.ASGITransport(app=create_app(engine)), clock)
    follower = SimpleNamespace(on_change=lambda snap: None, **kw)
    client = face(api_key=KEY, base_url=BASE, transport=transport, clock=clock if client_clock == "same" else None,
                  sandbox=False, journal=False, observers=[follower])
    return client, engine, transport


def _loud(records: list[logging.LogRecord]) -> list[str]:
    gc.collect()  # "Task exception was never retrieved" is logged when the failed task is collected
    return [r.getMessage() for r in records if r.levelno >= logging.WARNING]


async def test_closing_the_async_client_stops_following_its_tasks_quietly(caplog):
    from runway_nb.client import AsyncRunwayML

    clock = FakeClock()
    client, engine, transport = _follower_client(AsyncRunwayML, clock)
    task = await client.text_to_video.create(model="gen4.5", prompt_text="a lake", ratio="1280:720", duration=5)
    engine.settle()
    waiter = asyncio.create_task(task.wait())
    while not transport.polls(task.id):
        await asyncio.sleep(0)
    poller = task._core._poller.task
    await client.close()
    assert poller.cancelled()
    with pytest.raises(errors.APIConnectionError, match="client was closed"):
        await waiter  # ended, not left hanging
    with pytest.raises(errors.APIConnectionError, match="client was closed"):
        await task.wait()  # a wait after close ends at once too
    polls = len(transport.polls(task.id))
    await _spin()
    assert len(transport.polls(task.id)) == polls and task.status == "PENDING"
    assert _loud(caplog.records) == []
    engine.close()


def test_closing_the_sync_client_stops_its_pollers(caplog):
    from runway_nb.client import RunwayML

    # the service's clock stands still and the client's is real: the tasks stay PENDING, their pollers asleep
    client, engine, transport = _follower_client(RunwayML, FakeClock(), client_clock=None)
    tasks = [client.text_to_video.create(model="gen4.5", prompt_text=f"a lake {i}", ratio="1280:720", duration=5)
             for i in range(3)]
    engine.settle()
    pollers = [t._core._poller.task for t in tasks]
    assert all(p is not None and not p.done() for p in pollers)
    client.close()
    assert all(p.cancelled() for p in pollers)
    with pytest.raises(errors.APIConnectionError, match="client was closed"):
        tasks[0].wait()
    assert _loud(caplog.records) == []
    engine.close()


async def test_a_retrieved_task_is_adopted_by_the_observers():
    from runway_nb.client import AsyncRunwayML

    adopted: list[TaskSnapshot] = []
    client, engine, _ = _follower_client(AsyncRunwayML, FakeClock(), on_adopted=lambda core: adopted.append(
        core.snapshot()))
    made = await client.text_to_image.create(model="gen4_image", prompt_text="a kite", ratio="1280:720")
    assert adopted == []  # created here: on_created's business
    engine.settle()
    retrieved = await client.tasks.retrieve(made.id)
    assert [s.id for s in adopted] == [made.id] and adopted[0].status == retrieved.status
    assert retrieved._core.observers == made._core.observers
    assert (await retrieved.wait()).status == "SUCCEEDED"
    await client.close()
    engine.close()
