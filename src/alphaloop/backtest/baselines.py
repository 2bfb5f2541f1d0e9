"""The first two baselines (kept for callers of `random_plans`); reports now use the stronger
nulls of `backtest.nulls` (exposure-matched buy and hold, the whole-plan circular shift, trend).

* Buy and hold: equal notional long in every symbol from its first bar, 1x, held to the end
  (fees and funding paid like any position: these are perpetuals, not spot).
* Random entries: for each seed, per symbol, as many entries as the strategy made there, at
  uniformly random bars, random side, each held for a duration drawn from the strategy's own
  holding times and given the stop/target distances the strategy used (as fractions of price),
  with the same sizing and leverage. If the strategy has an edge, it beats most seeds; if its
  result sits inside their spread, its entries added nothing over chance.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

import numpy as np

from alphaloop.backtest.result import BacktestResult
from alphaloop.backtest.runner import BacktestConfig, BacktestRun, run_plans
from alphaloop.decision.base import SymbolPlan
from alphaloop.decision.rules import BuyAndHold
from alphaloop.engine.sizing import SizingPolicy
from alphaloop.model.frame import MarketFrame


def buy_and_hold(frame: MarketFrame, config: BacktestConfig) -> BacktestResult:
    hold_config = replace(config, leverage=1, sizing=SizingPolicy(mode="slot"), risk_gate=False)
    return run_plans(frame, BuyAndHold().plan(frame), hold_config, strategy="buy_and_hold").result


def _exit_distances(plans: Mapping[str, SymbolPlan], frame: MarketFrame) -> tuple[np.ndarray, np.ndarray]:
    """Stop and target distances (fractions of the decision bar's close) of every strategy entry."""
    stops, targets = [], []
    for symbol, plan in plans.items():
        bars = np.flatnonzero(plan.entry != 0)
        close = frame.bars[symbol].close[bars]
        stops.append(np.abs(plan.stop_loss[bars] - close) / close)
        targets.append(np.abs(plan.take_profit[bars] - close) / close)
    if not stops:
        return np.zeros(0), np.zeros(0)
    return np.concatenate(stops), np.concatenate(targets)


def random_plans(
    frame: MarketFrame, strategy: BacktestRun, rng: np.random.Generator
) -> dict[str, SymbolPlan]:
    """One seed's random-entry plans matched to `strategy` (counts, holding times, exits)."""
    n = len(frame.ts)
    step = frame.step_ms
    trades = strategy.result.trades
    holds = np.array([max(1, ((t.exit_ts or 0) - t.entry_ts) // step) for t in trades], dtype=np.int64)
    stop_frac, target_frac = _exit_distances(strategy.plans, frame)
    plans: dict[str, SymbolPlan] = {}
    for symbol, bars in frame.bars.items():
        plan = SymbolPlan.empty(n)
        plans[symbol] = plan
        count = sum(1 for t in trades if t.symbol == symbol)
        candidates = np.flatnonzero(~np.isnan(bars.close[: n - 1]))
        if not count or not len(candidates) or not len(holds):
            continue
        entries = np.sort(rng.choice(candidates, size=min(count, len(candidates)), replace=False))
        sides = rng.choice(np.array([-1, 1], dtype=np.int8), size=len(entries))
        plan.entry[entries] = sides
        hold = rng.choice(holds, size=len(entries))
        exits = entries + hold
        plan.exit[exits[exits < n]] = True
        if len(stop_frac):
            pick = rng.integers(0, len(stop_frac), size=len(entries))
            close = bars.close[entries]
            plan.stop_loss[entries] = close * (1 - sides * stop_frac[pick])
            plan.take_profit[entries] = close * (1 + sides * target_frac[pick])
    return plans


def random_baselines(
    frame: MarketFrame,
    strategy: BacktestRun,
    config: BacktestConfig,
    *,
    seeds: int = 20,
    first_seed: int = 0,
    on_seed: Callable[[int], None] | None = None,
) -> list[BacktestResult]:
    results = []
    for seed in range(first_seed, first_seed + seeds):
        plans = random_plans(frame, strategy, np.random.default_rng(seed))
        results.append(run_plans(frame, plans, config, strategy=f"random-{seed}").result)
        if on_seed is not None:
            on_seed(seed)
    return results
