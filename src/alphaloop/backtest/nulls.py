"""Nulls a skeptical quant accepts: what the strategy must beat before its figures mean anything.

* `buy_and_hold_at(exposure)`: equal notional long in every symbol from its first bar, sized so
  the gross exposure is the strategy's average (and 1x), paying fees and funding like any perp
  position. A 5x strategy compared with 1x buy-and-hold only shows leverage.
* `shifted_plans`: the strategy's whole plan (every symbol, entries, exits, stop and target
  distances) moved in time by one random offset, circularly. Side mix, holding times, trade
  counts and the clustering of entries across correlated pairs are kept exactly; only the
  timing relative to the market is random. `null_distribution` gives the strategy's percentile
  and a one-sided p-value against those runs.
* `TrendRule`: the simple non-AI rule the AI must beat: time-series momentum (the sign of the
  return over `lookback` bars) entered on a change of sign, with a stop `stop_vols` volatilities
  away, so the `risk` sizing makes the position's size inversely proportional to volatility.
* `deflated_sharpe`: the probability that a Sharpe ratio picked as the best of `trials` is
  above zero once the selection is accounted for (Bailey & López de Prado, 2014).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from statistics import NormalDist

import numpy as np

from alphaloop.backtest.result import BacktestResult
from alphaloop.backtest.runner import BacktestConfig, BacktestRun, run_plans
from alphaloop.decision.base import SymbolPlan
from alphaloop.decision.rules import BuyAndHold
from alphaloop.engine.sizing import SizingPolicy
from alphaloop.model.decision import ModelInfo
from alphaloop.model.frame import MarketFrame
from alphaloop.model.instruments import COMPETITION_MAX_LEVERAGE
from alphaloop.model.snapshot import FloatArray

#: A shift shorter than this share of the run is too close to the strategy's own timing.
MIN_SHIFT_SHARE = 0.05
_NORMAL = NormalDist()
_EULER_GAMMA = 0.5772156649015329


def average_exposure(result: BacktestResult) -> float:
    """The strategy's mean gross exposure as a multiple of equity, over every bar of the run."""
    equity = np.where(result.equity > 0, result.equity, np.nan)
    ratio = result.gross_exposure / equity
    return float(np.nanmean(ratio)) if np.isfinite(ratio).any() else 0.0


def buy_and_hold_at(frame: MarketFrame, config: BacktestConfig, exposure: float = 1.0) -> BacktestResult:
    """Buy and hold with `exposure` x equity of gross notional, split equally over the symbols.

    Slot sizing gives equity * leverage / slots per symbol: the leverage is the smallest that
    carries the exposure, the slots spread it (the exposure reached is within one slot's share)."""
    exposure = min(max(exposure, 1e-3), float(COMPETITION_MAX_LEVERAGE))
    count = max(len(frame.bars), 1)
    leverage = max(1, math.ceil(exposure - 1e-9))
    slots = max(count, round(count * leverage / exposure))
    hold = replace(
        config,
        leverage=leverage,
        sizing=SizingPolicy(mode="slot", leverage=leverage, slots=slots),
        risk_gate=False,  # a benchmark position, not a trader's: no stop, all symbols at once
    )
    name = "buy_and_hold" if exposure == 1.0 else f"buy_and_hold@{exposure:.2f}x"
    return run_plans(frame, BuyAndHold().plan(frame), hold, strategy=name).result


def shifted_plans(frame: MarketFrame, plans: Mapping[str, SymbolPlan], shift: int) -> dict[str, SymbolPlan]:
    """Every symbol's plan moved `shift` bars later, circularly; stops and targets keep their
    distance from the close (as a fraction), re-anchored at the close of the bar they land on."""
    out: dict[str, SymbolPlan] = {}
    for symbol, plan in plans.items():
        close = frame.bars[symbol].close
        with np.errstate(invalid="ignore", divide="ignore"):
            stop_share = (plan.stop_loss - close) / close
            target_share = (plan.take_profit - close) / close
        entry = np.roll(plan.entry, shift)
        # An entry landing on a bar without a price cannot be decided there.
        entry = np.where(np.isnan(close), 0, entry).astype(np.int8)
        out[symbol] = SymbolPlan(
            entry=entry,
            exit=np.roll(plan.exit, shift),
            stop_loss=close * (1 + np.roll(stop_share, shift)),
            take_profit=close * (1 + np.roll(target_share, shift)),
            confidence=np.roll(plan.confidence, shift),
        )
    return out


def shift_baselines(
    frame: MarketFrame,
    strategy: BacktestRun,
    config: BacktestConfig,
    *,
    seeds: int = 20,
    first_seed: int = 0,
    on_seed: Callable[[int], None] | None = None,
) -> list[BacktestResult]:
    """The strategy's plan at `seeds` random circular shifts, through the same engine and gate."""
    n = len(frame.ts)
    low = max(1, int(n * MIN_SHIFT_SHARE))
    results = []
    for seed in range(first_seed, first_seed + seeds):
        rng = np.random.default_rng(seed)
        shift = int(rng.integers(low, max(low + 1, n - low)))
        plans = shifted_plans(frame, strategy.plans, shift)
        results.append(run_plans(frame, plans, config, strategy=f"shift-{seed}").result)
        if on_seed is not None:
            on_seed(seed)
    return results


