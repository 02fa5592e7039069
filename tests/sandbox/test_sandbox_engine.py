"""The engine as a state machine on a fake clock: lifecycle, throttling, credits, quotas, failures."""

from __future__ import annotations

import pytest
from sandbox_support import T2V, finish

from runway_nb import pricing
from runway_nb.sandbox import FaultProfile, Refusal
from runway_nb.sandbox.engine import DEFAULT_TIME_SCALE

# The wire fields per status, as runwayml 5.24.0's TaskRetrieveResponse requires them: estimatedCost
# while waiting or running, the final cost once ended.
FIELDS = {
    "PENDING": {"id", "status", "createdAt", "estimatedCost"},
    "THROTTLED": {"id", "status", "createdAt", "estimatedCost"},
    "RUNNING": {"id", "status", "createdAt", "progress", "estimatedCost"},
    "SUCCEEDED": {"id", "status", "createdAt", "output", "cost"},
    "FAILED": {"id", "status", "createdAt", "failure", "failureCode", "cost"},
    "CANCELLED": {"id", "status", "createdAt", "cost"},
}


def walk(engine, clock, task_id, step=0.01, limit=100_000):
    """Every wire state of one task, stepping the fake clock, until it ends."""
    seen = []
    for _ in range(limit):
        wire = engine.get_task(task_id)
        seen.append(wire)
        if wire["status"] in ("SUCCEEDED", "FAILED", "CANCELLED"):
            return seen
        engine.settle()
        clock.advance(step)
    raise AssertionError("the task never ended")


def test_default_time_scale_makes_a_10s_gen45_video_take_about_10s():
    from runway_nb import catalog

    assert catalog.typical_seconds("gen4.5", 10) * DEFAULT_TIME_SCALE == pytest.approx(10.0)


def test_lifecycle_pending_running_succeeded_with_exact_fields(engine, clock):
    tid = engine.create_task("/v1/text_to_video", dict(T2V))
    seen = walk(engine, clock, tid)
    statuses = [w["status"] for w in seen]
    assert statuses[0] == "PENDING" and statuses[-1] == "SUCCEEDED"
    assert "RUNNING" in statuses
    assert statuses.index("RUNNING") > statuses.index("PENDING")
    for w in seen:
        assert set(w) == FIELDS[w["status"]], w
        assert w["createdAt"].endswith("Z") and len(w["createdAt"]) == 24  # 2024-11-06T12:00:00.000Z
        if w["status"] == "SUCCEEDED":
            assert w["cost"] == {"credits": 24}
        else:
            assert w["estimatedCost"] == {"credits": 24}  # 12 credits/s x 2 s
    progress = [w["progress"] for w in seen if w["status"] == "RUNNING"]
    assert all(0 <= p < 1 for p in progress)
    assert progress == sorted(progress)
    assert len(set(progress)) > 3  # it moves, unevenly
    assert seen[-1]["output"][0].startswith("http://127.0.0.1/_sandbox/outputs/")


def test_progress_stalls_somewhere_and_steps_are_uneven(make_engine, clock):
    engine = make_engine(seed=3)
    stalls, ratios = 0, set()
    for _ in range(8):
        seen = walk(engine, clock, engine.create_task("/v1/text_to_video", dict(T2V)), step=0.005)
        progress = [w["progress"] for w in seen if w["status"] == "RUNNING"]
        steps = [b - a for a, b in zip(progress, progress[1:], strict=False)]
        stalls += any(s == 0 for s in steps[:-3])
        ratios.add(round(max(steps) / (min(s for s in steps if s > 0) or 1), 1))
    assert stalls >= 1
    assert len(ratios) > 1


def test_running_times_vary_per_task_but_are_reproducible(make_engine, clock):
    def plans(seed):
        e = make_engine(seed=seed, tier=5)
        return [round(e.task(e.create_task("/v1/text_to_video", dict(T2V))).run, 6) for _ in range(5)]

    assert len(set(plans(1))) == 5
    assert plans(1) == plans(1)
    assert plans(1) != plans(2)


def test_running_time_follows_catalog_typical_seconds_times_scale(make_engine):
    from runway_nb import catalog

    engine = make_engine(time_scale=1.0, tier=5)
    totals = []
    for _ in range(20):
        t = engine.task(engine.create_task("/v1/text_to_video", dict(T2V, duration=10)))
        totals.append(t.pending + t.run)
    typical = catalog.typical_seconds("gen4.5", 10)
    assert all(0.6 * typical <= x <= 1.8 * typical for x in totals)


