"""The sandbox's state machine: tasks on an injectable clock, with limits, credits and faults.

Time is lazy: every call first advances the simulation to clock.now(), processing task endings in
order so a slot freed at t=12 starts the next THROTTLED task at t=12, whenever anyone looks.
Synthesis runs in a small thread pool from the moment a task starts; a task SUCCEEDS only once
both its planned time has passed and its file exists. Accounts (credits, quotas, usage) live in
accounts.py; fault decisions in faults.py; files and URLs in outputs.py.
"""

from __future__ import annotations

import concurrent.futures
import heapq
import math
import random
import secrets
import shutil
import tempfile
import threading
import time
import uuid
import weakref
from pathlib import Path

from .. import catalog, pricing, seed_shapes, validate
from ..clock import RealClock
from . import derived as _derived
from . import inputs as _inputs
from . import outputs as _outputs
from .accounts import Accounts, Refusal
from .faults import Action, FaultProfile, Faults
from .task import FAILURE_MESSAGES, Task, brief, iso, spent, timing
from .uploads import UploadStore

__all__ = ["Engine", "Refusal", "DEFAULT_TIME_SCALE", "FAILURE_MESSAGES"]

# A gen4.5 10 s video (typically ~90 s on the real service) is ready in about 10 s.
DEFAULT_TIME_SCALE = 10.0 / catalog.typical_seconds("gen4.5", 10)
DEFAULT_URL_TTL = 24 * 3600.0  # the real service's signed URLs last 24-48 h


