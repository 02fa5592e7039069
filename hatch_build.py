"""Builds the widgets' front end (js/ -> runway_nb/static/*.js) whenever a wheel is built.

Used two ways, with one rule for "does the bundle need building":
- by hatchling, as the wheel's build hook (`pip install .`, `pip install -e .`, `python -m build`):
  a clean clone has no bundle (it is not committed), so the wheel would ship widgets without a
  front end;
- by `make` (`python hatch_build.py`), so the bundle follows js/ while you edit it.

The bundle is rebuilt when it is missing or older than anything it is built from (js/src, build.mjs,
package.json, package-lock.json); js/node_modules is (re)installed with `npm ci`, exactly the locked
versions, when it is missing or older than package-lock.json. An sdist carries the built bundle, so a
wheel built from it needs no Node.js. RUNWAY_NB_SKIP_JS=1 skips the front end (a Python-only build:
the widgets then say it is missing, and their text/html fallbacks still work).

Why not hatch-jupyter-builder: its npm_builder runs `npm install` (which may rewrite the lock file),
not `npm ci`, and checks staleness of whole folders; these ~60 lines do exactly our two steps.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def _mtime(paths) -> list[float]:
    return [p.stat().st_mtime for p in paths if p.is_file()]


def bundle_state(root: Path = ROOT) -> str:
    """'missing', 'stale' or 'fresh' for runway_nb/static/*.js against its sources in js/."""
    js, static = root / "js", root / "runway_nb" / "static"
    bundles = _mtime(static.glob("*.js"))
    if not bundles:
        return "missing"
    sources = [*(js / "src").rglob("*"), *(js / n for n in ("build.mjs", "package.json", "package-lock.json"))]
    newest_source = max(_mtime(sources), default=0.0)
    return "stale" if newest_source > min(bundles) else "fresh"


def node_modules_stale(root: Path = ROOT) -> bool:
    """True when js/node_modules is missing or older than the lock file (npm ci writes .package-lock.json)."""
    js = root / "js"
    marker = js / "node_modules" / ".package-lock.json"
    return not marker.is_file() or marker.stat().st_mtime < (js / "package-lock.json").stat().st_mtime


def _run(cmd: list[str], cwd: Path, log: Callable[[str], object]) -> None:
    log(f"runway_nb: {' '.join(cmd)}  (in {cwd})")
    subprocess.run(cmd, cwd=cwd, check=True)


def ensure_bundle(root: Path = ROOT, *, force: bool = False, log: Callable[[str], object] = print) -> str:
    """Build the front end if it needs it; return what was done ('fresh', 'built' or 'kept stale')."""
    state = bundle_state(root)
    if state == "fresh" and not force:
        return "fresh"
    if os.environ.get("RUNWAY_NB_SKIP_JS") == "1":  # a Python-only build: the widgets say the front end is missing
        log(f"runway_nb: RUNWAY_NB_SKIP_JS=1: not building the widget front end (it is {state})")
        return "skipped"
    js = root / "js"
    npm = shutil.which("npm")
    if npm is None or not (js / "package-lock.json").is_file():
        why = "npm is not on PATH" if npm is None else f"{js / 'package-lock.json'} is missing"
        if state == "stale":
            log(f"runway_nb: WARNING: the widget bundle is older than js/ but cannot be rebuilt ({why}); keeping it")
            return "kept stale"
        raise RuntimeError(
            f"runway_nb: the widgets' front end (runway_nb/static/*.js) is not built and cannot be: {why}. "
            "Install Node.js 18+ with npm (https://nodejs.org, or `apt-get install nodejs npm`) and build again.")
    if node_modules_stale(root):
        _run([npm, "ci", "--no-audit", "--no-fund"], js, log)
    _run([npm, "run", "build"], js, log)
    if bundle_state(root) != "fresh":
        raise RuntimeError("runway_nb: `npm run build` finished but runway_nb/static/*.js is still missing or old")
    return "built"


if __name__ == "__main__":
    # `python hatch_build.py [--force]`: what make runs before anything that uses the widgets.
    print(f"runway_nb front end: {ensure_bundle(force='--force' in sys.argv)}")
else:
    from hatchling.builders.hooks.plugin.interface import BuildHookInterface

    class JSBundleHook(BuildHookInterface):
        """Runs before the sdist or a wheel (standard or editable) is assembled."""

        PLUGIN_NAME = "custom"

        def initialize(self, version: str, build_data: dict) -> None:
            ensure_bundle(Path(self.root), log=self.app.display_info)
