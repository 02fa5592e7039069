"""GenerateForm beyond the seed's models: every model the pinned SDK names, its shape sent once (compact),
drafts of non-seed models planned and checked, the gen4.5 output-format surcharge, and "copy as
code" that runs against a served sandbox."""

from __future__ import annotations

import json

import pytest
from widget_fakes import FrontEnd, write_image

from runway_nb import pricing
from runway_nb.catalog import api, overlay
from runway_nb.widgets import catalog_json
from runway_nb.widgets.form import GenerateForm

KEY = "key_FORMtest_0123456789abcdef"
NO_PRICE = catalog_json.NO_PRICE_TEXT


class NoClient:
    """The checks below never create a task."""


def form_for(model, endpoint, **body):
    form = GenerateForm(NoClient(), model=model)
    form.draft = {"model": model, "endpoint": endpoint, "body": body}
    return form


def test_every_model_that_makes_media_is_offered_once_with_its_shapes():
    sent = catalog_json.serialize()
    entries = catalog_json.expand(sent["models"], sent["common"])
    wanted = {m for op in api.operations().values() if op.creates_task and overlay.output_kind(op.id)
              for m in api.variants(op.id)}
    offered = [e["model"] for e in entries if e["model"]]
    assert sorted(offered) == sorted(wanted) and len(offered) == 62
    # The other two of the SDK's 64 ids only describe voices (voices.preview), which starts no task.
    assert {op.id for m in set(api.model_ids()) - wanted for op in api.operations_of(m)} == {"voices.preview"}
    modelless = {e["id"] for e in entries if e["model"] is None}
    assert {"recipes.product_ad", "generate.video.create"} <= modelless
    kinds = {e["kind"] for e in entries}
    assert kinds == {"video", "image", "audio"}
    by_id = {e["id"]: e for e in entries}
    assert by_id["kling3.0_pro"]["provider"] == "Kling" and by_id["gpt_image_2"]["provider"] == "OpenAI"
    assert {o["op"] for o in by_id["magnific_video_upscaler_creative"]["ops"]} == {"video_upscale.create"}
    assert [o["op"] for o in by_id["kling_4"]["ops"]][0] == "text_to_video.create"
    refs = set()

    def visit(node):
        if isinstance(node, dict):
            if node.get("type") == "ref":
                refs.add(node["name"])
            assert "doc" not in node and "limitRules" not in node
            assert len(node.get("help", "")) <= catalog_json.DOC_CHARS
            for v in node.values():
                visit(v)
        elif isinstance(node, list):
            for v in node:
                visit(v)

    visit(entries)
    visit(catalog_json.expand(sent["shapes"], sent["common"]))
    assert refs <= set(sent["shapes"])  # every named structure the page meets is there


def test_the_catalog_the_page_gets_is_under_150_kb():
    size = catalog_json.size()
    print(f"catalog sent to the front end: {size} bytes ({len(catalog_json.serialize()['models'])} entries)")
    assert size < 150_000
    assert catalog_json.expand(*reversed(catalog_json.shared_parts({"a": [{"x": "y" * 60}] * 3}))) == {
        "a": [{"x": "y" * 60}] * 3}


@pytest.mark.parametrize(("model", "endpoint", "missing", "complete"), [
    ("kling_4", "/v1/text_to_video", "promptText", {"promptText": "a red fox", "duration": 5}),
    ("gpt_image_2", "/v1/text_to_image", "ratio", {"promptText": "a red fox", "ratio": "1920:1088"}),
    ("eleven_v3", "/v1/text_to_speech", "voice",
     {"promptText": "Hello there.", "voice": {"type": "runway-preset", "presetId": "Maya"}}),
    ("magnific_precision_upscaler_v2", "/v1/image_upscale", "imageUri",
     {"imageUri": "https://example.com/a.png", "scaleFactor": 4}),
    ("magnific_video_upscaler_creative", "/v1/video_upscale", "videoUri", {"videoUri": "https://example.com/a.mp4"}),
])
def test_a_non_seed_draft_is_planned_from_its_shape(model, endpoint, missing, complete):
    partial = {k: v for k, v in complete.items() if k != missing}
    check = form_for(model, endpoint, **partial).check
    assert [p["field"] for p in check["problems"]] == [missing]
    assert model in check["problems"][0]["message"]
    check = form_for(model, endpoint, **complete).check
    assert check["problems"] == []
    assert check["estimate"] is None and check["price_note"] == NO_PRICE
    assert f"model={model!r}" in check["code"]["python"]


def test_a_model_less_operation_is_a_draft_without_a_model():
    form = GenerateForm(NoClient(), model="recipes.product_ad")
    assert form.draft == {"model": None, "endpoint": "/v1/recipes/product_ad", "body": {}}
    fields = {p["field"] for p in form.check["problems"]}
    assert {"productImages", "version"} <= fields and "model" not in fields
    code = form.check["code"]["python"]
    assert "client.recipes.product_ad(\n)" in code and "model=" not in code
    with pytest.raises(ValueError, match="no model 'gen9'"):
        GenerateForm(NoClient(), model="gen9")


def test_nested_problems_keep_their_dotted_path():
    check = form_for("eleven_v3", "/v1/text_to_speech", promptText="hi",
                     voice={"type": "runway-preset", "presetId": "Nobody"}).check
    assert [p["field"] for p in check["problems"]] == ["voice.presetId"]
    check = form_for("kling3.0_pro", "/v1/image_to_video",
                     promptImage=[{"uri": "https://example.com/a.png", "position": "middle"}]).check
    assert [p["field"] for p in check["problems"]] == ["promptImage.0.position"]


