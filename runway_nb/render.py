"""The one HTML renderer of a media result, and the text pieces every face shares.

Output, StoredResult, the magics' result, the widgets' text/html fallbacks and the static HTML a
finished TaskView leaves behind all describe their files as entries (file_entry: src, kind, prompt,
model, cost...) and render them here. Media is referenced by its relative path (JupyterLab maps it to
its files route, trusted or not), never embedded. A stored file a browser cannot play (ProRes .mov,
10/12-bit or HDR HEVC, zips of PNG/EXR frames) gets a facts card instead of a player: its poster
frame (a JPEG beside the file, media_facts.poster_file), what the file is, and a link; never a
<video> that would stay black. Every piece of text is html.escape'd; a src that is
not http(s) or relative is shown as text only (_html.safe_url). Styles are inline with fallback values,
because Colab and VS Code lack JupyterLab's CSS variables and a sanitizer may be in between.
"""

from __future__ import annotations

import contextlib
import functools
import html
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from . import catalog, formats, media_facts
from ._html import safe_url

SANDBOX_BADGE = "sandbox: synthetic outputs"
CARD_HEIGHT = 240  # a card among several (the widgets' results)
PLAYER_HEIGHT = 360  # one output shown on its own (Output, StoredResult)
_CARD = ("flex:0 1 420px;min-width:220px;max-width:100%;margin:0;padding:6px;"
         "border:1px solid rgba(127,127,127,.35);border-radius:2px")
_META = "margin:2px 0;font-size:12px;opacity:.8"
_LINK = "font-family:monospace;font-size:11px;overflow-wrap:anywhere"
_FONT = "font-family:var(--jp-ui-font-family,sans-serif);font-size:13px;margin:4px 0"


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


# -- text every face shares -------------------------------------------------------------------------
def credits_text(credits: Any, dollars: Any = None) -> str:
    """60 -> '60 credits'; 60, 0.6 -> '60 credits ($0.60)'; None -> ''."""
    if credits is None:
        return ""
    money = f" (${dollars:,.2f})" if isinstance(dollars, (int, float)) else ""
    return f"{credits:g} credit{'' if credits == 1 else 's'}{money}"


def dollars(credits: Any) -> float | None:
    return None if credits is None else round(credits * catalog.CREDIT_DOLLARS, 2)


def meta_line(entry: Mapping) -> str:
    """'gen4.5 · seed 42 · 1280:720 · 5 s · 60 credits ($0.60)', the parts that are known."""
    parts = [entry.get("model") or "",
             f"seed {entry['seed']}" if entry.get("seed") is not None else "",
             entry.get("ratio") or "",
             f"{entry['duration']:g} s" if isinstance(entry.get("duration"), (int, float)) else "",
             credits_text(entry.get("cost_credits"), entry.get("cost_dollars"))]
    return " · ".join(p for p in parts if p)


# -- entries: what a player needs to know of one output ----------------------------------------------
def relative_url(path: str | os.PathLike) -> str:
    """A path relative to the working directory as a URL: JupyterLab serves it, with or without a kernel."""
    rel = os.path.relpath(Path(path).resolve(), Path.cwd())
    return quote(Path(rel).as_posix())


def read_sidecar(path: str | os.PathLike) -> dict:
    """The store's JSON beside an output (prompt, model, parameters, cost), or {}."""
    with contextlib.suppress(OSError, ValueError):
        data = json.loads(Path(path).with_suffix(".json").read_text())
        if isinstance(data, dict):
            return data
    return {}


def _first(*values: Any) -> Any:
    return next((v for v in values if v is not None), None)


def file_entry(path: str | os.PathLike, **meta: Any) -> dict:
    """One stored file as an entry; its sidecar first, `meta` (prompt, model, sandbox...) fills the gaps."""
    path = Path(path)
    side = read_sidecar(path)
    params = side.get("parameters") or {}
    kind = side.get("kind") if side.get("kind") in catalog.KINDS else formats.kind_of_name(path.name) or "file"
    cost = _first(side.get("cost_credits"), meta.get("cost_credits"))
    facts = unplayable_facts(path) if kind in (catalog.VIDEO, "file") else None
    poster = media_facts.poster_file(path) if facts is not None else None
    return {
        "src": relative_url(path), "name": path.name, "kind": kind, "mime": formats.mime_of_name(path.name),
        "poster": relative_url(poster) if poster else "", "facts": facts,
        "index": _first(side.get("index"), meta.get("index")),
        "task_id": _first(side.get("task_id"), meta.get("task_id")),
        "prompt": _first(side.get("prompt"), meta.get("prompt")) or "",
        "model": _first(side.get("model"), meta.get("model")) or "",
        "seed": _first(side.get("seed"), params.get("seed"), meta.get("seed")),
        "ratio": _first(params.get("ratio"), meta.get("ratio")),
        "duration": _first(params.get("duration"), meta.get("duration")),
        "cost_credits": cost, "cost_dollars": dollars(cost),
        "sandbox": bool(meta.get("sandbox", side.get("sandbox", False))), "seconds": None,
    }


