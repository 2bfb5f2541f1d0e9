"""Server-side rate limits of spec section 3, built on the shared pure `SlidingWindow`.

Three independent budgets: weight per client IP, weight per API key (the UID), and a 1-second
count of the four order calls per key. A request is admitted only if every budget it touches has
room, and only an admitted request is recorded, so a refused burst does not lengthen the ban.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from alphaloop.venues.ratelimit import Quota, SlidingWindow
from alphaloop.venues.sim.server.config import RateLimitConfig
from alphaloop.venues.weex.constants import Endpoint


class ServerRateLimiter:
    """Decides whether one request fits; the clock is injected so tests never sleep."""

    def __init__(self, config: RateLimitConfig, clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self._clock = clock
        self._ip_quota = Quota("ip-weight", config.ip_weight_limit, config.window_seconds)
        self._uid_quota = Quota("uid-weight", config.uid_weight_limit, config.window_seconds)
        self._order_quota = Quota("order-calls", config.order_calls_per_second, 1.0)
        self._ip: dict[str, SlidingWindow] = {}
        self._uid: dict[str, SlidingWindow] = {}
        self._orders: dict[str, SlidingWindow] = {}
        self.refused = 0

    def admit(self, endpoint: Endpoint, ip: str, api_key: str | None) -> bool:
        """Record the request and return True if it fits every budget, else return False."""
        if not self.config.enabled:
            return True
        now = self._clock()
        windows: list[tuple[SlidingWindow, int]] = []
        ip_window = self._ip.get(ip)
        if ip_window is None:
            ip_window = self._ip[ip] = SlidingWindow(self._ip_quota)
        windows.append((ip_window, min(endpoint.ip_weight, self._ip_quota.limit)))
        if api_key is not None:
            if endpoint.uid_weight:
                uid_window = self._uid.get(api_key)
                if uid_window is None:
                    uid_window = self._uid[api_key] = SlidingWindow(self._uid_quota)
                windows.append((uid_window, min(endpoint.uid_weight, self._uid_quota.limit)))
            if endpoint.order_call:
                order_window = self._orders.get(api_key)
                if order_window is None:
                    order_window = self._orders[api_key] = SlidingWindow(self._order_quota)
                windows.append((order_window, 1))
        for window, weight in windows:
            if window.wait_time(now, weight) > 0:
                self.refused += 1
                return False
        for window, weight in windows:
            window.record(now, weight)
        return True

    def usage(self) -> dict[str, dict[str, int]]:
        """Current weight used per scope, for the admin state dump."""
        now = self._clock()
        return {
            "ip": {k: w.used(now) for k, w in self._ip.items()},
            "uid": {k: w.used(now) for k, w in self._uid.items()},
            "order_calls": {k: w.used(now) for k, w in self._orders.items()},
        }

    def reset(self) -> None:
        self._ip.clear()
        self._uid.clear()
        self._orders.clear()
        self.refused = 0
