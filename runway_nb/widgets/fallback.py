"""The static faces of the widgets: text/html and text/plain that need no kernel and no JavaScript.

They are what nbconvert, GitHub's preview, VS Code without widgets and terminal IPython show, and
what a finished TaskView leaves in the notebook. Media is referenced by its relative path (JupyterLab
maps it to its files route, trusted or not), never embedded. Every piece of text is html.escape'd;
styles are inline with fallbacks because a sanitizer or a page without JupyterLab's CSS may be in
between.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from .._html import safe_url

_CARD = ("flex:0 1 420px;min-width:220px;max-width:100%;margin:0;padding:6px;"
         "border:1px solid rgba(127,127,127,.35);border-radius:2px")
_META = "margin:2px 0;font-size:12px;opacity:.8"
_LINK = "font-family:monospace;font-size:11px;overflow-wrap:anywhere"
STATUS_LABEL = {"THROTTLED": "queued"}


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def credits_text(credits: Any, dollars: Any = None) -> str:
    if credits is None:
        return ""
    money = f" (${dollars:.2f})" if isinstance(dollars, (int, float)) else ""
    return f"{credits:g} credit{'' if credits == 1 else 's'}{money}"


def meta_line(entry: Mapping) -> str:
    """'gen4.5 · seed 42 · 1280:720 · 5 s · 60 credits ($0.60)', the parts that are known."""
    parts = [entry.get("model") or "",
             f"seed {entry['seed']}" if entry.get("seed") is not None else "",
             entry.get("ratio") or "",
             f"{entry['duration']:g} s" if isinstance(entry.get("duration"), (int, float)) else "",
             credits_text(entry.get("cost_credits"), entry.get("cost_dollars"))]
    return " · ".join(p for p in parts if p)


def media_html(entry: Mapping) -> str:
    """One output: player, prompt, details and a link to the stored file. A src that is not http(s)
    or a relative path (a `javascript:` URL from a hostile server) is shown as text only."""
    src, kind = _e(safe_url(entry.get("src"))), entry.get("kind")
    if not src:
        player = ""
    elif kind == "video":
        poster = f' poster="{_e(safe_url(entry["poster"]))}"' if safe_url(entry.get("poster")) else ""
        player = (f'<video src="{src}"{poster} controls loop muted autoplay playsinline preload="metadata" '
                  'style="display:block;width:100%;height:240px;background:#000"></video>')
    elif kind == "image":
        size = "".join(f' {k}="{int(entry[k])}"' for k in ("width", "height") if entry.get(k))
        player = (f'<a href="{src}" target="_blank" title="open full size"><img src="{src}" '
                  f'alt="{_e(entry.get("prompt") or entry.get("name"))}"{size} '
                  'style="display:block;max-width:100%;height:auto;max-height:320px"></a>')
    elif kind == "audio":
        player = (f'<audio src="{src}" controls preload="metadata" style="width:100%;height:36px"></audio>')
    else:
        player = ""
    seconds = entry.get("seconds")
    length = f" · {seconds:.1f} s" if kind == "audio" and isinstance(seconds, (int, float)) else ""
    prompt = f'<p style="margin:2px 0;overflow-wrap:anywhere">{_e(entry["prompt"])}</p>' if entry.get("prompt") else ""
    badge = " · sandbox: synthetic outputs" if entry.get("sandbox") else ""
    return (f'<figure style="{_CARD}" data-kind="{_e(kind)}">{player}<figcaption>{prompt}'
            f'<p style="{_META}">{_e(meta_line(entry) + length + badge)}</p>'
            f'{_link(src, entry.get("src"))}</figcaption></figure>')


def _link(src: str, text: Any) -> str:
    """A link to `src` (already checked and escaped), or the text alone when there is none."""
    return f'<a href="{src}" style="{_LINK}">{_e(text)}</a>' if src else f'<span style="{_LINK}">{_e(text)}</span>'


def result_html(entries: Sequence[Mapping], task: Mapping | None = None) -> str:
    """Outputs side by side, under a one-line summary of the task when given."""
    head = f'<div style="margin:2px 0">{_e(task_line(task))}</div>' if task else ""
    cards = "".join(media_html(e) for e in entries)
    return (f'<div class="runway-nb-result" style="font-family:var(--jp-ui-font-family,sans-serif);'
            f'font-size:13px;margin:4px 0">{head}<div style="display:flex;flex-wrap:wrap;gap:10px">{cards}</div></div>')


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
             "sandbox: synthetic outputs" if task.get("sandbox") else "", prompt]
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
            'margin:4px 0">'
            f'<div>{_e(task_line(task))}</div>{fail}</div>')


def run_text(run: Mapping) -> str:
    task = run.get("task") or {}
    lines = [f"{task.get('id') or 'task'}: {task_line(task)}"]
    if failure_line(task):
        lines.append("  " + failure_line(task))
    for entry in run.get("outputs") or []:
        lines.append(f"  {entry.get('kind')}: {entry.get('src')}  ({meta_line(entry)})")
    return "\n".join(lines)


def entries_text(entries: Sequence[Mapping]) -> str:
    return "\n".join(f"{e.get('kind')}: {e.get('src')}  ({meta_line(e)})" for e in entries) or "(no outputs)"


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
