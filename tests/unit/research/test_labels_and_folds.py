"""Labels see only the bars after the entry, folds are purged, fold figures chain correctly."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from alphaloop.research.adapter import RunFigures
from alphaloop.research.labels import classify, excess_over_market, forward_matrix, triple_barrier_matrix
from alphaloop.research.spec import TrialConfig, parse_study
from alphaloop.research.store import EvaluationStore
from alphaloop.research.summary import aggregate_runs, chain, max_drawdown
from alphaloop.research.trial import DAY_MS, fold_windows

HOUR = 3_600_000


def test_forward_return_enters_at_the_next_open_and_exits_at_the_horizon_close() -> None:
    open_ = np.array([[10.0, 11.0, 12.0, 13.0, 14.0]])
    close = np.array([[10.5, 11.5, 12.5, 13.5, 14.5]])
    r = forward_matrix(open_, close, 2)
    assert r[0, 0] == pytest.approx(12.5 / 11.0 - 1)
    assert r[0, 2] == pytest.approx(14.5 / 13.0 - 1)
    assert np.isnan(r[0, 3:]).all()  # those labels would need bars we do not have


def _path(highs: list[float], lows: list[float], closes: list[float]) -> tuple[np.ndarray, ...]:
    n = len(highs) + 1
    open_ = np.full((1, n), 100.0)
    high = np.array([[100.0, *highs]])
    low = np.array([[100.0, *lows]])
    close = np.array([[100.0, *closes]])
    atr = np.full((1, n), 0.01)  # 1% ATR: barriers at +-2% with barrier_atr = 2
    return open_, high, low, close, atr


def test_triple_barrier_takes_the_first_barrier_touched() -> None:
    o, h, lo, c, atr = _path([101.0, 102.5, 101.0], [99.5, 99.0, 97.0], [100.5, 101.0, 98.0])
    r = triple_barrier_matrix(o, h, lo, c, atr, horizon=3, barrier_atr=2.0)
    assert r[0, 0] == pytest.approx(0.02)  # take-profit on bar 2, before the stop on bar 3


def test_triple_barrier_counts_a_bar_touching_both_as_the_stop_and_times_out_at_the_close() -> None:
    o, h, lo, c, atr = _path([103.0, 100.0], [97.0, 100.0], [100.0, 100.7])
    assert triple_barrier_matrix(o, h, lo, c, atr, horizon=2, barrier_atr=2.0)[0, 0] == pytest.approx(-0.02)
    o, h, lo, c, atr = _path([101.0, 101.0], [99.0, 99.0], [100.0, 100.7])
    assert triple_barrier_matrix(o, h, lo, c, atr, horizon=2, barrier_atr=2.0)[0, 0] == pytest.approx(0.007)


def test_excess_labels_are_market_neutral_and_classes_skip_moves_inside_the_cost() -> None:
    r = np.array([[0.03, 0.01], [0.01, np.nan], [-0.01, 0.02]])
    x = excess_over_market(r)
    assert x[:, 0] == pytest.approx([0.02, 0.0, -0.02])
    assert x[0, 1] == pytest.approx(-0.005)
    labels = classify(np.array([0.01, -0.01, 0.001, np.nan]), 0.0016)
    assert labels[:2].tolist() == [1.0, 0.0]
    assert np.isnan(labels[2:]).all()


def test_folds_tile_the_span_and_every_training_window_is_purged_by_horizon_plus_one_bar() -> None:
    settings = parse_study({"study": {"name": "x"}}).study
    config = TrialConfig(horizon_bars=12, retrain_days=90, train_days=180)
    folds = fold_windows(settings.folds_start_ms, settings.folds_end_ms, config, HOUR)
    assert folds[0].test_start_ms == settings.folds_start_ms
    assert folds[-1].test_end_ms == settings.folds_end_ms
    assert len(folds) == 6  # 2023-07..2024-12 in 90-day folds, the 9-day stub merged into the last
    for a, b in itertools.pairwise(folds):
        assert a.test_end_ms == b.test_start_ms
    for f in folds:
        # The label of the last training bar (open time train_end - 1h) ends at its + horizon close,
        # strictly before the first test bar opens.
        last_train_bar = f.train_end_ms - HOUR
        assert last_train_bar + (config.horizon_bars + 1) * HOUR <= f.test_start_ms
        assert f.test_start_ms - f.train_end_ms == (config.horizon_bars + 1) * HOUR
        assert f.train_end_ms - f.train_start_ms == 180 * DAY_MS


def _run(equity: list[float], start_ms: int, trades: int = 1) -> RunFigures:
    values = np.array(equity)
    return RunFigures(
        sharpe=0.0, total_return=values[-1] / 100 - 1, max_drawdown=max_drawdown(values / 100),
        trades=trades, longs=trades, shorts=0, fees=0.0, funding=0.0, initial_equity=100.0,
        ts=start_ms + DAY_MS * np.arange(len(values), dtype=np.int64), equity=values,
    )  # fmt: skip


def test_folds_chain_in_proportion_and_drawdown_spans_fold_boundaries() -> None:
    first = _run([110.0, 120.0], 0)
    second = _run([90.0, 108.0], 2 * DAY_MS)  # -25% then +20% of the fold's own start
    _, equity = chain([first, second])
    assert equity.tolist() == pytest.approx([1.1, 1.2, 1.08, 1.296])
    agg = aggregate_runs([first, second])
    assert agg.total_return == pytest.approx(0.296)
    assert agg.max_drawdown == pytest.approx(0.1)  # 1.2 -> 1.08 across the boundary
    assert agg.trades == 2


def test_lockbox_evaluations_are_recorded_before_and_after(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    with EvaluationStore(url) as store:
        first = store.start("s", 3)
        store.finish(first, {"strategy": {"sharpe": 1.0}}, "models/x")
        store.start("s", 4)  # a look that never finished still counts
        store.start("other", 1)
        looks = store.list("s")
    assert [(e.trial_number, e.finished_ms is not None) for e in looks] == [(3, True), (4, False)]
    assert looks[0].figures == {"strategy": {"sharpe": 1.0}}


def test_regime_filters_keep_signals_only_in_their_regime() -> None:
    from alphaloop.features.matrix import FEATURE_NAMES
    from alphaloop.research.trial import Prepared, _regime_filter

    n = 4
    features = np.zeros((1, n, len(FEATURE_NAMES)))
    features[0, :, FEATURE_NAMES.index("trend_72")] = [0.02, -0.02, 0.02, -0.02]
    features[0, :, FEATURE_NAMES.index("vol_ratio_12_72")] = [0.8, 0.8, 1.5, 1.5]
    z = np.zeros((1, n))
    data = Prepared(None, features, np.ones((1, n), bool), z, z, z, z)  # type: ignore[arg-type]
    state = np.array([1, 1, -1, -1], dtype=np.int8)
    rows = slice(0, n)
    assert _regime_filter(data, TrialConfig(), 0, rows, state).tolist() == [1, 1, -1, -1]
    assert _regime_filter(data, TrialConfig(regime="with_trend"), 0, rows, state).tolist() == [1, 0, 0, -1]
    assert _regime_filter(data, TrialConfig(regime="calm"), 0, rows, state).tolist() == [1, 1, 0, 0]
