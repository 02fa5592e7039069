"""The httpx layer: auth and version headers, retries that never pay twice, a key that never leaks.

Retry rules. Reads (GET), DELETE and the free POSTs (upload slots, usage) are retried on 408, 409,
429, 5xx and transport errors, like the official SDK. A create POST costs credits, so it is retried
only when the server provably made nothing: 429 and 503 (Runway and the sandbox refuse with these
before creating a task) and failures to connect (nothing was sent). Any other failure after the
body went out (read timeout, reset, a 500/502/504) raises TaskMayExistError and is not retried.

The key lives in a Secret and is added by an httpx.Auth flow at send time, so it is in no default
header, log line, repr or exception: errors keep a copy of the request without it, and a transport
error is raised with the httpx error's text in its message rather than chained to it (that error and
its frames hold the sent headers; the header is also taken off the failed request itself).
"""

from __future__ import annotations

import asyncio
import email.utils
import hmac
import logging
import os
import random
import time
import weakref
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from . import errors
from ._version import __version__
from .catalog import API_VERSION
from .clock import RealClock

log = logging.getLogger("runway_nb.http")

DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=5.0)
DEFAULT_MAX_RETRIES = 2
INITIAL_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0
MAX_RETRY_AFTER = 60.0  # a longer Retry-After (a daily quota) is reported, not waited out
CREATE_RETRY_STATUSES = (429, 503)
AMBIGUOUS_CREATE_STATUSES = (500, 502, 504)
# Raised before a byte of the request left this machine: safe to repeat even a create.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# A maybe-created task has no id, so runway_nb's journal (history(), resume()) has no record of it:
# only the service can tell whether it exists.
HOW_TO_CHECK = ("Check before trying again: look at the recent tasks and credit usage on Runway's dashboard "
                "(https://dev.runwayml.com; on the sandbox, GET /_sandbox/stats counts the tasks it created). "
                "runway_nb's journal has no record of this task: its id never came back.")


class Secret:
    """Holds the API key; prints as Secret('****') and refuses to be pickled or compared by value."""

    __slots__ = ("_value",)

    def __init__(self, value: str | None) -> None:
        self._value = value

    def reveal(self) -> str | None:
        """The key itself: only for building the Authorization header."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('****')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest((self._value or "").encode(), (other._value or "").encode())

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> Any:
        raise TypeError("a Secret cannot be pickled: the API key is never written anywhere")


class _BearerAuth(httpx.Auth):
    """Adds the Authorization header at send time, so no header dict holds the key at rest."""

    def __init__(self, secret: Secret) -> None:
        self._secret = secret

    def auth_flow(self, request: httpx.Request):
        if self._secret:
            request.headers["Authorization"] = f"Bearer {self._secret.reveal()}"
        yield request

    def __repr__(self) -> str:
        return "_BearerAuth(Secret('****'))"


def retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds the server asked us to wait (retry-after-ms, then Retry-After seconds or date)."""
    if not headers:
        return None
    try:
        return float(headers["retry-after-ms"]) / 1000
    except (KeyError, TypeError, ValueError):
        pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        parsed = email.utils.parsedate_tz(value)
        return None if parsed is None else float(email.utils.mktime_tz(parsed) - time.time())


def retry_delay(retries_taken: int, headers: Mapping[str, str] | None = None,
                rng: Callable[[], float] = random.random) -> float:
    """The SDK's schedule: Retry-After when 0 < d <= 60 s, else 0.5 s x 2^n capped at 8 s, minus <=25% jitter."""
    asked = retry_after(headers)
    if asked is not None and 0 < asked <= MAX_RETRY_AFTER:
        return asked
    return min(INITIAL_RETRY_DELAY * 2.0 ** min(retries_taken, 32), MAX_RETRY_DELAY) * (1 - 0.25 * rng())


def redacted(request: httpx.Request | None) -> httpx.Request | None:
    """A copy of the request without its Authorization header, safe to keep on an exception."""
    if request is None:
        return None
    headers = [(k, v) for k, v in request.headers.multi_items() if k.lower() != "authorization"]
    return httpx.Request(request.method, request.url, headers=headers)


def error_message(response: httpx.Response) -> tuple[str, object]:
    """(human message, decoded body) from an error answer: {"error", "issues"} or {"message"} or text."""
    text = response.text.strip()
    try:
        body: object = response.json()
    except ValueError:
        body = text
    message = ""
    if isinstance(body, dict):
        message = str(body.get("error") or body.get("message") or "")
        extra = [str(i.get("message")) for i in body.get("issues") or () if isinstance(i, dict)
                 and i.get("message") and str(i.get("message")) not in message]
        message = "; ".join(m for m in [message, *extra] if m)
    elif text and len(text) < 500:
        message = text
    return message or f"HTTP {response.status_code} {response.reason_phrase}".strip(), body


