"""http.HTTP: headers, retries that never pay twice, error mapping, and a key that never leaks.

Scripted httpx.MockTransports stand in for the server, so each case says exactly what the wire did;
a recording clock takes the backoff sleeps without waiting.
"""

from __future__ import annotations

import email.utils
import logging
import pickle
import time

import httpx
import pytest

from runway_nb import errors
from runway_nb.http import HTTP, MAX_RETRY_AFTER, Secret, retry_after, retry_delay

pytestmark = pytest.mark.anyio
KEY = "key_FAKE0123456789abcdefSECRET"


class Sleeps:
    """A clock whose sleeps return at once and are remembered."""

    def __init__(self) -> None:
        self.slept: list[float] = []

    def now(self) -> float:
        return sum(self.slept)

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


class Script:
    """A transport answering from a list: httpx.Response, an exception class (raised), or a callable."""

    def __init__(self, *steps) -> None:
        self.steps = list(steps)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        request.read()
        step = self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]
        if isinstance(step, type) and issubclass(step, Exception):
            raise step("scripted failure", request=request)
        if callable(step) and not isinstance(step, httpx.Response):
            return step(request)
        return step

    def count(self, method: str) -> int:
        return sum(r.method == method for r in self.requests)


def make(script: Script, **kw) -> tuple[HTTP, Sleeps]:
    clock = Sleeps()
    return HTTP("https://api.test", KEY, transport=httpx.MockTransport(script), clock=clock, **kw), clock


def created(task_id: str = "t-1") -> httpx.Response:
    return httpx.Response(200, json={"id": task_id})


# -- the key --------------------------------------------------------------------------------------
def test_secret_never_shows_the_key():
    s = Secret(KEY)
    assert KEY not in repr(s) and KEY not in str(s) and KEY not in f"{s}" and KEY not in f"{s!r}"
    assert s.reveal() == KEY and s and not Secret(None) and Secret(KEY) == s
    with pytest.raises(TypeError):
        pickle.dumps(s)
    http = HTTP("https://api.test", KEY)
    assert KEY not in repr(http) and KEY not in repr(http.__dict__)


async def test_headers_and_auth_added_at_send_time():
    script = Script(httpx.Response(200, json={"ok": True}))
    http, _ = make(script)
    await http.request("GET", "/v1/organization")
    sent = script.requests[0].headers
    assert sent["authorization"] == f"Bearer {KEY}"
    assert sent["x-runway-version"] == "2024-11-06"
    assert sent["user-agent"].startswith("runway_nb/")
    assert "authorization" not in {k.lower() for k in http._client.headers}  # not held at rest


async def test_errors_keep_no_key_anywhere():
    script = Script(httpx.Response(401, json={"error": "Invalid API key"}))
    http, _ = make(script)
    with pytest.raises(errors.AuthenticationError) as info:
        await http.request("GET", "/v1/organization")
    exc = info.value
    assert exc.status_code == 401 and "Invalid API key" in exc.message and "RUNWAYML_API_SECRET" in exc.message
    assert "authorization" not in exc.request.headers and "authorization" not in exc.response.request.headers
    for text in (str(exc), repr(exc), repr(exc.request), repr(exc.response), repr(vars(exc))):
        assert KEY not in text


# -- reads are retried like the SDK does ------------------------------------------------------------
async def test_get_survives_a_429_storm_honouring_retry_after():
    storm = httpx.Response(429, headers={"Retry-After": "1.5"}, json={"error": "slow down"})
    script = Script(storm, storm, storm, httpx.Response(200, json={"id": "t", "status": "PENDING"}))
    http, clock = make(script, max_retries=5)
    response = await http.request("GET", "/v1/tasks/t")
    assert response.json()["status"] == "PENDING"
    assert script.count("GET") == 4 and clock.slept == [1.5, 1.5, 1.5]


async def test_get_retries_5xx_then_raises_with_the_servers_message():
    script = Script(httpx.Response(502, text="bad gateway"), httpx.Response(500, json={"error": "boom"}))
    http, clock = make(script)
    with pytest.raises(errors.InternalServerError) as info:
        await http.request("GET", "/v1/tasks/t")
    assert script.count("GET") == 3 and len(clock.slept) == 2
    assert info.value.status_code == 500 and "boom" in info.value.message


