"""Labels, training rows and training: nothing at or after the end of the range is ever used."""

from __future__ import annotations

import numpy as np
import pytest

from alphaloop.decision.ml import (
    MlArtifact,
    TrainSettings,
    direction_labels,
    forward_returns,
    train,
    training_rows,
)
from alphaloop.model.errors import ConfigurationError
from alphaloop.model.frame import Bars, MarketFrame
from tests.unit.decision.ml.conftest import FIXED_NOW, HORIZON, TINY, TRAIN_END, TRAIN_START


def with_garbage_from(frame: MarketFrame, cut_ms: int) -> MarketFrame:
    """The same frame with every bar and funding rate at or after `cut_ms` replaced by noise."""
    after = frame.ts >= cut_ms
    rng = np.random.default_rng(99)
    bars = {}
    for symbol, b in frame.bars.items():
        columns = []
        for values in (b.open, b.high, b.low, b.close, b.volume):
            changed = values.copy()
            changed[after] = rng.uniform(1, 1e6, size=int(after.sum()))
            columns.append(changed)
        bars[symbol] = Bars(*columns)
    funding = {}
    for symbol, f in frame.funding.items():
        rate = f.rate.copy()
        rate[f.ts >= cut_ms] = 0.05
        funding[symbol] = type(f)(f.ts, rate)
    return MarketFrame(frame.timeframe, frame.ts, bars, funding)


def test_forward_returns_enter_at_the_next_open_and_exit_at_the_horizon_close() -> None:
    open_ = np.array([10.0, 11, 12, 13, 14])
    close = np.array([10.5, 11.5, 12.5, 13.5, 14.5])
    forward = forward_returns(open_, close, 2)
    np.testing.assert_allclose(forward[:3], [12.5 / 11 - 1, 13.5 / 12 - 1, 14.5 / 13 - 1])
    assert np.isnan(forward[3:]).all()
    labels = direction_labels(np.array([0.01, -0.01, 0.001, np.nan]), cost=0.0016, band=0.001)
    np.testing.assert_array_equal(labels[:2], [1.0, 0.0])
    assert np.isnan(labels[2:]).all()


def test_training_rows_lie_in_the_range_and_ignore_everything_after_it(frame: MarketFrame) -> None:
    rows = training_rows(frame, start_ms=TRAIN_START, end_ms=TRAIN_END, horizon=HORIZON)
    assert rows.ts.min() >= TRAIN_START
    assert rows.ts.max() < TRAIN_END - HORIZON * frame.step_ms  # labels need bars before the end
    assert np.all(np.diff(rows.ts) >= 0)
    labelled = ~np.isnan(rows.y)
    assert set(np.unique(rows.y[labelled])) == {0.0, 1.0}
    assert 0 < (~labelled).sum() < labelled.sum()  # neutral rows are kept, unlabelled
    assert np.all(np.abs(rows.forward[labelled]) > 0.0016)
    assert np.all(np.abs(rows.forward[~labelled]) <= 0.0016)
    np.testing.assert_array_equal(rows.y[labelled], rows.forward[labelled] > 0)
    spoiled = training_rows(
        with_garbage_from(frame, TRAIN_END), start_ms=TRAIN_START, end_ms=TRAIN_END, horizon=HORIZON
    )
    np.testing.assert_array_equal(spoiled.X, rows.X)
    np.testing.assert_array_equal(spoiled.y, rows.y)
    np.testing.assert_array_equal(spoiled.forward, rows.forward)


def test_training_sees_only_data_before_the_end(frame: MarketFrame, artifact: MlArtifact) -> None:
    spoiled = train(
        with_garbage_from(frame, TRAIN_END),
        start_ms=TRAIN_START,
        end_ms=TRAIN_END,
        horizon_bars=HORIZON,
        settings=TINY,
        now_ms=FIXED_NOW,
    )
    assert spoiled.version == artifact.version
    assert spoiled.booster.model_to_string() == artifact.booster.model_to_string()
    assert spoiled.calibration == artifact.calibration
    assert spoiled.metrics == artifact.metrics


def test_the_artifact_describes_its_training(frame: MarketFrame, artifact: MlArtifact) -> None:
    assert artifact.timeframe == "1h"
    assert artifact.symbols == tuple(frame.symbols)
    assert (artifact.start_ms, artifact.end_ms, artifact.horizon_bars) == (TRAIN_START, TRAIN_END, HORIZON)
    assert len(artifact.version) == 12
    assert artifact.num_trees >= TINY.min_rounds
    assert artifact.calibration.kind == "platt"
    assert artifact.thresholds is not None
    long_at, short_at = artifact.thresholds
    assert 0.0 < short_at < 0.5 < long_at < 1.0
    for key in (
        "oof_auc",
        "oof_logloss",
        "oof_hit_rate",
        "oof_rows",
        "train_rows",
        "rounds",
        "oof_signal_share",
    ):
        assert np.isfinite(artifact.metrics[key]), key
    assert 0.3 < artifact.metrics["oof_auc"] < 0.7


def test_the_version_hashes_range_features_and_parameters(frame: MarketFrame, artifact: MlArtifact) -> None:
    def version(**changes: object) -> str:
        kwargs: dict[str, object] = {
            "start_ms": TRAIN_START,
            "end_ms": TRAIN_END,
            "horizon_bars": HORIZON,
            "settings": TINY,
            "now_ms": FIXED_NOW + 1,
        }
        kwargs.update(changes)
        return train(frame, **kwargs).version  # type: ignore[arg-type]

    assert version() == artifact.version  # the training time is not part of it
    assert version(end_ms=TRAIN_END - 86_400_000) != artifact.version
    assert version(params={"num_leaves": 7}) != artifact.version


def test_a_range_without_enough_rows_is_refused(frame: MarketFrame) -> None:
    with pytest.raises(ConfigurationError, match="labelled rows"):
        train(frame, start_ms=TRAIN_START, end_ms=TRAIN_START + 3 * 3_600_000, settings=TINY)
    with pytest.raises(ConfigurationError, match="after its start"):
        train(frame, start_ms=TRAIN_END, end_ms=TRAIN_START, settings=TINY)
    with pytest.raises(ConfigurationError):
        TrainSettings(signal_share=1.5)
