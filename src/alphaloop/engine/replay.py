"""An offline market for the trader: the simulator core replaying stored bars behind the venue port.

`alphaloop run` (the embedded default) drives the real trading cycle (gate, journal, orders,
AI-log uploads) through this: the clock is simulated time, advanced one bar close at a time;
each bar is applied to the core as a price path at its close time (so stops and liquidations fire
inside the bar) and funding is settled at its settlement times, the order the backtest uses.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from alphaloop.model import Candle, FundingRate
from alphaloop.model.frame import MarketFrame
from alphaloop.venues.sim.core import Exchange, ExchangeConfig
from alphaloop.venues.sim.server.contracts import default_instruments
from alphaloop.venues.sim.venue import SimVenue

REPLAY_ACCOUNT = "replay"


def _decimal(value: float) -> Decimal:
    return Decimal(repr(float(value)))


class FrameReplay:
    """The simulator core fed from a `MarketFrame`; `venue` is the trader's view of it."""

    def __init__(
        self,
        frame: MarketFrame,
        *,
        balance: Decimal,
        start_ms: int,
        config: ExchangeConfig | None = None,
    ) -> None:
        self.frame = frame
        self.step = frame.step_ms
        instruments = default_instruments(frame.symbols)
        self.exchange = Exchange(instruments, config or ExchangeConfig())
        self.now_ms = start_ms
        self._applied = int(np.searchsorted(frame.ts, start_ms - self.step, side="right"))
        self._funding_done = {
            s: int(np.searchsorted(f.ts, start_ms, side="right")) for s, f in frame.funding.items()
        }
        self.exchange.open_account(REPLAY_ACCOUNT, balance, now_ms=start_ms)
        # the core needs a price per symbol: the last bar closed before the start
        if self._applied:
            self._apply_row(self._applied - 1)
        self.venue = SimVenue(
            self.exchange,
            REPLAY_ACCOUNT,
            clock=lambda: self.now_ms,
            candles=self._candles,
            funding_history=self._funding,
        )

    def bar_closes(self, end_ms: int | None = None) -> list[int]:
        """Bar close times after the start, up to `end_ms`."""
        closes = self.frame.ts[self._applied :] + self.step
        if end_ms is not None:
            closes = closes[closes <= end_ms]
        return [int(c) for c in closes]

    def _apply_row(self, row: int) -> None:
        close_ms = int(self.frame.ts[row]) + self.step
        for symbol, bars in self.frame.bars.items():
            if np.isnan(bars.close[row]):
                continue
            candle = Candle(
                int(self.frame.ts[row]),
                _decimal(bars.open[row]),
                _decimal(bars.high[row]),
                _decimal(bars.low[row]),
                _decimal(bars.close[row]),
                _decimal(bars.volume[row]),
            )
            self.exchange.apply_candle(symbol, candle, now_ms=close_ms)

    def advance_to(self, close_ms: int) -> None:
        """Apply every bar closing by `close_ms` and every funding settlement up to it, in time order."""
        while (
            self._applied < len(self.frame.ts) and int(self.frame.ts[self._applied]) + self.step <= close_ms
        ):
            row_close = int(self.frame.ts[self._applied]) + self.step
            self.now_ms = row_close
            self._apply_row(self._applied)
            self._applied += 1
            self._settle_funding(row_close)
        self.now_ms = max(self.now_ms, close_ms)

    def _settle_funding(self, until_ms: int) -> None:
        for symbol, series in self.frame.funding.items():
            k = self._funding_done.get(symbol, 0)
            while k < len(series.ts) and int(series.ts[k]) <= until_ms:
                self.exchange.settle_funding(symbol, _decimal(series.rate[k]), now_ms=int(series.ts[k]))
                k += 1
            self._funding_done[symbol] = k

    def _candles(
        self, symbol: str, timeframe: str, since: int | None, until: int | None, limit: int | None
    ) -> list[Candle]:
        if timeframe != self.frame.timeframe:
            raise ValueError(f"the replay holds {self.frame.timeframe} bars, not {timeframe}")
        bars = self.frame.bars[symbol]
        hi = int(np.searchsorted(self.frame.ts, self.now_ms - self.step, side="right"))
        if until is not None:
            hi = min(hi, int(np.searchsorted(self.frame.ts, until, side="left")))
        lo = 0 if since is None else int(np.searchsorted(self.frame.ts, since, side="left"))
        if limit is not None:
            lo = max(lo, hi - limit)
        return [
            Candle(
                int(self.frame.ts[i]),
                _decimal(bars.open[i]),
                _decimal(bars.high[i]),
                _decimal(bars.low[i]),
                _decimal(bars.close[i]),
                _decimal(bars.volume[i]),
            )
            for i in range(lo, hi)
            if not np.isnan(bars.close[i])
        ]

    def _funding(self, symbol: str, limit: int | None) -> list[FundingRate]:
        series = self.frame.funding.get(symbol)
        if series is None:
            return []
        k = int(np.searchsorted(series.ts, self.now_ms, side="right"))
        lo = 0 if limit is None else max(0, k - limit)
        return [
            FundingRate(symbol=symbol, rate=_decimal(series.rate[i]), timestamp=int(series.ts[i]))
            for i in range(lo, k)
        ]
