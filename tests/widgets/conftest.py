"""Fixtures for the widget tests; the fakes themselves are in widget_fakes.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from widget_fakes import DisplayRecorder


@pytest.fixture
def workdir(tmp_path, monkeypatch) -> Path:
    """A notebook folder as the working directory, with no journal in it."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RUNWAY_NB_JOURNAL", "0")
    return tmp_path


@pytest.fixture
def displays(monkeypatch) -> DisplayRecorder:
    from runway_nb.widgets import _display

    recorder = DisplayRecorder()
    monkeypatch.setattr(_display, "publish", recorder.publish)
    monkeypatch.setattr(_display, "publish_raw", recorder.publish_raw)
    return recorder
