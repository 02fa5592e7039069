"""The wheel built from a clean checkout carries the widgets' front end, and an installed widget loads it.

A clean checkout has no runway_nb/static/*.js and no js/node_modules (neither is committed), so this
exercises the build hook (hatch_build.py: npm ci + npm run build) the way `pip install .` does on a
fresh clone. The wheel then goes into a fresh venv with its dependencies from PyPI, and each widget's
_esm must be the bundled file inside that venv's site-packages.
(Rendering that installed wheel in a browser is left to a later browser test.)
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

REPO = Path(__file__).resolve().parents[2]
WIDGETS = {"TaskView": "task_view", "Player": "player", "GenerateForm": "form", "Gallery": "gallery"}
# What a clone would not have: build products (the bundle among them), installs, caches and local state.
_NOT_IN_A_CLONE = shutil.ignore_patterns(".git", ".venv", "node_modules", "dist", "build", "*.egg-info", "__pycache__",
                                         ".pytest_cache", ".ruff_cache", ".hypothesis", "test-artifacts", ".runway",
                                         "runway_outputs", ".ipynb_checkpoints")


def _not_in_a_clone(folder: str, names: list[str]) -> set[str]:
    bundles = {n for n in names if n.endswith(".js")} if Path(folder) == REPO / "runway_nb" / "static" else set()
    return set(_NOT_IN_A_CLONE(folder, names)) | bundles


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


def test_an_installed_wheel_gives_widgets_their_bundled_front_end(wheel, tmp_path):
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)])
    python = venv / "bin" / "python"
    _run([str(python), "-m", "pip", "install", "-q", str(wheel)])
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
