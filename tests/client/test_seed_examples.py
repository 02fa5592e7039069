"""Every Python example of the seed guide, run against a served sandbox with only the import changed.

The examples are parsed out of ../shared/seed/runway-api.txt (beside the repo), not copied, so a change in the guide
shows up here. That text lost its line breaks, so two mechanical repairs restore them: a `# comment`
ends where its line ended (before the next `)`, `]` or `name=`), and the one-line try/except is
laid out on lines again. The only edit that is not mechanical is the error-handling example's
`create(...)` placeholder, which gets the Quick Start's arguments (and, to reach each branch, a
bad ratio, and a 429 storm). Models the guide names as alternatives ("# or ...", the notes) run too,
so every model in the guide's tables runs to SUCCEEDED.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from runway_nb import catalog
from runway_nb.sandbox import FaultProfile, serve

SEED = Path(__file__).resolve().parents[3] / "shared" / "seed" / "runway-api.txt"  # ../shared beside the repo
KEY = "key_SEEDexamples_0a1b2c3d4e5f"
IMPORT = "from runway_nb import RunwayML, APIError, RateLimitError"
STARTS = ("task = client.", "print(", "client.tasks.", "import base64", "with open(", "try:", "reference_images=[")
# A comment in the flattened text runs until the code that followed it on the next line.
COMMENT = re.compile(r"(#[^#\n]*?)(?=\s(?:\)|\]|[A-Za-z_]\w*=(?!=)))")


def _lines() -> list[str]:
    return SEED.read_text(encoding="utf-8").splitlines()


def _relayout(line: str) -> str:
    """Put back the line breaks the guide's text lost."""
    line = COMMENT.sub(lambda m: m.group(1) + "\n", line)
    if line.startswith("try:"):
        for old, new in (("try: ", "try:\n    "), (' if task.status', '\n    if task.status'),
                         (': print(f"Generation', ':\n        print(f"Generation'),
                         (" except RateLimitError: ", "\nexcept RateLimitError:\n    "),
                         (" except APIError as e: ", "\nexcept APIError as e:\n    ")):
            line = line.replace(old, new)
    return line


def examples() -> list[tuple[int, str]]:
    """(line number, code) of every Python example, its statements grouped as the guide shows them."""
    out: list[tuple[int, list[str]]] = []
    setup: list[tuple[int, str]] = []  # statements that prepare the next example (import base64, with open)
    for number, text in enumerate(_lines(), 1):
        if not text.startswith(STARTS):
            continue
        code = _relayout(text)
        if text.startswith(("import base64", "with open(")):
            setup.append((number, code))
        elif text.startswith(("task = client.", "try:", "reference_images=[")):
            out.append((setup[0][0] if setup else number, [c for _, c in setup] + [code]))
            setup = []
        else:  # print(...) and client.tasks.delete(...) belong to the example before them
            out[-1][1].append(code)
    return [(n, "\n".join(code)) for n, code in out]


EXAMPLES = examples()
EXAMPLES_TEXT = "\n".join(code for _, code in EXAMPLES)
QUICK_START_ARGS = re.search(r"create\((.*?)\)\.wait_for_task_output", EXAMPLES[0][1]).group(1)


def _model(code: str) -> str | None:
    found = re.search(r'model="([^"]+)"', code)
    return found.group(1) if found else None


def variants() -> list[tuple[str, str, str]]:
    """(id, code, expectation) for every example, plus the alternatives the guide itself names."""
    out = []
    for number, code in EXAMPLES:
        model = _model(code)
        if code.startswith("try:"):
            good = code.replace("create(...)", f"create({QUICK_START_ARGS})")
            out.append((f"L{number}-ok", good, ""))
            out.append((f"L{number}-400", good.replace('ratio="1280:720"', 'ratio="999:999"'), "API error 400: "))
            out.append((f"L{number}-429", good, "Rate limited - SDK retries automatically"))
            continue
        out.append((f"L{number}-{model or 'fragment'}", code, ""))
        if model == "veo3.1":  # "model="veo3.1", # or "veo3", "veo3.1_fast""
            alternatives = re.findall(r'"([^"]+)"', re.search(r'model="veo3.1", # or (.*)', EXAMPLES_TEXT).group(1))
            for alt in alternatives:
                out.append((f"L{number}-{alt}", code.replace('model="veo3.1"', f'model="{alt}"'), ""))
        if model == "gen4_image" and "reference_images=" in code:  # "gen4_image_turbo requires reference_images"
            out.append((f"L{number}-gen4_image_turbo", code.replace('"gen4_image"', '"gen4_image_turbo"'), ""))
        if model == "gen4_image" and "reference_images=" not in code:  # the table's gemini_2.5_flash, its ratio
            out.append((f"L{number}-gemini_2.5_flash", code.replace('"gen4_image"', '"gemini_2.5_flash"')
                        .replace('"1920:1080"', '"1344:768"'), ""))
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


def test_the_guide_was_parsed():
    assert len(EXAMPLES) == 19
    assert all("wait_for_task_output()" in code or code.startswith("reference_images") for _, code in EXAMPLES)
    compile(EXAMPLES_TEXT, str(SEED), "exec")


def test_every_model_of_the_guide_runs():
    text = SEED.read_text(encoding="utf-8")
    tables = text[text.index("All Available Models"):text.index("1 credit = $0.01")]
    in_guide = set(re.findall(r"^(gen4[\w.]*|veo3[\w.]*|act_two|gemini[\w.]*|eleven_\w+)", tables, re.M))
    assert in_guide == set(catalog.MODELS)
    assert {_model(code) for _, code, _ in VARIANTS} - {None} == in_guide


@pytest.mark.parametrize("code,expected", [v[1:] for v in VARIANTS], ids=[v[0] for v in VARIANTS])
def test_seed_example(served, jpeg_in_cwd, capsys, code, expected):
    if expected.startswith("Rate limited"):
        served.set_faults(FaultProfile("always-429", storm_rate=1.0, storm_length=100, retry_after=0.01))
    namespace: dict = {}
    try:
        exec(compile(f"{IMPORT}\nclient = RunwayML()\n{code}", f"{SEED}:example", "exec"), namespace)
    finally:
        served.set_faults(None)
    printed = capsys.readouterr().out
    assert printed.startswith(expected) if expected else "API error" not in printed
    if code.startswith("reference_images"):  # the guide's fragment, used the way its section describes
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
