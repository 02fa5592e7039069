"""The static faces of the widgets: text/html and text/plain that need no kernel and no JavaScript.

They are what nbconvert, GitHub's preview, VS Code without widgets and terminal IPython show, and
what a finished TaskView leaves in the notebook. The outputs themselves are drawn by the one media
renderer (render.py); this module adds the task's summary and failure around them.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from .. import render
from ..render import credits_text, entries_text, media_html, meta_line  # noqa: F401 - this module's faces

STATUS_LABEL = {"THROTTLED": "queued"}


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def result_html(entries: Sequence[Mapping], task: Mapping | None = None) -> str:
    """Outputs side by side, under a one-line summary of the task when given."""
    return render.result_html(entries, task_line(task) if task else "")


def task_line(task: Mapping) -> str:
    """'gen4.5 · running 40% · 12 s · est. 60 credits ($0.60) · a red fox…', for summaries."""
    status = task.get("status") or "PENDING"
    label = STATUS_LABEL.get(status, status.lower())
    if status == "RUNNING" and task.get("progress") is not None:
        label += f" {round(100 * task['progress'])}%"
    cost = (credits_text(task.get("cost_credits"), task.get("cost_dollars")) if task.get("cost_credits") is not None
            else "est. " + credits_text(task.get("estimated_credits"), task.get("estimated_dollars"))
            if task.get("estimated_credits") is not None else "")
    prompt = (task.get("prompt") or "").strip()
    prompt = prompt if len(prompt) <= 90 else prompt[:89] + "…"
    parts = [task.get("model") or "", label, f"{task['elapsed']:.0f} s" if task.get("elapsed") else "", cost,
             render.SANDBOX_BADGE if task.get("sandbox") else "", prompt]
    return " · ".join(p for p in parts if p)


def failure_line(task: Mapping) -> str:
    if task.get("status") != "FAILED":
        return ""
    code = f" ({task['failure_code']})" if task.get("failure_code") else ""
    return f"Failed: {task.get('failure') or 'the task failed'}{code}"


def run_html(run: Mapping) -> str:
    """A task in any state: its summary, its failure, and its outputs once stored."""
    task = run.get("task") or {}
    outputs = run.get("outputs") or []
    if outputs:
        return result_html(outputs, task)
    failure = failure_line(task)
    fail = f'<div style="color:color-mix(in srgb,#d32f2f 65%,currentColor)">{_e(failure)}</div>' if failure else ""
    return (f'<div class="runway-nb-task" style="font-family:var(--jp-ui-font-family,sans-serif);font-size:13px;'
            f'margin:4px 0"><div>{_e(task_line(task))}</div>{fail}</div>')


def run_text(run: Mapping) -> str:
    task = run.get("task") or {}
    lines = [f"{task.get('id') or 'task'}: {task_line(task)}"]
    if failure_line(task):
        lines.append("  " + failure_line(task))
    for entry in run.get("outputs") or []:
        lines.append(f"  {entry.get('kind')}: {entry.get('src')}  ({meta_line(entry)})")
    return "\n".join(lines)


class StaticResult:
    """A result as plain HTML + text only: what a finished view becomes, so it survives without a kernel."""

    def __init__(self, html_text: str, plain: str) -> None:
        self.html, self.plain = html_text, plain

    @classmethod
    def of_run(cls, run: Mapping) -> StaticResult:
        return cls(run_html(run), run_text(run))

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict:
        return {"text/plain": self.plain, "text/html": self.html}

    def __repr__(self) -> str:
        return self.plain