def test_gen45_output_format_surcharge_is_in_the_live_price():
    check = form_for("gen4.5", "/v1/text_to_video", promptText="a fox", ratio="1280:720", duration=5,
                     outputFormat="prores").check
    assert check["problems"] == []
    assert check["estimate"]["credits"] == 60 + 25 and "prores 5 credits/s x 5 s" in check["estimate"]["basis"]
    check = form_for("gen4.5", "/v1/text_to_video", promptText="a fox", ratio="1280:720", duration=5,
                     outputFormat="hdr10").check
    assert check["estimate"]["credits"] == 60 + 100
    assert "output_format='hdr10'" in check["code"]["python"] and check["code"]["magic"] == ""
    assert pricing.output_format_surcharge("gen4.5", "hdr_exr_sequence", "3840:2160") == 40
    assert pricing.output_format_surcharge("gen4.5", "hdr10", "2560:1440") == 20  # under the 4 MP line
    assert pricing.output_format_surcharge("gen4.5", "mp4", "1280:720") == 0
    assert pricing.output_format_surcharge("gen4_turbo", "prores", "1280:720") == 0  # the rule is gen4.5's


def test_the_draft_stays_small_and_holds_no_bytes(workdir):
    form = GenerateForm(NoClient(), model="magnific_precision_upscaler_v2")
    fe = FrontEnd(form)
    data = write_image(workdir / "still.png").read_bytes()
    fe.say({"type": "upload", "id": "u9", "field": "imageUri", "name": "still.png", "seq": 0, "last": True},
           [memoryview(data)])
    form.draft = {"model": "magnific_precision_upscaler_v2", "endpoint": "/v1/image_upscale",
                  "body": {"imageUri": "upload:u9"}}
    assert form.check["problems"] == []
    assert len(json.dumps(form.draft)) < 200 and len(json.dumps(form.check)) < 2000
    assert "image_upscale.create(" in form.check["code"]["python"] and "image_uri='still.png'" in form.check["code"]["python"]


COPY_AS_CODE = [
    ("kling3.0_pro", "/v1/text_to_video", {"promptText": "a red fox", "ratio": "1920:1080", "duration": 5}),
    ("gpt_image_2", "/v1/text_to_image", {"promptText": "a red fox", "ratio": "1920:1088"}),
    ("eleven_v3", "/v1/text_to_speech", {"promptText": "Hello.", "voice": {"type": "runway-preset", "presetId": "Maya"}}),
    ("gen4.5", "/v1/text_to_video", {"promptText": "a fox", "ratio": "1280:720", "duration": 2,
                                     "contentModeration": {"publicFigureThreshold": "low"}}),
    ("magnific_precision_upscaler_v2", "/v1/image_upscale", {"imageUri": "upload:img", "scaleFactor": 2}),
    ("kling3.0_pro", "/v1/image_to_video", {"promptImage": [{"uri": "upload:img", "position": "first"}],
                                            "ratio": "1920:1080", "duration": 5}),
]


def test_copy_as_code_runs_against_the_sandbox(workdir, monkeypatch):
    sandbox = pytest.importorskip("runway_nb.sandbox")
    with sandbox.serve(api_key=KEY, time_scale=0.001) as sb:
        monkeypatch.setenv("RUNWAYML_API_SECRET", KEY)
        monkeypatch.setenv("RUNWAYML_BASE_URL", sb.base_url)
        form = GenerateForm(NoClient())
        data = write_image(workdir / "still.png").read_bytes()
        FrontEnd(form).say({"type": "upload", "id": "img", "field": "x", "name": "still.png", "seq": 0, "last": True},
                           [memoryview(data)])
        for model, endpoint, body in COPY_AS_CODE:
            form.draft = {"model": model, "endpoint": endpoint, "body": body}
            assert form.check["problems"] == [], (model, form.check["problems"])
            code = form.check["code"]["python"]
            namespace: dict = {}
            exec(compile(code, f"<copy as code: {model}>", "exec"), namespace)  # noqa: S102
            task = namespace["task"]
            assert task.status == "SUCCEEDED" and task.output, (model, task.failure)
            sent = sb.engine._tasks[task.id].body
            assert sent["model"] == model
            plain = {k: v for k, v in body.items() if "upload:" not in json.dumps(v)}
            assert {k: sent[k] for k in plain} == plain  # the code sent the draft's fields, wire names and all
            namespace["client"].close()


def _offered() -> list[tuple[str, str]]:
    """(model, endpoint) of every model the form offers, on every operation that makes media."""
    return [(m, op.path) for op in api.operations().values() if op.creates_task and overlay.output_kind(op.id)
            for m in api.variants(op.id)]


@pytest.mark.parametrize(("model", "endpoint"), _offered(), ids=[f"{p.rsplit('/', 1)[-1]}-{m}" for m, p in _offered()])
def test_every_offered_model_makes_a_draft_the_form_would_send(model, endpoint):
    """The form's draft of the minimal request (what a person fills in) has no problem and copies as code
    that names the model: every model the catalog lists can be run from the form."""
    from shape_examples import example

    from runway_nb import shapes

    shape = api.variant(api.operation_for("POST", endpoint).id, model)
    body = shapes.to_wire(shape, example(shape, False))
    body.pop("model")
    check = form_for(model, endpoint, **body).check
    assert check["problems"] == [], (model, endpoint, check["problems"])
    assert f"model={model!r}" in check["code"]["python"]
