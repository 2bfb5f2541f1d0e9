"""Download candles and funding rates from a venue into the Parquet store: paged, resumable.

Works through the venue port (`fetch_ohlcv`, `fetch_funding_rate_history`), so any venue plugs in;
rate limits are the venue client's job (its limiter waits, never exceeds).

Per symbol, the requested range is [since, last closed bar]. What the store already holds is never
fetched again: the store is kept one contiguous block per series, grown at both ends.

* Older data ("head"), from the store's first bar (or the newest closed bar) back to `since`, is
  paged backwards with `until`, because a venue's history may start later than `since` (listing
  date, retention): the first empty page ends the walk instead of many empty pages forward.
* Newer data ("tail"), from the store's last bar to the newest closed bar, is paged forwards.

Rows are flushed to the store every `flush_rows` and whenever the download stops (also on error),
always adjacent to what is stored, so an interrupted download resumes where it stopped. Only closed
bars are stored: a bar counts as closed when it closed before the venue time read at the start.

Funding: the WEEX port serves only the latest settlements (at most 100), so funding history is
merged as far as the venue serves it, and the report says where it starts.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import polars as pl

from alphaloop.data.quality import Gap, find_gaps
from alphaloop.data.store import ParquetStore
from alphaloop.data.symbols import unified_symbol
from alphaloop.data.tables import candles_frame, funding_frame
from alphaloop.data.timeframes import align_down, align_up, step_ms
from alphaloop.model import Candle, ConfigurationError, FundingRate

logger = logging.getLogger("alphaloop.data.download")

#: Rows per historyCandles call on WEEX (spec 7.8).
PAGE_LIMIT = 100
#: Funding settlements per call on WEEX (spec 7.12).
FUNDING_LIMIT = 100
#: Safety stop: no download of one series makes more calls than this.
MAX_PAGES = 100_000


class MarketDataVenue(Protocol):
    """The part of the venue port (venues/base.py `Venue`) a download needs."""

    name: str

    async def fetch_time(self) -> int: ...

    async def fetch_ohlcv(
        self,
        symbol: str,
        timeframe: str = "1h",
        *,
        since: int | None = None,
        until: int | None = None,
        limit: int | None = None,
    ) -> list[Candle]: ...

    async def fetch_funding_rate_history(
        self, symbol: str, *, limit: int | None = None
    ) -> list[FundingRate]: ...


class DownloadProgress(Protocol):
    """Receives progress in bars covered (gaps count as covered), one task per symbol."""

    def start(self, symbol: str, total_bars: int) -> None: ...

    def advance(self, symbol: str, bars: int) -> None: ...

    def finish(self, symbol: str) -> None:
        """The symbol's download completed (not called when it failed or was interrupted)."""
        ...


class _NoProgress:
    def start(self, symbol: str, total_bars: int) -> None:
        pass

    def advance(self, symbol: str, bars: int) -> None:
        pass

    def finish(self, symbol: str) -> None:
        pass


@dataclass(slots=True)
class SeriesDownload:
    """What happened to one symbol's candles and funding."""

    symbol: str
    timeframe: str
    requests: int = 0
    added: int = 0
    replaced: int = 0
    #: bars stored in [since, until] after the download, first and last of them
    stored: int = 0
    first_ts: int | None = None
    last_ts: int | None = None
    gaps: list[Gap] = field(default_factory=list)
    #: the venue served nothing older than this (None: history reached `since`)
    history_starts_ms: int | None = None
    funding_requests: int = 0
    funding_added: int = 0
    #: oldest settlement the venue served (its funding history is short)
    funding_first_ms: int | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class DownloadReport:
    venue: str
    timeframe: str
    since_ms: int | None
    #: open time of the newest bar requested (the last closed bar, or before `until_ms`)
    until_ms: int | None
    series: list[SeriesDownload]

    @property
    def requests(self) -> int:
        return sum(s.requests + s.funding_requests for s in self.series)

    @property
    def added(self) -> int:
        return sum(s.added for s in self.series)

    @property
    def failed(self) -> list[SeriesDownload]:
        return [s for s in self.series if s.error is not None]


