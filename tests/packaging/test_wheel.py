"""The wheel built from a clean checkout carries the widgets' front end, and its widgets render once installed.

A clean checkout has no runway_nb/static/*.js and no js/node_modules (neither is committed), so this
exercises the build hook (hatch_build.py: npm ci + npm run build) the way `pip install .` does on a
fresh clone. The wheel then goes into a fresh venv with its `lab` extra, its dependencies from the
package index: what `pip install runway_nb[lab]` gives a user. In that venv each widget's _esm must be
the bundled file inside site-packages, and the venv's own JupyterLab, opened in Debian's Chromium
(tests/lab_driver.py, shared with tests/browser/), must run a notebook that imports runway_nb from
site-packages, generates an image with the embedded sandbox and shows the widgets.

Node.js is needed only to build the wheel. The install and the JupyterLab that renders the widgets run
with a PATH from which node, npm and their kin are gone (the venv's bin/ and a folder of links to every
other tool on this machine's PATH), as on a user's machine without Node.js.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from lab_driver import JupyterServer, NotebookPage, launch_chromium, new_page

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "packaging"
TIME_SCALE = 0.01  # the kernel's embedded sandbox: an image task ends in a fraction of a second
IMAGE_LOADED = "img => img.complete && img.naturalWidth > 0"
WIDGETS = {"TaskView": "task_view", "Player": "player", "GenerateForm": "form", "Gallery": "gallery"}
# What a clone would not have: build products (the bundle among them), installs, caches and local state.
_NOT_IN_A_CLONE = shutil.ignore_patterns(".git", ".venv", "node_modules", "dist", "build", "*.egg-info", "__pycache__",
                                         ".pytest_cache", ".ruff_cache", ".hypothesis", "test-artifacts", ".runway",
                                         "runway_outputs", ".ipynb_checkpoints")


def _not_in_a_clone(folder: str, names: list[str]) -> set[str]:
    bundles = {n for n in names if n.endswith(".js")} if Path(folder) == REPO / "runway_nb" / "static" else set()
    return set(_NOT_IN_A_CLONE(folder, names)) | bundles


NODE_TOOLS = {"node", "nodejs", "npm", "npx", "corepack", "yarn", "yarnpkg", "pnpm", "pnpx"}


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    result = subprocess.run(cmd, capture_output=True, text=True, **kw)
    assert result.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def _clean_copy(dest: Path) -> Path:
    """The tree as a fresh clone has it: git's tracked and untracked-but-not-ignored files."""
    if (REPO / ".git").exists() and shutil.which("git"):
        listed = _run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO).stdout
        for name in filter(None, listed.split("\0")):
            src = REPO / name
            if src.is_file():
                (dest / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dest / name)
    else:  # not a git checkout (an unpacked sdist, a plain copy): leave out what a clone would not have
        shutil.copytree(REPO, dest, ignore=_not_in_a_clone, dirs_exist_ok=True)
    return dest


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    if shutil.which("npm") is None:
        (pytest.fail if os.environ.get("CI") else pytest.skip)("npm is needed to build the front end")
    tree = _clean_copy(tmp_path_factory.mktemp("clone"))
    assert not list((tree / "runway_nb" / "static").glob("*.js")), "the copy should start without a bundle"
    assert not (tree / "js" / "node_modules").exists()
    dist = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(tree)])
    [whl] = dist.glob("runway_nb-*.whl")
    return whl


