"""Player: stored outputs shown side by side, each with prompt, model, seed, ratio, duration, cost
and a link to its file. Media comes from the file's relative path, or through the kernel in binary
slices when the page cannot load that path; it is never in a trait, so a saved notebook stays small.

Displayed, it is plain HTML wherever the files route can serve the files (JupyterLab, Notebook 7,
a kernel with no page at all such as nbclient's, and so nbconvert's export of what it saved): plain
HTML plays there with or without a kernel, where a saved widget view would be an empty box. Where
the page said it has no files route (VS Code, Colab, Voila), it is the live player; a page that has
not said yet gets the plain HTML, replaced by the live player if its word is "no route" (_host.py).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import anywidget
import traitlets

from . import _display, _host
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
        self._paths, self._meta = _paths(media), meta
        self.items = [self._media.entry(p, **meta) for p in self._paths]
        self.display_id = uuid.uuid4().hex
        self._revived: Player | None = None

    def _ipython_display_(self) -> None:
        if _host.HOST.files_route is False:
            data, metadata = self._repr_mimebundle_()
            _display.publish_raw(data, metadata, self.display_id)
            return
        _display.publish(self.result(), self.display_id)
        if _host.HOST.files_route is None:
            _host.HOST.listen()
            _host.HOST.when_heard(self._page_said)
        self.close()  # nothing shows the widget: no model in the kernel or in a notebook's saved state

    def _page_said(self, files: bool) -> None:
        """The page's first word came after the plain HTML: where it cannot play, the live player."""
        if files:
            return
        live = Player(self._paths, **self._meta)
        data, metadata = live._repr_mimebundle_()
        _display.publish_raw(data, metadata, self.display_id, update=True)
        self._revived = live  # kept: its model serves the media

    def _on_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        self._media.handle(self, content)

    def result(self) -> StaticResult:
        return StaticResult(result_html(self.items), entries_text(self.items))

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict, dict]:
        """The widget view with text/plain and text/html beside it, for front ends without widgets."""
        data, metadata = super()._repr_mimebundle_(**kwargs)
        return {**data, "text/plain": entries_text(self.items), "text/html": result_html(self.items)}, metadata

    def _repr_html_(self) -> str:
        """What IPython shows once the model is closed (ipywidgets then drops _repr_mimebundle_)."""
        return result_html(self.items)


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