class _Buffer:
    """Fetched candles waiting to be written, flushed in contiguous blocks."""

    def __init__(self, store: ParquetStore, venue: str, result: SeriesDownload, flush_rows: int) -> None:
        self.store = store
        self.venue = venue
        self.result = result
        self.flush_rows = flush_rows
        self.candles: list[Candle] = []

    def add(self, candles: Sequence[Candle]) -> None:
        self.candles.extend(candles)
        if len(self.candles) >= self.flush_rows:
            self.flush()

    def flush(self) -> None:
        if not self.candles:
            return
        appended = self.store.append_candles(
            self.venue, self.result.symbol, self.result.timeframe, candles_frame(self.candles)
        )
        self.candles = []
        self.result.added += appended.added
        self.result.replaced += appended.replaced


async def download(
    venue: MarketDataVenue,
    store: ParquetStore,
    symbols: Sequence[str],
    timeframe: str,
    *,
    since_ms: int | None,
    until_ms: int | None = None,
    funding: bool = True,
    progress: DownloadProgress | None = None,
    page_limit: int = PAGE_LIMIT,
    flush_rows: int = 5_000,
) -> DownloadReport:
    """Bring the store's `timeframe` candles of `symbols` up to date from `since_ms` on.

    `since_ms` None continues each stored series from its own first bar (a symbol with nothing
    stored then fails: it needs a start). `until_ms` (exclusive) bounds the newest bar requested.
    One symbol's failure (venue error, nothing to continue from) is recorded in its result and the
    others continue; what was fetched before the failure stays stored.
    """
    step = step_ms(timeframe)
    if page_limit < 1 or flush_rows < 1:
        raise ConfigurationError("page_limit and flush_rows must be positive")
    unified = list(dict.fromkeys(unified_symbol(s) for s in symbols))
    venue_name = venue.name
    now_ms = await venue.fetch_time()
    last_closed = align_down(now_ms, timeframe) - step
    if until_ms is not None:
        last_closed = min(last_closed, align_down(until_ms - 1, timeframe))
    tracker = progress or _NoProgress()
    results = []
    for symbol in unified:
        result = SeriesDownload(symbol, timeframe)
        results.append(result)
        try:
            await _download_series(
                venue,
                store,
                result,
                since_ms,
                last_closed,
                tracker,
                page_limit=page_limit,
                flush_rows=flush_rows,
            )
            if funding:
                await _download_funding(venue, store, result, since_ms, now_ms)
            tracker.finish(symbol)
        except Exception as exc:  # one symbol's trouble must not lose the others' downloads
            logger.warning("download of %s %s stopped: %s", symbol, timeframe, exc)
            result.error = f"{type(exc).__name__}: {exc}"
        finally:
            _summarise(store, venue_name, result, since_ms, last_closed)
    return DownloadReport(venue_name, timeframe, since_ms, last_closed, results)


def _stored_span(store: ParquetStore, venue: str, symbol: str, timeframe: str) -> tuple[int, int] | None:
    table = store.read_candles(venue, symbol, timeframe)
    if table is None or table.is_empty():
        return None
    ts = table["ts"]
    return int(ts[0]), int(ts[-1])


Segment = tuple[int, int]


def plan_segments(
    lower: int, upper: int, stored: tuple[int, int] | None, step: int
) -> tuple[Segment | None, Segment | None]:
    """(tail, head): the bar open times still to fetch in [lower, upper], inclusive bounds.

    The tail continues the stored block forwards, the head extends it backwards; with nothing
    stored the whole range is a head (fetched newest first).
    """
    if stored is None:
        return None, ((lower, upper) if lower <= upper else None)
    first, last = stored
    tail_start = max(last + step, lower)
    tail = (tail_start, upper) if tail_start <= upper else None
    head_end = min(first - step, upper)
    head = (lower, head_end) if lower <= head_end else None
    return tail, head


