"""What the model sees in paper and live trading: closed bars only, the account and the positions."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import cast

import numpy as np
import pytest

from alphaloop.engine.market import (
    account_view,
    build_live_snapshot,
    candle_window,
    closed_only,
    fetch_closed_candles,
    latest_bar_close,
)
from alphaloop.engine.replay import FrameReplay
from alphaloop.model import Balance, Candle, Position, PositionSide
from alphaloop.venues.base import Venue
from tests.kit.trading import BTC, ETH, HOUR_MS, START_MS, trading_frame

T0 = 1_748_822_400_000  # 2025-06-02 00:00 UTC


def candle(open_ms: int, close: str = "100") -> Candle:
    price = Decimal(close)
    return Candle(open_ms, price, price + 1, price - 1, price, Decimal(5))


class CandleVenue:
    """A venue that answers fetch_ohlcv like the live ones: newest bar still in progress, repeats."""

    def __init__(self, candles: Sequence[Candle]) -> None:
        self.candles = list(candles)
        self.asked: list[tuple[str, str, int | None, int | None, int | None]] = []

    async def fetch_ohlcv(
        self,
        symbol: str,
        timeframe: str = "1h",
        *,
        since: int | None = None,
        until: int | None = None,
        limit: int | None = None,
    ) -> list[Candle]:
        self.asked.append((symbol, timeframe, since, until, limit))
        return list(self.candles)


def test_closed_only_drops_the_bar_in_progress_and_duplicates() -> None:
    rows = [candle(T0 + 2 * HOUR_MS), candle(T0), candle(T0 + HOUR_MS, "1"), candle(T0 + HOUR_MS, "2")]
    closed = closed_only(rows, HOUR_MS, bar_close_ms=T0 + 2 * HOUR_MS)
    assert [c.timestamp for c in closed] == [T0, T0 + HOUR_MS]
    assert closed[1].close == Decimal(2)  # the later answer for the same bar wins
    # a bar closing exactly at the decision time is closed
    assert len(closed_only(rows, HOUR_MS, bar_close_ms=T0 + 3 * HOUR_MS)) == 3


@pytest.mark.asyncio
async def test_fetch_closed_candles_never_hands_over_the_bar_in_progress() -> None:
    rows = [candle(T0 + i * HOUR_MS, str(100 + i)) for i in range(6)]  # the 6th is still open
    venue = CandleVenue(rows)
    closed = await fetch_closed_candles(cast(Venue, venue), BTC, "1h", 3, bar_close_ms=T0 + 5 * HOUR_MS)
    assert [c.close for c in closed] == [Decimal(102), Decimal(103), Decimal(104)]
    [(_, timeframe, since, until, limit)] = venue.asked
    assert timeframe == "1h"
    assert until == T0 + 5 * HOUR_MS
    assert since is not None
    assert since <= T0 + 2 * HOUR_MS
    assert limit is not None
    assert limit >= 3


@pytest.mark.asyncio
async def test_latest_bar_close_is_the_close_of_the_newest_closed_bar() -> None:
    venue = cast(Venue, CandleVenue([candle(T0), candle(T0 + HOUR_MS)]))
    assert await latest_bar_close(venue, BTC, "1h", now_ms=T0 + 2 * HOUR_MS + 5_000) == T0 + 2 * HOUR_MS
    assert await latest_bar_close(venue, BTC, "1h", now_ms=T0 + HOUR_MS + 1) == T0 + HOUR_MS
    # the venue opened the next bar: the first one closed, even if our clock says a moment before
    assert await latest_bar_close(venue, BTC, "1h", now_ms=T0 + HOUR_MS - 1) == T0 + HOUR_MS
    alone = cast(Venue, CandleVenue([candle(T0)]))
    assert await latest_bar_close(alone, BTC, "1h", now_ms=T0 + HOUR_MS - 1) is None


@pytest.mark.asyncio
async def test_fetch_closed_candles_over_the_replay_matches_the_stored_bars() -> None:
    frame = trading_frame()
    replay = FrameReplay(frame, balance=Decimal(1_000), start_ms=START_MS)
    close_ms = replay.bar_closes()[3]
    replay.advance_to(close_ms)
    closed = await fetch_closed_candles(replay.venue, ETH, "1h", 5, bar_close_ms=close_ms)
    assert len(closed) == 5
    assert closed[-1].timestamp == close_ms - HOUR_MS
    row = int(np.searchsorted(frame.ts, close_ms - HOUR_MS))
    assert float(closed[-1].close) == frame.bars[ETH].close[row]
    assert [c.timestamp for c in closed] == [close_ms - (5 - i) * HOUR_MS for i in range(5)]


def test_candle_window_is_float_arrays_oldest_first() -> None:
    window = candle_window([candle(T0, "1.5"), candle(T0 + HOUR_MS, "2.5")])
    assert window.ts.dtype == np.int64
    assert window.close.dtype == np.float64
    assert window.close.tolist() == [1.5, 2.5]
    assert window.last_close == 2.5


def test_account_view_separates_wallet_from_unrealised_pnl() -> None:
    view = account_view(
        Balance(
            "USDT", total=Decimal(1_050), free=Decimal(800), used=Decimal(250), unrealized_pnl=Decimal(50)
        )
    )
    assert (view.equity, view.wallet, view.available, view.used_margin) == (1_050.0, 1_000.0, 800.0, 250.0)


def test_live_snapshot_holds_positions_with_their_venue_stops() -> None:
    balance = Balance("USDT", Decimal(1_000), Decimal(900), Decimal(100))
    positions = [
        Position(
            BTC, PositionSide.SHORT, Decimal("0.01"), Decimal(100_000), Decimal(5), unrealized_pnl=Decimal(-3)
        ),
        Position(ETH, PositionSide.LONG, Decimal(0), Decimal(2_500), Decimal(5)),
    ]
    snapshot = build_live_snapshot(
        T0,
        "1h",
        {BTC: [candle(T0 - HOUR_MS)], ETH: []},
        balance,
        positions,
        stops={(BTC, PositionSide.SHORT): Decimal("103000.5"), (BTC, PositionSide.LONG): Decimal(1)},
        opened_ms={},
    )
    assert snapshot.timestamp == T0
    assert list(snapshot.symbols) == [BTC]  # a symbol without bars is left out
    assert list(snapshot.positions) == [BTC]  # an empty position is no position
    view = snapshot.positions[BTC]
    assert view.direction == -1
    assert view.size == pytest.approx(0.01)
    assert view.stop_loss == 103000.5
    assert view.unrealized_pnl == -3.0
    assert view.opened_ms == T0  # unknown opening time: the decision time
    assert snapshot.account.equity == 1_000.0
