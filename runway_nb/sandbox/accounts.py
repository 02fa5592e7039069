"""The organization: API key, tier limits, credits, daily quotas, rate limit and the usage ledger.

Kept apart from the task state machine because these rules are about money and permission, not
time: a create is checked here (quota, then balance) before anything exists, and every charge and
refund is written to one ledger that both GET /v1/organization and the usage report read.
"""

from __future__ import annotations

import hmac
import math
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from .. import catalog

DAY = 24 * 3600.0
DEFAULT_CREDITS = 10_000  # $100: the tier-1 monthly cap


@dataclass(frozen=True)
class Tier:
    """Limits per model, from Runway's published tiers (contract §8)."""

    concurrency: int
    daily: int
    monthly_credits: int


TIERS = {
    1: Tier(2, 200, 10_000),
    2: Tier(3, 1_000, 50_000),
    3: Tier(5, 2_000, 200_000),
    4: Tier(10, 10_000, 2_000_000),
    5: Tier(20, 30_000, 10_000_000),
}


class Refusal(Exception):
    """An HTTP refusal decided by the engine: status, JSON body, extra headers."""

    def __init__(self, status: int, body: dict, headers: dict | None = None) -> None:
        super().__init__(body.get("error", ""))
        self.status, self.body, self.headers = status, body, headers or {}


def _per_model(value: int | dict | None, model: str, fallback: int) -> int:
    if isinstance(value, dict):
        return int(value.get(model, fallback))
    return fallback if value is None else int(value)


class Accounts:
    """One organization's standing. Called by the Engine with its lock held."""

    def __init__(self, engine, *, tier: int = 1, credits: int | None = None, concurrency: int | dict | None = None,
                 daily_limit: int | dict | None = None, rate_limit: float | None = None) -> None:
        if tier not in TIERS:
            raise ValueError(f"tier must be one of {sorted(TIERS)}, not {tier!r}")
        self._engine = engine
        self.tier, self._concurrency, self._daily = tier, concurrency, daily_limit
        self.balance = DEFAULT_CREDITS if credits is None else int(credits)
        self.charged = self.refunded = 0
        self.rate_limit = rate_limit
        self._tokens, self._tokens_at = float(rate_limit or 0), None
        self._created: dict[str, list[float]] = defaultdict(list)  # model -> clock times of creates
        self._ledger: list[tuple[float, str, int]] = []  # (epoch seconds, model, +charge/-refund)

    # -- permission --------------------------------------------------------------------------------
    def authorize(self, authorization: str | None, version: str | None, *, need_version: bool = True) -> None:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Refusal(401, {"error": "Missing API key: send the header 'Authorization: Bearer <API secret>'."})
        key = self._engine.api_key
        if key and not hmac.compare_digest(token.strip().encode(), key.encode()):
            raise Refusal(401, {"error": "Invalid API key: check RUNWAYML_API_SECRET."})
        if not need_version:
            return
        if version is None:
            raise Refusal(400, {"error": f"Missing header X-Runway-Version; send 'X-Runway-Version: {catalog.API_VERSION}'."})
        if version != catalog.API_VERSION:
            raise Refusal(400, {"error": f"Unknown API version {version[:40]!r} in X-Runway-Version; "
                                         f"the supported version is {catalog.API_VERSION}."})

    def rate_check(self, now: float) -> None:
        """Token bucket of rate_limit requests per second (burst of the same size): 429 + Retry-After."""
        rate = self.rate_limit
        if not rate:
            return
        if self._tokens_at is not None:
            self._tokens = min(max(1.0, rate), self._tokens + (now - self._tokens_at) * rate)
        self._tokens_at = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return
        wait = (1.0 - self._tokens) / rate
        raise Refusal(429, {"error": f"Too many requests: at most {rate:g} per second. Retry after {wait:.2f} s."},
                      {"Retry-After": str(max(1, math.ceil(wait))), "retry-after-ms": f"{wait * 1000:.0f}"})

    # -- limits ------------------------------------------------------------------------------------
    def concurrency(self, model: str) -> int:
        return max(1, _per_model(self._concurrency, model, TIERS[self.tier].concurrency))

    def daily_limit(self, model: str) -> int:
        return _per_model(self._daily, model, TIERS[self.tier].daily)

    def daily_count(self, model: str, now: float) -> int:
        times = self._created[model]
        while times and times[0] <= now - DAY:
            times.pop(0)
        return len(times)

    def check_create(self, model: str, credits: int, now: float) -> None:
        """Quota (429), then balance (400): refused before anything is created."""
        limit = self.daily_limit(model)
        if self.daily_count(model, now) >= limit:
            raise Refusal(429, {"error": f"Daily generation limit reached for {model}: {limit} tasks in the last "
                                         f"24 hours (tier {self.tier}). Try again later or move to a higher tier."})
        if credits > self.balance:
            raise Refusal(400, {"error": "You do not have enough credits to run this task",
                                "requiredCredits": credits, "creditBalance": self.balance})

    # -- money -------------------------------------------------------------------------------------
    def charge(self, task, now: float) -> None:
        self.balance -= task.credits
        self.charged += task.credits
        self._created[task.model].append(now)
        self._ledger.append((self._engine.wall(now), task.model, task.credits))

    def refund(self, task, now: float) -> None:
        task.refunded = task.credits
        self.balance += task.credits
        self.refunded += task.credits
        self._ledger.append((self._engine.wall(now), task.model, -task.credits))

    def organization(self, now: float) -> dict:
        """GET /v1/organization, contract §7.1: every number an int."""
        return {
            "creditBalance": int(self.balance),
            "tier": {
                "maxMonthlyCreditSpend": TIERS[self.tier].monthly_credits,
                "models": {m: {"maxConcurrentGenerations": self.concurrency(m),
                               "maxDailyGenerations": self.daily_limit(m)} for m in catalog.MODELS},
            },
            "usage": {"models": {m: {"dailyGenerations": self.daily_count(m, now)} for m in catalog.MODELS}},
        }

    def usage(self, start: str | None, before: str | None) -> dict:
        """POST /v1/organization/usage, contract §7.2: net credits per UTC day and model."""
        today = datetime.fromtimestamp(self._engine.wall(), UTC).date()
        # Unconfirmed default: the 30 days ending today, inclusive (today's usage is what a sandbox has).
        first = _date("startDate", start) if start is not None else today - timedelta(days=29)
        end = _date("beforeDate", before) if before is not None else first + timedelta(days=30)
        if end <= first:
            raise Refusal(400, {"error": f"beforeDate {end} must be after startDate {first}."})
        if end > first + timedelta(days=90):
            raise Refusal(400, {"error": f"beforeDate {end} is more than 90 days after startDate {first}."})
        days: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for wall, model, amount in self._ledger:
            day = datetime.fromtimestamp(wall, UTC).date()
            if first <= day < end:
                days[day][model] += amount
        models = sorted({m for per in days.values() for m in per})
        results = [{"date": d.isoformat(), "usedCredits": [{"model": m, "amount": int(a)} for m, a in sorted(per.items())]}
                   for d, per in sorted(days.items())]
        return {"models": models, "results": results}


def _date(name: str, value: object) -> date:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise Refusal(400, {"error": f"{name} must be a date written YYYY-MM-DD, not {value!r}."})
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Refusal(400, {"error": f"{name} {value!r} is not a real date."}) from None
