"""Request rules for the sandbox's non-task resources, as small data: a body (or query) in, problems out.

The task endpoints' rules live in catalog.py and are walked by validate.py; the management resources
(avatars, voices, documents, routers, sessions, workflows, the web app reports) have shapes of their
own, so they are written here as a few spec objects that mirror the SDK's request types: required
fields, enums, the lengths and patterns their docstrings state, and nothing more. Every problem is a
validate.Problem that names the field, the value and what is allowed, so the 400 body is the one the
task endpoints send (validate.problems_as_error_body).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

from .. import formats
from ..formats import A_KIND, join_or
from ..validate import Problem

_TYPES = {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "a list",
          dict: "an object", type(None): "null"}


def _kind(v: object) -> str:
    return next((n for t, n in _TYPES.items() if isinstance(v, t)), f"a {type(v).__name__}")


def _show(v: object) -> str:
    return repr(formats.shorten(v) if isinstance(v, str) else v)


def _brief(v: object) -> object:
    return formats.shorten(v) if isinstance(v, str) else v


def _choices(values, budget: int = 160) -> str:
    text = join_or(repr(v) for v in values)
    if len(text) <= budget:
        return text
    shown = ", ".join(repr(v) for v in values[:8])
    return f"one of {shown}, … ({len(values)} in all)"


def wrong(name: str, v: object, allowed: str) -> Problem:
    """`name` holds the wrong kind of value: say what it is and what would be right."""
    if v is None:
        return Problem(name, None, f"{name} is null; give {allowed}")
    return Problem(name, _brief(v), f"{name} {_show(v)} is {_kind(v)}; give {allowed}")


class Spec:
    """One rule: `allowed` says in words what fits; `check` yields what is wrong with a value."""

    allowed = "a value"

    def check(self, name: str, v: object) -> Iterator[Problem]:
        return iter(())


@dataclass(frozen=True)
class Str(Spec):
    min_len: int = 0
    pattern: str | None = None
    rule: str = ""  # the pattern in words

    @property
    def allowed(self) -> str:
        return "a string" + (f" of at least {self.min_len} characters" if self.min_len else "") + self.rule

    def check(self, name, v):
        if not isinstance(v, str):
            yield wrong(name, v, self.allowed)
        elif len(v) < self.min_len:
            yield Problem(name, _brief(v), f"{name} {_show(v)} has {len(v)} characters; give {self.allowed}")
        elif self.pattern and not re.fullmatch(self.pattern, v):
            yield Problem(name, _brief(v), f"{name} {_show(v)} is not allowed; give {self.allowed}")


@dataclass(frozen=True)
class Enum(Spec):
    values: tuple

    @property
    def allowed(self) -> str:
        return _choices(self.values)

    def check(self, name, v):
        if not any(v == c and type(v) is type(c) for c in self.values):
            yield Problem(name, _brief(v), f"{name} {_show(v)} is not allowed; give {self.allowed}")


@dataclass(frozen=True)
class Int(Spec):
    min: int | None = None

    @property
    def allowed(self) -> str:
        return "an integer" + (f" of at least {self.min}" if self.min is not None else "")

    def check(self, name, v):
        if isinstance(v, bool) or not isinstance(v, int):
            yield wrong(name, v, self.allowed)
        elif self.min is not None and v < self.min:
            yield Problem(name, v, f"{name} {v} is too small; give {self.allowed}")


@dataclass(frozen=True)
class Num(Spec):
    allowed = "a number"

    def check(self, name, v):
        if isinstance(v, bool) or not isinstance(v, int | float):
            yield wrong(name, v, self.allowed)


@dataclass(frozen=True)
class Bool(Spec):
    allowed = "true or false"

    def check(self, name, v):
        if not isinstance(v, bool):
            yield wrong(name, v, self.allowed)


@dataclass(frozen=True)
class Scalar(Spec):
    """A string, number or boolean (a workflow's primitive value)."""

    allowed = "a string, a number or a boolean"

    def check(self, name, v):
        if not isinstance(v, str | int | float | bool):
            yield wrong(name, v, self.allowed)


@dataclass(frozen=True)
class Uri(Spec):
    """An input file: https URL, runway:// upload URI or data URI (up to 5 MB), checked by formats."""

    kind: str

    @property
    def allowed(self) -> str:
        return f"an https URL, a data: URI or a runway:// URI of {A_KIND[self.kind]}"

    def check(self, name, v):
        if not isinstance(v, str):
            yield wrong(name, v, self.allowed)
            return
        yield from (Problem(name, _brief(v), f"{name} {reason}") for reason in formats.check_uri(v, (self.kind,)))


@dataclass(frozen=True)
class SocketUrl(Spec):
    """"Must be a wss:// or https:// URL that resolves to a public host" (integration URLs)."""

    allowed = "a wss:// or https:// URL of a public host"

    def check(self, name, v):
        if not isinstance(v, str):
            yield wrong(name, v, self.allowed)
            return
        parts = urlsplit(v)
        host = (parts.hostname or "").lower()
        try:
            private = not ipaddress.ip_address(host).is_global
        except ValueError:
            private = host in ("localhost", "") or host.endswith((".localhost", ".local", ".internal"))
        if parts.scheme not in ("wss", "https") or private:
            yield Problem(name, _brief(v), f"{name} {_show(v)} is not allowed; give {self.allowed}")


@dataclass(frozen=True)
class Nullable(Spec):
    inner: Spec

    @property
    def allowed(self) -> str:
        return f"{self.inner.allowed}, or null"

    def check(self, name, v):
        if v is not None:
            yield from self.inner.check(name, v)


@dataclass(frozen=True)
class ListOf(Spec):
    item: Spec
    max_items: int | None = None

    @property
    def allowed(self) -> str:
        return "a list" + (f" of at most {self.max_items}" if self.max_items else "") + f" of {self.item.allowed}"

    def check(self, name, v):
        if not isinstance(v, list):
            yield wrong(name, v, self.allowed)
            return
        if self.max_items is not None and len(v) > self.max_items:
            yield Problem(name, len(v), f"{name} has {len(v)} items; give at most {self.max_items}")
        for i, x in enumerate(v):
            yield from self.item.check(f"{name}.{i}", x)


@dataclass(frozen=True)
class MapOf(Spec):
    """An object whose keys are free (node ids, output keys) and whose values follow one spec."""

    value: Spec

    @property
    def allowed(self) -> str:
        return f"an object of {self.value.allowed}"

    def check(self, name, v):
        if not isinstance(v, dict):
            yield wrong(name, v, self.allowed)
            return
        for k, x in v.items():
            yield from self.value.check(f"{name}.{k}" if name else str(k), x)


@dataclass(frozen=True)
class Obj(Spec):
    """An object with named fields; unknown keys pass (the SDK lets extra_body through, so may we)."""

    required: Mapping[str, Spec] = field(default_factory=dict)
    optional: Mapping[str, Spec] = field(default_factory=dict)
    at_least_one: bool = False  # "At least one field must be provided"

    @property
    def allowed(self) -> str:
        return "an object with " + (", ".join(self.required) or "any of " + ", ".join(self.optional))

    def check(self, name, v):
        if not isinstance(v, dict):
            yield wrong(name or "the body", v, self.allowed)
            return
        prefix = f"{name}." if name else ""
        for key, spec in self.required.items():
            if key not in v:
                yield Problem(prefix + key, None, f"{prefix}{key} is required; give {spec.allowed}")
            else:
                yield from spec.check(prefix + key, v[key])
        for key, spec in self.optional.items():
            if key in v:
                yield from spec.check(prefix + key, v[key])
        if self.at_least_one and not any(k in v for k in (*self.required, *self.optional)):
            fields = join_or(list(self.optional))
            yield Problem(name, {}, f"{name or 'the body'} changes nothing; give at least one of {fields}")


@dataclass(frozen=True)
class OneOf(Spec):
    """A union told apart by one key (`type`), as the SDK's discriminated unions are."""

    key: str
    members: Mapping[str, Obj]

    @property
    def allowed(self) -> str:
        return f"an object with {self.key} {_choices(tuple(self.members))}"

    def check(self, name, v):
        if not isinstance(v, dict):
            yield wrong(name, v, self.allowed)
            return
        tag = v.get(self.key)
        where = f"{name}.{self.key}" if name else self.key
        if self.key not in v:
            yield Problem(where, None, f"{where} is required; give {_choices(tuple(self.members))}")
        elif tag not in self.members:
            yield Problem(where, _brief(tag), f"{where} {_show(tag)} is not allowed; give {_choices(tuple(self.members))}")
        else:
            yield from self.members[tag].check(name, v)


def problems(spec: Spec, body: object) -> list[Problem]:
    return list(spec.check("", body))


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
        if self._missing(name, _choices(values), required):
            return None
        raw = self.params[name]
        if raw not in values:
            self.problems.append(Problem(name, raw, f"{name} {raw!r} is not allowed; give {_choices(values)}"))
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
                self.problems.append(Problem(name, x, f"{name} item {x!r} is not allowed; give {_choices(values)}"))
        return items
