"""Player: stored outputs shown side by side, each with prompt, model, seed, ratio, duration, cost
and a link to its file. Media comes from the file's relative path, or through the kernel in binary
slices when the page cannot load that path; it is never in a trait, so a saved notebook stays small.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import anywidget
import traitlets

from ._bundle import esm
from ._media import MediaServer
from .fallback import StaticResult, entries_text, result_html


class Player(anywidget.AnyWidget):
    """Player(paths_or_outputs) — files on disk, Output objects with a local path, or a TaskView's paths."""

    _esm = esm("player")
    items = traitlets.List().tag(sync=True)  # media entries (_media.media_entry), no bytes

    def __init__(self, media: Any = (), **meta: Any) -> None:
        super().__init__()
        self._media = MediaServer()
        self.on_msg(self._on_message)
        self.items = [self._media.entry(p, **meta) for p in _paths(media)]

    def _on_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        self._media.handle(self, content)

    def result(self) -> StaticResult:
        return StaticResult(result_html(self.items), entries_text(self.items))

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict, dict]:
        data, metadata = super()._repr_mimebundle_(**kwargs)
        return {**data, "text/plain": entries_text(self.items), "text/html": result_html(self.items)}, metadata


def _paths(media: Any) -> list[Path]:
    """Local files from a path, a list of them, a TaskView/result (.paths / .files) or Outputs (.path)."""
    if isinstance(media, (str, os.PathLike)):
        return [Path(media)]
    for attr in ("paths", "files"):
        found = getattr(media, attr, None)
        if found is not None and not callable(found):
            return [Path(p) for p in found]
    out: list[Path] = []
    for item in media if isinstance(media, Iterable) else [media]:
        path = item if isinstance(item, (str, os.PathLike)) else getattr(item, "path", None)
        if path is None:
            raise TypeError(f"Player needs stored files; got {type(item).__name__} without a local .path "
                            "(save it first: output.save(path))")
        out.append(Path(path))
    return out
