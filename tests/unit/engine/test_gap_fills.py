"""Gap-through stops and targets fill at the first price beyond them (the bar's open), in the
float ledger, in the simulator core and through the backtest driver."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pytest

from alphaloop.backtest.runner import BacktestConfig, run_plans
from alphaloop.decision.base import SymbolPlan
from alphaloop.engine.sizing import SizingPolicy
from alphaloop.model.frame import Bars, FundingSeries, MarketFrame
from tests.unit.engine.test_ledger import open_long, run_both

BTC = "BTC/USDT:USDT"
NAN = math.nan


@pytest.mark.parametrize(("gap", "fill"), [(True, 90_000.0), (False, 95_000.0)])
def test_a_stop_jumped_by_the_open_fills_at_the_open_crossed_inside_a_bar_at_its_level(
    gap: bool, fill: float
) -> None:
    def script(ledger) -> None:  # type: ignore[no-untyped-def]
        ledger.price_point(0, 100_000.0, 0)
        open_long(ledger, 0.01, 0, stop=95_000.0)
        ledger.price_point(0, 90_000.0, 3_600_000, gap=gap)

    fast, _ = run_both(script)
    assert fast.fills.reason[-1] == "stop_loss"
    assert fast.fills.price[-1] == fill


def test_a_target_jumped_by_the_open_fills_at_the_better_open() -> None:
    def script(ledger) -> None:  # type: ignore[no-untyped-def]
        ledger.price_point(0, 100_000.0, 0)
        open_long(ledger, 0.01, 0, target=105_000.0)
        ledger.price_point(0, 107_000.0, 3_600_000, gap=True)

    fast, _ = run_both(script)
    assert (fast.fills.reason[-1], fast.fills.price[-1]) == ("take_profit", 107_000.0)


def test_the_backtest_fills_a_gapped_stop_at_the_bar_open() -> None:
    n = 6
    hour = 3_600_000
    ts = np.arange(n, dtype=np.int64) * hour + 1_704_067_200_000
    close = np.array([100.0, 100.0, 100.0, 88.0, 87.0, 87.0]) * 1000
    open_ = np.array([100.0, 100.0, 100.0, 90.0, 88.0, 87.0]) * 1000  # bar 3 opens at 90 < stop 95
    high = np.maximum(open_, close)
    low = np.minimum(open_, close)
    bars = Bars(open_, high, low, close, np.full(n, 1e3))
    frame = MarketFrame("1h", ts, {BTC: bars}, {BTC: FundingSeries.empty()})
    plan = SymbolPlan.empty(n)
    plan.entry[0] = 1
    plan.stop_loss[0] = 95_000.0
    config = BacktestConfig(sizing=SizingPolicy(mode="units", units=0.01), risk_gate=False, depth_share=None)
    trade = run_plans(frame, {BTC: plan}, config, strategy="t").result.trades[0]
    assert trade.exit_reason.value == "stop_loss"
    assert trade.exit_price == 90_000.0
    assert Decimal(repr(trade.exit_price)) < Decimal(95_000)
