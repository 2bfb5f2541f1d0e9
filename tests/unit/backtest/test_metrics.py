import json
import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pytest

from alphaloop.backtest.metrics import METHOD, SUMMARY_KEYS, compute_metrics, drawdown_curve
from alphaloop.backtest.result import BacktestResult, ExitReason, FillRecord, TradeRecord
from alphaloop.model.errors import ConfigurationError

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
START_MS = 1_704_067_200_000  # 2024-01-01T00:00:00Z
STEP_MS = {"1d": DAY_MS, "1h": HOUR_MS, "1m": 60_000}


def run(
    equity: Sequence[float],
    *,
    initial: float = 100.0,
    timeframe: str = "1d",
    exposure: Sequence[float] | None = None,
    trades: Sequence[TradeRecord] = (),
    fills: Sequence[FillRecord] = (),
) -> BacktestResult:
    n = len(equity)
    return BacktestResult(
        strategy="test",
        timeframe=timeframe,
        symbols=("BTC/USDT:USDT",),
        initial_equity=initial,
        ts=START_MS + np.arange(n, dtype=np.int64) * STEP_MS[timeframe],
        equity=np.array(equity, dtype=np.float64),
        gross_exposure=np.array(exposure if exposure is not None else [0.0] * n, dtype=np.float64),
        trades=tuple(trades),
        fills=tuple(fills),
        fees_paid=0.0,
        funding_paid=0.0,
        liquidations=0,
    )


def trade(gross: float, *, fees: float = 0.0, funding: float = 0.0, still_open: bool = False) -> TradeRecord:
    return TradeRecord(
        symbol="BTC/USDT:USDT",
        direction=1,
        size=1.0,
        entry_ts=START_MS,
        entry_price=100.0,
        exit_ts=None if still_open else START_MS + DAY_MS,
        exit_price=100.0 + gross,
        gross_pnl=gross,
        fees=fees,
        funding=funding,
        exit_reason=ExitReason.END if still_open else ExitReason.SIGNAL,
    )


def test_max_drawdown_is_the_largest_fall_below_the_running_peak_as_a_positive_fraction() -> None:
    metrics = compute_metrics(run([110.0, 120.0, 90.0, 100.0, 130.0, 117.0]))

    assert metrics.max_drawdown == pytest.approx(0.25)  # 120 -> 90
    assert metrics.total_return == pytest.approx(0.17)
    assert metrics.final_equity == 117.0


def test_a_fall_from_the_initial_equity_on_the_first_bar_is_a_drawdown() -> None:
    assert compute_metrics(run([80.0, 90.0])).max_drawdown == pytest.approx(0.2)


def test_drawdown_curve_marks_each_point_against_the_peak_so_far() -> None:
    curve = drawdown_curve(np.array([100.0, 120.0, 90.0, 130.0]))

    assert curve.tolist() == pytest.approx([0.0, 0.0, 0.25, 0.0])


def test_cagr_over_exactly_one_year_equals_the_total_return() -> None:
    metrics = compute_metrics(run(np.linspace(101.0, 121.0, 365).tolist()))  # 365 daily bars = 365 days

    assert metrics.total_return == pytest.approx(0.21)
    assert metrics.cagr == pytest.approx(0.21)


def test_cagr_over_two_years_is_the_annual_rate_that_compounds_to_the_total() -> None:
    metrics = compute_metrics(run([100.0] * 729 + [121.0]))

    assert metrics.cagr == pytest.approx(0.10)


def test_calmar_is_cagr_over_max_drawdown() -> None:
    equity = [100.0] * 100 + [80.0] * 100 + [121.0] * 165
    metrics = compute_metrics(run(equity))

    assert metrics.cagr == pytest.approx(0.21)
    assert metrics.max_drawdown == pytest.approx(0.2)
    assert metrics.calmar == pytest.approx(0.21 / 0.2)


def alternating_equity(returns: Sequence[float], initial: float = 100.0) -> list[float]:
    return [float(v) for v in initial * np.cumprod(1.0 + np.array(returns))]


def test_sharpe_and_sortino_are_per_bar_ratios_annualised_by_sqrt_of_365_daily_bars() -> None:
    returns = [0.02, -0.01] * 5
    metrics = compute_metrics(run(alternating_equity(returns)))

    mean, std, downside = 0.005, 0.015, math.sqrt(0.0001 / 2)
    assert metrics.sharpe == pytest.approx(mean / std * math.sqrt(365))
    assert metrics.sortino == pytest.approx(mean / downside * math.sqrt(365))


def test_hourly_bars_annualise_by_sqrt_of_8760() -> None:
    returns = [0.02, -0.01] * 5
    daily = compute_metrics(run(alternating_equity(returns), timeframe="1d"))
    hourly = compute_metrics(run(alternating_equity(returns), timeframe="1h"))

    assert daily.sharpe is not None
    assert hourly.sharpe == pytest.approx(daily.sharpe * math.sqrt(24))
    assert hourly.sharpe == pytest.approx(0.005 / 0.015 * math.sqrt(365 * 24))


def test_the_first_bar_return_is_measured_from_the_initial_equity() -> None:
    # Marks 102, 100.98 alone would be a single return; with the initial 100 there are two.
    metrics = compute_metrics(run(alternating_equity([0.02, -0.01])))

    assert metrics.sharpe == pytest.approx(0.005 / 0.015 * math.sqrt(365))


