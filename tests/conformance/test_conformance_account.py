"""organization.retrieve / retrieve_usage, and the SDK's error classes for each kind of refusal."""

from __future__ import annotations

import math
import uuid
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
import runwayml
from conformance_support import API_KEY, strict_client
from runwayml.types import OrganizationRetrieveResponse, OrganizationRetrieveUsageResponse

from runway_nb import catalog
from runway_nb.sandbox import TIERS, serve


# -- organization ----------------------------------------------------------------------------------
def test_organization_parses_strictly(sandbox, client):
    org = client.organization.retrieve()
    assert isinstance(org, OrganizationRetrieveResponse)
    assert org.credit_balance > 0 and org.tier.max_monthly_credit_spend == TIERS[5].monthly_credits
    assert set(org.tier.models) == set(catalog.MODELS) and set(org.usage.models) == set(catalog.MODELS)
    assert org.tier.models["gen4.5"].max_concurrent_generations == TIERS[5].concurrency


def test_a_task_is_charged_and_shows_in_usage(client):
    """1 credit per 50 characters of speech (contract §9), rounded up; usage shows today's net amount."""
    text = "Hello, welcome to RunwayML! " * 3
    before = client.organization.retrieve()
    created = client.text_to_speech.create(model="eleven_multilingual_v2", prompt_text=text,
                                           voice={"type": "runway-preset", "preset_id": "Maya"})
    task = created.wait_for_task_output(timeout=60)
    after = client.organization.retrieve()
    assert before.credit_balance - after.credit_balance == math.ceil(len(text) / 50)
    # 5.24.0: the create answer says the most it may charge; the finished task, what it did charge.
    assert created.estimated_cost.credits == task.cost.credits == math.ceil(len(text) / 50)
    model = "eleven_multilingual_v2"
    assert after.usage.models[model].daily_generations == before.usage.models[model].daily_generations + 1

    today = datetime.now(UTC).date()
    for usage in (client.organization.retrieve_usage(),
                  client.organization.retrieve_usage(start_date=today, before_date=today + timedelta(days=1)),
                  client.organization.retrieve_usage(start_date=str(today - timedelta(days=29)))):
        assert isinstance(usage, OrganizationRetrieveUsageResponse)
        assert model in usage.models
        day = next(r for r in usage.results if r.date == today)
        assert any(u.model == model and u.amount > 0 for u in day.used_credits)


def test_usage_for_a_past_window_is_empty(client):
    usage = client.organization.retrieve_usage(start_date=date(2020, 1, 1), before_date=date(2020, 2, 1))
    assert usage.models == [] and usage.results == []


# -- errors ----------------------------------------------------------------------------------------
def test_bad_request(client):
    with pytest.raises(runwayml.BadRequestError) as e:
        client.text_to_video.create(model="gen4.5", prompt_text="A kite", ratio="1280:720", duration=11)
    assert e.value.status_code == 400
    assert e.value.body["error"] and e.value.body["issues"][0]["path"] == ["duration"]


def test_seed_error_handling_pattern(client):
    """The seed's `except APIError as e: print(e.status_code, e.message)` works for a refused create."""
    try:
        client.image_to_video.create(model="gen4_turbo", prompt_image="https://example.com/image.jpg",
                                     ratio="9:16").wait_for_task_output()
    except runwayml.RateLimitError:
        pytest.fail("not rate limited")
    except runwayml.APIError as e:
        assert e.status_code == 400 and "ratio" in e.message
    else:
        pytest.fail("the sandbox accepted ratio 9:16")


def test_wrong_key_is_an_authentication_error(sandbox):
    with strict_client(sandbox, api_key="not-" + API_KEY, max_retries=0) as wrong:
        with pytest.raises(runwayml.AuthenticationError) as e:
            wrong.organization.retrieve()
    assert e.value.status_code == 401


def test_unsupported_api_version_is_a_bad_request(sandbox):
    with strict_client(sandbox, runway_version="2020-01-01") as old:
        with pytest.raises(runwayml.BadRequestError):
            old.organization.retrieve()


def test_unknown_task_is_not_found(client):
    unknown = str(uuid.uuid4())
    with pytest.raises(runwayml.NotFoundError):
        client.tasks.retrieve(unknown)
    with pytest.raises(runwayml.NotFoundError):
        client.tasks.delete(unknown)


# -- the rate limiter ------------------------------------------------------------------------------
RATE = 5  # requests per second, with a burst of as many: far below what a client sends in a loop


@pytest.fixture
def limited():
    with serve(time_scale=1.0, api_key=API_KEY, rate_limit=RATE) as sb:
        yield sb


def counting_client(sb, statuses: list[int], **kw) -> runwayml.RunwayML:
    hook = {"response": [lambda r: statuses.append(r.status_code)]}
    return strict_client(sb, http_client=httpx.Client(event_hooks=hook), **kw)


def test_rate_limited_without_retries_is_a_rate_limit_error(limited):
    statuses: list[int] = []
    with counting_client(limited, statuses, max_retries=0) as c:
        with pytest.raises(runwayml.RateLimitError) as e:
            for _ in range(10 * RATE):
                c.organization.retrieve()
    assert statuses[-1] == 429 and statuses.count(429) == 1, "max_retries=0: the first 429 is raised"
    assert statuses.count(200) >= RATE
    headers = e.value.response.headers
    assert e.value.status_code == 429 and int(headers["retry-after"]) >= 1 and float(headers["retry-after-ms"]) > 0


def test_sdk_retries_ride_through_the_rate_limiter(limited):
    statuses: list[int] = []
    with counting_client(limited, statuses) as c:  # default max_retries=2, waits retry-after-ms
        for _ in range(RATE + 3):
            c.organization.retrieve()
    assert 429 in statuses and statuses.count(200) == RATE + 3
