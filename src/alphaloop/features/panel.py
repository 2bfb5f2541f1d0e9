"""A `Panel`: several symbols' bars as 2-D arrays (rows = symbols) on one grid of bar open times.

Features are computed on panels, so one numpy pass serves every symbol and the cross-asset
features (BTC's moves, cross-sectional ranks) line up without joins.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from alphaloop.features.funding import funding_on_grid
from alphaloop.features.rolling import FloatArray
from alphaloop.model.frame import MarketFrame
from alphaloop.model.market import TIMEFRAME_MS
from alphaloop.model.snapshot import IntArray, Snapshot


@dataclass(frozen=True, slots=True)
class Panel:
    """OHLCV of `symbols` as (n_symbols, n_bars) float64 arrays (NaN where a symbol has no bar)
    and the funding rate known at each bar's close (see `features.funding`)."""

    symbols: tuple[str, ...]
    ts: IntArray
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray
    funding: FloatArray
    #: Absolute bar number of the first bar (open time // bar length): anchors running sums.
    phase: int = 0

    def __post_init__(self) -> None:
        shape = (len(self.symbols), len(self.ts))
        for name in ("open", "high", "low", "close", "volume", "funding"):
            if getattr(self, name).shape != shape:
                raise ValueError(f"panel.{name} has shape {getattr(self, name).shape}, expected {shape}")

    def __len__(self) -> int:
        return len(self.ts)

    def row(self, symbol: str) -> int:
        return self.symbols.index(symbol)

    def slice(self, start: int, stop: int) -> Panel:
        """Bars at positions [start, stop), with the phase moved along."""
        start, stop, _ = slice(start, stop).indices(len(self.ts))
        cut = slice(start, stop)
        return Panel(
            symbols=self.symbols,
            ts=self.ts[cut],
            open=self.open[:, cut],
            high=self.high[:, cut],
            low=self.low[:, cut],
            close=self.close[:, cut],
            volume=self.volume[:, cut],
            funding=self.funding[:, cut],
            phase=self.phase + start,
        )

    @staticmethod
    def from_snapshot(snapshot: Snapshot, *, length: int) -> Panel:
        """The last `length` bars of the snapshot's candle windows on one grid.

        The grid is the union of the windows' open times, as a frame's grid is the union of its
        symbols' bars, so a window cut from a frame lines up with the frame's own positions.
        Each symbol's funding is the rate known at each bar's close from the snapshot's funding
        history (as in training); without one, the snapshot's current rate on every bar.
        """
        symbols = tuple(snapshot.symbols)
        views = [snapshot.symbols[s] for s in symbols]
        stamps = [np.asarray(v.candles.ts, dtype=np.int64) for v in views]
        grid = np.unique(np.concatenate(stamps)) if stamps else np.zeros(0, dtype=np.int64)
        grid = grid[-length:] if length > 0 else grid[:0]
        shape = (len(symbols), len(grid))
        fields = {
            name: np.full(shape, np.nan) for name in ("open", "high", "low", "close", "volume", "funding")
        }
        for row, (view, ts) in enumerate(zip(views, stamps, strict=True)):
            # The grid is the tail of the union of all windows' times, so it holds every time of
            # this window from its own first grid time on.
            keep = ts >= grid[0] if len(grid) else np.zeros(len(ts), dtype=bool)
            at = np.searchsorted(grid, ts[keep])
            for name in ("open", "high", "low", "close", "volume"):
                fields[name][row, at] = np.asarray(getattr(view.candles, name), dtype=np.float64)[keep]
        step = TIMEFRAME_MS[snapshot.timeframe]
        for row, view in enumerate(views):
            if view.funding_history is not None:
                fields["funding"][row, :] = funding_on_grid(grid, view.funding_history, step)
            elif view.funding_rate is not None:
                fields["funding"][row, :] = view.funding_rate
        return Panel(
            symbols=symbols,
            ts=grid,
            phase=int(grid[0] // step) if len(grid) else 0,
            **fields,
        )

    @staticmethod
    def from_frame(frame: MarketFrame) -> Panel:
        symbols = tuple(frame.symbols)

        def stack(field: str) -> FloatArray:
            if not symbols:
                return np.zeros((0, len(frame.ts)))
            return np.stack([np.asarray(getattr(frame.bars[s], field), dtype=np.float64) for s in symbols])

        funding = np.full((len(symbols), len(frame.ts)), np.nan)
        for row, symbol in enumerate(symbols):
            series = frame.funding.get(symbol)
            if series is not None:
                funding[row] = funding_on_grid(frame.ts, series, frame.step_ms)
        return Panel(
            symbols=symbols,
            ts=np.asarray(frame.ts, dtype=np.int64),
            open=stack("open"),
            high=stack("high"),
            low=stack("low"),
            close=stack("close"),
            volume=stack("volume"),
            funding=funding,
            phase=int(frame.ts[0] // frame.step_ms) if len(frame.ts) else 0,
        )
