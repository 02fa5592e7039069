"""compare(files): stored results side by side, each card labelled with what tells them apart.

One prompt tried on several models (notebooks/compare_video_models.ipynb) is judged by picture, price
and wait: each card shows its model's provider and how long the task took, above the usual caption
(model, size, length, credits). Everything comes from the sidecar the store wrote beside each file:
the cost Runway reported, and the task's timings from the journal. The cards are render.py's (plain
HTML that plays in a saved notebook); the text form is a Table.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from . import render
from .catalog import overlay


def run_seconds(sidecar: dict) -> float | None:
    """Seconds from the create call to the end, as the journal saw them (None when not recorded)."""
    seconds = (sidecar.get("timings") or {}).get("total_seconds")
    return seconds if isinstance(seconds, (int, float)) else None


class Comparison(render.Table):
    """One row per file (model, provider, credits, run time); shown as cards, printed as a table."""

    columns = ("model", "provider", "ratio", "duration", "credits", "run time", "file")

    def __init__(self, files: Iterable[str | os.PathLike], head: str = "", **meta: Any) -> None:
        self.paths = [Path(f) for f in files]
        self.head = head
        self.entries: list[dict] = []
        rows = []
        for path in self.paths:
            side = render.read_sidecar(path)
            entry = render.file_entry(path, **meta)
            seconds = run_seconds(side)
            provider = overlay.provider(entry["model"]) if entry["model"] else ""
            label = " · ".join(p for p in (provider, f"took {seconds:.1f} s" if seconds is not None else "") if p)
            self.entries.append({**entry, "prompt": label})
            rows.append({"model": entry["model"], "provider": provider, "ratio": entry["ratio"],
                         "duration": entry["duration"], "credits": entry["cost_credits"],
                         "run time": f"{seconds:.1f} s" if seconds is not None else "", "file": path.name})
        super().__init__(rows, title=head)

    def _repr_html_(self) -> str:
        return render.result_html(self.entries, self.head)


def compare(files: Iterable[str | os.PathLike], head: str = "", **meta: Any) -> Any:
    """Stored outputs (paths, e.g. `journal.wait_stored(task.id)[0]` for each task) as labelled cards;
    `meta` fills what a sidecar lacks, as render.file_entry takes it (sandbox=True: the sandbox badge)."""
    return Comparison(files, head, **meta)
