"""RunwayML / AsyncRunwayML: the official SDK's calling surface, so its examples run with one import changed.

Both faces share one core (`_Core`): a request is planned once (_wire.build -> plan.make: snake_case ->
camelCase, routing, defaults, the one check and estimate), its media converted, and sent by async code;
the sync face runs that code on the background loop (_loop.run_sync), the async face awaits it.
Resources are made from the catalog: one per endpoint path, whose models are the catalog's models on it.
"""

from __future__ import annotations

import asyncio
import atexit
import dataclasses
import ipaddress
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from . import _wire, catalog, errors, operations
from ._loop import run_sync
from ._wire import Record, Upload, camel, to_wire
from .http import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, HOW_TO_CHECK, HTTP, Secret

__all__ = ["RunwayML", "AsyncRunwayML", "Upload", "Record", "to_wire", "camel"]


# -- configuration and the default sandbox ---------------------------------------------------------
_sandbox_lock = threading.Lock()
_sandbox: Any = None


def _default_sandbox() -> Any:
    """The process's own sandbox, started on first need, kept for the process, stopped at exit."""
    global _sandbox
    with _sandbox_lock:
        if _sandbox is None:
            from .sandbox import serve

            # RUNWAY_NB_TIME_SCALE speeds the built-in sandbox up (tests, demos); unset, it keeps the
            # real service's pace scaled so a 10 s gen4.5 video takes about 10 s.
            scale = os.environ.get("RUNWAY_NB_TIME_SCALE")
            manager = serve(**({"time_scale": float(scale)} if scale else {}))
            _sandbox = manager.__enter__()
            atexit.register(manager.__exit__, None, None, None)
            _wire.warn(f"No RUNWAYML_API_SECRET set: using runway_nb's local sandbox at {_sandbox.base_url}. "
                       "Outputs are synthetic test media and cost nothing. Set RUNWAYML_API_SECRET (or "
                       "pass api_key=...) for real Runway; pass sandbox=False to make a missing key an error.")
        return _sandbox


def _env_flag(name: str) -> bool | None:
    value = (os.environ.get(name) or "").strip().lower()
    return None if not value else value not in ("0", "false", "no", "off")


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _Core:
    """What both faces share: configuration, the HTTP layer, building and sending requests."""

    def __init__(self, *, api_key: str | None, base_url: str | None, sandbox: bool | None,
                 observers: Iterable[Any], clock: Any, **http_kw: Any) -> None:
        key = api_key if api_key is not None else os.environ.get("RUNWAYML_API_SECRET") or None
        url = str(base_url) if base_url is not None else os.environ.get("RUNWAYML_BASE_URL") or None
        if sandbox is None:
            sandbox = _env_flag("RUNWAY_NB_SANDBOX")
        started = False
        if (sandbox is True and base_url is None) or (sandbox is not False and key is None and url is None):
            server = _default_sandbox()
            key, url, started = server.api_key or "sandbox", server.base_url, True
        if not key:
            raise errors.MissingAPIKeyError()
        self.base_url = url or catalog.DEFAULT_BASE_URL
        self.is_sandbox = started or _is_loopback(self.base_url)
        self.observers = tuple(observers)
        self.clock = clock
        custom = os.environ.get("RUNWAYML_CUSTOM_HEADERS") or ""  # the SDK's "Name: value" lines
        headers = dict(line.split(":", 1) for line in custom.splitlines() if ":" in line)
        headers = {k.strip(): v.strip() for k, v in headers.items()} | dict(http_kw.pop("default_headers") or {})
        self.http = HTTP(self.base_url, Secret(key), clock=clock, default_headers=headers, **http_kw)

    async def create(self, plan: Any) -> Any:
        """Send a planned call: its local media converted, then one POST (see prepare and send)."""
        return await self.send(await self.prepare(plan))

    async def prepare(self, plan: Any) -> Any:
        """The plan with its local inputs read, judged and made wire URIs (uploaded when large); a plan
        with problems is refused here, so nothing is uploaded for a request that cannot be sent."""
        from . import media

        if plan.problems:
            raise plan.error()
        body = await media.prepare_body(plan.path, plan.body, http=self.http)
        return dataclasses.replace(plan, body=body, local=frozenset())

    async def send(self, plan: Any, pace: Any = None) -> Any:
        """One POST for a prepared plan (retried only when safe); the task handle, told to the observers
        (the journal) before anything else can go wrong. `pace` is how its poller paces (batch's own)."""
        from .invocations import core_class

        response = await self.http.request("POST", plan.path, json=plan.body, create=True,
                                           **self._options(plan.options))
        try:
            answer = response.json()
            task_id = str(answer["id"])
        except (ValueError, KeyError, TypeError):
            raise errors.TaskMayExistError(
                message=f"POST {plan.path} answered {response.status_code} without a task id "
                        f"({response.text[:200]!r}); the task may exist. {HOW_TO_CHECK}") from None
        return core_class(plan.path)(self.http, task_id, model=plan.model, endpoint=plan.path, body=plan.body,
                        estimate=plan.estimate, clock=self.clock, sandbox=self.is_sandbox,
                        observers=self.observers, pace=pace,
                        server_estimate=(answer.get("estimatedCost") or {}).get("credits"))

    @staticmethod
    def _options(options: Mapping[str, Any]) -> dict:
        out = {"headers": options.get("extra_headers"), "params": options.get("extra_query")}
        if options.get("timeout") is not None:
            out["timeout"] = options["timeout"]
        return out

    async def retrieve(self, task_id: str, options: Mapping[str, Any]) -> Any:
        from .tasks import TaskCore

        return await self.adopt(f"/v1/tasks/{_task_id(task_id)}", options, TaskCore)

    async def adopt(self, path: str, options: Mapping[str, Any], core: Any) -> Any:
        """A handle (of class `core`) for what GET `path` answers; the journal records one made elsewhere."""
        response = await self.http.request("GET", path, **self._options(options))
        return core.from_wire(self.http, response.json(), clock=self.clock, sandbox=self.is_sandbox,
                              observers=self.observers)

    async def delete(self, task_id: str, options: Mapping[str, Any]) -> None:
        opts = self._options(options)
        opts["headers"] = {"Accept": "*/*", **(opts["headers"] or {})}
        await self.http.request("DELETE", f"/v1/tasks/{_task_id(task_id)}", **opts)

    async def upload(self, file: Any) -> Upload:
        """The SDK's create_ephemeral: a path, bytes, a file object or a (filename, content) tuple."""
        from . import media

        content = file[1] if isinstance(file, tuple) else file
        name = getattr(content, "name", None)
        if hasattr(content, "read"):
            content = name if isinstance(name, str) and os.path.isfile(name) else content.read()
        source = media.inspect(content, field="file", kinds=catalog.KINDS)
        return Upload(await media.upload(source, http=self.http))

    async def call(self, method: str, path: str, json: Any, options: Mapping[str, Any]) -> Record:
        response = await self.http.request(method, path, json=json, **self._options(options))
        return Record(response.json())


