"""The drawdown kill switch: daily -> REDUCING until the next UTC day, total -> HALTED for good."""

from __future__ import annotations

import math

import pytest

from alphaloop.risk import (
    Baseline,
    RiskLimits,
    TradingState,
    evaluate,
    update_baseline,
    utc_day_start,
)

DAY = 86_400_000
DAY1 = 19_675 * DAY  # 2023-11-14 00:00 UTC
NOON1 = DAY1 + DAY // 2
NOON2 = NOON1 + DAY
LIMITS = RiskLimits()  # daily 10 %, total 25 %
ACTIVE, REDUCING, HALTED = TradingState.ACTIVE, TradingState.REDUCING, TradingState.HALTED


def baseline(day_start_equity: float = 1000.0, peak: float = 1000.0, day_start_ms: int = DAY1) -> Baseline:
    return Baseline(day_start_ms, day_start_equity, peak, initial_equity=1000.0)


# --- baseline -------------------------------------------------------------------------------------


def test_the_first_reading_sets_every_reference() -> None:
    assert update_baseline(None, 1000.0, NOON1) == Baseline(DAY1, 1000.0, 1000.0, 1000.0)


def test_the_day_is_the_utc_day_of_now() -> None:
    assert utc_day_start(DAY1) == DAY1
    assert utc_day_start(DAY1 + DAY - 1) == DAY1
    assert utc_day_start(DAY1 + DAY) == DAY1 + DAY


def test_peak_equity_only_rises() -> None:
    b = update_baseline(None, 1000.0, NOON1)
    b = update_baseline(b, 1200.0, NOON1 + 1)
    b = update_baseline(b, 900.0, NOON1 + 2)
    assert b.peak_equity == 1200.0
    assert (b.day_start_equity, b.initial_equity) == (1000.0, 1000.0)


def test_a_new_utc_day_restarts_the_day_start_equity() -> None:
    b = update_baseline(None, 1000.0, NOON1)
    b = update_baseline(b, 950.0, DAY1 + DAY - 1)
    assert (b.day_start_ms, b.day_start_equity) == (DAY1, 1000.0)
    b = update_baseline(b, 940.0, DAY1 + DAY)
    assert b == Baseline(DAY1 + DAY, 940.0, 1000.0, 1000.0)


def test_a_reading_from_an_earlier_day_does_not_rewind_the_day() -> None:
    b = update_baseline(None, 1000.0, NOON2)
    assert update_baseline(b, 990.0, NOON1) == b


def test_a_reading_that_is_not_a_number_changes_nothing() -> None:
    b = update_baseline(None, 1000.0, NOON1)
    assert update_baseline(b, math.nan, NOON2) == b
    with pytest.raises(ValueError, match="finite"):
        update_baseline(None, math.inf, NOON1)


# --- transitions ----------------------------------------------------------------------------------


def test_nothing_changes_inside_the_limits() -> None:
    assert evaluate(ACTIVE, baseline(), 950.0, NOON1, LIMITS) is None


@pytest.mark.parametrize(("equity", "expected"), [(900.5, None), (900.0, REDUCING), (850.0, REDUCING)])
def test_daily_drawdown_reaching_its_limit_switches_to_reducing(
    equity: float, expected: TradingState | None
) -> None:
    transition = evaluate(ACTIVE, baseline(), equity, NOON1, LIMITS)
    assert (transition and transition.state) == expected


def test_the_daily_transition_says_why() -> None:
    transition = evaluate(ACTIVE, baseline(), 880.0, NOON1, LIMITS)
    assert transition is not None
    assert transition.rule == "daily_drawdown"
    assert transition.reason.startswith("daily drawdown 12% from the UTC day's start equity 1000.00")
    assert "limit 10%" in transition.reason


def test_daily_drawdown_is_measured_from_the_day_start_not_the_peak() -> None:
    assert evaluate(ACTIVE, baseline(day_start_equity=900.0, peak=1000.0), 850.0, NOON1, LIMITS) is None


