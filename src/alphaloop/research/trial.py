"""One trial: walk-forward with periodic retraining, as paper and live would retrain.

Every `retrain_days` the model is retrained on the trailing `train_days` (purged by the label
horizon + 1 bar before the test period), early-stops and sets its entry thresholds on the last
`validation_share` of that window, then trades the next `retrain_days` through the backtest, net
of fees and funding. The objective is robust: the median fold Sharpe minus `drawdown_penalty`
times the worst fold drawdown, never the best fold.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import lightgbm as lgb
import numpy as np

from alphaloop.decision.base import SymbolPlan
from alphaloop.decision.ml.dataset import TAKER_FEE
from alphaloop.decision.ml.signals import entry_edges, signal_state, time_exits
from alphaloop.features.matrix import FEATURE_LOOKBACK, FEATURE_NAMES, feature_panel, warm_rows
from alphaloop.features.panel import Panel
from alphaloop.features.rolling import FloatArray
from alphaloop.model.errors import ConfigurationError
from alphaloop.model.frame import MarketFrame
from alphaloop.research import adapter
from alphaloop.research.labels import classify, excess_over_market, forward_matrix, triple_barrier_matrix
from alphaloop.research.lockbox import assert_outside_lockbox, day
from alphaloop.research.spec import FEATURE_SETS, StudySettings, TrialConfig

DAY_MS = 86_400_000
_ATR = FEATURE_NAMES.index("atr_14")


@dataclass(frozen=True, slots=True)
class Prepared:
    """What every trial of a study shares: bars, all features, warm rows. Built once per process."""

    frame: MarketFrame
    features: FloatArray  # [symbols, bars, features]
    warm: np.ndarray  # [symbols, bars]
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray

    @property
    def atr_rel(self) -> FloatArray:
        return self.features[:, :, _ATR]


def prepare(frame: MarketFrame, *, lockbox: bool = False) -> Prepared:
    """Features of every bar; a frame holding lockbox bars is refused unless `lockbox` (only the
    final evaluation passes it)."""
    if not lockbox:
        assert_outside_lockbox(frame)
    panel = Panel.from_frame(frame)
    values = feature_panel(panel)
    warm = np.stack([warm_rows(values[i]) for i in range(values.shape[0])])
    return Prepared(frame, values, warm, panel.open, panel.high, panel.low, panel.close)


@dataclass(frozen=True, slots=True)
class Fold:
    train_start_ms: int
    train_end_ms: int  # exclusive, purged
    test_start_ms: int
    test_end_ms: int


def fold_windows(start: int, end: int, config: TrialConfig, step_ms: int) -> list[Fold]:
    """Test periods of `retrain_days` tiling [start, end), each trained on the `train_days`
    before it, ending (horizon + 1) bars before the test starts: no label reaches the test."""
    purge = (config.horizon_bars + 1) * step_ms
    folds = []
    while start < end:
        test_end = min(start + config.retrain_days * DAY_MS, end)
        if end - test_end < config.retrain_days * DAY_MS // 2:
            # A stub fold of a few days would weigh as much as a full one in the median.
            test_end = end
        folds.append(Fold(start - config.train_days * DAY_MS - purge, start - purge, start, test_end))
        start = test_end
    return folds


@dataclass(frozen=True, slots=True)
class FoldResult:
    fold: Fold
    figures: adapter.RunFigures
    long_at: float
    short_at: float
    rounds: int
    nulls: dict[str, list[adapter.RunFigures]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TrialResult:
    config: TrialConfig
    folds: tuple[FoldResult, ...]
    objective: float
    pruned: bool = False
    extra: dict[str, float] = field(default_factory=dict)

    def daily_returns(self) -> tuple[np.ndarray, FloatArray]:
        """Day starts (ms) and daily returns of the chained fold equity (for DSR and PBO)."""
        return daily_returns(self.folds)


def objective_value(folds: list[FoldResult] | tuple[FoldResult, ...], penalty: float) -> float:
    if not folds:
        return float("-inf")
    sharpes = [f.figures.sharpe for f in folds]
    worst = max(f.figures.max_drawdown for f in folds)
    return float(np.median(sharpes) - penalty * worst)


def daily_returns(folds: tuple[FoldResult, ...] | list[FoldResult]) -> tuple[np.ndarray, FloatArray]:
    days, values = [], []
    for f in folds:
        fig = f.figures
        if not len(fig.equity):
            continue
        day = fig.ts // DAY_MS
        last = np.r_[day[1:] != day[:-1], True]
        closes = fig.equity[last]
        # Each fold starts from the same equity: its first day's return is against that start.
        prev = np.r_[fig.initial_equity, closes[:-1]]
        days.append(day[last] * DAY_MS)
        values.append(closes / prev - 1.0)
    if not days:
        return np.zeros(0, np.int64), np.zeros(0)
    return np.concatenate(days).astype(np.int64), np.concatenate(values)


def _rows(ts: np.ndarray, start: int, end: int) -> slice:
    return slice(int(np.searchsorted(ts, start)), int(np.searchsorted(ts, end)))


def _labels(data: Prepared, config: TrialConfig) -> FloatArray:
    if config.label == "forward":
        r = forward_matrix(data.open, data.close, config.horizon_bars)
    else:
        r = triple_barrier_matrix(
            data.open, data.high, data.low, data.close, data.atr_rel,
            horizon=config.horizon_bars, barrier_atr=config.barrier_atr,
        )  # fmt: skip
    if config.target == "excess":
        r = excess_over_market(r)
    return r


def _stack(
    data: Prepared, target: FloatArray, cols: np.ndarray, rows: slice
) -> tuple[FloatArray, FloatArray]:
    X = data.features[:, rows, :][:, :, cols].reshape(-1, len(cols))
    y = target[:, rows].reshape(-1)
    keep = data.warm[:, rows].reshape(-1) & np.isfinite(y)
    return X[keep], y[keep]


def _thresholds(scores: FloatArray, config: TrialConfig) -> tuple[float, float]:
    share = config.signal_share
    if config.sides == "both":
        return float(np.quantile(scores, 1 - share / 2)), float(np.quantile(scores, share / 2))
    if config.sides == "long":
        return float(np.quantile(scores, 1 - share)), float("-inf")
    return float("inf"), float(np.quantile(scores, share))


_TREND = FEATURE_NAMES.index("trend_72")
_VOL_RATIO = FEATURE_NAMES.index("vol_ratio_12_72")


def _regime_filter(
    data: Prepared, config: TrialConfig, symbol: int, rows: slice, state: np.ndarray
) -> np.ndarray:
    """Signals kept only in the configured regime: "with_trend" keeps a side only when price is on
    that side of its 72-bar average (the model as a filter on trend following); "calm" only when
    short-term volatility is below long-term."""
    if config.regime == "with_trend":
        trend = np.nan_to_num(data.features[symbol, rows, _TREND])
        return np.where(state * np.sign(trend) > 0, state, 0).astype(np.int8)
    if config.regime == "calm":
        ratio = data.features[symbol, rows, _VOL_RATIO]
        with np.errstate(invalid="ignore"):
            return np.where(ratio < 1.0, state, 0).astype(np.int8)
    return state


def _plans(
    data: Prepared, config: TrialConfig, score: FloatArray, rows: slice, long_at: float, short_at: float
) -> dict[str, SymbolPlan]:
    plans = {}
    for i, symbol in enumerate(data.frame.symbols):
        s = score[i]
        entry = entry_edges(_regime_filter(data, config, i, rows, signal_state(s, long_at, short_at)))
        close = data.close[i, rows]
        atr = data.atr_rel[i, rows] * close
        side = entry.astype(np.float64)
        has = entry != 0
        stop = np.where(has & (config.stop_atr > 0), close - side * config.stop_atr * atr, np.nan)
        take = np.where(has & (config.take_atr > 0), close + side * config.take_atr * atr, np.nan)
        exit_ = time_exits(entry, config.horizon_bars) & (entry == 0)
        plans[symbol] = SymbolPlan(entry, exit_, stop, take, np.full(len(entry), np.nan))
    return plans


FoldCallback = Callable[[int, FoldResult, list[FoldResult]], None]


@dataclass(frozen=True, slots=True)
class FittedModel:
    """A model trained on one window, with its entry thresholds (raw-score space)."""

    booster: lgb.Booster
    rounds: int
    long_at: float
    short_at: float
    feature_names: tuple[str, ...]
    train_start_ms: int
    train_end_ms: int

    def scores(self, data: Prepared, rows: slice) -> FloatArray:
        """Raw scores [symbols, bars of rows]; NaN where a symbol is not warm."""
        cols = _columns(self.feature_names)
        X = data.features[:, rows, :][:, :, cols].reshape(-1, len(cols))
        warm = data.warm[:, rows].reshape(-1)
        score = np.full(len(X), np.nan)
        if warm.any():
            score[warm] = self.booster.predict(X[warm], raw_score=True, num_iteration=self.rounds)
        return score.reshape(data.features.shape[0], -1)


def _columns(names: tuple[str, ...] | list[str]) -> np.ndarray:
    return np.asarray([FEATURE_NAMES.index(n) for n in names])


def fit_window(
    data: Prepared, config: TrialConfig, fit_target: FloatArray, train_start_ms: int, train_end_ms: int
) -> FittedModel:
    """Train on [train_start, train_end) (already purged): fit on the first part, early-stop and
    set the thresholds on the last `validation_share` (purged from the fit rows too)."""
    ts, step = data.frame.ts, data.frame.step_ms
    names = FEATURE_SETS[config.feature_set]
    cols = _columns(names)
    span = train_end_ms - train_start_ms
    val_start = train_end_ms - int(span * config.validation_share)
    purge = (config.horizon_bars + 1) * step
    X_fit, y_fit = _stack(data, fit_target, cols, _rows(ts, train_start_ms, val_start - purge))
    X_val, y_val = _stack(data, fit_target, cols, _rows(ts, val_start, train_end_ms))
    if len(y_fit) < 200 or len(y_val) < 50:
        raise ConfigurationError(
            f"window {day(train_start_ms)}..{day(train_end_ms)}: only {len(y_fit)} training and "
            f"{len(y_val)} validation rows: widen train_days or move folds_start later"
        )
    booster = adapter.fit_booster(config, X_fit, y_fit, X_val, y_val, list(names))
    rounds = int(booster.best_iteration or booster.current_iteration())
    model = FittedModel(booster, rounds, 0.0, 0.0, names, train_start_ms, train_end_ms)
    # Thresholds from validation scores of every warm row (neutral ones included), as traded.
    val_scores = model.scores(data, _rows(ts, val_start, train_end_ms))
    long_at, short_at = _thresholds(val_scores[np.isfinite(val_scores)], config)
    return FittedModel(booster, rounds, long_at, short_at, names, train_start_ms, train_end_ms)


def fit_target(data: Prepared, config: TrialConfig) -> FloatArray:
    target = _labels(data, config)
    return classify(target, 2 * TAKER_FEE) if config.family == "classifier" else target


def run_trial(
    data: Prepared,
    settings: StudySettings,
    config: TrialConfig,
    *,
    on_fold: FoldCallback | None = None,
    span: tuple[int, int] | None = None,
    null_seeds: int = -1,
) -> TrialResult:
    """Walk forward over the study's folds (or `span`); `on_fold` may raise to stop early
    (pruning). `null_seeds` >= 0 also runs the nulls on every fold (buy-and-hold, and that many
    random-entry seeds)."""
    ts = data.frame.ts
    start, end = span if span is not None else (settings.folds_start_ms, settings.folds_end_ms)
    folds = fold_windows(start, end, config, data.frame.step_ms)
    clock = time.perf_counter
    seconds = dict.fromkeys(("labels", "fit", "score", "backtest", "nulls"), 0.0)
    t0 = clock()
    target = fit_target(data, config)
    seconds["labels"] += clock() - t0
    bt_config = adapter.backtest_config(config, settings.initial_equity)
    done: list[FoldResult] = []
    for k, fold in enumerate(folds):
        t0 = clock()
        model = fit_window(data, config, target, fold.train_start_ms, fold.train_end_ms)
        t1 = clock()
        test_rows = _rows(ts, fold.test_start_ms, fold.test_end_ms)
        plans = _plans(data, config, model.scores(data, test_rows), test_rows, model.long_at, model.short_at)
        t2 = clock()
        test_frame = data.frame.slice(fold.test_start_ms, fold.test_end_ms)
        run = adapter.run_fold(test_frame, plans, bt_config)
        t3 = clock()
        nulls = {}
        if null_seeds >= 0:
            nulls = adapter.null_runs(test_frame, run, bt_config, random_seeds=null_seeds)
        seconds["fit"] += t1 - t0
        seconds["score"] += t2 - t1
        seconds["backtest"] += t3 - t2
        seconds["nulls"] += clock() - t3
        figures = adapter.figures(run.result)
        result = FoldResult(fold, figures, model.long_at, model.short_at, model.rounds, nulls)
        done.append(result)
        if on_fold is not None:
            on_fold(k, result, done)
    return TrialResult(config, tuple(done), objective_value(done, settings.drawdown_penalty), extra=seconds)


def search_span(
    settings: StudySettings, max_train_days: int, max_horizon: int, step_ms: int
) -> tuple[int, int]:
    """The bars a study reads: warm-up + the longest training window before the first fold, to
    the folds' end (never the lockbox: `load_search_frame` checks)."""
    return lead_start(settings.folds_start_ms, max_train_days, max_horizon, step_ms), settings.folds_end_ms


def lead_start(first_test_ms: int, max_train_days: int, max_horizon: int, step_ms: int) -> int:
    return first_test_ms - max_train_days * DAY_MS - (max_horizon + 1 + FEATURE_LOOKBACK) * step_ms
