"""GenerateForm: pick a model, fill exactly the fields it takes, see problems and the cost as you
type, press Generate, and watch the task below (each run drawn by the TaskView front end).

Traffic: the catalog goes to the page once (trait `catalog`); the page writes its draft (trait
`draft`, debounced) and Python answers in `check` from the draft's plan (runway_nb.plan: its problems,
the prompt linter's warnings, its estimate) and the equivalent %runway line and Python call; Generate
hands that same plan to the client. Files travel as message buffers in chunks (a server's websocket
may cap one message at 10 MB), are written to a temporary folder, and are named in the draft as
"upload:<id>"; no trait ever holds their bytes.
"""

from __future__ import annotations

import contextlib
import logging
import re
import tempfile
import threading
import uuid
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import anywidget
import traitlets

from .. import catalog
from . import _draft
from ._binding import POOL, TaskBinding, running_loop, settle
from ._bundle import esm
from ._media import MediaServer
from .fallback import run_html, run_text

log = logging.getLogger("runway_nb.widgets")
MAX_RUNS = 8  # views kept under the form; older runs live on in the journal and the Gallery


class GenerateForm(anywidget.AnyWidget):
    """A form for every model that makes media (the pinned SDK's shapes). `client` defaults to
    runway_nb.RunwayML() (the sandbox by default); `model` is the one shown first."""

    _esm = esm("form")
    catalog = traitlets.Dict().tag(sync=True)
    draft = traitlets.Dict().tag(sync=True)  # written by the page: {model, endpoint, body}
    check = traitlets.Dict().tag(sync=True)  # {problems, warnings, estimate, code: {magic, python}}
    uploads = traitlets.Dict().tag(sync=True)  # id -> {name, size, kind, format, error}
    runs = traitlets.List().tag(sync=True)  # newest first: {task, outputs, notice} as TaskView draws
    notice = traitlets.Unicode("").tag(sync=True)
    busy = traitlets.Bool(False).tag(sync=True)

    def __init__(self, client: Any = None, *, model: str = "gen4.5", folder: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._client = client
        self.folder = folder
        self.tasks: list[Any] = []
        self._uploads: dict[str, _draft.Upload] = {}
        self._parts: dict[str, Any] = {}
        self._dir: Path | None = None
        self._bindings: dict[str, TaskBinding] = {}
        self._states: dict[str, dict] = {}
        self._lock = threading.Lock()
        self._media = MediaServer()
        self._pending: Future | None = None  # the last Generate's create call
        self._loop = running_loop()  # an AsyncRunwayML's calls run on the loop the form was made on
        from .catalog_json import cached  # here, so `python -m ...catalog_json` runs cleanly

        self.catalog = cached()
        self.observe(self._on_draft, names="draft")
        self.on_msg(self._on_message)
        self.draft = _draft.start(model)

    @property
    def client(self) -> Any:
        if self._client is None:
            from ..client import RunwayML

            self._client = RunwayML()
        return self._client

    # -- checking the draft -------------------------------------------------------------------------
    def _on_draft(self, _change: Any = None) -> None:
        self.check = self.examine(self.draft)

    def examine(self, draft: dict) -> dict:
        """Problems, warnings, cost and code for a draft (what the page shows under the fields)."""
        return self._examine(draft)[0]

    def _examine(self, draft: dict) -> tuple[dict, Any]:
        """The draft's check (for the page) and its plan (runway_nb.plan: what Generate sends)."""
        from .. import plan as planning

        model = draft.get("model")
        body = {**({"model": model} if model else {}), **_draft.call_body(draft, self._uploads)}
        plan = planning.make(draft.get("endpoint") or "", body,
                             input_seconds=_draft.input_seconds(draft, self._uploads))
        problems = [{"field": p.field, "message": p.message} for p in plan.problems]
        for field, up in self._upload_fields(draft):
            if up is None or up.error:
                problems.append({"field": field, "message": up.error if up else f"{field}: the file was not received"})
        e = plan.estimate
        estimate = None if e is None else {"credits": e.credits, "dollars": e.dollars, "basis": e.basis}
        from .catalog_json import NO_PRICE_TEXT

        price = NO_PRICE_TEXT if e is None and not plan.priced else ""  # Runway's estimatedCost comes with the answer
        code = {"magic": _draft.magic_line(draft, self._uploads), "python": _draft.python_code(draft, self._uploads)}
        return {"problems": problems, "warnings": list(plan.advice), "estimate": estimate, "price_note": price,
                "code": code}, plan

    def _upload_fields(self, draft: dict) -> list[tuple[str, _draft.Upload | None]]:
        found: list[tuple[str, _draft.Upload | None]] = []

        def walk(value: Any, field: str) -> None:
            if isinstance(value, str) and value.startswith(_draft.UPLOAD):
                found.append((field, self._uploads.get(value[len(_draft.UPLOAD):])))
            elif isinstance(value, dict):
                for k, v in value.items():
                    walk(v, f"{field}.{k}")
            elif isinstance(value, list):
                for i, v in enumerate(value):
                    walk(v, f"{field}.{i}")

        for name, value in (draft.get("body") or {}).items():
            walk(value, name)
        return found

    # -- messages from the page ---------------------------------------------------------------------
    def _on_message(self, _widget: Any, content: Any, buffers: list) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "upload":
            self._receive_chunk(content, buffers)
        elif kind == "generate":
            self._pending = self.generate(content.get("draft") or self.draft)
        elif kind == "cancel" and content.get("task_id") in self._bindings:
            self._bindings[content["task_id"]].cancel()
        elif kind == "media":
            self._media.answer(self, content)

    def _receive_chunk(self, msg: dict, buffers: list) -> None:
        """Append one chunk of a file; on the last, look at the bytes and tell the page what came."""
        upload_id = re.sub(r"[^A-Za-z0-9_-]", "", str(msg.get("id", "")))[:40]
        if not upload_id:
            return
        if msg.get("seq", 0) == 0:
            if self._dir is None:
                self._dir = Path(tempfile.mkdtemp(prefix="runway_nb-uploads-"))
            name = Path(str(msg.get("name") or "file")).name or "file"
            path = self._dir / f"{upload_id}-{re.sub(r'[^A-Za-z0-9._-]', '_', name)[-80:]}"
            self._parts[upload_id] = (open(path, "wb"), _draft.Upload(upload_id, name, path, 0))  # noqa: SIM115
        if upload_id not in self._parts:
            return
        handle, up = self._parts[upload_id]
        for buf in buffers:
            data = bytes(buf)
            up.size += len(data)
            if up.size <= catalog.UPLOAD_MAX_BYTES:
                handle.write(data)
        if msg.get("last"):
            handle.close()
            del self._parts[upload_id]
            self._finish_upload(up, msg.get("field"))

    def _finish_upload(self, up: _draft.Upload, field: Any) -> None:
        from .. import formats

        if up.size > catalog.UPLOAD_MAX_BYTES:
            up.error = f"{up.name} is {up.size / 1e6:.0f} MB; inputs are limited to {catalog.UPLOAD_MAX_BYTES / 1e6:.0f} MB"
        else:
            with open(up.path, "rb") as f:
                sniffed = formats.sniff(f.read(64))
            if sniffed is None:
                up.error = f"{up.name}: not an image, video or audio format Runway accepts"
            else:
                up.kind, up.format = sniffed
                if up.kind in ("video", "audio"):
                    with contextlib.suppress(Exception):
                        up.seconds = formats.probe_seconds(up.path)
        self._uploads[up.id] = up
        self.uploads = {**self.uploads, up.id: up.info()}
        self.send({"type": "uploaded", "id": up.id, "field": field, **up.info()})
        self._on_draft()

    # -- generating ----------------------------------------------------------------------------------
    def generate(self, draft: dict | None = None) -> Future | None:
        """Check the draft; if it is clean, create the task on the worker pool (the returned Future)
        and show its view. None when the draft has problems (they are in `check`)."""
        self.check, plan = self._examine(dict(draft or self.draft))
        if self.check["problems"]:
            self.notice = "fix the fields marked above first"
            return None
        self.notice, self.busy = "", True
        return POOL.submit(self._create, plan, running_loop() or self._loop)

    def _create(self, plan: Any, loop: Any = None) -> None:
        try:
            task = settle(self.client._create(plan), loop)  # the planned wire body; AsyncRunwayML too
        except Exception as exc:
            self.notice = f"{type(exc).__name__}: {exc}"
            return
        finally:
            self.busy = False
        self.tasks.append(task)
        self.follow(task)

    def follow(self, task: Any) -> TaskBinding:
        """Show a task (made here or elsewhere) under the form, newest first."""
        key = str(getattr(task, "id", uuid.uuid4().hex))
        binding = TaskBinding(task, lambda state, key=key: self._publish(key, state), media=self._media,
                              folder=self.folder)
        self._bindings[key] = binding
        return binding

    def _publish(self, key: str, state: dict) -> None:
        with self._lock:
            if key in self._states:
                self._states[key] = state
            else:  # a new run goes on top
                self._states = {key: state, **self._states}
            for old in list(self._states)[MAX_RUNS:]:
                del self._states[old]
                self._bindings.pop(old, None)
            self.runs = list(self._states.values())

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict, dict]:
        data, metadata = super()._repr_mimebundle_(**kwargs)
        text = "GenerateForm (needs a live kernel with widgets)" + "".join("\n" + run_text(r) for r in self.runs)
        page = ('<div><i>runway_nb GenerateForm: run the notebook to use the form.</i></div>'
                + "".join(run_html(r) for r in self.runs))
        return {**data, "text/plain": text, "text/html": page}, metadata
