"""The drawdown kill switch: equity against the UTC day's start and against the peak.

* daily: equity down `daily_drawdown` from the UTC day's start equity -> REDUCING (exits only)
  until the next UTC day, then ACTIVE again by itself;
* total: equity down `total_drawdown` from the peak equity -> HALTED, from any state; only a
  human leaves HALTED.

A drawdown that reaches its limit exactly trips the switch. Pure: the caller passes the time and
keeps the `Baseline` (the journal stores it with the trading state). Call `update_baseline` with
each equity reading, then `evaluate` with the updated baseline.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from alphaloop.risk.limits import RiskLimits
from alphaloop.risk.state import TradingState

DAY_MS = 86_400_000
#: A REDUCING state whose reason starts with this was set by the daily kill switch and ends with the day.
DAILY_DRAWDOWN_REASON = "daily drawdown"


@dataclass(frozen=True, slots=True)
class Baseline:
    """Reference equities: the first reading of the current UTC day, the highest and the first ever."""

    day_start_ms: int
    day_start_equity: float
    peak_equity: float
    initial_equity: float


@dataclass(frozen=True, slots=True)
class Transition:
    """A state change the kill switch asks for; `rule` is "daily_drawdown" | "total_drawdown" | "new_day"."""

    state: TradingState
    reason: str
    rule: str


def utc_day_start(now_ms: int) -> int:
    """Start (ms) of the UTC day holding `now_ms`."""
    return now_ms // DAY_MS * DAY_MS


def update_baseline(baseline: Baseline | None, equity: float, now_ms: int) -> Baseline:
    """Fold one equity reading in: a new UTC day restarts the day's start equity; the peak only rises.

    A reading that is not a finite number changes nothing (a first one is an error: there is
    nothing to measure drawdowns from)."""
    day_start = utc_day_start(now_ms)
    if not math.isfinite(equity):
        if baseline is None:
            raise ValueError(f"the first equity reading must be a finite number, got {equity}")
        return baseline
    if baseline is None:
        return Baseline(day_start, equity, equity, equity)
    updated = baseline
    # a reading from an earlier day (clock stepped back) must not rewind the day
    if day_start > baseline.day_start_ms:
        updated = replace(updated, day_start_ms=day_start, day_start_equity=equity)
    if equity > baseline.peak_equity:
        updated = replace(updated, peak_equity=equity)
    return updated


def evaluate(
    state: TradingState,
    baseline: Baseline,
    equity: float,
    now_ms: int,
    limits: RiskLimits,
    *,
    reason: str = "",
    since_ms: int | None = None,
) -> Transition | None:
    """The transition the kill switch asks for, or None when the state stays.

    `reason` and `since_ms` describe the current state (as stored with it): a REDUCING state ends
    on a new UTC day only when the daily kill switch set it (`reason` starts with "daily drawdown")
    on an earlier UTC day than `now_ms`'s. Without them a REDUCING state never ends by itself."""
    if state is TradingState.HALTED or not math.isfinite(equity):
        return None
    total = _drawdown(baseline.peak_equity, equity)
    if total >= limits.total_drawdown:
        return Transition(
            TradingState.HALTED,
            f"total drawdown {_percent(total)} from the peak equity {baseline.peak_equity:.2f} "
            f"(equity {equity:.2f}), limit {_percent(limits.total_drawdown)}",
            "total_drawdown",
        )
    if state is TradingState.REDUCING:
        set_by_daily_switch = reason.startswith(DAILY_DRAWDOWN_REASON)
        if set_by_daily_switch and since_ms is not None and utc_day_start(now_ms) > utc_day_start(since_ms):
            return Transition(
                TradingState.ACTIVE,
                f"new UTC day {_date(now_ms)}: the daily drawdown limit resets",
                "new_day",
            )
        return None
    daily = _drawdown(baseline.day_start_equity, equity)
    if daily >= limits.daily_drawdown:
        return Transition(
            TradingState.REDUCING,
            f"{DAILY_DRAWDOWN_REASON} {_percent(daily)} from the UTC day's start equity "
            f"{baseline.day_start_equity:.2f} (equity {equity:.2f}), "
            f"limit {_percent(limits.daily_drawdown)}; exits only until the next UTC day",
            "daily_drawdown",
        )
    return None


def _drawdown(reference: float, equity: float) -> float:
    # with no positive reference there is nothing to lose from
    if not (math.isfinite(reference) and reference > 0):
        return 0.0
    return (reference - equity) / reference


def _percent(fraction: float) -> str:
    return f"{fraction * 100:.4g}%"


def _date(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d")
