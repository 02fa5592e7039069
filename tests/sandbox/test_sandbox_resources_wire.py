"""The management resources on the wire, in-process (ASGITransport, FakeClock, FakeSynth), no SDK needed.

What the SDK hides: status codes and empty bodies, the 400 body's issues, cursors that survive
deletions, the gate in front of every route, and the signed file URLs.
"""

from __future__ import annotations

import asyncio

import pytest
from sandbox_support import H

from runway_nb.sandbox.resources import TABLE, resources_for

DOC = {"name": "Notes", "content": "Some text."}


def run(coro):
    return asyncio.run(coro)


def test_create_delete_and_404_on_the_wire(engine, asgi_client):
    async def go():
        async with asgi_client(engine) as c:
            made = await c.post("/v1/documents", json=DOC)
            assert made.status_code == 200 and made.json()["usedBy"] == []
            ident = made.json()["id"]
            patched = await c.patch(f"/v1/documents/{ident}", json={"name": "Renamed"})
            assert (patched.status_code, patched.content) == (204, b"")
            gone = await c.delete(f"/v1/documents/{ident}")
            assert (gone.status_code, gone.content) == (204, b"")
            again = await c.get(f"/v1/documents/{ident}")
            assert again.status_code == 404 and ident in again.json()["error"]
    run(go())


def test_refusal_body_names_field_value_and_choices(engine, asgi_client):
    async def go():
        async with asgi_client(engine) as c:
            r = await c.post("/v1/voices/preview", json={"model": "eleven_v9", "prompt": "short"})
            assert r.status_code == 400
            (issue,) = r.json()["issues"]  # the model chooses the shape, so it is judged first
            assert (issue["path"], issue["value"]) == (["model"], "eleven_v9") and "eleven_ttv_v3" in issue["message"]
            r = await c.post("/v1/voices/preview", json={"model": "eleven_ttv_v3", "prompt": "short", "pitch": 3})
            issues = {".".join(map(str, i["path"])): i for i in r.json()["issues"]}
            assert set(issues) == {"prompt", "pitch"} and "5 characters" in issues["prompt"]["message"]
            assert "not accepted" in issues["pitch"]["message"]  # the SDK's types have no such field
            r = await c.post("/v1/routers", content=b"[1, 2]")
            assert r.status_code == 400 and "JSON object" in r.json()["error"]
            r = await c.get("/v1/avatars")
            assert r.status_code == 400 and r.json()["issues"][0]["path"] == ["limit"]
    run(go())


def test_every_route_passes_the_gate(engine, asgi_client):
    async def go():
        async with asgi_client(engine, headers={"X-Runway-Version": H["X-Runway-Version"]}) as c:
            for method, path, _ in TABLE:
                r = await c.request(method, path.replace("{id}", "x"))
                assert r.status_code == 401, (method, path)
    run(go())


def test_cursor_survives_deleting_the_item_it_points_at(engine, asgi_client, clock):
    async def go():
        async with asgi_client(engine) as c:
            ids = []
            for i in range(5):
                ids.append((await c.post("/v1/routers", json={"slug": f"r{i}"})).json()["id"])
                clock.advance(0.01)
            first = (await c.get("/v1/routers", params={"limit": 2})).json()
            assert [x["id"] for x in first["data"]] == [ids[4], ids[3]]
            await c.delete(f"/v1/routers/{ids[3]}")  # the cursor's own item
            rest = (await c.get("/v1/routers", params={"limit": 10, "cursor": first["nextCursor"]})).json()
            assert [x["id"] for x in rest["data"]] == [ids[2], ids[1], ids[0]] and rest["nextCursor"] is None
    run(go())


def test_file_urls_are_signed(engine, asgi_client, clock):
    async def go():
        async with asgi_client(engine) as c:
            voice = (await c.post("/v1/voices", json={"name": "V", "from": {
                "type": "text", "model": "eleven_ttv_v3", "prompt": "A bright and quick young voice"}})).json()
            clock.advance(1)
            url = (await c.get(f"/v1/voices/{voice['id']}")).json()["previewUrl"]
            assert (await c.get(url)).status_code == 200
            tampered = url.replace("sig=", "sig=0")
            assert (await c.get(tampered)).status_code == 403
    run(go())


@pytest.mark.parametrize("spec", ["referenceImage", "voice.presetId"])
def test_a_refused_create_makes_nothing(engine, asgi_client, spec):
    body = {"name": "A", "personality": "p", "referenceImage": "https://example.com/a.png",
            "voice": {"type": "runway-live-preset", "presetId": "max"}}
    if spec == "referenceImage":
        body["referenceImage"] = "data:image/png;base64,AAAA"
    else:
        body["voice"]["presetId"] = "nobody"

    async def go():
        async with asgi_client(engine) as c:
            r = await c.post("/v1/avatars", json=body)
            assert r.status_code == 400 and r.json()["issues"][0]["path"] == spec.split(".")
    run(go())
    assert len(resources_for(engine).library.avatars) == 0


def test_every_sdk_operation_has_a_route(engine):
    """Each of the pinned SDK's operations (catalog.api, generated from it) reaches a handler."""
    from starlette.routing import Match

    from runway_nb import catalog
    from runway_nb.sandbox import create_app

    app = create_app(engine)
    unrouted = []
    for op in catalog.api.operations().values():
        scope = {"type": "http", "method": op.method, "path": op.path.replace("{id}", "x1").replace("{event_id}", "x1")}
        if not any(route.matches(scope)[0] == Match.FULL for route in app.routes):
            unrouted.append(op.id)
    assert catalog.api.operations() and unrouted == []


def test_router_update_null_removes_every_cap(engine, asgi_client):
    async def go():
        async with asgi_client(engine) as c:
            made = (await c.post("/v1/routers", json={"slug": "capped", "settings": {
                "maxCreditsPerGeneration": {"video": 100, "image": 10}}})).json()
            r = await c.patch(f"/v1/routers/{made['id']}", json={"settings": {"maxCreditsPerGeneration": None}})
            assert r.status_code == 200, r.text
            assert "maxCreditsPerGeneration" not in r.json()["settings"]
    run(go())
