"""Market data and the snapshot in paper and live trading: what the model sees at a bar close,
built from the venue's answers the same way the backtest builds it from stored bars."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

import numpy as np

from alphaloop.model import TIMEFRAME_MS, Balance, Candle, Position, PositionSide
from alphaloop.model.snapshot import AccountView, CandleWindow, PositionView, Snapshot, SymbolView
from alphaloop.venues.base import Venue


def closed_only(candles: Sequence[Candle], step_ms: int, bar_close_ms: int) -> list[Candle]:
    """Bars that had closed by `bar_close_ms`, oldest first, one per open time. Venues also
    return the bar in progress; it never reaches a model."""
    seen: dict[int, Candle] = {}
    for candle in candles:
        if candle.timestamp + step_ms <= bar_close_ms:
            seen[candle.timestamp] = candle
    return [seen[ts] for ts in sorted(seen)]


async def fetch_closed_candles(
    venue: Venue, symbol: str, timeframe: str, count: int, bar_close_ms: int
) -> list[Candle]:
    step = TIMEFRAME_MS[timeframe]
    since = bar_close_ms - (count + 1) * step
    candles = await venue.fetch_ohlcv(symbol, timeframe, since=since, until=bar_close_ms, limit=count + 2)
    return closed_only(candles, step, bar_close_ms)[-count:]


async def latest_bar_close(venue: Venue, symbol: str, timeframe: str, now_ms: int) -> int | None:
    """The close time of the newest bar that has closed by `now_ms`, or None."""
    step = TIMEFRAME_MS[timeframe]
    candles = await venue.fetch_ohlcv(symbol, timeframe, limit=3)
    if not candles:
        return None
    # a bar is closed once the clock says so, or once the venue has opened the next one: a venue
    # clock reported a little behind its market (a skewed simulator standing still at a bar close)
    # must not hold a closed bar back
    newest_open = max(c.timestamp for c in candles)
    closed = [c.timestamp + step for c in candles if c.timestamp + step <= max(now_ms, newest_open)]
    return max(closed) if closed else None


def candle_window(candles: Sequence[Candle]) -> CandleWindow:
    return CandleWindow(
        ts=np.array([c.timestamp for c in candles], dtype=np.int64),
        open=np.array([float(c.open) for c in candles], dtype=np.float64),
        high=np.array([float(c.high) for c in candles], dtype=np.float64),
        low=np.array([float(c.low) for c in candles], dtype=np.float64),
        close=np.array([float(c.close) for c in candles], dtype=np.float64),
        volume=np.array([float(c.volume) for c in candles], dtype=np.float64),
    )


def account_view(balance: Balance) -> AccountView:
    equity = float(balance.total)
    available = float(balance.free)
    return AccountView(
        equity=equity,
        wallet=equity - float(balance.unrealized_pnl),
        available=available,
        used_margin=float(balance.used),
    )


def build_live_snapshot(
    bar_close_ms: int,
    timeframe: str,
    candles: Mapping[str, Sequence[Candle]],
    balance: Balance,
    positions: Sequence[Position],
    stops: Mapping[tuple[str, PositionSide], Decimal],
    opened_ms: Mapping[str, int],
) -> Snapshot:
    views = {symbol: SymbolView(symbol, candle_window(rows)) for symbol, rows in candles.items() if len(rows)}
    position_views = {}
    for position in positions:
        if position.size <= 0:
            continue
        stop = stops.get((position.symbol, position.side))
        position_views[position.symbol] = PositionView(
            symbol=position.symbol,
            direction=1 if position.side is PositionSide.LONG else -1,
            size=float(position.size),
            entry_price=float(position.entry_price),
            opened_ms=opened_ms.get(position.symbol, bar_close_ms),
            unrealized_pnl=float(position.unrealized_pnl),
            stop_loss=None if stop is None else float(stop),
        )
    return Snapshot(bar_close_ms, timeframe, views, account_view(balance), position_views)
