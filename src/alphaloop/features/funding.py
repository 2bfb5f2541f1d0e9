"""Funding known at a decision: the last settlement at or before the decision time.

A decision on bar i is taken at its close (open time + bar length), so the funding feature of
bar i is the last rate settled at or before that close, carried forward; the engine fills
`SymbolView.funding_rate` the same way (`funding_at(series, close_ms)`), so a live decision
sees the backtest's number.
"""

from __future__ import annotations

import numpy as np

from alphaloop.features.rolling import FloatArray
from alphaloop.model.frame import FundingSeries
from alphaloop.model.snapshot import IntArray


def funding_known_at(times_ms: IntArray, series: FundingSeries) -> FloatArray:
    """Per time in `times_ms`: the rate of the last settlement at or before it (NaN before any)."""
    out = np.full(len(times_ms), np.nan)
    if len(series.ts) == 0:
        return out
    order = np.argsort(series.ts, kind="stable")
    settled = series.ts[order]
    rates = series.rate[order]
    last = np.searchsorted(settled, times_ms, side="right") - 1
    known = last >= 0
    out[known] = rates[last[known]]
    return out


def funding_on_grid(ts: IntArray, series: FundingSeries, step_ms: int) -> FloatArray:
    """Per bar (open times `ts`, bars `step_ms` long): the funding known at the bar's close."""
    return funding_known_at(np.asarray(ts, dtype=np.int64) + step_ms, series)


def funding_at(series: FundingSeries, ts_ms: int) -> float | None:
    """The rate of the last settlement at or before `ts_ms`, or None if there is none."""
    value = funding_known_at(np.asarray([ts_ms], dtype=np.int64), series)[0]
    return None if np.isnan(value) else float(value)
