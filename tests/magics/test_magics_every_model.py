"""Every model of every task-making operation of the pinned SDK, from a magic line: `%runway cost`
parses the line, plans it along the model's shape and finds nothing wrong (the every-model
conformance suite runs the same minimal requests to their end). The line is what a person writes:
the subcommand for the operation, --model, the prompt as words, the input by its own flag (--image,
--input), every other required field with --set."""

from __future__ import annotations

import json
import shlex

import pytest
from shape_examples import example

from runway_nb import magic_args, shapes
from runway_nb.catalog import api

INPUT_FLAGS = {"promptImage": "--image", "imageUri": "--input", "videoUri": "--input"}  # the flag a sub routes by
ROUTED_BY_INPUT = ("video", "upscale")


def _cases() -> list[tuple[str, str, str]]:
    sub_of = {p: s.name for s in magic_args.SUBS.values() for p in s.paths}
    return [(op.id, model, sub_of[op.path]) for op in api.operations().values()
            if op.creates_task and op.path in sub_of for model in api.variants(op.id)]


CASES = _cases()


def _line(op_id: str, model: str, sub: str) -> str:
    shape = api.variant(op_id, model)
    body = shapes.to_wire(shape, example(shape, False))
    body.pop("model")
    words = body.pop("promptText", None) or ""
    if sub == "avatar":  # the script is the prompt words; the avatar a preset
        avatar = body.pop("avatar")
        return f"cost avatar --avatar {avatar['presetId']} {words or 'hello there'}"
    flags = []
    for key in [k for k in body if k in INPUT_FLAGS and sub in ROUTED_BY_INPUT]:
        value = body.pop(key)
        uri = value if isinstance(value, str) else value[0]["uri"]
        uri = uri if uri.startswith("https://") else "https://example.com/input.png"  # a plain-string member
        flags.append(f"{INPUT_FLAGS[key]} {uri}")
    flags += ["--set " + shlex.quote(f"{k}={v if isinstance(v, str) else json.dumps(v)}") for k, v in body.items()]
    return f"cost {sub} --model {model} {' '.join(flags)} {words}".strip()


def test_every_model_of_a_task_making_operation_is_covered():
    models = {m for _, m, _ in CASES}
    assert len(CASES) >= 95 and models >= set(api.model_ids()) - {"eleven_ttv_v3", "eleven_multilingual_ttv_v2"}


@pytest.mark.parametrize("op_id,model,sub", CASES, ids=[f"{o}-{m}" for o, m, _ in CASES])
def test_a_magic_line_plans_it_cleanly(ip, op_id, model, sub):
    line = _line(op_id, model, sub)
    cost = ip.run_line_magic("runway", line)
    assert cost is not None and not cost.problems, (line, cost and cost.problems)
    assert cost.plan.path == api.operation(op_id).path and cost.plan.model in (model, None), line


def test_set_keeps_a_number_as_text_where_the_field_is_text():
    from runway_nb.magic_models import apply_sets

    fields: dict = {}
    apply_sets(fields, ["targetFramerate=24", "seed=7"], {"type": "structure", "fields": {
        "targetFramerate": {"required": True, "shape": {"type": "enum", "values": ["24", "60"]}},
        "seed": {"required": False, "shape": {"type": "integer"}}}}, "enhance_frame_rate")
    assert fields == {"targetFramerate": "24", "seed": 7}
