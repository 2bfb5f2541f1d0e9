"""Checking stored series and CSV files: reads them, then runs the pure checks of `quality.py`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from alphaloop.data.csvfiles import Kind, file_kind, parse_file_name, read_lenient
from alphaloop.data.quality import CheckReport, check_candles, check_funding
from alphaloop.data.symbols import unified_symbol
from alphaloop.model import ConfigurationError


@dataclass(frozen=True, slots=True)
class DatasetCheck:
    path: Path
    symbol: str
    kind: Kind
    timeframe: str | None
    report: CheckReport


def check_file(path: Path, *, timeframe: str | None = None, symbol: str | None = None) -> DatasetCheck:
    """Check a CSV / CSV.GZ file or a store Parquet file; names like `BTCUSDT-1h.csv.gz` tell the
    symbol and timeframe (a store file's timeframe is its folder's name)."""
    if not path.is_file():
        raise ConfigurationError(f"{path} does not exist")
    if path.suffix == ".parquet":
        try:
            table = pl.read_parquet(path)
        except (OSError, pl.exceptions.PolarsError) as exc:
            raise ConfigurationError(f"{path}: unreadable Parquet file ({exc})") from None
        kind: Kind = "funding" if "funding_rate" in table.columns else "candles"
        stem = symbol or path.stem
        tf = timeframe or (path.parent.name if kind == "candles" else None)
    else:
        kind = file_kind(path)
        table = read_lenient(path, kind)
        name = parse_file_name(path)
        stem = symbol or (name.stem if name is not None else path.name.split("-")[0])
        tf = timeframe or (name.timeframe if name is not None else None)
    try:
        unified = unified_symbol(stem)
    except ConfigurationError:
        unified = stem
    if kind == "candles":
        if tf is None:
            raise ConfigurationError(f"{path}: cannot tell the timeframe from the name; give --timeframe")
        return DatasetCheck(path, unified, kind, tf, check_candles(table, tf))
    return DatasetCheck(path, unified, kind, None, check_funding(table))
