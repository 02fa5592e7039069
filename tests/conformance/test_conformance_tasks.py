"""tasks.retrieve and tasks.delete: every status on the wire, parsed strictly by the SDK.

These run on the `clocked` sandbox (a FakeClock), so a task is held in whichever status a test wants.
The sandbox's fault controls make THROTTLED (a long throttle) and FAILED (a failing task); a
server-side cancellation makes CANCELLED. A DELETE, by the sandbox's documented choice (contract
§5.3), cancels or deletes and leaves the task unfetchable: 404.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
import runwayml
from conformance_support import check_succeeded, image, strict_async_client
from runwayml.types.task_retrieve_response import Cancelled, Failed, Pending, Running, Succeeded, Throttled

from runway_nb import catalog
from runway_nb.sandbox import FaultProfile

BASE = {"id", "status", "createdAt"}
WAITING, ENDED = BASE | {"estimatedCost"}, BASE | {"cost"}  # 5.24.0: the most it may charge / the final charge
SHAPES = {  # status -> (SDK model, exact wire keys)
    "THROTTLED": (Throttled, WAITING),
    "PENDING": (Pending, WAITING),
    "RUNNING": (Running, WAITING | {"progress"}),
    "SUCCEEDED": (Succeeded, ENDED | {"output"}),
    "FAILED": (Failed, ENDED | {"failure", "failureCode"}),
    "CANCELLED": (Cancelled, ENDED),
}
RATIO = "720:720"  # gen4_image at 720:720: synthesis takes milliseconds


# -- putting a task into a status ------------------------------------------------------------------
def create(sb, client, faults: FaultProfile | None = None) -> str:
    if faults is not None:
        sb.set_faults(faults)
    try:
        return client.text_to_image.create(model="gen4_image", prompt_text="A lantern", ratio=RATIO).id
    finally:
        sb.set_faults("none")


def advance_to(sb, when: float) -> None:
    sb.clock.advance(max(0.0, when - sb.clock.now()))


def run_to_end(sb, task_id: str) -> None:
    """Let the task's planned time pass once its file exists (synthesis runs on real threads)."""
    sb.engine.tick()
    sb.engine.settle()
    record = sb.engine.task(task_id)
    advance_to(sb, record.started + record.pending + record.run + 1)


def throttled(sb, client) -> str:
    return create(sb, client, FaultProfile(throttle_rate=1.0, throttle_seconds=600))


def pending(sb, client) -> str:
    return create(sb, client)


def running(sb, client) -> str:
    task_id = create(sb, client)
    record = sb.engine.task(task_id)
    advance_to(sb, record.started + record.pending + record.run / 2)
    return task_id


def succeeded(sb, client) -> str:
    task_id = create(sb, client)
    run_to_end(sb, task_id)
    return task_id


def failed(sb, client, code: str = "INTERNAL.BAD_OUTPUT") -> str:
    task_id = create(sb, client, FaultProfile(fail_rate=1.0, failure_codes=(code,)))
    record = sb.engine.task(task_id)
    advance_to(sb, record.started + record.pending + record.run)
    return task_id


def cancelled(sb, client) -> str:
    task_id = create(sb, client)
    sb.engine.cancel_task(task_id)  # a cancellation by the service: the task stays fetchable
    return task_id


MAKE: dict[str, Callable[..., str]] = {"THROTTLED": throttled, "PENDING": pending, "RUNNING": running,
                                       "SUCCEEDED": succeeded, "FAILED": failed, "CANCELLED": cancelled}


# -- retrieve --------------------------------------------------------------------------------------
@pytest.mark.parametrize("status", list(SHAPES))
def test_every_status_parses_strictly(clocked, clocked_client, status):
    task_id = MAKE[status](clocked, clocked_client)
    raw = clocked_client.tasks.with_raw_response.retrieve(task_id)
    model, keys = SHAPES[status]
    assert raw.status_code == 200 and set(raw.json()) == keys, raw.json()
    task = raw.parse()  # strict: a wrong type or a missing field raises APIResponseValidationError
    assert isinstance(task, model) and task.status == status and task.id == task_id
    assert task.created_at.tzinfo is not None
    if status == "RUNNING":
        assert 0.0 <= task.progress <= 1.0
    if status == "SUCCEEDED":
        check_succeeded(task, image(RATIO))
    # gen4_image at a 720p ratio: 5 credits; a FAILED INTERNAL.BAD_OUTPUT and a CANCELLED-while-PENDING
    # task are refunded in full ("Fully refunded tasks report 0").
    money = task.cost.credits if "cost" in keys else task.estimated_cost.credits
    assert money == {"FAILED": 0, "CANCELLED": 0}.get(status, 5)


