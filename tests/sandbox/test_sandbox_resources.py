"""The management resources through the official runwayml 5.24.0 SDK, strict response validation on.

Every operation of avatars, avatar_conversations, documents, voices, routers, realtime_sessions,
workflows, workflow_invocations, organization (+ webapp usage and audit logs) and uploads, against a
served sandbox on a FakeClock with FakeSynth: state round-trips (create, retrieve, list, update,
delete, 404 after), cursor pages give every item exactly once, lifecycles move with the clock, and a
bad body is refused with a 400 that names the field. Skipped while the installed SDK is older.
"""

from __future__ import annotations

import asyncio
import datetime as dt

import httpx
import pytest
from sandbox_support import FakeSynth

from runway_nb.sandbox import Engine, FakeClock, serve

runwayml = pytest.importorskip("runwayml", minversion="5.24.0")

SCALE = 0.01  # clock seconds per service second
IMG = "https://example.com/face.png"
DESIGN = {"type": "text", "model": "eleven_ttv_v3", "prompt": "A warm, slow narrator's voice with a low pitch"}


@pytest.fixture(scope="module")
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="module")
def sb(clock):
    engine = Engine(clock=clock, synth=FakeSynth(), time_scale=SCALE)
    with serve(engine=engine) as sandbox:
        yield sandbox
    engine.close()


@pytest.fixture(scope="module")
def client(sb):
    with runwayml.RunwayML(base_url=sb.base_url, api_key=sb.api_key, _strict_response_validation=True,
                           max_retries=0) as c:
        yield c


def later(clock: FakeClock, service_seconds: float) -> None:
    clock.advance(service_seconds * SCALE)


def refused(call, *fields: str) -> dict:
    """The call fails with a 400 whose message and issues name every field given."""
    with pytest.raises(runwayml.BadRequestError) as err:
        call()
    body = err.value.body
    for name in fields:
        assert name in body["error"], body
        assert any(".".join(map(str, i["path"])) == name for i in body["issues"]), body
    return body


def raw_post(client, path: str, body: dict):
    return lambda: client.post(path, body=body, cast_to=object)


_WEB = httpx.Client()  # one client: each new one loads TLS certificates, which is slow


def fetch(url: str) -> bytes:
    response = _WEB.get(url)
    assert response.status_code == 200, url
    return response.content


def ids_of(pages) -> list[str]:
    return [x.id for x in pages]


# -- documents --------------------------------------------------------------------------------------
def test_documents_round_trip(client, clock):
    doc = client.documents.create(name="Menu", content="# Soups\nTomato, leek.")
    assert (doc.name, doc.type, doc.used_by) == ("Menu", "text", [])
    assert client.documents.retrieve(doc.id).content == "# Soups\nTomato, leek."
    later(clock, 5)
    assert client.documents.update(doc.id, name="Winter menu") is None
    got = client.documents.retrieve(doc.id)
    assert (got.name, got.content) == ("Winter menu", "# Soups\nTomato, leek.")
    assert got.updated_at > got.created_at
    listed = client.documents.list(limit=50, order="desc", sort="updatedAt")
    assert listed.data[0].id == doc.id and not hasattr(listed.data[0], "content")
    client.documents.delete(doc.id)
    with pytest.raises(runwayml.NotFoundError):
        client.documents.retrieve(doc.id)
    assert doc.id not in ids_of(client.documents.list(limit=50, order="asc", sort="createdAt"))


def test_documents_paginate_in_order_each_once(client, clock):
    made = []
    for i in range(5):
        made.append(client.documents.create(name=f"Doc {i}", content=str(i)).id)
        later(clock, 1)
    first = client.documents.list(limit=2, order="asc", sort="createdAt")
    assert len(first.data) == 2 and first.next_cursor
    seen = ids_of(client.documents.list(limit=2, order="asc", sort="createdAt"))  # auto-pagination
    assert [x for x in seen if x in made] == made
    assert len(seen) == len(set(seen))
    newest = ids_of(client.documents.list(limit=2, order="desc", sort="createdAt"))
    assert [x for x in newest if x in made] == made[::-1]
    client.documents.update(made[0], content="touched")  # updatedAt order now puts it last
    by_update = ids_of(client.documents.list(limit=3, order="asc", sort="updatedAt"))
    assert by_update[-1] == made[0]
    for ident in made:
        client.documents.delete(ident)


