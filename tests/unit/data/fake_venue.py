"""An in-memory venue with WEEX's paging rules, for download tests without sockets.

Candles up to `now_ms` are served, the one containing `now_ms` still forming (as WEEX does).
`fetch_ohlcv` with `until` returns at most 100 bars ending at `until`; with `since` only, the
bars in [since, since + limit bars); with neither, the latest `limit` bars.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from decimal import Decimal

from alphaloop.model import Candle, ExchangeUnavailableError, FundingRate
from alphaloop.model.market import TIMEFRAME_MS

MAX_ROWS = 100


def make_candle(ts: int, price: float = 100.0) -> Candle:
    p = Decimal(str(price))
    return Candle(ts, p, p + 2, p - 1, p + 1, Decimal("10.5"))


@dataclass
class FakeVenue:
    now_ms: int
    #: open times per (unified symbol, timeframe); prices derive from the index
    times: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    funding: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    name: str = "fake"
    #: raise ExchangeUnavailableError on the candle call with this number (1-based), once
    fail_on_call: int | None = None
    calls: list[tuple[str, int | None, int | None, int | None]] = field(default_factory=list)

    async def fetch_time(self) -> int:
        return self.now_ms

    async def fetch_ohlcv(
        self,
        symbol: str,
        timeframe: str = "1h",
        *,
        since: int | None = None,
        until: int | None = None,
        limit: int | None = None,
    ) -> list[Candle]:
        self.calls.append((symbol, since, until, limit))
        if self.fail_on_call is not None and len(self.calls) == self.fail_on_call:
            self.fail_on_call = None
            raise ExchangeUnavailableError("simulated outage", venue=self.name)
        times = [t for t in self.times.get((symbol, timeframe), []) if t <= self.now_ms]
        count = min(limit or MAX_ROWS, MAX_ROWS)
        if until is not None:
            stop = bisect.bisect_right(times, until)
            chosen = times[max(0, stop - count) : stop]
        elif since is not None:
            end = since + count * TIMEFRAME_MS[timeframe]
            chosen = [t for t in times if since <= t < end]
        else:
            chosen = times[-count:]
        return [make_candle(t, 100.0 + (t // TIMEFRAME_MS[timeframe]) % 50) for t in chosen]

    async def fetch_funding_rate_history(self, symbol: str, *, limit: int | None = None) -> list[FundingRate]:
        settled = [(t, r) for t, r in self.funding.get(symbol, []) if t <= self.now_ms]
        newest = settled[-(limit or 10) :]
        return [FundingRate(symbol, Decimal(r), timestamp=t) for t, r in reversed(newest)]

    @property
    def candle_calls(self) -> int:
        return len(self.calls)
