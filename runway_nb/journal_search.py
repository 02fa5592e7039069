"""Searching the journal: filters in SQL over the whole journal, pages by cursor, costs by day or model.

Journal (journal.py) writes and reads single tasks; this mixin gives it history(), facets(), costs()
and their shared WHERE clause. A rare prompt text is looked up in the trigram index (schema 2), a
common one read newest-first, so the first page comes quickly at any journal size.
"""

from __future__ import annotations

import functools
import re
from datetime import date, datetime, timedelta
from typing import Any

from runway_nb import catalog
from runway_nb.catalog import api

ACTIVE = ("PENDING", "THROTTLED", "RUNNING")
TERMINAL = ("SUCCEEDED", "FAILED", "CANCELLED")
TRIGRAM = 3  # the shortest text the prompt index can look up; shorter text scans (still correct)
RARE_ROWS = 250  # a text in fewer prompts than this is looked up in the index, a commoner one scanned


@functools.lru_cache(maxsize=512)
def operation_of(endpoint: str | None) -> str | None:
    """The operation a create path serves, as the SDK names it: /v1/text_to_video -> text_to_video,
    /v1/generate/video -> generate.video, /v1/recipes/product_ad -> recipes.product_ad, a workflow run
    (/v1/workflows/<id>) -> workflows.run; a path the SDK does not know, by its own segments."""
    if not endpoint:
        return None
    op = api.operation_for("POST", endpoint)
    if op is not None:
        return op.id.removesuffix(".create")
    return endpoint.removeprefix("/v1/").strip("/").replace("/", ".") or None


