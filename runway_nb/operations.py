"""Every operation of the pinned SDK release as a client method, made from catalog.api, not by hand.

client.py has dedicated code for what needs more than a request (tasks, uploads); every other
operation is attached here under the SDK's own resource path and method name, with the SDK's keyword
arguments: `client.voices.list(limit=5)`, `client.generate.video.create(config_id=..., ...)`,
`client.recipes.product_ad(...)`, `client.organization.webapp.audit_logs.list()`. An operation that
starts a task goes the way every create goes (checked, priced, journaled, a task handle back), and so
does a workflow run (invocations.py); the others send one request and answer with objects read like the SDK's models (Record), lists
with pages that fetch the next as iteration reaches it.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

from . import _wire, invocations, plan, shapes
from ._wire import Record
from .catalog import api

_PLACEHOLDER = re.compile(r"{(\w+)}")


class Namespace:
    """A resource path of the SDK (`client.generate`, `client.organization.webapp`): methods hang on it."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        methods = sorted(k for k, v in vars(self).items() if callable(v) and not k.startswith("_"))
        return f"<{self._name}: {', '.join(methods)}>"


def attach(face: Any) -> None:
    """Give `face` every operation it has no method for yet, at the SDK's resource path."""
    for op in api.operations().values():
        holder = face
        for part in op.resource.split("."):
            if getattr(holder, part, None) is None:
                setattr(holder, part, Namespace(part))
            holder = getattr(holder, part)
        if getattr(holder, op.sdk_method, None) is None:
            setattr(holder, op.sdk_method, _method(face, op))


def _method(face: Any, op: api.Operation) -> Any:
    if op.creates_task:
        def create(**kwargs: Any) -> Any:
            return face._create(_wire.build(op.path, kwargs))

        call = create
    elif op.id == invocations.RUN_OP:  # starts an invocation: the create path, a handle back
        def call(*args: Any, **kwargs: Any) -> Any:
            _method_, path, body, options = request(op, args, kwargs)
            return face._create(plan.make(path, body or {}, options=options))
    elif op.id == invocations.RETRIEVE_OP:  # the SDK's awaitable invocation: a handle that follows it
        def call(*args: Any, **kwargs: Any) -> Any:
            _method_, path, _body, options = request(op, args, kwargs)
            return face._run(face._core.adopt(path, options, invocations.InvocationCore), face._task)
    else:
        def call(*args: Any, **kwargs: Any) -> Any:
            method, path, body, options = request(op, args, kwargs)
            if op.paginated:
                return Page.first(face, op, path, options)
            return face._run(send(face, method, path, body, options), _answer)

    call.__name__ = op.sdk_method
    call.__qualname__ = f"{op.resource}.{op.sdk_method}"
    call.__doc__ = f"{op.method} {op.path} (runwayml {api.sdk_version()}: client.{op.id}(...))."
    return call


async def send(face: Any, method: str, path: str, body: Any, options: dict) -> Any:
    """One request; the JSON answer, or None when there is none (a DELETE's 204)."""
    core = face._core
    response = await core.http.request(method, path, json=body, **core._options(options))
    return response.json() if response.content else None


def _answer(data: Any) -> Any:
    return data if data is None or isinstance(data, Record) else Record(data) if isinstance(data, Mapping) else data


def request(op: api.Operation, args: tuple, kwargs: dict) -> tuple[str, str, Any, dict]:
    """(method, path, JSON body or None, options) of one call: path parameters from the positional or
    keyword arguments, the rest to wire names along the operation's shape, then to the body or query."""
    options = {k: kwargs.pop(k) for k in _wire.REQUEST_OPTIONS if k in kwargs}
    names = _PLACEHOLDER.findall(op.path)
    if len(args) > len(names):
        raise TypeError(f"{op.id}() takes {len(names)} positional argument(s) ({', '.join(names) or 'none'}); "
                        f"give the others by keyword")
    given = dict(zip(names, args, strict=False)) | {n: kwargs.pop(n) for n in names if n in kwargs}
    for name in names:
        value = given.get(name)
        if not isinstance(value, str) or not value:
            raise ValueError(f"Expected a non-empty value for `{name}` but received {value!r}")
    path = _PLACEHOLDER.sub(lambda m: given[m.group(1)], op.path)
    params = wire_params(op, {k: v for k, v in kwargs.items() if v is not None})
    params.update(options.pop("extra_body", None) or {})
    if op.params_in == "query" or (op.method in ("GET", "DELETE") and params):
        options["extra_query"] = {**params, **(options.get("extra_query") or {})}
        return op.method, path, None, options
    return op.method, path, (params if op.method in ("POST", "PATCH", "PUT") else None), options


def wire_params(op: api.Operation, params: dict) -> dict:
    """Python keywords -> wire JSON along the operation's shape (a map's keys are data, kept as given)."""
    shape = op.params_shape
    if shape is None:
        return _wire.to_wire(params)
    node = api.shape(shape) if isinstance(shape, str) else shape
    return shapes.to_wire(node, params, _wire.camel)


class Page:
    """One page of a list (`.data`, `.next_cursor`); iterating it goes on through the next pages."""

    def __init__(self, face: Any, op: api.Operation, path: str, options: dict, answer: Mapping) -> None:
        self._face, self._op, self._path, self._options = face, op, path, options
        self.data = [_answer(item) for item in answer.get("data") or []]
        self.next_cursor = answer.get("nextCursor")

    @classmethod
    def first(cls, face: Any, op: api.Operation, path: str, options: dict) -> Any:
        async def fetch() -> Page:
            return await cls._fetch(face, op, path, options)

        return face._run(fetch())

    @classmethod
    async def _fetch(cls, face: Any, op: api.Operation, path: str, options: dict) -> Page:
        return cls(face, op, path, options, await send(face, "GET", path, None, options) or {})

    def has_next_page(self) -> bool:
        return bool(self.next_cursor)

    def _next_options(self) -> dict:
        return {**self._options, "extra_query": {**(self._options.get("extra_query") or {}),
                                                 "cursor": self.next_cursor}}

    def get_next_page(self) -> Any:
        """The next page (awaitable from an async client), or a ValueError on the last one."""
        if not self.has_next_page():
            raise ValueError("this is the last page; check has_next_page() first")
        return self._face._run(self._fetch(self._face, self._op, self._path, self._next_options()))

    def __iter__(self) -> Iterator[Any]:
        page = self
        while True:
            yield from page.data
            if not page.has_next_page():
                return
            page = page.get_next_page()

    async def __aiter__(self) -> AsyncIterator[Any]:
        page = self
        while True:
            for item in page.data:
                yield item
            if not page.has_next_page():
                return
            page = await page.get_next_page()

    def __repr__(self) -> str:
        return f"<Page of {self._op.id}: {len(self.data)} item(s){', more' if self.next_cursor else ''}>"
