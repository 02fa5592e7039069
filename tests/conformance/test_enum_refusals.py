"""For every enum field of every model variant, a value outside its set is refused twice: by runway_nb
before anything is sent, and by the sandbox with a 400; both name the field."""

from __future__ import annotations

import pytest
from conformance_support import post_raw
from shape_examples import call, example

from runway_nb import ValidationError, shapes
from runway_nb.catalog import api

BAD = "not-a-choice"


def _cases() -> list[tuple[str, str, str]]:
    out = []
    for op in api.operations().values():
        if not op.creates_task:
            continue
        for model, shape in api.variants(op.id).items():
            out += [(op.id, model, f) for f in _closed_enums(shape) if f != "model"]
    return out


def _closed_enums(shape) -> list[str]:
    """Wire paths of the enum fields in the full example whose set is all they take (an enum beside a
    free string in a union, seedream's "or a freeform size", takes any string: nothing to refuse)."""
    enums: list[str] = []
    open_: list[str] = []

    def visit(node, value, field) -> None:
        if node.get("type") == "enum":
            enums.append(field)
        elif node.get("type") == "union" and any(shapes.resolve(m).get("type") == "string" for m in node["of"]):
            open_.append(field)

    shapes.walk(shape, shapes.to_wire(shape, example(shape, True)), "", visit)
    return [f for f in dict.fromkeys(enums) if f not in open_]


CASES = _cases()


def _bad_kwargs(op_id: str, model: str, field: str) -> tuple[dict, dict]:
    """(Python keywords, wire body) of the full example with `field` (a wire path) set to BAD."""
    shape = api.variant(op_id, model)
    kwargs = example(shape, True)
    node, holder = shape, kwargs
    *parents, last = field.split(".")
    for part in [*parents, last]:
        node = shapes.resolve(node)
        if node.get("type") == "union":
            node = shapes.resolve(next(m for m in node["of"] if shapes.resolve(m).get("type") in ("structure", "list")))
        if node.get("type") == "list":
            key, node = int(part), node["items"]
        else:
            spec = node["fields"][part]
            key, node = spec.get("python", part), spec["shape"]
        if part is last:
            holder[key] = BAD
        else:
            holder = holder[key]
    return kwargs, shapes.to_wire(shape, kwargs)


def test_the_cases_cover_every_model_with_an_enum():
    assert len(CASES) > 150
    assert {m for _, m, _ in CASES} >= {"gen4.5", "kling_4", "seedance2_5", "eleven_v3", "gpt_image_2"}


@pytest.mark.parametrize("op_id,model,field", CASES, ids=[f"{o}-{m}-{f}" for o, m, f in CASES])
def test_refused_before_sending_and_by_the_sandbox(refusing, sandbox, op_id, model, field):
    kwargs, body = _bad_kwargs(op_id, model, field)
    with pytest.raises(ValidationError) as refused:
        call(refusing, op_id, kwargs)
    assert field in str(refused.value), refused.value.problems
    answer = post_raw(sandbox, op_id, body)
    assert answer.status_code == 400, answer.text
    assert field in answer.json()["error"], answer.json()
