"""One problem with a request, and the words every check uses to describe values and what is allowed.

A leaf under validate.py and shapes.py, so the hand-kept rules and the walk over the SDK's shapes
word their messages the same way: the field, the value as given (shortened), what would be right.
"""

from __future__ import annotations

import difflib
from typing import NamedTuple

from . import formats
from .formats import join_or as _or


class Problem(NamedTuple):
    """One thing wrong with a body. `value` is as given, shortened when long (never a whole data URI)."""

    field: str
    value: object
    message: str


class UnknownField(Problem):
    """A field the catalog does not know: the sandbox refuses it, the client sends it with a warning
    (the API may be newer than the catalog)."""

    __slots__ = ()


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, as the API counts it: an emoji outside the BMP counts 2."""
    return len(text.encode("utf-16-le")) // 2


# -- showing values and choices -----------------------------------------------------------------
def _brief(value: object) -> object:
    """The value, with long strings cut (a data URI keeps its first 40 characters and its size)."""
    if isinstance(value, str):
        return formats.shorten(value)
    if isinstance(value, dict):
        return {k: _brief(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_brief(v) for v in value]
    return value


def _show(value: object) -> str:
    return repr(_brief(value))


def _choices(choices, budget: int = 200) -> str:
    """'a, b or c'; a long list is cut to what fits the budget and says how many there are."""
    text = _or(choices)
    if len(text) <= budget:
        return text
    shown: list[str] = []
    for c in map(str, choices):
        if sum(len(s) + 2 for s in shown) + len(c) > budget - 40:
            break
        shown.append(c)
    return f"one of {', '.join(shown)}, … ({len(choices)} in all)"


def _close(value: object, names, near: bool = True) -> str | None:
    """The name `value` most likely meant: same letters ignoring case and underscores, else a near miss."""
    if not isinstance(value, str):
        return None
    names = [str(n) for n in names]
    squash = value.replace("_", "").lower()
    same = [n for n in names if n.replace("_", "").lower() == squash]
    return (same or (difflib.get_close_matches(value, names, n=1, cutoff=0.6) if near else []) or [None])[0]


def _kind_of(v: object) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "a list",
             dict: "an object", type(None): "null"}
    return next((n for t, n in names.items() if isinstance(v, t)), f"a {type(v).__name__}")


def _wrong(field: str, v: object, allowed: str) -> Problem:
    if v is None:
        return Problem(field, None, f"{field} is null; omit it or give {allowed}")
    return Problem(field, _brief(v), f"{field} {_show(v)} is {_kind_of(v)}; give {allowed}")


def _same(v: object, c: object) -> bool:
    if isinstance(v, bool) or isinstance(c, bool):
        return v is c
    if isinstance(v, float) and isinstance(c, int):
        return v.is_integer() and int(v) == c
    return type(v) is type(c) and v == c