class HTTP:
    """One httpx.AsyncClient with Runway's headers and the retry policy above.

    `transport=` swaps the network (httpx.ASGITransport runs the sandbox in-process); `clock=` (with
    `async sleep(s)`) lets tests take the backoff without waiting.
    """

    def __init__(self, base_url: str, api_key: Secret | str | None, *, timeout: Any = DEFAULT_TIMEOUT,
                 max_retries: int = DEFAULT_MAX_RETRIES, transport: httpx.AsyncBaseTransport | None = None,
                 runway_version: str | None = API_VERSION, default_headers: Mapping[str, str] | None = None,
                 clock: Any = None) -> None:
        self.base_url = str(base_url).rstrip("/")
        self.api_key = api_key if isinstance(api_key, Secret) else Secret(api_key)
        self.max_retries = max_retries
        self.headers = {"X-Runway-Version": runway_version or API_VERSION, "Accept": "application/json",
                        **(default_headers or {})}
        self.clock = clock or RealClock()
        self.transport = transport  # None: the network
        self._auth = _BearerAuth(self.api_key)
        self._timeout = timeout
        self._clients: dict[asyncio.AbstractEventLoop | None, httpx.AsyncClient] = {}  # one per event loop
        self.closed = False
        self._followers: weakref.WeakSet = weakref.WeakSet()  # task cores whose polling aclose() stops

    @property
    def client(self) -> httpx.AsyncClient:
        """The httpx client of the running event loop, made on first use (its TLS setup costs ~70 ms, so a
        client object is free). An AsyncClient's connections belong to the loop that opened them: a task
        followed on a notebook's own loop and its outputs stored on runway_nb's loop each get one.

        It holds no key (the auth flow adds it per API request), so outputs.py may fetch signed URLs with it.
        """
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        client = self._clients.get(loop)
        if client is None:
            client = self._clients[loop] = httpx.AsyncClient(
                base_url=self.base_url, timeout=self._timeout, transport=self.transport, follow_redirects=False,
                headers={"User-Agent": f"runway_nb/{__version__}"},
                limits=httpx.Limits(max_connections=100, max_keepalive_connections=20))
        return client

    _client = client

    def __repr__(self) -> str:
        return f"HTTP(base_url={self.base_url!r}, api_key={self.api_key!r})"

    async def request(self, method: str, path: str, *, json: Any = None, create: bool = False,
                      headers: Mapping[str, str] | None = None, params: Any = None,
                      timeout: Any = httpx.USE_CLIENT_DEFAULT) -> httpx.Response:
        """Send one API call (retrying what is safe) and return the 2xx response; raise errors.* otherwise."""
        method = method.upper()
        merged = {**self.headers, **(headers or {})}

        def build() -> httpx.Request:
            return self.client.build_request(method, path, json=json, headers=merged, params=params,
                                              timeout=timeout)

        return await self._send(build, create=create, what=f"{method} {path}")

    async def upload(self, url: str, fields: Mapping[str, str], *, filename: str,
                     source: str | os.PathLike | bytes, content_type: str | None = None,
                     timeout: Any = httpx.USE_CLIENT_DEFAULT) -> httpx.Response:
        """POST a file to a presigned upload URL: multipart, streamed from disk, no Runway auth header.

        Retried like a read (the presigned target is overwritten, not duplicated); a path is reopened
        for each attempt, so a retry sends the whole file again.
        """
        opened: list = []

        def build() -> httpx.Request:
            while opened:
                opened.pop().close()
            data = source if isinstance(source, bytes) else open(source, "rb")  # noqa: SIM115
            if not isinstance(data, bytes):
                opened.append(data)
            part = (filename, data, content_type) if content_type else (filename, data)
            return self.client.build_request("POST", url, data=dict(fields), files={"file": part},
                                              timeout=timeout)

        try:
            return await self._send(build, create=False, what="upload", signed=False)
        except errors.APIStatusError as exc:
            raise errors.APIStatusError(f"Upload failed with status {exc.status_code}: {exc.message}",
                                        response=exc.response, body=exc.body) from None
        finally:
            while opened:
                opened.pop().close()

    def track(self, follower: Any) -> None:
        """Remember a task core (anything with `async stop()`) so aclose() stops its polling first."""
        self._followers.add(follower)

    async def aclose(self) -> None:
        """Stop following this client's tasks (their pollers end quietly), then close the connections."""
        self.closed = True
        for follower in list(self._followers):
            await follower.stop()
        clients, self._clients = self._clients, {}
        here = asyncio.get_running_loop()
        for loop, client in clients.items():
            if loop is None or loop is here:
                await client.aclose()
            elif loop.is_running():  # its connections must be closed on their own loop (if it answers)
                closing = asyncio.wrap_future(asyncio.run_coroutine_threadsafe(client.aclose(), loop))
                await asyncio.wait([closing], timeout=5)

    async def _send(self, build: Callable[[], httpx.Request], *, create: bool, what: str,
                    signed: bool = True) -> httpx.Response:
        retries = 0
        while True:
            request = build()
            failure: errors.APIError | None = None
            try:
                response = await self.client.send(request, auth=self._auth if signed else None)
            except httpx.HTTPError as exc:
                safe = isinstance(exc, NOT_SENT) or (not create and isinstance(exc, httpx.TransportError)
                                                     and not isinstance(exc, httpx.UnsupportedProtocol))
                if safe and retries < self.max_retries:
                    retries += 1
                    delay = retry_delay(retries - 1)
                    log.debug("%s failed (%s); retry %d of %d in %.2f s", what, type(exc).__name__,
                              retries, self.max_retries, delay)
                    await self.clock.sleep(delay)
                    continue
                request.headers.pop("Authorization", None)  # the auth flow set it on this object, which exc holds
                failure = self._transport_error(exc, request, create, what)
            except (asyncio.CancelledError, KeyboardInterrupt):
                if create:
                    log.warning("%s was interrupted after sending: the task may exist. %s", what, HOW_TO_CHECK)
                raise
            if failure is not None:
                raise failure  # outside the except block: not chained to the httpx error (see the docstring)
            log.debug("%s -> %d", what, response.status_code)
            if response.is_success or (request.method == "DELETE" and retries and response.status_code == 404):
                return response  # a 404 on a retried DELETE: the first attempt did it
            if self._should_retry(response, create) and retries < self.max_retries:
                retries += 1
                delay = retry_delay(retries - 1, response.headers)
                log.debug("%s -> %d; retry %d of %d in %.2f s", what, response.status_code, retries,
                          self.max_retries, delay)
                await self.clock.sleep(delay)
                continue
            raise self._status_error(response, create, what)

    @staticmethod
    def _should_retry(response: httpx.Response, create: bool) -> bool:
        asked = retry_after(response.headers)
        if asked is not None and asked > MAX_RETRY_AFTER:
            return False
        flag = response.headers.get("x-should-retry")  # the server's word, as the SDK obeys it ...
        if flag == "false":
            return False
        if create:  # ... except that only a refusal proves that nothing was created
            return response.status_code in CREATE_RETRY_STATUSES
        if flag == "true":
            return True
        return response.status_code in (408, 409, 429) or response.status_code >= 500

    @staticmethod
    def _status_error(response: httpx.Response, create: bool, what: str) -> errors.APIError:
        message, body = error_message(response)
        response.request = redacted(response.request)
        status = response.status_code
        request_id = response.headers.get("x-request-id") or response.headers.get("request-id")
        if create and status in AMBIGUOUS_CREATE_STATUSES:
            return errors.TaskMayExistError(
                message=(f"{what} answered {status} ({message}). Runway may have created the task anyway "
                         f"(and charged for it), so it was not retried, to avoid paying twice. {HOW_TO_CHECK}"),
                request=response.request, body=body, status_code=status, request_id=request_id)
        if status == 401:
            message += " (check RUNWAYML_API_SECRET: the key is missing, mistyped or revoked)"
        asked = retry_after(response.headers)
        if status == 429 and asked is not None and asked > MAX_RETRY_AFTER:
            message += f" (the server asks to wait {asked:.0f} s before trying again)"
        return errors.status_error_class(status)(f"{message} [{what}]", response=response, body=body,
                                                 request_id=request_id)

    @staticmethod
    def _transport_error(exc: httpx.HTTPError, request: httpx.Request, create: bool,
                         what: str) -> errors.APIError:
        safe_request = redacted(request)
        kind = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__  # the cause, not chained
        if create and not isinstance(exc, NOT_SENT + (httpx.UnsupportedProtocol, httpx.LocalProtocolError)):
            return errors.TaskMayExistError(
                message=(f"{what}: the connection failed after the request was sent ({kind}), so Runway "
                         f"may have created the task (and charged for it). It was not retried, to avoid "
                         f"paying twice. {HOW_TO_CHECK}"), request=safe_request)
        if isinstance(exc, httpx.TimeoutException):
            return errors.APITimeoutError(safe_request, message=f"{request.method} {request.url} timed out ({kind}).")
        return errors.APIConnectionError(
            message=f"{request.method} {request.url}: connection error ({kind}).", request=safe_request)
