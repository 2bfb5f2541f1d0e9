"""Clocks: the injectable time source, and the venue-time offset that keeps signatures inside a
venue's timestamp window (WEEX: 30 s, spec section 2.3; WOO X: 300 s).

Signed requests carry a timestamp (WEEX `ACCESS-TIMESTAMP`, WOO X `x-api-timestamp`); if our wall
clock is off by more than the window the venue refuses them. `ServerClock` measures the offset
against the venue's time endpoint (the dialect's `server_time` hook) and stamps requests with wall
time + offset. It asks for a resync when the measurement is old, and when the wall clock
jumped relative to the monotonic clock since the last sync (NTP step, VM resume): in both cases the
stored offset no longer describes reality.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol

__all__ = ["DEFAULT_WINDOW_MS", "SYSTEM_CLOCK", "Clock", "ServerClock", "SystemClock"]

#: WEEX's window, the tighter of the two dialects; a dialect passes its own to `ServerClock`.
DEFAULT_WINDOW_MS = 30_000


class Clock(Protocol):
    """Time source; tests inject a fake whose `sleep` advances time instead of waiting."""

    def time(self) -> float:
        """Wall-clock seconds since the Unix epoch."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never jumps."""
        ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock."""

    def time(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


SYSTEM_CLOCK = SystemClock()


class ServerClock:
    """Venue time = local wall time + a measured offset (ms)."""

    def __init__(
        self,
        clock: Clock,
        *,
        resync_interval: float = 300.0,
        jump_tolerance_ms: int = 2_000,
        window_ms: int = DEFAULT_WINDOW_MS,
    ) -> None:
        self._clock = clock
        self.window_ms = window_ms
        self.resync_interval = resync_interval
        self.jump_tolerance_ms = jump_tolerance_ms
        self.offset_ms = 0
        self._synced_wall_ms: int | None = None
        self._synced_mono: float | None = None

    @property
    def synced(self) -> bool:
        return self._synced_mono is not None

    def local_ms(self) -> int:
        return round(self._clock.time() * 1000)

    def now_ms(self) -> int:
        """Best estimate of the venue's clock, in ms: what goes into the signed timestamp header."""
        return self.local_ms() + self.offset_ms

    def update(self, server_ms: int, local_before_ms: int, local_after_ms: int) -> None:
        """Record one measurement; the server stamped its answer about halfway through the round trip."""
        midpoint = (local_before_ms + local_after_ms) // 2
        self.offset_ms = server_ms - midpoint
        self._synced_wall_ms = local_after_ms
        self._synced_mono = self._clock.monotonic()

    def invalidate(self) -> None:
        """Force a resync before the next signed request (e.g. after a refused timestamp)."""
        self._synced_mono = None

    def clock_jump_ms(self) -> int:
        """How far the wall clock moved relative to the monotonic clock since the last sync."""
        if self._synced_mono is None or self._synced_wall_ms is None:
            return 0
        wall_elapsed = self.local_ms() - self._synced_wall_ms
        mono_elapsed = int((self._clock.monotonic() - self._synced_mono) * 1000)
        return wall_elapsed - mono_elapsed

    def needs_sync(self) -> bool:
        if self._synced_mono is None:
            return True
        if self._clock.monotonic() - self._synced_mono >= self.resync_interval:
            return True
        return abs(self.clock_jump_ms()) > self.jump_tolerance_ms

    @property
    def outside_window(self) -> bool:
        """True when the local clock alone would be refused by the venue."""
        return abs(self.offset_ms) > self.window_ms
