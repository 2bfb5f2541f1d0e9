"""The search in this process on real bars: per-fold reports for pruning, NSGA-II's two
objectives, and a configuration that cannot be evaluated failing alone with its reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import optuna
import pytest

from alphaloop.model.errors import ConfigurationError
from alphaloop.research.search import run_search, winner
from alphaloop.research.spec import parse_study
from tests.kit.data import data_dir

pytestmark = pytest.mark.integration

STUDY: dict[str, Any] = {
    "name": "inproc",
    "folds_start": "2024-02-01",
    "folds_end": "2024-04-01",
    "symbols": ["BTC/USDT:USDT", "SOL/USDT:USDT"],
}
SPACE: dict[str, Any] = {
    "retrain_days": 30,
    "train_days": 45,
    "max_rounds": 30,
    "num_leaves": {"low": 4, "high": 8},
}


def test_each_fold_is_reported_for_pruning_and_the_winner_is_the_best_objective(tmp_path: Path) -> None:
    study = parse_study({"study": STUDY, "space": SPACE})
    handle = run_search(study, f"sqlite:///{tmp_path / 's.db'}", n_trials=2, data_dir=data_dir())
    trials = handle.get_trials()
    assert [t.state for t in trials] == [optuna.trial.TrialState.COMPLETE] * 2
    for t in trials:
        assert sorted(t.intermediate_values) == [0, 1]  # one report per fold: the pruner's input
        assert len(t.user_attrs["folds"]) == 2
        assert t.value == pytest.approx(t.user_attrs["objective"])
    assert winner(handle).value == max(t.value for t in trials if t.value is not None)


def test_nsga2_studies_maximise_median_sharpe_and_minimise_drawdown(tmp_path: Path) -> None:
    study = parse_study({"study": {**STUDY, "name": "nsga", "sampler": "nsga2"}, "space": SPACE})
    handle = run_search(study, f"sqlite:///{tmp_path / 'n.db'}", n_trials=1, data_dir=data_dir())
    (trial,) = handle.get_trials()
    assert trial.values is not None
    assert len(trial.values) == 2
    folds = trial.user_attrs["folds"]
    assert trial.values[1] == pytest.approx(max(f["max_drawdown"] for f in folds))


def test_a_point_of_the_space_without_enough_rows_fails_alone_with_its_reason(tmp_path: Path) -> None:
    space = {**SPACE, "train_days": 7, "validation_share": 0.8}
    study = parse_study({"study": {**STUDY, "name": "thin"}, "space": space})
    handle = run_search(study, f"sqlite:///{tmp_path / 't.db'}", n_trials=1, data_dir=data_dir())
    (trial,) = handle.get_trials()
    assert trial.state == optuna.trial.TrialState.FAIL
    assert "training" in trial.user_attrs["error"]
    assert "widen train_days" in trial.user_attrs["error"]
    with pytest.raises(ConfigurationError, match=r"no completed trial yet \(last failure: window"):
        winner(handle)