def _task_id(task_id: str) -> str:
    if not task_id or not isinstance(task_id, str):
        raise ValueError(f"Expected a non-empty task id string but received {task_id!r}")
    return task_id


# -- resources ------------------------------------------------------------------------------------
class _Generate:
    """One generation endpoint. `.models` lists what the catalog knows it accepts."""

    def __init__(self, face: _Face, path: str) -> None:
        self._face, self.path = face, path

    @property
    def models(self) -> tuple[str, ...]:
        return catalog.models_on(self.path)

    def create(self, **kwargs: Any) -> Any:
        """Start a task and return its handle (Task, or AsyncTask to await). Keywords as in the SDK."""
        return self._face._create(_wire.build(self.path, kwargs))

    def call(self, **kwargs: Any) -> Any:
        """This create call, not made yet: an item for client.batch([...])."""
        from .batch import Call

        return Call(self.path.rsplit("/", 1)[-1], kwargs)

    def __repr__(self) -> str:
        return f"<{self.path.rsplit('/', 1)[-1]}: {', '.join(self.models)}>"


class _Part:
    def __init__(self, face: _Face) -> None:
        self._face = face


class _Tasks(_Part):
    def retrieve(self, id: str, **options: Any) -> Any:
        """The task as it is now: a handle with .status, .output, .wait_for_task_output()."""
        return self._face._run(self._face._core.retrieve(id, options), self._face._task)

    def delete(self, id: str, **options: Any) -> Any:
        """Cancel a running task, or delete a finished one (and its outputs)."""
        return self._face._run(self._face._core.delete(id, options))


class _Uploads(_Part):
    def create_ephemeral(self, *, file: Any, file_metadata: str | None = None, **options: Any) -> Any:
        """Upload a local file for use as any media input; returns an object with .uri (runway://...).

        Checked first (a media format Runway takes, at most 200 MB); file_metadata is accepted and not sent.
        """
        return self._face._run(self._face._core.upload(file))


class _Organization(_Part):
    def retrieve(self, **options: Any) -> Any:
        """Credit balance, tier limits and today's usage."""
        return self._face._run(self._face._core.call("GET", "/v1/organization", None, options))

    def retrieve_usage(self, *, start_date: Any = None, before_date: Any = None, **options: Any) -> Any:
        """Credits used per model and day (dates as date objects or YYYY-MM-DD)."""
        body = to_wire({"start_date": start_date, "before_date": before_date})
        body = {k: v for k, v in body.items() if v is not None}
        return self._face._run(self._face._core.call("POST", "/v1/organization/usage", body, options))


