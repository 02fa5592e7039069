"""%runway and %%runway: the notebook face. Parsing lives in magic_args, doing in magic_actions;
this module only talks to IPython: configuration, display, completion, and short error messages.

    %load_ext runway_nb
    %runway image a lighthouse at dusk            # waits, shows a live view, returns the result
    %%runway video --model veo3.1 --bg            # the cell body is the prompt; --bg returns at once
    A slow pan across a misty harbour at dawn
"""

from __future__ import annotations

import sys
import threading
from collections import ChainMap

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class, needs_local_scope
from traitlets import Bool, Enum, Float, Unicode, observe

from . import magic_actions as actions
from . import magic_args as args
from . import magic_ops as ops
from . import magic_request as requests
from . import render
from .clock import ScaledClock
from .magic_args import ArgsError, HelpShown
from .magic_complete import candidates, make_matcher  # noqa: F401 - candidates: tested from here

TERMINAL = actions.TERMINAL


def _help_text() -> str:
    """%runway? prints this: the whole grammar, generated from the catalog, with examples."""
    p = args.parser()
    parts = [p.format_help(), "Examples:"]
    parts += [f"  {e}" for s in args.SUBS.values() for e in s.examples[:1]]
    parts += ["  %runway cost video --model veo3 a storm at sea      # price it, send nothing",
              "  %runway budget 200                                  # refuse tasks past 200 credits",
              "  x = %runway image --bg a red kite                   # x is the live result",
              "  %runway video --image x a kite in the wind         # a variable (or result) as input",
              "  %runway video --help --model kling_4               # every field one model takes",
              "  %runway video --model kling3.0_pro --ratio 1920:1080 --set providerSettings.multiPrompt="
              "'[{\"prompt\":\"a fox\",\"duration\":5}]' a fox   # any field, nested too",
              "  %runway voices design Narrator A warm low voice with a slight rasp, unhurried",
              "  %runway workflow                                    # published workflows; workflow ID runs one",
              "", "Inputs are a URL, a file path, or the name of a notebook variable (PIL image, numpy",
              "array, bytes, a previous result). {expr} and $var are expanded, in the cell body too.",
              "Settings: %config Runway (e.g. %config Runway.default_video_model = 'veo3.1').", ""]
    subs = p._subparsers._group_actions[0].choices
    parts += [subs[name].format_help() for name in args.SUBS]
    return "\n".join(parts)


class ShownResult(actions.Result):
    """A Result that shows itself: nothing more in the cell that already shows its live view,
    else a fresh view (live while running, plain HTML once finished)."""

    magics: Runway | None = None
    shown_in: int | None = None

    def _ipython_display_(self) -> None:
        m = self.magics
        if m is not None and self.shown_in == m.cell_serial:
            return
        if m is not None:
            m.show_live(self, bg=True)  # live while running; the finished form once it has ended
        else:
            print(repr(self))


