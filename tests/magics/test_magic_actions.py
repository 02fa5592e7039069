"""The actions behind %runway as plain functions: no IPython, a Session against the served sandbox."""

from __future__ import annotations

import pytest

from runway_nb import magic_actions as act
from runway_nb import magic_args as a
from runway_nb import magic_request as mr
from runway_nb.clock import ScaledClock
from runway_nb.magic_args import ArgsError

TIME_SCALE = 0.01  # as in conftest.py


@pytest.fixture
def session(env):
    s = act.Session(act.Settings(timeout=6000))
    s.clock = ScaledClock(TIME_SCALE)
    yield s
    for r in list(s.results.values()):
        r.done.wait(30)


def req(line: str) -> mr.Request:
    return mr.to_request(a.parse_argv(a.split(line)), None, {}, {"video": "gen4.5", "image": "gen4_image"})


def test_plan_prices_and_checks_without_sending(session, sandbox):
    n = sandbox.stats()["requests"]
    p = act.plan(req("video --model veo3.1 --no-audio --duration 6 a quiet lake"))
    assert p.credits == 120 and not p.problems and "audio off" in repr(p)
    bad = act.plan(req("video --ratio 960:960 a quiet lake"))
    assert bad.problems and bad.problems[0].startswith("--ratio:")
    assert sandbox.stats()["requests"] == n


def test_submit_wait_store(session, sandbox):
    r = act.submit(session, req("image --ratio 1280:720 --seed 5 a windmill"))
    assert act.wait(r, 6000) == "done"
    assert r.status == "SUCCEEDED" and r.files[0].is_file() and r.files[0].with_suffix(".json").is_file()
    assert "sandbox: synthetic outputs" in repr(r) and "runway_outputs/" in r._repr_html_()
    table = act.tasks_table(session)
    assert table[0]["id"] == r.task.id and "5 credits" in table.title
    assert session.spent() == 5


def test_budget_and_invalid_requests_send_nothing(session, sandbox):
    session.settings.budget = 4
    n = sandbox.stats()["created"]
    with pytest.raises(act.BudgetExceeded, match="refused"):
        act.submit(session, req("image --ratio 1280:720 a windmill"))
    with pytest.raises(ArgsError, match="--ratio"):
        act.submit(session, req("image --ratio 1:1 a windmill"))
    assert sandbox.stats()["created"] == n


@pytest.mark.parametrize("line", ["video --duration 2 a tram", "video --image {png} --duration 5 a tram"])
def test_one_call_is_checked_and_priced_once(session, sandbox, media, monkeypatch, line):
    """The plan is made once: the client sends it without checking or pricing the body again (the
    served sandbox, in this process too, does its own: its calls are not counted)."""
    import sys
    from collections import Counter

    from runway_nb import pricing, validate

    calls: Counter = Counter()

    def counted(name, real):
        def wrapper(*args, **kw):
            if not sys._getframe(1).f_globals["__name__"].startswith("runway_nb.sandbox"):
                calls[name] += 1
            return real(*args, **kw)
        return wrapper

    monkeypatch.setattr(validate, "validate_body", counted("validate", validate.validate_body))
    monkeypatch.setattr(pricing, "estimate", counted("price", pricing.estimate))
    r = act.submit(session, req(line.format(png=media / "face.png")))
    assert dict(calls) == {"validate": 1, "price": 1}
    assert r.task.snapshot().estimated_credits == (24 if "--image" not in line else 60)
    assert act.wait(r, 6000) == "done"


def test_detach_keeps_following(session, monkeypatch):
    r = act.submit(session, req("video --duration 2 a tram"))
    monkeypatch.setattr(type(r.task), "wait", lambda self, timeout=600: (_ for _ in ()).throw(KeyboardInterrupt))
    assert act.wait(r, 6000) == "detached"
    assert r.detached and "detached" in r.message
    assert r.done.wait(60) and r.status == "SUCCEEDED" and r.files


def test_models_table_covers_the_catalog():
    from runway_nb import catalog, magic_ops
    from runway_nb.catalog import api

    rows = magic_ops.models_table()
    assert {r["model"] for r in rows} == set(catalog.MODELS) | set(api.model_ids())
    order = [(catalog.KINDS.index(r["kind"]), r["provider"], r["model"]) for r in rows]
    assert order == sorted(order)  # grouped by kind, then provider
    gen45 = next(r for r in rows if r["model"] == "gen4.5")
    assert "%runway video" in gen45["magic"] and gen45["price"] == "12 credits/s" and gen45["status"] == ""
    kling = next(r for r in rows if r["model"] == "kling_4")
    assert (kling["provider"], kling["price"], kling["kind"]) == ("Kling", "price not published", "video")
    veo3 = next(r for r in rows if r["model"] == "veo3")
    assert veo3["status"].startswith("retired")
    ruby = next(r for r in rows if r["model"] == "ruby")
    assert ruby["magic"] == "%runway hdr"
    assert "kling_4" in repr(rows) and "<table>" in rows._repr_html_()
    assert {r["kind"] for r in magic_ops.models_table("audio")} == {"audio"}


def test_with_the_journal_off_results_still_get_their_files(session, env):
    session.settings.journal = False  # the observer then stores without recording
    r = act.submit(session, req("image --ratio 1280:720 --seed 3 a kite"))
    assert act.wait(r, 6000) == "done"
    assert r.files[0].is_file() and r.files[0].parent == env / "runway_outputs"
    assert r.files[0].with_suffix(".json").is_file() and not (env / ".runway").exists()


def test_settings_are_read_live_from_one_object(session):
    assert isinstance(session.settings, act.RunwaySettings)
    session.settings.output_folder = "elsewhere"
    assert session.client().is_sandbox and "elsewhere" in session._clients  # no copy to refresh
