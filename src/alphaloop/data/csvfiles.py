"""CSV / CSV.GZ market-data files in the shared data-folder format (../shared/data/README.md).

`BTCUSDT-1h.csv.gz`: header `ts,open,high,low,close,volume`, `ts` = bar open time in ms UTC.
`funding/BTCUSDT-funding.csv.gz`: header `ts,funding_rate`, `ts` = settlement time in ms UTC.
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import polars as pl

from alphaloop.data.tables import CANDLE_COLUMNS, CANDLE_SCHEMA, FUNDING_COLUMNS, FUNDING_SCHEMA
from alphaloop.model import TIMEFRAME_MS, ConfigurationError

Kind = Literal["candles", "funding"]

_NAME = re.compile(r"^(?P<stem>[A-Za-z0-9]+)-(?P<part>[0-9]+[mhdw]|funding)\.csv(?:\.gz)?$")


@dataclass(frozen=True, slots=True)
class FileName:
    """What a data file's name says: `BTCUSDT-1h.csv.gz` -> (BTCUSDT, candles, 1h)."""

    stem: str
    kind: Kind
    timeframe: str | None


def parse_file_name(path: Path) -> FileName | None:
    """The stem, kind and timeframe a file name encodes, or None if it is not a data-file name."""
    match = _NAME.match(path.name)
    if match is None:
        return None
    part = match["part"]
    if part == "funding":
        return FileName(match["stem"].upper(), "funding", None)
    if part not in TIMEFRAME_MS:
        return None
    return FileName(match["stem"].upper(), "candles", part)


def candle_file(data_dir: Path, stem: str, timeframe: str) -> Path:
    return data_dir / f"{stem}-{timeframe}.csv.gz"


def funding_file(data_dir: Path, stem: str) -> Path:
    return data_dir / "funding" / f"{stem}-funding.csv.gz"


def read_header(path: Path) -> tuple[str, ...]:
    """The first line's column names (stripped; a UTF-8 BOM is ignored)."""
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8-sig", newline="") as handle:
            first = handle.readline()
    except (OSError, UnicodeDecodeError, EOFError) as exc:
        raise ConfigurationError(
            f"{path}: cannot read it as {'gzip ' if opener is gzip.open else ''}CSV: {exc}"
        ) from None
    return tuple(column.strip() for column in first.strip().split(","))


def file_kind(path: Path) -> Kind:
    """Which table a file holds, judged by its header; anything else is a configuration error."""
    header = read_header(path)
    if header == CANDLE_COLUMNS:
        return "candles"
    if header == FUNDING_COLUMNS:
        return "funding"
    raise ConfigurationError(
        f"{path}: header is {','.join(header) or '(empty)'}; expected "
        f"{','.join(CANDLE_COLUMNS)} (candles) or {','.join(FUNDING_COLUMNS)} (funding)"
    )


def _schema(kind: Kind) -> pl.Schema:
    return CANDLE_SCHEMA if kind == "candles" else FUNDING_SCHEMA


def _damaged(path: Path, exc: OSError) -> str:
    return (
        f"{path} is truncated or corrupt ({exc}): download or copy it again "
        "(`alphaloop data check` lists every damaged file)"
    )


def read_typed(path: Path, kind: Kind) -> pl.DataFrame:
    """The file as typed columns, rows as written (fast path; any unparseable value raises).

    Neither sorted nor de-duplicated: use `tables.canonical` for that, `read_lenient` to find bad rows.
    """
    expected = CANDLE_COLUMNS if kind == "candles" else FUNDING_COLUMNS
    header = read_header(path)
    if header != expected:
        raise ConfigurationError(f"{path}: header is {','.join(header)}; expected {','.join(expected)}")
    try:
        return pl.read_csv(path, schema=_schema(kind))
    except OSError as exc:  # polars reports a truncated gzip stream as OSError
        raise ConfigurationError(_damaged(path, exc)) from None
    except pl.exceptions.PolarsError as exc:
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigurationError(
            f"{path}: unreadable ({first_line}); run `alphaloop data check {path}` to list bad rows"
        ) from None


def read_lenient(path: Path, kind: Kind) -> pl.DataFrame:
    """The file as typed columns where unparseable or missing values become null (for checks)."""
    expected = CANDLE_COLUMNS if kind == "candles" else FUNDING_COLUMNS
    header = read_header(path)
    if header != expected:
        raise ConfigurationError(f"{path}: header is {','.join(header)}; expected {','.join(expected)}")
    try:
        text = pl.read_csv(path, infer_schema=False, truncate_ragged_lines=True)
    except OSError as exc:
        raise ConfigurationError(_damaged(path, exc)) from None
    except pl.exceptions.PolarsError as exc:
        raise ConfigurationError(f"{path}: not a readable CSV file: {exc}") from None
    return text.select(
        [pl.col(name).str.strip_chars().cast(dtype, strict=False) for name, dtype in _schema(kind).items()]
    )
