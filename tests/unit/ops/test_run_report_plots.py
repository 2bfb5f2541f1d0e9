"""The run report's figures stay readable: buy-and-hold beside the equity, drawdown ticks that
differ, small markers when fills are many, one shared plotting library under reports/."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from alphaloop.backtest.report import plotly_js_for
from alphaloop.model.frame import Bars, FundingSeries, MarketFrame
from alphaloop.ops.run_report import build_summary, summary_rows
from alphaloop.ops.run_report_plots import _marker_size, buy_and_hold_curve, percent_format

HOUR = 3_600_000


def _bars(closes: list[float]) -> Bars:
    values = np.asarray(closes, dtype=np.float64)
    return Bars(open=values, high=values, low=values, close=values, volume=np.ones(len(values)))


def test_buy_and_hold_is_the_equal_weight_mean_of_each_symbols_return() -> None:
    ts = np.arange(4, dtype=np.int64) * HOUR
    frame = MarketFrame(
        "1h",
        ts,
        {"A": _bars([100, 110, 120, 130]), "B": _bars([np.nan, 50, 25, 50])},
        {"A": FundingSeries.empty(), "B": FundingSeries.empty()},
    )
    times, equity = buy_and_hold_curve(frame, 0, 3 * HOUR, 1000.0)
    assert times.tolist() == [HOUR, 2 * HOUR, 3 * HOUR, 4 * HOUR]  # stamped at bar closes
    # A: 1.0, 1.1, 1.2, 1.3; B flat before its first bar, then 1.0, 0.5, 1.0
    assert equity.tolist() == pytest.approx([1000.0, 1050.0, 850.0, 1150.0])


@pytest.mark.parametrize(("largest", "fmt"), [(0.004, ".2%"), (0.02, ".1%"), (0.3, ".0%")])
def test_drawdown_ticks_have_enough_decimals_to_differ(largest: float, fmt: str) -> None:
    assert percent_format(largest) == fmt


def test_markers_shrink_as_fills_multiply() -> None:
    assert _marker_size(10) > _marker_size(1_000) > _marker_size(10_000)


def test_reports_under_reports_share_one_plotly_copy(tmp_path: Path) -> None:
    first, second = tmp_path / "reports" / "run-a", tmp_path / "reports" / "run-b"
    for folder in (first, second):
        folder.mkdir(parents=True)
        assert plotly_js_for(folder) == "../plotly.min.js"
        assert not (folder / "plotly.min.js").exists()
    assert (tmp_path / "reports" / "plotly.min.js").stat().st_size > 1_000_000
    elsewhere = tmp_path / "mine"
    elsewhere.mkdir()
    assert plotly_js_for(elsewhere) == "plotly.min.js"  # a report anywhere else stays self-contained
    assert (elsewhere / "plotly.min.js").is_file()


def test_model_errors_come_first_in_the_summary_and_fail_the_run() -> None:
    from alphaloop.ops.run_report import RunRows

    decisions = [{"bar_close_ms": i * HOUR, "error": "ValueError: bad" if i % 2 else None} for i in range(10)]
    rows = RunRows("j", None, [], decisions, [], [], [], [], [], [])
    summary = build_summary(rows, title="t", initial_equity=1000.0)
    assert next(iter(k for k in summary if k != "title")) == "model_errors"
    assert summary["model_errors"]["failed_run"] is True
    label, value = summary_rows(summary)[0]
    assert label == "MODEL ERRORS"
    assert "FAILED RUN" in value
