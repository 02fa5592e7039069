"""Fixtures for the reliability tests: small input media, a clean working directory, an IPython shell
with %runway loaded. Sandboxes are started by the tests themselves (each wants its own faults)."""

from __future__ import annotations

import pytest
from rel_support import Media


@pytest.fixture(scope="session")
def media(tmp_path_factory) -> Media:
    return Media.make(tmp_path_factory.mktemp("reliability-media"))


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A notebook folder as the working directory; no runway_nb settings inherited from the environment."""
    for name in ("RUNWAYML_API_SECRET", "RUNWAYML_BASE_URL", "RUNWAY_NB_HOME", "RUNWAY_NB_JOURNAL",
                 "RUNWAY_NB_SANDBOX", "RUNWAYML_CUSTOM_HEADERS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def shell_for(workdir, monkeypatch):
    """shell_for(sandbox, time_scale): a real InteractiveShell with %load_ext runway_nb, pointed at it."""
    from IPython.core.interactiveshell import InteractiveShell

    made = []

    def make(sandbox, time_scale: float):
        monkeypatch.setenv("RUNWAYML_BASE_URL", sandbox.base_url)
        monkeypatch.setenv("RUNWAYML_API_SECRET", sandbox.api_key)
        shell = InteractiveShell.instance()
        shell.run_line_magic("unload_ext", "runway_nb")
        shell.config.pop("Runway", None)
        shell.run_line_magic("load_ext", "runway_nb")
        shell.run_line_magic("config", f"Runway.poll_time_scale = {time_scale}")
        shell.run_line_magic("config", "Runway.timeout = 1000000")
        made.append(shell)
        return shell

    yield make
    for shell in made:
        magics = getattr(shell, "_runway_nb_magics", None)
        for r in list(magics.session.results.values()) if magics else ():
            r.done.wait(30)
        shell.run_line_magic("unload_ext", "runway_nb")
        shell.config.pop("Runway", None)
        for name in [n for n in shell.user_ns if not n.startswith("_") and n not in (
                "In", "Out", "exit", "quit", "get_ipython")]:
            shell.user_ns.pop(name, None)


@pytest.fixture
def quiet_logs():
    """runway_nb's warnings about downloads cut short by injected faults are expected in a soak: silence them."""
    import logging

    log = logging.getLogger("runway_nb")
    level = log.level
    log.setLevel(logging.CRITICAL)
    yield
    log.setLevel(level)
