"""`load_frame`: several symbols' candles and funding on one time grid, from the store or CSV files.

For each symbol the first source that has it wins:

1. the Parquet store, `<store_dir>/<venue>/candles/<timeframe>/BTCUSDT.parquet`;
2. a CSV file of the data folder, `<data_dir>/BTCUSDT-<timeframe>.csv.gz` (or `.csv`);
3. a finer timeframe that tiles it, coarsest first (store, then data folder), resampled: complete
   buckets only. Coarsest, not finest: the bars are the same, from fewer rows and usually a longer
   history (the shared 1h files start in 2023, the 5m files in 2024-12).

Funding comes from `<store_dir>/<venue>/funding/BTCUSDT.parquet`, else
`<data_dir>/funding/BTCUSDT-funding.csv.gz`, else is empty. Nothing is cached on disk.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import numpy as np
import polars as pl

from alphaloop.data.csvfiles import Kind, candle_file, funding_file, parse_file_name, read_typed
from alphaloop.data.paths import resolve_data_dir, resolve_store_dir
from alphaloop.data.quality import bad_row_mask
from alphaloop.data.resample import resample
from alphaloop.data.store import ParquetStore
from alphaloop.data.symbols import file_stem, unified_symbol
from alphaloop.data.tables import CANDLE_SCHEMA, FUNDING_SCHEMA, canonical
from alphaloop.data.timeframes import align_down, finer_timeframes, offset_ms, step_ms
from alphaloop.model import ConfigurationError
from alphaloop.model.frame import Bars, FundingSeries, MarketFrame
from alphaloop.model.snapshot import IntArray

SourceKind = Literal["store", "files"]
logger = logging.getLogger("alphaloop.data")


class MissingDataError(ConfigurationError):
    """No stored candles for a symbol or period (as opposed to a file that is there but broken)."""


@dataclass(frozen=True, slots=True)
class CandleSource:
    """Where one symbol's candles come from: a file of `timeframe` bars (resampled when it differs)."""

    path: Path
    source: SourceKind
    timeframe: str


@dataclass(frozen=True, slots=True)
class DatasetInfo:
    """One stored series, as `alphaloop data list` shows it."""

    venue: str | None  # None for the data folder's files, whose venue the name does not tell
    symbol: str
    kind: Kind
    timeframe: str | None  # None for funding
    first_ts: int | None
    last_ts: int | None
    rows: int
    path: Path
    source: SourceKind
    problem: str | None = None


def _csv_candidates(path_gz: Path) -> list[Path]:
    return [path_gz, path_gz.with_name(path_gz.name.removesuffix(".gz"))]


def find_candle_source(
    symbol: str, timeframe: str, *, store: ParquetStore, venue: str, data_dir: Path
) -> CandleSource | None:
    """The first source of `symbol`'s `timeframe` candles in the order of the module docstring."""
    stem = file_stem(symbol)
    # coarsest finer first: the same bars (resampling is exact) from fewer rows, usually a longer history
    for tf in (timeframe, *reversed(finer_timeframes(timeframe))):
        stored = store.candle_path(venue, symbol, tf)
        if stored.is_file():
            return CandleSource(stored, "store", tf)
        for path in _csv_candidates(candle_file(data_dir, stem, tf)):
            if path.is_file():
                return CandleSource(path, "files", tf)
    return None


def find_funding_source(symbol: str, *, store: ParquetStore, venue: str, data_dir: Path) -> Path | None:
    stored = store.funding_path(venue, symbol)
    if stored.is_file():
        return stored
    for path in _csv_candidates(funding_file(data_dir, file_stem(symbol))):
        if path.is_file():
            return path
    return None