def test_trade_statistics_use_closed_trades_by_net_pnl_while_trades_counts_the_open_one() -> None:
    trades = [
        trade(32.0, fees=2.0),  # +30
        trade(-8.0, fees=1.0, funding=1.0),  # -10
        trade(1.0, fees=2.0),  # gross win, net loss: -1
        trade(21.0, funding=-1.0),  # received funding: +22
        trade(500.0, still_open=True),  # open: counted in trades only
    ]
    metrics = compute_metrics(run([100.0, 140.0], trades=trades))

    assert metrics.trades == 5
    assert metrics.closed_trades == 4
    assert metrics.win_rate == pytest.approx(0.5)
    assert metrics.profit_factor == pytest.approx(52.0 / 11.0)
    assert metrics.average_trade == pytest.approx(41.0 / 4)


def test_profit_factor_is_undefined_without_a_losing_trade() -> None:
    metrics = compute_metrics(run([100.0, 110.0], trades=[trade(5.0), trade(5.0)]))

    assert metrics.win_rate == 1.0
    assert metrics.profit_factor is None


def test_exposure_is_the_fraction_of_bars_closing_with_a_position() -> None:
    metrics = compute_metrics(run([100.0] * 4, exposure=[0.0, 250.0, float("nan"), 10.0]))

    assert metrics.exposure == pytest.approx(0.5)


def test_turnover_is_traded_notional_over_mean_equity() -> None:
    fills = [
        FillRecord(START_MS, "BTC/USDT:USDT", 1, 2.0, 100.0, 0.1, 0.0, "open"),
        FillRecord(START_MS + DAY_MS, "BTC/USDT:USDT", -1, 2.0, 110.0, 0.1, 20.0, "close"),
    ]
    metrics = compute_metrics(run([100.0, 110.0], fills=fills))

    assert metrics.turnover == pytest.approx(420.0 / 105.0)


def test_costs_and_liquidations_come_from_the_result() -> None:
    result = replace(run([100.0, 90.0]), fees_paid=3.5, funding_paid=-0.25, liquidations=2)
    metrics = compute_metrics(result)

    assert (metrics.fees_paid, metrics.funding_paid, metrics.liquidations) == (3.5, -0.25, 2)


def test_flat_equity_without_trades_has_undefined_ratios_and_no_drawdown() -> None:
    metrics = compute_metrics(run([100.0] * 50))

    assert metrics.total_return == 0.0
    assert metrics.cagr == 0.0
    assert metrics.max_drawdown == 0.0
    assert (metrics.sharpe, metrics.sortino, metrics.calmar) == (None, None, None)
    assert (metrics.trades, metrics.win_rate, metrics.profit_factor, metrics.average_trade) == (
        0,
        None,
        None,
        None,
    )
    assert metrics.exposure == 0.0
    assert metrics.turnover == 0.0


def test_a_run_that_never_loses_has_a_sharpe_but_no_sortino() -> None:
    metrics = compute_metrics(run([101.0, 103.0, 104.0]))

    assert metrics.sharpe is not None
    assert metrics.sharpe > 0
    assert metrics.sortino is None


def test_a_single_bar_has_a_return_and_a_one_day_cagr_but_no_ratios() -> None:
    metrics = compute_metrics(run([101.0]))

    assert metrics.total_return == pytest.approx(0.01)
    assert metrics.cagr == pytest.approx(1.01**365 - 1)
    assert metrics.sharpe is None


def test_an_empty_run_scores_zero_with_everything_else_undefined() -> None:
    metrics = compute_metrics(run([]))

    assert metrics.total_return == 0.0
    assert metrics.final_equity == 100.0
    assert (metrics.cagr, metrics.sharpe, metrics.calmar) == (None, None, None)
    assert metrics.exposure == 0.0


def test_equity_wiped_out_gives_full_drawdown_and_minus_100_percent_cagr() -> None:
    metrics = compute_metrics(run([50.0, 0.0, 0.0, 0.0]))

    assert metrics.total_return == -1.0
    assert metrics.cagr == -1.0
    assert metrics.max_drawdown == 1.0
    assert metrics.calmar == -1.0
    # Returns -50%, -100%, then 0 (not 0/0) on the bars after the wipe-out.
    returns = np.array([-0.5, -1.0, 0.0, 0.0])
    assert metrics.sharpe == pytest.approx(returns.mean() / returns.std() * math.sqrt(365))


def test_a_missing_mark_carries_the_previous_equity_forward() -> None:
    gap = compute_metrics(run([110.0, float("nan"), 99.0]))
    filled = compute_metrics(run([110.0, 110.0, 99.0]))

    assert gap == filled


def test_a_huge_return_over_minutes_leaves_cagr_undefined_rather_than_infinite() -> None:
    metrics = compute_metrics(run([100.0] * 9 + [200.0], timeframe="1m"))

    assert metrics.cagr is None
    assert metrics.calmar is None


def test_a_non_positive_initial_equity_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="initial equity"):
        compute_metrics(run([1.0], initial=0.0))


def test_to_dict_has_the_summary_keys_and_is_strict_json() -> None:
    metrics = compute_metrics(run([100.0] * 3))
    out = replace(metrics, sharpe=math.inf, cagr=math.nan).to_dict()

    assert tuple(out) == SUMMARY_KEYS
    assert (out["sharpe"], out["cagr"]) == (None, None)
    assert json.loads(json.dumps(out, allow_nan=False)) == out


def test_summary_keys_are_the_ones_the_issue_names_plus_average_trade() -> None:
    named = {
        "total_return",
        "cagr",
        "sharpe",
        "sortino",
        "max_drawdown",
        "calmar",
        "trades",
        "win_rate",
        "profit_factor",
        "exposure",
        "turnover",
        "fees_paid",
        "funding_paid",
        "liquidations",
    }
    assert set(SUMMARY_KEYS) == named | {"average_trade"}


def test_the_method_text_states_the_conventions() -> None:
    for phrase in (
        "per-bar simple returns",
        "365-day",
        "risk-free rate of 0",
        "sqrt(bars per year)",
        "min(r, 0)",
    ):
        assert phrase in METHOD
