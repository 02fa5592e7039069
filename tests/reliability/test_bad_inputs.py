"""Bad input: a corpus of invalid requests over every model and input kind. Each must raise a
ValidationError naming the wire field, send nothing at all (not even an upload) and spend no credit.
The few inputs the client does not refuse by itself are pinned down separately below, with what it does.
"""

from __future__ import annotations

import warnings
from collections import Counter

import httpx
import pytest
from media_samples import data_uri, png_bytes, video_bytes
from rel_corpus import BASES, Bad, Files, corpus
from rel_support import CountingTransport, InstantSynth, table

from runway_nb import catalog, errors
from runway_nb.client import RunwayML
from runway_nb.sandbox import Engine, create_app

KEY = "key_RELIABILITY_corpus_0123456789"


@pytest.fixture(scope="module")
def wire():
    """A client over an in-process sandbox, behind a transport that counts every request."""
    engine = Engine(api_key=KEY, synth=InstantSynth(), time_scale=0.01, credits=10**6, daily_limit=10**6)
    transport = CountingTransport(httpx.ASGITransport(app=create_app(engine)))
    client = RunwayML(api_key=KEY, base_url="http://127.0.0.1", transport=transport, journal=False)
    yield client, transport, engine
    client.close()
    engine.close()


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Files:
    return Files.make(tmp_path_factory.mktemp("corpus"))


def attempt(client, bad: Bad):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            getattr(client, bad.resource).create(**bad.kwargs)
        except Exception as exc:  # noqa: BLE001 - judged by the caller
            return exc
    return None


def test_the_corpus_covers_every_model_and_input_kind(files):
    bad = corpus(files)
    assert len(bad) >= 150
    assert {b.model for b in bad} == set(catalog.MODELS)
    assert {(b.resource, b.model) for b in bad} >= set(BASES)
    media_fields = {p.name for m in catalog.MODELS.values() for e in m.endpoints for p in e.params if p.media}
    assert {b.field.split(".")[0] for b in bad} >= media_fields | {"model", "promptText", "ratio", "duration"}


def test_every_invalid_request_is_refused_before_sending(wire, files):
    client, transport, engine = wire
    bad = corpus(files)
    credits = engine.stats()["creditBalance"]
    failures, by_kind = [], Counter()
    for b in bad:
        before = transport.total
        exc = attempt(client, b)
        sent = transport.total - before
        fields = [p.field for p in getattr(exc, "problems", ())]
        ok = (isinstance(exc, errors.ValidationError) and sent == 0 and b.field in str(exc)
              and any(f == b.field or f.startswith(b.field + ".") for f in fields))
        by_kind[b.category.split(": ")[-1]] += 1
        if not ok:
            failures.append((b.name, b.field, sent, f"{type(exc).__name__}: {str(exc)[:160]}", fields))
    assert transport.total == 0  # nothing at all went out, uploads included
    assert engine.stats()["creditBalance"] == credits == client.organization.retrieve().credit_balance
    print(table(f"bad input corpus: {len(bad)} invalid requests, {len(failures)} not refused as they should be",
                sorted(by_kind.items()), ("kind of mistake", "requests")))
    assert failures == [], table("not refused before sending", failures,
                                 ("request", "field", "sent", "error", "problem fields"))


def test_an_unknown_model_is_passed_through_and_refused_by_the_api(wire):
    """The exception to 'nothing sent': a model newer than the catalog goes out with a warning."""
    client, transport, engine = wire
    before, credits = transport.total, engine.stats()["creditBalance"]
    with pytest.warns(errors.RunwayNBWarning, match="not in runway_nb's catalog"):
        with pytest.raises(errors.BadRequestError) as info:
            client.text_to_video.create(model="gen9_ultra", prompt_text="a lake", ratio="1280:720", duration=5)
    assert not isinstance(info.value, errors.ValidationError) and info.value.status_code == 400
    assert "model" in str(info.value) and "gen9_ultra" in str(info.value)
    assert transport.total - before == 1 and engine.stats()["creditBalance"] == credits


def test_a_data_uri_over_its_limit_is_uploaded_not_sent_inline(wire):
    """media.py's documented choice: a data URI over the 5 MB image cap becomes an ephemeral upload
    (one upload slot, one upload, one create) rather than an error. Never sent inline."""
    client, transport, engine = wire
    big = data_uri(png_bytes() + bytes(4_000_000), "image/png")
    assert len(big) > catalog.INPUT_LIMITS[catalog.IMAGE].data_uri
    before = Counter(transport.counts)
    task = client.image_to_video.create(model="gen4_turbo", prompt_image=big, ratio="960:960", duration=2)
    sent = Counter(transport.counts) - before
    assert sent == Counter({"POST /v1/uploads": 1, "POST /_sandbox/uploads/" + _upload_id(engine): 1,
                            "POST /v1/image_to_video": 1})
    assert engine.task(task.id).body["promptImage"].startswith("runway://")


def _upload_id(engine) -> str:
    return list(engine.uploads._uploads)[-1]


def test_a_truncated_image_is_refused_before_sending(wire):
    client, transport, engine = wire
    before = transport.total
    with pytest.raises(errors.ValidationError, match="promptImage"):
        client.image_to_video.create(model="gen4_turbo", prompt_image=png_bytes()[:40], ratio="960:960", duration=2)
    assert transport.total == before


def test_a_too_short_act_two_reference_is_refused_before_sending(wire, tmp_path):
    client, transport, engine = wire
    short = tmp_path / "short.mp4"
    short.write_bytes(video_bytes(1.0))
    before = transport.total
    with pytest.raises(errors.ValidationError, match="reference"):
        client.character_performance.create(model="act_two", character={"type": "image", "uri": png_bytes()},
                                            reference={"type": "video", "uri": short}, ratio="960:960")
    assert transport.total == before
