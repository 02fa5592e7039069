"""The journal: a durable SQLite record of every task, so nothing paid for is lost when a kernel dies.

One row per task, written the moment its create call returns, and one event row per status change.
WAL mode, short BEGIN IMMEDIATE transactions and a busy timeout let several kernels share one file.
Requests are sanitized first: data URIs become a hash, size and type; the API key is never written.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from runway_nb import catalog
from runway_nb.catalog import api, overlay
from runway_nb.errors import JournalError
from runway_nb.journal_search import ACTIVE, TERMINAL, Searches, escape_like, operation_of, to_epoch
from runway_nb.store import mask, sanitize

__all__ = ["Journal", "ACTIVE", "TERMINAL", "operation_of", "to_epoch", "enabled", "default_home", "kind_of"]

SCHEMA_VERSION = 2
HOME_ENV, SWITCH_ENV = "RUNWAY_NB_HOME", "RUNWAY_NB_JOURNAL"
DEFAULT_HOME = ".runway"
FILENAME = "journal.sqlite3"
BUSY_SECONDS = 30.0
# Progress alone is written only when it moved this much and this long after the last write;
# status changes and terminal data are always written at once.
PROGRESS_STEP, PROGRESS_SECONDS = 0.05, 2.0
CHECKPOINT_EVERY = 200  # writes; checkpoints run on a helper thread, never on the polling loop
_JSON_COLUMNS = ("request", "output", "stored")
ADOPTED_NOTE = "adopted: retrieved by id, not created through a journaled client here (request unknown)"


def _coalesce(new_wins: tuple[str, ...], old_wins: tuple[str, ...] = ()) -> str:
    return ", ".join([f"{c}=COALESCE(excluded.{c}, {c})" for c in new_wins]
                     + [f"{c}=COALESCE({c}, excluded.{c})" for c in old_wins])


# Upserts: a create record refreshes what it knows; a status never turns a finished task back into a
# running one (a second kernel may still be polling), and the first-known model/prompt/finish time stay.
_ON_CREATED = "request=excluded.request, sandbox=excluded.sandbox, " + _coalesce(
    ("endpoint", "model", "kind", "prompt", "estimate_credits", "source", "base_url", "folder"))
_ON_STATUS = (f"status=CASE WHEN status IN {TERMINAL} AND excluded.status NOT IN {TERMINAL} THEN status "
              "ELSE excluded.status END, updated_at=excluded.updated_at, " + _coalesce(
                  ("progress", "failure", "failure_code", "output", "cost_credits"),
                  ("finished_at", "endpoint", "model", "kind", "prompt", "estimate_credits")))

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS tasks (
        id TEXT PRIMARY KEY, endpoint TEXT, model TEXT, kind TEXT, prompt TEXT,
        request TEXT, estimate_credits NUMERIC, cost_credits NUMERIC,
        status TEXT, progress REAL, failure TEXT, failure_code TEXT, output TEXT,
        created_at REAL NOT NULL, updated_at REAL NOT NULL, finished_at REAL,
        source TEXT, base_url TEXT, sandbox INTEGER NOT NULL DEFAULT 0, folder TEXT,
        stored TEXT, stored_at REAL, store_error TEXT, gone_at REAL, note TEXT)""",
    "CREATE INDEX IF NOT EXISTS tasks_created ON tasks(created_at)",
    "CREATE INDEX IF NOT EXISTS tasks_status ON tasks(status)",
    """CREATE TABLE IF NOT EXISTS events (
        task_id TEXT NOT NULL, at REAL NOT NULL, status TEXT NOT NULL, progress REAL)""",
    "CREATE INDEX IF NOT EXISTS events_task ON events(task_id)",
)
# Version 2: search over the whole journal at any size. Prompts get a trigram full-text index (so a
# case-blind substring search of 3+ characters is an index lookup, not a scan), kept in step by
# triggers; newest-first pages walk (created_at, id) by index, status filters included.
_SCHEMA_V2 = (
    "CREATE INDEX IF NOT EXISTS tasks_newest ON tasks(created_at, id)",
    "CREATE INDEX IF NOT EXISTS tasks_status_newest ON tasks(status, created_at, id)",
    """CREATE VIRTUAL TABLE IF NOT EXISTS prompts USING fts5(
        prompt, content='tasks', content_rowid='rowid', tokenize='trigram')""",
    """CREATE TRIGGER IF NOT EXISTS prompts_added AFTER INSERT ON tasks WHEN new.prompt IS NOT NULL BEGIN
        INSERT INTO prompts(rowid, prompt) VALUES (new.rowid, new.prompt); END""",
    """CREATE TRIGGER IF NOT EXISTS prompts_changed AFTER UPDATE OF prompt ON tasks
        WHEN old.prompt IS NOT new.prompt BEGIN
        INSERT INTO prompts(prompts, rowid, prompt) SELECT 'delete', old.rowid, old.prompt
            WHERE old.prompt IS NOT NULL;
        INSERT INTO prompts(rowid, prompt) SELECT new.rowid, new.prompt WHERE new.prompt IS NOT NULL; END""",
    """CREATE TRIGGER IF NOT EXISTS prompts_removed AFTER DELETE ON tasks WHEN old.prompt IS NOT NULL BEGIN
        INSERT INTO prompts(prompts, rowid, prompt) VALUES ('delete', old.rowid, old.prompt); END""",
    "INSERT INTO prompts(prompts) VALUES ('rebuild')",  # index what a version-1 journal already holds
)


