"""The soak: many task lifecycles through the client (and the magics) against a sandbox injecting faults,
then a reconciliation of what the sandbox really created with what the client knows.

A lifecycle is what a user does: create, (sometimes cancel), wait, download; on an error they read it
and move on, except a failed download, which they try again (twice at most) because the error says the
task is fine. Used by tests/reliability/test_soak.py (a few hundred) and bench/bench_soak.py (more).
"""

from __future__ import annotations

import json
import time
import warnings
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rel_support import CASES, Media, marker_of

from runway_nb import errors
from runway_nb.recovery import resume

TERMINAL = ("SUCCEEDED", "FAILED", "CANCELLED")
WAIT = 1e6  # virtual seconds: a safety net only (tasks take minutes of virtual time)


@dataclass
class Outcome:
    """What happened to one lifecycle, as its user saw it."""

    marker: str
    case: str
    task_id: str | None = None
    maybe: bool = False  # create raised TaskMayExistError
    seen: list[str] = field(default_factory=list)  # "step: runway_nb error class" the user saw, in order
    unclear: list[str] = field(default_factory=list)  # anything else (must stay empty)
    raised: list[BaseException] = field(default_factory=list)  # the exceptions themselves (secrets scan)
    end: str = ""  # SUCCEEDED / FAILED / CANCELLED / refused / maybe / error
    cancelled: bool = False  # the user called cancel()
    downloads: int = 0  # download() calls made
    stored: list[Path] = field(default_factory=list)


def _record(out: Outcome, exc: BaseException, step: str) -> None:
    out.raised.append(exc)
    if isinstance(exc, errors.RunwayNBError) and str(exc).strip():
        out.seen.append(f"{step}: {type(exc).__name__}")
    else:
        out.unclear.append(f"{type(exc).__module__}.{type(exc).__name__}: {exc!r}"[:300])


def lifecycle(client: Any, media: Media, index: int, folder: Path, *, cancel: bool = False,
              prefix: str = "rel") -> Outcome:
    name, resource, kwargs = CASES[index % len(CASES)]
    out = Outcome(marker_of(index, prefix), name)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # prompt lint and the like: advice, not errors
            task = getattr(client, resource).create(**kwargs(out.marker, media))
    except errors.TaskMayExistError as exc:
        out.maybe, out.end = True, "maybe"
        _record(out, exc, "create")
        return out
    except Exception as exc:  # noqa: BLE001 - classified: every error the user sees is counted
        out.end = "refused"
        _record(out, exc, "create")
        return out
    out.task_id = task.id
    if cancel:
        out.cancelled = True
        try:
            task.cancel()
        except Exception as exc:  # noqa: BLE001
            _record(out, exc, "cancel")
    try:
        task.wait(timeout=WAIT)
    except Exception as exc:  # noqa: BLE001
        _record(out, exc, "wait")
    out.end = task.status if task.status in TERMINAL else "error"
    if task.status == "SUCCEEDED":
        for _ in range(3):
            out.downloads += 1
            try:
                out.stored = task.download(folder)
                break
            except Exception as exc:  # noqa: BLE001
                _record(out, exc, "download")
    return out


def run_lifecycles(client: Any, media: Media, indices: range, folder: Path, *, workers: int = 24,
                   cancel_every: int = 20, prefix: str = "rel") -> list[Outcome]:
    def one(i: int) -> Outcome:
        return lifecycle(client, media, i, folder, cancel=cancel_every > 0 and i % cancel_every == cancel_every - 1,
                         prefix=prefix)

    with ThreadPoolExecutor(workers, thread_name_prefix="soak-user") as pool:
        return list(pool.map(one, indices))


def stored_files(folder: Path) -> dict[str, Path]:
    """task id -> its complete output file in `folder` (outputs.py's or store.py's naming: <id>_0.<ext>)."""
    found: dict[str, Path] = {}
    for p in folder.glob("*_0.*") if folder.exists() else ():
        if p.suffix not in (".json", ".part") and not p.name.startswith("."):
            found[p.name.rsplit("_", 1)[0]] = p
    return found


def sandbox_tasks(engine: Any, since: set[str] = frozenset()) -> dict[str, Any]:
    """Every task the sandbox created (not in `since`): id -> its internal record."""
    return {tid: engine.task(tid) for tid in engine.stats()["task_ids"] if tid not in since}


def marker_in(task: Any, markers: set[str]) -> str | None:
    text = json.dumps(task.body)
    return next((m for m in markers if m in text), None)


def adopt(client: Any, task_id: str, folder: Path, attempts: int = 5) -> tuple[str, list[Path]]:
    """A task found on the service but unknown here: retrieve it, wait, store its outputs (faults: retried)."""
    last: BaseException | None = None
    for _ in range(attempts):
        try:
            task = client.tasks.retrieve(task_id)
            try:
                task.wait(timeout=WAIT)
            except errors.TaskError:
                pass
            return task.status, (task.download(folder) if task.status == "SUCCEEDED" else [])
        except errors.APIError as exc:
            last = exc
    raise AssertionError(f"could not adopt {task_id}: {last!r}")


