"""Request shapes from the SDK's TypedDicts: one shape tree per model variant, named nested shapes.

A shape is one of: structure (named, in the shapes table) / ref / list / union (with the
discriminating key when there is one) / enum (Literal values) / integer / number / string / boolean /
media (a URI of given kinds) / map / any. Types come from typing introspection (get_type_hints with
extras, Required/NotRequired, Annotated PropertyInfo(alias=...) for wire names); the field docs are
attribute docstrings, which only the source keeps, so they are read with `ast`.
"""

from __future__ import annotations

import ast
import collections.abc
import datetime
import inspect
import re
import sys
import types
import typing
from typing import Any

import typing_extensions as te

PREFIX = "runwayml.types."
_REQUIRED = {typing.Required, te.Required}
_NOT_REQUIRED = {typing.NotRequired, te.NotRequired}
_LISTS = {list, collections.abc.Iterable, collections.abc.Sequence, tuple}


class ShapeReader:
    """Turns params types into shapes; named nested shapes collect in `.shapes` (name -> structure)."""

    def __init__(self, rules) -> None:
        self.rules = rules
        self.shapes: dict[str, dict] = {}
        rules.shapes = self.shapes
        self._sources: dict[str, dict] = {}

    # -- entry points ---------------------------------------------------------------------------
    def variants(self, params_type) -> dict[str, dict] | None:
        """{model id: variant} when every member of the params union has a Literal `model`, else None."""
        members = _union_members(params_type)
        if not all(_is_typeddict(m) for m in members):
            return None
        models = [self._model_ids(m) for m in members]
        if not all(models):
            return None
        out: dict[str, dict] = {}
        for member, ids in zip(members, models, strict=True):
            for model_id in ids:
                if model_id in out:
                    raise RuntimeError(f"model {model_id!r} appears twice in {params_type!r}")
                out[model_id] = self._structure(member, where=f"{_name(member)} [{model_id}]")
        return dict(sorted(out.items()))

    def named(self, tp) -> str | dict:
        """A reference name for a TypedDict params type (registered in .shapes), or an inline shape."""
        shape = self.shape(tp, where=str(tp))
        return shape["name"] if shape.get("type") == "ref" else shape

    # -- shapes -----------------------------------------------------------------------------------
    def shape(self, tp, where: str) -> dict:
        tp, meta = _strip(tp)
        if tp is str:
            node = {"type": "string"}
        elif tp is bool:
            node = {"type": "boolean"}
        elif tp is int:
            node = {"type": "integer"}
        elif tp is float:
            node = {"type": "number"}
        elif tp in (datetime.datetime, datetime.date):
            node = {"type": "string", "format": "date-time" if tp is datetime.datetime else "date"}
        elif tp is object or tp is Any:
            node = {"type": "any"}
        elif _is_typeddict(tp) or _is_model(tp):
            name = _name(tp)
            if name not in self.shapes:
                self.shapes[name] = {}  # placeholder: a recursive type refers to itself
                self.shapes[name] = self._structure(tp, where=name)
            node = {"type": "ref", "name": name}
        else:
            node = self._generic(tp, where)
        discriminator = next((m.discriminator for m in meta if getattr(m, "discriminator", None)), None)
        if discriminator and node["type"] == "union":
            node["discriminator"] = discriminator
        return node

    def _generic(self, tp, where: str) -> dict:
        origin, args = typing.get_origin(tp), typing.get_args(tp)
        if origin in (typing.Literal, te.Literal):
            return {"type": "enum", "values": list(args)}
        if origin in (typing.Union, types.UnionType):
            members = [a for a in args if a is not type(None)]
            node = self._union(members, where)
            if len(members) < len(args):
                node["nullable"] = True
            return node
        if origin in _LISTS or _name_of(origin) == "SequenceNotStr":
            return {"type": "list", "items": self.shape(args[0], where)}
        if origin in (dict, collections.abc.Mapping):
            return {"type": "map", "values": self.shape(args[1], where)}
        if origin is None and _name_of(tp) == "SequenceNotStr":
            return {"type": "list", "items": {"type": "any"}}
        raise TypeError(f"{where}: a type the generator does not know: {tp!r}")

    def _union(self, members: list, where: str) -> dict:
        if len(members) == 1:
            return self.shape(members[0], where)
        if all(typing.get_origin(_strip(m)[0]) in (typing.Literal, te.Literal) for m in members):
            values = [v for m in members for v in typing.get_args(_strip(m)[0])]
            return {"type": "enum", "values": list(dict.fromkeys(values))}
        node = {"type": "union", "of": [self.shape(m, where) for m in members]}
        key = _discriminator([_strip(m)[0] for m in members])
        if key:
            node["discriminator"] = key
        return node

    def _structure(self, td, where: str) -> dict:
        model_fields = getattr(td, "model_fields", None) if _is_model(td) else None
        if model_fields is not None:  # a pydantic model (the uploads resource's private params)
            hints = {k: f.annotation for k, f in model_fields.items()}
        else:
            hints = typing.get_type_hints(td, include_extras=True)
        class_doc, docs = self._docs(td)
        fields = {}
        for py_name, hint in hints.items():
            inner, meta = _strip(hint)
            wire = next((m.alias for m in meta if getattr(m, "alias", None)), py_name)
            fmt = next((m.format for m in meta if getattr(m, "format", None)), None)
            if model_fields is not None:
                wire = model_fields[py_name].alias or py_name
                field = {"required": model_fields[py_name].is_required()}
            else:
                field = {"required": _required(td, py_name, hint)}
            if wire != py_name:
                field["python"] = py_name
            doc = docs.get(py_name, "")
            if doc:
                field["doc"] = doc
            shape = self.shape(inner, f"{where}.{wire}")
            if fmt == "iso8601":
                _mark_datetime(shape)
            self.rules.apply(f"{where}.{wire}", doc, shape)
            field["shape"] = shape
            fields[wire] = field
        node = {"type": "structure", "sdkType": _name(td), "fields": fields}
        if class_doc:
            node["doc"] = class_doc
        return node

    def _model_ids(self, td) -> list[str]:
        hint = typing.get_type_hints(td, include_extras=True).get("model")
        if hint is None:
            return []
        inner, _ = _strip(hint)
        if typing.get_origin(inner) not in (typing.Literal, te.Literal):
            return []
        return [str(v) for v in typing.get_args(inner)]

    # -- docs from the source -----------------------------------------------------------------------
    def _docs(self, td) -> tuple[str, dict[str, str]]:
        module = sys.modules[td.__module__]
        if module.__name__ not in self._sources:
            tree = ast.parse(inspect.getsource(module))
            self._sources[module.__name__] = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
        cls = self._sources[module.__name__].get(td.__name__)
        if cls is None:
            return "", {}
        docs = {}
        for a, b in zip(cls.body, cls.body[1:], strict=False):
            if (isinstance(a, ast.AnnAssign) and isinstance(a.target, ast.Name) and isinstance(b, ast.Expr)
                    and isinstance(b.value, ast.Constant) and isinstance(b.value.value, str)):
                docs[a.target.id] = _clean(b.value.value)
        return _clean(ast.get_docstring(cls, clean=False) or ""), docs