def test_succeeded_only_when_the_file_is_ready(make_engine, clock):
    import threading

    gate = threading.Event()

    class SlowSynth:
        def video(self, *a, **kw):
            gate.wait(10)
            return b"video"

    engine = make_engine(synth=SlowSynth())
    tid = engine.create_task("/v1/text_to_video", dict(T2V))
    clock.advance(1000)
    wire = engine.get_task(tid)
    assert wire["status"] == "RUNNING" and wire["progress"] == 0.99
    gate.set()
    engine.settle()
    assert engine.get_task(tid)["status"] == "SUCCEEDED"


def test_throttled_when_concurrency_is_full_then_starts_when_a_slot_frees(make_engine, clock):
    engine = make_engine(concurrency=1)
    first = engine.create_task("/v1/text_to_video", dict(T2V))
    second = engine.create_task("/v1/text_to_video", dict(T2V))
    other_model = engine.create_task("/v1/text_to_image", {"model": "gemini_2.5_flash", "promptText": "x",
                                                           "ratio": "1024:1024"})
    assert engine.get_task(second)["status"] == "THROTTLED"
    assert engine.get_task(other_model)["status"] == "PENDING"  # limits are per model
    finish(engine, clock, seconds=1000, rounds=1)
    t1, t2 = engine.task(first), engine.task(second)
    assert t1.state == "SUCCEEDED" and t2.started == t1.ended  # queued, not refused; starts at the release
    finish(engine, clock)
    assert engine.get_task(second)["status"] == "SUCCEEDED"
    assert engine.stats()["created"] == 3


def test_long_throttle_fault_holds_a_task_even_with_free_slots(make_engine, clock):
    engine = make_engine(faults=FaultProfile(throttle_rate=1.0, throttle_seconds=100))
    tid = engine.create_task("/v1/text_to_video", dict(T2V))
    clock.advance(100 * engine.time_scale * 0.9)
    assert engine.get_task(tid)["status"] == "THROTTLED"
    clock.advance(100 * engine.time_scale * 0.2)
    assert engine.get_task(tid)["status"] in ("PENDING", "RUNNING")
    assert engine.stats()["faults"]["long_throttle"] == 1


def test_credits_charged_at_creation_from_pricing_estimate(engine):
    before = engine.organization()["creditBalance"]
    engine.create_task("/v1/text_to_video", dict(T2V))
    assert before - engine.organization()["creditBalance"] == pricing.estimate("gen4.5", T2V).credits == 24


def test_insufficient_credits_refused_before_anything_exists(make_engine):
    engine = make_engine(credits=23)
    with pytest.raises(Refusal) as e:
        engine.create_task("/v1/text_to_video", dict(T2V))
    assert e.value.status == 400
    assert e.value.body["error"] == "You do not have enough credits to run this task"
    assert engine.stats()["created"] == 0 and engine.organization()["creditBalance"] == 23


def test_daily_quota_429_then_free_again_after_24h(make_engine, clock):
    engine = make_engine(daily_limit=2, tier=5)
    for _ in range(2):
        engine.create_task("/v1/text_to_video", dict(T2V))
    with pytest.raises(Refusal) as e:
        engine.create_task("/v1/text_to_video", dict(T2V))
    assert e.value.status == 429 and "Daily generation limit" in e.value.body["error"]
    assert engine.organization()["usage"]["models"]["gen4.5"]["dailyGenerations"] == 2
    assert engine.stats()["created"] == 2
    clock.advance(24 * 3600 + 1)
    engine.create_task("/v1/text_to_video", dict(T2V))


@pytest.mark.parametrize("code, refunded", [("SAFETY.INPUT.TEXT", False), ("SAFETY.INPUT.IMAGE", False),
                                            ("SAFETY.OUTPUT.VIDEO", True), ("INTERNAL", True),
                                            ("ASSET.INVALID", True), ("INTERNAL.BAD_OUTPUT", True)])
def test_failed_task_has_failure_and_code_and_refund_rule(make_engine, clock, code, refunded):
    engine = make_engine(faults=FaultProfile(fail_rate=1.0, failure_codes=(code,)))
    start = engine.organization()["creditBalance"]
    tid = engine.create_task("/v1/text_to_video", dict(T2V))
    finish(engine, clock)
    wire = engine.get_task(tid)
    assert wire["status"] == "FAILED" and wire["failureCode"] == code and wire["failure"]
    assert set(wire) == FIELDS["FAILED"]
    assert engine.organization()["creditBalance"] == (start if refunded else start - 24)
    assert wire["cost"] == {"credits": 0 if refunded else 24}  # "Fully refunded tasks report 0"


def test_synthesis_error_becomes_failed_internal_and_refunded(make_engine, clock):
    from sandbox_support import FakeSynth

    engine = make_engine(synth=FakeSynth(fail=True))
    tid = engine.create_task("/v1/text_to_video", dict(T2V))
    finish(engine, clock)
    assert engine.get_task(tid)["failureCode"] == "INTERNAL"
    assert engine.organization()["creditBalance"] == 10_000
    assert engine.get_task(tid)["cost"] == {"credits": 0}