def null_distribution(value: float | None, nulls: Sequence[float | None]) -> dict[str, float | None]:
    """The strategy's percentile among the null runs (share strictly below, ties half) and the
    one-sided p-value (1 + nulls at or above) / (1 + nulls)."""
    values = np.array([v for v in nulls if v is not None and math.isfinite(v)], dtype=np.float64)
    if value is None or not math.isfinite(value) or not len(values):
        return {"percentile": None, "p_value": None}
    below = float(np.sum(values < value)) + 0.5 * float(np.sum(values == value))
    at_or_above = float(np.sum(values >= value))
    return {"percentile": below / len(values), "p_value": (1.0 + at_or_above) / (1.0 + len(values))}


class TrendRule:
    """Time-series momentum with volatility-scaled size (via the stop distance and `risk` sizing)."""

    def __init__(self, lookback: int = 24 * 7, vol_window: int = 24 * 7, stop_vols: float = 2.0) -> None:
        if lookback < 2 or vol_window < 2 or stop_vols <= 0:
            raise ValueError("lookback and vol_window must be >= 2 and stop_vols > 0")
        self.lookback, self.vol_window, self.stop_vols = lookback, vol_window, stop_vols
        self.info = ModelInfo(name=f"trend-{lookback}", version="1", provider="rules")

    def plan(self, frame: MarketFrame) -> Mapping[str, SymbolPlan]:
        plans = {}
        for symbol, bars in frame.bars.items():
            close = bars.close
            n = len(close)
            plan = SymbolPlan.empty(n)
            plans[symbol] = plan
            if n <= max(self.lookback, self.vol_window) + 1:
                continue
            with np.errstate(invalid="ignore", divide="ignore"):
                momentum = np.full(n, np.nan)
                momentum[self.lookback :] = close[self.lookback :] / close[: -self.lookback] - 1.0
                log_return = np.full(n, np.nan)
                log_return[1:] = np.log(close[1:] / close[:-1])
            vol = _rolling_std(log_return, self.vol_window)
            # Volatility over the lookback horizon, as a price fraction: where the trend is wrong.
            distance = self.stop_vols * vol * math.sqrt(self.lookback)
            state = np.where(momentum > 0, 1, np.where(momentum < 0, -1, 0))
            ready = np.isfinite(momentum) & np.isfinite(distance) & (distance > 0)
            state = np.where(ready, state, 0)
            previous = np.concatenate(([0], state[:-1]))
            edge = (state != previous) & (state != 0)
            # The trader closes a reversed position first and opens the new side on a later
            # decision: the signal is repeated on the bar after the edge to give it that chance.
            again = np.concatenate(([False], edge[:-1])) & (state == previous)
            entry = np.where(edge | again, state, 0).astype(np.int8)
            plan.entry[:] = entry
            plan.exit[:] = (state == 0) & (previous != 0)
            plan.stop_loss[:] = np.where(entry != 0, close * (1 - entry * distance), np.nan)
        return plans


def trend_baseline(frame: MarketFrame, config: BacktestConfig) -> BacktestResult:
    rule = TrendRule(*_trend_windows(frame))
    return run_plans(frame, rule.plan(frame), config, strategy=rule.info.name).result


def _trend_windows(frame: MarketFrame) -> tuple[int, int]:
    """A week of bars for the momentum and the volatility, whatever the timeframe."""
    week = max(2, int(7 * 86_400_000 // max(frame.step_ms, 1)))
    return week, week


def _rolling_std(values: FloatArray, window: int) -> FloatArray:
    out = np.full(len(values), np.nan)
    if len(values) < window:
        return out
    clean = np.nan_to_num(values, nan=0.0)
    counts = np.cumsum(np.concatenate(([0], ~np.isnan(values))))
    sums = np.cumsum(np.concatenate(([0.0], clean)))
    squares = np.cumsum(np.concatenate(([0.0], clean * clean)))
    k = counts[window:] - counts[:-window]
    s = sums[window:] - sums[:-window]
    q = squares[window:] - squares[:-window]
    with np.errstate(invalid="ignore", divide="ignore"):
        variance = (q - s * s / k) / (k - 1)
    out[window - 1 :] = np.where(k >= window // 2, np.sqrt(np.maximum(variance, 0.0)), np.nan)
    return out


def deflated_sharpe(
    sharpe: float,
    *,
    trials: int,
    trial_sharpe_std: float,
    periods: int,
    skew: float = 0.0,
    kurtosis: float = 3.0,
) -> float:
    """Probability that the true Sharpe ratio is above zero, given that `sharpe` (per period, not
    annualised) is the best of `trials` whose Sharpe ratios spread with `trial_sharpe_std`, over
    `periods` returns with that skewness and (non-excess) kurtosis. 1 trial: the probabilistic
    Sharpe ratio against zero."""
    if periods < 2 or not math.isfinite(sharpe):
        return math.nan
    if trials > 1 and trial_sharpe_std > 0:
        expected_max = trial_sharpe_std * (
            (1 - _EULER_GAMMA) * _NORMAL.inv_cdf(1 - 1 / trials)
            + _EULER_GAMMA * _NORMAL.inv_cdf(1 - 1 / (trials * math.e))
        )
    else:
        expected_max = 0.0
    spread = 1 - skew * sharpe + (kurtosis - 1) / 4 * sharpe * sharpe
    if spread <= 0:
        return math.nan
    z = (sharpe - expected_max) * math.sqrt(periods - 1) / math.sqrt(spread)
    return _NORMAL.cdf(z)
