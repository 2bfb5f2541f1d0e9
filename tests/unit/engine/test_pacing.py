"""The money-call limiter: at most `limit` sends in any sliding second, measured at send time
(issue 12, observed defect 2: 11 calls reached the venue inside one second)."""

from __future__ import annotations

import asyncio
import random

import pytest

from alphaloop.engine.pacing import MoneyCallLimiter


class FakeWall:
    def __init__(self) -> None:
        self.now = 1_750_000_000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0005)


def max_in_any_second(times_ms: list[int]) -> int:
    times = sorted(times_ms)
    return max(sum(1 for u in times if t <= u < t + 1000) for t in times)


@pytest.mark.parametrize("limit", [1, 5, 8, 10])
def test_no_sliding_second_holds_more_than_the_limit_whatever_the_latency(limit: int) -> None:
    wall = FakeWall()
    pacer = MoneyCallLimiter(limit, wall=wall, sleep=wall.sleep)
    rng = random.Random(limit)
    sent: list[int] = []

    async def burst() -> None:
        for _ in range(60):
            sent.append(await pacer.acquire())
            # the call itself and the journal write take a while, sometimes long
            wall.now += rng.choice([0.0, 0.001, 0.02, 0.3, 0.9])

    asyncio.run(burst())
    assert max_in_any_second(sent) == limit


def test_calls_of_a_previous_process_count_after_a_restart() -> None:
    wall = FakeWall()
    pacer = MoneyCallLimiter(8, wall=wall, sleep=wall.sleep)
    earlier = [int(wall.now * 1000) - 100 + i for i in range(8)]
    pacer.seed(earlier)
    before = wall.now
    at = asyncio.run(pacer.acquire())
    assert wall.now > before  # it had to wait for the oldest seeded call to leave the window
    assert max_in_any_second([*earlier, at]) == 8


@pytest.mark.parametrize("limit", [0, 11, 100])
def test_a_limit_outside_one_to_ten_is_refused(limit: int) -> None:
    with pytest.raises(ValueError, match=r"1\.\.10"):
        MoneyCallLimiter(limit)
