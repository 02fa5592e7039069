"""Drive JupyterLab / Notebook 7 in Debian's Chromium: the server, the browser, an open notebook.

Shared by tests/browser/ (the dev venv's JupyterLab) and tests/packaging/ (the JupyterLab of a fresh venv
holding the installed wheel): a server with the token off on a free loopback port and its own config,
data, runtime and IPython dirs; Chromium launched with the flags DESIGN.md gives; waits on state the page
shows (kernel idle, every cell executed), never fixed sleeps. Importable because tests/ is on sys.path
(tests/conftest.py lives there).
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[1]
BROWSER_ARTIFACTS = REPO / "test-artifacts" / "browser"
CHROMIUM = "/usr/bin/chromium"
# From DESIGN.md: without the background-networking flags Chromium keeps dialling Google's hosts,
# which this machine's closed network refuses.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SERVER_START_TIMEOUT = 90  # s: a cold JupyterLab on 2 busy cores
PAGE_TIMEOUT_MS = 60_000
KERNEL_TIMEOUT_MS = 120_000  # run-all of a notebook whose cells wait for sandbox tasks


def missing(what: str, make_target: str = "browser-test") -> None:
    """Skip a test whose tool is missing; with CI set, fail it (CI installs everything it runs)."""
    message = f"{what} (run `make {make_target}`, which installs it)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def artifact_name(name: str) -> str:
    return re.sub(r"[^\w.-]+", "_", name).strip("_")


def screenshot(page, name: str, locator=None, folder: Path = BROWSER_ARTIFACTS) -> Path:
    """Save a PNG under `folder` (test-artifacts/browser/ by default), of one element when a locator is given."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{artifact_name(name)}.png"
    (locator or page).screenshot(path=str(path))
    return path


# -- servers ---------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class JupyterServer:
    """`jupyter lab` or `jupyter notebook` (7) in a subprocess, token off, on a free loopback port.

    `python` names the environment: its bin/jupyter runs the server, its bin/ leads PATH, and kernels run
    on it. `env` is laid over this process's environment; a None value removes that variable; a PATH in
    it replaces this process's PATH (after the environment's bin/).
    """

    def __init__(self, app: str, root_dir: Path, home: Path, env: Mapping[str, str | None], *,
                 python: str | Path = sys.executable, artifacts: Path = BROWSER_ARTIFACTS,
                 launcher: list[str] | None = None) -> None:
        self.app = app  # "lab" or "notebook"
        self.root_dir = root_dir
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.artifacts = artifacts
        self.log_path = artifacts / f"server-{app}-{self.port}.log"
        bin_dir = Path(python).parent
        # Own config, data, runtime and settings dirs: no user settings, kernelspecs or workspaces leak in.
        for sub in ("config", "data", "runtime", "ipython"):
            (home / sub).mkdir(parents=True, exist_ok=True)
        _quiet_settings(home / "config" / "lab" / "user-settings")
        merged = {
            **os.environ, **env,
            "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_DATA_DIR": str(home / "data"),
            "JUPYTER_RUNTIME_DIR": str(home / "runtime"), "IPYTHONDIR": str(home / "ipython"),
            "JUPYTER_PLATFORM_DIRS": "1",
            "PATH": f"{bin_dir}{os.pathsep}{env.get('PATH') or os.environ.get('PATH', '')}",
        }
        self.env = {k: v for k, v in merged.items() if v is not None}
        app_class = {"lab": "LabApp", "notebook": "JupyterNotebookApp"}[app]
        # `launcher` replaces `jupyter <app>`: e.g. scripts/lab.sh, which `make lab` runs.
        self.cmd = [
            *(launcher or [str(bin_dir / "jupyter"), app]), "--no-browser", "--allow-root",
            "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
            "--ServerApp.token=", "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True",
            *([f"--ServerApp.root_dir={root_dir}"] if launcher is None else []),  # a launcher picks its own
            # window.jupyterapp: the tests run cells through the app's own commands, not menus.
            f"--{app_class}.expose_app_in_browser=True",
        ]
        if app == "lab":  # no news feed or update check: there is no network to ask
            self.cmd += ["--LabApp.news_url=None",
                         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
        self.proc: subprocess.Popen | None = None

    def start(self) -> JupyterServer:
        self.artifacts.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("wb")
        self.proc = subprocess.Popen(self.cmd, cwd=self.root_dir, env=self.env, stdout=log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter {self.app} exited ({self.proc.returncode}):\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.base_url}/api/status", timeout=2).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.2)  # polling a server that is starting, not waiting on the page
        self.stop()
        raise RuntimeError(f"jupyter {self.app} did not answer in {SERVER_START_TIMEOUT} s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()  # the server shuts its kernels down on SIGTERM
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, 9)
            self.proc.wait(5)

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def notebook_url(self, path: str) -> str:
        """A fresh page for one notebook: a unique lab workspace, or Notebook 7's single-document page."""
        if self.app == "lab":
            return f"{self.base_url}/lab/workspaces/t{uuid.uuid4().hex[:12]}/tree/{path}?reset"
        return f"{self.base_url}/notebooks/{path}"


def _quiet_settings(settings_dir: Path) -> None:
    """No news toast, no update check, no autosave; every cell kept in the DOM (no windowing) so waits
    see them all."""
    files = {
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
            {"fetchNews": "false", "checkForUpdates": False, "doNotDisturbMode": True},
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
        # Never write a notebook back: a test may run the repository's own notebooks in place.
        "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    }
    for name, value in files.items():
        path = settings_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value))


