"""The client's validation and the sandbox's agree: Hypothesis makes wire bodies near the valid space (a
valid body per model and endpoint, one or two fields changed to values drawn from the catalog, plus a
little junk) and sends each both ways: through RunwayML.<resource>.create(**body) and straight to the
sandbox. Accepted by one iff accepted by the other.

Handled explicitly: an unknown model (the client warns and passes it through; the sandbox refuses it),
and a runway:// URI naming no upload (only the service knows its uploads: the client sends, the sandbox
refuses). Left out of the generator, as client conveniences the sandbox does not offer: null values
(the client drops them, as for an omitted keyword) and bare local media where an object is expected.
"""

from __future__ import annotations

import warnings
from collections import Counter

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from media_samples import data_uri, gif_bytes, png_bytes, video_bytes, wav_bytes
from rel_corpus import BASES
from rel_support import CountingTransport, InstantSynth, table

from runway_nb import catalog, errors
from runway_nb._loop import run_sync
from runway_nb._wire import to_wire
from runway_nb.client import RunwayML
from runway_nb.sandbox import Engine, create_app

KEY = "key_RELIABILITY_agree_0123456789"
HEADERS = {"Authorization": f"Bearer {KEY}", "X-Runway-Version": catalog.API_VERSION}
UNKNOWN_MODEL = "gen9_ultra"
STATS: Counter = Counter()


def _audio_only_mp4() -> bytes:
    """AAC in an MP4 container with the ordinary 'isom' brand (what ffmpeg writes for .mp4)."""
    import io

    import av
    import numpy as np

    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as out:
        stream = out.add_stream("aac", rate=16000)
        for i in range(8):
            frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
            frame.sample_rate, frame.pts = 16000, i * 1024
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buf.getvalue()


IMG, VID, AUD = "https://media.example.com/i.png", "https://media.example.com/v.mp4", "https://media.example.com/a.mp3"
URIS = [IMG, VID, AUD, data_uri(png_bytes(), "image/png"), data_uri(gif_bytes(), "image/gif"),
        data_uri(wav_bytes(0.5), "audio/wav"), data_uri(video_bytes(3.5), "video/mp4"),
        "http://media.example.com/i.png", "https://10.0.0.1/i.png", "runway://", "runway://uploads/nothing-here",
        "data:image/png;base64,@@", "", 7]
REMOTE_ONLY = {"runway://uploads/nothing-here"}  # syntactically fine; only the service knows its uploads
TEXTS = ["a lake", "", " ", "a" * 1000, "a" * 1001, "\U0001f600" * 500, "\U0001f600" * 501, "@Cat on a sofa",
         "@Dog on a sofa", "@cat", 5]


def _values_named(name: str) -> list:
    return list(dict.fromkeys(c for m in catalog.MODELS.values() for e in m.endpoints for p in e.params
                              if p.name == name for c in p.choices))


def value_for(p: catalog.Param) -> st.SearchStrategy:
    """Values near what `p` accepts: its own, other models' for the same name, and a little junk."""
    junk = st.sampled_from(["x", 3, 2.5, [], {}, True])
    uri = st.sampled_from(URIS)
    if p.type == "enum":
        return st.one_of(st.sampled_from(list(p.choices) + _values_named(p.name)), junk)
    if p.type in ("int", "number"):
        lo = p.min if p.min is not None else 0
        hi = p.max if p.max is not None else lo + 10
        nums = st.integers(int(lo) - 2, int(hi) + 2) if p.type == "int" else st.floats(lo - 1, hi + 1)
        return st.one_of(nums, st.sampled_from([float(lo), lo + 0.5, str(int(lo)), True]))
    if p.type == "text":
        return st.sampled_from(TEXTS)
    if p.type == "bool":
        return st.sampled_from([True, False, 1, "true"])
    if p.type == "uri":
        return uri
    if p.type == "prompt_image":
        item = st.fixed_dictionaries({"uri": uri, "position": st.sampled_from(["first", "last", "middle"])})
        return st.one_of(uri, st.lists(item, max_size=3))
    if p.type == "typed_uri":
        return st.one_of(st.fixed_dictionaries({"type": st.sampled_from(["image", "video", "audio", "text"]),
                                                "uri": uri}), st.sampled_from([IMG, AUD, 7]))
    if p.type == "references":
        return st.lists(st.fixed_dictionaries({"uri": uri}, optional={"type": st.sampled_from(["image", "video"])}),
                        max_size=2)
    if p.type == "reference_images":
        tag = st.sampled_from(["Cat", "Dog", "x", "1Cat", "Cat_2", "Dog"])
        return st.lists(st.fixed_dictionaries({"uri": uri}, optional={"tag": tag}), max_size=4)
    if p.type == "voice":
        return st.fixed_dictionaries({}, optional={"type": st.sampled_from(["runway-preset", "cloned"]),
                                                   "presetId": st.sampled_from(["Maya", "Pip", "Nobody", "maya"])})
    if p.type == "moderation":
        return st.fixed_dictionaries({}, optional={"publicFigureThreshold": st.sampled_from(["auto", "low", "high"])})
    raise AssertionError(f"no strategy for {p.type}")