def remote_entry(url: str, index: int, kind: str, **meta: Any) -> dict:
    """An output not stored locally: shown from its URL (signed, valid a day or two). A delivery a
    browser cannot play (a video's `output_format` other than mp4, or a .mov/.zip URL) gets a card with a link:
    its facts and poster need the file, so they come once it is saved."""
    cost = meta.get("cost_credits")
    suffix = Path(urlsplit(url).path).suffix.lower()
    fmt = meta.get("output_format")
    unplayable = suffix in (".mov", ".zip") or (kind == "video" and suffix != ".wav" and fmt and fmt != "mp4")
    facts = ([["format", str(fmt or suffix.lstrip("."))], ["file", "not saved here: save it to see its first frame"]]
             if unplayable else None)  # an image's jpeg or a sound's wav still plays as it is
    return {"src": url, "name": meta.get("name") or f"output {index}", "kind": kind, "mime": "", "poster": "",
            "facts": facts,
            "index": index, "task_id": meta.get("task_id"), "prompt": meta.get("prompt") or "",
            "model": meta.get("model") or "", "seed": meta.get("seed"), "ratio": meta.get("ratio"),
            "duration": meta.get("duration"), "cost_credits": cost, "cost_dollars": dollars(cost),
            "sandbox": bool(meta.get("sandbox")), "seconds": None}


# -- what a browser cannot play ----------------------------------------------------------------------
_CODEC_NAMES = {"prores": "ProRes", "hevc": "HEVC", "h264": "H.264", "av1": "AV1", "vp9": "VP9", "vp8": "VP8",
                "png": "PNG frames", "exr": "OpenEXR frames", "mpeg4": "MPEG-4 Part 2"}


