"""Sliding-window weight budgets, shared by venue clients (which wait) and the simulator (which refuses).

Written by hand because the job is tiny and must be exact: a rolling window of (time, weight)
records, no token-bucket approximation, with an injected clock so tests need no sleeping.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass


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
            raise ValueError(f"weight {weight} exceeds the whole quota {self.quota.name} ({self.quota.limit})")
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