# -- the browser -----------------------------------------------------------------------------------
@contextmanager
def launch_chromium(make_target: str = "browser-test") -> Iterator:
    """Debian's Chromium, headless. Playwright gives every launch a fresh temporary user-data dir."""
    if not os.path.exists(CHROMIUM):
        missing(f"{CHROMIUM} is missing (Debian package chromium)", make_target)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("the playwright Python package is not installed", make_target)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser, *, width: int = 1280, height: int = 900):
    """A page in a new browser context; `page.console_log` collects its console lines and page errors."""
    context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1)
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(f"[{m.type}] {m.text}"))
    page.on("pageerror", lambda e: console.append(f"[pageerror] {e}\n{e.stack or ''}"))
    page.console_log = console
    return page


# -- an open notebook ------------------------------------------------------------------------------
_CURRENT_NOTEBOOK = """() => {
  const app = window.jupyterapp;
  const w = app && app.shell.currentWidget;
  return w && w.content && w.content.model && w.sessionContext ? w : null;
}"""


class NotebookPage:
    """One notebook open in JupyterLab or Notebook 7, with waits on what the page shows."""

    def __init__(self, page, server: JupyterServer, path: str) -> None:
        self.page, self.server, self.path = page, server, path

    def open(self) -> NotebookPage:
        self.page.goto(self.server.notebook_url(self.path))
        self.page.locator(".jp-Notebook .jp-Cell").first.wait_for(state="visible")
        self.wait_for_kernel_idle()
        return self

    def wait_for_kernel_idle(self, timeout: float = KERNEL_TIMEOUT_MS) -> None:
        """The notebook's kernel is connected and idle, as the page's kernel indicator says."""
        self.page.wait_for_function(
            f"""() => {{
              const w = ({_CURRENT_NOTEBOOK})();
              const kernel = w && w.sessionContext.session && w.sessionContext.session.kernel;
              return !!kernel && kernel.connectionStatus === 'connected' && kernel.status === 'idle';
            }}""", timeout=timeout)

    def run_all(self, timeout: float = KERNEL_TIMEOUT_MS) -> None:
        """Run every cell (the app's own command), then wait until each code cell has run and the kernel is idle."""
        self.page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        self.page.wait_for_function(
            f"""() => {{
              const w = ({_CURRENT_NOTEBOOK})();
              if (!w) return false;
              const cells = Array.from(w.content.model.cells).filter(c => c.type === 'code');
              const kernel = w.sessionContext.session && w.sessionContext.session.kernel;
              const prompts = Array.from(document.querySelectorAll('.jp-Notebook .jp-InputPrompt'))
                .map(p => p.textContent.trim());
              return cells.every(c => c.executionCount !== null)
                && !prompts.some(p => p.includes('*'))
                && !!kernel && kernel.status === 'idle';
            }}""", timeout=timeout)

    def run_cell(self, tag: str, timeout: float = KERNEL_TIMEOUT_MS):
        """Run the one code cell tagged `tag` (its metadata tags) with the app's own command; wait until
        it has executed (a new execution count) and the kernel is idle. Returns the cell's locator."""
        index = self.cell_index(tag)
        self.page.evaluate(
            f"""(i) => {{
              const w = ({_CURRENT_NOTEBOOK})();
              window.__rnbBefore = w.content.model.cells.get(i).executionCount;
              w.content.activeCellIndex = i;
              w.content.deselectAll();
              window.jupyterapp.commands.execute('notebook:run-cell');
            }}""", index)
        self.page.wait_for_function(
            f"""(i) => {{
              const w = ({_CURRENT_NOTEBOOK})();
              const count = w.content.model.cells.get(i).executionCount;
              const kernel = w.sessionContext.session && w.sessionContext.session.kernel;
              return count !== null && count !== window.__rnbBefore && !!kernel && kernel.status === 'idle';
            }}""", arg=index, timeout=timeout)
        return self.cell(tag)

    def cell_index(self, tag: str) -> int:
        """The index of the one cell tagged `tag` (its metadata tags)."""
        return self.page.evaluate(
            f"""(tag) => {{
              const w = ({_CURRENT_NOTEBOOK})();
              const i = Array.from(w.content.model.cells).findIndex(c => (c.getMetadata('tags') || []).includes(tag));
              if (i < 0) throw new Error(`no cell tagged ${{tag}}`);
              return i;
            }}""", tag)

    def cell(self, tag: str):
        """The locator of the cell tagged `tag`."""
        return self.page.locator(".jp-Notebook .jp-Cell").nth(self.cell_index(tag))

    def outputs(self, tag: str) -> list[dict]:
        """The cell's outputs as nbformat JSON (streams, display data, errors), from the page's model."""
        return self.page.evaluate(
            f"""(i) => ({_CURRENT_NOTEBOOK})().content.model.cells.get(i).outputs.toJSON()""", self.cell_index(tag))

    def save(self) -> None:
        """Save the notebook (the app's save command) and wait until the page says it is saved."""
        self.page.evaluate("async () => { await window.jupyterapp.commands.execute('docmanager:save'); }")
        self.page.wait_for_function(
            f"() => {{ const w = ({_CURRENT_NOTEBOOK})(); return !!w && !w.context.model.dirty; }}")

    def errors(self) -> list[str]:
        """Error outputs of the notebook's cells, as 'ename: evalue'."""
        return self.page.evaluate(
            f"""() => {{
              const w = ({_CURRENT_NOTEBOOK})();
              const found = [];
              for (const cell of w.content.model.cells) {{
                if (cell.type !== 'code') continue;
                for (const o of cell.outputs.toJSON())
                  if (o.output_type === 'error') found.push(`${{o.ename}}: ${{o.evalue}}`);
              }}
              return found;
            }}""")

    def widget_failures(self) -> list[str]:
        """Widget outputs the page could not show ("Error displaying widget", "model not found")."""
        text = self.page.locator(".jp-Notebook").inner_text()
        return [m for m in ("Error displaying widget", "Model not found", "model not found") if m in text]

    def testid(self, testid: str):
        """A widget's own DOM marker (data-testid) inside the notebook."""
        return self.page.locator(f".jp-Notebook [data-testid='{testid}']")

    def screenshot(self, name: str, locator=None) -> Path:
        """A PNG in the server's artifacts folder."""
        return screenshot(self.page, name, locator, folder=self.server.artifacts)
