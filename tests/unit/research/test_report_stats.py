"""The report's overfitting section from stored trials (an in-memory Optuna study, no data)."""

from __future__ import annotations

import numpy as np
import optuna
import pytest

from alphaloop.research.report import overfitting, returns_matrix

DAY = 86_400_000


def _trial(number: int, returns: np.ndarray, first_day: int = 0) -> optuna.trial.FrozenTrial:
    days = [(first_day + i) * DAY for i in range(len(returns))]
    trial = optuna.trial.create_trial(
        value=float(returns.mean()),
        user_attrs={"daily_ms": days, "daily_returns": [float(r) for r in returns], "objective": 0.0},
    )
    trial.number = number
    return trial


def test_returns_are_aligned_on_the_days_every_trial_has() -> None:
    a = _trial(0, np.array([0.01, 0.02, 0.03]))
    b = _trial(1, np.array([0.05, 0.06]), first_day=1)
    matrix, numbers = returns_matrix([a, b])
    assert numbers == [0, 1]
    assert matrix.tolist() == [[0.02, 0.05], [0.03, 0.06]]


def test_a_lucky_winner_among_noise_trials_is_flagged_and_a_real_edge_is_not() -> None:
    rng = np.random.default_rng(11)
    noise = rng.normal(0.0, 0.01, (365, 40))
    lucky = int(np.argmax(noise.mean(axis=0) / noise.std(axis=0)))
    trials = [_trial(i, noise[:, i]) for i in range(40)]
    flagged = overfitting(trials, lucky)
    assert flagged["n_trials"] == 40
    assert flagged["deflated_sharpe"]["dsr"] < 0.9
    assert flagged["pbo"]["pbo"] > 0.0  # noise: in-sample winners often land in the bottom half

    edge = noise.copy()
    edge[:, 5] += 0.006  # a persistent edge of ~0.6 daily Sharpe
    honest = overfitting([_trial(i, edge[:, i]) for i in range(40)], 5)
    assert honest["deflated_sharpe"]["dsr"] > 0.99
    assert honest["pbo"]["pbo"] == pytest.approx(0.0)


def test_pbo_is_not_invented_when_there_is_one_trial() -> None:
    out = overfitting([_trial(0, np.full(30, 0.001) + np.linspace(0, 0.001, 30))], 0)
    assert out["n_trials"] == 1
    assert out["pbo"] is None
    assert out["deflated_sharpe"]["benchmark_daily_sharpe"] == 0.0
