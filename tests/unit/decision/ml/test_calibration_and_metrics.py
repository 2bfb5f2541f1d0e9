"""Calibrators map raw scores to honest probabilities; metrics match their definitions."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from alphaloop.decision.ml.calibration import Calibrator, fit_calibrator, pool_adjacent_violators, sigmoid
from alphaloop.decision.ml.metrics import accuracy, auc, brier, log_loss
from alphaloop.model.errors import ConfigurationError


def logistic_sample(n: int, a: float, b: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    score = rng.normal(0, 1.5, size=n)
    label = (rng.random(n) < sigmoid(a * score + b)).astype(np.float64)
    return score, label


def test_pool_adjacent_violators_gives_the_monotone_weighted_fit() -> None:
    fitted = pool_adjacent_violators(np.array([1.0, 3.0, 2.0, 4.0]), np.array([1.0, 1.0, 1.0, 1.0]))
    np.testing.assert_allclose(fitted, [1.0, 2.5, 2.5, 4.0])
    weighted = pool_adjacent_violators(np.array([3.0, 1.0]), np.array([3.0, 1.0]))
    np.testing.assert_allclose(weighted, [2.5, 2.5])


def test_platt_recovers_the_logistic_link() -> None:
    score, label = logistic_sample(40_000, 0.6, -0.2)
    calibrator = fit_calibrator(score, label, "platt")
    assert calibrator.x[0] == pytest.approx(0.6, abs=0.05)
    assert calibrator.y[0] == pytest.approx(-0.2, abs=0.05)


def test_isotonic_is_monotone_bounded_and_close_to_the_truth() -> None:
    score, label = logistic_sample(40_000, 0.6, 0.1, seed=1)
    calibrator = fit_calibrator(score, label, "isotonic", bins=50)
    grid = np.linspace(-4, 4, 401)
    p = calibrator.apply(grid)
    assert np.all(np.diff(p) >= 0)
    assert p.min() >= 0.001
    assert p.max() <= 0.999
    inner = np.abs(grid) < 2
    np.testing.assert_allclose(p[inner], sigmoid(0.6 * grid[inner] + 0.1), atol=0.04)
    assert np.isnan(calibrator.apply(np.array([np.nan]))[0])


@pytest.mark.parametrize("kind", ["isotonic", "platt", "identity"])
def test_calibrators_survive_a_json_round_trip(kind: str) -> None:
    score, label = logistic_sample(2_000, 1.0, 0.0)
    calibrator = fit_calibrator(score, label, kind)  # type: ignore[arg-type]
    again = Calibrator.from_json(calibrator.to_json())
    np.testing.assert_array_equal(again.apply(score), calibrator.apply(score))


def test_bad_calibration_data_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="both outcomes"):
        fit_calibrator(np.zeros(10), np.ones(10))
    with pytest.raises(ConfigurationError, match="unknown calibration"):
        Calibrator.from_json({"kind": "magic"})
    with pytest.raises(ConfigurationError, match="increasing"):
        Calibrator.from_json({"kind": "isotonic", "x": [1.0, 0.0], "y": [0.2, 0.3]})


def test_auc_counts_ordered_pairs_with_ties_as_half() -> None:
    rng = np.random.default_rng(3)
    score = rng.integers(0, 5, size=60).astype(np.float64)
    label = (rng.random(60) < 0.4).astype(np.float64)
    pairs = [
        1.0 if s > t else 0.5 if s == t else 0.0
        for (s, y), (t, z) in itertools.product(zip(score, label, strict=True), repeat=2)
        if y == 1 and z == 0
    ]
    assert auc(score, label) == pytest.approx(np.mean(pairs))
    assert np.isnan(auc(score, np.ones(60)))


def test_loss_metrics() -> None:
    y = np.array([1.0, 0.0, 1.0, 0.0])
    p = np.array([0.8, 0.3, 0.4, 0.1])
    assert log_loss(p, y) == pytest.approx(-np.mean(np.log([0.8, 0.7, 0.4, 0.9])))
    assert brier(p, y) == pytest.approx(np.mean([0.04, 0.09, 0.36, 0.01]))
    assert accuracy(p, y) == 0.75
