"""Gallery: the stored results of the whole journal as a grid of thumbnails, searched in the kernel;
select one to show it again, or several to compare them side by side.

The search (prompt text, kind, model, provider, operation, dates, cost) runs against the journal (its prompt index), so a
result thousands of tasks old is found as fast as a new one; the page holds only the pages it has
asked for (PAGE at a time, as it scrolls), at most WINDOW of them at once: the synced state stays a
few hundred KB whatever the journal holds. Thumbnails load lazily; files come from the store by
relative path, or as bytes through the kernel (MediaServer). From Python, `gallery.search(...)`,
`gallery.more()`, `gallery.result(task_id)` and `gallery.compare(a, b)`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anywidget
import traitlets

from .. import errors, store
from ..catalog import overlay
from ..journal import operation_of, to_epoch
from ._bundle import esm
from ._media import MediaServer
from .fallback import StaticResult, entries_text, result_html

PAGE = 60  # results per page the page asks for
WINDOW = 240  # results held at once: older pages push the newest out (newest() brings them back)
KINDS = ("video", "image", "audio")


def _journal(journal: Any) -> Any:
    """The journal to read; None when there is none yet (and none is created here)."""
    from .. import journal as journal_mod
    from ..observer import open_journal

    if journal is None and not journal_mod.default_home().exists():
        return None
    return open_journal(journal)


def _files(row: dict) -> list[Path]:
    files = [Path(p) for p in row.get("stored") or [] if Path(p).is_file()]
    return files or store.stored(row["id"], row.get("folder") or store.DEFAULT_FOLDER)


def _bounds(query: dict) -> dict:
    """The query's dates and credits as the journal takes them; ValueError naming a bad one."""
    out: dict[str, Any] = {}
    for key in ("since", "until"):
        if query.get(key) not in (None, ""):
            try:
                to_epoch(query[key], end_of_day=key == "until")  # as the journal reads it (9999-12-31 overflows)
            except (TypeError, ValueError, OverflowError):
                raise ValueError(f"{key}={query[key]!r} is not a date; give YYYY-MM-DD, an ISO date-time, "
                                 "a date or datetime, or epoch seconds") from None
            out[key] = query[key]
    for key in ("min_credits", "max_credits"):
        if query.get(key) not in (None, ""):
            try:
                out[key] = float(query[key])
            except (TypeError, ValueError):
                raise ValueError(f"{key}={query[key]!r} is not a number of credits") from None
    return out


