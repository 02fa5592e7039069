"""nbval runs these notebooks (`pytest --nbval-lax notebooks/`) against one fast local sandbox.

Every kernel nbval starts inherits this process's environment, so setting RUNWAYML_BASE_URL and
RUNWAYML_API_SECRET here points each notebook's client at a sandbox served by the test process, with
no change to the notebooks (the same variables point them at any Runway-compatible server). The
sandbox runs `TIME_SCALE` times the real service's typical durations, and a private IPython profile
tells each kernel's poller so at start (runway_nb.poll.learn: what it would otherwise learn from the
first finished task), so each notebook takes seconds. A real key in the environment is replaced for the test run: tests never spend credits.

The sandbox requires a recognisable fake key (KEY): every cell's outputs, and at the end the journal and
every output file and sidecar this run wrote, are searched for it; a hit fails the run (the key must
never be written anywhere).

The journal goes to a temporary RUNWAY_NB_HOME, so history, costs and the Gallery show this run only.
Outputs land in notebooks/runway_outputs/ (git-ignored), as they do for a person running the notebooks,
and the files this run added there are removed at the end (what was there before is left alone).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

TIME_SCALE = 0.01  # a gen4.5 10 s video: ~90 s on the real service, ~1 s here
OUTPUTS = Path(__file__).resolve().parent / "runway_outputs"
KEY = "key_NBVALcanary_5ecret_1b2c3d4e5f60718293a4"  # searched for in everything the notebooks write
_state: dict = {}


def _listing() -> set[Path]:
    return set(OUTPUTS.rglob("*")) if OUTPUTS.is_dir() else set()


def _nbval_run(config) -> bool:
    return bool(config.getoption("nbval", False) or config.getoption("nbval_lax", False))


def pytest_configure(config) -> None:
    if not _nbval_run(config):
        return
    from runway_nb.sandbox import serve

    sandbox = serve(api_key=KEY, time_scale=TIME_SCALE)
    home = Path(tempfile.mkdtemp(prefix="runway_nb-nbval-"))
    profile = home / "ipython" / "profile_default"
    profile.mkdir(parents=True)
    learn = f"runway_nb.poll.learn({sandbox.base_url!r}, 1.0, {TIME_SCALE}, {TIME_SCALE})"
    (profile / "ipython_kernel_config.py").write_text(
        f"c.InteractiveShellApp.exec_lines = ['import runway_nb.poll', {learn!r}]\n")
    saved = {k: os.environ.get(k) for k in ("RUNWAYML_BASE_URL", "RUNWAYML_API_SECRET", "RUNWAY_NB_HOME",
                                            "RUNWAY_NB_SANDBOX", "RUNWAY_NB_JOURNAL", "IPYTHONDIR")}
    os.environ.update(RUNWAYML_BASE_URL=sandbox.base_url, RUNWAYML_API_SECRET=sandbox.api_key,
                      RUNWAY_NB_HOME=str(home / "journal"), IPYTHONDIR=str(home / "ipython"))
    for name in ("RUNWAY_NB_SANDBOX", "RUNWAY_NB_JOURNAL"):
        os.environ.pop(name, None)
    _state.update(sandbox=sandbox, home=home, saved=saved, before=_listing(), existed=OUTPUTS.exists(),
                  searched={"cells": 0, "outputs": 0, "hits": 0})


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """A cell whose outputs show the key fails, whatever nbval thinks of them."""
    result = yield
    outputs = getattr(item, "test_outputs", None)
    searched = _state.get("searched")
    if searched is not None and outputs is not None:
        searched["cells"] += 1
        searched["outputs"] += len(outputs)
    if outputs and KEY[4:] in json.dumps(outputs, default=str):
        if searched is not None:
            searched["hits"] += 1
        raise AssertionError(f"{item.name}: the API key appears in this cell's outputs")
    return result


def pytest_sessionfinish(session) -> None:
    """The journal and every file this run wrote into runway_outputs/ never hold the key."""
    if "sandbox" not in _state:
        return
    written = [p for p in _listing() - _state["before"] if p.is_file()]
    written += [p for p in _state["home"].rglob("*") if p.is_file()]
    leaked = [str(p) for p in written if KEY[4:].encode() in p.read_bytes()]
    _state["files"] = {"files": len(written), "bytes": sum(p.stat().st_size for p in written), "leaked": leaked}
    if leaked:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter) -> None:
    """The secrets figure BENCHMARKS.md reports: what was searched for the key, and the hits."""
    files, cells = _state.get("files"), _state.get("searched")
    if files is None or cells is None:
        return
    hits = cells["hits"] + len(files["leaked"])
    terminalreporter.write_line(
        f"secrets: searched {cells['cells']} cells' outputs ({cells['outputs']} outputs) and {files['files']} files "
        f"the notebooks wrote (journal, outputs, sidecars; {files['bytes'] / 1e6:.1f} MB) for the API key: "
        f"{hits} hit(s)")
    for path in files["leaked"]:
        terminalreporter.write_line(f"  the API key was written to: {path}")


def pytest_unconfigure(config) -> None:
    sandbox = _state.pop("sandbox", None)
    if sandbox is None:
        return
    sandbox.close()
    shutil.rmtree(_state.pop("home"), ignore_errors=True)
    before = _state.pop("before")
    for path in sorted(_listing() - before, key=lambda p: len(p.parts), reverse=True):  # files, then folders
        if path.is_dir():
            if not any(path.iterdir()):
                path.rmdir()
        else:
            path.unlink(missing_ok=True)
    if not _state.pop("existed") and OUTPUTS.is_dir() and not any(OUTPUTS.iterdir()):
        OUTPUTS.rmdir()
    for name, value in _state.pop("saved").items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
