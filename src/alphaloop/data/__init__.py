"""Market data: the Parquet store of candles and funding, CSV import, venue download, resampling,
gap and bad-row checks, and `load_frame` (the backtest's input).

```
load_frame(symbols, timeframe, start_ms=, end_ms=)   store -> CSV files -> resampled finer bars
ParquetStore(root)                                   <venue>/candles/<tf>/BTCUSDT.parquet, funding/
download(venue, store, symbols, timeframe, ...)      paged through the venue port, resumable
import_file(path, store, venue)                      CSV / CSV.GZ of the shared data format
resample(candles, "5m", "1h")                        complete buckets only
check_candles / check_funding / find_gaps            coverage, gaps, bad rows (pure)
```
"""

from __future__ import annotations

from alphaloop.data.checks import DatasetCheck, check_file
from alphaloop.data.download import (
    DownloadProgress,
    DownloadReport,
    MarketDataVenue,
    SeriesDownload,
    download,
)
from alphaloop.data.importer import ImportResult, data_files, import_file
from alphaloop.data.loader import CandleSource, DatasetInfo, available, find_candle_source, load_frame
from alphaloop.data.paths import resolve_data_dir, resolve_store_dir
from alphaloop.data.quality import BadRow, CheckReport, Gap, check_candles, check_funding, find_gaps
from alphaloop.data.resample import resample
from alphaloop.data.store import AppendResult, ParquetStore, StoredSeries
from alphaloop.data.symbols import file_stem, unified_symbol

__all__ = [
    "AppendResult",
    "BadRow",
    "CandleSource",
    "CheckReport",
    "DatasetCheck",
    "DatasetInfo",
    "DownloadProgress",
    "DownloadReport",
    "Gap",
    "ImportResult",
    "MarketDataVenue",
    "ParquetStore",
    "SeriesDownload",
    "StoredSeries",
    "available",
    "check_candles",
    "check_file",
    "check_funding",
    "data_files",
    "download",
    "file_stem",
    "find_candle_source",
    "find_gaps",
    "import_file",
    "load_frame",
    "resample",
    "resolve_data_dir",
    "resolve_store_dir",
    "unified_symbol",
]
