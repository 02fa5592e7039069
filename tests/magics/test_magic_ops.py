"""%runway voices and %runway workflow as plain functions (magic_ops) over a client whose transport answers
as runwayml 5.24.0's response types say: what is sent, what is shown, what is refused before sending."""

from __future__ import annotations

import json

import httpx
import pytest

from runway_nb import magic_actions as act
from runway_nb import magic_ops as ops
from runway_nb.client import RunwayML
from runway_nb.clock import ScaledClock
from runway_nb.magic_models import ArgsError

VOICE = {"id": "voice_1", "name": "Narrator", "status": "READY", "createdAt": "2026-12-01T10:00:00Z",
         "description": None, "previewUrl": "https://cdn.example/voice_1.mp3"}


class API:
    """Answers voices and workflows the way runwayml 5.24.0's response types describe; records requests."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, dict | None]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        self.seen.append((request.method, request.url.path, body))
        route = (request.method, request.url.path)
        if route == ("GET", "/v1/voices"):
            return httpx.Response(200, json={"data": [VOICE, {**VOICE, "id": "voice_2", "status": "PROCESSING"}],
                                             "nextCursor": None})
        if route == ("POST", "/v1/voices/preview"):
            return httpx.Response(200, json={"url": "https://cdn.example/preview.mp3", "durationSecs": 4.5})
        if route == ("POST", "/v1/voices"):
            return httpx.Response(201, json={"id": "voice_new"})
        if route == ("DELETE", "/v1/voices/voice_1"):
            return httpx.Response(204)
        if route == ("GET", "/v1/workflows"):
            return httpx.Response(200, json={"data": [{"name": "Storyboard", "versions": [
                {"id": "wf_v2", "createdAt": "2026-11-01T00:00:00Z", "version": 2},
                {"id": "wf_v1", "createdAt": "2026-10-01T00:00:00Z", "version": 1}]}]})
        if route == ("POST", "/v1/workflows/wf_v2"):
            return httpx.Response(200, json={"id": "inv_1"})
        if route == ("GET", "/v1/workflow_invocations/inv_1"):
            asked = sum(1 for m, p, _ in self.seen if p == "/v1/workflow_invocations/inv_1")
            done = {"status": "SUCCEEDED", "output": {"node9": ["https://cdn.example/inv_1.png"]},
                    "cost": {"credits": 12}}
            return httpx.Response(200, json={"id": "inv_1", "createdAt": "2026-12-01T10:00:00Z",
                                             **(done if asked > 1 else {"status": "PENDING"})})
        return httpx.Response(404, json={"error": f"no route {route}"})


@pytest.fixture
def api_and_session():
    api = API()
    client = RunwayML(api_key="key_test", base_url="https://api.example", sandbox=False, journal=False,
                      transport=httpx.MockTransport(api), clock=ScaledClock(0.01))
    yield api, act.Session(client=client)
    client.close()


def test_voices_list_preview_design_delete(api_and_session):
    api, session = api_and_session
    table = ops.voices(session, "list", [])
    assert [r["id"] for r in table] == ["voice_1", "voice_2"] and table[1]["status"] == "PROCESSING"
    assert api.seen[-1][:2] == ("GET", "/v1/voices")
    assert "voice_1" in repr(table) and "<table>" in table._repr_html_()
    prompt = "A warm, low voice with a slight rasp".split()
    shown = ops.voices(session, "preview", prompt)
    assert api.seen[-1] == ("POST", "/v1/voices/preview", {"model": "eleven_ttv_v3", "prompt": " ".join(prompt)})
    assert {r["field"]: r["value"] for r in shown}["url"] == "https://cdn.example/preview.mp3"
    ops.voices(session, "design", ["Narrator", *prompt], description="for the trailer")
    assert api.seen[-1] == ("POST", "/v1/voices", {"name": "Narrator", "description": "for the trailer", "from": {
        "type": "text", "model": "eleven_ttv_v3", "prompt": " ".join(prompt)}})
    ops.voices(session, "delete", ["voice_1"])
    assert api.seen[-1][:2] == ("DELETE", "/v1/voices/voice_1")


def test_voices_refuse_what_the_types_refuse_before_sending(api_and_session):
    api, session = api_and_session
    with pytest.raises(ArgsError, match="prompt"):
        ops.voices(session, "preview", ["too", "short"])  # the shape: at least 20 characters
    with pytest.raises(ArgsError, match="eleven_ttv_v3"):
        ops.voices(session, "preview", ["a long enough description of a voice"], model="nosuch_model")
    with pytest.raises(ArgsError, match="one voice id"):
        ops.voices(session, "delete", [])
    assert api.seen == []


def test_workflow_list_and_run_shows_the_invocation(api_and_session):
    api, session = api_and_session
    table = ops.workflow(session, None)
    assert table[0] == {"name": "Storyboard", "latest": "wf_v2", "version": 2, "versions": 2}
    shown = ops.workflow(session, "wf_v2", ["node1.prompt=a red kite", "node2.image=https://cdn.example/a.png",
                                            "node3.steps=4"])
    posted = [body for method, path, body in api.seen if (method, path) == ("POST", "/v1/workflows/wf_v2")]
    assert posted == [{"nodeOutputs": {
        "node1": {"prompt": {"type": "primitive", "value": "a red kite"}},
        "node2": {"image": {"type": "image", "uri": "https://cdn.example/a.png"}},
        "node3": {"steps": {"type": "primitive", "value": 4}}}}]
    assert shown.task.id == "inv_1" and session.results["inv_1"] is shown  # %runway tasks lists it
    shown.task.wait(timeout=30)  # followed at the invocation's path, like any task
    assert shown.task.output == {"node9": ["https://cdn.example/inv_1.png"]} and shown.task.cost_credits == 12
    assert "workflow wf_v2" in shown.summary() and "12 credits" in shown.summary()


def test_status_finds_an_invocation_made_elsewhere(api_and_session):
    api, session = api_and_session
    shown = act.status(session, "inv_1")  # not this session's: /v1/tasks/inv_1 is 404, the invocation is not
    assert shown.task.id == "inv_1" and ("GET", "/v1/workflow_invocations/inv_1", None) in api.seen


def test_workflow_run_with_a_budget_is_refused_before_sending(api_and_session):
    api, session = api_and_session
    session.settings.budget = 100
    with pytest.raises(act.BudgetExceeded, match="cost of workflow wf_v2 is unknown"):
        ops.workflow(session, "wf_v2")
    assert not any(m == "POST" for m, _, _ in api.seen)


def test_an_invocation_that_ended_without_outputs_keeps_the_sdks_empty_map():
    from runway_nb.invocations import InvocationCore

    core = InvocationCore.from_wire(None, {"id": "inv_9", "status": "SUCCEEDED", "output": {},
                                           "createdAt": "2026-12-01T10:00:00Z"}, endpoint="/v1/workflows/wf_1")
    assert core.wire_output() == {} and core.output == [] and core.outputs() == []
