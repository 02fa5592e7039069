"""Starlette routes for the sandbox: HTTP in, engine call, HTTP out; nothing else.

Every /v1 route passes the same gate (auth, version, rate limit, injected fault). The extras live
under /_sandbox/: signed output files (Range requests work, browsers seek with them), the
presigned upload target, and stats for tests and benchmarks.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
from collections.abc import Awaitable, Callable

import httpx
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from .. import catalog
from ..catalog import api
from .engine import Engine, Refusal
from .faults import Action
from .resources import resource_routes
from .uploads import BadForm, FormTooLarge, UploadRejected, read_form

RAW_RECEIVE = "runway_nb.raw_receive"
_FAULT_ERRORS = {429: "Too many requests; retry later.", 500: "Internal server error.", 502: "Bad gateway.",
                 503: "Service unavailable; retry later."}


class ConnectionDropped(httpx.RemoteProtocolError):
    """Raised in-process (ASGITransport) where there is no socket to close: clients see a transport error."""


class _KeepReceive:
    """Outermost middleware: remembers the server's own receive, whose owner holds the socket."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        scope[RAW_RECEIVE] = receive
        await self.app(scope, receive, send)


async def _drop(scope, send, head: bytes | None = None, size: int = 0, ctype: str = "") -> None:
    """Cut the connection: nothing at all, or (a truncated download) headers and `head` of `size` bytes."""
    if head is not None:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", ctype.encode()), (b"content-length", str(size).encode())]})
        await send({"type": "http.response.body", "body": head, "more_body": True})
    owner = getattr(scope.get(RAW_RECEIVE), "__self__", None)  # uvicorn's per-request cycle
    transport = getattr(owner, "transport", None)
    if transport is None:
        raise ConnectionDropped("sandbox fault: connection dropped")
    transport.close()
    for _ in range(20):  # let the server see the disconnect, so it does not answer 500 instead
        if getattr(owner, "disconnected", True):
            break
        await asyncio.sleep(0.005)


class Dropped(Response):
    """A response that is never sent: the connection closes instead."""

    def __init__(self) -> None:
        super().__init__()

    async def __call__(self, scope, receive, send) -> None:
        await _drop(scope, send)


class TruncatedFile(Response):
    """Content-Length promises the whole file; only the first part is sent before the connection closes."""

    def __init__(self, path, ctype: str, fraction: float) -> None:
        super().__init__()
        self.path, self.ctype, self.fraction = path, ctype, fraction

    async def __call__(self, scope, receive, send) -> None:
        data = await run_in_threadpool(self.path.read_bytes)
        await _drop(scope, send, data[:int(len(data) * self.fraction)], len(data), self.ctype)


def _json(body: dict, status: int = 200, headers: dict | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=headers)


async def _body(request: Request, default: dict | None = None) -> dict:
    raw = await request.body()
    if not raw.strip() and default is not None:
        return default
    try:
        return json.loads(raw)
    except ValueError:
        raise Refusal(400, {"error": "The request body is not valid JSON; send a JSON object."}) from None


