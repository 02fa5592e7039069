"""Request rules for the sandbox's management resources: bodies by the pinned SDK's shapes, plus queries.

A body is judged by the same walk as every task body (shapes.problems over catalog.api, generated from
the SDK's request types), so its rules are the SDK's and are written nowhere here. What the types
leave to docstrings and the generator does not extract is added per operation below ("At least one
field must be provided", "Must be a wss:// or https:// URL that resolves to a public host"). Query
strings arrive as text, so `Query` reads them by each list operation's stated parameters. Every
problem is a validate.Problem naming the field, the value and what is allowed.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

from .. import formats, shapes
from ..catalog import api
from ..formats import join_or
from ..validate import Problem


def _show(v: object) -> str:
    return repr(formats.shorten(v) if isinstance(v, str) else v)


def choices_text(values, budget: int = 160) -> str:
    """"'a', 'b' or 'c'"; a long list shows its first few and how many there are."""
    values = tuple(values)
    text = join_or(repr(v) for v in values)
    if len(text) <= budget:
        return text
    return f"one of {', '.join(repr(v) for v in values[:8])}, … ({len(values)} in all)"


# Docstring rules by operation: structures that must change something, and URLs of sockets.
AT_LEAST_ONE = ("avatars.update", "documents.update")
SOCKET_URLS = {"realtime_sessions.create": ("integration.url", "integration.signedUrl", "livekit.url")}


def body_problems(op_id: str, body: dict) -> list[Problem]:
    """Everything wrong with `body` for the SDK operation `op_id` (e.g. "avatars.create")."""
    op = api.operation(op_id)
    if op.params_shape is not None:
        node = api.shape(op.params_shape) if isinstance(op.params_shape, str) else op.params_shape
    else:  # one shape per model, as for the generation endpoints
        variants, model = api.variants(op_id), body.get("model")
        node = variants.get(model) if isinstance(model, str) else None
        if node is None:
            said = "is required" if "model" not in body else f"{_show(model)} is not offered"
            return [Problem("model", model, f"model {said} by {op_id}; choose {join_or(variants)}")]
    found = shapes.problems(node, body, "", op_id)
    if op_id in AT_LEAST_ONE and not any(k in body for k in shapes.resolve(node)["fields"]):
        fields = join_or(shapes.resolve(node)["fields"])
        found.append(Problem("", {}, f"{op_id} changes nothing; give at least one of {fields}"))
    for name in SOCKET_URLS.get(op_id, ()):
        value = _at(body, name)
        if isinstance(value, str) and not _public_socket(value):
            found.append(Problem(name, formats.shorten(value), f"{name} {_show(value)} is not allowed; give a "
                                 "wss:// or https:// URL of a public host"))
    return found


def _at(body: object, dotted: str) -> object:
    for key in dotted.split("."):
        body = body.get(key) if isinstance(body, dict) else None
    return body


def _public_socket(url: str) -> bool:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    try:
        public = ipaddress.ip_address(host).is_global
    except ValueError:
        public = bool(host) and host != "localhost" and not host.endswith((".localhost", ".local", ".internal"))
    return parts.scheme in ("wss", "https") and public


# -- query strings ---------------------------------------------------------------------------------
def parse_time(text: str, dates: bool = True) -> float | None:
    """Epoch seconds of an ISO-8601 datetime (naive means UTC) or, when `dates`, a date (midnight UTC)."""
    try:
        if dates and re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC).timestamp()
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()


class Query:
    """Reads a request's query parameters by the rules of a list operation, collecting every problem."""

    def __init__(self, params: Mapping[str, str]) -> None:
        self.params, self.problems = params, []

    def _missing(self, name: str, allowed: str, required: bool) -> bool:
        if name in self.params:
            return False
        if required:
            self.problems.append(Problem(name, None, f"{name} is required; give {allowed}"))
        return True

    def int(self, name: str, required: bool = False, minimum: int = 1) -> int | None:
        allowed = f"an integer of at least {minimum}"
        if self._missing(name, allowed, required):
            return None
        raw = self.params[name]
        if not re.fullmatch(r"-?\d+", raw) or int(raw) < minimum:
            self.problems.append(Problem(name, raw, f"{name} {raw!r} is not allowed; give {allowed}"))
            return None
        return int(raw)

    def enum(self, name: str, values: tuple, required: bool = False) -> str | None:
        if self._missing(name, choices_text(values), required):
            return None
        raw = self.params[name]
        if raw not in values:
            self.problems.append(Problem(name, raw, f"{name} {raw!r} is not allowed; give {choices_text(values)}"))
            return None
        return raw

    def time(self, name: str, required: bool = False, dates: bool = False) -> float | None:
        allowed = "an ISO-8601 datetime" + (" or date" if dates else "")
        if self._missing(name, allowed, required):
            return None
        raw = self.params[name]
        when = parse_time(raw, dates)
        if when is None:
            self.problems.append(Problem(name, raw, f"{name} {raw!r} is not allowed; give {allowed}"))
        return when

    def text(self, name: str) -> str | None:
        return self.params.get(name)

    def csv(self, name: str, max_items: int | None = None, values: tuple | None = None) -> list[str] | None:
        """A comma-separated list ("up to 50"), each item one of `values` when given."""
        raw = self.params.get(name)
        if raw is None:
            return None
        items = [x.strip() for x in raw.split(",") if x.strip()]
        if max_items is not None and len(items) > max_items:
            self.problems.append(Problem(name, len(items), f"{name} lists {len(items)} items; give at most {max_items}"))
        for x in items:
            if values is not None and x not in values:
                self.problems.append(Problem(name, x, f"{name} item {x!r} is not allowed; give {choices_text(values)}"))
        return items
