"""Whole-period figures of a walk-forward: the folds' equity chained end to end (each fold starts
from the previous fold's final equity, in proportion), and the same for each null."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from alphaloop.features.rolling import FloatArray
from alphaloop.research.adapter import RunFigures
from alphaloop.research.trial import DAY_MS, FoldResult


@dataclass(frozen=True, slots=True)
class Aggregate:
    total_return: float
    sharpe: float  # annualised from daily returns (365 days: crypto trades every day)
    max_drawdown: float
    trades: int
    longs: int
    shorts: int
    median_fold_sharpe: float
    worst_fold_drawdown: float
    folds: int

    def to_dict(self) -> dict[str, Any]:
        return {
            k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in asdict(self).items()
        }


def chain(runs: Sequence[RunFigures]) -> tuple[np.ndarray, FloatArray]:
    """Bar times and the chained equity (starting at 1.0) of consecutive runs."""
    ts, curves, level = [], [], 1.0
    for run in runs:
        if not len(run.equity):
            continue
        relative = run.equity / run.initial_equity
        ts.append(run.ts)
        curves.append(level * relative)
        level *= float(relative[-1])
    if not ts:
        return np.zeros(0, np.int64), np.zeros(0)
    return np.concatenate(ts), np.concatenate(curves)


def daily_sharpe(ts: np.ndarray, equity: FloatArray) -> float:
    if len(equity) < 2:
        return 0.0
    day = ts // DAY_MS
    last = np.r_[day[1:] != day[:-1], True]
    closes = np.r_[1.0, equity[last]]
    r = closes[1:] / closes[:-1] - 1.0
    sd = float(r.std(ddof=1)) if len(r) > 1 else 0.0
    return float(r.mean() / sd * math.sqrt(365)) if sd > 0 else 0.0


def max_drawdown(equity: FloatArray) -> float:
    if not len(equity):
        return 0.0
    curve = np.r_[1.0, equity]
    peak = np.maximum.accumulate(curve)
    return float(np.max((peak - curve) / peak))


def aggregate_runs(runs: Sequence[RunFigures]) -> Aggregate:
    ts, equity = chain(runs)
    sharpes = [r.sharpe for r in runs]
    return Aggregate(
        total_return=float(equity[-1] - 1.0) if len(equity) else 0.0,
        sharpe=daily_sharpe(ts, equity),
        max_drawdown=max_drawdown(equity),
        trades=sum(r.trades for r in runs),
        longs=sum(r.longs for r in runs),
        shorts=sum(r.shorts for r in runs),
        median_fold_sharpe=float(np.median(sharpes)) if sharpes else 0.0,
        worst_fold_drawdown=max((r.max_drawdown for r in runs), default=0.0),
        folds=len(runs),
    )


def aggregate(folds: Sequence[FoldResult]) -> Aggregate:
    return aggregate_runs([f.figures for f in folds])


def null_aggregates(folds: Sequence[FoldResult]) -> dict[str, list[Aggregate]]:
    """Per null kind, one aggregate per seed (buy-and-hold has one)."""
    out: dict[str, list[Aggregate]] = {}
    kinds = sorted({k for f in folds for k in f.nulls})
    for kind in kinds:
        seeds = min(len(f.nulls.get(kind, [])) for f in folds)
        out[kind] = [aggregate_runs([f.nulls[kind][i] for f in folds]) for i in range(seeds)]
    return out


def null_comparison(strategy: Aggregate, nulls: dict[str, list[Aggregate]]) -> dict[str, dict[str, float]]:
    """The strategy's Sharpe against each null: the null's mean, and (random) the share of seeds
    doing at least as well (an empirical p-value, with the +1 correction)."""
    out = {}
    for kind, values in nulls.items():
        sharpes = np.array([v.sharpe for v in values])
        if not len(sharpes):
            continue
        p = (1 + int(np.sum(sharpes >= strategy.sharpe))) / (1 + len(sharpes))
        out[kind] = {
            "sharpe": float(sharpes.mean()),
            "total_return": float(np.mean([v.total_return for v in values])),
            "max_drawdown": float(np.mean([v.max_drawdown for v in values])),
            "seeds": float(len(values)),
            "p_value": p,
        }
    return out