@pytest.mark.parametrize("exc", [httpx.ConnectError, httpx.ReadTimeout, httpx.RemoteProtocolError])
async def test_get_retries_transport_errors(exc):
    script = Script(exc, httpx.Response(200, json={}))
    http, clock = make(script)
    await http.request("GET", "/v1/tasks/t")
    assert script.count("GET") == 2 and len(clock.slept) == 1


async def test_get_gives_up_with_connection_error_classes():
    http, _ = make(Script(httpx.ReadTimeout))
    with pytest.raises(errors.APITimeoutError) as info:
        await http.request("GET", "/v1/tasks/t")
    assert info.value.status_code is None
    http, _ = make(Script(httpx.ConnectError))
    with pytest.raises(errors.APIConnectionError):
        await http.request("GET", "/v1/tasks/t")


async def test_backoff_grows_and_is_capped():
    http, clock = make(Script(httpx.Response(500, json={})), max_retries=8)
    with pytest.raises(errors.InternalServerError):
        await http.request("GET", "/v1/tasks/t")
    assert len(clock.slept) == 8
    for n, slept in enumerate(clock.slept):  # 0.5 s x 2^n, capped at 8 s, minus up to 25% jitter
        assert 0.75 * min(0.5 * 2**n, 8.0) <= slept <= min(0.5 * 2**n, 8.0)


async def test_x_should_retry_false_is_obeyed():
    script = Script(httpx.Response(500, headers={"x-should-retry": "false"}, json={}))
    http, _ = make(script)
    with pytest.raises(errors.InternalServerError):
        await http.request("GET", "/v1/tasks/t")
    assert script.count("GET") == 1


async def test_a_long_retry_after_is_reported_not_waited():
    script = Script(httpx.Response(429, headers={"Retry-After": "3600"}, json={"error": "daily limit"}))
    http, clock = make(script)
    with pytest.raises(errors.RateLimitError) as info:
        await http.request("GET", "/v1/tasks/t")
    assert script.count("GET") == 1 and clock.slept == [] and "3600" in info.value.message


async def test_delete_whose_first_attempt_worked_is_not_an_error():
    script = Script(httpx.ReadTimeout, httpx.Response(404, json={"error": "not found"}))
    http, _ = make(script)
    response = await http.request("DELETE", "/v1/tasks/t")
    assert response.status_code == 404 and script.count("DELETE") == 2


# -- creates: never twice ---------------------------------------------------------------------------
@pytest.mark.parametrize("exc", [httpx.ReadTimeout, httpx.RemoteProtocolError, httpx.ReadError,
                                 httpx.WriteTimeout])
async def test_create_is_not_retried_after_an_ambiguous_failure(exc):
    script = Script(exc, created())
    http, clock = make(script)
    with pytest.raises(errors.TaskMayExistError) as info:
        await http.request("POST", "/v1/text_to_image", json={"model": "gen4_image"}, create=True)
    assert script.count("POST") == 1 and clock.slept == []
    assert "may have created the task" in info.value.message and "dev.runwayml.com" in info.value.message
    assert isinstance(info.value, errors.APIConnectionError)


@pytest.mark.parametrize("status", [500, 502, 504])
async def test_create_is_not_retried_after_an_ambiguous_status(status):
    script = Script(httpx.Response(status, json={"error": "upstream"}), created())
    http, _ = make(script)
    with pytest.raises(errors.TaskMayExistError) as info:
        await http.request("POST", "/v1/text_to_image", json={}, create=True)
    assert script.count("POST") == 1 and info.value.status_code == status


@pytest.mark.parametrize("first", [httpx.Response(429, headers={"retry-after-ms": "250"}, json={}),
                                   httpx.Response(503, json={"error": "overloaded"}),
                                   httpx.ConnectError, httpx.ConnectTimeout])
