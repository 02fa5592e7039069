"""Soak under faults: hundreds of task lifecycles across every seed model, through the client (with the
journal attached, as the magics attach it) and through %runway, on a sandbox that injects every fault
it knows. Asserted as counts: what the sandbox created is what the client recorded (an honest
TaskMayExistError accounts for each task whose id never came back), every succeeded task's output is
on disk, and every error a user saw was a runway_nb error with a message. bench/bench_soak.py runs more.
"""

from __future__ import annotations

import httpx
from rel_support import CASES, InstantSynth, ScaledClock, soak_faults, table
from soak_support import error_classes, soak_client, soak_magics

from runway_nb import catalog
from runway_nb.client import RunwayML
from runway_nb.journal import Journal
from runway_nb.observer import JournalObserver
from runway_nb.sandbox import serve

TIME_SCALE = 0.002  # a 60 s task takes 0.12 s; the client's ScaledClock polls on the same scale
LIFECYCLES = 300


def test_every_seed_model_is_in_the_soak(media):
    assert {kwargs("m", media)["model"] for _, _, kwargs in CASES} == set(catalog.MODELS)


def test_soak_through_the_client(workdir, media, quiet_logs):
    folder = workdir / "runway_outputs"
    with serve(time_scale=TIME_SCALE, synth=InstantSynth(), concurrency=3, daily_limit=10**6, credits=10**9,
               faults=soak_faults(), fault_seed=7) as sb:
        journal = Journal(workdir / ".runway")
        observer = JournalObserver(journal, folder)
        client = RunwayML(api_key=sb.api_key, base_url=sb.base_url, clock=ScaledClock(TIME_SCALE),
                          observers=[observer])
        soak = soak_client(sb, client, observer, media, LIFECYCLES, folder, workers=24)
        client.close()
    outcomes, figures, faults = soak.outcomes, soak.figures, soak.stats["faults"]
    print(table(f"soak: {LIFECYCLES} lifecycles through RunwayML", list(figures.items())))
    print(table("errors users saw", sorted(error_classes(outcomes).items()), ("step: error", "count")))
    print(table("faults injected", sorted(faults.items()), ("fault", "count")))

    unclear = [u for o in outcomes for u in o.unclear]
    assert unclear == []
    assert figures["lifecycles"] == LIFECYCLES
    assert figures["client ids unknown to the sandbox"] == 0
    assert figures["duplicates (a request made >1 task)"] == 0
    assert figures["tasks with no marker"] == 0
    # created = recorded + orphans, and every orphan is a create that said "maybe"
    assert figures["created by the sandbox"] == figures["ids returned to the client"] + figures[
        "orphans (created, id never returned)"]
    assert figures["orphans matched to a TaskMayExistError"] == figures["orphans (created, id never returned)"]
    assert figures["outputs stored"] == figures["succeeded (sandbox, not deleted)"]
    assert figures["succeeded but not stored"] == 0
    assert figures["client ids missing from the journal"] == 0
    assert figures["journal rows the client never had"] == 0
    assert figures["journal rows adopted (retrieved by id)"] == figures["orphans adopted via the sandbox's ids"]
    assert figures["journal status differs from the sandbox"] == 0
    assert figures["journal rows still unfinished"] == 0
    # the soak met every kind of fault it was meant to
    for kind in ("429", "500", "502", "503", "drop_before", "drop_after", "slow", "failed_task", "truncated",
                 "long_throttle", "expired_url"):
        assert faults.get(kind, 0) > 0, (kind, faults)
    assert figures["TaskMayExistError"] > 0 and figures["succeeded (sandbox, not deleted)"] > LIFECYCLES // 2


def test_soak_through_the_magics(shell_for, workdir, media, quiet_logs):
    cells = 30
    with serve(time_scale=TIME_SCALE, synth=InstantSynth(), concurrency=3, daily_limit=10**6, credits=10**9,
               faults=soak_faults(), fault_seed=11) as sb:
        shell = shell_for(sb, TIME_SCALE)
        figures = soak_magics(sb, shell, media, cells, workdir / "runway_outputs")
    figures.pop("_results")
    unclear, usage, succeeded = figures.pop("_unclear"), figures.pop("_usage"), figures.pop("_succeeded")
    created = figures["created by the sandbox"]
    print(table(f"soak: {cells} %runway cells", list(figures.items())))
    print(table("UsageErrors", sorted(usage.items()), ("error", "count")))
    assert unclear == []
    assert figures["tracebacks shown"] == 0
    assert figures["tasks started"] + figures["refused with a UsageError (clear)"] == cells
    assert figures["finished"] == figures["tasks started"]
    # every task started is one the sandbox made; each other task it made is a create that said "maybe"
    assert figures["tasks started"] <= created <= figures["tasks started"] + usage.get("TaskMayExistError", 0)
    assert figures["outputs on disk after resume"] == succeeded


def test_cancel_leaves_a_task_that_already_finished_alone(workdir):
    from runway_nb.sandbox import Engine, FakeClock, create_app

    clock = FakeClock()
    engine = Engine(clock=clock, synth=InstantSynth(), time_scale=0.01, api_key="key_cancel_0123456789")
    client = RunwayML(api_key="key_cancel_0123456789", base_url="http://127.0.0.1", journal=False,
                      transport=httpx.ASGITransport(app=create_app(engine)))
    task = client.text_to_image.create(model="gemini_2.5_flash", prompt_text="a", ratio="1344:768")
    for _ in range(3):  # the service finishes it; nobody follows the handle, so it has not looked since
        engine.settle()
        clock.advance(1000)
        engine.tick()
    assert engine.task(task.id).state == "SUCCEEDED" and task.status == "PENDING"
    task.cancel()
    deleted = engine.task(task.id).deleted
    client.close()
    engine.close()
    assert not deleted
