"""The baselines: buy and hold is invested in every symbol; random entries copy the strategy's
entry counts, holding times and exit distances, and differ only by chance (seeded)."""

from __future__ import annotations

from collections import Counter

import numpy as np

from alphaloop.backtest.baselines import buy_and_hold, random_baselines, random_plans
from alphaloop.backtest.runner import BacktestConfig, run_plans
from alphaloop.decision.rules import SmaCross
from tests.kit.backtest import real_frame

PAIRS = ["BTC/USDT:USDT", "ETH/USDT:USDT", "DOGE/USDT:USDT"]


def strategy_run(config: BacktestConfig):  # type: ignore[no-untyped-def]
    frame = real_frame(PAIRS, "1h", "2024-01-01", "2024-04-01")
    plans = dict(SmaCross().plan(frame))
    for symbol, plan in plans.items():
        close = frame.bars[symbol].close
        d = plan.entry.astype(float)
        plan.stop_loss[:] = np.where(d != 0, close * (1 - 0.03 * d), np.nan)
    return frame, run_plans(frame, plans, config, strategy="sma")


def test_buy_and_hold_holds_every_symbol_from_its_first_bar_at_1x() -> None:
    frame = real_frame(PAIRS, "1h", "2024-01-01", "2024-04-01")
    result = buy_and_hold(frame, BacktestConfig(leverage=10))
    assert len(result.trades) == len(PAIRS)
    assert all(t.is_open and t.direction == 1 for t in result.trades)
    assert all(t.entry_ts == int(frame.ts[1]) for t in result.trades)
    notional = sum(t.size * t.entry_price for t in result.trades)
    assert (
        0.9 * result.initial_equity < notional <= result.initial_equity
    )  # 1x, whatever the strategy's leverage


def test_random_entries_copy_the_strategy_counts_and_exits_and_vary_only_by_seed() -> None:
    config = BacktestConfig(leverage=3)
    frame, run = strategy_run(config)
    per_symbol = Counter(t.symbol for t in run.result.trades)
    step = frame.step_ms
    holds = {max(1, ((t.exit_ts or 0) - t.entry_ts) // step) for t in run.result.trades}
    plans = random_plans(frame, run, np.random.default_rng(5))
    for symbol, plan in plans.items():
        entries = np.flatnonzero(plan.entry)
        assert len(entries) == per_symbol[symbol]
        distance = (
            np.abs(plan.stop_loss[entries] - frame.bars[symbol].close[entries])
            / frame.bars[symbol].close[entries]
        )
        np.testing.assert_allclose(distance, 0.03, rtol=1e-9)
        exits = np.flatnonzero(plan.exit)
        assert {int(e) for e in exits} <= {int(b + h) for b in entries for h in holds}
    again = random_plans(frame, run, np.random.default_rng(5))
    assert all(np.array_equal(again[s].entry, plans[s].entry) for s in plans)
    results = random_baselines(frame, run, config, seeds=3)
    assert len({round(r.final_equity, 6) for r in results}) == 3
