"""Snapshots built from the shared real market data (hourly candles and funding), and a tiny
position book, for the LLM agent's loopback tests."""

from __future__ import annotations

import gzip
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache

import numpy as np

from alphaloop.model.decision import Action, Decision
from alphaloop.model.snapshot import AccountView, CandleWindow, FloatArray, PositionView, Snapshot, SymbolView
from tests.kit.data import data_dir

HOUR_MS = 3_600_000
#: 2025-09-01T00:00:00Z
SEPT_1 = 1_756_684_800_000
SYMBOLS = ("BTC/USDT:USDT", "ETH/USDT:USDT", "SOL/USDT:USDT")


@cache
def candles(symbol: str) -> FloatArray:
    """Rows of ts, open, high, low, close, volume for one symbol's 1h file."""
    pair = symbol.split("/")[0] + "USDT"
    with gzip.open(data_dir() / f"{pair}-1h.csv.gz", "rt") as handle:
        return np.loadtxt(handle, delimiter=",", skiprows=1)


@cache
def funding(symbol: str) -> FloatArray:
    pair = symbol.split("/")[0] + "USDT"
    with gzip.open(data_dir() / "funding" / f"{pair}-funding.csv.gz", "rt") as handle:
        return np.loadtxt(handle, delimiter=",", skiprows=1, ndmin=2)


def window(symbol: str, decision_ms: int, bars: int) -> CandleWindow:
    """The `bars` closed hourly bars before `decision_ms` (bar open times < decision_ms - 1h + 1)."""
    rows = candles(symbol)
    end = int(np.searchsorted(rows[:, 0], decision_ms - HOUR_MS, side="right"))
    part = rows[max(0, end - bars) : end]
    return CandleWindow(
        ts=part[:, 0].astype(np.int64),
        open=part[:, 1].copy(),
        high=part[:, 2].copy(),
        low=part[:, 3].copy(),
        close=part[:, 4].copy(),
        volume=part[:, 5].copy(),
    )


def last_funding(symbol: str, decision_ms: int) -> float | None:
    rows = funding(symbol)
    end = int(np.searchsorted(rows[:, 0], decision_ms, side="right"))
    return float(rows[end - 1, 1]) if end else None


@dataclass
class Book:
    """Positions opened at the decision bar's close, closed at a close decision or a touched level."""

    cash: float = 1_000.0
    positions: dict[str, PositionView] = field(default_factory=dict)

    def snapshot(self, decision_ms: int, bars: int = 25, symbols: tuple[str, ...] = SYMBOLS) -> Snapshot:
        views = {
            s: SymbolView(s, window(s, decision_ms, bars), funding_rate=last_funding(s, decision_ms))
            for s in symbols
        }
        marked = {s: self._marked(p, views[s].candles.last_close) for s, p in self.positions.items()}
        pnl = sum(p.unrealized_pnl for p in marked.values())
        margin = sum(p.size * p.entry_price / 5 for p in marked.values())
        return Snapshot(
            timestamp=decision_ms,
            timeframe="1h",
            symbols=views,
            account=AccountView(
                equity=self.cash + pnl,
                wallet=self.cash,
                available=self.cash + pnl - margin,
                used_margin=margin,
            ),
            positions=marked,
        )

    def apply(self, decision: Decision, snapshot: Snapshot) -> None:
        for d in decision.actionable:
            price = snapshot.symbols[d.symbol].candles.last_close
            if d.action is Action.CLOSE:
                self._close(d.symbol, price)
            elif d.action in (Action.OPEN_LONG, Action.OPEN_SHORT):
                self._close(d.symbol, price)
                self.positions[d.symbol] = PositionView(
                    symbol=d.symbol,
                    direction=d.action.direction,
                    size=round(100.0 / price, 6),
                    entry_price=price,
                    opened_ms=snapshot.timestamp,
                    unrealized_pnl=0.0,
                    stop_loss=d.stop_loss,
                    take_profit=d.take_profit,
                )

    def run_exits(self, bar: Mapping[str, CandleWindow]) -> None:
        """Close positions whose stop or target the newest bar touched (stop first, conservatively)."""
        for symbol, position in list(self.positions.items()):
            last = bar[symbol]
            low, high = float(last.low[-1]), float(last.high[-1])
            stop, target = position.stop_loss, position.take_profit
            long = position.direction > 0
            if stop is not None and (low <= stop if long else high >= stop):
                self._close(symbol, stop)
            elif target is not None and (high >= target if long else low <= target):
                self._close(symbol, target)

    def _close(self, symbol: str, price: float) -> None:
        position = self.positions.pop(symbol, None)
        if position is not None:
            self.cash += position.direction * position.size * (price - position.entry_price)

    @staticmethod
    def _marked(position: PositionView, price: float) -> PositionView:
        pnl = position.direction * position.size * (price - position.entry_price)
        return PositionView(
            position.symbol,
            position.direction,
            position.size,
            position.entry_price,
            position.opened_ms,
            round(pnl, 6),
            position.stop_loss,
            position.take_profit,
        )
