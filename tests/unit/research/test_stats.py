"""Known answers for the overfitting statistics: each test fails if the formula is wrong."""

from __future__ import annotations

import math

import numpy as np
import pytest

from alphaloop.research.stats import (
    deflated_sharpe,
    expected_max_sharpe,
    probabilistic_sharpe,
    probability_of_overfitting,
    sharpe,
)


def test_psr_of_normal_returns_matches_the_closed_form() -> None:
    # SR 0.1 over 101 normal returns against 0: Phi(0.1 * 10 / sqrt(1 + 0.01 / 2)) = Phi(0.99751)
    assert probabilistic_sharpe(0.1, 0.0, 101) == pytest.approx(0.84072, abs=1e-4)


def test_psr_penalises_negative_skew_and_fat_tails() -> None:
    normal = probabilistic_sharpe(0.1, 0.0, 101)
    assert probabilistic_sharpe(0.1, 0.0, 101, skew=-3.0, kurtosis=10.0) < normal


def test_expected_max_sharpe_matches_monte_carlo_max_of_normals() -> None:
    rng = np.random.default_rng(1)
    simulated = rng.standard_normal((20_000, 100)).max(axis=1).mean()  # ~2.508
    assert expected_max_sharpe(100, 1.0) == pytest.approx(simulated, rel=0.02)
    assert expected_max_sharpe(1, 1.0) == 0.0
    # Scales with the standard deviation of the trials' Sharpe ratios.
    assert expected_max_sharpe(100, 4.0) == pytest.approx(2 * expected_max_sharpe(100, 1.0))


def test_deflated_sharpe_of_one_trial_is_the_psr_against_zero() -> None:
    rng = np.random.default_rng(2)
    r = rng.normal(0.001, 0.01, 500)
    d = deflated_sharpe(r, np.array([sharpe(r)]))
    assert d.benchmark == 0.0
    assert d.dsr == pytest.approx(probabilistic_sharpe(sharpe(r), 0.0, 500, d.skew, d.kurtosis))


def test_deflated_sharpe_falls_as_trials_multiply() -> None:
    rng = np.random.default_rng(3)
    r = rng.normal(0.002, 0.01, 500)
    spread = rng.normal(0.0, 0.05, 1000)
    few = deflated_sharpe(r, spread[:5]).dsr
    many = deflated_sharpe(r, spread).dsr
    assert many < few
    # The luckiest of 1000 noise trials is not significant.
    noise = rng.normal(0.0, 0.01, (500, 1000))
    srs = np.array([sharpe(noise[:, i]) for i in range(1000)])
    best = int(np.argmax(srs))
    assert deflated_sharpe(noise[:, best], srs).dsr < 0.6


def test_pbo_is_one_when_in_sample_winners_always_reverse() -> None:
    # Two blocks: trial 0 wins the first half and loses the second, trial 1 the opposite.
    rng = np.random.default_rng(4)
    a = np.concatenate([rng.normal(0.01, 0.01, 50), rng.normal(-0.01, 0.01, 50)])
    b = np.concatenate([rng.normal(-0.01, 0.01, 50), rng.normal(0.01, 0.01, 50)])
    c = rng.normal(0.0, 0.01, 100)
    result = probability_of_overfitting(np.column_stack([a, b, c]), blocks=2)
    assert result.splits == 2
    assert result.pbo == 1.0


def test_pbo_is_zero_when_one_trial_has_a_persistent_edge() -> None:
    rng = np.random.default_rng(5)
    m = rng.normal(0.0, 0.01, (400, 20))
    m[:, 7] += 0.01
    result = probability_of_overfitting(m, blocks=8)
    assert result.splits == math.comb(8, 4)
    assert result.pbo == 0.0


def test_pbo_of_pure_noise_is_near_one_half() -> None:
    rng = np.random.default_rng(6)
    pbos = [probability_of_overfitting(rng.normal(0, 0.01, (160, 30)), blocks=8).pbo for _ in range(20)]
    assert 0.3 < float(np.mean(pbos)) < 0.7


def test_pbo_rejects_bad_shapes() -> None:
    with pytest.raises(ValueError, match="even"):
        probability_of_overfitting(np.zeros((100, 3)), blocks=3)
    with pytest.raises(ValueError, match="2 trials"):
        probability_of_overfitting(np.zeros((100, 1)))
