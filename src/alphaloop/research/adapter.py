"""The one seam between research and today's backtest and ML code.

Issue 13 changes the backtest (risk gate, nulls that keep the strategy's side mix and clustering,
realistic fills); research must pick that up by changing this module only. Everything here takes
plans and bars and returns plain numbers and curves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import lightgbm as lgb
import numpy as np

from alphaloop.backtest.baselines import buy_and_hold, random_baselines
from alphaloop.backtest.metrics import compute_metrics, equity_curve
from alphaloop.backtest.result import BacktestResult
from alphaloop.backtest.runner import BacktestConfig, BacktestRun, run_plans
from alphaloop.decision.base import SymbolPlan
from alphaloop.decision.ml.train import DEFAULT_PARAMS
from alphaloop.decision.rules import SmaCross
from alphaloop.engine.sizing import SizingPolicy
from alphaloop.features.rolling import FloatArray
from alphaloop.model.frame import MarketFrame
from alphaloop.research.spec import TrialConfig


@dataclass(frozen=True, slots=True)
class RunFigures:
    """A backtest run reduced to what a study stores."""

    sharpe: float
    total_return: float
    max_drawdown: float
    trades: int
    longs: int
    shorts: int
    fees: float
    funding: float
    initial_equity: float
    #: Bar open times and equity at each bar's close (same length).
    ts: np.ndarray
    equity: FloatArray


def backtest_config(config: TrialConfig, initial_equity: float) -> BacktestConfig:
    return BacktestConfig(
        initial_equity=initial_equity,
        leverage=config.leverage,
        sizing=SizingPolicy(
            mode=config.sizing, risk_fraction=config.risk_fraction, slots=config.max_open_positions
        ),
        funding=True,
    )


def figures(result: BacktestResult) -> RunFigures:
    m = compute_metrics(result)
    curve = equity_curve(result)[1:]
    return RunFigures(
        sharpe=float(m.sharpe) if m.sharpe is not None else 0.0,
        total_return=m.total_return,
        max_drawdown=m.max_drawdown,
        trades=m.trades,
        longs=sum(1 for t in result.trades if t.direction > 0),
        shorts=sum(1 for t in result.trades if t.direction < 0),
        fees=m.fees_paid,
        funding=m.funding_paid,
        initial_equity=result.initial_equity,
        ts=np.asarray(result.ts, dtype=np.int64),
        equity=curve,
    )


def run_fold(frame: MarketFrame, plans: Mapping[str, SymbolPlan], config: BacktestConfig) -> BacktestRun:
    """The plans traded over the frame, net of fees and funding (today's backtest driver)."""
    return run_plans(frame, plans, config, strategy="research")


def null_runs(
    frame: MarketFrame, run: BacktestRun, config: BacktestConfig, *, random_seeds: int
) -> dict[str, list[RunFigures]]:
    """The nulls available today: buy-and-hold (1x), a non-AI trend rule (SMA 20/50 cross, long
    and short, at the run's sizing) and random entries matched to the run's counts and holds.
    Issue 13's exposure-matched hold, side/cluster-preserving random and `trend` rule go here."""
    out: dict[str, list[RunFigures]] = {"buy_and_hold": [figures(buy_and_hold(frame, config))]}
    out["sma_trend"] = [figures(run_plans(frame, SmaCross().plan(frame), config, strategy="sma").result)]
    if random_seeds > 0 and run.result.trades:
        out["random"] = [figures(r) for r in random_baselines(frame, run, config, seeds=random_seeds)]
    return out


def lgb_params(config: TrialConfig) -> dict[str, Any]:
    """LightGBM parameters: the shipped model's defaults, overridden by the trial's."""
    params = {k: v for k, v in DEFAULT_PARAMS.items() if k != "metric"}
    params |= {
        "objective": "binary" if config.family == "classifier" else "huber",
        "learning_rate": config.learning_rate,
        "num_leaves": config.num_leaves,
        "min_data_in_leaf": config.min_data_in_leaf,
        "feature_fraction": config.feature_fraction,
        "lambda_l2": config.lambda_l2,
    }
    if config.family == "regressor":
        # Huber: crypto returns have fat tails that would dominate a squared loss.
        params["alpha"] = 0.01
    return params


def fit_booster(
    config: TrialConfig,
    X_fit: FloatArray,
    y_fit: FloatArray,
    X_val: FloatArray,
    y_val: FloatArray,
    feature_names: list[str],
) -> lgb.Booster:
    """Train on the fit rows, early-stopping on the validation rows (the end of the training
    window, never the test period)."""
    params = lgb_params(config)
    fit = lgb.Dataset(X_fit, label=y_fit, feature_name=feature_names, params=params, free_raw_data=True)
    val = lgb.Dataset(X_val, label=y_val, reference=fit, params=params, free_raw_data=True)
    return lgb.train(
        params,
        fit,
        num_boost_round=config.max_rounds,
        valid_sets=[val],
        callbacks=[lgb.early_stopping(30, verbose=False)],
    )