def reconcile(outcomes: list[Outcome], engine: Any, client: Any, folder: Path, *, before: set[str]) -> dict:
    """What the sandbox created vs what the client recorded; orphans adopted; figures as a dict."""
    created = sandbox_tasks(engine, before)
    markers = {o.marker for o in outcomes}
    by_marker: dict[str, list[str]] = {}
    for tid, t in created.items():
        by_marker.setdefault(marker_in(t, markers) or "?", []).append(tid)
    known = {o.task_id for o in outcomes if o.task_id}
    maybes = {o.marker for o in outcomes if o.maybe}
    orphans = sorted(set(created) - known)
    explained = [t for t in orphans if (marker_in(created[t], markers) or "?") in maybes]
    adopted = Counter(adopt(client, t, folder)[0] for t in explained)
    final = sandbox_tasks(engine, before)
    live_succeeded = {t for t, rec in final.items() if rec.state == "SUCCEEDED" and not rec.deleted}
    stored = stored_files(folder)
    return {
        "lifecycles": len(outcomes),
        "created by the sandbox": len(created),
        "ids returned to the client": len(known),
        "client ids unknown to the sandbox": len(known - set(created)),
        "TaskMayExistError": len(maybes),
        "orphans (created, id never returned)": len(orphans),
        "orphans matched to a TaskMayExistError": len(explained),
        "maybes that created nothing": len(maybes) - len({marker_in(created[t], markers) for t in explained}),
        "orphans adopted via the sandbox's ids": sum(adopted.values()),
        "duplicates (a request made >1 task)": sum(len(v) - 1 for m, v in by_marker.items() if m != "?" and len(v) > 1),
        "tasks with no marker": len(by_marker.get("?", [])),
        "succeeded (sandbox, not deleted)": len(live_succeeded),
        "failed (sandbox)": sum(rec.state == "FAILED" for rec in final.values()),
        "cancelled or deleted (sandbox)": sum(rec.state == "CANCELLED" or rec.deleted for rec in final.values()),
        "outputs stored": len(live_succeeded & set(stored)),
        "succeeded but not stored": len(live_succeeded - set(stored)),
        "downloads that needed another call": sum(max(0, o.downloads - 1) for o in outcomes if not o.cancelled),
        "errors seen (clear runway_nb errors)": sum(len(o.seen) for o in outcomes),
        "errors seen that were not clear": sum(len(o.unclear) for o in outcomes),
    }


def journal_figures(journal: Any, outcomes: list[Outcome], engine: Any) -> dict:
    """The journal against the client's ids and the sandbox's final states.

    A task deleted by the client's own cancel() may show CANCELLED here whatever it reached there."""
    rows = {r["id"]: r for r in journal.history(limit=None)}
    known = {o.task_id for o in outcomes if o.task_id}
    # orphans the soak found on the service and retrieved by id: the journal records them as adopted
    adopted = {tid for tid, r in rows.items() if (r.get("note") or "").startswith("adopted")} - known
    disagree = 0
    for tid in known & set(rows):
        rec = engine.task(tid)
        disagree += not (rows[tid]["status"] == rec.state or (rec.deleted and rows[tid]["status"] == "CANCELLED"))
    return {
        "journal rows": len(rows),
        "client ids missing from the journal": len(known - set(rows)),
        "journal rows adopted (retrieved by id)": len(adopted),
        "journal rows the client never had": len(set(rows) - known - adopted),
        "journal status differs from the sandbox": disagree,
        "journal: succeeded, store failed (store.py)": sum(1 for r in rows.values() if r.get("store_error")),
    }


def cancel_figures(outcomes: list[Outcome], engine: Any) -> dict:
    """What cancel() did: a task that had already ended on the service is deleted by the DELETE."""
    cancels = [(o, engine.task(o.task_id)) for o in outcomes if o.task_id and o.cancelled]
    return {
        "cancel() calls": len(cancels),
        "cancel(): task cancelled while waiting or running": sum(r.state == "CANCELLED" for _, r in cancels),
        "cancel(): task had already ended, DELETE deleted it": sum(r.deleted and r.state != "CANCELLED"
                                                                   for _, r in cancels),
        "cancel(): handle says SUCCEEDED, outputs deleted": sum(o.end == "SUCCEEDED" and r.deleted for o, r in cancels),
    }


def error_classes(outcomes: list[Outcome]) -> Counter:
    return Counter(name for o in outcomes for name in o.seen)


@dataclass
class ClientSoak:
    """What soak_client found. stats: the sandbox's, taken while its faults were still on; wall and cpu:
    the seconds the lifecycles took (this process's CPU: the client's, and the sandbox's if served here)."""

    outcomes: list[Outcome]
    figures: dict
    stats: dict
    wall: float
    cpu: float