@magics_class
class Runway(Magics, actions.RunwaySettings):
    """The %runway magics and their settings (%config Runway): the actions' settings (output folder,
    budget, timeout, sandbox, journal) are inherited and read from here, held nowhere else."""

    default_video_model = Unicode("gen4.5", help="model for %runway video without --model").tag(config=True)
    default_image_model = Unicode("gen4_image", help="model for %runway image without --model").tag(config=True)
    wait = Bool(True, help="wait for each task to end (False: as if every command had --bg)").tag(config=True)
    poll_time_scale = Float(1.0, help="poll as if time ran this much slower: match a sandbox served "
                            "with --time-scale X (1 for the real API)").tag(config=True)
    display = Enum(("auto", "widget", "text"), "auto", help="live view: a widget in Jupyter, a text "
                   "progress bar in a terminal (auto picks)").tag(config=True)

    def __init__(self, shell=None, **kwargs) -> None:
        super().__init__(shell=shell, **kwargs)  # Magics appends us to shell.configurables: %config works
        self.session = actions.Session(self)
        self.session.result_factory = self._make_result
        self._apply_clock()
        self.cell_serial = 0

    # -- configuration ------------------------------------------------------------------------
    @observe("sandbox", "journal", "poll_time_scale")
    def _settings_changed(self, change) -> None:
        """The clients were made with the old value: make new ones (the session reads the rest live)."""
        if not hasattr(self, "session"):
            return
        self._apply_clock()
        self.session.reset()

    def _apply_clock(self) -> None:
        scale = self.poll_time_scale
        self.session.clock = None if scale == 1 else ScaledClock(scale)

    def _make_result(self, task, request=None, folder=None) -> actions.Result:
        """Jupyter: a result that shows itself once per cell. Terminal: a plain one, whose repr is Out[n]."""
        if not self.widget_mode():
            return actions.Result(task, request, folder)
        r = ShownResult(task, request, folder)
        r.magics = self
        return r

    def widget_mode(self) -> bool:
        if self.display != "auto":
            return self.display == "widget"
        return type(self.shell).__name__ == "ZMQInteractiveShell"

    def _pre_run_cell(self, *a) -> None:
        self.cell_serial += 1

    # -- the magic ----------------------------------------------------------------------------
    @needs_local_scope
    @line_cell_magic
    def runway(self, line: str, cell: str | None = None, local_ns=None):
        if cell is not None:
            cell = self.shell.var_expand(cell, depth=2)  # like IPython does for the line
        namespace = ChainMap(local_ns or {}, self.shell.user_ns)
        try:
            return self._dispatch(args.split(line), cell, namespace)
        except HelpShown:
            return None
        except ArgsError as exc:
            raise UsageError(str(exc)) from None
        except Exception as exc:
            from .errors import RunwayNBError

            if isinstance(exc, RunwayNBError):
                raise UsageError(_short(exc)) from None
            raise
        finally:
            self._flush_notes()

    runway.__doc__ = _help_text()

    def _dispatch(self, argv: list[str], cell: str | None, namespace):
        if argv[:1] == ["batch"]:  # many prompts, one BatchView: magic_batch.py
            from .magic_batch import run_batch

            return run_batch(self, argv[1:], namespace)
        if argv[:1] == ["cost"]:
            if not argv[1:] or argv[1] in ("-h", "--help"):
                args.parse_argv(["cost", "--help"])
            ns = args.parse_argv(argv[1:])
            if ns.command not in args.SUBS:
                raise ArgsError(f"cost takes a generation command ({', '.join(args.SUBS)}), not {ns.command!r}")
            return actions.plan(requests.to_request(ns, cell, namespace, self._default_models()))
        ns = args.parse_argv(argv)
        if ns.command in args.SUBS:
            return self._generate(ns, cell, namespace)
        if cell and cell.strip():
            raise ArgsError(f"%%runway {ns.command} takes no cell body")
        return getattr(self, "_cmd_" + ns.command)(ns)

    def _default_models(self) -> dict:
        return {"video": self.default_video_model, "image": self.default_image_model}

    def _generate(self, ns, cell, namespace):
        req = requests.to_request(ns, cell, namespace, self._default_models())
        result = actions.submit(self.session, req)
        self._flush_notes()
        return self._follow_live(result, bg=req.bg, timeout=req.timeout)

    def _follow_live(self, result: actions.Result, *, bg: bool = False, timeout: float | None = None):
        """Show a started task live; wait for it in the cell unless it runs in the background."""
        bg = bg or not self.wait
        view = self.show_live(result, bg=bg)
        if bg:
            if not self.widget_mode():
                print(f"started {result.summary()} in the background (%runway tasks shows progress)")
            return result
        outcome = actions.wait(result, timeout if timeout is not None else self.timeout)
        view.close(result)
        if outcome == "detached":
            print(result.message, file=sys.stderr)
        elif outcome == "failed":
            raise UsageError(result.message or f"task {result.task.id} ended {result.task.status}")
        return result

    def show_live(self, result: actions.Result, *, bg: bool) -> _View:
        view = (_WidgetView if self.widget_mode() else _TextView)(result, bg=bg)
        if isinstance(result, ShownResult):
            result.shown_in = self.cell_serial
        result.listeners.append(view.update)
        return view

    def _flush_notes(self) -> None:
        notes, self.session.notes[:] = list(self.session.notes), []
        for note in dict.fromkeys(notes):
            print(note, file=sys.stderr)

    # -- the other subcommands (each returns what it shows, so `_` and `x = %runway ...` work) --
    def _cmd_tasks(self, ns):
        return actions.tasks_table(self.session)

    def _cmd_status(self, ns):
        return actions.status(self.session, ns.id)

    def _cmd_cancel(self, ns):
        print(actions.cancel(self.session, ns.id))

    def _cmd_delete(self, ns):
        print(actions.delete(self.session, ns.id))

    def _cmd_resume(self, ns):
        return actions.resume_tasks(self.session)

    def _cmd_history(self, ns):
        return actions.history_table(ns.model, ns.status, ns.since, ns.limit, ns.kind, ns.text, ns.provider, ns.page)

    def _cmd_credits(self, ns):
        return actions.credits(self.session)

    def _cmd_models(self, ns):
        return ops.models_table(ns.kind)

    def _cmd_voices(self, ns):
        audio = None
        if ns.audio:
            from .magic_inputs import as_media, resolve_input

            audio = as_media(resolve_input(ns.audio, self.shell.user_ns, "--audio"), "--audio")
        return ops.voices(self.session, ns.action, ns.words, model=ns.model, audio=audio,
                          description=ns.description, limit=ns.limit)

    def _cmd_workflow(self, ns):
        shown = ops.workflow(self.session, ns.id, ns.sets)
        return shown if ns.id is None else self._follow_live(shown)

    def _cmd_budget(self, ns):
        if ns.limit is not None:
            if ns.limit.lower() in ("off", "none"):
                self.budget = None
            else:
                try:
                    self.budget = float(ns.limit)
                except ValueError:
                    raise ArgsError(f"budget {ns.limit!r}: give a number of credits, or off") from None
        spent = self.session.spent()
        cap = "no limit" if self.budget is None else f"{self.budget:g} credits"
        print(f"budget: {cap}; this session has spent {spent:g} credits")

    def _cmd_config(self, ns):
        rows = [{"setting": f"Runway.{name}", "value": repr(getattr(self, name)), "about": t.help}
                for name, t in sorted(self.class_traits(config=True).items())]
        return render.Table(rows, ("setting", "value", "about"), "change with %config Runway.<setting> = <value>")

    def _cmd_sandbox(self, ns):
        if ns.mode != "status":
            self.sandbox = ns.mode
        client = self.session.client()
        where = f"the local sandbox ({render.SANDBOX_BADGE})" if client.is_sandbox else "the real Runway API"
        print(f"sandbox {self.sandbox}: using {where} at {client.base_url}")