def test_delete_running_cancels_no_refund_and_is_gone(engine, clock):
    tid = engine.create_task("/v1/text_to_video", dict(T2V))
    while engine.get_task(tid)["status"] != "RUNNING":
        clock.advance(0.001)
    engine.delete_task(tid)
    with pytest.raises(Refusal) as e:
        engine.get_task(tid)
    assert e.value.status == 404
    assert engine.task(tid).state == "CANCELLED"
    assert engine.stats()["status"]["CANCELLED"] == 1 and engine.stats()["deleted"] == 1
    assert engine.organization()["creditBalance"] == 10_000 - 24  # it ran: no refund


def test_delete_throttled_or_pending_refunds(make_engine):
    engine = make_engine(concurrency=1)
    running = engine.create_task("/v1/text_to_video", dict(T2V))
    waiting = engine.create_task("/v1/text_to_video", dict(T2V))
    assert engine.get_task(waiting)["status"] == "THROTTLED"
    assert engine.get_task(running)["status"] == "PENDING"
    engine.delete_task(waiting)
    engine.delete_task(running)
    assert engine.organization()["creditBalance"] == 10_000
    assert engine.stats()["creditsRefunded"] == 48


def test_server_side_cancel_stays_fetchable_as_cancelled(engine):
    tid = engine.create_task("/v1/text_to_video", dict(T2V))
    engine.cancel_task(tid)
    wire = engine.get_task(tid)
    assert wire["status"] == "CANCELLED" and set(wire) == FIELDS["CANCELLED"]
    assert wire["cost"] == {"credits": 0}  # cancelled while PENDING: refunded


def test_cancel_observed_running_refunds_nothing_and_reports_the_charge(engine, clock):
    """SDK 5.24.0, tasks.delete: 'If that check observes RUNNING, cancellation does not refund credits.'"""
    tid = engine.create_task("/v1/text_to_video", dict(T2V))
    while engine.get_task(tid)["status"] != "RUNNING":
        clock.advance(0.001)
    engine.cancel_task(tid)
    wire = engine.get_task(tid)
    assert wire["status"] == "CANCELLED" and wire["cost"] == {"credits": 24}
    assert engine.organization()["creditBalance"] == 10_000 - 24


def test_create_response_carries_the_estimated_cost(engine):
    tid = engine.create_task("/v1/text_to_video", dict(T2V))
    assert engine.create_response(tid) == {"id": tid, "estimatedCost": {"credits": 24}}


def test_delete_finished_removes_outputs_and_404s(engine, clock):
    tid = engine.create_task("/v1/text_to_video", dict(T2V))
    finish(engine, clock)
    assert engine.get_task(tid)["status"] == "SUCCEEDED"
    path = engine.outputs.file(tid, "0.mp4")
    assert path.is_file()
    engine.delete_task(tid)
    assert not path.exists()
    for call in (engine.get_task, engine.delete_task):
        with pytest.raises(Refusal) as e:
            call(tid)
        assert e.value.status == 404
    assert engine.task(tid).state == "SUCCEEDED"  # deleted, not rewritten


def test_unknown_task_is_404(engine):
    for call in (engine.get_task, engine.delete_task, engine.cancel_task):
        with pytest.raises(Refusal) as e:
            call("00000000-0000-4000-8000-000000000000")
        assert e.value.status == 404


def test_rate_limit_token_bucket_with_retry_after(make_engine, clock):
    engine = make_engine(rate_limit=2)
    engine.admit()
    engine.admit()
    with pytest.raises(Refusal) as e:
        engine.admit()
    assert e.value.status == 429
    assert e.value.headers["Retry-After"] == "1" and float(e.value.headers["retry-after-ms"]) == pytest.approx(500)
    clock.advance(0.5)
    engine.admit()


def test_usage_ledger_nets_refunds(make_engine, clock):
    engine = make_engine(faults=FaultProfile(fail_rate=1.0, failure_codes=("INTERNAL",)))
    engine.create_task("/v1/text_to_video", dict(T2V))
    finish(engine, clock, seconds=10)
    usage = engine.usage()
    assert usage["models"] == ["gen4.5"]
    assert usage["results"][0]["usedCredits"] == [{"model": "gen4.5", "amount": 0}]


def test_close_removes_every_file(engine, clock):
    tid = engine.create_task("/v1/text_to_video", dict(T2V))
    finish(engine, clock)
    root = engine.outputs.root.parent
    assert engine.outputs.file(tid, "0.mp4").is_file()
    engine.close()
    assert not root.exists()
