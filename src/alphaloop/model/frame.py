"""Bars of several symbols on one time grid: the input of features, strategies and backtests.

Float64 numpy arrays, not Decimal: this is the analysis side. The order path converts to the
venue's precision only when an order is built.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from alphaloop.model.market import TIMEFRAME_MS
from alphaloop.model.snapshot import CandleWindow, FloatArray, IntArray


@dataclass(frozen=True, slots=True)
class Bars:
    """One symbol's OHLCV aligned to the frame's grid; NaN where the symbol has no bar."""

    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray

    def valid(self) -> np.ndarray:
        return ~np.isnan(self.close)


@dataclass(frozen=True, slots=True)
class FundingSeries:
    """Funding settlements: time in ms and the rate (longs pay rate * notional when positive)."""

    ts: IntArray
    rate: FloatArray

    @staticmethod
    def empty() -> FundingSeries:
        return FundingSeries(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))


@dataclass(frozen=True, slots=True)
class MarketFrame:
    """`ts` holds bar open times (ms UTC), strictly increasing, one `timeframe` apart except
    where no symbol has data. Every `Bars` array has len(ts) rows."""

    timeframe: str
    ts: IntArray
    bars: Mapping[str, Bars]
    funding: Mapping[str, FundingSeries]

    def __post_init__(self) -> None:
        n = len(self.ts)
        for symbol, bars in self.bars.items():
            for name in ("open", "high", "low", "close", "volume"):
                if len(getattr(bars, name)) != n:
                    raise ValueError(f"{symbol}.{name} has {len(getattr(bars, name))} rows, the grid {n}")

    @property
    def symbols(self) -> list[str]:
        return list(self.bars)

    @property
    def step_ms(self) -> int:
        return TIMEFRAME_MS[self.timeframe]

    def __len__(self) -> int:
        return len(self.ts)

    def index_at_or_after(self, ts_ms: int) -> int:
        return int(np.searchsorted(self.ts, ts_ms, side="left"))

    def slice(self, start_ms: int | None = None, end_ms: int | None = None) -> MarketFrame:
        """Bars whose open time is in [start_ms, end_ms); funding in the same interval."""
        lo = 0 if start_ms is None else self.index_at_or_after(start_ms)
        hi = len(self.ts) if end_ms is None else self.index_at_or_after(end_ms)
        bars = {
            s: Bars(b.open[lo:hi], b.high[lo:hi], b.low[lo:hi], b.close[lo:hi], b.volume[lo:hi])
            for s, b in self.bars.items()
        }
        funding = {}
        for s, f in self.funding.items():
            keep = np.ones(len(f.ts), dtype=bool)
            if start_ms is not None:
                keep &= f.ts >= start_ms
            if end_ms is not None:
                keep &= f.ts < end_ms
            funding[s] = FundingSeries(f.ts[keep], f.rate[keep])
        return MarketFrame(self.timeframe, self.ts[lo:hi], bars, funding)

    def window(self, symbol: str, end_index: int, length: int) -> CandleWindow:
        """The `length` bars of `symbol` ending at `end_index` inclusive (missing bars dropped)."""
        lo = max(0, end_index + 1 - length)
        b = self.bars[symbol]
        sl = slice(lo, end_index + 1)
        keep = ~np.isnan(b.close[sl])
        return CandleWindow(
            ts=self.ts[sl][keep],
            open=b.open[sl][keep],
            high=b.high[sl][keep],
            low=b.low[sl][keep],
            close=b.close[sl][keep],
            volume=b.volume[sl][keep],
        )
