"""The sandbox's management resources (everything that is not a generation task), as one table of routes.

Each row is (method, path, operation): the operation gets the state and the request's parts and
returns the wire JSON (None: 204 No Content). Every route passes the app's gate (auth, version, rate
limit, faults) like the task routes; the state has its own lock, held while an operation runs (in a
worker thread, since reading a voice or an invocation may synthesize a file).
"""

from __future__ import annotations

import json
import threading
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from .accounts import Refusal
from .collection import Files, bad_request, page
from .library import Library
from .outputs import CONTENT_TYPES
from .schema import Query
from .sessions import Sessions
from .webapp import Webapp
from .workflows import Workflows


class Resources:
    """All management state of one engine."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.lock = threading.RLock()
        self.files = Files(engine)
        self.library = Library(engine, self.files)
        self.sessions = Sessions(engine, self.files, self.library)
        self.workflows = Workflows(engine, self.files)
        self.webapp = Webapp(engine)


_STATE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def resources_for(engine) -> Resources:
    """The engine's management state, made on first use (tests reach it through here too)."""
    with _LOCK:
        if engine not in _STATE:
            _STATE[engine] = Resources(engine)
        return _STATE[engine]


@dataclass
class Call:
    """What an operation may read of its request."""

    id: str
    body: dict
    query: dict
    base_url: str
    wall: float


def _limit_cursor(c: Call) -> tuple[Query, int | None, str | None]:
    q = Query(c.query)
    return q, q.int("limit", required=True), q.text("cursor")


def _listed(items: Callable[[Resources], Iterable[dict]],
            render: Callable[[Resources, dict, Call], dict]) -> Callable[[Resources, Call], dict]:
    """A plain list operation: limit (required) and cursor, newest first."""
    def op(r: Resources, c: Call) -> dict:
        q, limit, cursor = _limit_cursor(c)
        if q.problems:
            raise bad_request(q.problems)
        return page(items(r), limit, cursor, lambda x: render(r, x, c))
    return op


def _documents(r: Resources, c: Call) -> dict:
    q, limit, cursor = _limit_cursor(c)
    order = q.enum("order", ("asc", "desc"), required=True)
    sort = q.enum("sort", ("createdAt", "updatedAt"), required=True)
    if q.problems:
        raise bad_request(q.problems)
    field = "_created" if sort == "createdAt" else "_updated"
    return page(r.library.documents.values(), limit, cursor, lambda d: r.library.document(d, False, c.base_url),
                key=lambda d: (d[field], d["_seq"]), descending=order == "desc")


def _router_requests(r: Resources, c: Call) -> dict:
    router = r.library.routers.get(c.id)
    q, limit, cursor = _limit_cursor(c)
    if q.problems:
        raise bad_request(q.problems)
    return page(router["_requests"], limit, cursor, lambda x: {k: v for k, v in x.items() if not k.startswith("_")})


def _none(fn: Callable[[Resources, Call], object]) -> Callable[[Resources, Call], None]:
    def op(r: Resources, c: Call) -> None:
        fn(r, c)
    return op


