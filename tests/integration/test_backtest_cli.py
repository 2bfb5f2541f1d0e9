"""`alphaloop backtest` as a user runs it: the JSON contract and the report folder."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.integration.test_cli_smoke import run
from tests.kit.data import data_dir

pytestmark = pytest.mark.integration

KEYS = {
    "total_return", "cagr", "sharpe", "sortino", "max_drawdown", "calmar", "trades", "win_rate",
    "profit_factor", "exposure", "turnover", "fees_paid", "funding_paid", "liquidations",
}  # fmt: skip


def test_json_summary_has_the_metrics_and_both_baselines_and_the_report_is_written(tmp_path: Path) -> None:
    out = tmp_path / "report"
    result = run(
        "backtest", "--strategy", "sma", "--symbols", "cmt_btcusdt,cmt_ethusdt", "--timeframe", "1h",
        "--start", "2024-01-01", "--end", "2024-04-01", "--seeds", "4", "--json", "--out", str(out),
        cwd=tmp_path, ALPHALOOP_DATA_DIR=str(data_dir()),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)  # stdout is the JSON and nothing else
    assert set(summary) >= KEYS
    assert set(summary["baselines"]["buy_and_hold"]) >= KEYS
    assert all(set(summary["baselines"]["random"][k]) == {"mean", "std"} for k in KEYS)
    assert summary["trades"] > 10
    assert 0 <= summary["max_drawdown"] < 1
    assert 0 < summary["exposure"] <= 1
    assert json.loads((out / "summary.json").read_text()) == summary
    with (out / "trades.csv").open() as handle:
        assert len(list(csv.DictReader(handle))) == summary["trades"]
    html = (out / "report.html").read_text()
    assert "plotly.min.js" in html
    assert (out / "plotly.min.js").is_file()


def test_table_output_and_bad_input(tmp_path: Path) -> None:
    env = {"ALPHALOOP_DATA_DIR": str(data_dir())}
    ok = run(
        "backtest", "--strategy", "hold", "--symbols", "cmt_solusdt", "--start", "2024-01-01",
        "--end", "2024-02-01", "--seeds", "2", "--out", str(tmp_path / "r"), cwd=tmp_path, **env,
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    assert "buy" in ok.stdout.lower()
    assert "report:" in ok.stdout
    for args, message in [
        (("--leverage", "25"), "leverage"),
        (("--strategy", "nope"), "unknown strategy"),
        (("--symbols", "cmt_pepeusdt"), "PEPE"),
        (("--start", "2031-01-01"), "candles"),
    ]:
        bad = run("backtest", "--symbols", "cmt_btcusdt", *args, cwd=tmp_path, **env)
        assert bad.returncode == 2, (args, bad.stdout, bad.stderr)
        assert message.lower() in bad.stderr.lower(), (args, bad.stderr)