def test_documents_refuse_bad_requests(client):
    refused(raw_post(client, "/v1/documents", {"name": "No content"}), "content")
    doc = client.documents.create(name="x", content="y")
    with pytest.raises(runwayml.BadRequestError, match="at least one of"):
        client.documents.update(doc.id)
    refused(lambda: client.documents.list(limit=2, order="sideways", sort="createdAt"), "order")
    refused(lambda: client.documents.list(limit=0, order="asc", sort="createdAt"), "limit")
    refused(lambda: client.documents.list(limit=2, order="asc", sort="createdAt", cursor="not-a-cursor"), "cursor")
    with pytest.raises(runwayml.NotFoundError):
        client.documents.update("no-such-document", name="z")
    client.documents.delete(doc.id)


# -- voices -----------------------------------------------------------------------------------------
def test_voices_process_then_offer_a_sample(client, clock):
    made = client.voices.create(from_=DESIGN, name="Narrator", description="low and slow")
    voice = client.voices.retrieve(made.id)
    assert (voice.status, voice.name, voice.description) == ("PROCESSING", "Narrator", "low and slow")
    later(clock, 25)
    voice = client.voices.retrieve(made.id)
    assert voice.status == "READY" and fetch(voice.preview_url).startswith(b"ID3")
    updated = client.voices.update(made.id, name="Storyteller", description=None)
    assert (updated.name, updated.description) == ("Storyteller", None)
    assert made.id in ids_of(client.voices.list(limit=1))
    client.voices.delete(made.id)
    with pytest.raises(runwayml.NotFoundError):
        client.voices.retrieve(made.id)
    assert _WEB.get(voice.preview_url).status_code == 404  # its sample went with it


def test_voice_clone_from_audio_and_preview(client, clock):
    cloned = client.voices.create(from_={"type": "audio", "audio": "https://example.com/me.mp3"}, name="Me")
    assert client.voices.retrieve(cloned.id).status == "PROCESSING"
    preview = client.voices.preview(model="eleven_multilingual_ttv_v2", prompt=DESIGN["prompt"])
    assert preview.duration_secs > 0 and fetch(preview.url).startswith(b"ID3")
    client.voices.delete(cloned.id)


def test_voices_refuse_bad_requests(client):
    refused(lambda: client.voices.create(from_={**DESIGN, "model": "eleven_ttv_v9"}, name="x"), "from.model")
    refused(lambda: client.voices.create(from_={**DESIGN, "prompt": "too short"}, name="x"), "from.prompt")
    refused(lambda: client.voices.create(from_={"type": "video", "audio": "x"}, name="x"), "from.type")
    refused(lambda: client.voices.create(from_={"type": "audio", "audio": "ftp://x/a.mp3"}, name="x"), "from.audio")
    refused(raw_post(client, "/v1/voices", {"from": DESIGN}), "name")
    refused(lambda: client.voices.preview(model="eleven_ttv_v3", prompt="short"), "prompt")


