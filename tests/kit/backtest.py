"""Real-data frames for engine and backtest tests, through the production loader (CSV files only)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path

from alphaloop.data import load_frame
from alphaloop.model.frame import MarketFrame
from alphaloop.ops.backtest import parse_day
from tests.kit.data import data_dir

#: A store folder that never exists: tests read the shared CSV files, never a user's store.
NO_STORE = Path(__file__).resolve().parent / "__no_store__"


@cache
def _frame(symbols: tuple[str, ...], timeframe: str, start: str | None, end: str | None) -> MarketFrame:
    return load_frame(
        symbols,
        timeframe,
        start_ms=parse_day(start) if start else None,
        end_ms=parse_day(end) if end else None,
        data_dir=data_dir(),
        store_dir=NO_STORE,
    )


def real_frame(
    symbols: Sequence[str], timeframe: str = "1h", start: str | None = None, end: str | None = None
) -> MarketFrame:
    """Bars of the shared data; cached per arguments (frames are read-only by convention)."""
    return _frame(tuple(symbols), timeframe, start, end)
