"""Runway's API as the pinned `runwayml` release states it: api.json, generated, read once on first use.

api.json is written by scripts/gen_catalog.py (docs/CATALOG.md) and never edited by hand. It holds
every operation of the SDK (method, path, SDK resource and method, params and response type names,
whether it starts a task) and, for each operation that takes a `model`, one shape tree per model
variant. What no type says (prices, run times, labels, retired models) belongs in the hand-kept
overlay, not here. Everything returned is read-only (mappings and tuples): the data is shared.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True)
class Operation:
    """One SDK method and the HTTP call it makes, e.g. text_to_video.create = POST /v1/text_to_video."""

    id: str  # "<resource>.<sdk method>", e.g. "organization.webapp.list_usage"
    method: str
    path: str  # with {placeholders}: "/v1/tasks/{id}"
    resource: str  # the SDK's attribute path on the client: "generate.video"
    sdk_method: str
    params: str | None  # the SDK's params type name
    params_in: str | None  # "body" or "query"
    response: str | None  # the SDK's response type name (None: no body)
    paginated: bool
    creates_task: bool  # answers {"id": <task id>, ...}: follow it with GET /v1/tasks/{id}
    params_shape: Any = None  # a named shape (str) or an inline shape, for operations without models

    @property
    def models(self) -> tuple[str, ...]:
        """The model ids this operation takes (empty for operations without a `model` field)."""
        return tuple(variants(self.id))


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


@cache
def _data() -> MappingProxyType:
    text = resources.files(__package__).joinpath("api.json").read_text(encoding="utf-8")
    return _freeze(json.loads(text))


@cache
def operations() -> MappingProxyType:
    """Every operation by id, in id order."""
    ops = {}
    for op_id, raw in _data()["operations"].items():
        ops[op_id] = Operation(
            id=op_id, method=raw["method"], path=raw["path"], resource=raw["resource"],
            sdk_method=raw["sdkMethod"], params=raw["params"], params_in=raw["paramsIn"],
            response=raw["response"], paginated=raw["paginated"], creates_task=raw["createsTask"],
            params_shape=raw.get("paramsShape"))
    return MappingProxyType(ops)


def sdk_version() -> str:
    """The `runwayml` release the data was generated from."""
    return _data()["sdk"]["version"]


def operation(op_id: str) -> Operation | None:
    return operations().get(op_id)


def operation_for(method: str, path: str) -> Operation | None:
    """The operation behind an HTTP call; `path` as the SDK writes it ("/v1/tasks/{id}") or as sent
    ("/v1/workflows/wf_1")."""
    method = method.upper()
    same = [op for op in operations().values() if op.method == method]
    return next((op for op in same if op.path == path), None) or next(
        (op for op in same if "{" in op.path and _template(op.path).match(path)), None)


@cache
def _template(path: str) -> re.Pattern:
    return re.compile("^" + re.sub(r"\\{\w+\\}", "[^/]+", re.escape(path)) + "$")


def variants(op_id: str) -> MappingProxyType:
    """{model id: structure shape} for an operation that takes a `model` (empty otherwise)."""
    return _data()["variants"].get(op_id, MappingProxyType({}))


def variant(op_id: str, model_id: str) -> MappingProxyType | None:
    """The request shape of one model on one operation, e.g. variant("text_to_video.create", "gen4.5")."""
    return variants(op_id).get(model_id)


@cache
def model_ids() -> tuple[str, ...]:
    """Every model id the SDK's request types name, sorted."""
    return tuple(sorted({m for by_model in _data()["variants"].values() for m in by_model}))


def operations_of(model_id: str) -> tuple[Operation, ...]:
    """The operations that take this model."""
    return tuple(op for op in operations().values() if model_id in variants(op.id))


def shape(name: str) -> MappingProxyType:
    """A named shape (a structure), e.g. "text_to_video_create_params.Gen4_5ContentModeration"."""
    return _data()["shapes"][name]


def resolve(node: MappingProxyType) -> MappingProxyType:
    """A shape node with a reference followed to the structure it names."""
    return shape(node["name"]) if node.get("type") == "ref" else node
