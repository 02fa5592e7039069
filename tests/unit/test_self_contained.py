"""The repository stands alone: a user's clone has nothing beside it, so nothing may read outside it.

The proof is the real thing: the tracked files are copied into a folder with nothing beside them, and
the whole suite is collected there (a test module that reads a missing file fails at collection),
then the seed guide's examples run there against the sandbox.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CODE = re.compile(r"(\.py|\.sh|\.ts|\.js|\.toml|\.cfg|\.ipynb|\.json|Makefile|/run)$")
OUTSIDE = re.compile(r"\.\./shared|/work/(main|shared)|parents\[[3-9]\]")


def _tracked() -> list[str]:
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    return [p for p in out.decode().split("\0") if p and (ROOT / p).is_file()]


@pytest.fixture(scope="module")
def alone(tmp_path_factory) -> Path:
    """A copy of the tracked tree, alone in an empty folder (the bundle is built, so it comes too)."""
    repo = tmp_path_factory.mktemp("alone") / "repo"
    for rel in _tracked() + [str(p.relative_to(ROOT)) for p in (ROOT / "runway_nb" / "static").glob("*.js")]:
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, repo / rel)
    assert sorted(p.name for p in repo.parent.iterdir()) == ["repo"]
    return repo


def _pytest(repo: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RUNWAY", "PYTEST"))}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-o", "addopts=", *args], cwd=repo,
                          env=env, capture_output=True, text=True, timeout=600)


def test_no_code_names_a_path_outside_the_repo():
    hits = [f"{rel}:{n}: {line.strip()}" for rel in _tracked() if CODE.search(rel)
            for n, line in enumerate((ROOT / rel).read_text(errors="replace").splitlines(), 1)
            if OUTSIDE.search(line) and rel != "tests/unit/test_self_contained.py"]
    assert hits == []


def test_the_whole_suite_collects_from_a_lone_copy(alone):
    run = _pytest(alone, "--collect-only", "-q", "tests", "notebooks", "--nbval-lax")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    collected = re.search(r"(\d+) tests? collected", run.stdout)
    assert collected and int(collected.group(1)) > 1000, run.stdout[-500:]
    assert "error" not in run.stdout.lower().split("collected")[-1]


def test_the_seed_examples_run_from_a_lone_copy(alone):
    run = _pytest(alone, "-q", "tests/client/test_seed_examples.py", "-k", "quick or model or code")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    imported = subprocess.run([sys.executable, "-c", "import runway_nb; print(runway_nb.__file__)"],
                              cwd=alone, capture_output=True, text=True, check=True).stdout
    assert imported.startswith(str(alone))  # the copy's package ran, not the checkout's
    assert re.search(r"\b[3-9] passed", run.stdout), run.stdout[-500:]
