"""poll_schedule: a pure function, checked case by case and in simulation against the SDK's polling.

The simulated tasks progress like the sandbox's (and, roughly, the real service's): a short PENDING,
then uneven progress with stalls, on a duration the client can only guess. Time is a FakeClock, so
thousands of task lifecycles take well under a second.
"""

from __future__ import annotations

import asyncio
import random
import statistics

import pytest

from runway_nb.poll import (
    POLICY,
    FakeClock,
    Sample,
    budget,
    expected_seconds,
    learn,
    poll_schedule,
    predict_end,
)


def running(*points: tuple[float, float]) -> list[Sample]:
    return [Sample(t, "RUNNING", p) for t, p in points]


# -- single decisions ---------------------------------------------------------------------------------
@pytest.mark.parametrize("typical", [None, 2.0, 10.0, 60.0, 600.0])
def test_first_poll_never_later_than_the_sdks(typical):
    delay = poll_schedule([], 0.0, typical=typical)
    assert POLICY.first_min <= delay <= POLICY.first_max


def test_pure_same_inputs_same_answer():
    samples = running((5, 0.2), (12, 0.5))
    assert poll_schedule(samples, 12, typical=30) == poll_schedule(list(samples), 12, typical=30)


def test_sparse_while_the_end_is_far_dense_near_it():
    far = poll_schedule(running((10, 0.1)), 10)  # 10% after 10 s: ~90 s to go
    near = poll_schedule(running((10, 0.5), (18, 0.9)), 18)  # ~2 s to go
    assert far >= 8 and near <= 3
    assert far > 3 * near


def test_lands_just_after_the_predicted_end():
    samples = running((10, 0.5), (17.5, 0.875))  # steady 5%/s: ends at t=20
    assert predict_end(samples) == pytest.approx(20)
    assert 17.5 + poll_schedule(samples, 17.5) == pytest.approx(20 + POLICY.land_after)


def test_a_learning_poll_goes_most_of_the_way_to_the_end():
    samples = running((6, 0.2))  # ends at 30 (24 s to go) with budget to spare
    assert poll_schedule(samples, 6) == pytest.approx(min(POLICY.approach * 24, POLICY.max_gap))


def test_an_early_stall_cannot_push_the_next_poll_out_of_reach():
    samples = running((5, 0.01))  # a stall makes the average rate tiny: predicted end ~500 s
    assert poll_schedule(samples, 5) == POLICY.max_gap


def test_a_stall_near_the_end_backs_off_to_the_sdks_rate_not_further():
    samples = running((10, 0.5), (18, 0.9))
    gaps, t = [], 18.0
    for _ in range(12):  # stuck at 99% (the service is still encoding)
        gap = poll_schedule(samples, t)
        gaps.append(gap)
        t += gap
        samples.append(Sample(t, "RUNNING", 0.99))
    assert gaps[1:] == sorted(gaps[1:])  # never denser after a miss
    assert max(gaps) <= POLICY.sdk_interval
    assert gaps[-1] == POLICY.sdk_interval


@pytest.mark.parametrize("status", ["PENDING", "THROTTLED"])
def test_waiting_states_poll_no_faster_than_every_two_seconds_up_to_the_sdks_rate(status):
    samples, t = [], 0.0
    for _ in range(10):
        t += poll_schedule(samples, t, typical=30)
        samples.append(Sample(t, status, 0.0))
    gaps = [b.t - a.t for a, b in zip(samples, samples[1:], strict=False)]
    assert all(POLICY.waiting_min <= g <= POLICY.sdk_interval for g in gaps)
    assert gaps[-1] == POLICY.sdk_interval


def test_retry_after_is_a_floor():
    assert poll_schedule(running((10, 0.5), (18, 0.9)), 18, retry_after=30) == 30


def test_the_budget_is_the_sdks_average_count():
    # the SDK sleeps 6 s +- 1.5 s before each request: by 30 s it has made 5 or 6 (5.5 on average)
    assert budget(30) == pytest.approx(5.5)


