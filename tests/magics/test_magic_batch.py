"""%runway batch through a real InteractiveShell against the served sandbox: a list variable and a JSON
file of prompts become one background batch and one BatchView; bad items and a budget refuse the whole
batch before anything is sent."""

from __future__ import annotations

import json

from IPython.utils.capture import capture_output


def run(ip, code: str):
    with capture_output(display=False) as cap:
        res = ip.run_cell(code, store_history=True)
    return res, cap.stdout, cap.stderr


def test_a_list_variable_runs_as_one_background_batch(ip, sandbox):
    before = sandbox.stats()["created"]
    res, _, err = run(ip, 'prompts = ["a red kite", {"prompt": "a blue kite", "seed": 3}, "a green kite"]\n'
                          "v = %runway batch image prompts --ratio 1280:720 --concurrency 2")
    assert res.success, err
    view = ip.user_ns["v"]
    result = view.wait(60)
    assert [t.status for t in result] == ["SUCCEEDED"] * 3
    assert sandbox.stats()["created"] - before == 3
    assert view.counts() == {"SUCCEEDED": 3}
    assert all(row[2] for row in view.rows)  # every result has its thumbnail
    assert sandbox.engine.task(result[1].id) is not None


def test_a_json_file_of_prompts(ip, env):
    (env / "prompts.json").write_text(json.dumps(["one lighthouse", "two lighthouses"]))
    res, _, err = run(ip, "v = %runway batch image prompts.json --model gen4_image --ratio 720:720")
    assert res.success, err
    assert [t.status for t in ip.user_ns["v"].wait(60)] == ["SUCCEEDED"] * 2


def test_bad_items_refuse_the_whole_batch_before_anything_is_sent(ip, sandbox):
    before = sandbox.stats()["created"]
    res, _, err = run(ip, 'prompts = ["fine", {"prompt": "bad", "ratio": "7:3"}, 42]\n'
                          "%runway batch image prompts")
    assert not res.success or "refused" in err
    assert "item 1" in err and "7:3" in err and "item 2" in err
    assert sandbox.stats()["created"] == before


def test_a_batch_past_the_budget_is_refused(ip, sandbox):
    before = sandbox.stats()["created"]
    res, _, err = run(ip, "%runway budget 10\nprompts = ['a', 'b', 'c', 'd']\n%runway batch image prompts")
    assert "refused" in err and "budget" in err
    assert sandbox.stats()["created"] == before


def test_an_unknown_source_says_what_is_allowed(ip):
    _, _, err = run(ip, "%runway batch image no_such_list")
    assert "neither a notebook variable nor a .json file" in err


def test_batch_tasks_join_the_session_tasks(ip, sandbox):
    res, _, err = run(ip, 'prompts = ["a red kite", "a blue kite", "a green kite", "a gold kite"]\n'
                          "v = %runway batch image prompts --ratio 1280:720 --concurrency 2")
    assert res.success, err
    result = ip.user_ns["v"].wait(60)
    ids = [t.id for t in result]
    session = ip._runway_nb_magics.session
    for tid in ids:
        assert session.results[tid].done.wait(30)  # followed as a single task is: its files collected
    res, _, err = run(ip, "t = %runway tasks")
    assert res.success, err
    table = ip.user_ns["t"]
    assert {row["id"] for row in table} == set(ids) and {row["status"] for row in table} == {"SUCCEEDED"}
    assert all(row["files"] for row in table) and "4 task(s) this session" in table.title
    assert [session.results[tid].request.fields["promptText"] for tid in ids] == ip.user_ns["prompts"]
    res, out, err = run(ip, f"s = %runway status {ids[2][:12]}")  # found by a prefix, as single tasks are
    assert res.success, err
    assert ip.user_ns["s"].task.id == ids[2]
    costs = [t.cost_credits for t in result]
    assert None not in costs and session.spent() == sum(costs)  # the server's final costs, each counted once


def test_a_running_batch_counts_against_the_budget_once(ip, sandbox):
    res, _, err = run(ip, "%runway budget 100\nprompts = ['a', 'b', 'c']\n"
                          "v = %runway batch image prompts --model gen4_image --ratio 1360:768 --concurrency 1")
    assert res.success, err
    view = ip.user_ns["v"]
    estimate = view.batch.estimate.credits
    session = ip._runway_nb_magics.session
    assert abs(session.spent() - estimate) < 1e-9  # created or queued, each call counted once
    view.wait(60)
    final = session.spent()
    assert final == sum(t.cost_credits or 0 for t in view.batch.wait(5))
    again = "%runway batch image prompts --model gen4_image --ratio 1360:768"
    res, _, err = run(ip, f"%runway budget {final + estimate - 1:g}\n{again}")
    assert "refused" in err and "budget" in err
    res, _, err = run(ip, f"%runway budget {final + estimate:g}\nw = {again}")  # just enough: counted once
    assert res.success and "refused" not in err, err
    ip.user_ns["w"].wait(60)


def test_history_filters_by_operation(ip, sandbox):
    res, _, err = run(ip, "%runway image --ratio 1280:720 a lantern")
    assert res.success, err
    res, out, err = run(ip, "h = %runway history --operation text_to_image")
    assert res.success, err
    rows = ip.user_ns["h"]
    assert len(rows) == 1 and rows[0]["endpoint"] == "/v1/text_to_image" and "text_to_image" in repr(rows)
    res, out, err = run(ip, "h = %runway history --operation video_upscale")
    assert len(ip.user_ns["h"]) == 0