def _day_time(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")


def validated_candles(table: pl.DataFrame, timeframe: str, path: Path) -> pl.DataFrame:
    """Candle rows as read from a file, held to the rules of `alphaloop data check`: a timestamp
    written twice with different values, or a row off the timeframe grid, refuses the file (which
    row is right cannot be known); rows with a missing, NaN or impossible value are dropped and
    said so on the `alphaloop.data` logger. Identical repeated rows are harmless and collapse."""
    off_grid = table.filter((pl.col("ts") - offset_ms(timeframe)) % step_ms(timeframe) != 0)
    if off_grid.height:
        raise ConfigurationError(
            f"{path}: {off_grid.height} rows do not open on a {timeframe} boundary "
            f"(first at {_day_time(int(off_grid['ts'][0]))}); see `alphaloop data check {path}`"
        )
    distinct = table.unique(maintain_order=True)
    conflicts = distinct.filter(pl.col("ts").is_not_null() & pl.col("ts").is_duplicated())
    if conflicts.height:
        times = conflicts["ts"].unique().sort()
        raise ConfigurationError(
            f"{path}: {times.len()} timestamps appear more than once with different values (first at "
            f"{_day_time(int(times[0]))}); fix the file (`alphaloop data check {path}` lists them)"
        )
    bad = bad_row_mask(distinct, timeframe)
    dropped = int(bad.sum())
    if dropped:
        first = distinct.filter(bad)["ts"].drop_nulls()
        where = f", first at {_day_time(int(first[0]))}" if first.len() else ""
        logger.warning(
            "%s: dropped %d bad rows (missing, NaN or impossible values%s), as `alphaloop data check` "
            "reports them",
            path,
            dropped,
            where,
        )
        distinct = distinct.filter(~bad)
    return distinct


def _read_table(
    path: Path, kind: Kind, lo: int | None, hi: int | None, timeframe: str | None = None
) -> pl.DataFrame:
    bounds = pl.lit(True)
    if lo is not None:
        bounds = bounds & (pl.col("ts") >= lo)
    if hi is not None:
        bounds = bounds & (pl.col("ts") < hi)
    schema = CANDLE_SCHEMA if kind == "candles" else FUNDING_SCHEMA
    if path.suffix == ".parquet":
        try:
            table = pl.scan_parquet(path).filter(bounds).collect()
        except (OSError, pl.exceptions.PolarsError) as exc:
            raise ConfigurationError(f"store file {path} is unreadable ({exc})") from None
        return table  # the store keeps its files canonical
    table = read_typed(path, kind).filter(bounds)
    if kind == "candles" and timeframe is not None:
        table = validated_candles(table, timeframe, path)
    return canonical(table, schema)


def read_candle_file(path: Path, timeframe: str) -> pl.DataFrame:
    """A whole candle CSV file as a canonical table, validated as `load_frame` and `data check` do
    (the simulator replays through this, so it sees the same rows a backtest sees)."""
    return _read_table(path, "candles", None, None, timeframe)


def read_funding_file(path: Path) -> pl.DataFrame:
    """A whole funding CSV file as a canonical table (sorted, one row per settlement)."""
    return _read_table(path, "funding", None, None)


def read_candles(
    source: CandleSource, timeframe: str, start_ms: int | None = None, end_ms: int | None = None
) -> pl.DataFrame:
    """Canonical `timeframe` candles opening in [start_ms, end_ms), resampled if the source is finer."""
    if source.timeframe == timeframe:
        # the store refuses bad rows on import; a CSV file is checked as it is read
        return _read_table(source.path, "candles", start_ms, end_ms, timeframe)
    # read whole buckets: the fine bars of the first and last coarse bar may lie outside the bounds
    lo = None if start_ms is None else align_down(start_ms, timeframe)
    hi = None if end_ms is None else align_down(end_ms - 1, timeframe) + step_ms(timeframe)
    fine = _read_table(source.path, "candles", lo, hi, source.timeframe)
    coarse = resample(fine, source.timeframe, timeframe)
    return _clip(coarse, start_ms, end_ms)


def _clip(table: pl.DataFrame, start_ms: int | None, end_ms: int | None) -> pl.DataFrame:
    if start_ms is not None:
        table = table.filter(pl.col("ts") >= start_ms)
    if end_ms is not None:
        table = table.filter(pl.col("ts") < end_ms)
    return table


def _missing_data_error(symbol: str, timeframe: str, venue: str, store: ParquetStore, data_dir: Path) -> str:
    stem = file_stem(symbol)
    finer = finer_timeframes(timeframe)
    finer_text = f" (or a finer timeframe to resample: {', '.join(finer)})" if finer else ""
    # A mistyped ALPHALOOP_DATA_DIR is the likeliest cause: say so before the per-file detail.
    folder = (
        ""
        if data_dir.is_dir()
        else f"the data folder {data_dir} is not a folder (check ALPHALOOP_DATA_DIR); "
    )
    return (
        f"{folder}no {timeframe} candles for {symbol}: "
        f"looked for {store.candle_path(venue, symbol, timeframe)} "
        f"and {candle_file(data_dir, stem, timeframe)}{finer_text}. Get data with "
        f"`alphaloop data download --venue {venue} --symbols {symbol} --timeframe {timeframe} "
        f"--since 2025-01-01`, or `alphaloop data import PATH` for {stem}-{timeframe}.csv.gz files "
        f"(or point ALPHALOOP_DATA_DIR / ALPHALOOP_STORE_DIR at the folders that hold them)"
    )


def union_grid(times: Sequence[IntArray]) -> IntArray:
    """Sorted distinct open times of several sorted series (a sort beats np.unique's hashing here)."""
    merged = np.sort(np.concatenate(times).astype(np.int64, copy=False), kind="stable")
    if len(merged) < 2:
        return merged
    keep = np.empty(len(merged), dtype=bool)
    keep[0] = True
    np.not_equal(merged[1:], merged[:-1], out=keep[1:])
    return merged[keep]


def _on_grid(grid: IntArray, table: pl.DataFrame) -> Bars:
    index = np.searchsorted(grid, table["ts"].to_numpy())
    columns = {}
    for name in ("open", "high", "low", "close", "volume"):
        values = np.full(len(grid), np.nan, dtype=np.float64)
        values[index] = table[name].to_numpy()
        columns[name] = values
    return Bars(**columns)


def load_frame(
    symbols: Sequence[str],
    timeframe: str,
    *,
    start_ms: int | None = None,
    end_ms: int | None = None,
    data_dir: Path | None = None,
    store_dir: Path | None = None,
    venue: str = "weex",
) -> MarketFrame:
    """Candles of `symbols` (any spelling) on the union grid of their open times in [start_ms, end_ms).

    Keys are unified symbols in the order given; NaN where a symbol has no bar. Funding is clipped
    to the same interval, whose open ends default to the grid's first bar and last bar's close.
    Raises `ConfigurationError` when a symbol has no data, or no symbol has a bar in the interval.
    """
    step = step_ms(timeframe)
    if start_ms is not None and end_ms is not None and end_ms <= start_ms:
        raise ConfigurationError(f"the end {_day_time(end_ms)} must be after the start {_day_time(start_ms)}")
    unified = list(dict.fromkeys(unified_symbol(s) for s in symbols))
    if not unified:
        raise ConfigurationError("load_frame needs at least one symbol")
    folder = resolve_data_dir(data_dir)
    store = ParquetStore(resolve_store_dir(store_dir))

    tables: dict[str, pl.DataFrame] = {}
    for symbol in unified:
        source = find_candle_source(symbol, timeframe, store=store, venue=venue, data_dir=folder)
        if source is None:
            raise MissingDataError(_missing_data_error(symbol, timeframe, venue, store, folder))
        tables[symbol] = read_candles(source, timeframe, start_ms, end_ms)

    non_empty = [t["ts"].to_numpy() for t in tables.values() if t.height]
    if not non_empty:
        window = (
            f" from {_day_time(start_ms) if start_ms is not None else 'the start'} to "
            f"{_day_time(end_ms) if end_ms is not None else 'the end'}"
            if start_ms is not None or end_ms is not None
            else ""
        )
        raise MissingDataError(f"no {timeframe} candles of {', '.join(unified)}{window}")
    grid = union_grid(non_empty)
    bars = {symbol: _on_grid(grid, table) for symbol, table in tables.items()}

    lo = start_ms if start_ms is not None else int(grid[0])
    hi = end_ms if end_ms is not None else int(grid[-1]) + step
    funding: dict[str, FundingSeries] = {}
    for symbol in unified:
        path = find_funding_source(symbol, store=store, venue=venue, data_dir=folder)
        if path is None:
            funding[symbol] = FundingSeries.empty()
            continue
        table = _read_table(path, "funding", lo, hi)
        funding[symbol] = FundingSeries(
            table["ts"].to_numpy().astype(np.int64), table["funding_rate"].to_numpy().astype(np.float64)
        )
    return MarketFrame(timeframe, grid, bars, funding)


def _span(path: Path, kind: Kind) -> tuple[int | None, int | None, int]:
    if path.suffix == ".parquet":
        ts = pl.read_parquet(path, columns=["ts"])["ts"]
    else:
        ts = pl.read_csv(path, columns=["ts"], schema_overrides={"ts": pl.Int64})["ts"]
    values = ts.drop_nulls().to_numpy()
    if not len(values):
        return None, None, ts.len()
    return int(values.min()), int(values.max()), ts.len()


def _info(
    venue: str | None, symbol: str, kind: Kind, timeframe: str | None, path: Path, source: SourceKind
) -> DatasetInfo:
    try:
        first, last, rows = _span(path, kind)
    except (OSError, pl.exceptions.PolarsError) as exc:
        problem = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return DatasetInfo(venue, symbol, kind, timeframe, None, None, 0, path, source, problem)
    return DatasetInfo(venue, symbol, kind, timeframe, first, last, rows, path, source)


def _data_files(data_dir: Path) -> list[Path]:
    if not data_dir.is_dir():
        return []
    candidates = [*data_dir.glob("*.csv.gz"), *data_dir.glob("*.csv")]
    funding = data_dir / "funding"
    if funding.is_dir():
        candidates += [*funding.glob("*.csv.gz"), *funding.glob("*.csv")]
    return sorted(candidates)


def available(data_dir: Path | None = None, store_dir: Path | None = None) -> list[DatasetInfo]:
    """Every candle and funding series in the store and the data folder (store first)."""
    found: list[DatasetInfo] = []
    for series in ParquetStore(resolve_store_dir(store_dir)).series():
        found.append(_info(series.venue, series.symbol, series.kind, series.timeframe, series.path, "store"))
    files: list[tuple[tuple[str, str, int], DatasetInfo]] = []
    for path in _data_files(resolve_data_dir(data_dir)):
        name = parse_file_name(path)
        if name is None or (name.kind == "funding") != (path.parent.name == "funding"):
            continue
        try:
            symbol = unified_symbol(name.stem)
        except ConfigurationError:
            continue
        order = (name.kind, name.stem, step_ms(name.timeframe) if name.timeframe else 0)
        files.append((order, _info(None, symbol, name.kind, name.timeframe, path, "files")))
    return found + [info for _, info in sorted(files, key=lambda item: item[0])]
