"""The engine's one clock (issue 12, defects 4 and 7)."""

from __future__ import annotations

import asyncio

import pytest

from alphaloop.engine.clock import VenueClock, WallClock


class Venue:
    def __init__(self, now_ms: int) -> None:
        self.now_ms = now_ms

    async def fetch_time(self) -> int:
        return self.now_ms


class Wall:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_against_the_simulator_the_clock_is_its_time_frozen_between_syncs_and_never_backwards() -> None:
    venue, wall = Venue(1_750_000_000_000), Wall()
    clock = VenueClock(venue.fetch_time, follow_wall=False, wall=wall)
    with pytest.raises(RuntimeError, match="before its first sync"):
        clock()
    assert asyncio.run(clock.sync()) == 1_750_000_000_000
    wall.now += 30  # the wall moves, the simulator stands still: so does the clock
    assert clock() == 1_750_000_000_000
    venue.now_ms += 86_400_000  # advanced by a day through the admin API
    assert asyncio.run(clock.sync()) == 1_750_086_400_000
    venue.now_ms -= 5_000  # a stale answer never moves time backwards
    assert asyncio.run(clock.sync()) == 1_750_086_400_000


def test_live_the_clock_is_the_venue_synced_wall() -> None:
    venue, wall = Venue(1_800_000_000_500), Wall()
    clock = VenueClock(venue.fetch_time, follow_wall=True, wall=wall)
    asyncio.run(clock.sync())
    wall.now += 2.0
    assert clock() == 1_800_000_002_500
    assert WallClock(wall)() == 1_800_000_002_000
