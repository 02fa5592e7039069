"""Every model variant of every create operation of runwayml 5.24.0, through both clients.

Generated from the pinned SDK's request types (runway_nb.catalog.api): for each (operation, model) a
minimal call (required fields only) and a full one (every field), sent by the official SDK with strict
response validation and by runway_nb with only the import changed. Both must succeed, and the
output must decode as the request asked (kind; the ratio's size and the duration where it gives them).
Operations without a model (generate.*, recipes.*) are covered where they need no other resource.
"""

from __future__ import annotations

import re
import warnings

import pytest
from conformance_support import API_KEY, TIME_SCALE, Expect, check_output, strict_client
from shape_examples import call, example

from runway_nb import RunwayML
from runway_nb.catalog import api, overlay
from runway_nb.clock import ScaledClock
from runway_nb.sandbox import serve

MAX_SIDE = 1920  # the sandbox scales larger outputs down to this side (keeps 4K synthesis cheap)
ASPECT_LONG_SIDE = 1280  # and makes a ratio of shape ("16:9") this long
NEEDS_STATE = ("generate.", "avatar_videos.")  # a router config or an avatar must exist first


def _cases() -> list[tuple[str, str, bool]]:
    out = []
    for op in api.operations().values():
        if not op.creates_task or op.id.startswith(NEEDS_STATE):
            continue
        for model in api.variants(op.id) or [None]:
            if model is None and op.params_shape is None:
                continue
            out += [(op.id, model, False), (op.id, model, True)]
    return out


CASES = _cases()


def _shape(op_id: str, model: str | None):
    op = api.operation(op_id)
    if model is not None:
        return api.variant(op_id, model)
    return api.shape(op.params_shape) if isinstance(op.params_shape, str) else op.params_shape


def _expect(op_id: str, kwargs: dict) -> Expect:
    """What the request asks: a ratio of pixels ("1920:1080") is the size, cut to MAX_SIDE; a ratio
    of shape ("16:9") is that shape, ASPECT_LONG_SIDE long."""
    kind = overlay.output_kind(op_id)
    size = None
    ratio = kwargs.get("ratio")
    if kind != "audio" and isinstance(ratio, str) and (m := re.fullmatch(r"(\d+):(\d+)", ratio)):
        w, h = int(m.group(1)), int(m.group(2))
        if max(w, h) < 64:  # a shape: scale it up
            w, h = (ASPECT_LONG_SIDE, ASPECT_LONG_SIDE * h / w) if w >= h else (ASPECT_LONG_SIDE * w / h, ASPECT_LONG_SIDE)
        scale = min(1.0, MAX_SIDE / max(w, h))
        size = (int(w * scale) // 2 * 2, int(h * scale) // 2 * 2)
    seconds = kwargs.get("duration") if isinstance(kwargs.get("duration"), int) and kind == "video" else None
    return Expect(kind, size, seconds)


def test_every_model_of_the_sdk_is_covered():
    models = {m for _, m, _ in CASES if m}
    assert models == set(api.model_ids()) - {"gwm1_avatars", "eleven_ttv_v3", "eleven_multilingual_ttv_v2"}
    assert len(CASES) >= 2 * 95


@pytest.fixture(scope="module")
def twins():
    """Two sandboxes alike (same seed, same account): the n-th task of each plans the same media, so
    the second client's copy of a request is served from synth's cache of recent results."""
    with serve(time_scale=TIME_SCALE, api_key=API_KEY, tier=5, credits=10**7, seed=7) as sdk_side, \
            serve(time_scale=TIME_SCALE, api_key=API_KEY, tier=5, credits=10**7, seed=7) as nb_side:
        yield sdk_side, nb_side


@pytest.mark.parametrize("op_id,model,full", CASES,
                         ids=[f"{o}-{m or 'no model'}-{'full' if f else 'minimal'}" for o, m, f in CASES])
def test_official_sdk(twins, op_id, model, full):
    kwargs = example(_shape(op_id, model), full)
    with strict_client(twins[0]) as client:
        task = call(client, op_id, kwargs).wait_for_task_output(timeout=120)
    assert task.status == "SUCCEEDED" and task.output, task
    check_output(task.output[0], _expect(op_id, kwargs))


@pytest.mark.parametrize("op_id,model,full", CASES,
                         ids=[f"{o}-{m or 'no model'}-{'full' if f else 'minimal'}" for o, m, f in CASES])
def test_runway_nb(twins, op_id, model, full):
    kwargs = example(_shape(op_id, model), full)
    sandbox = twins[1]
    # The sandbox runs at TIME_SCALE; the client's poller keeps a pace of its own, quickened the way the
    # notebooks quicken it (its first poll comes at a fraction of the real service's typical time).
    with RunwayML(base_url=sandbox.base_url, api_key=sandbox.api_key, journal=False,
                  clock=ScaledClock(0.05)) as client:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a model the SDK's types describe is known: no "unchecked" warning
            task = call(client, op_id, kwargs)
        task.wait_for_task_output(timeout=120)
    assert task.status == "SUCCEEDED" and task.output, task
    check_output(task.output[0], _expect(op_id, kwargs))
