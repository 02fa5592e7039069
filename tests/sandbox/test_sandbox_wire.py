"""The wire, in-process (httpx.ASGITransport + FakeClock + FakeSynth): every model, lifecycle, files, uploads."""

from __future__ import annotations

import base64

import pytest
from media_samples import png_bytes
from sandbox_support import AUDIO_SECONDS, CASE_IDS, T2V, VIDEO_SECONDS, case, expected, finish

from runway_nb import catalog, formats, pricing

pytestmark = pytest.mark.anyio


def _bytes_of(uri: str) -> bytes | None:
    return formats.parse_data_uri(uri)[1] if uri.startswith("data:") else None


@pytest.mark.parametrize("case_id", CASE_IDS)
async def test_every_model_on_every_endpoint(engine, clock, fake_synth, asgi_client, all_cases, case_id):
    path, body = case(all_cases, case_id)
    async with asgi_client(engine) as c:
        r = await c.post(path, json=body)
        assert r.status_code == 200, r.text
        assert set(r.json()) == {"id", "estimatedCost"}
        tid = r.json()["id"]
        assert r.json()["estimatedCost"] == {"credits": engine.task(tid).credits}
        finish(engine, clock)
        task = (await c.get(f"/v1/tasks/{tid}")).json()
        assert task["status"] == "SUCCEEDED" and len(task["output"]) == 1
        file = await c.get(task["output"][0])
    want = expected(path, body)
    ext = {"video": "mp4", "image": "png", "audio": "mp3"}[want["kind"]]
    assert file.status_code == 200 and task["output"][0].split("?")[0].endswith("." + ext)
    assert file.headers["content-type"] == {"mp4": "video/mp4", "png": "image/png", "mp3": "audio/mpeg"}[ext]

    # the synth was asked for what the request says
    (name, args, kw), = fake_synth.calls
    if name == "video":
        assert args == (*want["size"], want["seconds"]) and kw["audio"] == want["audio"]
        first = body.get("promptImage")
        first_uri = first if isinstance(first, str) else first[0]["uri"] if first else None
        assert kw["first_frame"] == (first_uri and _bytes_of(first_uri))
        if isinstance(first, list) and len(first) > 1:
            assert kw["last_frame"] == _bytes_of(first[1]["uri"])
    elif name == "video_like":
        assert args[1:] == (pytest.approx(VIDEO_SECONDS, abs=0.1), *want["size"])
        assert args[0] is not None  # the source video was decoded and used
    elif name == "image":
        assert args == want["size"]
        refs = [_bytes_of(r["uri"]) for r in body.get("referenceImages", [])]
        assert kw["references"] == [r for r in refs if r is not None]
    elif name == "speech":
        assert args == (body["promptText"],) and kw["voice"] == "Maya"
    elif name == "sound":
        assert args == (body["promptText"], 2.5)
    else:
        assert name == "audio_like" and args[1] == pytest.approx(want["seconds"], abs=0.1)

    # charged exactly the estimate, with the measured input length
    measured = {"/v1/video_to_video": VIDEO_SECONDS, "/v1/character_performance": VIDEO_SECONDS,
                "/v1/voice_isolation": AUDIO_SECONDS, "/v1/speech_to_speech": AUDIO_SECONDS}.get(path)
    cost = pricing.estimate(body["model"], body, input_seconds=measured).credits
    assert engine.stats()["creditsCharged"] == cost


async def test_measured_input_length_drives_the_price(engine, asgi_client, all_cases):
    path, body = case(all_cases, "gen4_aleph-v2v")
    async with asgi_client(engine) as c:
        assert (await c.post(path, json=body)).status_code == 200
        assert (await c.post(path, json=dict(body, videoUri="https://example.com/v.mp4"))).status_code == 200
    measured, nominal = 15 * 4, 15 * int(catalog.NOMINAL_INPUT_SECONDS["video"])  # 3.5 s rounds up to 4
    assert engine.stats()["creditsCharged"] == measured + nominal


