"""The nulls: exposure-matched buy and hold that pays its costs, the whole-plan circular shift,
the trend rule and the deflated Sharpe ratio."""

from __future__ import annotations

import math

import numpy as np
import pytest

from alphaloop.backtest.nulls import (
    TrendRule,
    average_exposure,
    buy_and_hold_at,
    deflated_sharpe,
    shift_baselines,
    shifted_plans,
)
from alphaloop.backtest.runner import BacktestConfig, run_plans
from alphaloop.decision.rules import RandomEntries
from alphaloop.engine.sizing import SizingPolicy
from tests.kit.backtest import real_frame

PAIRS = ["BTC/USDT:USDT", "ETH/USDT:USDT", "DOGE/USDT:USDT"]


def frame_2024():  # type: ignore[no-untyped-def]
    return real_frame(PAIRS, "1h", "2024-01-01", "2024-04-01")


def test_the_shift_moves_every_symbol_by_the_same_offset_keeping_sides_holds_and_exits() -> None:
    frame = frame_2024()
    plans = dict(RandomEntries(seed=4, entry_rate=0.02, hold_bars=12).plan(frame))
    for symbol, plan in plans.items():
        close = frame.bars[symbol].close
        entries = plan.entry != 0
        plan.stop_loss[entries] = close[entries] * (1 - 0.02 * plan.entry[entries])
    shift = 500
    moved = shifted_plans(frame, plans, shift)
    for symbol, plan in plans.items():
        np.testing.assert_array_equal(moved[symbol].entry, np.roll(plan.entry, shift))
        np.testing.assert_array_equal(moved[symbol].exit, np.roll(plan.exit, shift))
        landed = np.flatnonzero(moved[symbol].entry)
        close = frame.bars[symbol].close[landed]
        distance = (close - moved[symbol].stop_loss[landed]) / close * moved[symbol].entry[landed]
        np.testing.assert_allclose(distance, 0.02, rtol=1e-9)
    # Cross-symbol clustering: the gaps between one symbol's entries and another's are unchanged.
    a, b = (np.flatnonzero(moved[s].entry) for s in PAIRS[:2])
    a0, b0 = (np.flatnonzero(plans[s].entry) for s in PAIRS[:2])
    n = len(frame.ts)
    assert sorted(((x - y) % n) for x in a for y in b) == sorted(((x - y) % n) for x in a0 for y in b0)


def test_shift_seeds_are_reproducible_and_differ() -> None:
    frame = frame_2024()
    plans = dict(RandomEntries(seed=4, entry_rate=0.02, hold_bars=12).plan(frame))
    config = BacktestConfig(leverage=2, sizing=SizingPolicy(mode="slot"))
    run = run_plans(frame, plans, config, strategy="r")
    first = shift_baselines(frame, run, config, seeds=3)
    again = shift_baselines(frame, run, config, seeds=3)
    assert [r.final_equity for r in first] == [r.final_equity for r in again]
    assert len({round(r.final_equity, 6) for r in first}) == 3
    # The side mix survives: the same number of long and short entries (bars with a price).
    sides = sorted(t.direction for t in run.result.trades)
    assert sides.count(1) > 0
    assert sides.count(-1) > 0


def test_buy_and_hold_matches_the_strategy_exposure_and_1x() -> None:
    frame = frame_2024()
    one = buy_and_hold_at(frame, BacktestConfig(), 1.0)
    notional = sum(t.size * t.entry_price for t in one.trades)
    assert 0.9 * one.initial_equity < notional <= one.initial_equity
    for target in (0.35, 2.6):
        matched = buy_and_hold_at(frame, BacktestConfig(), target)
        assert average_exposure(matched) == pytest.approx(target, rel=0.2)


def test_buy_and_hold_pays_fees_and_funding_to_the_cent() -> None:
    """Mutation guard: a buy-and-hold without fees or funding fails here."""
    frame = frame_2024()
    result = buy_and_hold_at(frame, BacktestConfig(), 1.0)
    fees = sum(f.fee for f in result.fills)
    expected_fees = sum(f.size * f.price * 0.0008 for f in result.fills)
    assert fees == pytest.approx(expected_fees, rel=1e-9)
    assert result.fees_paid == pytest.approx(expected_fees, rel=1e-9)
    expected_funding = 0.0
    for trade in result.trades:
        funding = frame.funding[trade.symbol]
        held = (funding.ts >= trade.entry_ts) & (funding.ts < int(frame.ts[-1]) + frame.step_ms)
        bars = np.searchsorted(frame.ts, funding.ts[held])
        marks = frame.bars[trade.symbol].open[bars]
        expected_funding += float(np.sum(trade.size * marks * funding.rate[held]))
    assert abs(expected_funding) > 1.0
    assert result.funding_paid == pytest.approx(expected_funding, rel=1e-6)
    price_pnl = sum(t.gross_pnl for t in result.trades)
    assert result.final_equity == pytest.approx(
        result.initial_equity + price_pnl - expected_fees - expected_funding, abs=1e-6
    )


def test_the_trend_rule_follows_momentum_with_volatility_scaled_stops() -> None:
    frame = frame_2024()
    rule = TrendRule(lookback=48, vol_window=48)
    plans = rule.plan(frame)
    for symbol, plan in plans.items():
        close = frame.bars[symbol].close
        entries = np.flatnonzero(plan.entry)
        assert len(entries) > 5
        momentum = close[entries] / close[entries - 48] - 1
        assert np.all(np.sign(momentum) == plan.entry[entries])
        distance = (close[entries] - plan.stop_loss[entries]) * plan.entry[entries] / close[entries]
        assert np.all(distance > 0)
    btc = np.nanmedian(_distances(plans["BTC/USDT:USDT"], frame.bars["BTC/USDT:USDT"].close))
    doge = np.nanmedian(_distances(plans["DOGE/USDT:USDT"], frame.bars["DOGE/USDT:USDT"].close))
    assert doge > btc  # the more volatile pair gets the wider stop, hence the smaller risk size


def _distances(plan, close):  # type: ignore[no-untyped-def]
    entries = np.flatnonzero(plan.entry)
    return np.abs(close[entries] - plan.stop_loss[entries]) / close[entries]


def test_deflated_sharpe_is_the_probabilistic_sharpe_for_one_trial_and_falls_with_more() -> None:
    assert deflated_sharpe(0.0, trials=1, trial_sharpe_std=0.0, periods=100) == pytest.approx(0.5)
    # z = 0.1 * sqrt(100) / sqrt(1 + 0.5 * 0.01) for normal returns
    want = 0.5 * (1 + math.erf(0.1 * 10 / math.sqrt(1.005) / math.sqrt(2)))
    assert deflated_sharpe(0.1, trials=1, trial_sharpe_std=0.05, periods=101) == pytest.approx(want)
    values = [deflated_sharpe(0.1, trials=k, trial_sharpe_std=0.05, periods=101) for k in (1, 10, 100)]
    assert values[0] > values[1] > values[2]
    assert values[2] < 0.5
