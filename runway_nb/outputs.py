"""Task outputs: objects that show themselves as players, and downloads that survive a cut connection.

fetch() is the one downloader of outputs (Output.save, Task.download, and the store's sidecar-keeping
copies all use it). A download is streamed to `<name>.part` and renamed when complete (after
an fsync), so a file with its final name is always whole; a broken transfer resumes with an HTTP Range
request from the bytes already on disk, now or at the next attempt. Signed output URLs expire (403):
the task is fetched again for fresh ones, once. The extension comes from the bytes (formats.sniff),
then the Content-Type, then the URL. Every failure is an errors.APIError.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import glob
import os
import tempfile
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx

from . import catalog, errors, formats, render

MAX_ATTEMPTS = 6


class Output:
    """One output of a task: `.url` (fresh after a refresh), `.read()`, `.save(path)`, and a player.

    Task.outputs gives outputs whose read()/save() block; AsyncTask.outputs gives ones to use with
    `await out.aread()` / `await out.asave(path)` (both kinds have the async methods).
    """

    def __init__(self, core: Any, index: int, *, sync: bool = True) -> None:
        self._core, self.index, self._sync = core, index, sync

    @property
    def url(self) -> str:
        return self._core.output[self.index]

    @property
    def path(self) -> Path | None:
        """Where this output was saved by this process, if it was."""
        return self._core.saved.get(self.index)

    @property
    def kind(self) -> str:
        """'video', 'image' or 'audio': from the model, else from the file's or URL's extension."""
        model = catalog.MODELS.get(self._core.model or "")
        if model is not None:
            return model.kind
        return formats.kind_of_name(str(self.path) if self.path else urlparse(self.url).path) or catalog.VIDEO

    async def aread(self) -> bytes:
        with tempfile.TemporaryDirectory(prefix="runway_nb-") as tmp:
            return (await fetch(self._core, self.index, Path(tmp), f"output_{self.index}")).read_bytes()

    async def asave(self, path: str | os.PathLike = ".") -> Path:
        """To `path`: a folder (named `<task_id>_<index>.<ext>`) or a file name (extension added if none)."""
        target = Path(path).expanduser()
        if target.is_dir() or str(path).endswith(("/", os.sep)):
            return await fetch(self._core, self.index, target, f"{self._core.id}_{self.index}", confine=True)
        final = await fetch(self._core, self.index, target.parent, target.stem,
                            suffix=target.suffix or None)
        return final

    def read(self) -> bytes:
        return self._blocking(self.aread())

    def save(self, path: str | os.PathLike = ".") -> Path:
        return self._blocking(self.asave(path))

    def _blocking(self, coro: Any) -> Any:
        if not self._sync:
            coro.close()
            raise RuntimeError("this output belongs to an AsyncRunwayML task: use `await output.aread()` "
                               "or `await output.asave(path)`")
        from ._loop import run_sync

        return run_sync(coro)

    def _entry(self) -> dict:
        """The saved file when the notebook server can serve it (relative to the notebook, so a
        reopened notebook still plays it), else the signed URL (valid for a day or two)."""
        core = self._core
        meta = {"task_id": core.id, "model": core.model, "sandbox": core.sandbox,
                "prompt": (core.body or {}).get("promptText"), "cost_credits": core.cost_credits,
                "output_format": (core.body or {}).get("outputFormat")}
        if self.path is not None:
            try:
                self.path.resolve().relative_to(Path.cwd().resolve())
                return render.file_entry(self.path, index=self.index, **meta)
            except ValueError:
                pass
        return render.remote_entry(self.url, self.index, self.kind, **meta)

    def _repr_html_(self) -> str:
        return render.result_html([self._entry()], height=render.PLAYER_HEIGHT)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict:
        return {"text/html": self._repr_html_(), "text/plain": repr(self)}

    def __str__(self) -> str:
        return self.url

    def __repr__(self) -> str:
        where = f"path={str(self.path)!r}" if self.path else f"url={self.url!r}"
        return f"Output(task={self._core.id!r}, index={self.index}, kind={self.kind!r}, {where})"


async def download(core: Any, folder: str | os.PathLike = "runway_outputs") -> list[Path]:
    """Every output of a SUCCEEDED task into `folder` as `<task_id>_<index>.<ext>`."""
    if core.status != "SUCCEEDED" or not core.output:
        raise errors.OutputsError(f"task {core.id} has no outputs to download (status {core.status}); "
                                  "wait for it to succeed first")
    folder = Path(folder).expanduser()
    return [await fetch(core, i, folder, f"{core.id}_{i}", confine=True) for i in range(len(core.output))]


def _confined(folder: Path, name: str) -> Path:
    """folder/name, refusing a name that would land anywhere but directly in folder."""
    path = folder / name
    if path.resolve().parent != folder.resolve():
        raise errors.OutputsError(f"refusing to write {str(path)!r}: it is outside the folder {str(folder)!r}")
    return path


async def fetch(core: Any, index: int, folder: Path, stem: str, *, suffix: str | None = None,
                confine: bool = False) -> Path:
    """Output `index` to folder/stem.<ext> via folder/stem.part; an existing complete file is kept.
    Two fetches of one file in this process (the journal storing it while the user saves it there too)
    take turns: the second finds the first's file."""
    if confine:
        _confined(folder, stem + ".part")
    folder.mkdir(parents=True, exist_ok=True)
    part = folder / f"{stem}.part"
    async with _alone(part):
        done = _complete(folder, stem) if suffix is None else None
        if done is None:
            ctype = await _stream_to(core, index, part)
            with part.open("rb") as fh:
                head = fh.read(64)
                os.fsync(fh.fileno())
            done = folder / (stem + (suffix or "." + extension(head, ctype, core.output[index])))
            if confine:
                done = _confined(folder, done.name)
            os.replace(part, done)
    core.saved[index] = done
    return done