class Gallery(anywidget.AnyWidget):
    """Gallery(journal=None, page=PAGE): the stored results of the project's journal, newest first."""

    _esm = esm("gallery")
    # {task_id, model, kind, operation, prompt, created_at, cost_credits, estimate_credits (when no cost), outputs}
    items = traitlets.List().tag(sync=True)
    query = traitlets.Dict().tag(sync=True)  # {text, kind, model, provider, operation, since, until, min/max_credits}
    total = traitlets.Int(0).tag(sync=True)  # results matching the query in the whole journal
    has_more = traitlets.Bool(False).tag(sync=True)  # older results wait beyond the last page
    skipped = traitlets.Int(0).tag(sync=True)  # newer results pushed out of the window
    models = traitlets.List().tag(sync=True)  # every model with stored results (for the page's filter)
    providers = traitlets.List().tag(sync=True)
    operations = traitlets.List().tag(sync=True)  # every operation with stored results (text_to_video, ...)
    problem = traitlets.Unicode("").tag(sync=True)  # why the page's query could not be searched

    def __init__(self, *, journal: Any = None, page: int = PAGE, limit: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._journal, self._page = journal, int(limit or page)
        self._cursor: tuple | None = None
        self._media = MediaServer()
        self.on_msg(self._on_message)
        self.refresh()

    # -- searching and paging -------------------------------------------------------------------------
    def search(self, text: str | None = None, *, kind: str | None = None, model: str | None = None,
               provider: str | None = None, operation: str | None = None, since: Any = None, until: Any = None,
               min_credits: float | None = None, max_credits: float | None = None) -> Gallery:
        """Show the newest results matching all that is given: text (any part of the prompt, any case),
        kind, model, provider, operation (text_to_video, generate.video, `recipes.*`...), dates (since
        inclusive, until exclusive; a date is its whole day) and cost (the final cost, else the estimate,
        in credits). A bad date or amount raises ValueError naming it, and the search stays as it was."""
        given = {"text": text, "kind": kind, "model": model, "provider": provider, "operation": operation,
                 "since": since, "until": until, "min_credits": min_credits, "max_credits": max_credits}
        query = {k: (str(v) if k in ("since", "until") and not isinstance(v, (int, float)) else v)
                 for k, v in given.items() if v is not None and v != ""}
        _bounds(query)
        self.query = query
        return self

    @traitlets.observe("query")
    def _on_query(self, _change: Any) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Read the journal again from its newest result (new ones appear at the top)."""
        jr = _journal(self._journal)
        self._cursor, self.skipped = None, 0
        if jr is None:
            self.items, self.total, self.has_more = [], 0, False
            return
        models, self.operations = jr.facets(status="SUCCEEDED")
        self.models, self.providers = models, sorted({overlay.provider(m) for m in models})
        try:
            filters = self._filters(models)
            self.problem = ""
        except ValueError as exc:  # a date or amount typed on the page that cannot be read
            filters, self.problem = None, str(exc)
        self.total = jr.count_matching(**filters) if filters is not None else 0
        self.items = []
        self._load(jr, filters)

    def more(self) -> None:
        """The next page of older results (the window drops the newest ones past WINDOW)."""
        jr = _journal(self._journal)
        if jr is not None and self.has_more:
            self._load(jr, self._filters(self.models))

    def _filters(self, models: list[str]) -> dict | None:
        q = self.query or {}
        filters: dict[str, Any] = {"status": "SUCCEEDED", **_bounds(q)}
        for key in ("kind", "text", "operation"):
            if q.get(key):
                filters[key] = str(q[key])
        chosen = [q["model"]] if q.get("model") else models
        if q.get("provider"):
            chosen = [m for m in chosen if overlay.provider(m) == q["provider"]]
            if not chosen:
                return None
        if q.get("model") or q.get("provider"):
            filters["model"] = chosen
        return filters

    def _load(self, jr: Any, filters: dict | None) -> None:
        if filters is None:
            self.items, self.has_more = [], False
            return
        rows = jr.history(limit=self._page + 1, before=self._cursor, **filters)
        page, self.has_more = rows[: self._page], len(rows) > self._page
        self._cursor = jr.page_cursor(page) or self._cursor
        items = [*self.items, *filter(None, map(self._item, page))]
        drop = max(0, len(items) - WINDOW)
        self.skipped += drop
        self.items = items[drop:]

    def _item(self, row: dict) -> dict | None:
        request = row.get("request") or {}
        meta = {"task_id": row["id"], "model": row.get("model"), "prompt": row.get("prompt"),
                "sandbox": row.get("sandbox"), "cost_credits": row.get("cost_credits"),
                **{k: request.get(k) for k in ("seed", "ratio", "duration")}}
        outputs = [self._media.entry(path, index=i, **meta) for i, path in enumerate(_files(row))]
        if not outputs:
            return None
        item = {"task_id": row["id"], "model": row.get("model") or "", "kind": row.get("kind") or outputs[0]["kind"],
                "provider": overlay.provider(row.get("model") or ""), "prompt": row.get("prompt") or "",
                "operation": operation_of(row.get("endpoint")) or "", "created_at": row.get("created_at"),
                "cost_credits": row.get("cost_credits"), "sandbox": bool(row.get("sandbox")), "outputs": outputs}
        if item["cost_credits"] is None:  # the estimate only stands in for an unknown final cost
            item["estimate_credits"] = row.get("estimate_credits")
        return item

    def _on_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "refresh":
            self.refresh()
        elif kind == "more":
            self.more()
        else:
            self._media.handle(self, content)

    # -- showing results again --------------------------------------------------------------------------
    def _entries(self, task_ids: tuple[str, ...]) -> list[dict]:
        chosen = []
        for task_id in task_ids:
            match = [i for i in self.items if i["task_id"].startswith(task_id)]
            if len(match) != 1:
                raise errors.ResultNotFoundError(f"{len(match) or 'no'} result(s) in the gallery match {task_id!r}")
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
        text = f"Gallery: {self.total} result(s)\n" + entries_text(recent)
        return {**data, "text/plain": text, "text/html": result_html(recent)}, metadata