def _short(exc: Exception) -> str:
    """An API error in one or two lines: what happened and, where it helps, what to do."""
    from . import errors

    text = f"{type(exc).__name__}: {getattr(exc, 'message', None) or exc}"
    if isinstance(exc, errors.AuthenticationError):
        text += "\ncheck RUNWAYML_API_SECRET (%env RUNWAYML_API_SECRET=key_...), or %runway sandbox on"
    return text


# -- live views -------------------------------------------------------------------------------------
class _View:
    """Shows a running task; close() leaves its final form. update() comes from the loop thread."""

    def __init__(self, result: actions.Result, *, bg: bool) -> None:
        self.result, self.bg = result, bg
        self._lock = threading.Lock()
        self._closed = False
        self.start()
        self.update(result.task.snapshot())

    def start(self) -> None: ...

    def update(self, snap) -> None:
        if self.result.done.is_set() and self.bg:
            self.close(self.result)  # a --bg task: nobody waits in the cell, so finish here
        elif snap.status not in TERMINAL:
            with self._lock:  # never draw progress after the final form
                if not self._closed:
                    self.progress(snap)

    def progress(self, snap) -> None: ...

    def close(self, result) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self.final(result)

    def final(self, result) -> None: ...


class _TextView(_View):
    """A one-line progress bar redrawn with carriage returns: terminal IPython and plain shells."""

    def start(self) -> None:
        self._last = ""
        self.out = sys.stdout

    def progress(self, snap) -> None:
        if self.bg:
            return  # a background task must not draw over the prompt
        filled = int(snap.progress * 20)
        eta = f" · eta {snap.eta:.0f} s" if snap.eta is not None else ""
        badge = f" · {render.SANDBOX_BADGE}" if snap.sandbox else ""
        line = (f"[{'#' * filled}{'-' * (20 - filled)}] {snap.progress:4.0%} {snap.status:<9} "
                f"{snap.model} {snap.id[:8]}{eta}{badge}")
        if line != self._last:
            pad = " " * max(0, len(self._last) - len(line))
            self._last = line
            self.out.write("\r" + line + pad)
            self.out.flush()

    def final(self, result) -> None:
        if self.bg:
            return
        pad = " " * len(self._last)
        self.out.write(("\r" + pad + "\r" if self._last else "") + result.summary() + "\n")
        self.out.flush()


