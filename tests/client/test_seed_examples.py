"""Every Python example of the seed guide, run against a served sandbox with only the import changed.

The examples live in tests/client/seed_examples.py (the guide's calls as test data; the repository
reads nothing outside itself). The only edit that is not the guide's own is the error-handling
example's `create(...)` placeholder, which gets the Quick Start's arguments (and, to reach each
branch, a bad ratio, and a 429 storm). Models the guide names as alternatives run too, so every
model in the guide's tables runs to SUCCEEDED.
"""

from __future__ import annotations

import re

import pytest
from seed_examples import ALTERNATIVES, EXAMPLES, GUIDE_MODELS

from runway_nb import catalog
from runway_nb.sandbox import FaultProfile, serve

KEY = "key_SEEDexamples_0a1b2c3d4e5f"
IMPORT = "from runway_nb import RunwayML, APIError, RateLimitError"
BY_NAME = {e.name: e.code for e in EXAMPLES}
QUICK_START_ARGS = re.search(r"create\((.*?)\)\.wait_for_task_output", EXAMPLES[0].code, re.S).group(1)


def _model(code: str) -> str | None:
    found = re.search(r'model="([^"]+)"', code)
    return found.group(1) if found else None


def variants() -> list[tuple[str, str, str]]:
    """(id, code, expected start of what it prints) for every example and every alternative."""
    out = []
    for name, code in EXAMPLES:
        if "create(...)" in code:
            good = code.replace("create(...)", f"create({QUICK_START_ARGS})")
            out.append((f"{name}: ok", good, ""))
            out.append((f"{name}: 400", good.replace('ratio="1280:720"', 'ratio="999:999"'), "API error 400: "))
            out.append((f"{name}: 429", good, "Rate limited - SDK retries automatically"))
        else:
            out.append((name, code, ""))
    for name, model, edits in ALTERNATIVES:
        code = BY_NAME[name].replace(f'model="{_model(BY_NAME[name])}"', f'model="{model}"')
        for old, new in edits.items():
            code = code.replace(old, new)
        out.append((f"{name}: {model}", code, ""))
    return out


VARIANTS = variants()


@pytest.fixture(scope="module")
def served():
    with pytest.MonkeyPatch.context() as env, serve(api_key=KEY, time_scale=0.002) as sb:
        env.setenv("RUNWAYML_BASE_URL", sb.base_url)
        env.setenv("RUNWAYML_API_SECRET", sb.api_key)
        yield sb


@pytest.fixture
def jpeg_in_cwd(tmp_path, monkeypatch):
    from PIL import Image

    monkeypatch.chdir(tmp_path)
    Image.new("RGB", (320, 240), (30, 90, 160)).save("image.jpg", format="JPEG")


def test_the_examples_are_code():
    assert len(EXAMPLES) == 19
    for name, code in EXAMPLES:
        compile(f"{IMPORT}\n{code}", name, "exec")


def test_every_model_of_the_guide_runs():
    assert GUIDE_MODELS <= set(catalog.MODELS)
    assert {_model(code) for _, code, _ in VARIANTS} - {None} == GUIDE_MODELS


@pytest.mark.parametrize("code,expected", [v[1:] for v in VARIANTS], ids=[v[0] for v in VARIANTS])
def test_seed_example(served, jpeg_in_cwd, capsys, code, expected):
    if expected.startswith("Rate limited"):
        served.set_faults(FaultProfile("always-429", storm_rate=1.0, storm_length=100, retry_after=0.01))
    namespace: dict = {}
    try:
        exec(compile(f"{IMPORT}\nclient = RunwayML()\n{code}", "seed-example", "exec"), namespace)
    finally:
        served.set_faults(None)
    printed = capsys.readouterr().out
    assert printed.startswith(expected) if expected else "API error" not in printed
    if "reference_images = [" in code:  # the guide's fragment, used the way its section describes
        task = namespace["client"].text_to_image.create(
            model="gen4_image", ratio="1920:1080", prompt_text="@subject in the style of the reference",
            reference_images=namespace["reference_images"]).wait_for_task_output()
        assert task.status == "SUCCEEDED"
    elif not expected:
        task = namespace["task"]
        assert task.status == "SUCCEEDED" and task.output and task.output[0].startswith(served.base_url)
        if "Video URL" in code:
            assert printed == f"Video URL: {task.output[0]}\n"
    namespace["client"].close()