# -- avatars ----------------------------------------------------------------------------------------
def test_avatars_round_trip_with_documents_and_voices(client, clock):
    doc = client.documents.create(name="FAQ", content="Opening hours: 9-5.")
    voice = client.voices.create(from_=DESIGN, name="Host")
    avatar = client.avatars.create(name="Mina", personality="Cheerful guide.", reference_image=IMG,
                                   voice={"type": "custom", "id": voice.id}, document_ids=[doc.id],
                                   start_script="Welcome!")
    assert (avatar.status, avatar.document_ids, avatar.start_script) == ("PROCESSING", [doc.id], "Welcome!")
    assert avatar.voice.type == "custom" and avatar.voice.name == "Host" and not avatar.voice.deleted
    assert [u.id for u in client.documents.retrieve(doc.id).used_by] == [avatar.id]
    later(clock, 61)
    ready = client.avatars.retrieve(avatar.id)
    assert ready.status == "READY" and fetch(ready.processed_image_uri).startswith(b"\x89PNG")
    changed = client.avatars.update(avatar.id, name="Mina 2", start_script=None,
                                    voice={"type": "runway-live-preset", "preset_id": "luna"})
    assert (changed.name, changed.start_script, changed.voice.preset_id, changed.voice.name) == (
        "Mina 2", None, "luna", "Luna")
    assert changed.status == "READY"  # a new name is no new image
    assert client.avatars.update(avatar.id, reference_image=IMG).status == "PROCESSING"
    client.avatars.update(avatar.id, voice={"type": "custom", "id": voice.id})
    client.voices.delete(voice.id)
    gone = client.avatars.retrieve(avatar.id).voice
    assert (gone.type, gone.id, gone.deleted, gone.name) == ("custom", voice.id, True, None)
    client.documents.delete(doc.id)
    assert client.avatars.retrieve(avatar.id).document_ids == []
    client.avatars.delete(avatar.id)
    with pytest.raises(runwayml.NotFoundError):
        client.avatars.retrieve(avatar.id)


def test_avatars_paginate_each_once(client):
    made = [client.avatars.create(name=f"A{i}", personality="p", reference_image=IMG,
                                  voice={"type": "runway-live-preset", "preset_id": "max"}).id for i in range(5)]
    pages = client.avatars.list(limit=2)
    assert len(pages.data) == 2 and pages.has_next_page()
    seen = ids_of(client.avatars.list(limit=2))
    assert sorted(x for x in seen if x in made) == sorted(made) and len(seen) == len(set(seen))
    assert [x for x in seen if x in made] == made[::-1]  # newest first
    for ident in made:
        client.avatars.delete(ident)


def test_avatars_refuse_bad_requests(client):
    ok = {"name": "A", "personality": "p", "reference_image": IMG, "voice": {"type": "runway-live-preset",
                                                                             "preset_id": "max"}}
    refused(lambda: client.avatars.create(**{**ok, "voice": {"type": "runway-live-preset", "preset_id": "bob"}}),
            "voice.presetId")
    refused(lambda: client.avatars.create(**ok, image_processing="sharpen"), "imageProcessing")
    refused(lambda: client.avatars.create(**ok, document_ids=["no-such-doc"]), "documentIds.0")
    refused(lambda: client.avatars.create(**{**ok, "voice": {"type": "custom", "id": "nope"}}), "voice.id")
    refused(lambda: client.avatars.create(**{**ok, "reference_image": "runway://uploads/missing"}), "referenceImage")
    refused(raw_post(client, "/v1/avatars", {"name": "A", "personality": "p", "voice": ok["voice"]}),
            "referenceImage")
    avatar = client.avatars.create(**ok)
    with pytest.raises(runwayml.BadRequestError, match="at least one of"):
        client.avatars.update(avatar.id)
    client.avatars.delete(avatar.id)
    with pytest.raises(runwayml.NotFoundError):
        client.avatars.update(avatar.id, name="z")


