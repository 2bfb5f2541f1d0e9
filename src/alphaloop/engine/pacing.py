"""One limiter for every money call of an account: entries, exits, stops and cancels.

The competition allows 10 order calls per second. The limiter keeps a margin below it: at most
`limit` (default 8, never above 10) calls in any sliding second, each measured when it is *sent*
(the time is taken after the wait, immediately before the request leaves, with no await in
between), so a slow journal write or a late wake-up cannot bunch 11 calls into one venue second.

After a restart the new process does not know what the old one sent moments before it died:
`seed()` loads the calls the journal recorded in the last second.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable

from alphaloop.risk.rules import ORDER_RATE_WINDOW_MS, order_call_wait_ms

#: the competition's cap on order calls per second; the limiter never allows more
VENUE_ORDER_CALLS_PER_SECOND = 10


class MoneyCallLimiter:
    """Sliding one-second window over wall-clock send times (ms)."""

    def __init__(
        self,
        limit: int,
        *,
        wall: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if not 1 <= limit <= VENUE_ORDER_CALLS_PER_SECOND:
            raise ValueError(f"money calls per second must be 1..{VENUE_ORDER_CALLS_PER_SECOND}, not {limit}")
        self.limit = limit
        self.wall = wall
        self.sleep = sleep
        self._sent: deque[int] = deque(maxlen=4 * VENUE_ORDER_CALLS_PER_SECOND)

    def now_ms(self) -> int:
        return int(self.wall() * 1000)

    @property
    def sent_ms(self) -> list[int]:
        """Send times (wall ms) of the recent calls, oldest first."""
        return list(self._sent)

    def seed(self, times_ms: Iterable[int]) -> None:
        """Calls another process (or an earlier life of this one) sent lately."""
        for at in sorted(times_ms):
            self._sent.append(at)

    def wait_ms(self) -> int:
        """How long until one more call fits (0: now)."""
        return order_call_wait_ms(list(self._sent), self.now_ms(), self.limit)

    async def wait_for_slot(self) -> None:
        """Until one more call fits, without taking the slot."""
        while (wait := self.wait_ms()) > 0:
            await self.sleep(wait / 1000)

    async def acquire(self) -> int:
        """Wait for a slot and take it: the returned send time is recorded before any other
        coroutine can run, so the caller must send right away."""
        while True:
            wait = self.wait_ms()
            if wait <= 0:
                at = self.now_ms()
                self._sent.append(at)
                return at
            await self.sleep(wait / 1000)

    def in_window(self, at_ms: int) -> int:
        """Calls sent in the second ending at `at_ms`."""
        return sum(1 for t in self._sent if at_ms - ORDER_RATE_WINDOW_MS < t <= at_ms)