async def test_create_is_retried_when_nothing_was_created(first):
    script = Script(first, created("t-9"))
    http, clock = make(script)
    response = await http.request("POST", "/v1/text_to_image", json={}, create=True)
    assert response.json() == {"id": "t-9"} and script.count("POST") == 2 and len(clock.slept) == 1


async def test_create_gives_up_on_a_persistent_429_as_rate_limit_error():
    script = Script(httpx.Response(429, json={"error": "Daily generation limit reached"}))
    http, _ = make(script)
    with pytest.raises(errors.RateLimitError) as info:
        await http.request("POST", "/v1/text_to_image", json={}, create=True)
    assert script.count("POST") == 3 and info.value.status_code == 429
    assert info.value.message.startswith("Daily generation limit reached")


async def test_create_400_is_not_retried_and_lists_issues():
    body = {"error": "Validation failed", "issues": [{"path": ["ratio"], "message": "ratio must be 1280:720"}]}
    script = Script(httpx.Response(400, json=body))
    http, _ = make(script)
    with pytest.raises(errors.BadRequestError) as info:
        await http.request("POST", "/v1/text_to_video", json={}, create=True)
    assert script.count("POST") == 1 and info.value.body == body
    assert "Validation failed" in info.value.message and "ratio must be 1280:720" in info.value.message


# -- mapping ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("status,cls", [
    (400, errors.BadRequestError), (401, errors.AuthenticationError), (403, errors.PermissionDeniedError),
    (404, errors.NotFoundError), (409, errors.ConflictError), (422, errors.UnprocessableEntityError),
    (429, errors.RateLimitError), (500, errors.InternalServerError), (418, errors.APIStatusError)])
async def test_status_to_exception(status, cls):
    http, _ = make(Script(httpx.Response(status, json={"message": "why"})), max_retries=0)
    with pytest.raises(cls) as info:
        await http.request("GET", "/v1/x")
    assert type(info.value) is cls and info.value.status_code == status and "why" in info.value.message
    assert isinstance(info.value, errors.APIError) and isinstance(info.value, errors.RunwayNBError)


def test_retry_after_forms():
    assert retry_after({"retry-after-ms": "1500"}) == 1.5
    assert retry_after({"retry-after": "2"}) == 2.0
    assert 50 < retry_after({"retry-after": email.utils.formatdate(time.time() + 60, usegmt=True)}) <= 61
    assert retry_after({}) is None and retry_after({"retry-after": "soon"}) is None
    assert retry_delay(0, {"retry-after": "3"}) == 3.0
    assert retry_delay(0, {"retry-after": str(MAX_RETRY_AFTER + 1)}, rng=lambda: 0.0) == 0.5
    assert retry_delay(10, rng=lambda: 0.0) == 8.0 and retry_delay(1, rng=lambda: 1.0) == 0.75


async def test_upload_streams_the_file_without_runway_auth_and_resends_it_on_retry(tmp_path):
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"v" * 200_000)
    script = Script(httpx.Response(503), httpx.Response(204))
    http, clock = make(script)
    await http.upload("https://uploads.test/bucket", {"key": "k1", "policy": "p"}, filename="clip.mp4",
                      source=path, content_type="video/mp4")
    assert script.count("POST") == 2 and len(clock.slept) == 1
    for request in script.requests:
        assert "authorization" not in request.headers and "x-runway-version" not in request.headers
        assert request.headers["content-length"] == str(len(request.content))
        assert path.read_bytes() in request.content and b'name="key"' in request.content
    refusing, _ = make(Script(httpx.Response(403, text="expired")))
    with pytest.raises(errors.APIStatusError, match="Upload failed with status 403"):
        await refusing.upload("https://uploads.test/bucket", {}, filename="a.mp4", source=b"data")


async def test_debug_logs_never_show_the_key(caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "runway_nb"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    script = Script(httpx.Response(503, json={}), httpx.ReadTimeout, httpx.Response(200, json={}))
    http, _ = make(script)
    await http.request("GET", "/v1/tasks/t")
    assert caplog.records and all(KEY not in r.getMessage() for r in caplog.records)
