"""The rules the SDK states across fields, in prose only ("Only valid when `outputFormat` is `prores`"):
read into api.json by the generator, then kept by runway_nb before sending and by the sandbox with a
400, both naming the field; the same request with the rule kept is accepted by both."""

from __future__ import annotations

import pytest
from conformance_support import post_raw
from shape_examples import call, example

from runway_nb import ValidationError, validate
from runway_nb.catalog import api


def _cases() -> list[tuple[str, str, str, str]]:
    """(operation, model, field, rule) for every field whose node carries a rule across fields."""
    out = []
    for op in api.operations().values():
        for model, shape in api.variants(op.id).items():
            for key, spec in shape["fields"].items():
                out += [(op.id, model, key, rule) for rule in ("onlyWhen", "valuesWhen", "requires")
                        if spec["shape"].get(rule)]
    return out


CASES = _cases()


def _broken(op_id: str, model: str, key: str, rule: str) -> tuple[dict, dict]:
    """(Python keywords, wire body): the minimal example plus what breaks `rule` of field `key`."""
    shape = api.variant(op_id, model)
    fields = shape["fields"]
    kwargs = example(shape, False)
    py = {k: s.get("python", k) for k, s in fields.items()}
    node = fields[key]["shape"]
    if rule == "onlyWhen":  # the field given, its sibling left out
        kwargs[py[key]] = example(node, False)
    elif rule == "valuesWhen":  # the sibling as the rule names it, the field outside the narrowed set
        when = node["valuesWhen"][0]
        for k, w in when["when"].items():
            kwargs[py[k]] = w
        kwargs[py[key]] = next(v for v in node["values"] if v not in when["values"])
    else:  # the flag set, the list it needs left out
        kwargs[py[key]] = True
    body = {k: kwargs[s] for k, s in py.items() if s in kwargs}
    return kwargs, body


def test_the_rules_were_read_from_the_sdks_prose():
    fields = {(m, f) for _, m, f, _ in CASES}
    assert {("gen4.5", "proresProfile"), ("aleph2", "proresProfile"), ("ruby", "proresProfile"),
            ("seedance2_5", "outputFormat"), ("ideogram_4_5", "preciseEdit"), ("grok_imagine_image_2", "edit")} <= fields


@pytest.mark.parametrize("op_id,model,key,rule", CASES, ids=[f"{o}-{m}-{k}-{r}" for o, m, k, r in CASES])
def test_broken_is_refused_before_sending_and_by_the_sandbox(refusing, sandbox, op_id, model, key, rule):
    kwargs, body = _broken(op_id, model, key, rule)
    with pytest.raises(ValidationError) as refused:
        call(refusing, op_id, kwargs)
    assert any(p.field == key for p in refused.value.problems), refused.value.problems
    answer = post_raw(sandbox, op_id, body)
    assert answer.status_code == 400 and key in answer.json()["error"], answer.text


@pytest.mark.parametrize("op_id,model,key,rule", CASES, ids=[f"{o}-{m}-{k}-{r}" for o, m, k, r in CASES])
def test_kept_is_accepted(op_id, model, key, rule):
    shape = api.variant(op_id, model)
    body = {k: v for k, v in example(shape, True).items()}  # the full example keeps every rule
    wire = {k: body[s.get("python", k)] for k, s in shape["fields"].items() if s.get("python", k) in body}
    if rule == "requires":
        wire[key] = True
    assert not [p for p in validate.validate_body(api.operation(op_id).path, wire) if p.field == key]
