"""`alphaloop data import`: CSV / CSV.GZ files of the shared data format into the Parquet store.

A file's kind comes from its header (`ts,open,high,low,close,volume` or `ts,funding_rate`), its
symbol and timeframe from its name (`BTCUSDT-1h.csv.gz`, `BTCUSDT-funding.csv.gz`) unless given.
A file with bad rows (see `quality.py`) is refused whole unless `drop_bad`, because a partly broken
file usually means a wrong format, not a few bad candles. Duplicated times keep their last row.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alphaloop.data.csvfiles import Kind, file_kind, parse_file_name, read_lenient
from alphaloop.data.quality import CheckReport, bad_row_mask, check_candles, check_funding
from alphaloop.data.store import AppendResult, ParquetStore
from alphaloop.data.symbols import unified_symbol
from alphaloop.data.timeframes import step_ms
from alphaloop.model import ConfigurationError

#: `auto`: spot when the file sits under a folder named `spot`, else perpetual futures
MARKETS = ("auto", "perp", "spot")


@dataclass(frozen=True, slots=True)
class ImportResult:
    path: Path
    symbol: str
    kind: Kind
    timeframe: str | None
    check: CheckReport
    #: None when the file was refused
    appended: AppendResult | None
    dropped: int = 0
    #: "perp" or "spot" (stored apart, under `<venue>_spot`)
    market: str = "perp"

    @property
    def refused(self) -> bool:
        return self.appended is None


def data_files(path: Path) -> list[Path]:
    """`path` itself, or the data files (by name) in a folder and its `funding/` sub-folder."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise ConfigurationError(f"{path} does not exist")
    folders = [path, path / "funding"]
    found = [
        p
        for folder in folders
        if folder.is_dir()
        for p in sorted(folder.iterdir())
        if p.is_file() and parse_file_name(p) is not None
    ]
    if not found:
        raise ConfigurationError(f"no files named like BTCUSDT-1h.csv.gz or BTCUSDT-funding.csv.gz in {path}")
    return found


def import_file(
    path: Path,
    store: ParquetStore,
    venue: str,
    *,
    symbol: str | None = None,
    timeframe: str | None = None,
    drop_bad: bool = False,
    market: str = "auto",
    force: bool = False,
) -> ImportResult:
    """Check one file and merge its good rows into the store (nothing is written if refused).

    Spot candles (`market="spot"`, or "auto" for a file under a folder named `spot`) go to the
    `<venue>_spot` part of the store, never over the perpetual-futures bars a backtest reads.
    Rows that would change stored values refuse the file unless `force`."""
    if market not in MARKETS:
        raise ConfigurationError(f"--market must be one of {', '.join(MARKETS)}, not {market!r}")
    if market == "auto":
        market = "spot" if any(part.lower() == "spot" for part in path.resolve().parent.parts) else "perp"
    if market == "spot":
        venue = f"{venue}_spot"
    kind = file_kind(path)
    name = parse_file_name(path)
    stem = symbol or (name.stem if name is not None else None)
    if stem is None:
        raise ConfigurationError(f"{path}: cannot tell the symbol from the file name; give --symbol")
    unified = unified_symbol(stem)
    tf: str | None = None
    if kind == "candles":
        tf = timeframe or (name.timeframe if name is not None else None)
        if tf is None:
            raise ConfigurationError(
                f"{path}: cannot tell the timeframe from the file name; give --timeframe"
            )
        step_ms(tf)
    table = read_lenient(path, kind)
    report = check_candles(table, tf) if tf is not None else check_funding(table)
    bad = bad_row_mask(table, tf)
    dropped = int(bad.sum())
    if dropped and not drop_bad:
        return ImportResult(path, unified, kind, tf, report, None)
    good = table.filter(~bad)
    if tf is not None:
        appended = store.append_candles(venue, unified, tf, good, overwrite=force)
    else:
        appended = store.append_funding(venue, unified, good, overwrite=force)
    return ImportResult(path, unified, kind, tf, report, appended, dropped, market)
