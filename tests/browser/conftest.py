"""Browser tests: JupyterLab and Notebook 7 started by the test, Debian's Chromium driven by Playwright.

The pattern of pytest-ipywidgets and lonboard: a server with the token off on a free port, serving a
temporary copy of tests/browser/notebooks/; a unique workspace URL per test (no state carried from
one test to the next); waits on state the page shows (kernel idle, every cell executed, a widget's
own data-testid), never fixed sleeps. Kernels talk to a sandbox this session serves (the server's
environment points RUNWAYML_BASE_URL / RUNWAYML_API_SECRET at it), so nothing leaves the machine.
The server, the browser and the notebook helpers live in tests/lab_driver.py, which
tests/packaging/test_wheel.py shares to render the installed wheel.

Outside CI a missing browser or JupyterLab skips these tests (`make browser-test` installs both);
with CI set, it fails them.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from lab_driver import (
    BROWSER_ARTIFACTS,
    JupyterServer,
    NotebookPage,
    artifact_name,
    launch_chromium,
    missing,
    new_page,
)

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
ARTIFACTS = BROWSER_ARTIFACTS
SANDBOX_TIME_SCALE = 0.01  # the session's sandbox: a 5 s gen4.5 video in well under a second


@pytest.fixture(scope="session", autouse=True)
def _fresh_artifacts() -> None:
    """Screenshots, console logs and server logs of this run only."""
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)


# -- servers ---------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def sandbox_env() -> Iterator[dict[str, str]]:
    """A sandbox served for the whole session; kernels reach it through the server's environment.
    RUNWAY_NB_TIME_SCALE says how fast it runs, so a notebook can poll it on its own clock
    (`RunwayML(clock=ScaledClock(scale))`) rather than at the real service's pace."""
    from runway_nb import sandbox

    with sandbox.serve(time_scale=SANDBOX_TIME_SCALE) as sb:
        yield {"RUNWAYML_BASE_URL": sb.base_url, "RUNWAYML_API_SECRET": sb.api_key,
               "RUNWAY_NB_TIME_SCALE": str(SANDBOX_TIME_SCALE)}


@pytest.fixture(scope="session")
def notebook_dir(tmp_path_factory) -> Path:
    """The servers' root: a temporary copy of tests/browser/notebooks/, with the example notebooks
    (notebooks/) under examples/. Kernels write runway_outputs/ and .runway/ there, not in the tree."""
    root = tmp_path_factory.mktemp("notebooks")
    shutil.copytree(HERE / "notebooks", root, dirs_exist_ok=True)
    if (REPO / "notebooks").is_dir():
        shutil.copytree(REPO / "notebooks", root / "examples", ignore=shutil.ignore_patterns(
            "runway_outputs", ".runway", ".ipynb_checkpoints", "conftest.py", "__pycache__"))
    return root


def _server(app: str, notebook_dir: Path, sandbox_env: dict, tmp_path_factory) -> Iterator[JupyterServer]:
    try:
        __import__({"lab": "jupyterlab", "notebook": "notebook"}[app])
    except ImportError:
        missing(f"the {app} package is not installed")
    server = JupyterServer(app, notebook_dir, tmp_path_factory.mktemp(f"jupyter-{app}"), sandbox_env).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def lab_server(notebook_dir, sandbox_env, tmp_path_factory) -> Iterator[JupyterServer]:
    yield from _server("lab", notebook_dir, sandbox_env, tmp_path_factory)


@pytest.fixture(scope="session")
def notebook_server(notebook_dir, sandbox_env, tmp_path_factory) -> Iterator[JupyterServer]:
    yield from _server("notebook", notebook_dir, sandbox_env, tmp_path_factory)


# -- the browser -----------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, for the whole session."""
    with launch_chromium() as browser:
        yield browser


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def page(browser, request):
    """A new browser context and page per test; on failure a screenshot and the console log are kept."""
    page = new_page(browser)
    yield page
    name = artifact_name(request.node.name)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{name}.console.txt").write_text("\n".join(page.console_log) + "\n")
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        try:
            page.screenshot(path=str(ARTIFACTS / f"{name}.FAILED.png"), full_page=True)
        except Exception:  # the page may be gone; the test's own error matters more
            pass
    page.context.close()


@pytest.fixture
def open_notebook(page):
    """open_notebook(server, "smoke.ipynb") -> NotebookPage, opened and with its kernel idle."""
    return lambda server, path: NotebookPage(page, server, path).open()
