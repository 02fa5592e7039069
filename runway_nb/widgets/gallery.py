"""Gallery: past results from the journal as a grid of thumbnails, filtered by kind, model and text;
select one to show it again, or several to compare them side by side.

The grid and the filters live in the page (a few hundred small entries, no round trips while
filtering); files come from the store by relative path, or as bytes through the kernel (MediaServer). From Python,
`gallery.result(task_id)` and `gallery.compare(a, b)` give the same views as static HTML.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anywidget
import traitlets

from .. import store
from ._bundle import esm
from ._media import MediaServer
from .fallback import StaticResult, entries_text, result_html


def _rows(journal: Any, limit: int) -> list[dict]:
    """Succeeded tasks, newest first; no journal yet means no history (and none is created here)."""
    from .. import journal as journal_mod
    from ..observer import open_journal

    if journal is None and not journal_mod.default_home().exists():
        return []
    return open_journal(journal).history(status="SUCCEEDED", limit=limit)


def _files(row: dict) -> list[Path]:
    files = [Path(p) for p in row.get("stored") or [] if Path(p).is_file()]
    return files or store.stored(row["id"], row.get("folder") or store.DEFAULT_FOLDER)


class Gallery(anywidget.AnyWidget):
    """Gallery(journal=None, limit=200): the stored results of the project's journal."""

    _esm = esm("gallery")
    items = traitlets.List().tag(sync=True)  # {task_id, model, kind, prompt, created_at, cost_credits, outputs}

    def __init__(self, *, journal: Any = None, limit: int = 200, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._journal, self._limit = journal, limit
        self._media = MediaServer()
        self.on_msg(self._on_message)
        self.refresh()

    def refresh(self) -> None:
        """Read the journal again (new results appear at the top)."""
        items = []
        for row in _rows(self._journal, self._limit):
            request = row.get("request") or {}
            meta = {"task_id": row["id"], "model": row.get("model"), "prompt": row.get("prompt"),
                    "sandbox": row.get("sandbox"), "cost_credits": row.get("cost_credits"),
                    **{k: request.get(k) for k in ("seed", "ratio", "duration")}}
            outputs = [self._media.entry(path, index=i, **meta) for i, path in enumerate(_files(row))]
            if outputs:
                items.append({"task_id": row["id"], "model": row.get("model") or "", "kind": row.get("kind")
                              or outputs[0]["kind"], "prompt": row.get("prompt") or "",
                              "created_at": row.get("created_at"), "cost_credits": row.get("cost_credits"),
                              "sandbox": bool(row.get("sandbox")), "outputs": outputs})
        self.items = items

    def _on_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "refresh":
            self.refresh()
        else:
            self._media.handle(self, content)

    def _entries(self, task_ids: tuple[str, ...]) -> list[dict]:
        chosen = []
        for task_id in task_ids:
            match = [i for i in self.items if i["task_id"].startswith(task_id)]
            if len(match) != 1:
                raise KeyError(f"{len(match) or 'no'} result(s) in the gallery match {task_id!r}")
            chosen += match[0]["outputs"]
        return chosen

    def result(self, task_id: str) -> StaticResult:
        """One past result as static HTML + text (an id prefix is enough)."""
        return self.compare(task_id)

    def compare(self, *task_ids: str) -> StaticResult:
        """Several past results side by side, as static HTML + text."""
        entries = self._entries(task_ids)
        return StaticResult(result_html(entries), entries_text(entries))

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict, dict]:
        data, metadata = super()._repr_mimebundle_(**kwargs)
        recent = [e for item in self.items[:12] for e in item["outputs"]]
        text = f"Gallery: {len(self.items)} result(s)\n" + entries_text(recent)
        return {**data, "text/plain": text, "text/html": result_html(recent)}, metadata