def enabled(flag: object = None) -> bool:
    """Whether to journal: an explicit False wins, then RUNWAY_NB_JOURNAL=0/false/off/no, else on."""
    if flag is False:
        return False
    return os.environ.get(SWITCH_ENV, "1").strip().lower() not in ("0", "false", "off", "no")


def default_home() -> Path:
    """RUNWAY_NB_HOME if set, else .runway/ in the current working directory (the notebook's)."""
    return Path(os.environ.get(HOME_ENV) or DEFAULT_HOME).expanduser().resolve()


def kind_of(model: str | None, endpoint: str | None = None) -> str | None:
    """video/image/audio: the hand-kept model's, else what the operation makes (catalog overlay); None
    for a workflow run (its nodes make any kind) or a path no catalog knows."""
    known = catalog.get_model(model) if model else None
    if known is not None or not endpoint:
        return known.kind if known is not None else None
    op = api.operation_for("POST", endpoint)
    return overlay.output_kind(op.id) if op is not None else None


def _field(obj: Any, name: str, default: Any = None) -> Any:
    return obj.get(name, default) if isinstance(obj, Mapping) else getattr(obj, name, default)


def _dumps(value: Any) -> str | None:
    return None if value is None else json.dumps(value, separators=(",", ":"), ensure_ascii=False)


_abandoned: list = []  # connections inherited across fork: closing one in the child could wreck the WAL


class _Held:
    """One thread's connection. Kept in a threading.local, so it is closed when its thread ends:
    short-lived pool threads (resume, downloads) cannot leak file descriptors."""

    __slots__ = ("conn", "pid", "thread", "__weakref__")

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn: sqlite3.Connection | None = conn
        self.pid, self.thread = os.getpid(), threading.current_thread()

    def close(self) -> None:
        conn, self.conn = self.conn, None
        try:
            if conn is not None and self.pid != os.getpid():
                _abandoned.append(conn)
            elif conn is not None:
                conn.close()
        except Exception:  # also runs from __del__, possibly at interpreter exit
            pass

    __del__ = close


