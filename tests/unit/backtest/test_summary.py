import io
import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from alphaloop.backtest.metrics import METHOD, SUMMARY_KEYS, Metrics
from alphaloop.backtest.result import BacktestResult
from alphaloop.backtest.summary import (
    aggregate,
    build_summary,
    format_value,
    render_summary_table,
    run_meta,
    summary_rows,
)

START_MS = 1_704_067_200_000  # 2024-01-01T00:00:00Z
HOUR_MS = 3_600_000

BASE = Metrics(
    total_return=0.12,
    cagr=0.5,
    sharpe=1.5,
    sortino=2.0,
    max_drawdown=0.08,
    calmar=6.25,
    trades=40,
    closed_trades=39,
    win_rate=0.55,
    profit_factor=1.4,
    average_trade=3.1,
    exposure=0.3,
    turnover=12.5,
    fees_paid=1234.5678,
    funding_paid=-12.0,
    liquidations=0,
    final_equity=11_200.0,
)


def test_aggregate_gives_mean_and_population_std_per_key() -> None:
    runs = [
        replace(BASE, total_return=0.1, trades=10),
        replace(BASE, total_return=0.2, trades=20),
        replace(BASE, total_return=0.3, trades=60),
    ]

    spread = aggregate(runs)

    assert set(spread) == set(SUMMARY_KEYS)
    assert spread["total_return"]["mean"] == pytest.approx(0.2)
    assert spread["total_return"]["std"] == pytest.approx(math.sqrt(2 / 3) * 0.1)
    assert spread["trades"] == {"mean": pytest.approx(30.0), "std": pytest.approx(math.sqrt(1400 / 3))}
    assert spread["fees_paid"] == {"mean": pytest.approx(1234.5678), "std": pytest.approx(0.0)}


def test_aggregate_skips_seeds_where_a_metric_is_undefined() -> None:
    runs = [replace(BASE, win_rate=None), replace(BASE, win_rate=0.5), replace(BASE, win_rate=1.0)]

    spread = aggregate(runs)

    assert spread["win_rate"] == {"mean": pytest.approx(0.75), "std": pytest.approx(0.25)}


def test_aggregate_of_an_always_undefined_metric_or_of_no_seeds_is_none() -> None:
    assert aggregate([replace(BASE, sharpe=None)] * 3)["sharpe"] == {"mean": None, "std": None}
    assert aggregate([]) == {key: {"mean": None, "std": None} for key in SUMMARY_KEYS}


def result() -> BacktestResult:
    n = 48
    return BacktestResult(
        strategy="ema_cross",
        timeframe="1h",
        symbols=("BTC/USDT:USDT", "ETH/USDT:USDT"),
        initial_equity=10_000.0,
        ts=START_MS + np.arange(n, dtype=np.int64) * HOUR_MS,
        equity=np.linspace(10_000.0, 11_200.0, n),
        gross_exposure=np.zeros(n),
        trades=(),
        fills=(),
        fees_paid=0.0,
        funding_paid=0.0,
        liquidations=0,
    )


def test_run_meta_states_what_was_tested_over_which_period() -> None:
    meta = run_meta(result(), report=Path("reports/run-1/report.html"))

    assert meta == {
        "strategy": "ema_cross",
        "symbols": ["BTC/USDT:USDT", "ETH/USDT:USDT"],
        "timeframe": "1h",
        "start": "2024-01-01T00:00:00Z",
        "end": "2024-01-03T00:00:00Z",  # the last bar's close
        "bars": 48,
        "initial_equity": 10_000.0,
        "final_equity": 11_200.0,
        "report": "reports/run-1/report.html",
    }


