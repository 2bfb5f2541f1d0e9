"""Walk-forward windows: train before test, purge gap between, tests tile the span without overlap."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from alphaloop.backtest.walkforward import WalkForwardWindow, expanding_folds, walk_forward_windows
from alphaloop.model.errors import ConfigurationError

DAY = 86_400_000


def test_rolling_windows_move_by_the_test_length_and_keep_the_train_length() -> None:
    windows = walk_forward_windows(0, 100 * DAY, train_ms=30 * DAY, test_ms=10 * DAY, gap_ms=DAY)
    assert windows[0] == WalkForwardWindow(0, 30 * DAY, 31 * DAY, 41 * DAY)
    assert windows[1] == WalkForwardWindow(10 * DAY, 40 * DAY, 41 * DAY, 51 * DAY)
    for w in windows:
        assert w.train_end_ms - w.train_start_ms == 30 * DAY
        assert w.test_start_ms - w.train_end_ms == DAY
        assert w.test_end_ms <= 100 * DAY
    for a, b in itertools.pairwise(windows):
        assert b.test_start_ms == a.test_end_ms
    assert windows[-1].test_end_ms == 100 * DAY  # the last test period is cut at the end
    assert len(windows) == 7


def test_anchored_windows_expand_from_the_start() -> None:
    windows = walk_forward_windows(0, 60 * DAY, train_ms=20 * DAY, test_ms=10 * DAY, anchored=True)
    assert [w.train_start_ms for w in windows] == [0] * len(windows)
    assert [w.train_end_ms for w in windows] == [20 * DAY, 30 * DAY, 40 * DAY, 50 * DAY]


def test_a_longer_step_leaves_holes_a_shorter_one_is_refused() -> None:
    windows = walk_forward_windows(0, 100 * DAY, train_ms=10 * DAY, test_ms=5 * DAY, step_ms=20 * DAY)
    assert [w.test_start_ms for w in windows] == [10 * DAY, 30 * DAY, 50 * DAY, 70 * DAY, 90 * DAY]
    with pytest.raises(ConfigurationError, match="overlap"):
        walk_forward_windows(0, 100 * DAY, train_ms=10 * DAY, test_ms=5 * DAY, step_ms=DAY)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"start_ms": 10, "end_ms": 10, "train_ms": 1, "test_ms": 1},
        {"start_ms": 0, "end_ms": 10, "train_ms": 0, "test_ms": 1},
        {"start_ms": 0, "end_ms": 10, "train_ms": 5, "test_ms": 1, "gap_ms": -1},
        {"start_ms": 0, "end_ms": 10, "train_ms": 8, "test_ms": 1, "gap_ms": 2},
    ],
)
def test_impossible_spans_are_configuration_errors(kwargs: dict[str, int]) -> None:
    with pytest.raises(ConfigurationError):
        walk_forward_windows(**kwargs)


def test_expanding_folds_cover_the_rest_of_the_span_with_purged_tests() -> None:
    folds = expanding_folds(0, 100 * DAY, folds=4, first_train_fraction=0.4, gap_ms=2 * DAY)
    assert len(folds) == 4
    assert folds[0].train_end_ms == 40 * DAY
    assert folds[0].test_start_ms == 42 * DAY
    assert folds[-1].test_end_ms == 100 * DAY
    for a, b in itertools.pairwise(folds):
        assert b.test_start_ms == a.test_end_ms
        assert b.train_end_ms == b.test_start_ms - 2 * DAY
    assert all(f.train_start_ms == 0 for f in folds)
    with pytest.raises(ConfigurationError):
        expanding_folds(0, 100 * DAY, folds=0)
    with pytest.raises(ConfigurationError):
        expanding_folds(0, 100 * DAY, folds=2, first_train_fraction=1.0)


def test_rows_and_masks_select_the_periods() -> None:
    window = WalkForwardWindow(10, 20, 25, 30)
    ts = np.arange(0, 40, 5, dtype=np.int64)
    assert ts[window.train_rows(ts)].tolist() == [10, 15]
    assert ts[window.test_rows(ts)].tolist() == [25]
    shuffled = ts[::-1].copy()
    assert shuffled[window.train_mask(shuffled)].tolist() == [15, 10]
    assert shuffled[window.test_mask(shuffled)].tolist() == [25]
