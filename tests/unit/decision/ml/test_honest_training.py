"""Honest training: purged folds, early stopping inside each fold's training period, and the
calibrator fitted on out-of-fold scores only. Each test fails under the matching deliberate bug
(purge gap 0, early stopping on the test period, calibrator fitted in-sample)."""

from __future__ import annotations

import numpy as np
import pytest

from alphaloop.backtest.walkforward import WalkForwardWindow
from alphaloop.decision.ml import TrainReport, fit_calibrator, train_with_report
from alphaloop.decision.ml.train import inner_split
from alphaloop.model.frame import MarketFrame
from tests.unit.decision.ml.conftest import FIXED_NOW, HORIZON, TINY, TRAIN_END, TRAIN_START

HOUR = 3_600_000


@pytest.fixture(scope="module")
def report(frame: MarketFrame) -> TrainReport:
    return train_with_report(
        frame, start_ms=TRAIN_START, end_ms=TRAIN_END, horizon_bars=HORIZON, settings=TINY, now_ms=FIXED_NOW
    )


def test_every_fold_is_purged_by_the_label_horizon(report: TrainReport, frame: MarketFrame) -> None:
    assert len(report.folds) == TINY.folds
    for fold in report.folds:
        window = fold.window
        # The last training row's label ends where the test period starts, not inside it.
        assert window.test_start_ms - window.train_end_ms == HORIZON * frame.step_ms
        last_train_row = window.train_end_ms - frame.step_ms
        assert last_train_row + HORIZON * frame.step_ms < window.test_start_ms + frame.step_ms
    assert report.artifact.training_range.purge_ms == HORIZON * frame.step_ms


def test_early_stopping_validates_on_the_end_of_the_training_period_purged_not_the_test() -> None:
    window = WalkForwardWindow(0, 100 * HOUR, 104 * HOUR, 150 * HOUR)
    ts = np.arange(0, 100 * HOUR, HOUR)
    fit, valid = inner_split(ts, window, 0.2, 4 * HOUR)
    assert ts[valid].min() == 80 * HOUR
    assert ts[valid].max() < window.train_end_ms  # never a row of the test period
    assert ts[fit].max() == 75 * HOUR  # 76..79 purged: their labels reach the validation rows
    assert not set(fit) & set(valid)


def test_the_calibrator_is_fitted_on_out_of_fold_scores_only(report: TrainReport) -> None:
    scores, labels = report.oof_scores, report.oof_labels
    assert len(scores) == report.metrics["oof_rows"]
    refit = fit_calibrator(scores, labels, TINY.calibration)
    assert refit.to_json() == report.artifact.calibration.to_json()
