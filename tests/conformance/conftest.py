"""Conformance: the official runwayml 5.24.0 SDK, strict response validation on, against a served sandbox.

The sandbox here is the real thing (uvicorn on loopback, real synthesis), so every output is downloaded
and decoded. Two sandboxes: `sandbox` runs on real time at a tiny time_scale (tasks end as soon as
their media are made); `clocked` runs on a FakeClock, so a test can hold a task in any status.
Helpers live in conformance_support.py (a unique module name: every test folder has a conftest);
requests made from the SDK's shapes in tests/shape_examples.py (the magics' and the form's tests use them too).
"""

from __future__ import annotations

import httpx
import pytest
from conformance_support import API_KEY, POLL_SECONDS, TIME_SCALE, strict_client
from runwayml.lib import polling

from runway_nb import RunwayML
from runway_nb.sandbox import Engine, FakeClock, serve


# -- the SDK, made quick -------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def quick_polling(monkeypatch):
    """wait_for_task_output sleeps POLL_TIME +- POLL_JITTER/2 (6 +- 1.5 s) before each poll."""
    monkeypatch.setattr(polling, "POLL_TIME", POLL_SECONDS)  # raising=True: fails if the SDK renames it
    monkeypatch.setattr(polling, "POLL_JITTER", 0.0)


# -- sandboxes ---------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def sandbox():
    """Real clock, real synthesis, a large account (tier 5: 20 concurrent tasks per model)."""
    with serve(time_scale=TIME_SCALE, api_key=API_KEY, tier=5, credits=10**7) as sb:
        yield sb


@pytest.fixture(scope="session")
def client(sandbox):
    with strict_client(sandbox) as c:
        yield c


@pytest.fixture(scope="module")
def clocked():
    """A served sandbox on a FakeClock (time_scale 1): nothing moves until the test advances it."""
    clock = FakeClock()
    engine = Engine(clock=clock, time_scale=1.0, api_key=API_KEY, tier=5, credits=10**7)
    with serve(engine=engine, api_key=API_KEY) as sb:
        sb.clock = clock
        yield sb
    engine.close()


@pytest.fixture(scope="module")
def clocked_client(clocked):
    with strict_client(clocked) as c:
        yield c


@pytest.fixture(scope="module")
def refusing():
    """A runway_nb client whose every request fails the test: nothing may be sent."""
    def sent(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"sent {request.method} {request.url}")
    with RunwayML(api_key="key_refusals", base_url="https://api.example.invalid", journal=False,
                  transport=httpx.MockTransport(sent)) as client:
        yield client
