"""The operations runway_nb has no dedicated code for, made from the pinned SDK's operation table:
code written for runwayml 5.24.0 runs with only the import changed, against a served sandbox."""

from __future__ import annotations

import datetime as dt

import pytest

import runway_nb
from runway_nb import BadRequestError, ConflictError, NotFoundError, RunwayML, RunwayNBError
from runway_nb.catalog import api
from runway_nb.sandbox import serve

DESIGN = {"type": "text", "model": "eleven_ttv_v3", "prompt": "A warm, slow narrator's voice with a low pitch"}


@pytest.fixture(scope="module")
def client():
    with serve(time_scale=0.001) as sb, RunwayML(base_url=sb.base_url, api_key=sb.api_key, journal=False) as c:
        yield c


def test_every_operation_of_the_sdk_is_a_method_at_its_name(client):
    for op in api.operations().values():
        target = client
        for part in op.resource.split("."):
            target = getattr(target, part)
        assert callable(getattr(target, op.sdk_method)), op.id
    assert "list" in repr(client.voices) and "product_ad" in repr(client.recipes)


def test_documents_round_trip_and_pages(client):
    made = [client.documents.create(name=f"Doc {i}", content=f"# {i}") for i in range(5)]
    assert (made[0].name, made[0].type, made[0].used_by) == ("Doc 0", "text", [])
    assert client.documents.retrieve(made[0].id).content == "# 0"
    assert client.documents.update(made[0].id, name="Renamed") is None
    first = client.documents.list(limit=2, order="asc", sort="createdAt")
    assert len(first.data) == 2 and first.has_next_page()
    seen = [d.id for d in first]  # iteration goes on through every page
    assert [i for i in seen if i in {d.id for d in made}] == [d.id for d in made] and len(seen) == len(set(seen))
    client.documents.delete(made[0].id)
    with pytest.raises(NotFoundError):
        client.documents.retrieve(made[0].id)


def test_voices_take_python_names_and_answer_with_them(client):
    voice = client.voices.create(from_=DESIGN, name="Narrator")  # from_ goes out as "from"
    assert client.voices.retrieve(voice.id).name == "Narrator"
    preview = client.voices.preview(model="eleven_multilingual_ttv_v2", prompt=DESIGN["prompt"])
    assert preview.duration_secs > 0 and preview.url.startswith("http")
    with pytest.raises(BadRequestError, match="from.model"):
        client.voices.create(from_={**DESIGN, "model": "eleven_ttv_v9"}, name="x")


def test_routers_nested_settings_by_python_name(client):
    router = client.routers.create(slug="launch", description="for the launch")
    with pytest.raises(ConflictError):
        client.routers.create(slug="launch")
    tuned = client.routers.update(router.id, settings={
        "models": {"mode": "allowlist_only", "ids": ["gen4.5", "veo3.1"]}, "max_credits_per_generation": {"video": 400}})
    assert tuned.settings.models.ids == ["gen4.5", "veo3.1"] and tuned.settings.max_credits_per_generation.video == 400
    assert tuned.to_dict()["settings"]["maxCreditsPerGeneration"] == {"video": 400}


def _teaser(client):
    teaser = next(w for w in client.workflows.list().data if w.name == "Teaser with narration").versions[0]
    return teaser.id, client.workflows.retrieve(teaser.id).graph.nodes


def test_a_workflow_run_is_a_task_handle_whose_output_is_the_sdks_map(client):
    version, nodes = _teaser(client)
    run = client.workflows.run(version, node_outputs={nodes[0]["id"]: {"text": {  # a map: keys kept as given
        "type": "primitive", "value": "A kite over dunes"}}})
    done = run.wait_for_task_output(timeout=60)
    assert done.status == "SUCCEEDED" and done.cost_credits and done.cost_credits > 0
    assert isinstance(done.output, dict) and done.output  # node id -> URLs, as the SDK's model has it
    urls = [u for us in done.output.values() for u in us]
    assert len(done.outputs) == len(urls) and all(u.startswith("http") for u in urls)
    again = client.workflow_invocations.retrieve(run.id)  # the SDK's awaitable retrieve: a handle too
    assert again.wait_for_task_output().output == done.output
    with pytest.raises(RunwayNBError, match="no way to cancel"):
        run.cancel()


def test_a_workflow_run_is_checked_before_sending_and_journaled(tmp_path):
    with serve(time_scale=0.001) as sb, RunwayML(base_url=sb.base_url, api_key=sb.api_key,
                                                journal=tmp_path / "j.sqlite") as c:
        version, nodes = _teaser(c)
        before = sb.stats()
        with pytest.raises(BadRequestError, match="nodeOutputs") as bad:
            c.workflows.run(version, node_outputs={nodes[0]["id"]: {"text": {"type": "primitve", "value": "x"}}})
        assert "primitive" in str(bad.value) and sb.stats() == before  # refused here: nothing sent
        run = c.workflows.run(version)
        run.wait(timeout=60)
        row = next(r for r in runway_nb.history(journal=tmp_path / "j.sqlite") if r["id"] == run.id)
        assert row["endpoint"] == f"/v1/workflows/{version}" and row["status"] == "SUCCEEDED"


def test_webapp_reports_take_dates(client):
    now = dt.datetime.now(dt.UTC)
    rows = list(client.organization.webapp.list_usage(from_=now - dt.timedelta(days=30), to=now, limit=3))
    assert len(rows) == 8 and {r.type for r in rows} == {"charge", "refund"}
    logins = list(client.organization.webapp.audit_logs.list(limit=1, actions="UserLogin,InviteAccepted"))
    entry = client.organization.webapp.audit_logs.retrieve(logins[0].event_id)
    assert entry.action == logins[0].action


def test_path_parameters_are_checked_before_sending(client):
    with pytest.raises(ValueError, match="non-empty value for `id`"):
        client.voices.retrieve("")
    with pytest.raises(TypeError, match="positional"):
        client.voices.retrieve("a", "b")
