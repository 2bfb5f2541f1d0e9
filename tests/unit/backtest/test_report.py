import base64
import csv
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from alphaloop.backtest.metrics import SUMMARY_KEYS, compute_metrics
from alphaloop.backtest.report import FIGURE_CLASS, write_report
from alphaloop.backtest.report_csv import EQUITY_COLUMNS, FILL_COLUMNS, TRADE_COLUMNS
from alphaloop.backtest.report_plots import (
    COSTS_TITLE,
    DRAWDOWN_TITLE,
    EQUITY_TITLE,
    FILL_MARKERS,
    MAX_LINE_POINTS,
    PNL_TITLE,
    PRICE_TITLE,
    minmax_indices,
)
from alphaloop.backtest.result import BacktestResult, ExitReason, FillRecord, TradeRecord
from alphaloop.backtest.summary import build_summary, run_meta
from alphaloop.model.snapshot import FloatArray

START_MS = 1_704_067_200_000  # 2024-01-01T00:00:00Z
HOUR_MS = 3_600_000
BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"


def grid(n: int) -> np.ndarray:
    return START_MS + np.arange(n, dtype=np.int64) * HOUR_MS


def at(bar: int) -> int:
    return START_MS + bar * HOUR_MS


def small_run(strategy: str = "ema_cross") -> BacktestResult:
    """Two symbols over 10 hourly bars: a closed long on BTC, a stopped short and an open long on ETH."""
    equity = [1000.0, 1010.0, 1020.0, 969.0, 990.0, 1000.0, 1030.0, 1025.0, 1040.0, 1050.0]
    trades = (
        TradeRecord(BTC, 1, 0.01, at(1), 40_000.0, at(4), 42_000.0, 20.0, 0.5, 0.1, ExitReason.SIGNAL),
        TradeRecord(ETH, -1, 1.0, at(2), 2_000.0, at(3), 2_050.0, -50.0, 1.0, -0.2, ExitReason.STOP_LOSS),
        TradeRecord(ETH, 1, 1.0, at(6), 2_000.0, None, 2_030.0, 30.0, 0.4, 0.0, ExitReason.END),
    )
    fills = (
        FillRecord(at(1), BTC, 1, 0.01, 40_000.0, 0.2, 0.0, "open"),
        FillRecord(at(2), ETH, -1, 1.0, 2_000.0, 0.5, 0.0, "open"),
        FillRecord(at(3), ETH, 1, 1.0, 2_050.0, 0.5, -50.0, "stop_loss"),
        FillRecord(at(4), BTC, -1, 0.01, 42_000.0, 0.3, 20.0, "close"),
        FillRecord(at(6), ETH, 1, 1.0, 2_000.0, 0.4, 0.0, "open"),
    )
    return BacktestResult(
        strategy=strategy,
        timeframe="1h",
        symbols=(BTC, ETH),
        initial_equity=1000.0,
        ts=grid(10),
        equity=np.array(equity),
        gross_exposure=np.array([0, 400, 2400, 420, 0, 0, 2000, 2010, 2020, 2030], dtype=np.float64),
        trades=trades,
        fills=fills,
        fees_paid=1.9,
        funding_paid=-0.1,
        liquidations=0,
        closes={
            BTC: np.linspace(40_000.0, 42_000.0, 10),
            ETH: np.array([2000, 2000, 2000, 2050, 2020, 2010, 2000, 2010, 2020, 2030], dtype=np.float64),
        },
    )


def hold_run(ts: np.ndarray, equity: np.ndarray) -> BacktestResult:
    return BacktestResult(
        strategy="buy_and_hold",
        timeframe="1h",
        symbols=(BTC, ETH),
        initial_equity=float(equity[0]),
        ts=ts,
        equity=equity,
        gross_exposure=np.full(len(ts), 1000.0),
        trades=(),
        fills=(),
        fees_paid=0.0,
        funding_paid=0.0,
        liquidations=0,
    )


def summary_of(result: BacktestResult, buy_and_hold: BacktestResult, folder: Path) -> dict[str, object]:
    return build_summary(
        compute_metrics(result),
        compute_metrics(buy_and_hold),
        [compute_metrics(buy_and_hold)] * 2,
        run_meta(result, report=folder / "report.html"),
    )


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def figures(page: Path) -> list[dict[str, Any]]:
    pattern = rf'<script type="application/json" class="{FIGURE_CLASS}"[^>]*>(.*?)</script>'
    return [json.loads(block) for block in re.findall(pattern, page.read_text(encoding="utf-8"), re.DOTALL)]


