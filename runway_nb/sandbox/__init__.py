"""A local stand-in for Runway's API: same wire protocol, real (synthetic) media, no key or network.

    with runway_nb.sandbox.serve(time_scale=0.01) as sb:      # background thread, free port
        client = RunwayML(base_url=sb.base_url, api_key=sb.api_key)

create_app() gives the ASGI app for httpx.ASGITransport (in-process, any clock); run() serves in
the foreground (the `runway-nb sandbox` command). It binds 127.0.0.1 only, always.

Choices where the contract is silent or unconfirmed:
- DELETE cancels a PENDING/THROTTLED/RUNNING task and deletes a finished one (outputs removed);
  either way later GETs and DELETEs answer 404 ("cannot be fetched again", contract §5.3). The
  CANCELLED status reaches the wire only for a server-side cancellation, Engine.cancel_task(),
  which tests use to exercise a client's handling of it.
- Credits are taken at creation; FAILED tasks are refunded except SAFETY.INPUT.*; a cancelled
  task is refunded only if it never reached RUNNING.
- With no api_key any Bearer key is accepted (the header is still required); serve() makes a
  random key when none is given; the CLI accepts any key unless --api-key is passed.
- Creates answer 200 {"id"}, DELETE 204 with no body, the upload target 204 (as S3 does).
- Tier 1 by default: 2 concurrent tasks and 200 a day per model; 10,000 credits.
- Every 429 carries Retry-After (whole seconds) and retry-after-ms (exact; the SDK reads it first).
- POST /v1/organization/usage without dates covers the 30 days ending today, inclusive.
- runway:// upload URIs last 24 h of sandbox clock; their presigned form, 1 h.
"""

from __future__ import annotations

import secrets
import socket
import threading
import time

from ..clock import RealClock
from .accounts import TIERS, Refusal
from .app import ConnectionDropped, create_app
from .clock import FakeClock
from .engine import DEFAULT_TIME_SCALE, DEFAULT_URL_TTL, Engine
from .faults import PROFILES, FaultProfile

__all__ = ["serve", "run", "create_app", "Sandbox", "Engine", "Refusal", "FakeClock", "RealClock",
           "FaultProfile", "PROFILES", "TIERS", "DEFAULT_TIME_SCALE", "DEFAULT_URL_TTL", "ConnectionDropped"]

HOST = "127.0.0.1"  # never another interface: the sandbox has no real security


def _bind(port: int) -> socket.socket:
    # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY only on sockets that say so, and without
    # it every response waits ~40 ms for a delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port))
        sock.listen(128)  # connections made before the server runs wait in the backlog, not refused
    except OSError:
        sock.close()
        raise
    return sock


def _server(app, log_level: str):
    import uvicorn

    config = uvicorn.Config(app, log_level=log_level, access_log=False, lifespan="on",
                            timeout_graceful_shutdown=2, ws="none")
    return uvicorn.Server(config)


class Sandbox:
    """A sandbox served in a background thread. Use as a context manager, or call close()."""

    def __init__(self, port: int = 0, *, api_key: str | None = None, engine: Engine | None = None,
                 log_level: str = "warning", **engine_kwargs) -> None:
        if engine is not None and engine_kwargs:
            raise TypeError(f"pass either engine= or engine options, not both ({', '.join(engine_kwargs)})")
        self.api_key = api_key or "sandbox-" + secrets.token_urlsafe(18)
        self._owned = engine is None
        self.engine = engine or Engine(api_key=self.api_key, **engine_kwargs)
        self.engine.api_key = self.api_key
        self._sock = _bind(port)
        self.port = self._sock.getsockname()[1]
        self.base_url = f"http://{HOST}:{self.port}"
        self.engine.base_url = self.base_url
        self.app = create_app(self.engine)
        self._server = _server(self.app, log_level)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]},
                                        name=f"runway-sandbox-{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:  # startup is a few ms; this is not a test's sleep
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.close()
                raise RuntimeError(f"the sandbox did not start on {self.base_url}")
            time.sleep(0.005)

    def set_faults(self, spec: str | FaultProfile | None, seed: int = 0) -> None:
        """Inject faults from now on: a profile name (none, flaky, storm, slow, chaos) or a FaultProfile."""
        self.engine.set_faults(spec, seed)

    def stats(self) -> dict:
        return self.engine.stats()

    def close(self) -> None:
        """Stop serving, wait for the thread, and remove every file the sandbox wrote."""
        self._server.should_exit = True
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=10)
        self._sock.close()
        if self._owned:
            self.engine.close()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Sandbox {self.base_url}>"


def serve(port: int = 0, **kw) -> Sandbox:
    """Start a sandbox in a background thread on 127.0.0.1 (port 0: a free one). See Engine for options."""
    return Sandbox(port, **kw)


def run(port: int = 8787, *, api_key: str | None = None, log_level: str = "info", announce=print,
        **engine_kwargs) -> None:
    """Serve in the foreground until interrupted; without api_key any Bearer key is accepted."""
    engine = Engine(api_key=api_key, **engine_kwargs)
    sock = _bind(port)
    base_url = f"http://{HOST}:{sock.getsockname()[1]}"
    engine.base_url = base_url
    announce(base_url)
    try:
        _server(create_app(engine), log_level).run(sockets=[sock])
    finally:
        sock.close()
        engine.close()
