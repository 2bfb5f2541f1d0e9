"""The engine's one clock: market time in ms, injected into the trader and its loop.

Daily limits, fill look-backs, bar scheduling, the minimum entry interval and every timestamp the
trader journals read this clock, so a 20-day round replayed on the simulator in minutes behaves
like 20 real days.

* `WallClock`: the local wall clock (tests, the in-process paper venue on live prices).
* `VenueClock`: the venue's own time, read with `fetch_time()`. Live, it follows the wall clock
  between synchronisations (`follow_wall=True`: a venue-synced wall clock). Against
  `alphaloop sim serve` (`follow_wall=False`) it is the simulator's time as last read, which may
  stand still or jump when the simulator is advanced: it never runs ahead of the venue, so the
  trader never asks for a bar the venue has not closed yet. It never goes backwards.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Protocol


class EngineClock(Protocol):
    """Market time in ms; `sync()` refreshes it from its source (a no-op for the wall clock)."""

    def __call__(self) -> int: ...

    async def sync(self) -> int: ...


class WallClock:
    def __init__(self, wall: Callable[[], float] = time.time) -> None:
        self.wall = wall

    def __call__(self) -> int:
        return int(self.wall() * 1000)

    async def sync(self) -> int:
        return self()


class VenueClock:
    """The venue's time: synchronised by `sync()`, in between frozen or following the wall."""

    def __init__(
        self,
        fetch_time: Callable[[], Awaitable[int]],
        *,
        follow_wall: bool,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self._fetch_time = fetch_time
        self.follow_wall = follow_wall
        self.wall = wall
        self._venue_ms: int | None = None
        self._wall_at_sync = 0.0
        self._last = 0

    @property
    def synced(self) -> bool:
        return self._venue_ms is not None

    async def sync(self) -> int:
        before = self.wall()
        venue_ms = int(await self._fetch_time())
        after = self.wall()
        self._venue_ms = venue_ms
        # the answer was stamped somewhere in the round trip: its middle is the best guess
        self._wall_at_sync = (before + after) / 2
        return self()

    def __call__(self) -> int:
        if self._venue_ms is None:
            raise RuntimeError("VenueClock read before its first sync()")
        now = self._venue_ms
        if self.follow_wall:
            now += int((self.wall() - self._wall_at_sync) * 1000)
        self._last = max(self._last, now)
        return self._last