def _journal(journal: Any, outputs: Any, given: Iterable[Any]) -> tuple:
    """The journal observer every client gets unless journal=False or RUNWAY_NB_JOURNAL=0: every task is
    recorded the moment its create call returns, and its outputs stored when it succeeds."""
    from .observer import JournalObserver, journal_observer

    if journal is False or any(isinstance(o, JournalObserver) for o in given):
        return ()
    observer = journal_observer(None if journal in (None, True) else journal, outputs)
    return (observer,) if observer is not None else ()


class _Face:
    """The calling surface both clients share; subclasses say how to run a coroutine and wrap a task."""

    def __init__(self, *, api_key: str | None = None, base_url: str | None = None,
                 runway_version: str | None = catalog.API_VERSION, timeout: Any = DEFAULT_TIMEOUT,
                 max_retries: int = DEFAULT_MAX_RETRIES, default_headers: Mapping[str, str] | None = None,
                 transport: Any = None, sandbox: bool | None = None, observers: Iterable[Any] = (),
                 clock: Any = None, journal: Any = None, outputs: str | os.PathLike | None = None) -> None:
        observers = (*observers, *_journal(journal, outputs, observers))
        self._core = _Core(api_key=api_key, base_url=base_url, sandbox=sandbox, observers=observers,
                           clock=clock, timeout=timeout, max_retries=max_retries, transport=transport,
                           runway_version=runway_version, default_headers=default_headers)
        for path in catalog.ENDPOINTS:
            setattr(self, path.rsplit("/", 1)[-1], _Generate(self, path))
        self.tasks = _Tasks(self)
        self.uploads = _Uploads(self)
        self.organization = _Organization(self)
        operations.attach(self)  # every other operation of the pinned SDK release, by its own name

    image_to_video: _Generate
    text_to_video: _Generate
    video_to_video: _Generate
    character_performance: _Generate
    text_to_image: _Generate
    text_to_speech: _Generate
    sound_effect: _Generate
    voice_isolation: _Generate
    voice_dubbing: _Generate
    speech_to_speech: _Generate

    @property
    def is_sandbox(self) -> bool:
        """True when talking to a sandbox (the built-in one, or any on this machine): outputs are synthetic."""
        return self._core.is_sandbox

    @property
    def base_url(self) -> str:
        return self._core.base_url

    @property
    def api_key(self) -> Secret:
        return self._core.http.api_key

    @property
    def http(self) -> HTTP:
        return self._core.http

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, sandbox={self.is_sandbox})"

    def batch(self, calls: Iterable[Any], *, concurrency: int | None = None, background: bool = False) -> Any:
        """Run many create calls, every one checked first, at most `concurrency` unfinished at once (default:
        the tier's limit per model); returns their handles in order, failed ones included (runway_nb.batch).
        `background=True` returns a batch.BatchRun at once instead (.wait(), .cancel(), .counts(); show it
        live with runway_nb.widgets.BatchView), so the cell is free while the batch runs."""
        from . import batch

        plans = batch.build_requests(self, calls)
        if background:
            return batch.start(self, plans, concurrency, sync=isinstance(self, RunwayML))
        return self._run(batch.run(self, plans, concurrency))

    def _create(self, plan: Any) -> Any:
        """Create the task a plan (runway_nb.plan) describes: the one create path. The magics and the
        form hand their wire body here as a plan, with no keywords to translate back."""
        _wire.tell(plan)  # here, in the caller's thread: warnings point at their line
        return self._run(self._core.create(plan), self._task)

    def _run(self, coro: Any, wrap: Callable[[Any], Any] | None = None) -> Any:
        raise NotImplementedError

    def _task(self, core: Any) -> Any:
        raise NotImplementedError


class RunwayML(_Face):
    """The sync client: calls block until the API answers (tasks poll on a background loop)."""

    def _run(self, coro: Any, wrap: Callable[[Any], Any] | None = None) -> Any:
        result = run_sync(coro)
        return wrap(result) if wrap else result

    def _task(self, core: Any) -> Any:
        from .tasks import Task

        return Task(core)

    def close(self) -> None:
        """Let its tasks' outputs finish storing (they download through this client), then close it."""
        for obs in self._core.observers:
            if hasattr(obs, "pending"):
                obs.close()
        run_sync(self._core.http.aclose())

    def __enter__(self) -> RunwayML:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncRunwayML(_Face):
    """The async client: every call is awaited on the caller's loop (a notebook's own loop works)."""

    def _run(self, coro: Any, wrap: Callable[[Any], Any] | None = None) -> Any:
        async def finish() -> Any:
            result = await coro
            return wrap(result) if wrap else result

        return finish()

    def _task(self, core: Any) -> Any:
        from .tasks import AsyncTask

        return AsyncTask(core)

    async def close(self) -> None:
        """Let its tasks' outputs finish storing (they download on this loop), then close it."""
        jobs = [asyncio.wrap_future(j) for obs in self._core.observers if hasattr(obs, "pending")
                for j in obs.pending()]
        if jobs:
            await asyncio.wait(jobs)
        await self._core.http.aclose()

    async def __aenter__(self) -> AsyncRunwayML:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
