"""README.md is a promise to a newcomer: its client example runs, and its price table is the catalog's."""

import re
import sys
from pathlib import Path

import pytest

from runway_nb import catalog
from runway_nb.catalog import api

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import model_table  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def _section(title: str) -> str:
    return README.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def test_price_table_lists_every_model_at_its_catalog_price():
    rows = re.findall(r"^\| `([^`]+)` \| (\w+) \| ([^|]+) \| ([^|]+) \|$", _section("Models and cost"), re.M)
    assert {r[0] for r in rows} == set(catalog.MODELS) | set(api.model_ids())
    derived = [f"| `{m}` | {k} | {e.strip()} | {p.strip()} |" for m, k, e, p in rows if m not in catalog.MODELS]
    assert derived == model_table.rows()  # the catalog's rows, in its order: no hand-copied model
    for model_id, kind, endpoints, price in (r for r in rows if r[0] in catalog.MODELS):
        model = catalog.MODELS[model_id]
        assert kind == model.kind
        assert [e.strip() for e in endpoints.split(",")] == [p.removeprefix("/v1/") for p in model.paths]
        numbers = [float(n) for n in re.findall(r"\d+(?:\.\d+)?", price)]
        expected = {model.price.credits, *model.price.by_ratio.values()}
        if model.price.silent_credits is not None:
            expected.add(model.price.silent_credits)
        assert expected <= set(numbers), (model_id, price)
        if model.price.per != 1:
            assert model.price.per in numbers, (model_id, price)


def test_client_example_runs_against_the_sandbox(monkeypatch, tmp_path):
    from runway_nb.sandbox import serve

    code = re.search(r"```python\n(.*?)```", _section("The client"), re.S).group(1)
    with serve(time_scale=0.001) as sb:
        monkeypatch.setenv("RUNWAYML_BASE_URL", sb.base_url)
        monkeypatch.setenv("RUNWAYML_API_SECRET", sb.api_key)
        scope: dict = {}
        exec(compile(code, "README.md", "exec"), scope)
    assert scope["task"].status == "SUCCEEDED"
    assert Path("sky.mp4").stat().st_size > 1000


@pytest.mark.parametrize("name", ["GenerateForm", "Gallery"])
def test_widgets_named_in_the_readme_exist(name):
    import runway_nb.widgets

    assert "import GenerateForm, Gallery" in README and hasattr(runway_nb.widgets, name)


def test_every_local_link_and_image_of_the_readme_exists():
    targets = re.findall(r"\]\(([^)#\s]+)", README)
    local = [t for t in targets if "://" not in t and not t.startswith("mailto:")]
    assert any(t.endswith(".png") for t in local)
    missing = [t for t in local if not (ROOT / t).exists()]
    assert not missing, f"README links to files that do not exist: {missing}"
