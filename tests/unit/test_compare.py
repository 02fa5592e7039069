"""compare(files): each stored result's card says its provider and run time above its usual caption."""

from __future__ import annotations

import json

import pytest

from runway_nb.compare import compare, run_seconds
from runway_nb.store import sidecar


def _stored(folder, name, model, cost, events, prompt="A kite over a beach", ratio="1280:720"):
    """A file and the sidecar the store writes beside it, from a journal-like record."""
    path = folder / f"{name}_0.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42")
    record = {"id": name, "model": model, "endpoint": "/v1/text_to_video", "cost_credits": cost,
              "estimate_credits": cost, "request": {"model": model, "promptText": prompt, "ratio": ratio,
                                                    "duration": 6}, "events": events}
    path.with_suffix(".json").write_text(json.dumps(sidecar(record, 0, path)))
    return path


@pytest.fixture
def two(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    t0 = 1_800_000_000.0
    return [_stored(tmp_path, "a", "gen4.5", 72, [("CREATED", t0), ("RUNNING", t0 + 2), ("SUCCEEDED", t0 + 61.25)]),
            _stored(tmp_path, "b", "kling3.0_pro", 60, [("CREATED", t0), ("SUCCEEDED", t0 + 95.0)],
                    ratio="1920:1080")]


def test_rows_carry_model_provider_credits_and_run_time(two):
    table = compare(two, head="A kite over a beach")
    assert [(r["model"], r["provider"], r["ratio"], r["credits"], r["run time"]) for r in table] == [
        ("gen4.5", "Runway", "1280:720", 72, "61.2 s"), ("kling3.0_pro", "Kling", "1920:1080", 60, "95.0 s")]
    text = repr(table)
    assert text.splitlines()[0] == "A kite over a beach"
    assert "kling3.0_pro" in text and "95.0 s" in text


def test_cards_show_provider_and_run_time_above_the_caption(two):
    page = compare(two, head="A kite over a beach")._repr_html_()
    assert page.count("<video ") == 2 and 'src="a_0.mp4"' in page and 'src="b_0.mp4"' in page
    assert "Runway · took 61.2 s" in page and "Kling · took 95.0 s" in page
    assert "gen4.5 · 1280:720 · 6 s · 72 credits ($0.72)" in page  # render.py's caption, unchanged
    assert page.index("A kite over a beach") < page.index("Runway · took")
    assert "sandbox: synthetic outputs" not in page
    badged = compare(two, sandbox=True)._repr_html_()  # the caller says where the files came from
    assert badged.count("sandbox: synthetic outputs") == 2


def test_a_file_without_timings_or_sidecar_still_shows(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    bare = tmp_path / "loose.mp4"
    bare.write_bytes(b"\x00")
    table = compare([bare])
    assert table[0]["run time"] == "" and table[0]["credits"] is None
    assert "<video " in table._repr_html_()


def test_text_from_a_sidecar_is_escaped(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = _stored(tmp_path, "x", "<img src=x onerror=alert(1)>", 5, [])
    page = compare([path], head="<b>head</b>")._repr_html_()
    assert "<img src=x" not in page and "<b>head" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_run_seconds_reads_the_journal_timings_only():
    assert run_seconds({"timings": {"total_seconds": 4.5}}) == 4.5
    assert run_seconds({"timings": {"total_seconds": None}}) is None
    assert run_seconds({}) is None
