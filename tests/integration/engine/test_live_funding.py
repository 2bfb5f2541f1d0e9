"""Train/serve skew: a live snapshot carries the funding history the features are trained on,
so each bar of the window gets the rate known at its own close, as in the backtest."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from alphaloop.engine.market import build_live_snapshot, fetch_closed_candles, fetch_funding_histories
from alphaloop.engine.replay import FrameReplay
from alphaloop.features.panel import Panel
from alphaloop.model import Balance
from tests.kit.trading import START_MS, trading_frame

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]
LENGTH = 40


async def test_the_live_funding_feature_equals_the_training_one_on_every_bar() -> None:
    frame = trading_frame()
    replay = FrameReplay(frame, balance=Decimal(1000), start_ms=START_MS)
    close_ms = replay.bar_closes()[20]
    replay.advance_to(close_ms)
    symbols = list(frame.bars)
    candles = {s: await fetch_closed_candles(replay.venue, s, "1h", LENGTH, close_ms) for s in symbols}
    funding = await fetch_funding_histories(replay.venue, symbols, close_ms)
    assert set(funding) == set(symbols)
    balance = Balance(currency="USDT", total=Decimal(1000), free=Decimal(1000), used=Decimal(0))
    snapshot = build_live_snapshot(close_ms, "1h", candles, balance, [], {}, {}, funding=funding)
    live = Panel.from_snapshot(snapshot, length=LENGTH)
    row = int(np.searchsorted(frame.ts, close_ms - frame.step_ms))
    trained = Panel.from_frame(frame)
    window = trained.funding[:, row - LENGTH + 1 : row + 1]
    np.testing.assert_array_equal(live.funding, window)
    # Funding settles every 8 h: a 40-bar window holds several different rates, not one.
    assert len(np.unique(live.funding[0])) > 1
    assert snapshot.symbols[symbols[0]].funding_rate == window[0, -1]
