"""The hand-kept tables never offer what the pinned SDK's types rule out.

Until validate, pricing and the faces read the generated shapes, the hand-kept MODELS are what users
are offered: a field, a choice or a range there that the SDK does not allow would cost a refused
request (or a task). Where the SDK says more (new fields, wider choices) the hand tables may lag.
"""

from __future__ import annotations

import pytest

from runway_nb import catalog
from runway_nb.catalog import api

RETIRED = {"veo3", "gen4_aleph"}  # not in 5.24.0's request types; served for the seed guide's examples
PAIRS = [(m.id, e) for m in catalog.MODELS.values() if m.id not in RETIRED for e in m.endpoints]


def _sdk_fields(model_id: str, path: str):
    op = api.operation_for("POST", path)
    assert op is not None and op.creates_task, path
    variant = api.variant(op.id, model_id)
    assert variant is not None, (model_id, path)
    return variant["fields"]


@pytest.mark.parametrize(("model_id", "endpoint"), PAIRS, ids=[f"{m} {e.path}" for m, e in PAIRS])
def test_hand_fields_are_sdk_fields_within_its_rules(model_id, endpoint):
    fields = _sdk_fields(model_id, endpoint.path)
    for param in endpoint.params:
        assert param.name in fields, f"{model_id} {endpoint.path}: {param.name} is not in the SDK's types"
        shape = fields[param.name]["shape"]
        if param.type == "enum" and shape["type"] == "enum":
            assert set(param.choices) <= set(shape["values"]), (param.name, param.choices, shape["values"])
        if param.type in ("int", "number"):
            if "min" in shape and param.min is not None:
                assert param.min >= shape["min"], param.name
            if "max" in shape and param.max is not None:
                assert param.max <= shape["max"], param.name
        if param.type == "text" and param.max_len is not None and "maxLength" in shape:
            assert param.max_len <= shape["maxLength"], param.name
        if fields[param.name]["required"] and not param.required:
            # The SDK requires it; the hand table fills it when the seed guide's examples leave it out.
            assert param.fill, f"{model_id} {endpoint.path}: {param.name} is required by the SDK"


@pytest.mark.parametrize(("model_id", "endpoint"), PAIRS, ids=[f"{m} {e.path}" for m, e in PAIRS])
def test_every_field_the_sdk_requires_is_known_by_hand(model_id, endpoint):
    fields = _sdk_fields(model_id, endpoint.path)
    required = {name for name, f in fields.items() if f["required"]} - {"model"}
    assert required <= {p.name for p in endpoint.params}, (model_id, endpoint.path)