def escape_like(text: str) -> str:
    """Text matched literally by LIKE ... ESCAPE '\\'."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _endpoint_clause(operations: Any) -> tuple[str, list]:
    """SQL for an operation filter: names as operation_of gives them (or the SDK's `text_to_video.create`,
    or the path), and families: `recipes.*` is every recipe."""
    names = [operations] if isinstance(operations, str) else list(operations)
    exact, patterns = [], []
    for name in names:
        name = str(name).strip().removeprefix("/v1/").replace("/", ".").removesuffix(".create")
        op = api.operation(name) or api.operation(name + ".create")
        if name.endswith(".*"):
            patterns.append("/v1/" + escape_like(name[:-2].replace(".", "/")) + "/%")
        elif op is not None and op.method == "POST" and "{" in op.path:  # workflows.run: /v1/workflows/{id}
            patterns.append(re.sub(r"\{\w+\}", "%", escape_like(op.path)))
        else:
            exact.append(op.path if op is not None and op.method == "POST" else "/v1/" + name.replace(".", "/"))
    clauses = [f"endpoint IN ({','.join('?' * len(exact))})"] if exact else []
    clauses += ["endpoint LIKE ? ESCAPE '\\'"] * len(patterns)
    return "(" + " OR ".join(clauses or ["0"]) + ")", exact + patterns


def to_epoch(value: Any, *, end_of_day: bool = False) -> float | None:
    """A bound for a date filter: datetime, date (whole day), ISO text or epoch seconds."""
    if value is None or isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if ("T" in value or " " in value) else date.fromisoformat(value)
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, date):
        day = value + timedelta(days=1) if end_of_day else value
        return datetime(day.year, day.month, day.day).timestamp()
    raise TypeError(f"expected a date, datetime, ISO string or epoch seconds, got {value!r}")



class Searches:
    """history(), models(), operations(), facets(), count_matching(), costs() over `_rows` / `_conn`."""

    def _where(self, model=None, kind=None, status=None, text=None, since=None, until=None, source=None,
               min_credits=None, max_credits=None, before=None, operation=None) -> tuple[str, list]:
        clauses, params = [], []
        if operation is not None:
            clause, values = _endpoint_clause(operation)
            clauses.append(clause)
            params += values
        for column, value in (("model", model), ("kind", kind), ("status", status), ("source", source)):
            if value is None:
                continue
            values = [value] if isinstance(value, str) else list(value)
            clauses.append(f"{column} IN ({','.join('?' * len(values))})")
            params += [v.upper() if column == "status" else v for v in values]
        if text:
            rare = self._rare_text_rows(text)
            if rare is not None:
                clauses.append(f"rowid IN ({','.join(map(str, rare)) or 'NULL'})")
            else:
                clauses.append("prompt LIKE ? ESCAPE '\\'")
                params.append("%" + escape_like(text) + "%")
        for bound, op in ((min_credits, ">="), (max_credits, "<=")):
            if bound is not None:
                clauses.append(f"COALESCE(cost_credits, estimate_credits) {op} ?")
                params.append(bound)
        if before is not None:  # a page's cursor: strictly older than (created_at, id), by index
            clauses.append("(created_at, id) < (?, ?)")
            params += [before[0], before[1]]
        if since is not None:
            clauses.append("created_at >= ?")
            params.append(to_epoch(since))
        if until is not None:
            clauses.append("created_at < ?")
            params.append(to_epoch(until, end_of_day=True))
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def _rare_text_rows(self, text: str) -> list[int] | None:
        """The rows whose prompt holds `text`, from the prompt index, when they are few; else None.

        A rare text is found fastest through the index; a common one by reading newest-first until a
        page is full (a page of matches comes soon), which the caller's LIKE does.
        """
        if len(text) < TRIGRAM or any(c in text for c in "%_\\"):  # ESCAPE would bypass the index
            return None
        rows = [r[0] for r in self._conn().execute(
            "SELECT rowid FROM prompts WHERE prompt LIKE ? LIMIT ?", (f"%{text}%", RARE_ROWS + 1))]
        return rows if len(rows) <= RARE_ROWS else None

    def history(self, *, limit: int | None = None, **filters: Any) -> list[dict]:
        """Past tasks, newest first. Filters: model, kind, status, operation (text_to_video, generate.video,
        recipes.product_ad; `recipes.*` is every recipe), text (in the prompt, any case), since (inclusive),
        until (exclusive; a date includes that whole day), source, min_credits and max_credits (final
        cost, else the estimate), before (a cursor from page_cursor(): the next page)."""
        where, params = self._where(**filters)
        sql = f"SELECT * FROM tasks{where} ORDER BY created_at DESC, id DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return self._rows(sql, params)

    def models(self, **filters: Any) -> list[str]:
        """The distinct models of the tasks history() would list with these filters, sorted."""
        where, params = self._where(**filters)
        sql = f"SELECT DISTINCT model FROM tasks{where}{' AND' if where else ' WHERE'} model IS NOT NULL ORDER BY 1"
        return [r[0] for r in self._conn().execute(sql, params)]

    def operations(self, **filters: Any) -> list[str]:
        """The distinct operations (operation_of their endpoint) of the tasks history() would list, sorted."""
        return self.facets(**filters)[1]

    def facets(self, **filters: Any) -> tuple[list[str], list[str]]:
        """The distinct models and operations of the tasks history() would list, sorted: one read for both
        (a search's filter choices; at 100,000 tasks a read is tens of ms)."""
        where, params = self._where(**filters)
        pairs = self._conn().execute(f"SELECT DISTINCT model, endpoint FROM tasks{where}", params).fetchall()
        return sorted({m for m, _ in pairs if m}), sorted({operation_of(e) for _, e in pairs} - {None})

    def count_matching(self, **filters: Any) -> int:
        """How many tasks history() would list with these filters and no limit."""
        where, params = self._where(**filters)
        return self._conn().execute(f"SELECT COUNT(*) FROM tasks{where}", params).fetchall()[0][0]

    @staticmethod
    def page_cursor(rows: list[dict]) -> tuple[float, str] | None:
        """Where the page after `rows` starts (pass as before=); None for an empty page."""
        return (rows[-1]["created_at"], rows[-1]["id"]) if rows else None

    def costs(self, by: str = "day", **filters: Any) -> list[dict]:
        """Credits spent per day (local time), model or kind, with the same filters as history().

        Spent = the final cost when known, else the estimate for a success or a SAFETY.INPUT failure
        (not refunded); `pending` is the estimate of tasks still running.
        """
        keys = {"day": "date(created_at, 'unixepoch', 'localtime')", "model": "model", "kind": "kind"}
        if by not in keys:
            raise ValueError(f"costs(by={by!r}): choose 'day', 'model' or 'kind'")
        where, params = self._where(**filters)
        spent = """COALESCE(cost_credits, CASE WHEN status='SUCCEEDED' OR failure_code LIKE 'SAFETY.INPUT%'
                   THEN estimate_credits ELSE 0 END, 0)"""
        rows = self._rows(
            f"""SELECT {keys[by]} AS {by}, COUNT(*) AS tasks, SUM({spent}) AS credits,
                       SUM(CASE WHEN status IN {ACTIVE} THEN COALESCE(estimate_credits, 0) ELSE 0 END) AS pending
                FROM tasks{where} GROUP BY 1 ORDER BY 1""", params)
        for row in rows:
            row["dollars"] = round((row["credits"] or 0) * catalog.CREDIT_DOLLARS, 2)
        return rows