async def _download_series(
    venue: MarketDataVenue,
    store: ParquetStore,
    result: SeriesDownload,
    since_ms: int | None,
    last_closed: int,
    progress: DownloadProgress,
    *,
    page_limit: int,
    flush_rows: int,
) -> None:
    symbol, timeframe = result.symbol, result.timeframe
    step = step_ms(timeframe)
    span = _stored_span(store, venue.name, symbol, timeframe)
    if since_ms is not None:
        lower = align_up(since_ms, timeframe)
    elif span is not None:
        lower = span[0]
    else:
        raise ConfigurationError(
            f"no stored {timeframe} candles of {symbol} to continue from: give a start date (--since)"
        )
    # newest bar the venue has (it may be still forming: the last_closed bound drops it)
    latest = await venue.fetch_ohlcv(symbol, timeframe, limit=1)
    result.requests += 1
    if not latest:
        raise LookupError(f"{venue.name} serves no {timeframe} candles for {symbol}")
    upper = min(last_closed, latest[-1].timestamp)

    tail, head = plan_segments(lower, upper, span, step)
    segments = [s for s in (tail, head) if s is not None]
    progress.start(symbol, sum((hi - lo) // step + 1 for lo, hi in segments))

    buffer = _Buffer(store, venue.name, result, flush_rows)
    try:
        if tail is not None:
            await _page_forward(venue, result, buffer, progress, tail, page_limit)
        if head is not None:
            await _page_backward(venue, result, buffer, progress, head, page_limit)
    finally:
        buffer.flush()


async def _page_forward(
    venue: MarketDataVenue,
    result: SeriesDownload,
    buffer: _Buffer,
    progress: DownloadProgress,
    bounds: tuple[int, int],
    page_limit: int,
) -> None:
    """Pages from bounds[0] up to bounds[1] inclusive; an empty page skips a page-long venue gap."""
    lo, hi = bounds
    step = step_ms(result.timeframe)
    cursor = lo
    for _ in range(MAX_PAGES):
        if cursor > hi:
            return
        page = await venue.fetch_ohlcv(result.symbol, result.timeframe, since=cursor, limit=page_limit)
        result.requests += 1
        kept = [c for c in page if cursor <= c.timestamp <= hi]
        buffer.add(kept)
        next_cursor = kept[-1].timestamp + step if kept else cursor + page_limit * step
        progress.advance(result.symbol, (min(next_cursor, hi + step) - cursor) // step)
        cursor = next_cursor
    raise RuntimeError(f"gave up after {MAX_PAGES} pages")


async def _page_backward(
    venue: MarketDataVenue,
    result: SeriesDownload,
    buffer: _Buffer,
    progress: DownloadProgress,
    bounds: tuple[int, int],
    page_limit: int,
) -> None:
    """Pages from bounds[1] down to bounds[0] inclusive; stops at the venue's oldest bar."""
    lo, hi = bounds
    step = step_ms(result.timeframe)
    cursor = hi
    for _ in range(MAX_PAGES):
        if cursor < lo:
            return
        page = await venue.fetch_ohlcv(result.symbol, result.timeframe, until=cursor, limit=page_limit)
        result.requests += 1
        kept = [c for c in page if lo <= c.timestamp <= cursor]
        if not kept:
            if not any(c.timestamp < lo for c in page):
                # nothing at or before the cursor: the venue's history starts after it
                result.history_starts_ms = cursor + step
            progress.advance(result.symbol, (cursor - lo) // step + 1)
            return
        buffer.add(kept)
        next_cursor = kept[0].timestamp - step
        progress.advance(result.symbol, (cursor - max(next_cursor, lo - step)) // step)
        cursor = next_cursor
    raise RuntimeError(f"gave up after {MAX_PAGES} pages")


async def _download_funding(
    venue: MarketDataVenue, store: ParquetStore, result: SeriesDownload, since_ms: int | None, now_ms: int
) -> None:
    rates = await venue.fetch_funding_rate_history(result.symbol, limit=FUNDING_LIMIT)
    result.funding_requests += 1
    table = funding_frame(rates).filter(pl.col("ts") <= now_ms)
    if since_ms is not None:
        table = table.filter(pl.col("ts") >= since_ms)
    if table.is_empty():
        return
    result.funding_first_ms = int(table["ts"][0])
    result.funding_added = store.append_funding(venue.name, result.symbol, table).added


def _summarise(
    store: ParquetStore, venue: str, result: SeriesDownload, since_ms: int | None, last_closed: int
) -> None:
    """Fill in what the store holds for the requested range, and its gaps."""
    table = store.read_candles(venue, result.symbol, result.timeframe)
    if table is None or table.is_empty():
        return
    window = table.filter(pl.col("ts") <= last_closed)
    if since_ms is not None:
        window = window.filter(pl.col("ts") >= since_ms)
    if window.is_empty():
        return
    ts = window["ts"].to_numpy()
    result.stored = len(ts)
    result.first_ts, result.last_ts = int(ts[0]), int(ts[-1])
    result.gaps = find_gaps(ts, step_ms(result.timeframe))
