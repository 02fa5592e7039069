"""The generated catalog (runway_nb/catalog/api.json): no drift from the pinned SDK, and sane content.

The generator runs here in memory from the installed `runwayml` release; the committed files must be
what it writes, byte for byte. Moving to a newer release is: bump the pin, run the generator, read
the diff (docs/CATALOG.md).
"""

from __future__ import annotations

import ast
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest
import runwayml

from runway_nb import catalog
from runway_nb.catalog import api

ROOT = Path(__file__).resolve().parents[2]


def _load_generator():
    spec = importlib.util.spec_from_file_location("gen_catalog", ROOT / "scripts" / "gen_catalog.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generated():
    return _load_generator().generate()


# -- no drift -------------------------------------------------------------------------------------
def test_installed_sdk_is_the_pinned_release():
    pin = re.search(r'"runwayml==([^"]+)"', (ROOT / "pyproject.toml").read_text()).group(1)
    assert runwayml.__version__ == pin
    assert api.sdk_version() == pin


def test_committed_api_json_is_what_the_generator_writes(generated):
    committed = (ROOT / "runway_nb" / "catalog" / "api.json").read_bytes()
    assert committed == generated["text"].encode("utf-8"), (
        "runway_nb/catalog/api.json differs from the pinned SDK: run scripts/gen_catalog.py and read the diff")


def test_committed_unmatched_limits_list_is_current(generated):
    committed = (ROOT / "docs" / "catalog-unmatched-limits.md").read_bytes()
    assert committed == generated["unmatched_md"].encode("utf-8")


def test_check_mode_reports_up_to_date():
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_catalog.py"), "--check"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.strip() == "up to date"


# -- the operations -------------------------------------------------------------------------------
def test_every_operation_of_the_sdk():
    ops = api.operations()
    assert len(ops) == 66
    assert sum(op.creates_task for op in ops.values()) == 25
    t2v = api.operation("text_to_video.create")
    assert (t2v.method, t2v.path, t2v.resource, t2v.sdk_method) == ("POST", "/v1/text_to_video", "text_to_video",
                                                                   "create")
    assert (t2v.params, t2v.response, t2v.creates_task) == ("TextToVideoCreateParams", "TextToVideoCreateResponse",
                                                            True)
    usage = api.operation("organization.webapp.list_usage")
    assert (usage.method, usage.path, usage.paginated, usage.params_in) == (
        "GET", "/v1/organization/webapp/usage", True, "query")
    assert api.operation_for("GET", "/v1/tasks/{id}").id == "tasks.retrieve"  # an f-string path
    assert api.operation("organization.webapp.audit_logs.retrieve").path == (  # a path_template(...) path
        "/v1/organization/webapp/audit_logs/{event_id}")
    assert api.operation_for("DELETE", "/v1/tasks/{id}").response is None
    assert api.operation("voices.list").params_shape == "voice_list_params.VoiceListParams"


def test_operations_match_the_sdk_client_attributes():
    """Each operation's resource path and method exist on the SDK client (names as 5.24.0 spells them)."""
    client = runwayml.RunwayML(api_key="k", base_url="http://127.0.0.1:9")
    try:
        for op in api.operations().values():
            target = client
            for part in op.resource.split("."):
                target = getattr(target, part)
            assert callable(getattr(target, op.sdk_method)), op.id
    finally:
        client.close()


# -- the models and their shapes --------------------------------------------------------------------
def test_sixty_four_model_ids():
    assert len(api.model_ids()) == 64
    assert len(set(api.model_ids())) == 64


def test_every_model_runway_nb_serves_is_in_the_sdk_on_the_same_paths_but_the_retired_two():
    retired = {"veo3", "gen4_aleph"}  # not in 5.24.0's request types; kept for the seed guide's examples
    for model_id, model in catalog.MODELS.items():
        paths = {op.path for op in api.operations_of(model_id)}
        if model_id in retired:
            assert paths == set(), model_id
        else:
            assert paths == set(model.paths), model_id


def test_gen45_text_to_video():
    fields = api.variant("text_to_video.create", "gen4.5")["fields"]
    duration = fields["duration"]
    assert duration["required"] is True
    assert dict(duration["shape"]) | {"limitRules": None} == {
        "type": "integer", "min": 2, "max": 10, "limitRules": None}
    assert dict(duration["shape"]["limitRules"]) == {"min": "number-range", "max": "number-range"}
    assert fields["ratio"]["shape"]["values"] == ("1280:720", "720:1280")
    prompt = fields["promptText"]
    assert prompt["python"] == "prompt_text" and prompt["required"] is True
    assert (prompt["shape"]["maxLength"], prompt["shape"]["minLength"], prompt["shape"]["lengthUnit"]) == (
        1000, 1, "utf16")
    fmt = fields["outputFormat"]["shape"]
    assert fmt["type"] == "enum" and fmt["values"][0] == "mp4" and "prores" in fmt["values"]
    assert len(fmt["values"]) == 12
    assert fields["outputFormat"]["required"] is False
    assert api.resolve(fields["contentModeration"]["shape"])["fields"]["publicFigureThreshold"]["shape"][
        "values"] == ("auto", "low")


def test_veo31_fields():
    for op in ("text_to_video.create", "image_to_video.create"):
        fields = api.variant(op, "veo3.1")["fields"]
        assert {"seed", "negativePrompt", "audio", "duration", "ratio", "promptText"} <= set(fields), op
        assert fields["negativePrompt"]["required"] is False
        assert fields["duration"]["shape"]["values"] == (4, 6, 8)


def test_prompt_image_is_a_media_uri_or_a_discriminated_list():
    image = api.variant("image_to_video.create", "gen4.5")["fields"]["promptImage"]["shape"]
    assert image["type"] == "union"
    uri, frames = image["of"]
    assert (uri["type"], uri["kinds"], uri["dataUriMaxMB"]) == ("media", ("image",), 5)
    assert dict(uri["limitRules"]) == {"kinds": "media-uri", "dataUriMaxMB": "data-uri-size"}
    assert frames["type"] == "list"
    item = api.resolve(frames["items"])
    assert item["fields"]["position"]["shape"]["values"] == ("first",)
    assert item["fields"]["uri"]["shape"]["kinds"] == ("image",)


def test_act_two_reference_length_comes_from_its_prose():
    reference = api.variant("character_performance.create", "act_two")["fields"]["reference"]["shape"]
    uri = api.resolve(reference)["fields"]["uri"]["shape"]
    assert (uri["minSeconds"], uri["maxSeconds"]) == (3, 30)
    assert uri["limitRules"]["maxSeconds"] == "input-duration"


def test_unions_of_structures_name_their_discriminator():
    found = []

    def visit(node):
        if node.get("type") == "union" and "discriminator" in node:
            found.append(node["discriminator"])
        for child in (*node.get("of", ()), node.get("items", {})):
            if child:
                visit(child)

    for op_id in api._data()["variants"]:
        for v in api.variants(op_id).values():
            for f in v["fields"].values():
                visit(f["shape"])
    assert "type" in found


def test_every_limit_names_its_rule():
    """A min/max/maxLength/... with no rule beside it would be a limit nobody can trace to the SDK."""
    limit_keys = {"min", "max", "minLength", "maxLength", "lengthUnit", "pattern", "minItems", "maxItems",
                  "dataUriMaxMB", "minSeconds", "maxSeconds", "minTotalSeconds", "maxTotalSeconds"}
    seen = 0

    def visit(node):
        nonlocal seen
        for key in limit_keys & set(node):
            assert node["limitRules"][key], (key, dict(node))
            seen += 1
        for child in (*node.get("of", ()), node.get("items", {}), node.get("values", {})):
            if isinstance(child, dict) or hasattr(child, "get"):
                if child:
                    visit(child)

    for name in api._data()["shapes"]:
        for f in api.shape(name)["fields"].values():
            visit(f["shape"])
    for op_id in api._data()["variants"]:
        for v in api.variants(op_id).values():
            for f in v["fields"].values():
                visit(f["shape"])
    assert seen > 300


def test_the_data_is_read_only():
    fields = api.variant("text_to_video.create", "gen4.5")["fields"]
    with pytest.raises(TypeError):
        fields["seed"] = {}
    assert isinstance(fields["ratio"]["shape"]["values"], tuple)


# -- the rules, on sentences of their own ------------------------------------------------------------
@pytest.fixture(scope="module")
def limits():
    _load_generator()  # puts scripts/ on sys.path
    from catalog_gen import limits

    return limits


def test_sentences_keep_eg_inside(limits):
    doc = "A HTTPS URL (e.g. `data:x`, up to 5MB) containing an encoded image. See the docs."
    assert limits.sentences(doc) == ["A HTTPS URL (e.g. `data:x`, up to 5MB) containing an encoded image.",
                                     "See the docs."]


def test_a_count_of_a_subset_is_not_a_list_limit(limits):
    shape = {"type": "list", "items": {"type": "string"}}
    s = 'Up to five of those images can pass `subject: "human"` to maintain character consistency.'
    assert limits.item_count(s, shape, {}) == 0 and "maxItems" not in shape
    assert limits.item_count("An array of one to three images to be used.", shape, {}) == 2
    assert (shape["minItems"], shape["maxItems"]) == (1, 3)


def test_a_total_is_not_a_field_range(limits):
    shape = {"type": "integer"}
    assert limits.number_range("Total duration across all segments must be between 3 and 15 seconds.",
                               shape, {}) == 0
    assert limits.number_range("Duration of the output video in seconds (4-15).", shape, {}) == 2
    assert (shape["min"], shape["max"]) == (4, 15)


def test_unmatched_sentences_are_listed_with_where_they_are(limits):
    rules = limits.LimitRules()
    rules.apply("x.y", "Each image must be at least 256 pixels on both sides.", {"type": "string"})
    assert rules.unmatched == {"Each image must be at least 256 pixels on both sides.": ["x.y"]}
    assert "`x.y`" in rules.unmatched_markdown("0")


# -- the package never needs the SDK ------------------------------------------------------------------
def test_runway_nb_never_imports_runwayml():
    for path in (ROOT / "runway_nb").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n.split(".")[0] == "runwayml" for n in names), path
    code = ("import sys, runway_nb.catalog as c; c.api.operations(); c.api.model_ids(); "
            "print('runwayml' in sys.modules)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.stdout.strip() == "False", run.stderr
