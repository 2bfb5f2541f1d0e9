"""`alphaloop research` as a user runs it: a tiny real study on the shared data, two worker
processes sharing one SQLite study, the report with its overfitting statistics, and lockbox
looks recorded every time."""

from __future__ import annotations

import json
import os
from pathlib import Path

import optuna
import pytest

from alphaloop.decision.ml import load_model
from alphaloop.research.lockbox import LOCKBOX_START_MS
from alphaloop.research.store import EvaluationStore
from tests.integration.test_cli_smoke import run
from tests.kit.data import data_dir

pytestmark = pytest.mark.integration

TINY = """
[study]
name = "tiny"
folds_start = "2024-01-01"
folds_end = "2024-04-01"
seed = 3

[space]
retrain_days = 90
train_days = 60
max_rounds = 60
horizon_bars = [4, 8]
num_leaves = { low = 4, high = 15 }
family = ["classifier"]
"""


def test_run_report_and_final_record_every_lockbox_look(tmp_path: Path) -> None:
    env = {"ALPHALOOP_DATA_DIR": str(data_dir())}
    (tmp_path / "tiny.toml").write_text(TINY)
    ran = run("research", "run", "tiny.toml", "--trials", "3", "--workers", "2", cwd=tmp_path, **env)
    assert ran.returncode == 0, ran.stderr
    assert "3 trials" in ran.stdout
    url = f"sqlite:///{tmp_path / 'studies' / 'tiny.db'}"
    trials = optuna.load_study(study_name="tiny", storage=url).get_trials()
    assert [t.state for t in trials] == [optuna.trial.TrialState.COMPLETE] * 3
    # Two worker processes shared the study, neither of them this one.
    pids = {t.user_attrs["pid"] for t in trials}
    assert len(pids) == 2
    assert os.getpid() not in pids
    # No search trial ever produced a figure from a lockbox day.
    assert max(max(t.user_attrs["daily_ms"]) for t in trials) < LOCKBOX_START_MS

    report = run("research", "report", "tiny", "--null-seeds", "2", "--json", cwd=tmp_path, **env)
    assert report.returncode == 0, report.stderr
    data = json.loads(report.stdout)
    over = data["overfitting"]
    assert over["n_trials"] == 3
    assert 0.0 <= over["deflated_sharpe"]["dsr"] <= 1.0
    assert 0.0 <= over["pbo"]["pbo"] <= 1.0
    assert over["pbo"]["splits"] == 70
    winner = data["winner"]
    assert len(winner["folds"]) == 1
    assert set(winner["nulls"]) == {"buy_and_hold", "sma_trend", "random"}
    assert data["lockbox_looks"] == []
    html = (tmp_path / "reports" / "research-tiny" / "report.html").read_text()
    assert "Lockbox looks" in html
    # under reports/, the page loads the one shared copy of the plotting library
    assert '<script src="../plotly.min.js"></script>' in html
    assert not (tmp_path / "reports" / "research-tiny" / "plotly.min.js").exists()
    assert (tmp_path / "reports" / "plotly.min.js").stat().st_size > 1_000_000

    first = run("research", "final", "tiny", "--null-seeds", "1", "--out", "models", cwd=tmp_path, **env)
    assert first.returncode == 0, first.stderr
    assert "lockbox, trial" in first.stdout
    assert "already opened" not in first.stdout
    second = run("research", "final", "tiny", "--null-seeds", "1", "--out", "models", cwd=tmp_path, **env)
    assert second.returncode == 0, second.stderr
    assert "already opened 1 time" in second.stdout
    with EvaluationStore(url) as store:
        looks = store.list("tiny")
    assert len(looks) == 2
    assert all(look.finished_ms is not None and look.figures for look in looks)
    assert looks[0].figures is not None
    assert looks[0].figures["strategy"]["folds"] == 3  # 2025-01..09 in 90-day folds

    artifact = Path(looks[0].artifact or "")
    record = json.loads((tmp_path / artifact / "research.json").read_text())
    provenance = record["provenance"]
    assert provenance["study"] == "tiny"
    assert provenance["train_end_ms"] - provenance["train_start_ms"] == 60 * 86_400_000
    assert provenance["train_end"] >= "2025-09-29"
    # A classifier's artifact loads as the offline ML model, with its training range as provenance.
    model = load_model(tmp_path / artifact)
    assert model.artifact.end_ms == provenance["train_end_ms"]
    assert model.artifact.feature_names == tuple(record["feature_names"])
    if record["ml_compatible"]:
        assert (model.long_threshold, model.short_threshold) == pytest.approx(
            (model.artifact.metrics["long_threshold"], model.artifact.metrics["short_threshold"])
        )

    again = run("research", "report", "tiny", "--null-seeds", "0", "--json", cwd=tmp_path, **env)
    assert len(json.loads(again.stdout)["lockbox_looks"]) == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[study]\nname = "peek"\nfolds_end = "2025-06-01"\n', "lockbox"),
        ('[study]\nname = "x"\n[space]\nleverage = 99\n', "leverage = 99"),
    ],
)
def test_bad_studies_exit_2_with_one_line(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "s.toml").write_text(text)
    result = run(
        "research", "run", "s.toml", "--trials", "1", cwd=tmp_path, ALPHALOOP_DATA_DIR=str(data_dir())
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "studies").exists() or not any((tmp_path / "studies").iterdir())


def test_final_on_an_unknown_study_is_one_line(tmp_path: Path) -> None:
    result = run("research", "final", "nope", "--storage", f"sqlite:///{tmp_path / 'x.db'}", cwd=tmp_path)
    assert result.returncode == 2
    assert "no study 'nope'" in result.stderr
