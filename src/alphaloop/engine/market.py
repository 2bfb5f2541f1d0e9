"""Market data and the snapshot in paper and live trading: what the model sees at a bar close,
built from the venue's answers the same way the backtest builds it from stored bars."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

import numpy as np

from alphaloop.model import TIMEFRAME_MS, Balance, Candle, Position, PositionSide
from alphaloop.model.frame import FundingSeries
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


async def fetch_funding_histories(
    venue: Venue, symbols: Sequence[str], bar_close_ms: int, *, limit: int = 100
) -> dict[str, FundingSeries]:
    """The last `limit` funding settlements at or before the decision per symbol (what the
    features of a lookback window need); a symbol the venue has none for is left out."""
    out: dict[str, FundingSeries] = {}
    for symbol in symbols:
        rates = await venue.fetch_funding_rate_history(symbol, limit=limit)
        settled = sorted(
            (int(r.timestamp), float(r.rate))
            for r in rates
            if r.timestamp is not None and int(r.timestamp) <= bar_close_ms
        )
        if settled:
            out[symbol] = FundingSeries(
                np.array([t for t, _ in settled], dtype=np.int64), np.array([r for _, r in settled])
            )
    return out


#: As `features.funding.MAX_FUNDING_AGE_MS`: an older rate means missing data, not a rate.
_MAX_FUNDING_AGE_MS = 24 * 3_600_000


def _last_rate(series: FundingSeries | None, now_ms: int) -> float | None:
    if series is None or not len(series.ts):
        return None
    k = int(np.searchsorted(series.ts, now_ms, side="right")) - 1
    if k < 0 or now_ms - int(series.ts[k]) > _MAX_FUNDING_AGE_MS:
        return None
    return float(series.rate[k])


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
    funding: Mapping[str, FundingSeries] | None = None,
) -> Snapshot:
    """`funding`: each symbol's settlements up to the decision (`fetch_funding_histories`), so
    the features see the funding history training saw."""
    histories = funding or {}
    views = {
        symbol: SymbolView(
            symbol,
            candle_window(rows),
            funding_rate=_last_rate(histories.get(symbol), bar_close_ms),
            funding_history=histories.get(symbol),
        )
        for symbol, rows in candles.items()
        if len(rows)
    }
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