def create_app(engine: Engine | None = None, **engine_kwargs) -> Starlette:
    """The sandbox as an ASGI app (for uvicorn, or httpx.ASGITransport in-process)."""
    owned = engine is None
    engine = engine or Engine(**engine_kwargs)

    async def gate(request: Request, create: bool, call: Callable[[], Awaitable[Response]]) -> Response:
        engine.authorize(request.headers.get("authorization"), request.headers.get("x-runway-version"))
        action: Action | None = engine.admit(create)
        if action is not None and action.kind == "slow":
            await engine.clock.sleep(action.seconds)
        elif action is not None and action.kind == "status":
            headers = {}
            if action.status == 429:
                headers = {"Retry-After": str(max(1, math.ceil(action.seconds))),
                           "retry-after-ms": f"{action.seconds * 1000:.0f}"}
            return _json({"error": _FAULT_ERRORS[action.status]}, action.status, headers)
        elif action is not None and action.kind == "drop_before":
            return Dropped()
        response = await call()
        return Dropped() if action is not None and action.kind == "drop_after" else response

    def create_route(path: str) -> Route:
        async def create(request: Request) -> Response:
            async def call() -> Response:
                body = await _body(request)
                task_id = await run_in_threadpool(engine.create_task, path, body)
                return _json(engine.create_response(task_id))
            return await gate(request, True, call)
        return Route(path, create, methods=["POST"], name=path.removeprefix("/v1/"))

    async def get_task(request: Request) -> Response:
        async def call() -> Response:
            return _json(engine.get_task(request.path_params["id"], base_url=str(request.base_url)))
        return await gate(request, False, call)

    async def delete_task(request: Request) -> Response:
        async def call() -> Response:
            engine.delete_task(request.path_params["id"])
            return Response(status_code=204)
        return await gate(request, False, call)

    async def create_upload(request: Request) -> Response:
        async def call() -> Response:
            body = await _body(request)
            name = body.get("filename") if isinstance(body, dict) else None
            if not isinstance(name, str) or not name.strip() or body.get("type", "ephemeral") != "ephemeral":
                raise Refusal(400, {"error": "Send {\"filename\": \"<name with extension>\", \"type\": \"ephemeral\"}."})
            return _json(engine.create_upload(name, base_url=str(request.base_url)))
        return await gate(request, False, call)

    async def organization(request: Request) -> Response:
        async def call() -> Response:
            return _json(engine.organization())
        return await gate(request, False, call)

    async def usage(request: Request) -> Response:
        async def call() -> Response:
            body = await _body(request, default={})
            if not isinstance(body, dict):
                raise Refusal(400, {"error": "Send a JSON object with optional startDate and beforeDate."})
            return _json(engine.usage(body.get("startDate"), body.get("beforeDate")))
        return await gate(request, False, call)

    async def output(request: Request) -> Response:
        q = request.query_params
        path, ctype, cut = engine.open_output(request.path_params["task_id"], request.path_params["name"],
                                              q.get("expires"), q.get("sig"))
        if cut is not None and "range" not in request.headers and request.method == "GET":
            return TruncatedFile(path, ctype, cut)
        return FileResponse(path, media_type=ctype)

    async def upload_target(request: Request) -> Response:
        upload_id = request.path_params["upload_id"]
        staging = engine.upload_staging(upload_id)
        if staging is None:
            return _json({"error": "NoSuchUpload: this upload URL was never handed out."}, 404)
        limit = engine.upload_limit
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit + 1_000_000:  # form overhead allowance
            return _json({"error": f"EntityTooLarge: uploads may be at most {limit} bytes."}, 413)
        try:
            fields = await read_form(request.stream(), request.headers.get("content-type", ""), staging, limit)
            await run_in_threadpool(engine.put_upload, upload_id, fields, staging)
        except FormTooLarge:
            return _json({"error": f"EntityTooLarge: uploads may be at most {limit} bytes."}, 413)
        except BadForm as e:
            return _json({"error": f"MalformedPOSTRequest: {e}."}, 400)
        except UploadRejected as e:
            return _json({"error": str(e)}, e.status)
        return Response(status_code=204)

    async def stats(request: Request) -> Response:
        engine.authorize(request.headers.get("authorization"), None, need_version=False)
        return _json(engine.stats())

    async def refused(request: Request, exc: Exception) -> Response:
        return _json(exc.body, exc.status, exc.headers)

    async def http_error(request: Request, exc: Exception) -> Response:
        return _json({"error": f"{exc.detail}: {request.method} {request.url.path}"}, exc.status_code, exc.headers)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        ticker = asyncio.create_task(_tick(engine)) if getattr(engine.clock, "realtime", False) else None
        try:
            yield
        finally:
            if ticker is not None:
                ticker.cancel()
            if owned:
                await run_in_threadpool(engine.close)

    task_paths = dict.fromkeys([*catalog.ENDPOINTS, *(op.path for op in api.operations().values() if op.creates_task)])
    routes = [create_route(p) for p in task_paths] + [
        Route("/v1/tasks/{id}", get_task, methods=["GET"]),
        Route("/v1/tasks/{id}", delete_task, methods=["DELETE"]),
        Route("/v1/uploads", create_upload, methods=["POST"]),
        Route("/v1/organization", organization, methods=["GET"]),
        Route("/v1/organization/usage", usage, methods=["POST"]),
        Route("/_sandbox/outputs/{task_id}/{name}", output, methods=["GET", "HEAD"]),
        Route("/_sandbox/uploads/{upload_id}", upload_target, methods=["POST"]),
        Route("/_sandbox/stats", stats, methods=["GET"]),
    ] + resource_routes(engine, gate)  # avatars, voices, documents, routers, sessions, workflows, webapp
    app = Starlette(routes=routes, middleware=[Middleware(_KeepReceive)], lifespan=lifespan,
                    exception_handlers={Refusal: refused, HTTPException: http_error})
    app.state.engine = engine
    return app


async def _tick(engine: Engine, interval: float = 0.05) -> None:
    """Advance the engine a few times a second so freed slots start THROTTLED tasks promptly."""
    while True:
        await asyncio.sleep(interval)
        engine.tick()  # quick: the lock is only ever held briefly