def values(array: Any) -> list[float]:
    """A plotly array as written into the page: a plain list, or a typed array in base64."""
    if isinstance(array, dict):
        decoded = np.frombuffer(base64.b64decode(array["bdata"]), dtype=np.dtype(array["dtype"]))
        return [float(v) for v in decoded]
    return list(array)


def fill_markers(page: Path) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for figure in figures(page):
        for trace in figure["data"]:
            if trace.get("meta") == FILL_MARKERS:
                points.extend(zip(values(trace["x"]), values(trace["y"]), strict=True))
    return points


@pytest.fixture
def report(tmp_path: Path) -> tuple[Path, BacktestResult, dict[str, object]]:
    result = small_run()
    buy_and_hold = hold_run(result.ts, np.linspace(1000.0, 1100.0, 10))
    folder = tmp_path / "run"
    summary = summary_of(result, buy_and_hold, folder)
    random_equity = [np.linspace(1000.0, 990.0, 10), np.linspace(1000.0, 1020.0, 10)]
    page = write_report(folder, result, summary, buy_and_hold=buy_and_hold, random_equity=random_equity)
    return page, result, summary


def test_the_folder_holds_summary_csvs_and_an_offline_page(
    report: tuple[Path, BacktestResult, dict[str, object]],
) -> None:
    page, _, _ = report
    folder = page.parent

    assert page == folder / "report.html"
    names = {p.name for p in folder.iterdir()}
    assert names == {"summary.json", "trades.csv", "fills.csv", "equity.csv", "report.html", "plotly.min.js"}
    html = page.read_text(encoding="utf-8")
    assert '<script src="plotly.min.js"></script>' in html
    assert "Plotly.newPlot" in html
    assert (folder / "plotly.min.js").stat().st_size > 1_000_000
    assert len(html) < 200_000  # the library sits beside the page, not inside it


def test_summary_json_round_trips_with_exactly_the_summary_keys(
    report: tuple[Path, BacktestResult, dict[str, object]],
) -> None:
    page, _, summary = report

    written = json.loads((page.parent / "summary.json").read_text(encoding="utf-8"))

    assert written == summary
    assert set(written) == {*SUMMARY_KEYS, "baselines", "meta"}
    assert set(written["baselines"]["buy_and_hold"]) == set(SUMMARY_KEYS)
    random = written["baselines"]["random"]
    assert set(random) == {*SUMMARY_KEYS, "percentile", "p_value", "method"}
    assert all(set(random[key]) == {"mean", "std"} for key in SUMMARY_KEYS)
    assert written["meta"]["report"] == str(page)
    assert written["trades"] == 3
    assert written["max_drawdown"] == pytest.approx(0.05)  # 1020 -> 969


def test_trades_csv_has_a_row_per_trade_with_net_pnl_and_both_time_forms(
    report: tuple[Path, BacktestResult, dict[str, object]],
) -> None:
    page, result, _ = report

    header, rows = read_csv(page.parent / "trades.csv")

    assert header == list(TRADE_COLUMNS)
    assert len(rows) == len(result.trades)
    btc, stopped, still_open = rows
    assert (btc["symbol"], btc["side"], btc["exit_reason"]) == (BTC, "long", "signal")
    assert (int(btc["entry_ts"]), btc["entry_time"]) == (at(1), "2024-01-01T01:00:00Z")
    assert (int(btc["exit_ts"]), btc["exit_time"]) == (at(4), "2024-01-01T04:00:00Z")
    assert float(btc["net_pnl"]) == pytest.approx(19.4)
    assert (stopped["side"], stopped["exit_reason"]) == ("short", "stop_loss")
    assert float(stopped["net_pnl"]) == pytest.approx(-50.8)
    assert (still_open["exit_reason"], still_open["exit_ts"], still_open["exit_time"]) == ("end", "", "")
    assert float(still_open["exit_price"]) == 2030.0


def test_fills_csv_has_a_row_per_fill(report: tuple[Path, BacktestResult, dict[str, object]]) -> None:
    page, result, _ = report

    header, rows = read_csv(page.parent / "fills.csv")

    assert header == list(FILL_COLUMNS)
    assert [(int(r["ts"]), r["symbol"], r["side"], r["reason"]) for r in rows] == [
        (f.timestamp, f.symbol, "buy" if f.side > 0 else "sell", f.reason) for f in result.fills
    ]
    assert float(rows[0]["notional"]) == pytest.approx(400.0)