def _complete(folder: Path, stem: str) -> Path | None:
    done = [p for p in folder.glob(glob.escape(stem) + ".*") if p.suffix not in (".part", ".json")]
    return done[0] if done else None


_writing: dict[str, concurrent.futures.Future] = {}  # .part file -> its writer's "done" signal
_writing_guard = threading.Lock()


@contextlib.asynccontextmanager
async def _alone(part: Path) -> AsyncIterator[None]:
    """Be the only writer of `part` in this process, whatever loop or thread the others run on."""
    key = str(part.resolve())
    while True:
        with _writing_guard:
            other = _writing.get(key)
            if other is None:
                mine = _writing[key] = concurrent.futures.Future()
                break
        await asyncio.shield(asyncio.wrap_future(other))
    try:
        yield
    finally:
        with _writing_guard:
            _writing.pop(key, None)
        mine.set_result(None)


def extension(head: bytes, ctype: str | None = None, url: str = "") -> str:
    """The file extension (no dot) for an output: from its first bytes, else the Content-Type, else the URL."""
    found = formats.sniff(head) if head else None
    if found:
        return formats.file_ext(found[1])
    ext = formats.EXT_BY_TYPE.get((ctype or "").split(";")[0].strip().lower())
    if ext:
        return ext
    suffix = Path(urlparse(url).path).suffix.lstrip(".").lower()
    return suffix if suffix.isalnum() and len(suffix) <= 5 else "bin"


def _client(http: Any) -> httpx.AsyncClient:
    """HTTP's own httpx client: same loop and transport; it carries no Authorization by itself
    (http.py adds the key per API request), so signed URLs never see the key."""
    return getattr(http, "client", None) or http._client


def _total(resp: httpx.Response, offset: int) -> int | None:
    """The full size of the file: from Content-Range (bytes a-b/N) or offset + Content-Length."""
    crange = resp.headers.get("content-range", "")
    if "/" in crange and crange.rsplit("/", 1)[1].strip().isdigit():
        return int(crange.rsplit("/", 1)[1])
    length = resp.headers.get("content-length")
    return offset + int(length) if length and length.isdigit() else None


def _range_start(resp: httpx.Response) -> int | None:
    unit, _, rest = resp.headers.get("content-range", "").partition(" ")
    start = rest.split("-", 1)[0]
    return int(start) if unit == "bytes" and start.isdigit() else None


async def _stream_to(core: Any, index: int, part: Path) -> str | None:
    """Stream into `part`, resuming from its size; returns the Content-Type."""
    client, ctype, refreshed, last_error = _client(core.http), None, False, None
    for attempt in range(MAX_ATTEMPTS):
        have = part.stat().st_size if part.exists() else 0
        headers = {"Accept-Encoding": "identity", **({"Range": f"bytes={have}-"} if have else {})}
        try:
            async with client.stream("GET", core.output[index], headers=headers, follow_redirects=True) as resp:
                if resp.status_code in (401, 403) and not refreshed:
                    refreshed = True  # expired signed URL: the task hands out fresh ones
                    await core.refresh()
                    continue
                if resp.status_code == 416 and have:
                    if _total(resp, 0) == have:
                        return ctype
                    part.unlink()
                    continue
                if not resp.is_success:
                    await resp.aread()
                    raise errors.status_error_class(resp.status_code)(
                        f"downloading output {index} of task {core.id} answered HTTP {resp.status_code}",
                        response=resp)
                append = resp.status_code == 206 and have > 0 and _range_start(resp) == have
                ctype = resp.headers.get("content-type") or ctype
                total = _total(resp, have if append else 0)
                with part.open("ab" if append else "wb") as fh:
                    async for chunk in resp.aiter_bytes():
                        fh.write(chunk)
            if total is None or part.stat().st_size >= total:
                return ctype
        except httpx.TransportError as exc:
            last_error = exc
        except httpx.HTTPError as exc:  # not the network: too many redirects, a body that does not decode
            raise errors.APIConnectionError(
                message=f"downloading output {index} of task {core.id} failed: {type(exc).__name__}: {exc}",
                request=getattr(exc, "_request", None)) from None
        await core.clock.sleep(min(0.25 * 2 ** attempt, 4.0))
    raise errors.IncompleteDownload(
        message=f"downloading output {index} of task {core.id} failed {MAX_ATTEMPTS} times "
                f"({type(last_error).__name__ if last_error else 'incomplete'}); {part.name} keeps the "
                f"bytes so far and the next download() resumes from them")
