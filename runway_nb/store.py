"""Outputs on disk: stored as soon as a task succeeds, because Runway's output URLs expire in 24-48 h.

save_outputs() fetches with outputs.fetch (the one downloader: resumable, fresh URLs once), so a cut
download never leaves a file under its final name and the next attempt resumes it. Names are
`<task_id>_<index>.<ext>`; a JSON sidecar `<task_id>_<index>.json` beside each holds prompt, model,
sanitized parameters, cost and timings, and is written last (atomically): a sidecar naming an
existing file marks that output complete. The journal's observer (observer.py) is the one caller.
Whatever is written down (here and in the journal) goes through sanitize(): data URIs become a
hash, size and type, and the API key never appears.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import os
import re
import secrets
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from runway_nb import catalog, errors, formats, outputs, render
from runway_nb.render import relative_url  # noqa: F401 - store.relative_url, as before

DEFAULT_FOLDER = "runway_outputs"
KEY_ENV = "RUNWAYML_API_SECRET"
_SECRET_NAMES = {"authorization", "apikey", "apisecret", "secret", "token", "accesstoken", "password",
                 "xapikey", "bearer"}


# -- what may be written down (journal rows and sidecars alike) -----------------------------------
def describe_data_uri(uri: str) -> dict:
    """What a data URI held, without its bytes: type, decoded size and SHA-256."""
    header, _, payload = uri.partition(",")
    mime = header[5:].split(";")[0] or "text/plain"
    try:
        data = base64.b64decode(payload) if header.endswith(";base64") else payload.encode()
    except (binascii.Error, ValueError):
        data = payload.encode()
    return {"data_uri": {"type": mime, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}}


def sanitize(value: Any, hide: tuple[str, ...] | None = None) -> Any:
    """A JSON-safe copy fit to write down: data URIs described, secret-named fields and `hide` strings
    (default: the key in RUNWAYML_API_SECRET) masked."""
    if hide is None:
        hide = tuple(s for s in (os.environ.get(KEY_ENV),) if s and len(s) >= 8)
    if isinstance(value, Mapping):
        return {str(k): "****" if _secret_name(str(k)) else sanitize(v, hide) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [sanitize(v, hide) for v in value]
    if isinstance(value, str):
        if value[:5].lower() == "data:":
            return describe_data_uri(value)
        for secret in hide:
            value = value.replace(secret, "****")
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        data = bytes(value)
        return {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return sanitize(str(value), hide)


def mask(text: str | None) -> str | None:
    """Free text (a prompt, an error message) with the API key masked, should it appear."""
    key = os.environ.get(KEY_ENV)
    return text.replace(key, "****") if text and key and len(key) >= 8 else text


def _secret_name(name: str) -> bool:
    return name.lower().replace("-", "").replace("_", "") in _SECRET_NAMES


# -- files ------------------------------------------------------------------------------------------
def stem(task_id: str, index: int) -> str:
    """`<task_id>_<index>`, with anything unsafe in a file name replaced."""
    return f"{re.sub(r'[^A-Za-z0-9._-]', '_', str(task_id))}_{index}"


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform can open a directory
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def temp_beside(path: Path) -> Iterator[Path]:
    """A hidden temp name beside `path` (same file system, so os.replace onto it is atomic); the file is
    removed unless the caller moved it into place. For writers that need a name (PyAV), not a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.part")
    try:
        yield tmp
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


@contextlib.contextmanager
def _temp_in(folder: Path, name: str) -> Iterator[tuple[Any, Path]]:
    """A hidden temp file beside the final name, open for writing; removed unless moved into place."""
    with temp_beside(folder / name) as tmp:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)  # umask applies
        with os.fdopen(fd, "wb") as f:
            yield f, tmp


def _commit(f: Any, tmp: Path, final: Path) -> Path:
    f.flush()
    os.fsync(f.fileno())
    f.close()
    os.replace(tmp, final)
    _fsync_dir(final.parent)
    return final


def atomic_write(path: str | os.PathLike, data: bytes) -> Path:
    """Write bytes so that the final name only ever holds the complete content."""
    path = Path(path)
    with _temp_in(path.parent, path.name) as (f, tmp):
        f.write(data)
        return _commit(f, tmp, path)


def _iso(epoch: float | None) -> str | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC).isoformat()


def _timings(events: list) -> dict:
    """Seconds queued, running and in all, from the journal's event rows (status, at, progress)."""
    first: dict[str, float] = {}
    for status, at, *_ in events or ():
        first.setdefault(status, at)
    created = first.get("CREATED")
    started = first.get("RUNNING")
    finished = next((first[s] for s in ("SUCCEEDED", "FAILED", "CANCELLED") if s in first), None)

    def span(a: float | None, b: float | None) -> float | None:
        return None if a is None or b is None else round(b - a, 3)

    return {"started_at": _iso(started), "finished_at": _iso(finished),
            "queued_seconds": span(created, started), "running_seconds": span(started, finished),
            "total_seconds": span(created, finished)}


