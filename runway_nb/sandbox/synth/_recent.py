"""The sandbox's last few synthesized results, kept by their arguments (synth is deterministic).

A notebook run again, or two clients sending the same request, get their media without making it
twice; `fresh()` turns it off for a block (benchmarks, determinism checks).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator

CACHE_BYTES = 96 * 1024 * 1024


class _Recent:
    """Results by their arguments, least recently used dropped first once over CACHE_BYTES."""

    def __init__(self, budget: int) -> None:
        self.budget, self.size = budget, 0
        self.items: OrderedDict[tuple, bytes] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple) -> bytes | None:
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        return None

    def put(self, key: tuple, value: bytes | list) -> None:
        with self.lock:
            if key in self.items or _size(value) > self.budget:
                return
            self.items[key] = value
            self.size += _size(value)
            while self.size > self.budget:
                self.size -= _size(self.items.popitem(last=False)[1])


def _size(value: bytes | list) -> int:
    """A result's bytes: one file, or a delivery's files (synth.Artifact: name, data, mime)."""
    return sum(len(a[1]) for a in value) if isinstance(value, list) else len(value)


_recent = _Recent(CACHE_BYTES)
_local = threading.local()


@contextlib.contextmanager
def fresh() -> Iterator[None]:
    """Make everything anew in this block (on this thread): for benchmarks and determinism checks."""
    before, _local.fresh = getattr(_local, "fresh", False), True
    try:
        yield
    finally:
        _local.fresh = before


def _part(value: object) -> object:
    """An argument as a cache key part: bytes by their digest (inputs can be large)."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return ("sha256", hashlib.sha256(value).hexdigest())
    if isinstance(value, (list, tuple)):
        return tuple(_part(v) for v in value)
    return value


def remembered(fn: Callable[..., bytes]) -> Callable[..., bytes]:
    @functools.wraps(fn)
    def call(*args: object, **kwargs: object) -> bytes:
        if getattr(_local, "fresh", False):
            return fn(*args, **kwargs)
        key = (fn.__name__, _part(args), tuple(sorted((k, _part(v)) for k, v in kwargs.items())))
        found = _recent.get(key)
        if found is None:
            found = fn(*args, **kwargs)
            _recent.put(key, found)
        return found

    return call