BODIES = {(f"/v1/{resource}", model): {"model": model, **to_wire(kwargs)} for (resource, model), kwargs in BASES.items()}


@st.composite
def near_valid(draw) -> tuple[str, dict]:
    path, model = draw(st.sampled_from(sorted(BODIES)))
    body = dict(BODIES[(path, model)])
    endpoint = catalog.endpoint_for(model, path, body)
    for _ in range(draw(st.integers(1, 2))):
        what = draw(st.sampled_from([p.name for p in endpoint.params] + ["<drop>", "<extra>", "<model>"]))
        if what == "<drop>" and len(body) > 1:
            body.pop(draw(st.sampled_from(sorted(k for k in body if k != "model"))), None)
        elif what == "<extra>":
            body[draw(st.sampled_from(["colourGrade", "promptTxt", "seed", "audio"]))] = 1
        elif what == "<model>":
            body["model"] = draw(st.sampled_from([*catalog.MODELS, UNKNOWN_MODEL]))
        elif what in {p.name for p in endpoint.params}:
            body[what] = draw(value_for(endpoint.param(what)))
    return path, body


@pytest.fixture(scope="module")
def both_ways():
    engine = Engine(api_key=KEY, synth=InstantSynth(), time_scale=0.01, credits=10**9, daily_limit=10**9)
    app = create_app(engine)
    transport = CountingTransport(httpx.ASGITransport(app=app))
    client = RunwayML(api_key=KEY, base_url="http://127.0.0.1", transport=transport, journal=False)
    direct = run_sync(_async_client(app))
    yield client, transport, direct
    run_sync(direct.aclose())
    client.close()
    engine.close()


async def _async_client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sandbox", headers=HEADERS)


def send_direct(direct: httpx.AsyncClient, path: str, body: dict) -> httpx.Response:
    return run_sync(direct.post(path, json=body))


def send_via_client(client, transport, path: str, body: dict) -> tuple[str, BaseException | None, int, list]:
    before = transport.total
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            getattr(client, path.rsplit("/", 1)[-1]).create(**body)
            outcome, exc = "accepted", None
        except errors.ValidationError as e:
            outcome, exc = "refused here", e
        except errors.BadRequestError as e:
            outcome, exc = "refused there", e
    return outcome, exc, transport.total - before, [w for w in caught if issubclass(w.category, errors.RunwayNBWarning)]


@settings(max_examples=300, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(case=near_valid())
def test_client_and_sandbox_accept_the_same_bodies(both_ways, case):
    client, transport, direct = both_ways
    path, body = case
    answer = send_direct(direct, path, body)
    assert answer.status_code in (200, 400), answer.text
    there_ok = answer.status_code == 200
    outcome, exc, sent, warned = send_via_client(client, transport, path, body)
    STATS[outcome] += 1
    STATS["accepted by the sandbox" if there_ok else "refused by the sandbox"] += 1
    if body.get("model") == UNKNOWN_MODEL:
        STATS["unknown model (passed through)"] += 1
        assert not there_ok and outcome == "refused there" and sent == 1 and warned
        return
    assert (outcome == "accepted") == there_ok, (path, body, outcome, exc, answer.json())
    if outcome == "refused here":
        assert sent == 0
        there = {".".join(map(str, i["path"])) for i in answer.json()["issues"]}
        here = {p.field for p in exc.problems}
        assert here <= there, (here, there, body)  # the client may stop at the first bad input; never invents
    if outcome == "refused there":  # only what the client cannot know: uploads that do not exist
        assert any(v in REMOTE_ONLY for v in _strings(body)), (body, answer.json())
        STATS["runway:// upload unknown (refused by the service)"] += 1


def _strings(value) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def test_zz_agreement_figures():
    """Prints what the generator covered (runs after the property test in this module)."""
    if STATS:
        print(table("client vs sandbox on generated bodies", sorted(STATS.items()), ("outcome", "bodies")))


def test_audio_only_mp4_is_accepted_by_both(both_ways):
    client, transport, direct = both_ways
    body = {"model": "eleven_voice_isolation", "audioUri": data_uri(_audio_only_mp4(), "audio/mp4")}
    assert send_direct(direct, "/v1/voice_isolation", body).status_code == 200
    assert send_via_client(client, transport, "/v1/voice_isolation", body)[0] == "accepted"