def record_of(core: Any) -> dict:
    """A journal-like record from a task's own fields, for a sidecar when no journal row is at hand."""
    snap = core.snapshot()
    return {"id": core.id, "model": snap.model, "endpoint": snap.endpoint, "prompt": snap.prompt,
            "request": dict(getattr(core, "body", None) or {}), "status": snap.status,
            "estimate_credits": snap.estimated_credits, "cost_credits": snap.cost_credits,
            "created_at": snap.created_at.timestamp() if snap.created_at else None}


def sidecar(record: Mapping, index: int, file: Path) -> dict:
    """The JSON that describes one stored output: enough to know later what made it and what it cost."""
    request = sanitize(record.get("request") or {})
    params = {k: v for k, v in request.items() if k not in ("model", "promptText")}
    cost = record.get("cost_credits")
    credits = cost if cost is not None else record.get("estimate_credits")
    return {
        "task_id": record.get("id"), "index": index, "file": file.name, "bytes": file.stat().st_size,
        "kind": formats.kind_of_name(file.name) or record.get("kind"),
        "model": record.get("model"), "endpoint": record.get("endpoint"),
        "prompt": request.get("promptText", record.get("prompt")), "parameters": params,
        "seed": request.get("seed"), "estimated_credits": record.get("estimate_credits"),
        "cost_credits": cost, "cost_dollars": None if credits is None else round(credits * catalog.CREDIT_DOLLARS, 2),
        "source": record.get("source"), "created_at": _iso(record.get("created_at")),
        "timings": _timings(record.get("events") or []), "saved_at": datetime.now(UTC).isoformat(),
    }


def complete(folder: str | os.PathLike, name: str) -> Path | None:
    """The stored file for `name` if it is complete (its sidecar exists and names it), else None."""
    side = Path(folder) / f"{name}.json"
    try:
        media = Path(folder) / json.loads(side.read_text())["file"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return media if media.is_file() else None


async def save_outputs(core: Any, folder: str | os.PathLike = DEFAULT_FOLDER, *,
                       record: Mapping | None = None) -> list[Path]:
    """Every output of a succeeded task (a TaskCore) into `folder`, each with its sidecar.

    Idempotent: outputs already complete on disk are not fetched again. `record` (a journal row)
    fills the sidecars; else the task's own fields do. Call it through the observer (observer.py),
    which runs one such job per task and folder at a time.
    """
    if not core.output:
        raise errors.OutputsError(f"task {core.id} has no outputs to save (status {core.status})")
    folder = Path(folder)
    record = {**(dict(record) if record is not None else record_of(core)), "id": core.id}
    paths = []
    for index in range(len(core.output)):
        name = stem(core.id, index)
        done = complete(folder, name)
        if done is None:
            done = await outputs.fetch(core, index, folder, name)
            data = json.dumps(sidecar(record, index, done), indent=2, ensure_ascii=False)
            atomic_write(folder / f"{name}.json", data.encode())
        paths.append(done)
    return paths


def stored(task_id: str, folder: str | os.PathLike = DEFAULT_FOLDER) -> list[Path]:
    """The complete outputs of a task already on disk, in index order."""
    paths, index = [], 0
    while (path := complete(folder, stem(task_id, index))) is not None:
        paths.append(path)
        index += 1
    return paths


class StoredResult:
    """A past task shown again from its stored files: plain HTML with relative paths, so it survives."""

    def __init__(self, record: Mapping, files: list[Path] | None = None) -> None:
        self.record = dict(record)
        self.id = self.record.get("id")
        self.files = [Path(p) for p in (files if files is not None else self.record.get("stored") or [])]
        self.files = [p for p in self.files if p.is_file()]

    @property
    def sidecars(self) -> list[dict]:
        out = []
        for path in self.files:
            with contextlib.suppress(OSError, ValueError):
                out.append(json.loads(path.with_suffix(".json").read_text()))
        return out

    def _summary(self) -> str:
        r = self.record
        cost = r.get("cost_credits") if r.get("cost_credits") is not None else r.get("estimate_credits")
        parts = [str(r.get("model") or "?"), str(r.get("status") or "?")]
        if cost is not None:
            parts.append(f"{cost:g} credits")
        if r.get("created_at"):
            parts.append(datetime.fromtimestamp(r["created_at"]).strftime("%Y-%m-%d %H:%M"))
        return " · ".join(parts)

    def __repr__(self) -> str:
        lines = [f"StoredResult {self.id}: {self._summary()}"]
        if self.record.get("prompt"):
            lines.append(f"  prompt: {self.record['prompt'][:200]}")
        lines += [f"  {os.path.relpath(p)}" for p in self.files] or ["  (no stored files)"]
        if self.record.get("failure"):
            lines.append(f"  failure: {self.record['failure']} ({self.record.get('failure_code')})")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """Plain HTML players with relative paths (render.result_html), so a saved notebook still plays
        them without a kernel; the prompt above them when no file shows it."""
        r = self.record
        entries = [render.file_entry(p, prompt=r.get("prompt"), model=r.get("model"), task_id=self.id,
                                     cost_credits=r.get("cost_credits"), sandbox=r.get("sandbox"))
                   for p in self.files]
        notes = [] if entries else [r.get("prompt") or "", "no stored files"]
        return render.result_html(entries, f"{self.id} · {self._summary()}", notes=notes,
                                  height=render.PLAYER_HEIGHT, task_id=str(self.id))