@pytest.mark.parametrize(("equity", "expected"), [(750.5, None), (750.0, HALTED)])
def test_total_drawdown_reaching_its_limit_halts(equity: float, expected: TradingState | None) -> None:
    # the day started at 780, so the day's own drawdown stays under 10 %
    transition = evaluate(ACTIVE, baseline(day_start_equity=780.0, peak=1000.0), equity, NOON1, LIMITS)
    assert (transition and transition.state) == expected
    if transition is not None:
        assert transition.rule == "total_drawdown"
        assert transition.reason.startswith("total drawdown 25% from the peak equity 1000.00 (equity 750.00)")


def test_total_drawdown_halts_a_reducing_account_too() -> None:
    transition = evaluate(REDUCING, baseline(), 700.0, NOON1, LIMITS, reason="operator: reducing")
    assert transition is not None
    assert (transition.state, transition.rule) == (HALTED, "total_drawdown")


def test_halted_stays_halted_whatever_happens() -> None:
    for equity, now in [(1000.0, NOON1), (2000.0, NOON2), (100.0, NOON2)]:
        assert (
            evaluate(HALTED, baseline(), equity, now, LIMITS, reason="total drawdown", since_ms=NOON1) is None
        )


def test_daily_reducing_stays_for_the_rest_of_the_day_even_if_equity_recovers() -> None:
    reason = "daily drawdown 12% from ..."
    assert (
        evaluate(REDUCING, baseline(), 1000.0, DAY1 + DAY - 1, LIMITS, reason=reason, since_ms=NOON1) is None
    )


def test_daily_reducing_resumes_on_the_next_utc_day() -> None:
    reason = "daily drawdown 12% from ..."
    b = baseline(day_start_equity=880.0, day_start_ms=DAY1 + DAY)
    transition = evaluate(REDUCING, b, 880.0, DAY1 + DAY, LIMITS, reason=reason, since_ms=NOON1)
    assert transition is not None
    assert (transition.state, transition.rule) == (ACTIVE, "new_day")
    assert transition.reason == "new UTC day 2023-11-15: the daily drawdown limit resets"


@pytest.mark.parametrize(
    ("reason", "since_ms"),
    [("operator: reducing before the weekend", NOON1), ("", NOON1), ("daily drawdown 12%", None)],
    ids=["another-reason", "no-reason", "no-since"],
)
def test_reducing_for_another_reason_does_not_resume_by_itself(reason: str, since_ms: int | None) -> None:
    b = baseline(day_start_ms=DAY1 + DAY)
    assert evaluate(REDUCING, b, 1000.0, NOON2, LIMITS, reason=reason, since_ms=since_ms) is None


def test_a_trading_week_of_the_kill_switch() -> None:
    """The engine's loop: fold each reading into the baseline, evaluate, apply the transition."""
    state, reason, since = ACTIVE, "start", DAY1
    b: Baseline | None = None
    seen: list[tuple[int, str]] = []
    readings = [
        (DAY1 + 1, 1000.0),
        (NOON1, 950.0),
        (NOON1 + 1, 899.0),  # -10.1 % on the day -> reducing
        (NOON1 + 2, 990.0),  # recovered, still the same day
        (DAY1 + DAY, 990.0),  # new day -> active
        (NOON2, 900.0),  # -9.1 % on day 2: fine
        (NOON2 + 1, 749.0),  # -25.1 % from the peak (1000) -> halted
        (NOON2 + DAY, 1100.0),  # a new day and a new peak do not resume
    ]
    for now, equity in readings:
        b = update_baseline(b, equity, now)
        transition = evaluate(state, b, equity, now, LIMITS, reason=reason, since_ms=since)
        if transition is not None:
            state, reason, since = transition.state, transition.reason, now
            seen.append((now, transition.rule))
    assert seen == [(NOON1 + 1, "daily_drawdown"), (DAY1 + DAY, "new_day"), (NOON2 + 1, "total_drawdown")]
    assert state is HALTED