class Journal(Searches):
    """The SQLite journal of one project. Thread-safe: each thread (and process) gets its own connection."""

    def __init__(self, path: str | os.PathLike | None = None) -> None:
        target = Path(path).expanduser().resolve() if path is not None else default_home()
        if target.suffix in (".sqlite3", ".sqlite", ".db"):
            self.home, self.path = target.parent, target
        else:
            self.home, self.path = target, target / FILENAME
        if not self.home.exists():  # a folder of our own: keep the journal out of commits
            self.home.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(OSError):
                (self.home / ".gitignore").write_text("*\n")
        self._local = threading.local()
        self._lock = threading.Lock()
        self._held: weakref.WeakSet[_Held] = weakref.WeakSet()
        self._last: dict[str, tuple] = {}  # task id -> (status signature, progress, time) last written
        self._writes, self._checkpointing = 0, False
        self._checkpointer: threading.Thread | None = None
        self._init_schema()

    def __repr__(self) -> str:
        return f"Journal({str(self.path)!r})"

    # -- connections and transactions ---------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        held = getattr(self._local, "held", None)
        if held is not None and held.pid == os.getpid():
            return held.conn
        if held is not None:  # inherited across fork: set aside, never closed here
            held.close()
        conn = sqlite3.connect(self.path, timeout=BUSY_SECONDS, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout={int(BUSY_SECONDS * 1000)}")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA wal_autocheckpoint=0")  # see _wrote: its fsyncs made p99 spikes here
        self._local.held = held = _Held(conn)
        with self._lock:
            self._held.add(held)
        return conn

    @contextlib.contextmanager
    def _write(self, durable: bool = False) -> Iterator[sqlite3.Connection]:
        """One short write transaction; `durable` fsyncs at commit (a new task must survive power loss)."""
        conn = self._conn()
        if durable:
            conn.execute("PRAGMA synchronous=FULL")
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            if durable:
                conn.execute("PRAGMA synchronous=NORMAL")
        self._wrote()

    def _wrote(self) -> None:
        """Every CHECKPOINT_EVERY writes, copy the WAL back into the database on a short-lived thread."""
        self._writes += 1
        if self._writes >= CHECKPOINT_EVERY and not self._checkpointing:
            self._writes, self._checkpointing = 0, True
            self._checkpointer = threading.Thread(target=self.checkpoint, name="runway_nb-journal-checkpoint",
                                                  daemon=True)
            self._checkpointer.start()

    def checkpoint(self) -> None:
        """Copy the WAL into the database without blocking writers, then (briefly) truncate it."""
        conn = self._conn()
        try:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            conn.execute("PRAGMA busy_timeout=100")  # truncating waits for writers: give up fast if busy
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        except sqlite3.Error:
            pass  # busy with another kernel's checkpoint: the next one catches up
        finally:
            conn.execute(f"PRAGMA busy_timeout={int(BUSY_SECONDS * 1000)}")
            self._checkpointing = False

    def _init_schema(self) -> None:
        conn = self._conn()
        for attempt in range(50):  # switching a new file to WAL needs a moment alone with it
            with contextlib.suppress(sqlite3.OperationalError):
                if conn.execute("PRAGMA journal_mode=WAL").fetchall()[0][0] == "wal" or attempt == 49:
                    break
            time.sleep(0.05)
        with self._write() as tx:
            version = tx.execute("PRAGMA user_version").fetchall()[0][0]
            if version > SCHEMA_VERSION:
                raise JournalError(f"{self.path} has journal schema {version}, newer than this runway_nb "
                                   f"understands ({SCHEMA_VERSION}); upgrade runway_nb to use it")
            if version < SCHEMA_VERSION:
                for statement in (_SCHEMA if version < 1 else ()) + _SCHEMA_V2:
                    tx.execute(statement)
                tx.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def close(self) -> None:
        """Close this thread's connection and those of ended threads; live threads close theirs on exit
        (closing a connection another thread is using would crash the interpreter)."""
        if self._checkpointer is not None:
            self._checkpointer.join(10)
        with self._lock:
            done = [h for h in self._held if h.thread is threading.current_thread() or not h.thread.is_alive()]
            for h in done:
                self._held.discard(h)
        for h in done:
            h.close()
        with contextlib.suppress(AttributeError):
            del self._local.held

    # -- writes --------------------------------------------------------------------------------
    def record_created(self, task_id: str, endpoint: str | None, model: str | None, body: Mapping | None,
                       estimate_credits: float | None, source: str | None = None, *,
                       base_url: str | None = None, sandbox: bool = False,
                       folder: str | os.PathLike | None = None, created_at: float | None = None) -> None:
        """A task the API accepted (and may charge for): written and fsynced before anything else."""
        now = time.time() if created_at is None else created_at
        body = dict(body or {})
        prompt = body.get("promptText") if isinstance(body.get("promptText"), str) else None
        with self._write(durable=True) as tx:
            tx.execute(
                f"""INSERT INTO tasks (id, endpoint, model, kind, prompt, request, estimate_credits, status,
                       created_at, updated_at, source, base_url, sandbox, folder)
                   VALUES (?,?,?,?,?,?,?,'PENDING',?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET {_ON_CREATED}""",
                (task_id, endpoint, model, kind_of(model, endpoint), mask(prompt),
                 _dumps(sanitize(body)), estimate_credits, now, now, source, base_url, int(bool(sandbox)),
                 None if folder is None else str(Path(folder).resolve())))
            tx.execute("INSERT INTO events (task_id, at, status) VALUES (?, ?, 'CREATED')", (task_id, now))
        self._last[task_id] = ("PENDING", None, now)

    def record_adopted(self, task_id: str, endpoint: str | None = None, model: str | None = None, *,
                       source: str | None = None, base_url: str | None = None, sandbox: bool = False,
                       folder: str | os.PathLike | None = None, created_at: float | None = None) -> bool:
        """A task this journal did not see created (client.tasks.retrieve of an id made elsewhere): a row
        with what its GET told (no request, no estimate; `note` says so) and an ADOPTED event, so the
        record_status() that follows has a row to update. A task already recorded is left as it is.

        Returns True when a row was added.
        """
        now = time.time()
        with self._write() as tx:
            added = tx.execute(
                """INSERT INTO tasks (id, endpoint, model, kind, status, created_at, updated_at, source,
                       base_url, sandbox, folder, note)
                   VALUES (?,?,?,?,'PENDING',?,?,?,?,?,?,?) ON CONFLICT(id) DO NOTHING""",
                (task_id, endpoint, model, kind_of(model, endpoint), now if created_at is None else created_at,
                 now, source, base_url, int(bool(sandbox)), None if folder is None else str(Path(folder).resolve()),
                 ADOPTED_NOTE)).rowcount
            if added:
                tx.execute("INSERT INTO events (task_id, at, status) VALUES (?, ?, 'ADOPTED')", (task_id, now))
        if added:
            self._last.pop(task_id, None)
        return bool(added)

    def record_status(self, snapshot: Any) -> bool:
        """A poll's news (a TaskSnapshot or its dict): written only if it changed something real.

        Returns True when a row was written. Progress alone is throttled (PROGRESS_STEP/SECONDS).
        """
        task_id, status = _field(snapshot, "id"), _field(snapshot, "status")
        if not task_id or not status:
            return False
        progress, output = _field(snapshot, "progress"), _field(snapshot, "output")
        output = [str(u) for u in output] if output else None
        cost = _field(snapshot, "cost_credits")
        failure, code = _field(snapshot, "failure"), _field(snapshot, "failure_code")
        signature = (status, tuple(output or ()), cost, failure, code) if status in TERMINAL else status
        now = time.time()
        last = self._last.get(task_id)
        progress_only = False
        if last is not None and last[0] == signature:
            if status in TERMINAL or progress is None:
                return False
            if abs(progress - (last[1] or 0.0)) < PROGRESS_STEP or now - last[2] < PROGRESS_SECONDS:
                return False
            progress_only = True
        with self._write() as tx:
            if progress_only:
                tx.execute("UPDATE tasks SET progress=?, updated_at=? WHERE id=?", (progress, now, task_id))
            else:
                self._upsert_status(tx, snapshot, task_id, status, progress, output, cost, failure, code, now)
                tx.execute("INSERT INTO events (task_id, at, status, progress) VALUES (?,?,?,?)",
                           (task_id, now, status, progress))
        self._last[task_id] = (signature, progress, now)
        return True

    @staticmethod
    def _upsert_status(tx, snapshot, task_id, status, progress, output, cost, failure, code, now) -> None:
        model, endpoint = _field(snapshot, "model"), _field(snapshot, "endpoint")
        prompt = _field(snapshot, "prompt")
        tx.execute(
            f"""INSERT INTO tasks (id, endpoint, model, kind, prompt, estimate_credits, status, progress,
                   failure, failure_code, output, cost_credits, created_at, updated_at, finished_at, sandbox)
               VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
               ON CONFLICT(id) DO UPDATE SET {_ON_STATUS}""",
            (task_id, endpoint, model, kind_of(model, endpoint), mask(prompt),
             _field(snapshot, "estimated_credits"), status, progress, failure, code, _dumps(output), cost,
             now, now, now if status in TERMINAL else None, int(bool(_field(snapshot, "sandbox", False)))))

    def _update(self, task_id: str, **columns: Any) -> None:
        columns["updated_at"] = time.time()
        with self._write() as tx:
            tx.execute(f"UPDATE tasks SET {', '.join(f'{c}=?' for c in columns)} WHERE id=?",
                       (*columns.values(), task_id))

    def record_outputs(self, task_id: str, paths: list) -> None:
        """The outputs are safely on disk: the task no longer needs resuming."""
        stored = [str(Path(p).resolve()) for p in paths]
        self._update(task_id, stored=_dumps(stored), stored_at=time.time(), store_error=None)

    def record_store_error(self, task_id: str, message: str) -> None:
        """A download failed; resume() will try again (with fresh URLs if these expired)."""
        self._update(task_id, store_error=mask(str(message))[:2000])

    def mark_gone(self, task_id: str, note: str) -> None:
        """The API no longer has this task (404): stop trying, and keep the reason."""
        self._update(task_id, gone_at=time.time(), note=note)

    # -- reads ---------------------------------------------------------------------------------
    def _rows(self, sql: str, params: tuple | list = ()) -> list[dict]:
        rows = [dict(r) for r in self._conn().execute(sql, params).fetchall()]
        for row in rows:
            for name in _JSON_COLUMNS:
                if row.get(name):
                    row[name] = json.loads(row[name])
            if "sandbox" in row:
                row["sandbox"] = bool(row["sandbox"])
        return rows

    def get(self, task_id: str) -> dict | None:
        """One task's row with its `events` list [(status, at, progress)], or None."""
        rows = self._rows("SELECT * FROM tasks WHERE id=?", (task_id,))
        if not rows:
            return None
        row = rows[0]
        row["events"] = [tuple(e) for e in self._conn().execute(
            "SELECT status, at, progress FROM events WHERE task_id=? ORDER BY at, rowid", (task_id,))]
        return row

    def find(self, prefix: str) -> list[str]:
        """Task ids starting with `prefix` (so a short id copied from a table is enough)."""
        like = escape_like(prefix) + "%"
        return [r[0] for r in self._conn().execute("SELECT id FROM tasks WHERE id LIKE ? ESCAPE '\\'", (like,))]

    def unfinished(self) -> list[dict]:
        """Tasks resume() should pick up: not finished, or succeeded with outputs not yet stored."""
        return self._rows(
            f"""SELECT * FROM tasks WHERE gone_at IS NULL AND (status IS NULL OR status IN {ACTIVE}
                OR (status='SUCCEEDED' AND stored_at IS NULL)) ORDER BY created_at""")

    def count(self) -> int:
        return self._conn().execute("SELECT COUNT(*) FROM tasks").fetchall()[0][0]
