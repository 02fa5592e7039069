"""Every kind of refusal, in-process over HTTP: right status, a clear body, nothing created or charged."""

from __future__ import annotations

import base64

import pytest
from media_samples import data_uri, gif_bytes, png_bytes, video_bytes
from sandbox_support import HTTPS_IMAGE, PNG_URI, T2V, VERSION

pytestmark = pytest.mark.anyio

BIG_PNG_URI = data_uri(png_bytes() + b"\x00" * 3_800_000, "image/png")  # > 5 MB as a data URI
I2V = {"model": "gen4.5", "promptImage": HTTPS_IMAGE, "promptText": "x", "ratio": "1280:720", "duration": 5}

# (id, path, body, status, words the message must contain, field path of the first issue or None)
REFUSALS = [
    ("unknown-model", "/v1/text_to_video", dict(T2V, model="gen9"), 400, ["gen9"], ["model"]),
    ("model-on-wrong-endpoint", "/v1/text_to_video",
     {"model": "gen4_turbo", "promptText": "x", "ratio": "1280:720"}, 400, ["gen4_turbo"], ["model"]),
    ("missing-field", "/v1/text_to_video", {k: v for k, v in T2V.items() if k != "duration"}, 400,
     ["duration", "required"], ["duration"]),
    ("bad-enum", "/v1/text_to_video", dict(T2V, ratio="960:960"), 400, ["960:960", "1280:720"], ["ratio"]),
    ("bad-range", "/v1/text_to_video", dict(T2V, duration=11), 400, ["11"], ["duration"]),
    ("wrong-type", "/v1/text_to_video", dict(T2V, duration="5"), 400, ["duration"], ["duration"]),
    ("unknown-field", "/v1/text_to_video", dict(T2V, promptImage=HTTPS_IMAGE), 400, ["promptImage"],
     ["promptImage"]),
    ("long-prompt", "/v1/text_to_video", dict(T2V, promptText="a" * 1001), 400, ["1000"], ["promptText"]),
    ("long-prompt-utf16", "/v1/text_to_video", dict(T2V, promptText="\U0001f600" * 501), 400, ["1000"],
     ["promptText"]),
    ("gif-data-uri", "/v1/image_to_video", dict(I2V, promptImage=data_uri(gif_bytes(), "image/gif")), 400, ["GIF"],
     ["promptImage"]),
    ("oversize-data-uri", "/v1/image_to_video", dict(I2V, promptImage=BIG_PNG_URI), 400, ["MB"], ["promptImage"]),
    ("http-url", "/v1/image_to_video", dict(I2V, promptImage="http://example.com/a.jpg"), 400, ["https"],
     ["promptImage"]),
    ("ip-url", "/v1/image_to_video", dict(I2V, promptImage="https://10.0.0.1/a.jpg"), 400, ["IP"], ["promptImage"]),
    ("unknown-runway-uri", "/v1/image_to_video", dict(I2V, promptImage="runway://uploads/nope"), 400,
     ["runway://uploads/nope"], ["promptImage"]),
    ("last-frame-without-first", "/v1/image_to_video",
     {"model": "veo3.1", "ratio": "1280:720", "promptImage": [{"uri": PNG_URI, "position": "last"}]}, 400,
     ["last"], None),
    ("turbo-needs-reference", "/v1/text_to_image", {"model": "gen4_image_turbo", "promptText": "x",
                                                     "ratio": "720:720"}, 400, ["referenceImages"],
     ["referenceImages"]),
    ("bad-voice", "/v1/text_to_speech", {"model": "eleven_multilingual_v2", "promptText": "hi",
                                          "voice": {"type": "runway-preset", "presetId": "Nobody"}}, 400,
     ["Nobody"], None),
    ("bad-language", "/v1/voice_dubbing", {"model": "eleven_voice_dubbing", "audioUri": "https://e.com/a.mp3",
                                            "targetLang": "xx"}, 400, ["xx"], ["targetLang"]),
    ("body-not-object", "/v1/text_to_video", ["not", "an", "object"], 400, ["object"], None),
]


@pytest.mark.parametrize("path, body, status, words, field", [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS])
async def test_refusal_creates_nothing_and_charges_nothing(engine, asgi_client, path, body, status, words, field):
    async with asgi_client(engine) as c:
        r = await c.post(path, json=body)
    assert r.status_code == status, r.text
    err = r.json()
    assert isinstance(err["error"], str)
    for w in words:
        assert w in err["error"], (w, err["error"])
    if field is not None:
        assert err["issues"][0]["path"] == field
    stats = engine.stats()
    assert stats["created"] == 0 and stats["creditBalance"] == 10_000 and stats["refused"] == 1


