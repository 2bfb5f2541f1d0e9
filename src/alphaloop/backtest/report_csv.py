"""The CSV files of a report folder: trades, fills and the equity curve, one row per record or bar.

Times appear twice: `*_ts` in ms UTC for programs, `*_time` as ISO 8601 UTC for people.
Empty cells mean "none" (an open trade has no exit time).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from alphaloop.backtest.metrics import drawdown_curve, equity_curve
from alphaloop.backtest.result import BacktestResult
from alphaloop.model.snapshot import FloatArray, IntArray

TRADE_COLUMNS = (
    "symbol",
    "side",
    "size",
    "entry_ts",
    "entry_time",
    "entry_price",
    "exit_ts",
    "exit_time",
    "exit_price",
    "exit_reason",
    "gross_pnl",
    "fees",
    "funding",
    "net_pnl",
    "venue_absorbed",
    "account_pnl",
)
FILL_COLUMNS = ("ts", "time", "symbol", "side", "size", "price", "notional", "fee", "realized_pnl", "reason")
EQUITY_COLUMNS = ("ts", "time", "equity", "drawdown", "gross_exposure")
BUY_AND_HOLD_COLUMN = "buy_and_hold"


def iso_times(ts: IntArray) -> list[str]:
    """ms UTC -> 'YYYY-MM-DDTHH:MM:SSZ', vectorised (the equity file has one per bar)."""
    stamps = np.asarray(ts, dtype=np.int64).astype("datetime64[ms]")
    return [str(s) for s in np.datetime_as_string(stamps, unit="s", timezone="UTC")]


def write_trades_csv(path: Path, result: BacktestResult) -> None:
    entry_times = iso_times(np.array([t.entry_ts for t in result.trades], dtype=np.int64))
    rows = []
    for trade, entry_time in zip(result.trades, entry_times, strict=True):
        exit_time = (
            iso_times(np.array([trade.exit_ts], dtype=np.int64))[0] if trade.exit_ts is not None else ""
        )
        rows.append(
            (
                trade.symbol,
                "long" if trade.direction > 0 else "short",
                trade.size,
                trade.entry_ts,
                entry_time,
                trade.entry_price,
                _blank_if_none(trade.exit_ts),
                exit_time,
                _blank_if_none(trade.exit_price),
                trade.exit_reason.value,
                trade.gross_pnl,
                trade.fees,
                trade.funding,
                trade.net_pnl,
                trade.shortfall,
                trade.account_pnl,
            )
        )
    _write(path, TRADE_COLUMNS, rows)


def write_fills_csv(path: Path, result: BacktestResult) -> None:
    times = iso_times(np.array([f.timestamp for f in result.fills], dtype=np.int64))
    rows = (
        (
            fill.timestamp,
            time,
            fill.symbol,
            "buy" if fill.side > 0 else "sell",
            fill.size,
            fill.price,
            fill.size * fill.price,
            fill.fee,
            fill.realized_pnl,
            fill.reason,
        )
        for fill, time in zip(result.fills, times, strict=True)
    )
    _write(path, FILL_COLUMNS, rows)


def write_equity_csv(path: Path, result: BacktestResult, buy_and_hold: BacktestResult | None) -> None:
    columns: list[Sequence[object]] = [
        result.ts.tolist(),
        iso_times(result.ts),
        _floats(result.equity),
        _floats(drawdown_curve(equity_curve(result))[1:]),
        _floats(result.gross_exposure),
    ]
    header = list(EQUITY_COLUMNS)
    if buy_and_hold is not None:
        header.append(BUY_AND_HOLD_COLUMN)
        columns.append(_floats(align_to_grid(result.ts, buy_and_hold.ts, buy_and_hold.equity)))
    _write(path, header, zip(*columns, strict=True))


def align_to_grid(grid: IntArray, ts: IntArray, values: FloatArray) -> FloatArray:
    """`values` (marked at `ts`) on `grid`; NaN where `ts` has no such bar."""
    if len(ts) == len(grid) and np.array_equal(ts, grid):
        return np.asarray(values, dtype=np.float64)
    out = np.full(len(grid), np.nan)
    if len(ts) == 0:
        return out
    position = np.clip(np.searchsorted(ts, grid), 0, len(ts) - 1)
    found = ts[position] == grid
    out[found] = np.asarray(values, dtype=np.float64)[position[found]]
    return out


def _floats(values: FloatArray) -> list[float | str]:
    # NaN (a bar with no mark) is an empty cell, which every CSV reader takes as missing.
    return ["" if v != v else v for v in np.asarray(values, dtype=np.float64).tolist()]


def _blank_if_none(value: float | int | None) -> float | int | str:
    return "" if value is None else value


def _write(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
