"""TaskView: a live view of one task that leaves plain HTML behind when the task ends.

The choice, and why. A saved widget output reopened without its kernel shows "model not found",
even when the same output also carries text/html; plain HTML with a relative
`<video src="runway_outputs/x.mp4">` plays (JupyterLab maps the path to its files route). So:

- Displaying a TaskView (as a cell's last expression or with display()) publishes it under a
  display id (via `_ipython_display_`). While the task runs, that output is the live widget:
  progress, ticking time, Cancel.
- When the task ends (outputs stored, or failed, or cancelled) the view replaces that same output
  with static HTML + text (update_display): an HTML5 player with the same details, the one form
  that survives saving, nbconvert, GitHub and a kernel-less reopen. The widget's model is then
  closed, so a notebook saved with widget state does not carry a dead view's front end.
- That static HTML plays only where Jupyter's files route serves the stored file. The page tries the
  route and tells the kernel (_host.py): where it does not (VS Code, Colab, Voila, a proxy that blocks
  /files/), the view is not swapped; it stays the live player and its media comes through the kernel,
  slice by slice. A view that ends before the page's word came (a cell that waits holds it back)
  swaps as before; if the word is then "no files route", a live view of the finished task takes the
  static HTML's place. `swap=False` keeps the live widget everywhere.
- A view that is never displayed through IPython (e.g. inside GenerateForm) simply becomes the
  player; it has no output of its own to swap.
"""

from __future__ import annotations

import threading
import uuid
from pathlib import Path
from typing import Any

import anywidget
import traitlets

from . import _display, _host
from ._binding import TaskBinding
from ._bundle import esm
from ._media import MediaServer
from .fallback import StaticResult, run_html, run_text


class TaskView(anywidget.AnyWidget):
    """Shows one task (a runway_nb Task or AsyncTask) live; becomes its player, or its static result."""

    _esm = esm("task_view")
    run = traitlets.Dict().tag(sync=True)  # {task: {...}, outputs: [...], notice: ""}

    def __init__(self, task: Any, *, folder: str | None = None, swap: bool = True, save: Any = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.swap = swap
        self.display_id = uuid.uuid4().hex
        self._displayed = False
        self._static_shown = False
        self._lock = threading.Lock()
        self._settled = threading.Event()
        self._media = MediaServer()
        _host.HOST.listen()
        self.on_msg(self._on_message)
        self._binding = TaskBinding(task, self._publish, media=self._media, folder=folder, save=save,
                                    on_end=self._on_end)

    # -- what Python code reads ---------------------------------------------------------------------
    @property
    def task(self) -> Any:
        return self._binding.task

    @property
    def paths(self) -> list[Path]:
        """The stored output files (once the task succeeded and they are on disk)."""
        return list(self._binding.paths)

    @property
    def ended(self) -> threading.Event:
        """Set once the task ended and its outputs are stored (or could not be)."""
        return self._binding.ended

    def result(self) -> StaticResult:
        """The task as static HTML + text: what this view becomes in the notebook when it ends."""
        return StaticResult.of_run(self._binding.state)

    # -- traffic with the front end -----------------------------------------------------------------
    def _publish(self, state: dict) -> None:
        self.run = state

    def _on_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "cancel":
            self._binding.cancel()
        else:
            self._media.handle(self, content)

    # -- display: live while running, static HTML once ended where the page can play it ----------
    def _ipython_display_(self) -> None:
        with self._lock:
            if self.swap and self._binding.ended.is_set() and _host.HOST.files_route is not False:
                self._static_shown = True
                _display.publish(self.result(), self.display_id)
            else:
                self._displayed = True
                data, metadata = self._repr_mimebundle_()
                _display.publish_raw(data, metadata, self.display_id)

    def settle(self, timeout: float | None = None) -> bool:
        """Wait until the task ended and the display took its final form for now (swapped or kept live)."""
        return self._binding.ended.wait(timeout) and self._settled.wait(timeout)

    def _on_end(self, _binding: TaskBinding) -> None:
        try:
            with self._lock:
                files = _host.HOST.files_route
                if not (self.swap and self._displayed) or files is False:
                    return  # kept live: the player gets its media through the kernel
                self._static_shown = True
                _display.publish(self.result(), self.display_id, update=True)
                # Nothing shows the widget now: close its model, or the kernel keeps it and a notebook
                # saved with widget state carries this view's whole front end (~17 KB) per task.
                layout = self.layout
                self.close()
                layout.close()  # its own model: ipywidgets does not close it with the view
            if files is None and self._binding.outputs:
                _host.HOST.when_heard(self._page_said)  # no word yet: a waiting cell holds it back
        finally:
            self._settled.set()

    def _page_said(self, files: bool) -> None:
        """The page's first word came after the swap: where the static HTML cannot play, a live view
        of the finished task takes its place (its player gets the media through the kernel)."""
        if files:
            return
        live = TaskView(self.task, folder=self._binding.folder, swap=False, save=self._binding._save)
        live.settle(60)
        data, metadata = live._repr_mimebundle_()
        _display.publish_raw(data, metadata, self.display_id, update=True)
        self._revived = live  # kept: its model serves the media

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict, dict]:
        """The widget view with text/plain and text/html beside it, for front ends without widgets."""
        data, metadata = super()._repr_mimebundle_(**kwargs)
        state = self._binding.state
        return {**data, "text/plain": run_text(state), "text/html": run_html(state)}, metadata

    def _repr_html_(self) -> str:
        """What IPython shows once the model is closed (ipywidgets then drops _repr_mimebundle_)."""
        return run_html(self._binding.state)

    def __repr__(self) -> str:
        return f"TaskView({run_text(self._binding.state)})"


def show(task: Any, **kwargs: Any) -> TaskView:
    """Display a live view of `task` (swapped for its static result when it ends) and return it."""
    view = TaskView(task, **kwargs)
    view._ipython_display_()
    return view