async def test_invalid_json_is_400(engine, asgi_client):
    async with asgi_client(engine) as c:
        r = await c.post("/v1/text_to_video", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 400 and "JSON" in r.json()["error"]


async def test_missing_authorization_is_401(engine, asgi_client):
    async with asgi_client(engine, headers={"X-Runway-Version": VERSION}) as c:
        for r in (await c.post("/v1/text_to_video", json=T2V), await c.get("/v1/organization"),
                  await c.get("/_sandbox/stats")):
            assert r.status_code == 401 and "API key" in r.json()["error"]
    assert engine.stats()["created"] == 0


async def test_non_bearer_authorization_is_401(engine, asgi_client):
    async with asgi_client(engine, headers={"Authorization": "Basic abc", "X-Runway-Version": VERSION}) as c:
        assert (await c.get("/v1/organization")).status_code == 401


async def test_any_bearer_key_works_when_none_is_set_but_a_set_key_must_match(make_engine, asgi_client):
    async with asgi_client(make_engine()) as c:
        assert (await c.get("/v1/organization")).status_code == 200
    engine = make_engine(api_key="right-key")
    async with asgi_client(engine, headers={"Authorization": "Bearer wrong", "X-Runway-Version": VERSION}) as c:
        r = await c.post("/v1/text_to_video", json=T2V)
        assert r.status_code == 401 and "wrong" not in r.text
    async with asgi_client(engine, headers={"Authorization": "Bearer right-key", "X-Runway-Version": VERSION}) as c:
        assert (await c.post("/v1/text_to_video", json=T2V)).status_code == 200
    assert engine.stats()["created"] == 1


@pytest.mark.parametrize("version", [None, "2023-01-01", ""])
async def test_missing_or_unknown_version_is_400(engine, asgi_client, version):
    headers = {"Authorization": "Bearer k"} | ({"X-Runway-Version": version} if version is not None else {})
    async with asgi_client(engine, headers=headers) as c:
        r = await c.post("/v1/text_to_video", json=T2V)
    assert r.status_code == 400 and "X-Runway-Version" in r.json()["error"] and VERSION in r.json()["error"]
    assert engine.stats()["created"] == 0


async def test_insufficient_credits_is_400_with_the_contract_message(make_engine, asgi_client):
    engine = make_engine(credits=50)
    async with asgi_client(engine) as c:
        r = await c.post("/v1/text_to_video", json=dict(T2V, duration=5))  # 60 credits
    assert r.status_code == 400
    assert r.json()["error"] == "You do not have enough credits to run this task"
    assert engine.stats()["created"] == 0 and engine.stats()["creditBalance"] == 50


async def test_daily_quota_is_429_with_a_clear_message(make_engine, asgi_client):
    engine = make_engine(daily_limit={"gen4.5": 1}, tier=5)
    async with asgi_client(engine) as c:
        assert (await c.post("/v1/text_to_video", json=T2V)).status_code == 200
        r = await c.post("/v1/text_to_video", json=T2V)
        assert r.status_code == 429 and "Daily generation limit reached for gen4.5" in r.json()["error"]
        img = {"model": "gemini_2.5_flash", "promptText": "x", "ratio": "1024:1024"}
        assert (await c.post("/v1/text_to_image", json=img)).status_code == 200  # other models unaffected
    assert engine.stats()["created"] == 2


async def test_expired_runway_uri_is_400_naming_the_field(engine, clock, asgi_client):
    async with asgi_client(engine) as c:
        up = (await c.post("/v1/uploads", json={"filename": "a.png", "type": "ephemeral"})).json()
        r = await c.post(up["uploadUrl"], data=up["fields"], files={"file": ("a.png", png_bytes())})
        assert r.status_code == 204
        assert (await c.post("/v1/image_to_video", json=dict(I2V, promptImage=up["runwayUri"]))).status_code == 200
        clock.advance(24 * 3600 + 1)
        r = await c.post("/v1/image_to_video", json=dict(I2V, promptImage=up["runwayUri"]))
    assert r.status_code == 400 and r.json()["issues"][0]["path"] == ["promptImage"]
    assert "expired" in r.json()["error"]


async def test_upload_of_wrong_kind_is_400_naming_the_field(engine, asgi_client):
    async with asgi_client(engine) as c:
        up = (await c.post("/v1/uploads", json={"filename": "a.gif", "type": "ephemeral"})).json()
        await c.post(up["uploadUrl"], data=up["fields"], files={"file": ("a.gif", gif_bytes())})
        r = await c.post("/v1/image_to_video", json=dict(I2V, promptImage=up["runwayUri"]))
    assert r.status_code == 400 and "GIF" in r.json()["error"]
    assert r.json()["issues"][0]["path"] == ["promptImage"]


@pytest.mark.parametrize("seconds", [2.0, 31.0])
async def test_act_two_reference_must_be_3_to_30_seconds(engine, asgi_client, seconds):
    video = video_bytes(seconds, 32, 32, fps=4)
    body = {"model": "act_two", "character": {"type": "image", "uri": PNG_URI},
            "reference": {"type": "video", "uri": data_uri(video, "video/mp4")}}
    async with asgi_client(engine) as c:
        r = await c.post("/v1/character_performance", json=body)
    assert r.status_code == 400 and "3 to 30 s" in r.json()["error"]
    assert r.json()["issues"][0]["path"] == ["reference", "uri"]
    assert engine.stats()["created"] == 0


async def test_unknown_route_and_method_are_json_errors(engine, asgi_client):
    async with asgi_client(engine) as c:
        r = await c.post("/v1/text_to_sound", json={})
        assert r.status_code == 404 and "error" in r.json()
        r = await c.put("/v1/tasks/abc")
        assert r.status_code == 405 and "error" in r.json()


def test_data_uri_helper_really_is_over_five_mb():
    assert len(BIG_PNG_URI) > 5_000_000
    assert base64.b64decode(BIG_PNG_URI.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
