"""Server-side WOO X rate limits: the client's endpoint table (`venues/woox/constants.py`) enforced
with the shared pure `SlidingWindow`, public calls per IP, private ones per account (all keys of an
account share them), per symbol where the table says so. Only admitted calls are recorded."""

from __future__ import annotations

import time
from collections.abc import Callable

from alphaloop.venues.ratelimit import SlidingWindow
from alphaloop.venues.sim.server.config import RateLimitConfig
from alphaloop.venues.woox.constants import Endpoint


class WooxServerRateLimiter:
    """Decides whether one request fits; the clock is injected so tests never sleep."""

    def __init__(self, config: RateLimitConfig, clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self._clock = clock
        self._windows: dict[str, SlidingWindow] = {}
        self.refused = 0

    @staticmethod
    def scope(endpoint: Endpoint, ip: str, account: str | None, symbol: str | None) -> str:
        owner = account if endpoint.private and account is not None else f"ip:{ip}"
        key = f"{owner}/{endpoint.quota.name}"
        return f"{key}@{symbol}" if endpoint.per_symbol and symbol else key

    def admit(self, endpoint: Endpoint, ip: str, account: str | None, symbol: str | None = None) -> bool:
        if not self.config.enabled:
            return True
        key = self.scope(endpoint, ip, account, symbol)
        window = self._windows.get(key)
        if window is None:
            window = self._windows[key] = SlidingWindow(endpoint.quota)
        if window.try_acquire(self._clock()):
            return True
        self.refused += 1
        return False

    def usage(self) -> dict[str, int]:
        now = self._clock()
        return {key: window.used(now) for key, window in self._windows.items()}

    def reset(self) -> None:
        self._windows.clear()
        self.refused = 0
