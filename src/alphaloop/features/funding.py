"""Funding known at a decision: the last settlement at or before the decision time.

A decision on bar i is taken at its close (open time + bar length), so the funding feature of
bar i is the last rate settled at or before that close, carried forward for at most
`MAX_FUNDING_AGE_MS` (three 8-hour settlements): past that the data has a gap and the rate is
unknown (NaN), never a months-old number. The engine fills `SymbolView.funding_rate` and
`funding_history` the same way, so a live decision sees the backtest's number.

`funding_coverage` measures the gaps: the stretches of a period with no settlement for longer
than 1.5 intervals, and the share of the period they cover (uncharged funding in a backtest).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from alphaloop.features.rolling import FloatArray
from alphaloop.model.frame import FundingSeries
from alphaloop.model.snapshot import IntArray

#: Funding settles every 8 hours: a rate older than three settlements means missing data.
FUNDING_INTERVAL_MS = 8 * 3_600_000
MAX_FUNDING_AGE_MS = 3 * FUNDING_INTERVAL_MS


def funding_known_at(
    times_ms: IntArray, series: FundingSeries, max_age_ms: int | None = MAX_FUNDING_AGE_MS
) -> FloatArray:
    """Per time in `times_ms`: the rate of the last settlement at or before it, if it is at most
    `max_age_ms` old (NaN before any, and across a gap in the data)."""
    times = np.asarray(times_ms, dtype=np.int64)
    out = np.full(len(times), np.nan)
    if len(series.ts) == 0:
        return out
    order = np.argsort(series.ts, kind="stable")
    settled = series.ts[order]
    rates = series.rate[order]
    last = np.searchsorted(settled, times, side="right") - 1
    known = last >= 0
    if max_age_ms is not None:
        known &= times - settled[np.maximum(last, 0)] <= max_age_ms
    out[known] = rates[last[known]]
    return out


@dataclass(frozen=True, slots=True)
class FundingCoverage:
    """Gaps in a funding series over [start_ms, end_ms): (start, end) stretches without settlement."""

    start_ms: int
    end_ms: int
    gaps: tuple[tuple[int, int], ...]

    @property
    def uncovered_ms(self) -> int:
        return sum(end - start for start, end in self.gaps)

    @property
    def uncovered_share(self) -> float:
        span = self.end_ms - self.start_ms
        return self.uncovered_ms / span if span > 0 else 0.0


def funding_coverage(
    series: FundingSeries | None, start_ms: int, end_ms: int, interval_ms: int = FUNDING_INTERVAL_MS
) -> FundingCoverage:
    """The stretches of [start_ms, end_ms) longer than 1.5 intervals without a settlement (the
    whole period when there is none)."""
    if end_ms <= start_ms:
        return FundingCoverage(start_ms, end_ms, ())
    ts = np.sort(np.asarray(series.ts if series is not None else [], dtype=np.int64))
    ts = ts[(ts >= start_ms) & (ts < end_ms)]
    edges = np.concatenate(([start_ms], ts, [end_ms]))
    gaps = []
    limit = interval_ms * 3 // 2
    for before, after in zip(edges[:-1].tolist(), edges[1:].tolist(), strict=True):
        if after - before > limit:
            gaps.append((int(before), int(after)))
    return FundingCoverage(start_ms, end_ms, tuple(gaps))


def funding_on_grid(ts: IntArray, series: FundingSeries, step_ms: int) -> FloatArray:
    """Per bar (open times `ts`, bars `step_ms` long): the funding known at the bar's close."""
    return funding_known_at(np.asarray(ts, dtype=np.int64) + step_ms, series)


def funding_at(series: FundingSeries, ts_ms: int) -> float | None:
    """The rate of the last settlement at or before `ts_ms`, or None if there is none."""
    value = funding_known_at(np.asarray([ts_ms], dtype=np.int64), series)[0]
    return None if np.isnan(value) else float(value)
