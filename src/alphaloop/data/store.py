"""The Parquet store: one file per venue / symbol / timeframe, appended to with de-duplication.

Layout under the store root (`ALPHALOOP_STORE_DIR`, default `data/store`):

```
<venue>/candles/<timeframe>/BTCUSDT.parquet     ts, open, high, low, close, volume
<venue>/funding/BTCUSDT.parquet                 ts, funding_rate
```

Every file is canonical (sorted by `ts`, one row per `ts`, see `tables.py`). An append merges new
rows into the file: a new `ts` is added, an existing one is replaced by the newer row (a venue may
revise a candle). Files are rewritten whole through a temporary file and an atomic rename, so an
interrupted write leaves the previous version intact.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from alphaloop.data.csvfiles import Kind
from alphaloop.data.symbols import file_stem, unified_symbol
from alphaloop.data.tables import CANDLE_SCHEMA, FUNDING_SCHEMA, canonical
from alphaloop.data.timeframes import offset_ms, step_ms
from alphaloop.model import TIMEFRAME_MS, ConfigurationError

_VENUE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


@dataclass(frozen=True, slots=True)
class AppendResult:
    """What an append did: rows with a new `ts`, stored rows whose values changed, and the file size."""

    added: int
    replaced: int
    total: int

    @property
    def changed(self) -> bool:
        return bool(self.added or self.replaced)


@dataclass(frozen=True, slots=True)
class StoredSeries:
    """One file of the store."""

    venue: str
    symbol: str
    kind: Kind
    timeframe: str | None
    path: Path


def check_venue(venue: str) -> str:
    """Venue names become folder names: lower-case identifiers only."""
    if not _VENUE.match(venue):
        raise ConfigurationError(f"venue '{venue}' must be a lower-case name like 'weex' or 'woox'")
    return venue


class ParquetStore:
    """Candles and funding rates under one root folder (created on first write)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def __repr__(self) -> str:
        return f"ParquetStore({str(self.root)!r})"

    # ------------------------------------------------------------ paths

    def candle_path(self, venue: str, symbol: str, timeframe: str) -> Path:
        step_ms(timeframe)
        return self.root / check_venue(venue) / "candles" / timeframe / f"{file_stem(symbol)}.parquet"

    def funding_path(self, venue: str, symbol: str) -> Path:
        return self.root / check_venue(venue) / "funding" / f"{file_stem(symbol)}.parquet"

    # ------------------------------------------------------------ reading

    def read_candles(self, venue: str, symbol: str, timeframe: str) -> pl.DataFrame | None:
        """The stored candles, or None when the store has no file for them."""
        return _read(self.candle_path(venue, symbol, timeframe))

    def read_funding(self, venue: str, symbol: str) -> pl.DataFrame | None:
        return _read(self.funding_path(venue, symbol))

    def series(self, venue: str | None = None) -> list[StoredSeries]:
        """Every file of the store (of one venue when given), sorted by venue, kind, symbol, timeframe."""
        found: list[StoredSeries] = []
        if not self.root.is_dir():
            return found
        for venue_dir in sorted(p for p in self.root.iterdir() if p.is_dir() and _VENUE.match(p.name)):
            if venue is not None and venue_dir.name != venue:
                continue
            candles = venue_dir / "candles"
            timeframes = [d for d in candles.iterdir() if d.is_dir()] if candles.is_dir() else []
            for tf_dir in sorted(timeframes, key=lambda d: TIMEFRAME_MS.get(d.name, 0)):
                if tf_dir.name not in TIMEFRAME_MS:
                    continue
                for path in sorted(tf_dir.glob("*.parquet")):
                    found.append(StoredSeries(venue_dir.name, _symbol(path), "candles", tf_dir.name, path))
            for path in sorted((venue_dir / "funding").glob("*.parquet")):
                found.append(StoredSeries(venue_dir.name, _symbol(path), "funding", None, path))
        return found

    # ------------------------------------------------------------ writing

    def append_candles(
        self, venue: str, symbol: str, timeframe: str, rows: pl.DataFrame, *, overwrite: bool = True
    ) -> AppendResult:
        """Merge candle rows (any order, duplicates allowed: the last one of a `ts` wins). With
        `overwrite=False`, rows that would change stored values refuse the whole merge."""
        path = self.candle_path(venue, symbol, timeframe)
        new = canonical(rows, CANDLE_SCHEMA)
        _require_times(new, path)
        misaligned = new.filter((pl.col("ts") - offset_ms(timeframe)) % step_ms(timeframe) != 0)
        if len(misaligned):
            raise ConfigurationError(
                f"{len(misaligned)} {timeframe} candle(s) for {unified_symbol(symbol)} do not open on a "
                f"{timeframe} boundary (first at {_utc(int(misaligned['ts'][0]))}); refusing to store them"
            )
        return _merge(path, new, CANDLE_SCHEMA, overwrite=overwrite)

    def append_funding(
        self, venue: str, symbol: str, rows: pl.DataFrame, *, overwrite: bool = True
    ) -> AppendResult:
        path = self.funding_path(venue, symbol)
        new = canonical(rows, FUNDING_SCHEMA)
        _require_times(new, path)
        return _merge(path, new, FUNDING_SCHEMA, overwrite=overwrite)


def _symbol(path: Path) -> str:
    try:
        return unified_symbol(path.stem)
    except ConfigurationError:
        return path.stem


def _read(path: Path) -> pl.DataFrame | None:
    if not path.is_file():
        return None
    try:
        return pl.read_parquet(path)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise ConfigurationError(
            f"store file {path} is unreadable ({exc}); delete it and download again"
        ) from None


def _require_times(rows: pl.DataFrame, path: Path) -> None:
    if rows["ts"].null_count():
        raise ConfigurationError(f"rows for {path} have a missing ts; refusing to store them")


def _utc(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")


class OverwriteRefusedError(ConfigurationError):
    """An import would replace stored values with different ones (and was not forced)."""


def _merge(path: Path, new: pl.DataFrame, schema: pl.Schema, *, overwrite: bool = True) -> AppendResult:
    old = _read(path)
    if old is None or old.is_empty():
        if new.is_empty():
            return AppendResult(0, 0, 0)
        _write(path, new)
        return AppendResult(len(new), 0, len(new))
    overlap = new.join(old, on="ts", how="inner", suffix="_old")
    differs = pl.lit(False)
    for name in schema:
        if name != "ts":
            differs = differs | pl.col(name).ne_missing(pl.col(f"{name}_old"))
    replaced = overlap.filter(differs).height
    added = new.height - overlap.height
    if replaced and not overwrite:
        first = overlap.filter(differs)["ts"].min()
        when = _utc(int(first))  # type: ignore[arg-type]
        raise OverwriteRefusedError(
            f"{path}: {replaced} stored rows would change (first at {when}); nothing was written. "
            "Is this the same market (perp, not spot)? Pass --force to overwrite them"
        )
    if not added and not replaced:
        return AppendResult(0, 0, old.height)
    merged = canonical(pl.concat([old, new]), schema)
    _write(path, merged)
    return AppendResult(added, replaced, merged.height)


def _write(path: Path, table: pl.DataFrame) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        table.write_parquet(temporary, compression="zstd", statistics=True)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
