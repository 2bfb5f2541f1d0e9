"""Sliding-window weight budgets, shared by venue clients (which wait) and the simulator (which refuses).

Two client-side shapes, one per kind of venue table:

* `AsyncRateLimiter`: several named quotas, each request charged a weight per quota (WEEX: IP
  weight, UID weight, order calls per second);
* `KeyedRateLimiter`: one rolling window per key (a quota name, or quota@symbol for per-symbol
  budgets), created on first use (WOO X: one budget per endpoint group).

Written by hand because the job is tiny and must be exact: a rolling window of (time, weight)
records, no token-bucket approximation, with an injected clock so tests need no sleeping.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass

__all__ = ["AsyncRateLimiter", "KeyedRateLimiter", "Quota", "SlidingWindow"]


@dataclass(frozen=True, slots=True)
class Quota:
    """At most `limit` weight in any rolling `period` seconds."""

    name: str
    limit: int
    period: float


class SlidingWindow:
    """Pure rolling-window counter for one quota and one scope (an IP, a key, an endpoint group)."""

    __slots__ = ("_events", "_used", "quota")

    def __init__(self, quota: Quota) -> None:
        self.quota = quota
        self._events: deque[tuple[float, int]] = deque()
        self._used = 0

    def _expire(self, now: float) -> None:
        horizon = now - self.quota.period
        events = self._events
        while events and events[0][0] <= horizon:
            _, weight = events.popleft()
            self._used -= weight

    def used(self, now: float) -> int:
        self._expire(now)
        return self._used

    def wait_time(self, now: float, weight: int = 1) -> float:
        """Seconds until `weight` fits (0.0 if it fits now). Does not record anything."""
        if weight > self.quota.limit:
            raise ValueError(
                f"weight {weight} exceeds the whole quota {self.quota.name} ({self.quota.limit})"
            )
        self._expire(now)
        excess = self._used + weight - self.quota.limit
        if excess <= 0:
            return 0.0
        freed = 0
        for stamp, w in self._events:
            freed += w
            if freed >= excess:
                return max(0.0, stamp + self.quota.period - now)
        return self.quota.period  # unreachable: weight <= limit guarantees enough events

    def record(self, now: float, weight: int = 1) -> None:
        self._expire(now)
        self._events.append((now, weight))
        self._used += weight

    def try_acquire(self, now: float, weight: int = 1) -> bool:
        """Record and return True if `weight` fits now, else record nothing and return False."""
        if self.wait_time(now, weight) > 0:
            return False
        self.record(now, weight)
        return True


class AsyncRateLimiter:
    """Client-side limiter over several named quotas: waits until a request fits all of them.

    Each request is charged a weight per quota (`{"ip": 2, "uid": 5, "orders": 1}`); quotas not named
    cost nothing. Waiters are served one at a time in arrival order (one lock), so a heavy request
    cannot be starved by a stream of light ones. `block_for` pauses everything after the venue said
    429, because then our own accounting was evidently too optimistic.
    """

    def __init__(
        self,
        quotas: Iterable[Quota],
        *,
        clock: Callable[[], float],
        sleep: Callable[[float], Awaitable[None]],
    ) -> None:
        self._windows = {q.name: SlidingWindow(q) for q in quotas}
        self._clock = clock
        self._sleep = sleep
        self._lock = asyncio.Lock()
        self._blocked_until = float("-inf")

    @property
    def quotas(self) -> tuple[Quota, ...]:
        return tuple(w.quota for w in self._windows.values())

    def used(self, name: str) -> int:
        return self._windows[name].used(self._clock())

    def wait_time(self, costs: Mapping[str, int]) -> float:
        """Seconds until a request with these costs fits (0.0 if now). Records nothing."""
        now = self._clock()
        wait = max(0.0, self._blocked_until - now)
        for name, weight in costs.items():
            if weight > 0 and name in self._windows:
                wait = max(wait, self._windows[name].wait_time(now, weight))
        return wait

    async def acquire(self, costs: Mapping[str, int]) -> float:
        """Wait until the request fits every quota, record it, return the seconds waited."""
        waited = 0.0
        async with self._lock:
            while True:
                wait = self.wait_time(costs)
                now = self._clock()
                if wait <= 0 and self._fits(now, costs):
                    for name, weight in costs.items():
                        if weight > 0 and name in self._windows:
                            self._windows[name].record(now, weight)
                    return waited
                # float rounding can report 0.0 for an event that expires a hair later
                wait = max(wait, 1e-6)
                await self._sleep(wait)
                waited += wait

    def _fits(self, now: float, costs: Mapping[str, int]) -> bool:
        if now < self._blocked_until:
            return False
        return all(
            self._windows[name].used(now) + weight <= self._windows[name].quota.limit
            for name, weight in costs.items()
            if weight > 0 and name in self._windows
        )

    def block_for(self, seconds: float) -> None:
        """Admit nothing for `seconds` from now (extends, never shortens, an existing block)."""
        self._blocked_until = max(self._blocked_until, self._clock() + seconds)


class KeyedRateLimiter:
    """Client-side budgets kept apart by key: one `AsyncRateLimiter` of one quota per key, created on
    first use (the key names the quota and, for per-symbol budgets, the symbol). Waits; never exceeds.
    `block_for` pauses every key at once."""

    def __init__(self, *, clock: Callable[[], float], sleep: Callable[[float], Awaitable[None]]) -> None:
        self._clock = clock
        self._sleep = sleep
        self._limiters: dict[str, AsyncRateLimiter] = {}
        self._blocked_until = float("-inf")

    def _limiter(self, key: str, quota: Quota) -> AsyncRateLimiter:
        limiter = self._limiters.get(key)
        if limiter is None:
            limiter = AsyncRateLimiter([quota], clock=self._clock, sleep=self._sleep)
            self._limiters[key] = limiter
        return limiter

    async def acquire_key(self, key: str, quota: Quota) -> float:
        """Wait until one more call fits `quota` under `key`, record it, return the seconds waited."""
        waited = 0.0
        blocked = self._blocked_until - self._clock()
        if blocked > 0:
            await self._sleep(blocked)
            waited += blocked
        return waited + await self._limiter(key, quota).acquire({quota.name: 1})

    def used_key(self, key: str, quota: Quota) -> int:
        limiter = self._limiters.get(key)
        return 0 if limiter is None else limiter.used(quota.name)

    def block_for(self, seconds: float) -> None:
        """Admit nothing for `seconds` (after a 429 our own accounting was evidently optimistic)."""
        self._blocked_until = max(self._blocked_until, self._clock() + seconds)