def unplayable_facts(path: str | os.PathLike) -> list[list[str]] | None:
    """[[label, value], ...] (container, codec, size, frames, duration, HDR transfer, colour, file size)
    for a stored file a browser cannot play; None when it plays, or cannot be read at all."""
    path = Path(path)
    try:
        stat = path.stat()
        rows = _facts_cached(str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    except OSError:
        return None
    return None if rows is None else [list(row) for row in rows]


@functools.lru_cache(maxsize=256)
def _facts_cached(path: str, _mtime_ns: int, size: int) -> tuple[tuple[str, str], ...] | None:
    """Keyed by the file's mtime and size too, so a rewritten file is read again."""
    try:
        if media_facts.browser_playable(path):
            return None
        info = media_facts.facts(path)
    except Exception:  # not a media file PyAV can open (a PDF, a broken download): a link alone
        return None
    return tuple(tuple(row) for row in fact_rows(info, size))


def fact_rows(info: media_facts.MediaFacts, size: int | None = None) -> list[list[str]]:
    """The facts a person reads on a card, in order; the parts the file does not say are left out."""
    codec = _CODEC_NAMES.get(info.video_codec or "", info.video_codec or "")
    if info.profile and info.video_codec != "png":
        codec = f"{codec} {info.profile}"
    frames = (f"{info.frames} at {info.fps:g} fps" if info.frames and info.fps else
              str(info.frames) if info.frames else "")
    transfer = info.transfer or ("not stated" if info.video_codec else "")
    if info.transfer:
        transfer += " · HDR" if info.hdr else " · SDR"
    # ProRes decodes to 12-bit whatever its tier: its depth says nothing of the file, its profile does
    depth = f"{info.bit_depth}-bit" if info.bit_depth and info.video_codec != "prores" else ""
    colour = " · ".join(p for p in (info.primaries or "", depth) if p)
    inside = ", ".join(info.sidecars)
    rows = [("container", info.container.upper()), ("codec", codec),
            ("size", f"{info.width} × {info.height}" if info.width and info.height else ""),
            ("frames", frames), ("duration", f"{info.duration:.2f} s" if info.duration else ""),
            ("HDR transfer", transfer), ("colour", colour), ("audio", info.audio_codec or ""),
            ("also in the zip", inside), ("file size", formats.size_text(size) if size is not None else "")]
    return [[label, value] for label, value in rows if value]


# -- HTML ---------------------------------------------------------------------------------------------
def media_html(entry: Mapping, *, height: int = CARD_HEIGHT) -> str:
    """One output: player, prompt, details and a link to the stored file. A src that is not http(s)
    or a relative path (a `javascript:` URL from a hostile server) is shown as text only."""
    src, kind = _e(safe_url(entry.get("src"))), entry.get("kind")
    if entry.get("facts") is not None:
        player = facts_html(entry, src, height)
    elif not src:
        player = ""
    elif kind == "video":
        poster = f' poster="{_e(safe_url(entry["poster"]))}"' if safe_url(entry.get("poster")) else ""
        player = (f'<video src="{src}"{poster} controls loop muted autoplay playsinline preload="metadata" '
                  f'style="display:block;width:100%;height:{int(height)}px;background:#000"></video>')
    elif kind == "image":
        size = "".join(f' {k}="{int(entry[k])}"' for k in ("width", "height") if entry.get(k))
        player = (f'<a href="{src}" target="_blank" title="open full size"><img src="{src}" '
                  f'alt="{_e(entry.get("prompt") or entry.get("name"))}"{size} '
                  f'style="display:block;max-width:100%;height:auto;max-height:{int(height) + 80}px"></a>')
    elif kind == "audio":
        player = f'<audio src="{src}" controls preload="metadata" style="width:100%;height:36px"></audio>'
    else:
        player = ""
    seconds = entry.get("seconds")
    length = f" · {seconds:.1f} s" if kind == "audio" and isinstance(seconds, (int, float)) else ""
    prompt = f'<p style="margin:2px 0;overflow-wrap:anywhere">{_e(entry["prompt"])}</p>' if entry.get("prompt") else ""
    badge = f" · {SANDBOX_BADGE}" if entry.get("sandbox") else ""
    shows = "facts" if entry.get("facts") is not None else "player"
    return (f'<figure style="{_CARD}" data-kind="{_e(kind)}" data-shows="{shows}">{player}<figcaption>{prompt}'
            f'<p style="{_META}">{_e(meta_line(entry) + length + badge)}</p>'
            f'{_link(src, entry.get("src"))}</figcaption></figure>')


def facts_html(entry: Mapping, src: str, height: int = CARD_HEIGHT) -> str:
    """A file a browser cannot play: its poster (a link to the file), what it is, and why no player."""
    poster = _e(safe_url(entry.get("poster")))
    picture = (f'<img src="{poster}" alt="{_e("first frame of " + str(entry.get("name") or ""))}" '
               f'style="display:block;width:100%;height:{int(height)}px;object-fit:contain;background:#000">'
               if poster else
               f'<div style="height:{int(height) // 3}px;display:flex;align-items:center;justify-content:center;'
               f'background:rgba(127,127,127,.15)">no picture to show</div>')
    if src:
        picture = f'<a href="{src}" target="_blank" title="open the file">{picture}</a>'
    rows = "".join(f'<div style="display:flex;gap:10px"><dt style="flex:0 0 8em;font-weight:normal;opacity:.7">'
                   f'{_e(label)}</dt><dd style="margin:0;padding:0;overflow-wrap:anywhere">{_e(value)}</dd></div>'
                   for label, value in entry.get("facts") or ())
    return (f'{picture}<dl class="runway-nb-facts" style="margin:4px 0;padding:0;font-size:12px">{rows}</dl>'
            f'<p style="{_META}">{_e(UNPLAYABLE_NOTE)}</p>')


UNPLAYABLE_NOTE = "A browser cannot play this file: its first frame and facts are shown; open it with the link."


def _link(src: str, text: Any) -> str:
    """A link to `src` (already checked and escaped), or the text alone when there is none."""
    return f'<a href="{src}" style="{_LINK}">{_e(text)}</a>' if src else f'<span style="{_LINK}">{_e(text)}</span>'


def result_html(entries: Sequence[Mapping], head: str = "", *, notes: Sequence[str] = (),
                height: int = CARD_HEIGHT, task_id: str | None = None) -> str:
    """Outputs side by side under a one-line `head` (text), with `notes` (text) below them."""
    top = f'<div style="margin:2px 0">{_e(head)}</div>' if head else ""
    cards = "".join(media_html(e, height=height) for e in entries)
    grid = f'<div style="display:flex;flex-wrap:wrap;gap:10px">{cards}</div>' if cards else ""
    below = "".join(f'<div style="margin:2px 0">{_e(n)}</div>' for n in notes if n)
    marker = f' data-task-id="{_e(task_id)}"' if task_id else ""
    return f'<div class="runway-nb-result"{marker} style="{_FONT}">{top}{grid}{below}</div>'


def entries_text(entries: Sequence[Mapping]) -> str:
    return "\n".join(f"{e.get('kind')}: {e.get('src')}  ({meta_line(e)})" for e in entries) or "(no outputs)"


# -- tables -----------------------------------------------------------------------------------------
def _cell(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


class Table(list):
    """Rows that print as an aligned text table and as an HTML table (%runway tasks, history, costs...).

    Rows are dicts read by `columns`; a subclass whose rows are other objects overrides `_cells`.
    """

    columns: tuple[str, ...] = ()
    title: str = ""
    width = 48  # a text cell's widest

    def __init__(self, rows: Sequence = (), columns: Sequence[str] | None = None, title: str = "") -> None:
        super().__init__(rows)
        if columns is not None:
            self.columns = tuple(columns)
        if title:
            self.title = title

    def _cells(self, row: Any) -> list[str]:
        return ["" if row.get(c) is None else str(row.get(c)) for c in self.columns]

    def __repr__(self) -> str:
        rows = [list(self.columns)] + [self._cells(r) for r in self]
        widths = [min(self.width, max(len(r[i]) for r in rows)) for i in range(len(self.columns))]
        body = ["  ".join(_cell(c, self.width).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
                for r in rows]
        return "\n".join(([self.title] if self.title else []) + body)

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{_e(c)}</th>" for c in self.columns)
        body = "".join("<tr>" + "".join(f"<td style='text-align:left'>{_e(c)}</td>" for c in self._cells(r))
                       + "</tr>" for r in self)
        title = f"<div><b>{_e(self.title)}</b></div>" if self.title else ""
        return f"{title}<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
