"""Stored outputs as the front end sees them, and the one way their bytes reach it.

An entry is a small dict: the file's path relative to the working directory (the notebook's folder),
its absolute path (`path`, POSIX form), its kind and MIME type, and what made it (read from the
store's JSON sidecar). A widget's page URL is not the notebook's folder, so a relative src does not
load there: where the page is Jupyter's (JupyterLab, Notebook 7) the front end turns `path` into the
server's `<baseUrl>files/<path under the server root>` URL (js/src/media.ts). Bytes are never put in a
trait: when the browser cannot load the file (VS Code, Colab), it asks with a {type: "media", src}
message and MediaServer answers with one binary buffer, only for files this widget shows.
"""

from __future__ import annotations

import contextlib
import json
import logging
import mimetypes
import os
import threading
from pathlib import Path
from typing import Any

from .. import catalog, store

log = logging.getLogger("runway_nb.widgets")
MAX_SEND_BYTES = 256 * 1024 * 1024  # above this the browser is told to use the file link instead
_KINDS = {".mp4": "video", ".mov": "video", ".webm": "video", ".mkv": "video", ".png": "image", ".jpg": "image",
          ".jpeg": "image", ".webp": "image", ".gif": "image", ".mp3": "audio", ".wav": "audio",
          ".flac": "audio", ".m4a": "audio", ".aac": "audio", ".ogg": "audio"}
_MIME = {".mkv": "video/x-matroska", ".m4a": "audio/mp4", ".flac": "audio/flac", ".aac": "audio/aac"}


def kind_of(path: Path) -> str:
    return _KINDS.get(path.suffix.lower(), "file")