def test_summary_has_the_strategy_keys_at_top_level_then_baselines_and_meta() -> None:
    buy_and_hold = replace(BASE, total_return=0.3, sharpe=None)
    random_runs = [replace(BASE, total_return=r) for r in (-0.1, 0.0, 0.1, 0.2)]

    summary = build_summary(BASE, buy_and_hold, random_runs, run_meta(result()))

    assert list(summary) == [*SUMMARY_KEYS, "baselines", "meta"]
    assert {key: summary[key] for key in SUMMARY_KEYS} == BASE.to_dict()
    baselines = summary["baselines"]
    assert isinstance(baselines, dict)
    assert set(baselines) == {"buy_and_hold", "random"}
    assert baselines["buy_and_hold"] == buy_and_hold.to_dict()
    assert set(baselines["random"]) == {*SUMMARY_KEYS, "percentile", "p_value", "method"}
    assert baselines["random"]["total_return"]["mean"] == pytest.approx(0.05)
    # BASE's total return against the nulls -0.1, 0.0, 0.1, 0.2:
    expected_below = sum(r < BASE.total_return for r in (-0.1, 0.0, 0.1, 0.2))
    assert baselines["random"]["percentile"] == pytest.approx(expected_below / 4)
    at_or_above = sum(r >= BASE.total_return for r in (-0.1, 0.0, 0.1, 0.2))
    assert baselines["random"]["p_value"] == pytest.approx((1 + at_or_above) / 5)
    meta = summary["meta"]
    assert isinstance(meta, dict)
    assert meta["random_seeds"] == 4
    assert meta["method"] == METHOD
    assert meta["strategy"] == "ema_cross"
    assert meta["start"] == "2024-01-01T00:00:00Z"


def test_summary_is_strict_json_even_with_paths_tuples_and_nan_in_meta() -> None:
    meta = {"report": Path("out/report.html"), "symbols": ("BTC/USDT:USDT",), "odd": float("nan")}

    summary = build_summary(BASE, BASE, [], meta)

    assert json.loads(json.dumps(summary, allow_nan=False)) == summary
    assert summary["meta"] == {
        "report": "out/report.html",
        "symbols": ["BTC/USDT:USDT"],
        "odd": None,
        "final_equity": 11_200.0,
        "random_seeds": 0,
        "method": METHOD,
    }


@pytest.mark.parametrize(
    ("key", "value", "text"),
    [
        ("total_return", 0.1234, "12.34%"),
        ("max_drawdown", 0.25, "25.00%"),
        ("sharpe", 1.2345, "1.23"),
        ("turnover", 1234.5, "1,234.50x"),
        ("fees_paid", 1234567.891, "1,234,567.89"),
        ("trades", 1200, "1,200"),
        ("liquidations", 0, "0"),
        ("cagr", None, "—"),
        ("calmar", float("inf"), "—"),
    ],
)
def test_values_are_formatted_by_kind(key: str, value: float | None, text: str) -> None:
    assert format_value(key, value) == text


def test_rows_show_the_strategy_beside_buy_and_hold_and_the_random_spread() -> None:
    random_runs = [replace(BASE, total_return=0.01, trades=3), replace(BASE, total_return=0.03, trades=4)]
    summary = build_summary(BASE, replace(BASE, total_return=-0.05, sharpe=None), random_runs, {})

    rows = {row.key: row for row in summary_rows(summary)}

    assert [row.key for row in summary_rows(summary)] == list(SUMMARY_KEYS)
    total = rows["total_return"]
    assert (total.label, total.strategy, total.buy_and_hold, total.random) == (
        "Total return",
        "12.00%",
        "-5.00%",
        "2.00% ± 1.00%",
    )
    assert rows["sharpe"].buy_and_hold == "—"
    assert rows["trades"].random == "3.5 ± 0.5"
    assert rows["fees_paid"].strategy == "1,234.57"


def test_rendered_table_has_a_row_per_metric_and_the_three_columns() -> None:
    summary = build_summary(BASE, BASE, [BASE, BASE], run_meta(result()))
    buffer = io.StringIO()

    Console(file=buffer, width=160, color_system=None).print(render_summary_table(summary))
    text = buffer.getvalue()

    for header in ("metric", "strategy", "buy & hold", "random mean ± std"):
        assert header in text
    for label in ("Total return", "CAGR", "Sharpe (annualised)", "Max drawdown", "Win rate", "Liquidations"):
        assert label in text
    assert "ema_cross · 1h · 2024-01-01 → 2024-01-03" in text
    assert "over 2 seeds" in text
    total_return_line = next(line for line in text.splitlines() if "Total return" in line)
    cells = [cell.strip() for cell in total_return_line.strip("│ ").split("│")]
    assert cells == ["Total return", "12.00%", "12.00%", "12.00% ± 0.00%"]


def test_no_random_seeds_means_no_null_caption() -> None:
    """`--seeds 0` is documented as "no baseline": no line claiming a mean over 0 seeds."""
    from alphaloop.backtest.summary import null_caption

    assert null_caption({"meta": {"random_seeds": 0}, "baselines": {}}) is None
    assert null_caption({"meta": {"random_seeds": 3}, "baselines": {}}) == "random: mean ± std over 3 seeds"
