"""A study and its lockbox looks in PostgreSQL (a real server, unix socket only)."""

from __future__ import annotations

import optuna
import pytest

from alphaloop.research.search import open_storage, run_search
from alphaloop.research.spec import parse_study
from alphaloop.research.store import EvaluationStore
from tests.kit.data import data_dir

pytestmark = pytest.mark.integration


def test_a_study_runs_on_postgresql_and_keeps_lockbox_looks_there(pg_url: str) -> None:
    settings = {
        "name": "pg",
        "folds_start": "2024-02-01",
        "folds_end": "2024-03-01",
        "symbols": ["BTC/USDT:USDT"],
    }
    space = {"retrain_days": 30, "train_days": 60, "max_rounds": 20}
    handle = run_search(
        parse_study({"study": settings, "space": space}), pg_url, n_trials=1, data_dir=data_dir()
    )
    assert [t.state for t in handle.get_trials()] == [optuna.trial.TrialState.COMPLETE]
    reopened = optuna.load_study(study_name="pg", storage=open_storage(pg_url))
    assert reopened.user_attrs["spec"]["study"]["name"] == "pg"
    with EvaluationStore(pg_url) as store:
        look = store.start("pg", 0)  # millisecond timestamps need BIGINT in PostgreSQL
        store.finish(look, {"strategy": {"sharpe": 0.1}}, None)
        (saved,) = store.list("pg")
    assert saved.finished_ms is not None
    assert saved.finished_ms > 1_700_000_000_000
