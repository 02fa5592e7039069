"""Stored outputs as the front end sees them, and the one way their bytes reach it.

An entry is a small dict: the file's path relative to the working directory (the notebook's folder),
its absolute path (`path`, POSIX form), its kind and MIME type, and what made it (read from the
store's JSON sidecar). A widget's page URL is not the notebook's folder, so a relative src does not
load there: where the page is Jupyter's (JupyterLab, Notebook 7) the front end turns `path` into the
server's `<baseUrl>files/<path under the server root>` URL (js/src/media.ts). Bytes are never put in a
trait: when the browser cannot load the file (VS Code, Colab), it asks with a {type: "media", src}
message and MediaServer answers slice by slice (binary buffers), only for files this widget shows.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Any

from .. import formats, media_facts, render
from . import _host

log = logging.getLogger("runway_nb.widgets")
MAX_SEND_BYTES = 1024 * 1024 * 1024  # above this the browser is told to use the file link instead
CHUNK_BYTES = 1024 * 1024  # what one message carries; the front end asks for the next ones as these arrive
MAX_CHUNK_BYTES = 8 * 1024 * 1024


def media_entry(path: str | os.PathLike, **meta: Any) -> dict:
    """What a player needs for one stored file (render.file_entry), plus its absolute path (the files
    route is built from it), and a poster, pixel size or waveform so the page lays it out at once."""
    path = Path(path)
    entry = render.file_entry(path, **meta)
    entry["path"] = absolute_path(path)
    kind = entry["kind"]
    if kind == "image":
        entry["width"], entry["height"] = image_size(path)
    elif kind == "video" or entry["facts"] is not None:  # a file no browser plays: render.file_entry made it
        poster = poster_for(path)
        entry["poster"] = render.relative_url(poster) if poster else ""
        entry["poster_path"] = absolute_path(poster) if poster else ""
    elif kind == "audio":
        entry["seconds"] = _seconds(path)
        entry["peaks"] = waveform(path)
    return entry


def absolute_path(path: str | os.PathLike) -> str:
    """The file's absolute path with forward slashes (as Jupyter's page config writes its root)."""
    return Path(path).resolve().as_posix()


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


def poster_for(video: Path, width: int = media_facts.POSTER_WIDTH) -> Path | None:
    """A JPEG of the first frame beside the video (<stem>.poster.jpg), made once; None if it cannot be."""
    with _poster_lock:
        return media_facts.poster_file(video, width)


class MediaServer:
    """Answers the front end's requests for a file's bytes, for the files this widget shows only.

    A request names a slice, {type: "media", src, offset, size}, and the answer carries that slice as
    one binary buffer with the file's total size: a 50 MB video crosses as fifty 1 MB messages the
    page asks for as it takes them in, never as one message that would stall the kernel's channel and
    the page. {type: "host", files} is the page saying whether Jupyter's files route served it (_host.py).
    """

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

    def handle(self, widget: Any, content: Any) -> bool:
        """Answer a media or host message; False when the message is not one of these."""
        if isinstance(content, dict) and content.get("type") == "media":
            self.answer(widget, content)
            return True
        return _host.HOST.handle(content)

    def answer(self, widget: Any, content: dict) -> None:
        """Send {type: media, src, ok, mime, offset, total} with the slice as one buffer, or ok=False and why.
        A request without `offset` (an older front end) gets the whole file."""
        src = str(content.get("src", ""))
        path = self._files.get(src)
        reply: dict[str, Any] = {"type": "media", "src": src, "ok": False}
        sliced = "offset" in content
        if sliced:
            reply["offset"] = content.get("offset")
        if path is None:
            widget.send({**reply, "error": "not a file this widget shows"})
            return
        try:
            offset = max(0, int(content.get("offset") or 0))
            size = min(MAX_CHUNK_BYTES, max(1, int(content.get("size") or CHUNK_BYTES)))
        except (TypeError, ValueError):
            widget.send({**reply, "error": "offset and size must be whole numbers"})
            return
        try:
            total = path.stat().st_size
            if total > MAX_SEND_BYTES:
                widget.send({**reply, "error": f"{total} bytes is too large to send; open the file link"})
                return
            with path.open("rb") as fh:
                fh.seek(offset)
                data = fh.read(size) if sliced else fh.read()
        except OSError as exc:
            widget.send({**reply, "error": f"cannot read {path.name}: {exc.strerror or exc}"})
            return
        extra = {"offset": offset, "total": total} if sliced else {}
        widget.send({**reply, "ok": True, "mime": formats.mime_of_name(path.name), **extra}, buffers=[data])