def test_the_wheel_carries_one_bundle_per_widget_and_no_sources(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for bundle in WIDGETS.values():
        assert f"runway_nb/static/{bundle}.js" in names
    assert not [n for n in names if n.startswith(("js/", "tests/")) or n.endswith((".ts", "hatch_build.py"))]


@pytest.fixture(scope="module")
def no_node_path(tmp_path_factory) -> str:
    """A PATH holding every tool of this process's PATH except Node.js and its package managers: one folder
    of links (the first of each name, as the shell would find it)."""
    tools = tmp_path_factory.mktemp("bin-without-node")
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        if not os.path.isdir(folder):
            continue
        for entry in os.scandir(folder):
            link = tools / entry.name
            if entry.name in NODE_TOOLS or link.exists() or link.is_symlink():
                continue
            if entry.is_file() and os.access(entry.path, os.X_OK):
                link.symlink_to(entry.path)
    path = str(tools)
    assert shutil.which("python3", path=path), "the links should hold the usual tools"
    assert not [t for t in NODE_TOOLS if shutil.which(t, path=path)]
    return path


@pytest.fixture(scope="module")
def installed(wheel, no_node_path, tmp_path_factory) -> Path:
    """A fresh venv holding the wheel with its `lab` extra (jupyterlab, notebook, ipywidgets), every
    dependency from the package index: what `pip install runway_nb[lab]` gives a user. Installed with no
    Node.js on PATH."""
    venv = tmp_path_factory.mktemp("venv")
    _run([sys.executable, "-m", "venv", str(venv)])
    env = {**os.environ, "PATH": f"{venv / 'bin'}{os.pathsep}{no_node_path}"}
    _run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", f"{wheel}[lab]"], env=env)
    return venv


def test_an_installed_wheel_gives_widgets_their_bundled_front_end(installed, tmp_path):
    venv, python = installed, installed / "bin" / "python"
    check = textwrap.dedent(f"""
        import json, pathlib
        import runway_nb, runway_nb.widgets as widgets
        static = pathlib.Path(runway_nb.__file__).parent / "static"
        found = {{}}
        for cls, bundle in {WIDGETS!r}.items():
            esm = getattr(widgets, cls).__dict__["_esm"]  # anywidget's FileContents for a path
            found[cls] = {{"path": str(getattr(esm, "_path", "")), "expected": str(static / (bundle + ".js")),
                          "text_matches": str(esm) == (static / (bundle + ".js")).read_text()}}
        print(json.dumps({{"package": runway_nb.__file__, "widgets": found}}))
    """)
    report = json.loads(_run([str(python), "-c", check], cwd=tmp_path).stdout)
    assert Path(report["package"]).is_relative_to(venv), "imported the project tree, not the installed wheel"
    for cls, seen in report["widgets"].items():
        assert seen["path"] == seen["expected"], f"{cls}._esm is not the bundled file: {seen}"
        assert "site-packages" in Path(seen["path"]).parts
        assert seen["text_matches"], f"{cls}._esm does not read the bundled module"


# -- the installed wheel in a browser ----------------------------------------------------------------
def _code(tag: str, source: str) -> dict:
    return {"cell_type": "code", "id": tag, "metadata": {"tags": [tag]}, "execution_count": None, "outputs": [],
            "source": textwrap.dedent(source).strip()}


# Imports runway_nb from the kernel's environment (the fresh venv), then a form and a finished image
# from the sandbox the client starts for itself when no RUNWAYML_API_SECRET is set.
WHEEL_NOTEBOOK = {
    "nbformat": 4, "nbformat_minor": 5,
    "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    "cells": [
        _code("where", """
            import json, shutil, sys
            import runway_nb
            print(json.dumps({"runway_nb": runway_nb.__file__, "python": sys.executable,
                              "node": [shutil.which(t) for t in ("node", "nodejs", "npm", "npx")]}))
        """),
        _code("form", """
            import os
            from runway_nb import RunwayML
            from runway_nb.clock import ScaledClock
            from runway_nb.widgets import GenerateForm, show

            # The embedded sandbox runs RUNWAY_NB_TIME_SCALE times real time; the client polls on that clock.
            client = RunwayML(clock=ScaledClock(float(os.environ["RUNWAY_NB_TIME_SCALE"])))
            GenerateForm(client, model="gen4_image")
        """),
        _code("image", """
            task = client.text_to_image.create(model="gen4_image", prompt_text="a lighthouse at dusk",
                                               ratio="1280:720", seed=7)
            view = show(task, swap=False)  # kept live to the end: the view becomes the player
            assert view.ended.wait(60), "the image task did not end"
        """),
    ],
}


