"""GenerateForm: the catalog it sends, checks of the draft, uploads by buffer, code, generate."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from widget_fakes import FakeTask, FrontEnd, contains_bytes, synced_values, write_image

from runway_nb import magic_args
from runway_nb.widgets.catalog_json import expand, serialize
from runway_nb.widgets.form import GenerateForm

FIXTURE = Path(__file__).resolve().parents[2] / "js" / "tests" / "fixtures" / "catalog.json"


def draft(model="gen4.5", endpoint="/v1/text_to_video", **body):
    return {"model": model, "endpoint": endpoint, "body": body}


class FakeResource:
    def __init__(self, calls):
        self.calls = calls

    def create(self, **kwargs):
        self.calls.append(kwargs)
        return FakeTask(id="made-1", status="RUNNING")


class FakeClient:
    def __init__(self):
        self.calls = []

    def __getattr__(self, name):
        self.calls.append(name)
        return FakeResource(self.calls)

    def _create(self, plan):  # what the form calls: the client's create entry for a planned wire body
        self.calls.append((plan.resource, plan.body))
        return FakeTask(id="made-1", status="RUNNING")


def test_the_js_tests_catalog_copy_is_current():
    """js/tests/fixtures/catalog.json is what the form sends; refresh it with
    `python -m runway_nb.widgets.catalog_json > js/tests/fixtures/catalog.json`."""
    assert json.loads(FIXTURE.read_text()) == json.loads(json.dumps(serialize()))


def test_catalog_is_sent_once_with_every_field():
    form = GenerateForm(FakeClient())
    models = {m["id"]: m for m in expand(form.catalog["models"], form.catalog["common"])}
    assert [m["kind"] for m in form.catalog["models"]] == sorted(
        (m["kind"] for m in form.catalog["models"]), key=["video", "image", "audio"].index)
    t2v = models["gen4.5"]["ops"][0]
    assert (t2v["path"], t2v["call"]) == ("/v1/text_to_video", "text_to_video.create")
    duration = t2v["shape"]["fields"]["duration"]
    assert (duration["shape"]["min"], duration["shape"]["max"], duration["default"]) == (2, 10, 5)
    assert t2v["shape"]["fields"]["ratio"]["shape"]["values"] == ["1280:720", "720:1280"]
    assert "prores" in t2v["shape"]["fields"]["outputFormat"]["shape"]["values"]
    assert form.catalog["languages"]["es"] == "Spanish"


def test_problems_estimate_and_code_follow_the_draft(workdir):
    form = GenerateForm(FakeClient())
    form.draft = draft(promptText="a red fox", ratio="960:960", duration=5)
    assert [p["field"] for p in form.check["problems"]] == ["ratio"]
    assert "960:960" in form.check["problems"][0]["message"]
    form.draft = draft(promptText="a red fox", ratio="720:1280", duration=7, seed=3)
    assert form.check["problems"] == []
    assert form.check["estimate"] == {"credits": 84, "dollars": 0.84, "basis": "12 credits/s x 7 s"}
    magic = form.check["code"]["magic"]
    assert magic == "%runway video --model gen4.5 --ratio 720:1280 --duration 7 --seed 3 'a red fox'"
    ns = magic_args.parse_argv(shlex.split(magic)[1:])  # the line parses back to the same request
    assert (ns.model, ns.ratio, ns.duration, ns.seed, " ".join(ns.prompt)) == ("gen4.5", "720:1280", 7, 3, "a red fox")
    python = form.check["code"]["python"]
    assert "client.text_to_video.create(" in python and "prompt_text='a red fox'" in python
    compile(python, "<copy as code>", "exec")


def test_veo_audio_off_is_in_the_code(workdir):
    form = GenerateForm(FakeClient())
    form.draft = draft("veo3.1", promptText="waves", ratio="1280:720", audio=False, duration=8)
    assert "--no-audio" in form.check["code"]["magic"]
    assert form.check["estimate"]["credits"] == 160  # the silent rate


def test_upload_arrives_in_chunks_and_is_named_in_the_draft(workdir):
    form = GenerateForm(FakeClient())
    fe = FrontEnd(form)
    data = write_image(workdir / "first.png").read_bytes()
    half = len(data) // 2
    fe.say({"type": "upload", "id": "u1", "field": "promptImage", "name": "../../first.png", "seq": 0, "last": False},
           [memoryview(data[:half])])
    fe.say({"type": "upload", "id": "u1", "field": "promptImage", "name": "first.png", "seq": 1, "last": True},
           [memoryview(data[half:])])
    reply, buffers = fe.received[-1]
    assert reply == {"type": "uploaded", "id": "u1", "field": "promptImage", "name": "first.png",
                     "size": len(data), "kind": "image", "format": "png", "error": ""}
    assert form.uploads["u1"]["kind"] == "image"
    form.draft = draft(endpoint="/v1/image_to_video", promptImage="upload:u1", promptText="push in",
                       ratio="1280:720", duration=5)
    assert form.check["problems"] == []
    assert "--image first.png" in form.check["code"]["magic"]
    assert not contains_bytes(synced_values(form))
    assert len(json.dumps(form.draft)) < 500


def test_an_upload_that_is_not_media_is_a_problem(workdir):
    form = GenerateForm(FakeClient())
    fe = FrontEnd(form)
    fe.say({"type": "upload", "id": "u2", "field": "promptImage", "name": "notes.txt", "seq": 0, "last": True},
           [b"just some text, not an image"])
    assert "not an image, video or audio" in fe.received[-1][0]["error"]
    form.draft = draft(endpoint="/v1/image_to_video", promptImage="upload:u2", promptText="x", ratio="1280:720",
                       duration=5)
    assert any(p["field"] == "promptImage" and "notes.txt" in p["message"] for p in form.check["problems"])


def test_generate_refuses_a_draft_with_problems(workdir):
    client = FakeClient()
    form = GenerateForm(client)
    FrontEnd(form).say({"type": "generate", "draft": draft(ratio="1280:720", duration=5)})
    assert client.calls == []
    assert form.notice and any(p["field"] == "promptText" for p in form.check["problems"])


def test_generate_creates_the_task_with_the_uploaded_file_and_shows_it(workdir):
    client = FakeClient()
    form = GenerateForm(client)
    fe = FrontEnd(form)
    fe.say({"type": "upload", "id": "u3", "field": "promptImage", "name": "first.png", "seq": 0, "last": True},
           [write_image(workdir / "first.png").read_bytes()])
    fe.say({"type": "generate", "draft": draft(endpoint="/v1/image_to_video", promptImage="upload:u3",
                                               promptText="push in", ratio="1280:720", duration=5)})
    form._pending.result(5)  # the create call ran on the worker pool
    [(name, body)] = client.calls
    assert name == "image_to_video"
    assert body["model"] == "gen4.5" and body["promptText"] == "push in"
    assert isinstance(body["promptImage"], Path) and body["promptImage"].read_bytes()[:4] == b"\x89PNG"
    [run] = form.runs
    assert run["task"]["id"] == "made-1" and run["task"]["status"] == "RUNNING"
    task = form.tasks[0]
    fe.say({"type": "cancel", "task_id": "made-1"})
    form._bindings["made-1"].ended.wait(5)
    assert task.cancelled == 1


def test_fallback_says_the_form_needs_a_kernel():
    data, _ = GenerateForm(FakeClient())._repr_mimebundle_()
    assert "run the notebook" in data["text/html"] and "GenerateForm" in data["text/plain"]