def test_one_task_goes_throttled_pending_running_succeeded(clocked, clocked_client):
    task_id = throttled(clocked, clocked_client)
    record = clocked.engine.task(task_id)
    seen = [clocked_client.tasks.retrieve(task_id)]
    advance_to(clocked, record.eligible)  # the throttle ends: the task takes a free slot
    seen.append(clocked_client.tasks.retrieve(task_id))
    progress = []
    for fraction in (0.2, 0.5, 0.8):
        advance_to(clocked, record.started + record.pending + record.run * fraction)
        seen.append(task := clocked_client.tasks.retrieve(task_id))
        progress.append(task.progress)
    run_to_end(clocked, task_id)
    seen.append(clocked_client.tasks.retrieve(task_id))
    assert [t.status for t in seen] == ["THROTTLED", "PENDING", "RUNNING", "RUNNING", "RUNNING", "SUCCEEDED"]
    assert progress == sorted(progress) and all(0 <= p < 1 for p in progress)
    assert len({t.created_at for t in seen}) == 1
    check_succeeded(seen[-1], image(RATIO))


@pytest.mark.parametrize("code", catalog.FAILURE_CODES)
def test_failed_task_carries_its_code_and_wait_raises(clocked, clocked_client, code):
    task_id = failed(clocked, clocked_client, code)
    task = clocked_client.tasks.retrieve(task_id)
    assert isinstance(task, Failed) and task.failure_code == code and task.failure.strip()
    with pytest.raises(runwayml.TaskFailedError) as e:
        task.wait_for_task_output(timeout=5)
    assert e.value.task_details.id == task_id and e.value.task_details.failure_code == code


@pytest.mark.parametrize("status, charged", [("PENDING", False), ("RUNNING", True)])
def test_a_cancelled_task_reports_what_it_cost(clocked, clocked_client, status, charged):
    """5.24.0, tasks.delete: a cancellation that observes RUNNING refunds nothing; `cost` is the final charge,
    0 when fully refunded."""
    task_id = MAKE[status](clocked, clocked_client)
    estimate = clocked_client.tasks.retrieve(task_id).estimated_cost.credits
    before = clocked_client.organization.retrieve().credit_balance
    clocked.engine.cancel_task(task_id)
    task = clocked_client.tasks.retrieve(task_id)
    assert isinstance(task, Cancelled) and estimate == 5  # gen4_image at a 720p ratio
    assert task.cost.credits == (estimate if charged else 0)
    assert clocked_client.organization.retrieve().credit_balance == before + (0 if charged else estimate)


def test_sync_wait_does_not_stop_on_cancelled(clocked, clocked_client):
    """SDK 5.24.0's sync wait (as 4.18.0's) ignores CANCELLED and polls until its timeout (the async one raises)."""
    task = clocked_client.tasks.retrieve(cancelled(clocked, clocked_client))
    with pytest.raises(runwayml.TaskTimeoutError) as e:
        task.wait_for_task_output(timeout=0.1)
    assert isinstance(e.value.task_details, Cancelled)


@pytest.mark.anyio
async def test_async_wait_raises_task_failed_on_cancelled(clocked):
    async with strict_async_client(clocked) as client:
        created = await client.text_to_image.create(model="gen4_image", prompt_text="A lantern", ratio=RATIO)
        clocked.engine.cancel_task(created.id)
        with pytest.raises(runwayml.TaskFailedError) as e:
            await created.wait_for_task_output(timeout=5)
    assert isinstance(e.value.task_details, Cancelled) and e.value.task_details.id == created.id


# -- delete ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("status", ["THROTTLED", "PENDING", "RUNNING"])
def test_delete_cancels_a_waiting_or_running_task(clocked, clocked_client, status):
    task_id = MAKE[status](clocked, clocked_client)
    raw = clocked_client.tasks.with_raw_response.delete(task_id)
    assert raw.status_code == 204 and raw.http_response.content == b"" and raw.parse() is None
    with pytest.raises(runwayml.NotFoundError):
        clocked_client.tasks.retrieve(task_id)
    record = clocked.engine.task(task_id)  # what the wire no longer shows: cancelled, not finished
    assert record.state == "CANCELLED" and record.deleted


def test_delete_a_finished_task_removes_it_and_its_output(clocked, clocked_client):
    task = clocked_client.tasks.retrieve(succeeded(clocked, clocked_client))
    assert httpx.get(task.output[0]).status_code == 200
    assert clocked_client.tasks.delete(task.id) is None
    with pytest.raises(runwayml.NotFoundError):
        clocked_client.tasks.retrieve(task.id)
    assert httpx.get(task.output[0]).status_code == 404
    with pytest.raises(runwayml.NotFoundError):
        clocked_client.tasks.delete(task.id)


def test_delete_through_the_served_sandbox_then_wait(sandbox, client):
    """The seed's `client.tasks.delete(task.id)` on a task just created: gone, and waiting on it says so."""
    created = client.text_to_video.create(model="gen4.5", prompt_text="A kite", ratio="1280:720", duration=2)
    assert client.tasks.delete(created.id) is None
    with pytest.raises(runwayml.NotFoundError):
        created.wait_for_task_output(timeout=5)