@pytest.fixture(scope="module", autouse=True)
def _fresh_artifacts() -> None:
    """Screenshots, console logs and server logs of this run only."""
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)


@pytest.fixture(scope="module")
def chromium():
    """Debian's Chromium (missing: skipped, or failed with CI set)."""
    with launch_chromium("packaging-test") as browser:
        yield browser


@pytest.fixture
def wheel_lab(installed, no_node_path, tmp_path):
    """The fresh venv's own `jupyter lab` on a folder holding WHEEL_NOTEBOOK, with no Node.js on its PATH
    (nor its kernels'). No Runway key or URL in its environment, so the kernel's client starts the sandbox
    embedded in the installed package."""
    root = tmp_path / "notebooks"
    root.mkdir()
    (root / "wheel.ipynb").write_text(json.dumps(WHEEL_NOTEBOOK, indent=1))
    env = {name: None for name in ("RUNWAYML_API_SECRET", "RUNWAYML_BASE_URL", "RUNWAY_NB_SANDBOX",
                                   "RUNWAY_NB_HOME", "PYTHONPATH", "PYTHONHOME", "JUPYTER_PATH")}
    env |= {"VIRTUAL_ENV": str(installed), "RUNWAY_NB_TIME_SCALE": str(TIME_SCALE), "PATH": no_node_path}
    server = JupyterServer("lab", root, tmp_path / "jupyter", env, python=installed / "bin" / "python",
                           artifacts=ARTIFACTS).start()
    try:
        yield server
    finally:
        server.stop()


def test_the_installed_wheel_renders_its_widgets_in_jupyterlab(chromium, wheel_lab, installed):
    site_packages = Path(_run([str(installed / "bin" / "python"), "-c",
                               "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    page = new_page(chromium, height=1800)  # tall: the whole notebook in one screenshot
    try:
        nb = NotebookPage(page, wheel_lab, "wheel.ipynb").open()
        nb.run_all()
        assert nb.errors() == []

        # The kernel is the venv's Python and imported the installed package, not a source tree.
        printed = "".join(o["text"] for o in nb.outputs("where") if o.get("name") == "stdout")
        where = json.loads(printed)
        assert Path(where["python"]).is_relative_to(installed), where
        assert Path(where["runway_nb"]).is_relative_to(site_packages), where
        assert not Path(where["runway_nb"]).resolve().is_relative_to(REPO), where
        assert where["node"] == [None] * 4, where  # the kernel (and the server that started it) had no Node.js
        # ... and, with no key in its environment, its client said it started its own sandbox.
        warned = "".join(o["text"] for o in nb.outputs("form") if o.get("name") == "stderr")
        assert "local sandbox" in warned, nb.outputs("form")

        # The widgets drew their own DOM: the form, and the task view turned player with the image loaded.
        nb.testid("rnb-form").wait_for(state="visible")
        view = page.locator(".jp-Notebook [data-testid='rnb-task-view'][data-status='SUCCEEDED']")
        view.wait_for(state="visible")
        image = view.locator("[data-testid='rnb-player'] img")
        image.wait_for(state="attached")
        page.wait_for_function(IMAGE_LOADED, arg=image.element_handle())
        assert image.evaluate("img => img.naturalWidth") > 0
        assert nb.widget_failures() == []
        assert not [line for line in page.console_log if line.startswith("[pageerror]")]
        # The server had no Node.js either (its build check says so) and asked for no build: the widgets'
        # front end came prebuilt in the wheel.
        log = wheel_lab.log_tail(400)
        assert "build status without nodejs" in log, log
        assert "Build recommended" not in log, log

        nb.screenshot("lab_installed_wheel")
        view.scroll_into_view_if_needed()
        nb.screenshot("lab_installed_wheel_player", view)
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "lab_installed_wheel.FAILED.png"), full_page=True)
        raise
    finally:
        (ARTIFACTS / "lab_installed_wheel.console.txt").write_text("\n".join(page.console_log) + "\n")
        page.context.close()
