"""Fixtures for the %runway tests: one served sandbox, a real InteractiveShell with the extension
loaded fresh per test, a temp cwd (journal and outputs land there), and small media files."""

from __future__ import annotations

import io

import pytest

sandbox_mod = pytest.importorskip("runway_nb.sandbox")
TIME_SCALE = 0.01  # a 30 s task runs in 0.3 s; the magics poll on the same scale


@pytest.fixture(scope="session")
def sandbox():
    with sandbox_mod.serve(time_scale=TIME_SCALE, concurrency=20, daily_limit=100_000, credits=1_000_000) as sb:
        yield sb


@pytest.fixture
def env(sandbox, monkeypatch, tmp_path):
    """The test's environment: a key for the served sandbox, a temp cwd for journal and outputs."""
    monkeypatch.setenv("RUNWAYML_BASE_URL", sandbox.base_url)
    monkeypatch.setenv("RUNWAYML_API_SECRET", sandbox.api_key)
    monkeypatch.delenv("RUNWAY_NB_HOME", raising=False)
    monkeypatch.delenv("RUNWAY_NB_JOURNAL", raising=False)
    monkeypatch.delenv("RUNWAY_NB_SANDBOX", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def ip(env):
    """A real InteractiveShell with %load_ext runway_nb done and the sandbox's pace set."""
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.run_line_magic("unload_ext", "runway_nb")
    shell.config.pop("Runway", None)  # %config persists in the singleton shell: start each test clean
    shell.run_line_magic("load_ext", "runway_nb")
    shell.run_line_magic("config", f"Runway.poll_time_scale = {TIME_SCALE}")
    shell.run_line_magic("config", "Runway.timeout = 6000")  # virtual seconds: 60 s of real time
    yield shell
    for r in list(shell._runway_nb_magics.session.results.values()):
        r.done.wait(30)  # let background finishers end before the temp cwd goes
    shell.run_line_magic("unload_ext", "runway_nb")
    shell.config.pop("Runway", None)
    for name in [n for n in shell.user_ns if not n.startswith("_") and n not in ("In", "Out", "exit", "quit",
                                                                                  "get_ipython")]:
        shell.user_ns.pop(name, None)


@pytest.fixture(scope="session")
def media(tmp_path_factory):
    """A PNG, a 4 s MP4 (act_two's reference must be 3-30 s) and an MP3, made once."""
    from PIL import Image

    from runway_nb.sandbox import synth

    folder = tmp_path_factory.mktemp("media")
    buf = io.BytesIO()
    Image.new("RGB", (320, 240), (200, 80, 40)).save(buf, format="PNG")
    (folder / "face.png").write_bytes(buf.getvalue())
    (folder / "clip.mp4").write_bytes(synth.video(320, 240, 4, seed=1, prompt="a clip"))
    (folder / "speech.mp3").write_bytes(synth.speech("hello there, this is a short test", voice="Maya", seed=1))
    return folder
