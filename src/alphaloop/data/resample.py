"""Resampling candles to a coarser timeframe (5m -> 1h) without inventing anything.

A coarse bar is built only from a complete set of fine bars: all `coarse / fine` of them present.
A bucket with any fine bar missing (a gap, the start or the still-open end of the data) is dropped,
not filled: a partial hour would understate its range and volume.
"""

from __future__ import annotations

import polars as pl

from alphaloop.data.tables import CANDLE_SCHEMA, canonical
from alphaloop.data.timeframes import finer_timeframes, offset_ms, step_ms
from alphaloop.model import ConfigurationError


def resample(candles: pl.DataFrame, source_timeframe: str, target_timeframe: str) -> pl.DataFrame:
    """Candles of `source_timeframe` -> the complete candles of `target_timeframe`.

    Open = first open, high = max, low = min, close = last close, volume = sum. Rows off the
    source grid are ignored; duplicated `ts` keep their last row (as everywhere in the store).
    """
    if source_timeframe == target_timeframe:
        return canonical(candles, CANDLE_SCHEMA)
    if source_timeframe not in finer_timeframes(target_timeframe):
        raise ConfigurationError(
            f"cannot build {target_timeframe} candles from {source_timeframe}: "
            f"{source_timeframe} bars do not tile {target_timeframe} bars"
        )
    fine_step, fine_offset = step_ms(source_timeframe), offset_ms(source_timeframe)
    coarse_step, coarse_offset = step_ms(target_timeframe), offset_ms(target_timeframe)
    per_bucket = coarse_step // fine_step
    on_grid = canonical(candles, CANDLE_SCHEMA).filter((pl.col("ts") - fine_offset) % fine_step == 0)
    bucket = (pl.col("ts") - coarse_offset) // coarse_step * coarse_step + coarse_offset
    return (
        on_grid.with_columns(bucket.alias("bucket"))
        .group_by("bucket", maintain_order=True)
        .agg(
            pl.col("open").first(),
            pl.col("high").max(),
            pl.col("low").min(),
            pl.col("close").last(),
            pl.col("volume").sum(),
            pl.len().alias("bars"),
        )
        .filter(pl.col("bars") == per_bucket)
        .select(pl.col("bucket").alias("ts"), "open", "high", "low", "close", "volume")
    )
