"""`alphaloop backtest` tells the truth: an in-sample model run stops with one line (exit 2)
unless allowed and then says IN-SAMPLE; the JSON carries the model's range, the risk gate's
record and the nulls; `--no-risk` is labelled."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alphaloop.decision.ml import TrainSettings, train
from alphaloop.ops.backtest import parse_day
from tests.integration.test_cli_smoke import run
from tests.kit.backtest import real_frame
from tests.kit.data import data_dir

pytestmark = pytest.mark.integration
PAIRS = ["BTC/USDT:USDT", "ETH/USDT:USDT"]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    frame = real_frame(PAIRS, "1h", "2024-01-01", "2024-04-01")
    artifact = train(
        frame,
        start_ms=parse_day("2024-01-08"),
        end_ms=parse_day("2024-03-01"),
        horizon_bars=4,
        settings=TrainSettings(folds=2, max_rounds=30, early_stopping_rounds=10, min_rounds=5),
        now_ms=1_700_000_000_000,
    )
    return artifact.save(tmp_path_factory.mktemp("models") / "m")


def backtest(tmp_path: Path, *args: str):  # type: ignore[no-untyped-def]
    return run(
        "backtest", "--strategy", "ml", "--symbols", "cmt_btcusdt,cmt_ethusdt", "--seeds", "3",
        "--out", str(tmp_path / "out"), *args, cwd=tmp_path, ALPHALOOP_DATA_DIR=str(data_dir()),
    )  # fmt: skip


def test_an_in_sample_period_exits_2_with_one_line_naming_both_ranges(
    tmp_path: Path, model_dir: Path
) -> None:
    refused = backtest(tmp_path, "--model", str(model_dir), "--start", "2024-02-01", "--end", "2024-03-15")
    assert refused.returncode == 2, refused.stderr
    line = refused.stderr.strip()
    assert "\n" not in line
    assert "2024-02-01" in line
    assert "2024-01-08" in line
    assert "2024-03-01" in line
    assert "--allow-in-sample" in line
    assert "Traceback" not in refused.stderr


def test_allowed_in_sample_says_so_and_the_json_has_model_risk_and_nulls(
    tmp_path: Path, model_dir: Path
) -> None:
    allowed = backtest(
        tmp_path, "--model", str(model_dir), "--start", "2024-02-01", "--end", "2024-03-15",
        "--allow-in-sample", "--json",
    )  # fmt: skip
    assert allowed.returncode == 0, allowed.stderr
    summary = json.loads(allowed.stdout)
    assert summary["in_sample"] is True
    assert summary["model"]["train_start"] == "2024-01-08T00:00:00Z"
    assert summary["model"]["train_end"] == "2024-03-01T00:00:00Z"
    assert summary["risk"]["enabled"] is True
    assert isinstance(summary["risk"]["denials"], dict)
    assert set(summary["baselines"]) == {"buy_and_hold", "buy_and_hold_matched", "random", "trend"}
    assert 0 <= summary["baselines"]["random"]["p_value"] <= 1
    html = (tmp_path / "out" / "report.html").read_text()
    assert "IN-SAMPLE" in html


def test_no_risk_is_labelled_in_the_table_and_the_report(tmp_path: Path) -> None:
    result = run(
        "backtest", "--strategy", "sma", "--symbols", "cmt_btcusdt", "--start", "2024-01-01",
        "--end", "2024-02-01", "--seeds", "2", "--no-risk", "--out", str(tmp_path / "r"),
        cwd=tmp_path, ALPHALOOP_DATA_DIR=str(data_dir()),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "NO RISK GATE" in result.stdout
    assert "NO RISK GATE" in (tmp_path / "r" / "report.html").read_text()
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert summary["risk"] == {"enabled": False}
    assert summary["in_sample"] is False