def test_equity_csv_has_a_row_per_bar_with_drawdown_exposure_and_buy_and_hold(
    report: tuple[Path, BacktestResult, dict[str, object]],
) -> None:
    page, result, _ = report

    header, rows = read_csv(page.parent / "equity.csv")

    assert header == [*EQUITY_COLUMNS, "buy_and_hold"]
    assert [int(r["ts"]) for r in rows] == result.ts.tolist()
    assert rows[0]["time"] == "2024-01-01T00:00:00Z"
    assert [float(r["equity"]) for r in rows] == result.equity.tolist()
    assert float(rows[3]["drawdown"]) == pytest.approx(0.05)
    assert float(rows[2]["drawdown"]) == 0.0
    assert [float(r["gross_exposure"]) for r in rows] == result.gross_exposure.tolist()
    assert [float(r["buy_and_hold"]) for r in rows] == pytest.approx(np.linspace(1000.0, 1100.0, 10).tolist())


def test_the_page_has_every_plot_the_summary_table_and_the_method(
    report: tuple[Path, BacktestResult, dict[str, object]],
) -> None:
    page, _, _ = report
    html = page.read_text(encoding="utf-8")

    for title in ("Equity vs buy &amp; hold", DRAWDOWN_TITLE, PRICE_TITLE, PNL_TITLE, COSTS_TITLE):
        assert f"<h2>{title}</h2>" in html
    assert [f["layout"]["title"]["text"] for f in figures(page)] == [
        EQUITY_TITLE,
        DRAWDOWN_TITLE,
        PRICE_TITLE,
        PNL_TITLE,
        COSTS_TITLE,
    ]
    assert "<td>Total return</td><td>5.00%</td><td>10.00%</td><td>10.00% ± 0.00%</td>" in html
    assert "365-day years" in html


def test_every_fill_is_a_marker_at_its_time_and_price(
    report: tuple[Path, BacktestResult, dict[str, object]],
) -> None:
    page, result, _ = report

    markers = fill_markers(page)

    assert len(markers) == len(result.fills)
    assert sorted(markers) == sorted((float(f.timestamp), f.price) for f in result.fills)


def test_equity_plot_shows_buy_and_hold_and_the_random_band(
    report: tuple[Path, BacktestResult, dict[str, object]],
) -> None:
    page, _, _ = report

    traces = {t["name"]: t for t in figures(page)[0]["data"]}

    assert values(traces["buy & hold"]["y"]) == pytest.approx(np.linspace(1000.0, 1100.0, 10).tolist())
    assert values(traces["random entries (2 seeds): mean"]["y"]) == pytest.approx(
        np.linspace(1000.0, 1005.0, 10).tolist()
    )
    assert values(traces["random entries (2 seeds): min–max"]["y"]) == pytest.approx(
        np.linspace(1000.0, 1020.0, 10).tolist()
    )
    assert values(traces["ema_cross"]["y"]) == pytest.approx(small_run().equity.tolist())


def test_per_symbol_pnl_is_net_of_fees_and_funding(
    report: tuple[Path, BacktestResult, dict[str, object]],
) -> None:
    page, _, _ = report

    bars = figures(page)[3]["data"][0]

    assert dict(zip(bars["x"], values(bars["y"]), strict=True)) == pytest.approx(
        {BTC: 19.4, ETH: -50.8 + 29.6}
    )


def test_without_buy_and_hold_the_equity_file_has_no_such_column(tmp_path: Path) -> None:
    result = small_run()
    summary = summary_of(result, hold_run(result.ts, result.equity), tmp_path)

    page = write_report(tmp_path, result, summary, buy_and_hold=None)

    header, rows = read_csv(tmp_path / "equity.csv")
    assert header == list(EQUITY_COLUMNS)
    assert len(rows) == 10
    assert "buy & hold" not in {t["name"] for t in figures(page)[0]["data"]}


def test_writing_twice_into_the_same_folder_replaces_the_report(tmp_path: Path) -> None:
    result = small_run()
    summary = summary_of(result, hold_run(result.ts, result.equity), tmp_path)
    write_report(tmp_path, result, summary, buy_and_hold=None)

    renamed = small_run(strategy="renamed")
    page = write_report(tmp_path, renamed, summary, buy_and_hold=None)

    assert "alphaloop backtest: renamed" in page.read_text(encoding="utf-8")