def soak_client(sb: Any, client: Any, observer: Any, media: Media, lifecycles: int, folder: Path, *,
                workers: int = 24, store_timeout: float = 30.0) -> ClientSoak:
    """The client soak of test_soak.py and bench_soak.py, on the served sandbox `sb` (faults on): the
    lifecycles, reconciled with what the sandbox created; once the journal's `observer` has stored what it
    could, the journal and cancel() figures; then the faults off and resume() run over that journal."""
    before = set(sb.engine.stats()["task_ids"])
    cpu0, t0 = time.process_time(), time.perf_counter()
    outcomes = run_lifecycles(client, media, range(lifecycles), folder, workers=workers)
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    figures = reconcile(outcomes, sb.engine, client, folder, before=before)
    for o in outcomes:  # the observer's own downloads (store.py) end before the sandbox goes
        if o.task_id:
            try:
                observer.wait_stored(o.task_id, timeout=store_timeout)
            except Exception:  # noqa: BLE001 - counted as the journal's store failures
                pass
    figures.update(journal_figures(observer.journal, outcomes, sb.engine))
    figures.update(cancel_figures(outcomes, sb.engine))
    stats = sb.engine.stats()
    sb.set_faults(None)
    report = resume(client, journal=observer.journal, outputs=folder)
    figures["resume(): stored after the soak"] = len(report.stored)
    figures["journal rows still unfinished"] = len(observer.journal.unfinished())
    return ClientSoak(outcomes, figures, stats, wall, cpu)


# -- the magics -----------------------------------------------------------------------------------------
MAGIC_LINES = [
    "image --bg --model gen4_image --ratio 1280:720 --ref {png}=Cat @Cat in a garden [{m}]",
    "image --bg --model gemini_2.5_flash --ratio 1024:1024 a lighthouse [{m}]",
    "video --bg --model gen4.5 --duration 2 --ratio 720:1280 a fox in snow [{m}]",
    "video --bg --model veo3.1_fast --duration 4 waves on rocks [{m}]",
    "speech --bg --voice Bernard Hello and welcome {m}",
    "sfx --bg --duration 3 thunder far away [{m}]",
]


def magic_soak(shell: Any, media: Media, n: int, *, prefix: str = "mag", timeout: float = 120.0) -> dict:
    """n lifecycles as `%runway ... --bg` cells; waits for each result to finish storing its files."""
    from IPython.core.error import UsageError
    from IPython.utils.capture import capture_output

    usage, unclear, tracebacks, started = Counter(), [], 0, []
    for i in range(n):
        line = MAGIC_LINES[i % len(MAGIC_LINES)].format(png=media.png, m=marker_of(i, prefix))
        with capture_output(display=False) as cap:
            res = shell.run_cell(f"_r = %runway {line}", store_history=False)
        err = res.error_in_exec or res.error_before_exec
        if err is None:
            started.append(shell.user_ns["_r"])
        elif isinstance(err, UsageError):
            usage[str(err).split(":", 1)[0][:40]] += 1
        else:
            unclear.append(repr(err)[:300])
        tracebacks += "Traceback" in cap.stdout + cap.stderr
    deadline = time.monotonic() + timeout
    for r in started:
        r.done.wait(max(0.0, deadline - time.monotonic()))
    ends = Counter(r.task.status for r in started)
    return {
        "magic cells": n,
        "tasks started": len(started),
        "refused with a UsageError (clear)": sum(usage.values()),
        "errors that were not clear": len(unclear),
        "tracebacks shown": tracebacks,
        "finished": sum(r.done.is_set() for r in started),
        "succeeded": ends["SUCCEEDED"],
        "failed": ends["FAILED"],
        "stored by the magics": sum(bool(r.files) for r in started if r.task.status == "SUCCEEDED"),
        "not stored (message says resume() retries)": sum(
            1 for r in started if r.task.status == "SUCCEEDED" and not r.files and "resume()" in (r.message or "")),
        "_results": started,
        "_unclear": unclear,
        "_usage": usage,
    }


def soak_magics(sb: Any, shell: Any, media: Media, n: int, folder: Path, *, timeout: float = 120.0) -> dict:
    """The magics soak of test_soak.py and bench_soak.py: magic_soak on the served sandbox `sb`, what the
    sandbox created, then with its faults off what `%runway resume` stored and what is on disk in `folder`.
    Besides magic_soak's keys, "_succeeded": how many of the started tasks succeeded."""
    before = sb.engine.stats()["created"]
    figures = magic_soak(shell, media, n, timeout=timeout)
    figures["created by the sandbox"] = sb.engine.stats()["created"] - before
    succeeded = {r.task.id for r in figures["_results"] if r.task.status == "SUCCEEDED"}
    sb.set_faults(None)
    shell.run_cell("_report = %runway resume", store_history=False)
    report = shell.user_ns.get("_report")
    figures["stored by %runway resume"] = len(report.stored) if report is not None else "n/a"
    figures["outputs on disk after resume"] = len(succeeded & set(stored_files(folder)))
    figures["_succeeded"] = len(succeeded)
    return figures