def mime_of(path: Path) -> str:
    suffix = path.suffix.lower()
    return _MIME.get(suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def read_sidecar(path: Path) -> dict:
    """The store's JSON beside an output (prompt, model, parameters, cost), or {}."""
    with contextlib.suppress(OSError, ValueError):
        data = json.loads(path.with_suffix(".json").read_text())
        if isinstance(data, dict):
            return data
    return {}


def media_entry(path: str | os.PathLike, **meta: Any) -> dict:
    """What a player needs for one stored file. `meta` (prompt, model, sandbox...) fills gaps in the sidecar."""
    path = Path(path)
    side = read_sidecar(path)
    params = side.get("parameters") or {}
    kind = side.get("kind") if side.get("kind") in catalog.KINDS else kind_of(path)
    cost = _first(side.get("cost_credits"), meta.get("cost_credits"))
    entry = {
        "src": store.relative_url(path),
        "path": absolute_path(path),
        "name": path.name,
        "kind": kind,
        "mime": mime_of(path),
        "poster": "",
        "index": _first(side.get("index"), meta.get("index")),
        "task_id": _first(side.get("task_id"), meta.get("task_id")),
        "prompt": _first(side.get("prompt"), meta.get("prompt")) or "",
        "model": _first(side.get("model"), meta.get("model")) or "",
        "seed": _first(side.get("seed"), params.get("seed"), meta.get("seed")),
        "ratio": _first(params.get("ratio"), meta.get("ratio")),
        "duration": _first(params.get("duration"), meta.get("duration")),
        "cost_credits": cost,
        "cost_dollars": None if cost is None else round(cost * catalog.CREDIT_DOLLARS, 2),
        "sandbox": bool(meta.get("sandbox", side.get("sandbox", False))),
        "seconds": None,
    }
    if kind == "image":
        entry["width"], entry["height"] = image_size(path)
    elif kind == "video":
        poster = poster_for(path)
        entry["poster"] = store.relative_url(poster) if poster else ""
        entry["poster_path"] = absolute_path(poster) if poster else ""
    elif kind == "audio":
        entry["seconds"] = _seconds(path)
        entry["peaks"] = waveform(path)
    return entry


def remote_entry(url: str, index: int, kind: str, **meta: Any) -> dict:
    """An output not stored locally (the download failed): shown from its URL while that still works."""
    cost = meta.get("cost_credits")
    return {"src": url, "name": f"output {index}", "kind": kind, "mime": "", "poster": "", "index": index,
            "task_id": meta.get("task_id"), "prompt": meta.get("prompt") or "", "model": meta.get("model") or "",
            "seed": meta.get("seed"), "ratio": meta.get("ratio"), "duration": meta.get("duration"),
            "cost_credits": cost, "cost_dollars": None if cost is None else round(cost * catalog.CREDIT_DOLLARS, 2),
            "sandbox": bool(meta.get("sandbox")), "seconds": None}


def absolute_path(path: str | os.PathLike) -> str:
    """The file's absolute path with forward slashes (as Jupyter's page config writes its root)."""
    return Path(path).resolve().as_posix()


def _first(*values: Any) -> Any:
    return next((v for v in values if v is not None), None)


def image_size(path: Path) -> tuple[int | None, int | None]:
    """Pixel size from the header (no decode), so the page reserves the right space before loading."""
    try:
        from PIL import Image

        with Image.open(path) as im:
            return im.size
    except Exception:
        return None, None


def _seconds(path: Path) -> float | None:
    try:
        from .. import formats

        seconds = formats.probe_seconds(path)
        return None if seconds is None else round(float(seconds), 2)
    except Exception:
        return None


def waveform(path: Path, bins: int = 120) -> list[float]:
    """Peak level (0..1) of `bins` equal slices of an audio file: a few hundred bytes of JSON that
    let the page and the static HTML draw the waveform without the audio's bytes. [] if undecodable."""
    try:
        import av
        import numpy as np

        chunks = []
        with av.open(str(path)) as container:
            for frame in container.decode(audio=0):
                samples = frame.to_ndarray()
                chunks.append(np.abs(samples.astype(np.float32)).max(axis=0) if samples.ndim > 1 else
                              np.abs(samples.astype(np.float32)))
        if not chunks:
            return []
        level = np.concatenate(chunks)
        level = level / max(float(level.max()), 1e-9)  # relative: a quiet clip still shows its shape
        slices = np.array_split(level, min(bins, len(level)))
        return [round(float(s.max()), 2) if len(s) else 0.0 for s in slices]
    except Exception as exc:
        log.debug("no waveform for %s: %s", path, exc)
        return []


_poster_lock = threading.Lock()


def poster_for(video: Path, width: int = 480) -> Path | None:
    """A JPEG of the first frame beside the video (<stem>.poster.jpg), made once; None if it cannot be."""
    poster = video.with_name(video.stem + ".poster.jpg")
    if poster.is_file():
        return poster
    try:
        import av

        with _poster_lock, av.open(str(video)) as container:
            frame = next(container.decode(video=0))
            image = frame.to_image()
        image.thumbnail((width, width))
        from io import BytesIO

        buf = BytesIO()
        image.convert("RGB").save(buf, "JPEG", quality=80)
        store.atomic_write(poster, buf.getvalue())
        return poster
    except Exception as exc:  # a poster is a nicety: the video plays without one
        log.debug("no poster for %s: %s", video, exc)
        return None


class MediaServer:
    """Answers the front end's request for a file's bytes, for the files this widget shows only."""

    def __init__(self) -> None:
        self._files: dict[str, Path] = {}

    def entry(self, path: str | os.PathLike, **meta: Any) -> dict:
        """media_entry(), remembering the file (and its poster) as one this widget may send."""
        entry = media_entry(path, **meta)
        self._files[entry["src"]] = Path(path).resolve()
        if entry["poster"]:
            self._files[entry["poster"]] = Path(entry["poster_path"])
        return entry

    def allow(self, src: str, path: str | os.PathLike) -> None:
        self._files[src] = Path(path).resolve()

    def answer(self, widget: Any, content: dict) -> None:
        """Send {type: media, src, ok, mime} with the bytes as one buffer, or ok=False and why."""
        src = str(content.get("src", ""))
        path = self._files.get(src)
        reply = {"type": "media", "src": src, "ok": False}
        if path is None:
            widget.send({**reply, "error": "not a file this widget shows"})
            return
        try:
            size = path.stat().st_size
            if size > MAX_SEND_BYTES:
                widget.send({**reply, "error": f"{size} bytes is too large to send; open the file link"})
                return
            data = path.read_bytes()
        except OSError as exc:
            widget.send({**reply, "error": f"cannot read {path.name}: {exc.strerror or exc}"})
            return
        widget.send({**reply, "ok": True, "mime": mime_of(path)}, buffers=[data])