# -- realtime sessions, conversations, avatar usage ---------------------------------------------
def test_session_lifecycle_becomes_a_conversation(client, clock):
    avatar = client.avatars.create(name="Coach", personality="p", reference_image=IMG, start_script="Ready to play?",
                                   voice={"type": "runway-live-preset", "preset_id": "leo"})
    tool = {"type": "backend_rpc", "name": "book_court", "description": "Books a court.", "timeout_seconds": 5,
            "parameters": [{"type": "string", "name": "day", "description": "Which day", "enum": ["mon", "tue"]}]}
    made = client.realtime_sessions.create(model="gwm1_avatars", avatar={"type": "custom", "avatar_id": avatar.id},
                                           max_duration=20, tools=[tool])
    statuses = []
    for _ in range(8):  # every 5 s: provisioning 8 s, the caller joins at 12 s and talks 20 s
        session = client.realtime_sessions.retrieve(made.id)
        statuses.append(session.status)
        if session.status == "READY":
            assert session.session_key and session.expires_at > session.created_at
        if statuses[-1] == "NOT_READY":
            talk = client.avatar_conversations.retrieve(made.id)
            assert (talk.status, talk.started_at, talk.transcript) == ("in_progress", None, [])
        later(clock, 5)
    assert statuses[:4] == ["NOT_READY", "NOT_READY", "READY", "RUNNING"] and statuses[-1] == "COMPLETED"
    assert client.realtime_sessions.retrieve(made.id).duration == 20
    talk = client.avatar_conversations.retrieve(made.id)
    assert (talk.status, talk.duration, talk.max_duration, talk.avatar.id) == ("ended", 20, 20, avatar.id)
    assert [t.content for t in talk.transcript] == ["Ready to play?"] and talk.ended_at > talk.started_at
    assert [t.name for t in talk.tools] == ["book_court"] and fetch(talk.recording_url).startswith(b"ID3")
    listed = list(client.avatar_conversations.list(limit=5, avatar=avatar.id))
    assert [c.id for c in listed] == [made.id] and listed[0].has_tools and listed[0].duration == 20
    now = dt.datetime.now(dt.UTC)
    usage = client.avatars.get_usage(start_date=now - dt.timedelta(days=3), end_date=now + dt.timedelta(days=2))
    assert usage.total_sessions >= 1 and usage.total_seconds >= 20 and len(usage.by_day) in (5, 6)
    assert sum(d.sessions for d in usage.by_day) == usage.total_sessions
    client.avatar_conversations.delete(made.id)
    with pytest.raises(runwayml.NotFoundError):
        client.avatar_conversations.retrieve(made.id)
    client.avatars.delete(avatar.id)


def test_session_cancel_and_conversation_pages(client, clock):
    made = [client.realtime_sessions.create(model="gwm1_avatars",
                                            avatar={"type": "runway-preset", "preset_id": "tennis-coach"}).id
            for _ in range(3)]
    client.realtime_sessions.delete(made[0])
    assert client.realtime_sessions.retrieve(made[0]).status == "CANCELLED"
    later(clock, 100)
    assert client.realtime_sessions.retrieve(made[1]).status == "COMPLETED"
    seen = ids_of(client.avatar_conversations.list(limit=1))
    assert [x for x in seen if x in made] == made[::-1] and len(seen) == len(set(seen))
    summary = next(c for c in client.avatar_conversations.list(limit=10) if c.id == made[0])
    assert (summary.status, summary.duration, summary.avatar.name) == ("ended", None, "Tennis Coach")
    with pytest.raises(runwayml.NotFoundError):
        client.realtime_sessions.retrieve("no-such-session")


def test_sessions_refuse_bad_requests(client):
    preset = {"type": "runway-preset", "preset_id": "influencer"}
    refused(lambda: client.realtime_sessions.create(model="gwm2", avatar=preset), "model")
    refused(lambda: client.realtime_sessions.create(model="gwm1_avatars", avatar={**preset, "preset_id": "x"}),
            "avatar.presetId")
    refused(lambda: client.realtime_sessions.create(model="gwm1_avatars", avatar={"type": "custom",
                                                                                  "avatar_id": "nope"}),
            "avatar.avatarId")
    refused(lambda: client.realtime_sessions.create(
        model="gwm1_avatars", avatar=preset, tools=[{"type": "client_event", "name": "9lives", "description": "d"}]),
        "tools.0.name")
    refused(lambda: client.realtime_sessions.create(
        model="gwm1_avatars", avatar=preset,
        integration={"type": "livekit", "token": "t", "room_name": "r", "url": "ws://localhost:7880"}),
        "integration.url")
    refused(raw_post(client, "/v1/realtime_sessions", {"model": "gwm1_avatars"}), "avatar")
    now = dt.datetime.now(dt.UTC)
    refused(lambda: client.avatars.get_usage(start_date=now, end_date=now + dt.timedelta(days=91)), "endDate")
    refused(lambda: client.avatar_conversations.list(limit=-1, start_date="last tuesday"), "limit", "startDate")


