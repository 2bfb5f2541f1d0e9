"""The two table shapes of the data layer, as polars schemas, and their canonical form.

Candles: `ts` (bar open time, ms UTC) and float64 OHLCV. Funding: `ts` (settlement time, ms UTC)
and `funding_rate`. Canonical = these columns in this order, sorted by `ts`, one row per `ts`.
Float64, not Decimal: this is the analysis side (see model/frame.py).
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from alphaloop.model import Candle, FundingRate

CANDLE_COLUMNS = ("ts", "open", "high", "low", "close", "volume")
FUNDING_COLUMNS = ("ts", "funding_rate")
PRICE_COLUMNS = ("open", "high", "low", "close")

CANDLE_SCHEMA = pl.Schema(
    {
        "ts": pl.Int64,
        "open": pl.Float64,
        "high": pl.Float64,
        "low": pl.Float64,
        "close": pl.Float64,
        "volume": pl.Float64,
    }
)
FUNDING_SCHEMA = pl.Schema({"ts": pl.Int64, "funding_rate": pl.Float64})


def empty_candles() -> pl.DataFrame:
    return pl.DataFrame(schema=CANDLE_SCHEMA)


def empty_funding() -> pl.DataFrame:
    return pl.DataFrame(schema=FUNDING_SCHEMA)


def canonical(frame: pl.DataFrame, schema: pl.Schema) -> pl.DataFrame:
    """Select and cast the schema's columns, sort by `ts`, keep the last row of each `ts`.

    "Last" means the row that came later in `frame`: when new rows are concatenated after old
    ones, a venue's revised candle replaces the stored one.
    """
    table = frame.select([pl.col(name).cast(dtype) for name, dtype in schema.items()])
    if strictly_increasing(table["ts"]):
        return table  # the common case (files are written sorted): skip the hash and the sort
    return table.unique(subset="ts", keep="last", maintain_order=True).sort("ts")


def strictly_increasing(ts: pl.Series) -> bool:
    """True when `ts` has no nulls, no duplicates and is sorted ascending."""
    if ts.null_count():
        return False
    if ts.len() < 2:
        return True
    smallest_step = ts.diff().min()
    return isinstance(smallest_step, int) and smallest_step > 0


def candles_frame(candles: Iterable[Candle]) -> pl.DataFrame:
    """Domain candles (Decimal) -> a canonical candle table."""
    rows = [
        (c.timestamp, float(c.open), float(c.high), float(c.low), float(c.close), float(c.volume))
        for c in candles
    ]
    return canonical(pl.DataFrame(rows, schema=CANDLE_SCHEMA, orient="row"), CANDLE_SCHEMA)


def funding_frame(rates: Iterable[FundingRate]) -> pl.DataFrame:
    """Domain funding rates -> a canonical funding table (rates without a time are skipped)."""
    rows = [(r.timestamp, float(r.rate)) for r in rates if r.timestamp is not None]
    return canonical(pl.DataFrame(rows, schema=FUNDING_SCHEMA, orient="row"), FUNDING_SCHEMA)
