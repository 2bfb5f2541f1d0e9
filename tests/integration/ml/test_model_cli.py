"""`alphaloop model train / info / list` end to end on the shared data (a short range: seconds)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner, Result

from alphaloop.cli.model import model_app
from alphaloop.decision.ml import METADATA_FILE, MODEL_FILE, MlArtifact, load_model
from alphaloop.ops.backtest import parse_day
from tests.kit.data import data_dir

pytestmark = pytest.mark.integration

app = typer.Typer()
app.add_typer(model_app, name="model")


@app.callback()
def _root() -> None:
    """Stand-in for the `alphaloop` root command."""


def invoke(*args: str) -> Result:
    return CliRunner().invoke(app, ["model", *args], env={"COLUMNS": "200"})


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty folder: no user store or models, the shared data as the data folder."""
    monkeypatch.chdir(tmp_path)
    for name in ("ALPHALOOP_MODELS_DIR", "ALPHALOOP_STORE_DIR", "ALPHALOOP_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ALPHALOOP_DATA_DIR", str(data_dir()))
    return tmp_path


def test_train_writes_a_versioned_artifact_and_reports_validation(isolated: Path) -> None:
    result = invoke(
        "train", "--start", "2024-01-01", "--end", "2024-04-01",
        "--symbols", "cmt_btcusdt,ETH/USDT:USDT,SOL/USDT:USDT", "--horizon", "4", "--folds", "2",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    folders = list((isolated / "models").iterdir())
    assert len(folders) == 1
    artifact = MlArtifact.load(folders[0])
    assert folders[0].name == f"alphaloop-lgbm-1h-{artifact.version}"
    assert {p.name for p in folders[0].iterdir()} == {MODEL_FILE, METADATA_FILE}
    assert f"version: {artifact.version}" in result.output
    assert f"artifact: {Path('models') / folders[0].name}" in result.output
    assert "AUC" in result.output
    assert "walk-forward folds" in result.output
    assert artifact.symbols == ("BTC/USDT:USDT", "ETH/USDT:USDT", "SOL/USDT:USDT")
    assert artifact.end_ms == parse_day("2024-04-01")
    assert artifact.horizon_bars == 4
    assert load_model().info.version == artifact.version  # the default: the latest in ./models

    info = invoke("info", "--json")
    assert info.exit_code == 0, info.output
    assert json.loads(info.output)["version"] == artifact.version
    listed = invoke("list")
    assert artifact.version in listed.output


def test_train_out_writes_exactly_there_and_json_prints_the_metadata(isolated: Path) -> None:
    out = isolated / "my-model"
    result = invoke(
        "train", "--start", "2024-01-01", "--end", "2024-03-15", "--symbols", "BTC/USDT:USDT,XRP/USDT:USDT",
        "--horizon", "2", "--folds", "2", "--out", str(out), "--json", "--calibration", "isotonic",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    meta = json.loads(result.output)
    assert meta["path"] == str(out)
    assert meta["calibration"]["kind"] == "isotonic"
    assert MlArtifact.load(out).version == meta["version"]
    assert not (isolated / "models").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--start", "2024-03-01", "--end", "2024-01-01"), "after --start"),
        (("--start", "2024-01-01", "--end", "2024-01-02"), "labelled rows"),
        (("--start", "yesterday", "--end", "2024-01-02"), "not a date"),
        (("--start", "2024-01-01", "--end", "2024-03-01", "--calibration", "magic"), "platt or isotonic"),
    ],
)
def test_bad_requests_stop_with_one_clear_line(args: tuple[str, ...], message: str) -> None:
    result = invoke("train", *args, "--symbols", "BTC/USDT:USDT")
    assert result.exit_code == 2
    assert message in result.output


def test_info_without_models_says_how_to_train() -> None:
    result = invoke("info")
    assert result.exit_code == 2
    assert "alphaloop model train" in result.output