class Engine:
    """Runway's task service in miniature. Thread-safe: one lock guards all state.

    clock: RealClock (default) or FakeClock; time_scale multiplies the real service's typical
    times; url_ttl is how long output URLs last (s); api_key None accepts any Bearer key; tier
    (1-5) sets per-model concurrency and daily quotas, which `concurrency` / `daily_limit` (an int,
    or a dict by model) override; credits is the starting balance; faults a profile name or
    FaultProfile, drawn from fault_seed; seed fixes per-task timings and synthesis seeds;
    rate_limit is requests per second (None: unlimited); synth replaces synth.py (tests).
    """

    def __init__(self, *, clock=None, time_scale: float = DEFAULT_TIME_SCALE, url_ttl: float = DEFAULT_URL_TTL,
                 api_key: str | None = None, tier: int = 1, credits: int | None = None,
                 faults: str | FaultProfile | None = None, fault_seed: int = 0, seed: int = 0,
                 rate_limit: float | None = None, concurrency: int | dict | None = None,
                 daily_limit: int | dict | None = None, synth=None, workers: int = 2,
                 base_url: str = "http://127.0.0.1", upload_limit: int = catalog.UPLOAD_MAX_BYTES) -> None:
        if time_scale <= 0:
            raise ValueError(f"time_scale must be positive, not {time_scale}")
        self.clock = clock or RealClock()
        self.time_scale, self.api_key, self.seed, self.base_url = time_scale, api_key, seed, base_url
        self.upload_limit = upload_limit
        self._lock = threading.RLock()
        self._wall0 = time.time() - self.clock.now()
        self._dir = Path(tempfile.mkdtemp(prefix="runway_nb_sandbox_"))
        self._finalizer = weakref.finalize(self, shutil.rmtree, str(self._dir), True)
        secret = secrets.token_bytes(32)
        self.outputs = _outputs.OutputStore(self._dir / "outputs", secret, url_ttl)
        self.uploads = UploadStore(self._dir / "uploads", secret, self.wall)
        self.accounts = Accounts(self, tier=tier, credits=credits, concurrency=concurrency,
                                 daily_limit=daily_limit, rate_limit=rate_limit)
        self.faults = Faults(faults, fault_seed)
        self._synth, self._workers = synth, workers
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None
        self._tasks: dict[str, Task] = {}
        self._queues: dict[str, list[Task]] = {}  # model -> THROTTLED tasks, oldest first
        self._active: dict[str, set[Task]] = {}  # model -> tasks holding a slot
        self._released: dict[str, list[float]] = {}  # model -> heap of times slots became free
        self._fresh_slots: dict[str, int] = {}  # model -> slots never used yet
        self.counters = {"requests": 0, "refused": 0, "downloads": 0, "uploads": 0}
        self.closed = False

    # -- time --------------------------------------------------------------------------------------
    def wall(self, now: float | None = None) -> float:
        """Epoch seconds for a clock time (createdAt, URL expiry, usage dates follow the clock)."""
        return self._wall0 + (self.clock.now() if now is None else now)

    @property
    def url_ttl(self) -> float:
        return self.outputs.ttl

    def set_faults(self, spec: str | FaultProfile | None, seed: int = 0) -> None:
        """Switch the fault profile (by name or FaultProfile); counts start again from zero."""
        with self._lock:
            self.faults = Faults(spec, seed)

    @property
    def synth(self):
        if self._synth is None:
            from . import synth  # heavy (PyAV, numpy): only when a task first needs it

            self._synth = synth
        return self._synth

    # -- gatekeeping -------------------------------------------------------------------------------
    def authorize(self, authorization: str | None, version: str | None, *, need_version: bool = True) -> None:
        """401 without a Bearer key (or with the wrong one when a key is set); 400 for the version header."""
        self.accounts.authorize(authorization, version, need_version=need_version)

    def admit(self, create: bool = False) -> Action | None:
        """Rate limit (raises a 429 Refusal), then the fault, if any, this request meets."""
        with self._lock:
            self.counters["requests"] += 1
            self.accounts.rate_check(self.clock.now())
            return self.faults.on_request(create)

    # -- tasks -------------------------------------------------------------------------------------
    def create_task(self, path: str, body: dict) -> str:
        """Validate, open inputs, charge, and queue a task; a Refusal creates nothing and charges nothing."""
        try:
            problems = validate.validate_body(path, body)
            if problems:
                raise Refusal(400, validate.problems_as_error_body(problems))
            derived = _derived.lookup(path, body)
            fmt = body.get("outputFormat")
            if isinstance(fmt, str) and (why := self.synth.format_limit(fmt)):  # before any charge
                raise Refusal(400, validate.problems_as_error_body([validate.Problem("outputFormat", fmt, why)]))
            if derived is None:
                model = catalog.MODELS[body["model"]]
                endpoint = catalog.endpoint_for(model.id, path, body)
                key, media = model.id, self._open_inputs(model, endpoint, body)
                credits = pricing.estimate(model.id, body, input_seconds=_outputs.input_seconds(model, media)).credits
            else:  # a model or operation only the SDK's types describe: priced by its plan, below
                key, media = derived.key, self._open_derived_inputs(derived, body)
            synth = self.synth
            with self._lock:
                now = self.clock.now()
                self._advance(now)
                rng = random.Random(f"{self.seed}:{len(self._tasks)}")  # the n-th task always plans alike
                seed = body["seed"] if isinstance(body.get("seed"), int) else rng.randrange(2**32)
                if derived is None:  # plans are lazy: nothing is synthesized before the charge
                    plan = _outputs.plan(synth, model, endpoint, body, media, seed)
                    typical = catalog.typical_seconds(key, plan.seconds)
                else:
                    plan = _derived.plan(synth, derived, body, media, seed)
                    credits = _derived.credits(derived, plan)
                    typical = _derived.typical_seconds(derived, plan.seconds)
                self.accounts.check_create(key, credits, now)
                pending, run, curve = timing(typical, self.time_scale, rng)
                fault = self.faults.on_task()
                fault = fault._replace(extra_throttle=fault.extra_throttle * self.time_scale)
                task = Task(str(uuid.uuid4()), key, brief(body), plan, now, self.wall(now), credits, fault,
                            pending, run, curve, media)
                self._tasks[task.id] = task
                self._queues.setdefault(key, []).append(task)
                self.accounts.charge(task, now)
                self._advance(now)
                return task.id
        except Refusal:
            with self._lock:
                self.counters["refused"] += 1
            raise

    def create_response(self, task_id: str) -> dict:
        """The create call's answer (SDK 5.24.0 *CreateResponse): the id and the most it may charge."""
        with self._lock:
            task = self._tasks[task_id]
            return {"id": task.id, "estimatedCost": {"credits": task.credits}}

    def _open_inputs(self, model: catalog.Model, endpoint: catalog.Endpoint, body: dict) -> list:
        try:
            out = _inputs.open_along(seed_shapes.shape(model.id, endpoint.path), body, self._lookup_upload)
            if model.id == "act_two":
                _inputs.check_reference_length(next(m for m in out if m.field == "reference.uri"))
        except _inputs.InputRefused as e:
            raise Refusal(400, validate.problems_as_error_body([e.problem])) from None
        return out

    def _open_derived_inputs(self, derived: _derived.Derived, body: dict) -> list:
        try:
            return _derived.open_inputs(derived, body, self._lookup_upload)
        except _inputs.InputRefused as e:
            raise Refusal(400, validate.problems_as_error_body([e.problem])) from None

    def _lookup_upload(self, uri: str) -> Path | None:
        with self._lock:
            return self.uploads.lookup(uri)

    def get_task(self, task_id: str, base_url: str | None = None) -> dict:
        """The task as the wire shows it (contract §5.1), output URLs freshly signed."""
        with self._lock:
            now = self.clock.now()
            self._advance(now)
            task = self._find(task_id)
            status = task.status(now)
            wire = {"id": task.id, "status": status, "createdAt": iso(task.wall), **task.cost(status)}
            if status == "RUNNING":
                wire["progress"] = task.progress(now)
            elif status == "SUCCEEDED":
                expired = self.faults.on_output_urls()
                wire["output"] = [self.outputs.url(base_url or self.base_url, task.id, name, self.wall(now), expired)
                                  for name in task.outputs]
            elif status == "FAILED":
                wire["failure"] = FAILURE_MESSAGES.get(task.failure_code, FAILURE_MESSAGES["INTERNAL"])
                wire["failureCode"] = task.failure_code
            return wire

    def _find(self, task_id: str) -> Task:
        task = self._tasks.get(task_id)
        if task is None or task.deleted:
            raise Refusal(404, {"error": f"Task {task_id} not found."})
        return task

    def delete_task(self, task_id: str) -> None:
        """Cancel a waiting or running task, or delete a finished one; either way it is gone (404 after)."""
        with self._lock:
            task = self._cancel_if_live(task_id)
            task.deleted = True
            self.outputs.remove(task.id)

    def cancel_task(self, task_id: str) -> None:
        """A server-side cancellation (not a DELETE): the task stays fetchable, as CANCELLED."""
        with self._lock:
            self._cancel_if_live(task_id)

    def _cancel_if_live(self, task_id: str) -> Task:
        """The task (404 if unknown), cancelled now if it was still waiting or running. Under the lock."""
        now = self.clock.now()
        self._advance(now)
        task = self._find(task_id)
        if task.state in ("QUEUED", "ACTIVE"):
            self._cancel(task, now)
        return task

    def _cancel(self, task: Task, now: float) -> None:
        never_ran = task.status(now) in ("THROTTLED", "PENDING")
        if task.state == "QUEUED":
            self._queues[task.model].remove(task)
        else:
            self._release(task, now)
        if task.job is not None:
            task.job.cancel()
        task.state, task.ended, task.inputs, task.plan = "CANCELLED", now, [], spent(task.plan)
        if never_ran:
            self.accounts.refund(task, now)

    # -- the simulation ----------------------------------------------------------------------------
    def tick(self) -> None:
        """Advance to now (the served app calls this a few times a second so slots refill promptly)."""
        with self._lock:
            self._advance(self.clock.now())
            self.uploads.expire()

    def _advance(self, now: float) -> None:
        while True:
            self._fill(now)
            ending = [(t.end_time(), t.id, t) for ts in self._active.values() for t in ts]
            ending = [e for e in ending if e[0] <= now]
            if not ending:
                return
            when, _, task = min(ending)
            self._finish(task, when)

    def _fill(self, now: float) -> None:
        for model, queue in self._queues.items():
            active = self._active.setdefault(model, set())
            limit = self.accounts.concurrency(model)
            for task in [t for t in queue if t.eligible <= now]:
                if len(active) >= limit:
                    break
                fresh = self._fresh_slots.setdefault(model, limit)
                freed = -math.inf  # a slot never used yet has been free forever
                if fresh > 0:
                    self._fresh_slots[model] = fresh - 1
                elif self._released.get(model):
                    freed = heapq.heappop(self._released[model])
                queue.remove(task)
                active.add(task)
                task.state, task.started = "ACTIVE", max(task.eligible, freed)
                if not task.fault.failure_code and not self.closed:
                    task.job = self._executor().submit(self._synthesize, task, task.plan)

    def _release(self, task: Task, when: float) -> None:
        self._active[task.model].discard(task)
        heapq.heappush(self._released.setdefault(task.model, []), when)

    def _finish(self, task: Task, when: float) -> None:
        self._release(task, when)
        task.ended, task.inputs, task.plan = when, [], spent(task.plan)
        code = task.fault.failure_code or ("INTERNAL" if task.error else None)
        if code:
            task.state, task.failure_code = "FAILED", code
            if not code.startswith("SAFETY.INPUT."):
                self.accounts.refund(task, when)
        else:
            task.state = "SUCCEEDED"

    def _executor(self) -> concurrent.futures.ThreadPoolExecutor:
        if self._pool is None:
            self._pool = concurrent.futures.ThreadPoolExecutor(self._workers, thread_name_prefix="sandbox-synth")
        return self._pool

    def _synthesize(self, task: Task, plan) -> None:
        """Worker thread: make the file(s) outside the lock, then record that they are ready."""
        names, error = [], None
        try:
            made = plan.make()
            files = made if isinstance(made, list) else [(f"0.{plan.ext}", made)]
            for i, (filename, data, *_mime) in enumerate(files):  # main file first: output[0]
                names.append(f"{i}.{filename.rsplit('.', 1)[-1]}")
                self.outputs.write(task.id, names[-1], data)
        except Exception as e:  # a synthesis bug becomes a FAILED task (INTERNAL), not a dead server
            error = f"{type(e).__name__}: {e}"
        with self._lock:
            task.ready_at, task.error = self.clock.now(), error
            task.outputs = [] if error else names
            if task.deleted:
                self.outputs.remove(task.id)

    def settle(self, timeout: float | None = 60) -> None:
        """Wait until every started synthesis has finished (tests on a fake clock call this)."""
        with self._lock:
            jobs = [t.job for t in self._tasks.values() if t.job is not None]
        concurrent.futures.wait(jobs, timeout=timeout)

    # -- files -------------------------------------------------------------------------------------
    def open_output(self, task_id: str, name: str, expires: str | None, sig: str | None) -> tuple[Path, str, float | None]:
        """(path, content type, truncate-at fraction or None) for a signed output URL; 403/404 otherwise."""
        with self._lock:
            verdict = self.outputs.check(task_id, name, expires, sig, self.wall())
            if verdict != "ok":
                raise Refusal(403, {"error": "This URL has expired; fetch the task again for fresh URLs."
                                    if verdict == "expired" else "Access denied: the URL signature is not valid."})
            task = self._tasks.get(task_id)
            path = self.outputs.file(task_id, name)
            if task is None or task.deleted or name not in task.outputs or not path.is_file():
                raise Refusal(404, {"error": "This output no longer exists (its task was deleted)."})
            self.counters["downloads"] += 1
            ctype = _outputs.CONTENT_TYPES.get(name.rsplit(".", 1)[-1], "application/octet-stream")
            return path, ctype, self.faults.on_download()

    def create_upload(self, filename: str, base_url: str | None = None) -> dict:
        with self._lock:
            return self.uploads.create(filename, base_url or self.base_url)

    def upload_staging(self, upload_id: str) -> Path | None:
        """Where to stream a posted file, or None for an upload URL never handed out."""
        with self._lock:
            return self.uploads.staging_path(upload_id) if self.uploads.get(upload_id) else None

    def put_upload(self, upload_id: str, fields: dict, data: Path | bytes) -> None:
        if isinstance(data, bytes | bytearray):
            staged = self.uploads.staging_path(upload_id)
            staged.write_bytes(data)
            data = staged
        with self._lock:
            self.uploads.accept(upload_id, fields, Path(data))
            self.counters["uploads"] += 1

    # -- organization and bookkeeping ----------------------------------------------------------------
    def organization(self) -> dict:
        with self._lock:
            self._advance(self.clock.now())
            return self.accounts.organization(self.clock.now())

    def usage(self, start: str | None = None, before: str | None = None) -> dict:
        with self._lock:
            return self.accounts.usage(start, before)

    def stats(self) -> dict:
        """What really exists: every task created, by status, plus requests, refusals and faults."""
        with self._lock:
            now = self.clock.now()
            self._advance(now)
            by_status = dict.fromkeys(("PENDING", "THROTTLED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED"), 0)
            for t in self._tasks.values():
                by_status[t.status(now)] += 1
            return {"created": len(self._tasks), "task_ids": list(self._tasks), "status": by_status,
                    "deleted": sum(t.deleted for t in self._tasks.values()), **self.counters,
                    "faults": dict(self.faults.counts), "creditBalance": self.accounts.balance,
                    "creditsCharged": self.accounts.charged, "creditsRefunded": self.accounts.refunded}

    def task(self, task_id: str) -> Task | None:
        """The internal record, deleted or not (tests look at what the wire no longer shows)."""
        with self._lock:
            self._advance(self.clock.now())
            return self._tasks.get(task_id)

    def close(self) -> None:
        """Stop synthesis and remove every file the sandbox wrote."""
        with self._lock:
            self.closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        self._finalizer()
