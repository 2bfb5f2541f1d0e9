"""Trials as Ray tasks, on a real local Ray instance with 2 worker CPUs (no mock)."""

from __future__ import annotations

import os
from pathlib import Path

import optuna
import pytest

from alphaloop.research.search import run_search
from alphaloop.research.spec import parse_study
from tests.kit.data import data_dir

pytestmark = pytest.mark.integration


def test_two_trials_run_as_ray_tasks_sharing_one_sqlite_study(tmp_path: Path) -> None:
    settings = {
        "name": "ray",
        "folds_start": "2024-02-01",
        "folds_end": "2024-03-01",
        "symbols": ["BTC/USDT:USDT", "ETH/USDT:USDT"],
    }
    space = {"retrain_days": 30, "train_days": 45, "max_rounds": 30, "num_leaves": {"low": 4, "high": 8}}
    study = parse_study({"study": settings, "space": space})
    url = f"sqlite:///{tmp_path / 'ray.db'}"
    handle = run_search(study, url, n_trials=2, workers=2, ray_address="local", data_dir=data_dir())
    trials = handle.get_trials()
    assert [t.state for t in trials] == [optuna.trial.TrialState.COMPLETE] * 2
    # Every trial ran in a Ray worker process, not here, and wrote its record to the shared study.
    assert all(t.user_attrs["pid"] != os.getpid() for t in trials)
    assert all(len(t.user_attrs["folds"]) == 1 for t in trials)
    import ray

    assert not ray.is_initialized()  # the local instance we started is shut down
