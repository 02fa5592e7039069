"""What every management resource shares: an in-memory collection, cursor pages, and served files.

A record is a plain dict with its wire fields plus a few private ones (`_seq`, `_created`,
`_updated`, epoch seconds on the engine's clock). Pages follow the SDK's cursor envelope
{"data": [...], "nextCursor": str | null}; a cursor is the sort key of the last item shown, so
items created or deleted between pages neither repeat nor shift the rest.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import json
import uuid
from collections.abc import Callable, Iterable

from .. import validate
from .accounts import Refusal
from .task import iso


def bad_request(problems) -> Refusal:
    return Refusal(400, validate.problems_as_error_body(problems))


def not_found(noun: str, ident: str) -> Refusal:
    return Refusal(404, {"error": f"{noun} {ident} not found."})


class Collection:
    """Records of one resource by id; deleted ones are gone (a later GET is a 404)."""

    def __init__(self, noun: str) -> None:
        self.noun = noun
        self._items: dict[str, dict] = {}
        self._seq = itertools.count()

    def add(self, record: dict, wall: float, ident: str | None = None) -> dict:
        record.update(id=ident or str(uuid.uuid4()), _seq=next(self._seq), _created=wall, _updated=wall)
        self._items[record["id"]] = record
        return record

    def get(self, ident: str) -> dict:
        record = self._items.get(ident)
        if record is None:
            raise not_found(self.noun, ident)
        return record

    def find(self, ident: str | None) -> dict | None:
        return self._items.get(ident) if ident is not None else None

    def remove(self, ident: str) -> dict:
        record = self.get(ident)
        del self._items[ident]
        return record

    def values(self) -> list[dict]:
        return list(self._items.values())

    def __len__(self) -> int:
        return len(self._items)


def stamps(record: dict) -> dict:
    """createdAt / updatedAt as the wire writes them."""
    return {"createdAt": iso(record["_created"]), "updatedAt": iso(record["_updated"])}


def newest_first(record: dict) -> tuple:
    return (record["_created"], record["_seq"])


def page(records: Iterable[dict], limit: int, cursor: str | None, render: Callable[[dict], dict],
         key: Callable[[dict], tuple] = newest_first, descending: bool = True) -> dict:
    """One page of `limit` items after `cursor`, in key order (newest first unless told)."""
    ordered = sorted(records, key=key, reverse=descending)
    if cursor:
        after = _decode(cursor)
        ordered = [r for r in ordered if (list(key(r)) < after if descending else list(key(r)) > after)]
    shown = ordered[:limit]
    more = len(ordered) > limit
    return {"data": [render(r) for r in shown], "nextCursor": _encode(list(key(shown[-1]))) if more else None}


def _encode(key: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def _decode(cursor: str) -> list:
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if isinstance(key, list):
            return key
    except (binascii.Error, ValueError, UnicodeDecodeError):
        pass
    raise bad_request([validate.Problem("cursor", cursor[:40], f"cursor {cursor[:40]!r} is not one this "
                                        "server gave out; pass the nextCursor of the previous page")])


class Files:
    """Media the resources make (voice samples, previews, recordings, workflow outputs), made once and
    served at signed, expiring URLs under /_sandbox/files/ (the task outputs' signing, its own route)."""

    ROUTE = "/_sandbox/files"

    def __init__(self, engine) -> None:
        self._engine = engine
        self._known: set[tuple[str, str]] = set()

    def ensure(self, owner: str, name: str, make: Callable[[], bytes]) -> None:
        if (owner, name) not in self._known:
            self._engine.outputs.write(owner, name, make())
            self._known.add((owner, name))

    def url(self, owner: str, name: str, base_url: str | None = None) -> str:
        base = (base_url or self._engine.base_url).rstrip("/")
        signed = self._engine.outputs.url(base, owner, name, self._engine.wall())
        return f"{base}{self.ROUTE}/{owner}/{name}?{signed.split('?', 1)[1]}"

    def drop(self, owner: str) -> None:
        self._known = {k for k in self._known if k[0] != owner}
        self._engine.outputs.remove(owner)

    def open(self, owner: str, name: str, expires: str | None, sig: str | None):
        """The file's path for a signed URL; 403 for a bad or expired signature, 404 for a removed file."""
        verdict = self._engine.outputs.check(owner, name, expires, sig, self._engine.wall())
        if verdict != "ok":
            raise Refusal(403, {"error": "This URL has expired; fetch the resource again for a fresh URL."
                                if verdict == "expired" else "Access denied: the URL signature is not valid."})
        path = self._engine.outputs.file(owner, name)
        if (owner, name) not in self._known or not path.is_file():
            raise Refusal(404, {"error": "This file no longer exists (its resource was deleted)."})
        return path