async def test_delete_of_running_task_cancels_then_404(engine, clock, asgi_client):
    async with asgi_client(engine) as c:
        tid = (await c.post("/v1/text_to_video", json=T2V)).json()["id"]
        while (await c.get(f"/v1/tasks/{tid}")).json()["status"] != "RUNNING":
            clock.advance(0.001)
        r = await c.delete(f"/v1/tasks/{tid}")
        assert r.status_code == 204 and r.content == b""
        assert (await c.get(f"/v1/tasks/{tid}")).status_code == 404
        assert (await c.delete(f"/v1/tasks/{tid}")).status_code == 404
    assert engine.task(tid).state == "CANCELLED"


async def test_throttled_over_the_wire_then_runs(make_engine, clock, asgi_client):
    engine = make_engine(concurrency=1)
    async with asgi_client(engine) as c:
        a = (await c.post("/v1/text_to_video", json=T2V)).json()["id"]
        b = (await c.post("/v1/text_to_video", json=T2V)).json()["id"]
        assert (await c.get(f"/v1/tasks/{b}")).json() == {
            "id": b, "status": "THROTTLED", "createdAt": (await c.get(f"/v1/tasks/{b}")).json()["createdAt"],
            "estimatedCost": {"credits": 24}}
        finish(engine, clock)
        assert [(await c.get(f"/v1/tasks/{t}")).json()["status"] for t in (a, b)] == ["SUCCEEDED"] * 2


async def test_delete_of_finished_task_removes_its_files(engine, clock, asgi_client):
    async with asgi_client(engine) as c:
        tid = (await c.post("/v1/text_to_video", json=T2V)).json()["id"]
        finish(engine, clock)
        url = (await c.get(f"/v1/tasks/{tid}")).json()["output"][0]
        assert (await c.get(url)).status_code == 200
        assert (await c.delete(f"/v1/tasks/{tid}")).status_code == 204
        assert (await c.get(f"/v1/tasks/{tid}")).status_code == 404
        assert (await c.get(url)).status_code == 404
    assert engine.stats()["status"]["SUCCEEDED"] == 1 and engine.stats()["deleted"] == 1


async def test_unknown_task_is_404(engine, asgi_client):
    async with asgi_client(engine) as c:
        assert (await c.get("/v1/tasks/nope")).status_code == 404
        assert (await c.delete("/v1/tasks/nope")).status_code == 404


async def test_urls_expire_with_403_and_a_fresh_get_gives_fresh_urls(make_engine, clock, asgi_client):
    engine = make_engine(url_ttl=60)
    async with asgi_client(engine) as c:
        tid = (await c.post("/v1/text_to_video", json=T2V)).json()["id"]
        finish(engine, clock, seconds=10)
        old = (await c.get(f"/v1/tasks/{tid}")).json()["output"][0]
        assert (await c.get(old)).status_code == 200
        clock.advance(61)
        r = await c.get(old)
        assert r.status_code == 403 and "expired" in r.json()["error"]
        fresh = (await c.get(f"/v1/tasks/{tid}")).json()["output"][0]
        assert fresh != old and (await c.get(fresh)).status_code == 200


async def test_range_requests(engine, clock, asgi_client):
    async with asgi_client(engine) as c:
        tid = (await c.post("/v1/text_to_video", json=T2V)).json()["id"]
        finish(engine, clock)
        url = (await c.get(f"/v1/tasks/{tid}")).json()["output"][0]
        whole = await c.get(url)
        size = len(whole.content)
        assert whole.headers["accept-ranges"] == "bytes" and int(whole.headers["content-length"]) == size
        part = await c.get(url, headers={"Range": "bytes=10-19"})
        assert part.status_code == 206 and part.content == whole.content[10:20]
        assert part.headers["content-range"] == f"bytes 10-19/{size}"
        tail = await c.get(url, headers={"Range": "bytes=-5"})
        assert tail.status_code == 206 and tail.content == whole.content[-5:]
        assert (await c.get(url, headers={"Range": f"bytes={size + 10}-"})).status_code == 416
        head = await c.head(url)
        assert head.status_code == 200 and int(head.headers["content-length"]) == size


