"""Data-quality checks, pure functions over tables: gaps, coverage and bad rows.

A gap is a run of missing bars between two present ones on a timeframe's grid. A bad row is one a
backtest must not trust: a missing or non-numeric value, a non-positive price, high below low (or
below open/close, or low above them), negative volume, a duplicated `ts`, or a `ts` that is not a
bar open time of the timeframe.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from alphaloop.data.tables import PRICE_COLUMNS
from alphaloop.data.timeframes import offset_ms, step_ms
from alphaloop.model.snapshot import IntArray

#: How many bad rows a report keeps as examples.
EXAMPLES = 5


@dataclass(frozen=True, slots=True)
class Gap:
    """Bars missing from `start_ms` (first missing open time) up to `end_ms` (next present one)."""

    start_ms: int
    end_ms: int
    missing: int


@dataclass(frozen=True, slots=True)
class BadRow:
    ts: int | None
    reason: str


@dataclass(frozen=True, slots=True)
class CheckReport:
    """Coverage, gaps and bad rows of one table (candles of one timeframe, or funding)."""

    rows: int
    unique_rows: int
    first_ts: int | None
    last_ts: int | None
    #: bar length the gaps were measured with (for funding: the most common interval)
    step_ms: int | None
    gaps: list[Gap] = field(default_factory=list)
    #: rows with at least one problem; `bad_counts` counts per reason (a row may have several)
    bad_rows: int = 0
    bad_counts: dict[str, int] = field(default_factory=dict)
    bad_examples: list[BadRow] = field(default_factory=list)
    sorted: bool = True

    @property
    def missing_bars(self) -> int:
        return sum(g.missing for g in self.gaps)

    @property
    def expected_rows(self) -> int:
        """Bars from the first to the last one if nothing were missing."""
        if self.first_ts is None or self.last_ts is None or not self.step_ms:
            return self.unique_rows
        return (self.last_ts - self.first_ts) // self.step_ms + 1

    @property
    def coverage(self) -> float:
        """Share of the bars between first and last that are present (1.0 = gap-free)."""
        expected = self.expected_rows
        return self.unique_rows / expected if expected else 1.0


def find_gaps(ts: IntArray, step: int) -> list[Gap]:
    """Gaps in sorted, unique open times `ts` on a grid of `step` ms."""
    if len(ts) < 2:
        return []
    jumps = np.diff(ts)
    where = np.flatnonzero(jumps > step)
    return [
        Gap(int(ts[i]) + step, int(ts[i + 1]), int(jumps[i] // step) - 1 + int(jumps[i] % step != 0))
        for i in where
    ]


def _flags_candles(timeframe: str) -> dict[str, pl.Expr]:
    prices = [pl.col(c) for c in PRICE_COLUMNS]
    step, offset = step_ms(timeframe), offset_ms(timeframe)
    return {
        "missing or not a number": pl.any_horizontal(
            [pl.col(c).is_null() for c in ("ts", *PRICE_COLUMNS, "volume")]
            + [pl.col(c).is_nan() for c in (*PRICE_COLUMNS, "volume")]
        ),
        "non-positive price": pl.any_horizontal([p <= 0 for p in prices]),
        "high < low": pl.col("high") < pl.col("low"),
        # high < low puts open or close outside the range anyway: count that row once, above
        "open/close outside high-low": (pl.col("high") >= pl.col("low"))
        & (
            (pl.col("high") < pl.max_horizontal("open", "close"))
            | (pl.col("low") > pl.min_horizontal("open", "close"))
        ),
        "negative volume": pl.col("volume") < 0,
        "ts not on the timeframe grid": (pl.col("ts") - offset) % step != 0,
    }


def _flags_funding() -> dict[str, pl.Expr]:
    return {
        "missing or not a number": pl.col("ts").is_null()
        | pl.col("funding_rate").is_null()
        | pl.col("funding_rate").is_nan(),
    }


def bad_row_mask(table: pl.DataFrame, timeframe: str | None) -> pl.Series:
    """True for each row a backtest must not use (duplicates aside): candles when `timeframe` is
    given, funding when it is None."""
    flags = _flags_candles(timeframe) if timeframe is not None else _flags_funding()
    return table.select(pl.any_horizontal([e.fill_null(False) for e in flags.values()]).alias("bad"))["bad"]


def check_candles(table: pl.DataFrame, timeframe: str) -> CheckReport:
    """Check a candle table as read (unsorted, duplicated and null values allowed)."""
    return _check(table, _flags_candles(timeframe), step_ms(timeframe))


def check_funding(table: pl.DataFrame) -> CheckReport:
    """Check a funding table; gaps are measured against its most common settlement interval."""
    return _check(table, _flags_funding(), None)


def _check(table: pl.DataFrame, flags: dict[str, pl.Expr], step: int | None) -> CheckReport:
    marked = table.with_row_index("_row").with_columns(
        [expr.fill_null(False).alias(name) for name, expr in flags.items()]
    )
    # a ts seen before is a duplicate whatever its values (the first occurrence is not counted)
    duplicate = pl.col("ts").is_not_null() & pl.col("ts").is_duplicated() & ~pl.col("ts").is_first_distinct()
    marked = marked.with_columns(duplicate.alias("duplicate ts"))
    reasons = [*flags, "duplicate ts"]
    counts = {name: int(marked[name].sum()) for name in reasons}
    bad = marked.filter(pl.any_horizontal([pl.col(n) for n in reasons]))
    examples = [
        BadRow(row["ts"], next(n for n in reasons if row[n]))
        for row in bad.head(EXAMPLES).select("ts", *reasons).iter_rows(named=True)
    ]
    ts_column = table["ts"].drop_nulls()
    times = np.unique(ts_column.to_numpy()).astype(np.int64)
    if step is None:
        step = _common_interval(times)
    return CheckReport(
        rows=table.height,
        unique_rows=len(times),
        first_ts=int(times[0]) if len(times) else None,
        last_ts=int(times[-1]) if len(times) else None,
        step_ms=step,
        gaps=find_gaps(times, step) if step else [],
        bad_rows=bad.height,
        bad_counts={name: n for name, n in counts.items() if n},
        bad_examples=examples,
        sorted=bool(ts_column.is_sorted()),
    )


def _common_interval(times: IntArray) -> int | None:
    if len(times) < 2:
        return None
    diffs = Counter(np.diff(times).tolist())
    return int(diffs.most_common(1)[0][0])