TABLE: list[tuple[str, str, Callable[[Resources, Call], dict | None]]] = [
    # avatars
    ("POST", "/v1/avatars", lambda r, c: r.library.create_avatar(c.body, c.wall, c.base_url)),
    ("GET", "/v1/avatars", _listed(lambda r: r.library.avatars.values(), lambda r, x, c: r.library.avatar(x, c.base_url))),
    ("GET", "/v1/avatars/{id}", lambda r, c: r.library.avatar(r.library.avatars.get(c.id), c.base_url)),
    ("PATCH", "/v1/avatars/{id}", lambda r, c: r.library.update_avatar(c.id, c.body, c.wall, c.base_url)),
    ("DELETE", "/v1/avatars/{id}", _none(lambda r, c: r.library.delete_avatar(c.id))),
    ("GET", "/v1/avatar_usage", lambda r, c: r.sessions.usage(c.query)),
    # avatar conversations (the realtime sessions, seen afterwards)
    ("GET", "/v1/avatar_conversations", lambda r, c: r.sessions.list_conversations(c.query)),
    ("GET", "/v1/avatar_conversations/{id}",
     lambda r, c: r.sessions.conversation(r.sessions.conversation_record(c.id), c.base_url)),
    ("DELETE", "/v1/avatar_conversations/{id}", _none(lambda r, c: r.sessions.delete_conversation(c.id))),
    # documents
    ("POST", "/v1/documents", lambda r, c: r.library.create_document(c.body, c.wall)),
    ("GET", "/v1/documents", _documents),
    ("GET", "/v1/documents/{id}", lambda r, c: r.library.document(r.library.documents.get(c.id), True, c.base_url)),
    ("PATCH", "/v1/documents/{id}", _none(lambda r, c: r.library.update_document(c.id, c.body, c.wall))),
    ("DELETE", "/v1/documents/{id}", _none(lambda r, c: r.library.delete_document(c.id))),
    # voices
    ("POST", "/v1/voices/preview", lambda r, c: r.library.preview_voice(c.body, c.base_url)),
    ("POST", "/v1/voices", lambda r, c: r.library.create_voice(c.body, c.wall)),
    ("GET", "/v1/voices", _listed(lambda r: r.library.voices.values(), lambda r, x, c: r.library.voice(x, c.base_url))),
    ("GET", "/v1/voices/{id}", lambda r, c: r.library.voice(r.library.voices.get(c.id), c.base_url)),
    ("PATCH", "/v1/voices/{id}", lambda r, c: r.library.update_voice(c.id, c.body, c.wall)),
    ("DELETE", "/v1/voices/{id}", _none(lambda r, c: r.library.delete_voice(c.id))),
    # model routers
    ("POST", "/v1/routers", lambda r, c: r.library.create_router(c.body, c.wall)),
    ("GET", "/v1/routers", _listed(lambda r: r.library.routers.values(), lambda r, x, c: r.library.router(x))),
    ("GET", "/v1/routers/{id}", lambda r, c: r.library.router(r.library.routers.get(c.id))),
    ("PATCH", "/v1/routers/{id}", lambda r, c: r.library.update_router(c.id, c.body, c.wall)),
    ("DELETE", "/v1/routers/{id}", _none(lambda r, c: r.library.routers.remove(c.id))),
    ("GET", "/v1/routers/{id}/requests", _router_requests),
    # realtime sessions
    ("POST", "/v1/realtime_sessions", lambda r, c: r.sessions.create(c.body, c.wall)),
    ("GET", "/v1/realtime_sessions/{id}", lambda r, c: r.sessions.session(r.sessions.sessions.get(c.id))),
    ("DELETE", "/v1/realtime_sessions/{id}", _none(lambda r, c: r.sessions.cancel(c.id))),
    # workflows
    ("GET", "/v1/workflows", lambda r, c: r.workflows.listing()),
    ("GET", "/v1/workflows/{id}", lambda r, c: r.workflows.get(c.id)),
    ("POST", "/v1/workflows/{id}", lambda r, c: r.workflows.run(c.id, c.body, c.wall)),
    ("GET", "/v1/workflow_invocations/{id}",
     lambda r, c: r.workflows.invocation(r.workflows.invocations.get(c.id), c.base_url)),
    # the linked web app's reports
    ("GET", "/v1/organization/webapp/usage", lambda r, c: r.webapp.list_usage(c.query)),
    ("GET", "/v1/organization/webapp/audit_logs", lambda r, c: r.webapp.list_audit(c.query)),
    ("GET", "/v1/organization/webapp/audit_logs/{event_id}", lambda r, c: r.webapp.audit_entry(c.id, c.query)),
]


async def _json_body(request: Request) -> dict:
    if request.method not in ("POST", "PATCH"):
        return {}
    raw = await request.body()
    try:
        body = json.loads(raw) if raw.strip() else {}
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise Refusal(400, {"error": "The request body is not a JSON object; send one."})
    return body


def resource_routes(engine, gate) -> list[Route]:
    """The management routes for create_app, each behind `gate(request, create, call)`."""
    state = resources_for(engine)

    def route(method: str, path: str, op) -> Route:
        async def endpoint(request: Request) -> Response:
            async def call() -> Response:
                c = Call(request.path_params.get("id") or request.path_params.get("event_id", ""), await _json_body(request), dict(request.query_params),
                         str(request.base_url), engine.wall())

                def run():
                    with state.lock:
                        return op(state, c)
                result = await run_in_threadpool(run)
                return Response(status_code=204) if result is None else JSONResponse(result)
            return await gate(request, creates, call)
        creates = method == "POST" and not path.endswith("/preview")  # a dropped reply may hide a made record
        return Route(path, endpoint, methods=[method])

    async def file(request: Request) -> Response:
        owner, name = request.path_params["owner"], request.path_params["name"]
        with state.lock:
            path = state.files.open(owner, name, request.query_params.get("expires"), request.query_params.get("sig"))
        return FileResponse(path, media_type=CONTENT_TYPES.get(name.rsplit(".", 1)[-1], "application/octet-stream"))

    return [route(*row) for row in TABLE] + [Route(Files.ROUTE + "/{owner}/{name}", file, methods=["GET", "HEAD"])]