# -- routers ----------------------------------------------------------------------------------------
def test_routers_round_trip(client, clock):
    router = client.routers.create(slug="production-video", description="for the launch")
    assert (router.name, router.version, router.settings.optimize_for, router.settings.schema_version) == (
        "production-video", 1, "cost", 1)
    with pytest.raises(runwayml.ConflictError):
        client.routers.create(slug="production-video")
    later(clock, 1)
    renamed = client.routers.update(router.id, name="Launch videos")
    assert (renamed.name, renamed.version, renamed.slug) == ("Launch videos", 1, "production-video")
    tuned = client.routers.update(router.id, settings={
        "models": {"mode": "allowlist_only", "ids": ["gen4.5", "veo3.1"]}, "max_credits_per_generation": {"video": 400}})
    assert tuned.version == 2 and tuned.settings.models.ids == ["gen4.5", "veo3.1"]
    merged = client.routers.update(router.id, settings={"optimize_for": "quality",
                                                        "max_credits_per_generation": {"video": None}})
    assert (merged.version, merged.settings.optimize_for, merged.settings.models.mode) == (3, "quality", "allowlist_only")
    assert merged.settings.max_credits_per_generation.video is None
    assert client.routers.retrieve(router.id).settings.model_dump() == merged.settings.model_dump()
    others = [client.routers.create(slug=f"r{i}").id for i in range(3)]
    seen = ids_of(client.routers.list(limit=2))
    assert sorted(x for x in seen if x in [router.id, *others]) == sorted([router.id, *others])
    assert len(seen) == len(set(seen))
    assert list(client.routers.list_requests(router.id, limit=10)) == []
    for ident in [router.id, *others]:
        client.routers.delete(ident)
    with pytest.raises(runwayml.NotFoundError):
        client.routers.retrieve(router.id)
    with pytest.raises(runwayml.NotFoundError):
        client.routers.list_requests(router.id, limit=10)


def test_routers_refuse_bad_requests(client):
    refused(raw_post(client, "/v1/routers", {"name": "no slug"}), "slug")
    refused(lambda: client.routers.create(slug="x", settings={"optimize_for": "vibes"}), "settings.optimizeFor")
    refused(lambda: client.routers.create(slug="x", settings={"models": {"mode": "denylist", "ids": []}}),
            "settings.models.mode")
    refused(lambda: client.routers.create(slug="x", settings={"models": {"mode": "allowlist_only",
                                                                          "ids": ["gen9"]}}), "settings.models.ids.0")
    refused(lambda: client.routers.create(slug="x", settings={"models": {"mode": "allowlist_only"}}),
            "settings.models.ids")


# -- workflows --------------------------------------------------------------------------------------
def test_workflow_runs_to_success_with_every_node_output(client, clock):
    listing = client.workflows.list().data
    assert {w.name for w in listing} == {"Product still", "Teaser with narration"}
    still = next(w for w in listing if w.name == "Product still")
    assert [v.version for v in still.versions] == [2, 1]
    teaser = next(w for w in listing if w.name == "Teaser with narration").versions[0]
    workflow = client.workflows.retrieve(teaser.id)
    nodes = workflow.graph.nodes
    prompt_node, generators = nodes[0]["id"], [n["id"] for n in nodes[1:]]
    run = client.workflows.run(teaser.id, node_outputs={prompt_node: {"text": {"type": "primitive",
                                                                               "value": "A kite over dunes"}}})
    seen, outputs = [], {}
    for _ in range(30):
        inv = client.workflow_invocations.retrieve(run.id)
        if not seen or seen[-1] != inv.status:
            seen.append(inv.status)
        if inv.status == "RUNNING":
            assert 0 <= inv.progress < 1 and set(inv.output) <= set(generators)
        if inv.status == "SUCCEEDED":
            outputs = inv.output
            break
        later(clock, 2)
    assert seen == ["PENDING", "RUNNING", "SUCCEEDED"]
    assert set(outputs) == set(generators) and inv.cost.credits > 0
    kinds = sorted(fetch(urls[0])[:3] for urls in outputs.values())
    assert kinds == [b"\x00\x00\x00", b"ID3"]  # the clip (MP4) and the narration (MP3)