# -- helpers --------------------------------------------------------------------------------------
def _clean(doc: str) -> str:
    """One paragraph per line, each with its whitespace folded (stable for diffs, easy to split)."""
    paragraphs = re.split(r"\n\s*\n", inspect.cleandoc(doc))
    return "\n".join(" ".join(p.split()) for p in paragraphs if p.strip())


def _strip(tp) -> tuple[Any, list]:
    """Remove Required/NotRequired/Annotated wrappers; return the inner type and the Annotated metadata."""
    meta: list = []
    while True:
        origin = typing.get_origin(tp)
        if origin in _REQUIRED or origin in _NOT_REQUIRED:
            tp = typing.get_args(tp)[0]
        elif origin is typing.Annotated or (hasattr(tp, "__metadata__") and hasattr(tp, "__origin__")):
            meta.extend(tp.__metadata__)
            tp = tp.__origin__
        else:
            return tp, meta


def _required(td, py_name: str, hint) -> bool:
    """Required[...] / NotRequired[...] on the hint win; otherwise the class's total= decides.

    (`from __future__ import annotations` in the SDK's modules leaves __required_keys__ unaware of
    Required[...], so the hint itself is read.)"""
    for _ in range(4):
        origin = typing.get_origin(hint)
        if origin in _REQUIRED:
            return True
        if origin in _NOT_REQUIRED:
            return False
        if origin is typing.Annotated:
            hint = hint.__origin__
            continue
        break
    return bool(getattr(td, "__total__", True)) or py_name in getattr(td, "__required_keys__", ())


def _union_members(tp) -> list:
    inner, _ = _strip(tp)
    if typing.get_origin(inner) in (typing.Union, types.UnionType):
        return list(typing.get_args(inner))
    return [inner]


def _is_typeddict(tp) -> bool:
    return isinstance(tp, type) and (typing.is_typeddict(tp) or te.is_typeddict(tp))


def _is_model(tp) -> bool:
    return isinstance(tp, type) and hasattr(tp, "model_fields") and hasattr(tp, "model_validate")


def _name(td) -> str:
    return f"{td.__module__.removeprefix(PREFIX)}.{td.__qualname__}"


def _name_of(obj) -> str:
    return getattr(obj, "__name__", "") or ""


def _discriminator(members: list) -> str | None:
    """The key every member has as a required Literal, with values no two members share."""
    if not all(_is_typeddict(m) for m in members):
        return None
    hints = [typing.get_type_hints(m, include_extras=True) for m in members]
    for key in sorted(set.intersection(*(set(h) for h in hints))):
        seen: set = set()
        for m, h in zip(members, hints, strict=True):
            inner, _ = _strip(h[key])
            if typing.get_origin(inner) not in (typing.Literal, te.Literal) or not _required(m, key, h[key]):
                break
            values = set(typing.get_args(inner))
            if values & seen:
                break
            seen |= values
        else:
            return key
    return None


def _mark_datetime(shape: dict) -> None:
    """PropertyInfo(format="iso8601"): the string forms of this field carry a date-time."""
    nodes = shape["of"] if shape["type"] == "union" else [shape]
    for node in nodes:
        if node["type"] == "string":
            node["format"] = "date-time"
    if shape["type"] == "union":  # Union[str, datetime] is one string on the wire
        unique = {tuple(sorted(n.items())) for n in nodes}
        if len(unique) == 1:
            shape.clear()
            shape.update(nodes[0])
