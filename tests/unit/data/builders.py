"""Small builders for data-layer tests: candle tables and CSV files written into tmp_path."""

from __future__ import annotations

import gzip
from collections.abc import Iterable, Sequence
from pathlib import Path

import polars as pl

from alphaloop.data.tables import CANDLE_SCHEMA

HOUR = 3_600_000
MINUTE = 60_000
#: 2025-01-01T00:00:00Z
T0 = 1_735_689_600_000


def candle_rows(
    times: Iterable[int], *, base: float = 100.0
) -> list[tuple[int, float, float, float, float, float]]:
    """Valid candles: open rises by 1 per row, high/low 2 above/1 below, volume 10 + row."""
    rows = []
    for i, ts in enumerate(times):
        open_ = base + i
        rows.append((ts, open_, open_ + 2.0, open_ - 1.0, open_ + 1.0, 10.0 + i))
    return rows


def candles(times: Iterable[int], *, base: float = 100.0) -> pl.DataFrame:
    return pl.DataFrame(candle_rows(times, base=base), schema=CANDLE_SCHEMA, orient="row")


def write_csv(path: Path, header: str, lines: Sequence[str]) -> Path:
    """A CSV (gzip-compressed when the name ends in .gz) with `header` and raw `lines`."""
    text = "\n".join([header, *lines]) + "\n"
    if path.name.endswith(".gz"):
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            handle.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def write_candles_csv(path: Path, rows: Iterable[Sequence[object]]) -> Path:
    return write_csv(path, "ts,open,high,low,close,volume", [",".join(str(v) for v in row) for row in rows])
