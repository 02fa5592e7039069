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