def test_backtest_reports_under_reports_share_one_plotly_copy_by_relative_path(tmp_path: Path) -> None:
    result = small_run()
    summary = summary_of(result, hold_run(result.ts, result.equity), tmp_path)
    reports = tmp_path / "reports"
    pages = [write_report(reports / name, result, summary, buy_and_hold=None) for name in ("bt-a", "bt-b")]

    for page in pages:
        assert not (page.parent / "plotly.min.js").exists()  # no 4.8 MB copy per report
        html = page.read_text(encoding="utf-8")
        assert '<script src="../plotly.min.js"></script>' in html
        # the relative src resolves from the page's own folder, so it opens from disk offline
        assert (page.parent / "../plotly.min.js").resolve().stat().st_size > 1_000_000
    assert [p.name for p in reports.iterdir() if p.is_file()] == ["plotly.min.js"]


def test_a_shared_folder_report_drops_a_stale_copy_of_its_own(tmp_path: Path) -> None:
    result = small_run()
    summary = summary_of(result, hold_run(result.ts, result.equity), tmp_path)
    folder = tmp_path / "reports" / "bt"
    folder.mkdir(parents=True)
    (folder / "plotly.min.js").write_text("stale", encoding="utf-8")

    write_report(folder, result, summary, buy_and_hold=None)

    assert not (folder / "plotly.min.js").exists()


def test_text_from_the_run_is_escaped_in_the_page(tmp_path: Path) -> None:
    result = small_run(strategy="<script>alert(1)</script>")
    summary = summary_of(result, hold_run(result.ts, result.equity), tmp_path)

    html = write_report(tmp_path, result, summary, buy_and_hold=None).read_text(encoding="utf-8")

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert len(figures(tmp_path / "report.html")) == 5  # the figure data stayed parseable


def test_random_curves_must_cover_the_run(tmp_path: Path) -> None:
    result = small_run()
    summary = summary_of(result, hold_run(result.ts, result.equity), tmp_path)

    with pytest.raises(ValueError, match="random equity curves have 9 bars"):
        write_report(tmp_path, result, summary, buy_and_hold=None, random_equity=[np.ones(9)])


def test_a_long_run_is_downsampled_but_keeps_its_extremes_and_every_marker(tmp_path: Path) -> None:
    n, rng = 80_000, np.random.default_rng(7)
    ts = grid(n)
    equity = 10_000.0 * np.exp(np.cumsum(rng.normal(0.0, 0.002, n)))
    closes = {s: 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.003, n))) for s in (BTC, ETH)}
    bars = np.sort(rng.choice(n, 600, replace=False))
    fills = []
    for i, bar in enumerate(bars):
        symbol, opening = (BTC, ETH)[i % 2], i % 4 < 2
        side, reason = (1, "open") if opening else (-1, "close")
        fills.append(
            FillRecord(int(ts[bar]), symbol, side, 1.0, float(closes[symbol][bar]), 0.01, 0.0, reason)
        )
    result = BacktestResult(
        "long", "1h", (BTC, ETH), 10_000.0, ts, equity, np.ones(n), (), tuple(fills), 6.0, 0.0, 0, closes
    )
    buy_and_hold = hold_run(ts, 10_000.0 * np.exp(np.cumsum(rng.normal(0.0, 0.002, n))))
    summary = summary_of(result, buy_and_hold, tmp_path)

    page = write_report(tmp_path, result, summary, buy_and_hold=buy_and_hold, random_equity=[equity, equity])

    assert len(fill_markers(page)) == 600
    for figure in figures(page):
        for trace in figure["data"]:
            assert len(values(trace.get("y", []))) <= MAX_LINE_POINTS
    strategy_line = next(t for t in figures(page)[0]["data"] if t["name"] == "long")
    assert min(values(strategy_line["y"])) == equity.min()
    assert max(values(strategy_line["y"])) == equity.max()
    assert len(read_csv(tmp_path / "equity.csv")[1]) == n


def test_minmax_downsampling_keeps_the_ends_and_each_extreme_within_the_budget() -> None:
    values_ = np.sin(np.linspace(0.0, 60.0, 100_003)) + np.linspace(0.0, 1.0, 100_003)
    values_[50_000] = 9.0
    values_[70_000] = -9.0

    keep = minmax_indices(values_, 1_000)

    assert len(keep) <= 1_000
    assert np.all(np.diff(keep) > 0)
    assert {0, 50_000, 70_000, 100_002} <= set(keep.tolist())


def test_minmax_downsampling_leaves_short_series_and_copes_with_gaps() -> None:
    short: FloatArray = np.arange(10.0)
    assert minmax_indices(short, 100).tolist() == list(range(10))

    gappy = np.full(10_000, np.nan)
    gappy[5_000:] = np.arange(5_000.0)
    keep = minmax_indices(gappy, 100)
    assert len(keep) <= 100
    assert 9_999 in keep.tolist()
    assert 5_000 in keep.tolist()