@pytest.mark.parametrize("tail", [
    "../../../etc/passwd", "..%2F..%2F..%2Fetc%2Fpasswd", "%2e%2e/%2e%2e/etc/passwd", "0.mp4/../../x",
])
async def test_output_route_refuses_path_traversal(engine, clock, asgi_client, tail):
    async with asgi_client(engine) as c:
        tid = (await c.post("/v1/text_to_video", json=T2V)).json()["id"]
        finish(engine, clock)
        url = (await c.get(f"/v1/tasks/{tid}")).json()["output"][0]
        query = url.split("?", 1)[1]
        for raw in (f"/_sandbox/outputs/{tid}/{tail}?{query}", f"/_sandbox/outputs/{tail}?{query}"):
            r = await c.get(raw)
            assert r.status_code in (403, 404) and b"root:" not in r.content


async def test_a_signed_name_outside_the_task_outputs_is_still_404(engine, clock, asgi_client):
    async with asgi_client(engine) as c:
        tid = (await c.post("/v1/text_to_video", json=T2V)).json()["id"]
        finish(engine, clock)
        forged = engine.outputs.url("http://sandbox", tid, "..", engine.wall())  # as if the key leaked
        assert (await c.get(forged)).status_code in (403, 404)
        bad_sig = (await c.get(f"/v1/tasks/{tid}")).json()["output"][0][:-4] + "0000"
        assert (await c.get(bad_sig)).status_code == 403


async def test_rate_limit_answers_429_with_retry_after(make_engine, clock, asgi_client):
    engine = make_engine(rate_limit=1)
    async with asgi_client(engine) as c:
        assert (await c.get("/v1/organization")).status_code == 200
        r = await c.get("/v1/organization")
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1 and "retry-after-ms" in r.headers
        assert (await c.post("/v1/text_to_video", json=T2V)).status_code == 429
        clock.advance(1.0)
        assert (await c.post("/v1/text_to_video", json=T2V)).status_code == 200
    assert engine.stats()["created"] == 1


async def test_upload_flow_then_the_runway_uri_is_used(engine, clock, fake_synth, asgi_client):
    image = png_bytes(40, 30)
    async with asgi_client(engine) as c:
        r = await c.post("/v1/uploads", json={"filename": "photo.png", "type": "ephemeral"})
        assert r.status_code == 200 and set(r.json()) == {"uploadUrl", "fields", "runwayUri"}
        up = r.json()
        assert up["runwayUri"].startswith("runway://") and all(isinstance(v, str) for v in up["fields"].values())
        # the presigned POST carries no Runway headers at all
        r = await c.post(up["uploadUrl"], data=up["fields"], files={"file": ("photo.png", image)},
                         headers={"Authorization": "", "X-Runway-Version": ""})
        assert r.status_code == 204
        body = {"model": "gen4.5", "promptImage": up["runwayUri"], "promptText": "x", "ratio": "1280:720",
                "duration": 2}
        assert (await c.post("/v1/image_to_video", json=body)).status_code == 200
        finish(engine, clock)
    assert fake_synth.calls[0][2]["first_frame"] == image
    assert engine.stats()["uploads"] == 1


async def test_upload_target_checks_the_form(make_engine, asgi_client):
    engine = make_engine(upload_limit=1000)
    async with asgi_client(engine) as c:
        up = (await c.post("/v1/uploads", json={"filename": "a.png"})).json()
        tampered = dict(up["fields"], key="uploads/other/a.png")
        assert (await c.post(up["uploadUrl"], data=tampered, files={"file": ("a.png", png_bytes())})).status_code == 403
        bad_sig = dict(up["fields"], **{"x-amz-signature": "0" * 64})
        assert (await c.post(up["uploadUrl"], data=bad_sig, files={"file": ("a.png", png_bytes())})).status_code == 403
        assert (await c.post(up["uploadUrl"], data=up["fields"])).status_code == 400  # no file part
        big = b"\x89PNG\r\n\x1a\n" + b"\x00" * 2000
        r = await c.post(up["uploadUrl"], data=up["fields"], files={"file": ("a.png", big)})
        assert r.status_code == 413 and "EntityTooLarge" in r.json()["error"]
        unknown = up["uploadUrl"].rsplit("/", 1)[0] + "/" + "f" * 32
        assert (await c.post(unknown, data=up["fields"], files={"file": ("a.png", png_bytes())})).status_code == 404
        assert (await c.post("/v1/uploads", json={"type": "ephemeral"})).status_code == 400
    assert engine.stats()["uploads"] == 0 and not list(engine.uploads.root.iterdir())