class _WidgetView(_View):
    """Jupyter: the TaskView widget, which swaps itself for plain HTML when the task ends where the page
    can play that (a saved notebook then still plays it without a kernel), and stays the live player
    where it cannot. Without widgets, an HTML view does the same job."""

    def start(self) -> None:
        try:
            from .widgets import TaskView
        except Exception:  # no widget stack: the HTML view below does the same job
            TaskView = None  # noqa: N806
        self.widget = self.handle = None
        if TaskView is not None:
            self.widget = TaskView(self.result.task, folder=self.result.folder)
            self.widget._ipython_display_()
        else:
            from IPython.display import display

            self.handle = display(self._bundle(), raw=True, display_id=True)

    def _bundle(self) -> dict:
        r = self.result
        s = r.task.snapshot()
        bar = (f'<progress value="{s.progress:.3f}" max="1" style="width:240px"></progress> '
               if s.status not in TERMINAL else "")
        return {"text/html": f"<div class='runway-nb-live'>{bar}{render.result_html([], r.summary())}</div>",
                "text/plain": r.summary()}

    def progress(self, snap) -> None:
        if self.handle is not None:
            self.handle.update(self._bundle(), raw=True)

    def final(self, result) -> None:
        if self.widget is not None:
            self.widget.settle(60)  # its final form in place (swapped, or kept live) before the cell ends
        elif self.handle is not None:
            self.handle.update({"text/html": result._repr_html_(), "text/plain": repr(result)}, raw=True)


# -- the extension ----------------------------------------------------------------------------------
def load_ipython_extension(ipython) -> None:
    """%load_ext runway_nb: register the magics, their settings and completion (idempotent)."""
    if getattr(ipython, "_runway_nb_magics", None) is not None:
        return
    magics = Runway(ipython)
    ipython.register_magics(magics)
    ipython.events.register("pre_run_cell", magics._pre_run_cell)
    magics._matcher = make_matcher(magics)
    ipython.Completer.custom_matchers.append(magics._matcher)
    ipython._runway_nb_magics = magics


def unload_ipython_extension(ipython) -> None:
    """%unload_ext runway_nb: remove what load added (running tasks keep running)."""
    magics = getattr(ipython, "_runway_nb_magics", None)
    if magics is None:
        return
    for kind in ("line", "cell"):
        ipython.magics_manager.magics[kind].pop("runway", None)
    ipython.events.unregister("pre_run_cell", magics._pre_run_cell)
    if magics._matcher in ipython.Completer.custom_matchers:
        ipython.Completer.custom_matchers.remove(magics._matcher)
    if magics in ipython.configurables:
        ipython.configurables.remove(magics)
    ipython._runway_nb_magics = None
