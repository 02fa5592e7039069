"""Fault injection, in-process: each profile does what it says, reproducibly, and never lies."""

from __future__ import annotations

from collections import Counter

import httpx
import pytest
from sandbox_support import T2V, finish

from runway_nb.sandbox import PROFILES, ConnectionDropped, FaultProfile
from runway_nb.sandbox.faults import Faults

pytestmark = pytest.mark.anyio


async def _run(engine, clock, client, n: int = 120) -> tuple[Counter, list[str]]:
    """n creates and polls; what the client saw, and the ids it was told about (in order, so the
    sequence of requests, and so the faults met, is the same on every run)."""
    seen: Counter = Counter()
    ids: list[str] = []
    for i in range(n):
        try:
            r = await (client.post("/v1/text_to_video", json=T2V) if i % 2 == 0 else client.get("/v1/organization"))
        except httpx.TransportError:
            seen["dropped"] += 1
            continue
        seen[r.status_code] += 1
        if r.status_code == 200 and i % 2 == 0:
            ids.append(r.json()["id"])
    finish(engine, clock)
    for tid in ids:
        try:
            r = await client.get(f"/v1/tasks/{tid}")
        except httpx.TransportError:
            continue
        if r.status_code == 200:
            seen[r.json()["status"]] += 1
            for url in r.json().get("output", []):
                try:
                    seen[f"download {(await client.get(url)).status_code}"] += 1
                except httpx.TransportError:
                    seen["download cut"] += 1
    return seen, ids


def test_named_profiles_exist_and_unknown_is_refused():
    assert set(PROFILES) == {"none", "flaky", "storm", "slow", "chaos"}
    with pytest.raises(ValueError, match="chaos"):
        Faults("typhoon")


def test_decisions_are_deterministic_from_the_seed():
    def run(seed):
        f = Faults("chaos", seed)
        return [(f.on_request(i % 3 == 0), f.on_task(), f.on_download(), f.on_output_urls()) for i in range(300)]

    assert run(7) == run(7)
    assert run(7) != run(8)


@pytest.mark.parametrize("name, must_see", [
    ("none", set()),
    ("flaky", {"5xx", "dropped", "FAILED", "download cut"}),
    ("storm", {429}),
    ("slow", {"slow", "long_throttle"}),
    ("chaos", {429, "5xx", "dropped", "FAILED", "download cut", "download 403", "slow", "long_throttle"}),
])
async def test_each_profile_injects_its_faults(make_engine, clock, asgi_client, name, must_see):
    engine = make_engine(faults=name, tier=5, credits=10**7, fault_seed=1)
    async with asgi_client(engine) as c:
        seen, ids = await _run(engine, clock, c, n=300 if name == "flaky" else 120)
    counts = engine.stats()["faults"]
    seen["5xx"] = sum(seen[s] for s in (500, 502, 503))
    observed = {k for k, v in seen.items() if v} | {k for k in ("slow", "long_throttle") if counts.get(k)}
    assert must_see <= observed, (seen, counts)
    if name == "none":
        assert not counts and set(seen) <= {200, "SUCCEEDED", "download 200", "5xx"} and not seen["5xx"]
    if 429 in must_see:
        assert seen[429] >= 2


async def test_storm_429_carries_retry_after(make_engine, asgi_client):
    engine = make_engine(faults=FaultProfile(storm_rate=1.0, storm_length=3, retry_after=2.0))
    async with asgi_client(engine) as c:
        r = await c.get("/v1/organization")
    assert r.status_code == 429 and r.headers["retry-after"] == "2" and r.headers["retry-after-ms"] == "2000"


async def test_faults_never_lie_about_what_exists(make_engine, clock, asgi_client):
    engine = make_engine(faults="chaos", tier=5, credits=10**7, fault_seed=3)
    async with asgi_client(engine) as c:
        seen, ids = await _run(engine, clock, c, n=200)
    stats = engine.stats()
    created_unseen = stats["faults"].get("drop_after", 0)
    assert created_unseen > 0
    assert set(ids) <= set(stats["task_ids"])
    assert stats["created"] == len(ids) + created_unseen


@pytest.mark.parametrize("after", [0.0, 1.0])
async def test_dropped_create_before_or_after_the_task_exists(make_engine, asgi_client, after):
    engine = make_engine(faults=FaultProfile(drop_rate=1.0, drop_after=after))
    async with asgi_client(engine) as c:
        with pytest.raises(httpx.RemoteProtocolError) as e:
            await c.post("/v1/text_to_video", json=T2V)
    assert isinstance(e.value, ConnectionDropped)
    assert engine.stats()["created"] == int(after)
    assert engine.stats()["creditsCharged"] == 24 * int(after)


async def test_drops_on_reads_happen_before_anything(make_engine, asgi_client):
    engine = make_engine(faults=FaultProfile(drop_rate=1.0, drop_after=1.0))
    tid = engine.create_task("/v1/text_to_video", dict(T2V))
    async with asgi_client(engine) as c:
        with pytest.raises(httpx.TransportError):
            await c.delete(f"/v1/tasks/{tid}")
    assert engine.stats()["deleted"] == 0 and engine.stats()["faults"] == {"drop_before": 1}


async def test_server_errors_are_5xx_json(make_engine, asgi_client):
    engine = make_engine(faults=FaultProfile(error_rate=1.0))
    async with asgi_client(engine) as c:
        codes = {(r := await c.get("/v1/organization")).status_code for _ in range(30)}
        assert "error" in r.json()
    assert codes == {500, 502, 503}


async def test_slow_responses_take_their_time_on_the_clock(make_engine, clock, asgi_client):
    engine = make_engine(faults=FaultProfile(slow_rate=1.0, slow_seconds=7.0))
    async with asgi_client(engine) as c:
        t0 = clock.now()
        assert (await c.get("/v1/organization")).status_code == 200
    assert clock.now() - t0 == pytest.approx(7.0)


async def test_truncated_download_and_expired_urls(make_engine, clock, asgi_client):
    engine = make_engine()
    async with asgi_client(engine) as c:
        tid = (await c.post("/v1/text_to_video", json=T2V)).json()["id"]
        finish(engine, clock)
        engine.set_faults(FaultProfile(truncate_rate=1.0))
        url = (await c.get(f"/v1/tasks/{tid}")).json()["output"][0]
        with pytest.raises(httpx.RemoteProtocolError):
            await c.get(url)
        ranged = await c.get(url, headers={"Range": "bytes=0-3"})  # a ranged read is served whole
        assert ranged.status_code == 206 and len(ranged.content) == 4
        engine.set_faults(FaultProfile(expire_rate=1.0))
        expired = (await c.get(f"/v1/tasks/{tid}")).json()["output"][0]
        assert (await c.get(expired)).status_code == 403
        engine.set_faults("none")
        fresh = (await c.get(f"/v1/tasks/{tid}")).json()["output"][0]
        assert (await c.get(fresh)).status_code == 200
