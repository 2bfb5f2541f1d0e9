"""`alphaloop run` never replays bars its model was trained on: it stops with one line (exit 2)
unless `--allow-in-sample`, and then the run is labelled IN-SAMPLE."""

from __future__ import annotations

from pathlib import Path

import pytest

from alphaloop.config import load_settings
from alphaloop.data import load_frame
from alphaloop.decision.ml import TrainSettings, train
from alphaloop.model.instruments import COMPETITION_SYMBOLS
from alphaloop.ops.embedded import EmbeddedRequest, prepare_embedded
from alphaloop.ops.trading import TradingOptions
from tests.kit.data import data_dir
from tests.kit.paper import clean_env, run_cli

pytestmark = pytest.mark.integration
DAY = 86_400_000


@pytest.fixture(scope="module")
def recent_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny model trained on the last 40 days of the data: the run's replay lies inside it."""
    frame = load_frame(list(COMPETITION_SYMBOLS), "1h", data_dir=data_dir())
    end = int(frame.ts[-1]) + frame.step_ms
    artifact = train(
        frame.slice(end - 50 * DAY, None),
        start_ms=end - 40 * DAY,
        end_ms=end,
        horizon_bars=4,
        settings=TrainSettings(folds=2, max_rounds=20, early_stopping_rounds=5, min_rounds=5),
        now_ms=1_700_000_000_000,
    )
    return artifact.save(tmp_path_factory.mktemp("models") / "recent")


def test_run_refuses_a_model_trained_on_the_replayed_days(tmp_path: Path, recent_model: Path) -> None:
    env = clean_env(ALPHALOOP_DATA_DIR=str(data_dir()), ALPHALOOP_STORE_DIR=str(tmp_path / "store"))
    result = run_cli(
        [
            "run",
            "--strategy",
            "ml",
            "--model",
            str(recent_model),
            "--days",
            "3",
            "--out",
            str(tmp_path / "r"),
        ],
        env,
        cwd=tmp_path,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    line = result.stderr.strip()
    assert "\n" not in line
    assert "overlaps the training range" in line
    assert "--allow-in-sample" in line
    assert not (tmp_path / "r" / "journal.sqlite").exists()


def test_allowed_in_sample_run_is_prepared_and_labelled(tmp_path: Path, recent_model: Path) -> None:
    settings = load_settings(None, data_dir=data_dir(), store_dir=tmp_path / "store")
    options = TradingOptions(strategy="ml", model_path=recent_model)
    request = EmbeddedRequest(options=options, days=3, report_dir=tmp_path / "r", allow_in_sample=True)
    prepared = prepare_embedded(request, settings, say=lambda _: None)
    assert prepared.in_sample is True