# -- the clock ----------------------------------------------------------------------------------------
@pytest.mark.anyio
async def test_fake_clock_wakes_sleepers_in_time_order_without_waiting():
    clock, woke = FakeClock(), []

    async def sleeper(name: str, seconds: float) -> None:
        await clock.sleep(seconds)
        woke.append((name, clock.now()))

    await asyncio.gather(sleeper("c", 600), sleeper("a", 1), sleeper("b", 30))
    assert woke == [("a", 1), ("b", 30), ("c", 600)]


# -- simulation against the SDK ------------------------------------------------------------------------
class SimTask:
    """Uneven progress with stalls, like the sandbox: 10 equal stretches of random speed, some zero."""

    def __init__(self, rng: random.Random, seconds: float) -> None:
        self.end = seconds * min(1.8, max(0.6, rng.lognormvariate(0, 0.2)))
        self.pending = self.end * rng.uniform(0.03, 0.12)
        steps = [0.0 if rng.random() < 0.15 else rng.uniform(0.2, 1.5) for _ in range(10)]
        steps[-1] = steps[-1] or 0.5
        self.knots = [sum(steps[:i]) / sum(steps) for i in range(11)]

    def observe(self, t: float) -> Sample:
        if t >= self.end:
            return Sample(t, "SUCCEEDED", 1.0)
        if t < self.pending:
            return Sample(t, "PENDING", 0.0)
        x = (t - self.pending) / (self.end - self.pending) * 10
        i = min(int(x), 9)
        return Sample(t, "RUNNING", min(0.99, self.knots[i] + (self.knots[i + 1] - self.knots[i]) * (x - i)))


async def follow(task: SimTask, clock: FakeClock, typical: float) -> tuple[float, int]:
    """(seconds late, requests made) for runway_nb's schedule."""
    samples: list[Sample] = []
    while not samples or samples[-1].status != "SUCCEEDED":
        await clock.sleep(poll_schedule(samples, clock.now(), typical=typical))
        samples.append(task.observe(clock.now()))
    return clock.now() - task.end, len(samples)


async def follow_like_the_sdk(task: SimTask, clock: FakeClock, rng: random.Random) -> tuple[float, int]:
    """The official SDK's wait_for_task_output: sleep 6 s +- 1.5 s, then ask; repeat."""
    count = 0
    while True:
        await clock.sleep(6 + rng.random() * 3 - 1.5)
        count += 1
        if task.observe(clock.now()).status == "SUCCEEDED":
            return clock.now() - task.end, count


@pytest.mark.anyio
@pytest.mark.parametrize("guess", [1.0, 0.3, 3.0])  # typical_seconds right, 3x too long, 3x too short
async def test_in_simulation_we_notice_sooner_with_no_more_requests_than_the_sdk(guess):
    rng = random.Random(7)
    ours_late, ours_n, sdk_late, sdk_n = [], [], [], []
    for seconds in (15, 20, 25, 30, 40) * 60:
        task = SimTask(rng, seconds)
        late, n = await follow(task, FakeClock(), typical=seconds * guess)
        ours_late.append(late)
        ours_n.append(n)
        late, n = await follow_like_the_sdk(task, FakeClock(), rng)
        sdk_late.append(late)
        sdk_n.append(n)
    assert min(ours_late) >= 0  # never claims an end it has not seen
    assert statistics.median(ours_late) < 1.0 < statistics.median(sdk_late)
    assert statistics.mean(ours_n) <= statistics.mean(sdk_n)


def test_a_model_only_the_sdk_describes_gets_its_kinds_typical_time():
    # Without one, its first poll waited for the longest first gap (about 6 s) however quick the task.
    video = expected_seconds("kling3.0_pro", "/v1/text_to_video", {"duration": 10})
    image = expected_seconds("gpt_image_2", "/v1/text_to_image", {})
    assert video is not None and image is not None and video > image > 0
    longer = expected_seconds("kling3.0_pro", "/v1/text_to_video", {"duration": 15})
    assert longer > video
    assert expected_seconds("kling3.0_pro", "/v1/no_such_operation", {}) is None
    # What the server's tasks taught (a sandbox runs many times faster) now applies to it too.
    learn("http://fast.test", expected=60.0, before=1.0, after=1.0)
    quick = expected_seconds("gpt_image_2", "/v1/text_to_image", {}, server="http://fast.test")
    assert quick < image / 10
    assert poll_schedule([], now=0.0, typical=quick) < poll_schedule([], now=0.0, typical=None) / 3