def test_workflows_refuse_bad_requests(client):
    workflow_id = client.workflows.list().data[0].versions[0].id
    refused(lambda: client.workflows.run(workflow_id, node_outputs={"not-a-node": {
        "text": {"type": "primitive", "value": "x"}}}), "nodeOutputs.not-a-node")
    node = client.workflows.retrieve(workflow_id).graph.nodes[0]["id"]
    refused(lambda: client.workflows.run(workflow_id, node_outputs={node: {"text": {"type": "gif", "uri": "x"}}}),
            f"nodeOutputs.{node}.text.type")
    refused(lambda: client.workflows.run(workflow_id, node_outputs={node: {"img": {"type": "image", "uri": "x"}}}),
            f"nodeOutputs.{node}.img.uri")
    for call in (lambda: client.workflows.retrieve("nope"), lambda: client.workflows.run("nope"),
                 lambda: client.workflow_invocations.retrieve("nope")):
        with pytest.raises(runwayml.NotFoundError):
            call()


# -- organization and the web app's reports ----------------------------------------------------------
def test_organization_and_webapp_reports(client):
    org = client.organization.retrieve()
    assert org.credit_balance >= 0 and org.tier.max_monthly_credit_spend > 0
    assert client.organization.retrieve_usage().results == []
    client.post("/v1/text_to_image", body={"model": "gen4_image", "promptText": "A lamp", "ratio": "1280:720"},
                cast_to=object)  # a charge, made without the task's typed response (not this module's subject)
    used = client.organization.retrieve_usage()
    assert used.models == ["gen4_image"] and used.results[0].used_credits[0].amount > 0
    now = dt.datetime.now(dt.UTC)
    rows = list(client.organization.webapp.list_usage(from_=now - dt.timedelta(days=30), to=now, limit=3))
    assert len(rows) == 8 and [r.timestamp for r in rows] == sorted((r.timestamp for r in rows), reverse=True)
    assert {r.type for r in rows} == {"charge", "refund"} and any(r.credits < 0 for r in rows)
    recent = list(client.organization.webapp.list_usage(from_=(now - dt.timedelta(days=3)).date(), to=now, limit=50))
    assert 0 < len(recent) < len(rows)
    logins = list(client.organization.webapp.audit_logs.list(limit=1, actions="UserLogin,InviteAccepted"))
    assert [e.action for e in logins] == ["UserLogin", "UserLogin", "InviteAccepted"]
    entry = client.organization.webapp.audit_logs.retrieve(logins[0].event_id)
    assert (entry.event_id, entry.action, entry.metadata.login_method) == (logins[0].event_id, "UserLogin", "sso")
    refused(lambda: client.organization.webapp.audit_logs.list(limit=5, actions="UserLogin,Teleported"), "actions")
    refused(lambda: client.organization.webapp.list_usage(from_="yesterday", to=now, limit=5), "from")
    with pytest.raises(runwayml.NotFoundError):
        client.organization.webapp.audit_logs.retrieve("no-such-event")
    with pytest.raises(runwayml.NotFoundError):
        client.organization.webapp.audit_logs.list(limit=5, organization_id="org_elsewhere")


def test_upload_then_use_as_avatar_image(client):
    from media_samples import png_bytes

    uri = client.uploads.create_ephemeral(file=("face.png", png_bytes()), file_metadata='{"note": "face"}').uri
    avatar = client.avatars.create(name="Uploaded", personality="p", reference_image=uri,
                                   voice={"type": "runway-live-preset", "preset_id": "nina"})
    assert avatar.reference_image_uri == uri
    client.avatars.delete(avatar.id)