async def test_organization_shape(engine, asgi_client):
    async with asgi_client(engine) as c:
        await c.post("/v1/text_to_video", json=T2V)
        org = (await c.get("/v1/organization")).json()
    assert set(org) == {"creditBalance", "tier", "usage"}
    assert set(org["tier"]) == {"maxMonthlyCreditSpend", "models"} and set(org["usage"]) == {"models"}
    assert org["creditBalance"] == 10_000 - 24
    assert set(org["tier"]["models"]) == set(catalog.MODELS)
    for limits in org["tier"]["models"].values():
        assert set(limits) == {"maxConcurrentGenerations", "maxDailyGenerations"}
        assert all(type(v) is int for v in limits.values())
    assert org["usage"]["models"]["gen4.5"] == {"dailyGenerations": 1}
    assert all(type(v["dailyGenerations"]) is int for v in org["usage"]["models"].values())
    assert type(org["creditBalance"]) is int and type(org["tier"]["maxMonthlyCreditSpend"]) is int


async def test_usage_shape_and_date_rules(engine, asgi_client):
    async with asgi_client(engine) as c:
        await c.post("/v1/text_to_video", json=T2V)
        usage = (await c.post("/v1/organization/usage", json={})).json()
        assert usage["models"] == ["gen4.5"]
        (day,) = usage["results"]
        assert set(day) == {"date", "usedCredits"} and len(day["date"]) == 10
        assert day["usedCredits"] == [{"model": "gen4.5", "amount": 24}]
        assert (await c.post("/v1/organization/usage")).status_code == 200  # no body at all
        empty = await c.post("/v1/organization/usage", json={"startDate": "2020-01-01", "beforeDate": "2020-02-01"})
        assert empty.json() == {"models": [], "results": []}
        for bad in ({"startDate": "01/02/2020"}, {"startDate": "2020-02-30"},
                    {"startDate": "2020-01-01", "beforeDate": "2020-06-01"},
                    {"startDate": "2020-01-02", "beforeDate": "2020-01-01"}):
            r = await c.post("/v1/organization/usage", json=bad)
            assert r.status_code == 400 and r.json()["error"], bad


async def test_stats_route_needs_auth_and_counts(engine, asgi_client):
    async with asgi_client(engine) as c:
        await c.post("/v1/text_to_video", json=T2V)
        stats = (await c.get("/_sandbox/stats")).json()
    assert stats["created"] == 1 and len(stats["task_ids"]) == 1 and stats["status"]["PENDING"] == 1


async def test_data_uri_image_really_reaches_the_synth(engine, clock, fake_synth, asgi_client):
    image = png_bytes(20, 10, (1, 2, 3))
    uri = "data:image/png;base64," + base64.b64encode(image).decode()
    body = {"model": "gen4_image", "promptText": "x", "ratio": "720:720", "referenceImages": [{"uri": uri}]}
    async with asgi_client(engine) as c:
        assert (await c.post("/v1/text_to_image", json=body)).status_code == 200
        finish(engine, clock)
    assert fake_synth.calls[0][2]["references"] == [image]


@pytest.mark.parametrize("model", catalog.TEXT_ONLY_ON_IMAGE_TO_VIDEO)
async def test_text_only_bodies_are_taken_on_image_to_video_too(engine, clock, fake_synth, asgi_client, model):
    body = {"model": model, "promptText": "A quiet harbour", "ratio": "1280:720", "duration": 8}
    async with asgi_client(engine) as c:
        for path in ("/v1/text_to_video", "/v1/image_to_video"):
            r = await c.post(path, json=body)
            assert r.status_code == 200, r.text
        finish(engine, clock)
    assert [call[2]["first_frame"] for call in fake_synth.calls] == [None, None]
    assert engine.stats()["status"]["SUCCEEDED"] == 2
