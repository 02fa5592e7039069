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
from conformance_support import Expect, check_output
from shape_examples import example

from runway_nb import RunwayML
from runway_nb.catalog import api, overlay

MAX_SIDE = 1920  # the sandbox scales larger outputs down to this side (keeps 4K synthesis cheap)
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
    kind = overlay.output_kind(op_id)
    size = None
    ratio = kwargs.get("ratio")
    if kind != "audio" and isinstance(ratio, str) and (m := re.fullmatch(r"(\d+):(\d+)", ratio)):
        w, h = int(m.group(1)), int(m.group(2))
        scale = min(1.0, MAX_SIDE / max(w, h))
        size = (int(w * scale) // 2 * 2, int(h * scale) // 2 * 2)
    seconds = kwargs.get("duration") if isinstance(kwargs.get("duration"), int) and kind == "video" else None
    return Expect(kind, size, seconds)


def _call(client, op_id: str, kwargs: dict):
    op = api.operation(op_id)
    target = client
    for part in op.resource.split("."):
        target = getattr(target, part)
    return getattr(target, op.sdk_method)(**kwargs)


def test_every_model_of_the_sdk_is_covered():
    models = {m for _, m, _ in CASES if m}
    assert models == set(api.model_ids()) - {"gwm1_avatars", "eleven_ttv_v3", "eleven_multilingual_ttv_v2"}
    assert len(CASES) >= 2 * 95


@pytest.mark.parametrize("op_id,model,full", CASES,
                         ids=[f"{o}-{m or 'no model'}-{'full' if f else 'minimal'}" for o, m, f in CASES])
def test_official_sdk(client, op_id, model, full):
    kwargs = example(_shape(op_id, model), full)
    task = _call(client, op_id, kwargs).wait_for_task_output(timeout=120)
    assert task.status == "SUCCEEDED" and task.output, task
    check_output(task.output[0], _expect(op_id, kwargs))


@pytest.mark.parametrize("op_id,model,full", CASES,
                         ids=[f"{o}-{m or 'no model'}-{'full' if f else 'minimal'}" for o, m, f in CASES])
def test_runway_nb(sandbox, op_id, model, full):
    kwargs = example(_shape(op_id, model), full)
    with RunwayML(base_url=sandbox.base_url, api_key=sandbox.api_key, journal=False) as client:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a model the SDK's types describe is known: no "unchecked" warning
            task = _call(client, op_id, kwargs)
        task.wait_for_task_output(timeout=120)
    assert task.status == "SUCCEEDED" and task.output, task
    check_output(task.output[0], _expect(op_id, kwargs))
