"""Liquidation at the maintenance margin (not at zero equity), in both ledgers and in the fast
path's bound; the loss beyond the collateral shows in the trades, the CSV and the result.
Each test fails if liquidation were checked at zero equity instead."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from alphaloop.backtest.driver import Ledger
from alphaloop.backtest.report_csv import write_trades_csv
from alphaloop.backtest.runner import BacktestConfig, run_plans
from alphaloop.decision.base import SymbolPlan
from alphaloop.engine.sizing import SizingPolicy
from alphaloop.model.frame import Bars, FundingSeries, MarketFrame
from tests.unit.engine.test_ledger import open_long, run_both

BTC = "BTC/USDT:USDT"
HOUR = 3_600_000


def test_equity_above_zero_but_below_maintenance_margin_liquidates() -> None:
    # 10 units at 100 with 100 USDT (20x): 0.8 fee; at 90.4 equity is 100 - 0.8 - 96 = 3.2 > 0,
    # below the maintenance margin 0.005 * 904 = 4.52.
    def script(ledger: Ledger) -> None:
        ledger.price_point(0, 100.0, 0)
        open_long(ledger, 10.0, 0)
        ledger.price_point(0, 90.6, 10_000)  # equity 5.2 > 4.53: still open
        assert ledger.liquidations == 0
        ledger.price_point(0, 90.4, 20_000)

    fast, exact = run_both(script, balance=100.0, leverage=20)
    assert fast.liquidations == exact.liquidations == 1
    assert fast.fills.reason[-1] == "liquidation"


def frame_of(open_: list[float], high: list[float], low: list[float], close: list[float]) -> MarketFrame:
    n = len(close)
    ts = np.arange(n, dtype=np.int64) * HOUR + 1_704_067_200_000
    bars = Bars(*(np.array(v, dtype=np.float64) for v in (open_, high, low, close)), np.full(n, 1e3))
    return MarketFrame("1h", ts, {BTC: bars}, {BTC: FundingSeries.empty()})


def entry_at_first_bar(n: int) -> SymbolPlan:
    plan = SymbolPlan.empty(n)
    plan.entry[0] = 1
    return plan


@pytest.mark.parametrize("exact", [False, True])
def test_the_fast_path_finds_a_bar_that_only_reaches_the_maintenance_margin(exact: bool) -> None:
    # 20x, slot sizing: fully invested; a 4.7% dip leaves equity above zero, below maintenance.
    low = 100_000 * (1 - 0.047)
    frame = frame_of(
        [100_000] * 6, [100_000] * 6, [100_000, 100_000, 100_000, low, 100_000, 100_000], [100_000] * 6
    )
    config = BacktestConfig(leverage=20, sizing=SizingPolicy(mode="slot"), risk_gate=False, exact=exact)
    result = run_plans(frame, {BTC: entry_at_first_bar(6)}, config, strategy="t").result
    assert result.liquidations == 1
    assert result.trades[0].exit_reason.value == "liquidation"


def test_a_gap_through_the_liquidation_level_shows_the_absorbed_loss(tmp_path: Path) -> None:
    frame = frame_of(
        [100_000, 100_000, 100_000, 80_000, 80_000],
        [100_000, 100_000, 100_000, 80_000, 80_000],
        [100_000, 100_000, 100_000, 80_000, 80_000],
        [100_000, 100_000, 100_000, 80_000, 80_000],
    )
    config = BacktestConfig(leverage=20, sizing=SizingPolicy(mode="slot"), risk_gate=False)
    result = run_plans(frame, {BTC: entry_at_first_bar(5)}, config, strategy="t").result
    trade = result.trades[0]
    assert trade.exit_reason.value == "liquidation"
    assert trade.exit_price == 80_000
    assert trade.shortfall > 0
    assert trade.shortfall == pytest.approx(result.liquidation_shortfall)
    # The wallet stopped at zero: what the account lost is the equity it had.
    assert trade.account_pnl == pytest.approx(-result.initial_equity, abs=1e-6)
    assert result.final_equity == pytest.approx(0.0, abs=1e-6)
    write_trades_csv(tmp_path / "t.csv", result)
    with (tmp_path / "t.csv").open() as handle:
        row = next(csv.DictReader(handle))
    assert float(row["venue_absorbed"]) == pytest.approx(trade.shortfall)
    assert float(row["account_pnl"]) == pytest.approx(-result.initial_equity, abs=1e-6)
