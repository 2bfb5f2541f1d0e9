"""Funding gaps: a stale rate is not carried for months, gaps are measured, and a backtest over
a period without funding data warns and reports the uncovered share."""

from __future__ import annotations

import numpy as np
import pytest

from alphaloop.backtest.runner import BacktestConfig
from alphaloop.decision.rules import BuyAndHold
from alphaloop.features import funding_coverage, funding_known_at
from alphaloop.model.frame import FundingSeries
from alphaloop.ops.backtest import BacktestRequest, parse_day, run_backtest_report
from tests.kit.data import data_dir

HOUR = 3_600_000
DAY = 24 * HOUR


def series(times: list[int], rate: float = 0.0001) -> FundingSeries:
    ts = np.asarray(times, dtype=np.int64)
    return FundingSeries(ts, np.full(len(ts), rate))


def test_a_rate_older_than_three_settlements_is_unknown_not_carried() -> None:
    known = funding_known_at(np.array([0, 8 * HOUR, 24 * HOUR, 25 * HOUR, 90 * DAY]), series([0]))
    assert known[:3].tolist() == [0.0001] * 3
    assert np.isnan(known[3:]).all()


def test_coverage_finds_the_hole_and_its_share() -> None:
    regular = list(range(0, 10 * DAY, 8 * HOUR))
    holed = [t for t in regular if not 3 * DAY < t < 6 * DAY]
    full = funding_coverage(series(regular), 0, 10 * DAY)
    assert full.gaps == ()
    assert full.uncovered_share == 0
    gap = funding_coverage(series(holed), 0, 10 * DAY)
    assert gap.gaps == ((3 * DAY, 6 * DAY),)
    assert gap.uncovered_share == pytest.approx(0.3)
    assert funding_coverage(None, 0, DAY).uncovered_share == 1.0


def test_a_backtest_without_funding_data_warns_and_reports_the_uncovered_share() -> None:
    request = BacktestRequest(
        symbols=["DOGE/USDT:USDT", "BTC/USDT:USDT"],
        timeframe="1h",
        start_ms=parse_day("2024-03-01"),
        end_ms=parse_day("2024-04-01"),
        config=BacktestConfig(),
        seeds=2,
        data_dir=data_dir(),
    )
    outcome = run_backtest_report(request, BuyAndHold())
    shares = outcome.summary["funding_uncovered_share"]
    assert isinstance(shares, dict)
    assert shares["DOGE/USDT:USDT"] > 0.9
    assert shares["BTC/USDT:USDT"] < 0.05
    assert any(w.startswith("DOGE/USDT:USDT: no funding data") for w in outcome.warnings)
    assert not any(w.startswith("BTC") for w in outcome.warnings)
