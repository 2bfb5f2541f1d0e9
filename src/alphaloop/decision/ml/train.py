"""Walk-forward training of the offline model.

1. Features and labels for every bar in [start, end) of every symbol, computed from bars before
   `end` only (rows whose label needs later bars are dropped).
2. Expanding walk-forward folds (`backtest.walkforward.expanding_folds`, purged by the label
   horizon): each fold early-stops on an inner validation split, the last
   `inner_validation_share` of its own training period (purged from the rows it fits on by the
   horizon too), never on its test period; the median best number of rounds is the model's. Each
   fold then trains on its whole training period at that many rounds and scores its test period:
   out-of-fold scores for the later part of the range, from models that never saw it.
3. The calibrator and the entry thresholds are fitted on those out-of-fold scores; the reported
   metrics are out-of-fold too, with each fold calibrated on the other folds only.
4. The final booster trains on all rows with that number of rounds.

Deterministic: LightGBM runs with `deterministic`, a fixed seed and row-wise histograms.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import lightgbm as lgb
import numpy as np

from alphaloop.backtest.walkforward import WalkForwardWindow, expanding_folds
from alphaloop.decision.ml.artifact import MlArtifact, model_version
from alphaloop.decision.ml.calibration import CalibrationKind, Calibrator, fit_calibrator
from alphaloop.decision.ml.dataset import TAKER_FEE, TrainingRows, training_rows
from alphaloop.decision.ml.metrics import accuracy, auc, brier, log_loss
from alphaloop.features.rolling import FloatArray
from alphaloop.model.errors import ConfigurationError
from alphaloop.model.frame import MarketFrame

#: Bars ahead the label looks (8 hours on the default 1h timeframe): long enough for a typical
#: move to clear the round-trip fees, short enough to stay predictable (walk-forward AUC peaks
#: around 8-24 bars on 2023-2025 1h data, with the best trading record near 8-12).
DEFAULT_HORIZON_BARS = 8

#: The entry threshold when an artifact carries none (see `TrainSettings.signal_share`).
DEFAULT_ENTRY_THRESHOLD = 0.55

#: Small, strongly regularised trees: the signal in returns is faint, and scoring must stay fast
#: (TreeSHAP explanations cost grows with leaves x trees).
DEFAULT_PARAMS: Mapping[str, Any] = {
    "objective": "binary",
    # Early stopping on log loss: AUC on faint signals jumps around and stops after 2 rounds.
    "metric": ["binary_logloss", "auc"],
    "learning_rate": 0.03,
    "num_leaves": 15,
    "max_depth": 6,
    "min_data_in_leaf": 400,
    "feature_fraction": 0.7,
    "bagging_fraction": 0.7,
    "bagging_freq": 1,
    "lambda_l2": 10.0,
    "max_bin": 63,
    "seed": 7,
    "deterministic": True,
    "force_row_wise": True,
    "verbosity": -1,
    # Histogram building on a few hundred thousand rows gains nothing from threads here and
    # loses a lot to their synchronisation (measured: 1 thread ~4x faster than 2 on 2 cores).
    "num_threads": 1,
}

#: Progress report: (what is happening, steps done, steps in total).
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class TrainSettings:
    fee_rate: float = TAKER_FEE
    #: Moves within +-(2 * fee_rate + neutral_band) are not worth trading and are not learnt.
    neutral_band: float = 0.0
    folds: int = 4
    first_train_fraction: float = 0.5
    #: Platt by default: isotonic pools the extreme bins, so its probabilities stop short of the
    #: tails where the entry thresholds lie.
    calibration: CalibrationKind = "platt"
    max_rounds: int = 400
    early_stopping_rounds: int = 40
    min_rounds: int = 10
    #: The entry thresholds are learnt: the out-of-fold probabilities beyond which this share of
    #: bars lies (half on each side). Calibrated probabilities of a faint signal crowd around 0.5,
    #: so a fixed number would trade all the time for one model and never for another. 5% beat
    #: 10% and 20% for every horizon tried (8, 12, 24 bars; trained to 2024-12-31, run on 2025-H1).
    signal_share: float = 0.05
    #: The last share of each fold's training period that early stopping validates on (the
    #: fold's test period stays unseen until it is scored).
    inner_validation_share: float = 0.2

    def __post_init__(self) -> None:
        if self.folds < 1 or self.max_rounds < 1 or self.min_rounds < 1:
            raise ConfigurationError("folds, max_rounds and min_rounds must be >= 1")
        if self.fee_rate < 0 or self.neutral_band < 0:
            raise ConfigurationError("fee_rate and neutral_band must be >= 0")
        if not 0.0 < self.signal_share < 1.0:
            raise ConfigurationError("signal_share must be in (0, 1)")
        if not 0.0 < self.inner_validation_share < 0.5:
            raise ConfigurationError("inner_validation_share must be in (0, 0.5)")

    @property
    def round_trip_cost(self) -> float:
        return 2.0 * self.fee_rate

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class FoldReport:
    window: WalkForwardWindow
    train_rows: int
    test_rows: int
    best_rounds: int
    auc: float


@dataclass(frozen=True, slots=True)
class TrainReport:
    artifact: MlArtifact
    folds: tuple[FoldReport, ...]
    seconds: float
    metrics: Mapping[str, float] = field(default_factory=dict)
    #: The out-of-fold raw scores and labels the calibrator and thresholds were fitted on.
    oof_scores: FloatArray = field(default_factory=lambda: np.zeros(0))
    oof_labels: FloatArray = field(default_factory=lambda: np.zeros(0))


def _no_progress(stage: str, done: int, total: int) -> None:
    del stage, done, total


def train(
    frame: MarketFrame,
    *,
    start_ms: int,
    end_ms: int,
    horizon_bars: int = DEFAULT_HORIZON_BARS,
    params: Mapping[str, Any] | None = None,
    settings: TrainSettings | None = None,
    progress: Progress | None = None,
    now_ms: int | None = None,
) -> MlArtifact:
    """Train on bars in [start_ms, end_ms) of `frame`; nothing at or after `end_ms` is used."""
    return train_with_report(
        frame,
        start_ms=start_ms,
        end_ms=end_ms,
        horizon_bars=horizon_bars,
        params=params,
        settings=settings,
        progress=progress,
        now_ms=now_ms,
    ).artifact


def train_with_report(
    frame: MarketFrame,
    *,
    start_ms: int,
    end_ms: int,
    horizon_bars: int = DEFAULT_HORIZON_BARS,
    params: Mapping[str, Any] | None = None,
    settings: TrainSettings | None = None,
    progress: Progress | None = None,
    now_ms: int | None = None,
) -> TrainReport:
    """`train`, plus the per-fold record."""
    started = time.perf_counter()
    config = settings or TrainSettings()
    lgb_params = {**DEFAULT_PARAMS, **(params or {})}
    report = progress or _no_progress
    if end_ms <= start_ms:
        raise ConfigurationError("training end must be after its start")
    if horizon_bars < 1:
        raise ConfigurationError("horizon must be at least 1 bar")
    total_steps = config.folds + 3
    report("features and labels", 0, total_steps)
    rows = training_rows(
        frame,
        start_ms=start_ms,
        end_ms=end_ms,
        horizon=horizon_bars,
        cost=config.round_trip_cost,
        band=config.neutral_band,
    )
    labelled = rows.take(~np.isnan(rows.y))
    if len(labelled) < 200:
        raise ConfigurationError(
            f"only {len(labelled)} labelled rows in the training range: widen it or lower the horizon"
        )
    gap_ms = horizon_bars * frame.step_ms
    windows = expanding_folds(
        start_ms, end_ms, folds=config.folds, first_train_fraction=config.first_train_fraction, gap_ms=gap_ms
    )
    dataset = lgb.Dataset(
        labelled.X,
        label=labelled.y,
        feature_name=list(labelled.feature_names),
        params=lgb_params,
        free_raw_data=False,
    )
    dataset.construct()

    # Pass 1: each fold early-stops on the end of its own training period (purged); the final
    # model gets the median of the best numbers of rounds. Pass 2: each fold retrains on its whole
    # training period at that number of rounds and scores its test period, so the calibrator and
    # thresholds fitted on those out-of-fold scores match the scale of the final model's scores
    # (a booster's score spread grows with its rounds) and no score saw its own period.
    final_params = {k: v for k, v in lgb_params.items() if k != "metric"}
    fitted: list[tuple[int, WalkForwardWindow, np.ndarray, int]] = []
    for k, window in enumerate(windows):
        report(f"fold {k + 1}/{len(windows)}", k + 1, total_steps)
        train_idx = np.flatnonzero(window.train_mask(labelled.ts))
        test_idx = np.flatnonzero(window.test_mask(labelled.ts))
        if len(train_idx) < 100 or len(test_idx) < 20:
            continue
        fit_idx, valid_idx = inner_split(
            labelled.ts[train_idx], window, config.inner_validation_share, gap_ms
        )
        if len(fit_idx) < 80 or len(valid_idx) < 20:
            continue
        booster = lgb.train(
            lgb_params,
            dataset.subset(train_idx[fit_idx].tolist()),
            num_boost_round=config.max_rounds,
            valid_sets=[dataset.subset(train_idx[valid_idx].tolist())],
            callbacks=[
                lgb.early_stopping(config.early_stopping_rounds, first_metric_only=True, verbose=False)
            ],
        )
        best = max(int(booster.best_iteration or config.max_rounds), 1)
        fitted.append((k, window, train_idx, best))
    if not fitted:
        raise ConfigurationError("no walk-forward fold had enough rows: widen the training range")
    rounds = max(config.min_rounds, int(np.median([best for *_, best in fitted])))

    oof_raw = np.full(len(rows), np.nan)
    fold_of = np.full(len(rows), -1)
    fold_reports: list[FoldReport] = []
    for k, window, train_idx, best in fitted:
        booster = lgb.train(final_params, dataset.subset(train_idx.tolist()), num_boost_round=rounds)
        in_test = window.test_mask(rows.ts)
        oof_raw[in_test] = booster.predict(rows.X[in_test], raw_score=True, num_iteration=rounds)
        fold_of[in_test] = k
        labelled_test = in_test & ~np.isnan(rows.y)
        fold_auc = auc(oof_raw[labelled_test], rows.y[labelled_test])
        fold_reports.append(FoldReport(window, len(train_idx), int(labelled_test.sum()), best, fold_auc))

    report("calibration", config.folds + 1, total_steps)
    scored = ~np.isnan(oof_raw)
    labelled_oof = scored & ~np.isnan(rows.y)
    calibrator = fit_calibrator(oof_raw[labelled_oof], rows.y[labelled_oof], config.calibration)
    metrics = _oof_metrics(rows, oof_raw, fold_of, calibrator, config)

    report("final model", config.folds + 2, total_steps)
    booster = lgb.train(final_params, dataset, num_boost_round=rounds)
    metrics |= {
        "train_rows": float(len(labelled)),
        "rounds": float(rounds),
        "fold_best_rounds_min": float(min(f.best_rounds for f in fold_reports)),
        "fold_best_rounds_max": float(max(f.best_rounds for f in fold_reports)),
    }
    settings_json = config.to_json()
    version = model_version(
        timeframe=frame.timeframe,
        symbols=rows.symbols,
        start_ms=start_ms,
        end_ms=end_ms,
        horizon_bars=horizon_bars,
        feature_names=rows.feature_names,
        params=lgb_params,
        settings=settings_json,
    )
    artifact = MlArtifact(
        booster=booster,
        version=version,
        timeframe=frame.timeframe,
        symbols=rows.symbols,
        start_ms=start_ms,
        end_ms=end_ms,
        horizon_bars=horizon_bars,
        feature_names=rows.feature_names,
        params=dict(lgb_params),
        settings=settings_json,
        calibration=calibrator,
        metrics=metrics,
        created_ms=now_ms if now_ms is not None else int(time.time() * 1000),
        purge_ms=gap_ms,
    )
    report("done", total_steps, total_steps)
    return TrainReport(
        artifact,
        tuple(fold_reports),
        time.perf_counter() - started,
        metrics,
        oof_scores=oof_raw[labelled_oof],
        oof_labels=rows.y[labelled_oof],
    )


def inner_split(
    train_ts: np.ndarray, window: WalkForwardWindow, share: float, gap_ms: int
) -> tuple[np.ndarray, np.ndarray]:
    """Positions (into `train_ts`) of the rows a fold fits on and of its early-stopping rows:
    the last `share` of the training period validates; the rows before it whose labels would
    reach into it (`gap_ms`) are purged."""
    span = window.train_end_ms - window.train_start_ms
    valid_start = window.train_end_ms - int(span * share)
    fit = np.flatnonzero(train_ts < valid_start - gap_ms)
    valid = np.flatnonzero(train_ts >= valid_start)
    return fit, valid


def _oof_metrics(
    rows: TrainingRows,
    oof_raw: FloatArray,
    fold_of: np.ndarray,
    calibrator: Calibrator,
    config: TrainSettings,
) -> dict[str, float]:
    """Out-of-fold quality: classification on labelled rows (each fold calibrated on the others),
    the entry thresholds, and their trading record on all rows, neutral ones included."""
    scored = ~np.isnan(oof_raw)
    probability = np.full(len(rows), np.nan)
    folds = np.unique(fold_of[scored])
    for k in folds:
        others = scored & (fold_of != k) & ~np.isnan(rows.y)
        mine = fold_of == k
        if len(folds) > 1 and others.sum() >= 20 and 0 < rows.y[others].sum() < others.sum():
            cross = fit_calibrator(oof_raw[others], rows.y[others], config.calibration)
        else:
            cross = Calibrator("identity")
        probability[mine] = cross.apply(oof_raw[mine])
    labelled = scored & ~np.isnan(rows.y)
    p, y = probability[labelled], rows.y[labelled]
    base_rate = float(y.mean())
    # Thresholds on the probabilities the saved model will output (the final calibrator): the
    # top and bottom signal_share / 2 of out-of-fold bars, never against the model's own side.
    final = calibrator.apply(oof_raw[scored])
    long_at = float(np.clip(np.quantile(final, 1.0 - config.signal_share / 2), 0.501, 0.99))
    short_at = float(np.clip(np.quantile(final, config.signal_share / 2), 0.01, 0.499))
    direction = np.where(final >= long_at, 1.0, np.where(final <= short_at, -1.0, 0.0))
    traded = direction != 0
    net = direction[traded] * rows.forward[scored][traded] - config.round_trip_cost
    return {
        "long_threshold": long_at,
        "short_threshold": short_at,
        "oof_rows": float(labelled.sum()),
        "oof_auc": auc(oof_raw[labelled], y),
        "oof_logloss": log_loss(p, y),
        "oof_logloss_base_rate": log_loss(np.full(len(y), base_rate), y),
        "oof_brier": brier(p, y),
        "oof_hit_rate": accuracy(p, y),
        "oof_base_rate_up": base_rate,
        "oof_signal_share": float(traded.sum() / max(scored.sum(), 1)),
        "oof_signal_hit_rate": float(np.mean(net > 0)) if len(net) else float("nan"),
        "oof_signal_mean_net_return": float(np.mean(net)) if len(net) else float("nan"),
    }
