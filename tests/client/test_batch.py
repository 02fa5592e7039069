"""client.batch: every request checked before anything is sent, a concurrency limit never exceeded (as the
sandbox saw it), handles in input order, failures kept as failed handles; the async twin alike."""

from __future__ import annotations

import asyncio
import time
import warnings

import pytest

from runway_nb import AsyncRunwayML, RunwayML, ValidationError
from runway_nb.sandbox import serve

FAST = 0.002


class ScaledClock:
    """The client's clock for a sandbox at time_scale FAST, so polling keeps the real service's pace."""

    realtime = True

    def now(self) -> float:
        return time.monotonic() / FAST

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds) * FAST)


def image(i: int, **kw) -> tuple[str, dict]:
    return "text_to_image", dict(model="gen4_image", prompt_text=f"tile {i}", ratio="1280:720", **kw)


def overlap(engine, ids) -> int:
    marks = sorted([(engine.task(t).created, 1) for t in ids] + [(engine.task(t).ended, -1) for t in ids])
    most = cur = 0
    for _, step in marks:
        cur += step
        most = max(most, cur)
    return most


@pytest.fixture
def sandbox(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    with serve(time_scale=FAST, concurrency=3, daily_limit=10**6, credits=10**9) as sb:
        yield sb


def client_for(sb, cls=RunwayML):
    return cls(api_key=sb.api_key, base_url=sb.base_url, clock=ScaledClock(), journal=False)


def test_every_bad_request_is_listed_before_anything_is_sent(sandbox):
    client = client_for(sandbox)
    calls = [image(0), image(1, seed=-5), ("text_to_imagez", {}), image(3),
             client.text_to_image.call(model="gen4_image", prompt_text="x", ratio="1:1")]
    with pytest.raises(ValidationError) as info:
        client.batch(calls, concurrency=2)
    text = str(info.value)
    assert "call 1 " in text and "call 2" in text and "call 4 " in text and "call 0 " not in text
    assert {p.field.split(".")[1] for p in info.value.problems} == {"1", "2", "4"}
    stats = sandbox.engine.stats()
    assert stats["created"] == 0 and stats["creditsCharged"] == 0
    client.close()


def test_limit_kept_order_kept_and_the_estimate(sandbox):
    client = client_for(sandbox)
    calls = [image(i) for i in range(12)]
    tasks = client.batch(calls, concurrency=2)
    assert [t.status for t in tasks] == ["SUCCEEDED"] * 12
    assert [t.snapshot().prompt for t in tasks] == [kw["prompt_text"] for _, kw in calls]
    assert sandbox.engine.stats()["created"] == 12
    assert overlap(sandbox.engine, [t.id for t in tasks]) <= 2
    assert tasks.estimate.credits == 12 * 5 and tasks.estimate.unpriced == 0
    client.close()


def test_default_limit_is_the_tiers_per_model(sandbox):
    client = client_for(sandbox)  # the sandbox's tier allows 3 at once per model
    calls = [image(i) for i in range(9)]
    tasks = client.batch(calls)
    assert [t.status for t in tasks] == ["SUCCEEDED"] * 9
    assert overlap(sandbox.engine, [t.id for t in tasks]) <= 3
    assert sandbox.engine.stats()["status"]["THROTTLED"] == 0
    client.close()


def test_a_refused_create_is_a_failed_handle_and_the_rest_run(sandbox):
    client = client_for(sandbox)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the unknown model's "sending it unchecked"
        tasks = client.batch([image(0), ("text_to_image", dict(model="no_such_model", prompt_text="x")), image(2)],
                             concurrency=2)
    assert [t.status for t in tasks] == ["SUCCEEDED", "FAILED", "SUCCEEDED"]
    assert tasks[1].id == "" and tasks[1].failure and tasks[1].failure_code.startswith("CLIENT.")
    assert len(tasks.succeeded) == 2 and tasks.failed == [tasks[1]]
    assert sandbox.engine.stats()["created"] == 2
    client.close()


def test_async_twin_with_call_objects(sandbox):
    async def main():
        async with client_for(sandbox, AsyncRunwayML) as client:
            calls = [client.text_to_image.call(model="gen4_image", prompt_text=f"a {i}", ratio="720:720")
                     for i in range(5)]
            return await client.batch(calls, concurrency=2)

    tasks = asyncio.run(main())
    assert [t.status for t in tasks] == ["SUCCEEDED"] * 5
    assert [t.snapshot().prompt for t in tasks] == [f"a {i}" for i in range(5)]
    assert overlap(sandbox.engine, [t.id for t in tasks]) <= 2


def test_in_the_background_the_run_is_returned_at_once_and_tells_of_every_task(sandbox):
    client = client_for(sandbox)
    heard = []
    run = client.batch([image(i) for i in range(6)], concurrency=2, background=True)
    run.on_change(lambda i, snap: heard.append((i, snap.status)))
    assert run.size == 6 and not run.done
    result = run.wait(60)
    assert run.done and [t.status for t in result] == ["SUCCEEDED"] * 6
    assert run.counts() == {"SUCCEEDED": 6} and [t.id for t in run.tasks] == [t.id for t in result]
    assert overlap(sandbox.engine, [t.id for t in result]) <= 2
    assert {i for i, status in heard if status == "SUCCEEDED"} <= set(range(6))
    client.close()


def test_in_the_background_bad_calls_raise_before_anything_is_created(sandbox):
    client = client_for(sandbox)
    with pytest.raises(ValidationError):
        client.batch([image(0), image(1, seed=-5)], background=True)
    assert sandbox.engine.stats()["created"] == 0
    client.close()


def test_async_background_run_and_cancel(sandbox):
    async def main():
        async with client_for(sandbox, AsyncRunwayML) as client:
            run = await client.batch([image(i) for i in range(4)], concurrency=2, background=True)
            await run.cancel()  # before anything was created: none is sent
            return await run.wait(30)

    tasks = asyncio.run(main())
    assert [t.status for t in tasks] == ["CANCELLED"] * 4
    assert sandbox.engine.stats()["created"] == 0  # cancelled before its first create: none was sent