def test_unknown_ids_are_404(client):
    for call in (client.avatars.retrieve, client.avatars.delete, client.documents.retrieve, client.documents.delete,
                 client.voices.retrieve, client.voices.delete, client.routers.retrieve, client.routers.delete,
                 client.realtime_sessions.delete, client.avatar_conversations.retrieve,
                 client.avatar_conversations.delete):
        with pytest.raises(runwayml.NotFoundError):
            call("00000000-0000-0000-0000-000000000000")


# -- async ------------------------------------------------------------------------------------------
def test_async_client_round_trip(sb, clock):
    async def main():
        async with runwayml.AsyncRunwayML(base_url=sb.base_url, api_key=sb.api_key,
                                          _strict_response_validation=True) as c:
            made = [await c.documents.create(name=f"async {i}", content="x") for i in range(3)]
            seen = [d.id async for d in c.documents.list(limit=2, order="asc", sort="createdAt")]
            assert [x for x in seen if x in {d.id for d in made}] == [d.id for d in made]
            workflow = (await c.workflows.list()).data[0].versions[0].id
            run = await c.workflows.run(workflow)
            later(clock, 100)
            done = await c.workflow_invocations.retrieve(run.id)
            for d in made:
                await c.documents.delete(d.id)
            with pytest.raises(runwayml.NotFoundError):
                await c.documents.retrieve(made[0].id)
            return done

    done = asyncio.run(main())
    assert done.status == "SUCCEEDED" and len(done.output) == 1


# -- real time, real media ------------------------------------------------------------------------
def test_wait_for_workflow_output_with_real_media(monkeypatch):
    """The SDK's own waiting (wait_for_task_output) on a real clock, and the synth's real files."""
    from runwayml.lib import polling

    from runway_nb import formats

    monkeypatch.setattr(polling, "POLL_TIME", 0.02)
    monkeypatch.setattr(polling, "POLL_JITTER", 0.0)
    with serve(time_scale=0.002) as live, runwayml.RunwayML(base_url=live.base_url, api_key=live.api_key,
                                                            _strict_response_validation=True) as c:
        teaser = next(w for w in c.workflows.list().data if w.name == "Teaser with narration").versions[0].id
        run = c.workflows.run(teaser)
        done = c.workflow_invocations.retrieve(run.id).wait_for_task_output(timeout=60)
        assert done.status == "SUCCEEDED"
        kinds = sorted(formats.sniff(fetch(urls[0])[:64]) for urls in done.output.values())
    assert kinds == [("audio", "mp3"), ("video", "mp4")], kinds


def test_workflow_run_fails_under_a_failing_fault_profile():
    from runway_nb.sandbox import FaultProfile

    clock = FakeClock()
    engine = Engine(clock=clock, synth=FakeSynth(), time_scale=SCALE,
                    faults=FaultProfile(fail_rate=1.0, failure_codes=("SAFETY.OUTPUT.VIDEO",)))
    with serve(engine=engine) as failing, runwayml.RunwayML(base_url=failing.base_url, api_key=failing.api_key,
                                                            _strict_response_validation=True, max_retries=0) as c:
        teaser = next(w for w in c.workflows.list().data if w.name == "Teaser with narration").versions[0].id
        run = c.workflows.run(teaser)
        clock.advance(100 * SCALE)
        inv = c.workflow_invocations.retrieve(run.id)
        assert (inv.status, inv.failure_code) == ("FAILED", "SAFETY.OUTPUT.VIDEO")
        (node_id, error), = inv.node_errors.items()
        assert error.failure_code == "SAFETY.OUTPUT.VIDEO" and error.node_name in inv.failure
        clip, narration = (n["id"] for n in c.workflows.retrieve(teaser).graph.nodes[1:])
        assert node_id in (clip, narration)
        assert inv.cost.credits == (0 if node_id == clip else 25)  # only nodes before the failure are charged
    engine.close()
