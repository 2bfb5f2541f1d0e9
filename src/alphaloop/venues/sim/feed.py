"""Market data replay for the simulator: stored candles and funding rates driven by a simulated clock.

Reads the data folder format of `../shared/data/README.md` (`BTCUSDT-1h.csv.gz`, header
`ts,open,high,low,close,volume`; `funding/BTCUSDT-funding.csv.gz`, header `ts,funding_rate`).
Files are read and validated by `alphaloop.data.loader` (the rules of `alphaloop data check`); rows
then stay as text until used, so a year of candles costs one split per used row.

Nothing here may leak the future: every query takes the simulated `now_ms` and sees only candles
that had closed by then (a coarser candle still forming is aggregated from closed finer ones).
"""

from __future__ import annotations

import bisect
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Protocol

import polars as pl

from alphaloop.data.loader import read_candle_file, read_funding_file
from alphaloop.model import TIMEFRAME_MS, Candle, ConfigurationError
from alphaloop.model.instruments import split_symbol

DAY_MS = 86_400_000
#: Binance (the data source) and WEEX weekly candles open on Monday; the epoch was a Thursday.
WEEK_OFFSET_MS = 4 * DAY_MS
#: Default start: this long before the end of the data.
DEFAULT_LOOKBACK_MS = 30 * DAY_MS


def file_stem(symbol: str) -> str:
    """`BTC/USDT:USDT` -> `BTCUSDT`, the data files' naming."""
    base, quote, _ = split_symbol(symbol)
    return f"{base}{quote}"


def bucket_start(ts: int, step_ms: int) -> int:
    """Open time of the candle of length `step_ms` containing `ts` (weeks open on Monday)."""
    offset = WEEK_OFFSET_MS if step_ms == TIMEFRAME_MS["1w"] else 0
    return (ts - offset) // step_ms * step_ms + offset


@dataclass(slots=True)
class CandleSeries:
    """One symbol's candles of one timeframe, as sorted open times plus raw text rows."""

    symbol: str
    timeframe: str
    step_ms: int
    ts: list[int] = field(default_factory=list)
    #: `open,high,low,close,volume` text, parsed into a Candle only when used
    rows: list[str] = field(default_factory=list)

    @property
    def end_ms(self) -> int:
        """Close time of the last candle (0 when empty)."""
        return self.ts[-1] + self.step_ms if self.ts else 0

    def closed_count(self, now_ms: int) -> int:
        """Number of candles closed at `now_ms` (close time = open time + step <= now)."""
        return bisect.bisect_right(self.ts, now_ms - self.step_ms)

    def candle(self, index: int) -> Candle:
        o, h, low, c, v = self.rows[index].split(",")
        return Candle(self.ts[index], Decimal(o), Decimal(h), Decimal(low), Decimal(c), Decimal(v))


@dataclass(slots=True)
class FundingSeries:
    """Funding settlements of one symbol: settlement times and rates (text)."""

    symbol: str
    ts: list[int] = field(default_factory=list)
    rates: list[str] = field(default_factory=list)

    def settled_count(self, now_ms: int) -> int:
        return bisect.bisect_right(self.ts, now_ms)


def _as_text(table: pl.DataFrame, columns: Sequence[str]) -> list[str]:
    """Each row's `columns` joined by commas: the text form the series keep until a row is used."""
    return (
        table.select(pl.concat_str([pl.col(c).cast(pl.String) for c in columns], separator=","))
        .to_series()
        .to_list()
    )


def load_candles(path: Path, symbol: str, timeframe: str) -> CandleSeries:
    """One candle file, read and validated by the data loader: a truncated file, conflicting
    duplicate timestamps or off-grid rows refuse it with a line naming the file; NaN, missing or
    impossible rows are dropped and logged, exactly as for a backtest."""
    table = read_candle_file(path, timeframe)
    series = CandleSeries(symbol, timeframe, TIMEFRAME_MS[timeframe])
    series.ts = table["ts"].to_list()
    series.rows = _as_text(table, ("open", "high", "low", "close", "volume"))
    return series


def load_funding(path: Path, symbol: str) -> FundingSeries:
    table = read_funding_file(path)
    series = FundingSeries(symbol)
    series.ts = table["ts"].to_list()
    series.rates = _as_text(table, ("funding_rate",))
    return series


class MarketData:
    """Candles and funding rates of several symbols from one data folder."""

    def __init__(self, data_dir: Path, symbols: Iterable[str], timeframe: str = "1h") -> None:
        if timeframe not in TIMEFRAME_MS:
            raise ConfigurationError(f"timeframe '{timeframe}' is not one of {', '.join(TIMEFRAME_MS)}")
        if not data_dir.is_dir():
            raise ConfigurationError(
                f"data folder {data_dir} does not exist (set --data or ALPHALOOP_DATA_DIR)"
            )
        self.data_dir = data_dir
        self.timeframe = timeframe
        self._cache: dict[tuple[str, str], CandleSeries | None] = {}
        self.series: dict[str, CandleSeries] = {}
        self.funding: dict[str, FundingSeries] = {}
        for symbol in symbols:
            series = self.series_for(symbol, timeframe)
            if series is None or not series.ts:
                continue
            self.series[symbol] = series
            funding_path = data_dir / "funding" / f"{file_stem(symbol)}-funding.csv.gz"
            self.funding[symbol] = (
                load_funding(funding_path, symbol) if funding_path.exists() else FundingSeries(symbol)
            )
        if not self.series:
            raise ConfigurationError(f"no {timeframe} candle files for the requested symbols in {data_dir}")

    @property
    def symbols(self) -> list[str]:
        return list(self.series)

    @property
    def end_ms(self) -> int:
        """The earliest end among the symbols, so every symbol has data up to it."""
        return min(s.end_ms for s in self.series.values())

    @property
    def start_ms(self) -> int:
        """The latest first candle among the symbols."""
        return max(s.ts[0] for s in self.series.values())

    def default_start_ms(self) -> int:
        """A month before the end of the data, aligned to the replay timeframe."""
        start = max(self.start_ms, self.end_ms - DEFAULT_LOOKBACK_MS)
        return bucket_start(start, TIMEFRAME_MS[self.timeframe])

    def series_for(self, symbol: str, timeframe: str) -> CandleSeries | None:
        """The candle file of one symbol and timeframe, loaded on first use (None if absent)."""
        key = (symbol, timeframe)
        if key not in self._cache:
            path = self.data_dir / f"{file_stem(symbol)}-{timeframe}.csv.gz"
            self._cache[key] = load_candles(path, symbol, timeframe) if path.exists() else None
        return self._cache[key]

    def source_for(self, symbol: str, granularity: str) -> CandleSeries | None:
        """The coarsest available series whose timeframe divides `granularity` (None if none)."""
        step = TIMEFRAME_MS[granularity]
        for timeframe in sorted(TIMEFRAME_MS, key=TIMEFRAME_MS.__getitem__, reverse=True):
            tf_step = TIMEFRAME_MS[timeframe]
            if tf_step > step or step % tf_step:
                continue
            if (
                timeframe == self.timeframe
                or (self.data_dir / f"{file_stem(symbol)}-{timeframe}.csv.gz").exists()
            ):
                series = self.series_for(symbol, timeframe)
                if series is not None and series.ts:
                    return series
        return None

    def candles(
        self, symbol: str, granularity: str, *, now_ms: int, limit: int, end_ms: int | None = None
    ) -> list[Candle] | None:
        """Up to `limit` candles of `granularity` ending at min(end_ms, now_ms), newest first.

        None when no stored timeframe can build `granularity`. The newest candle may still be
        forming; it is aggregated only from finer candles that have closed by `now_ms`.
        """
        source = self.source_for(symbol, granularity)
        if source is None:
            return None
        cutoff = now_ms if end_ms is None else min(end_ms, now_ms)
        stop = source.closed_count(now_ms)
        if end_ms is not None:
            # historyCandles: candles opening at or before end_ms
            stop = min(stop, bisect.bisect_right(source.ts, cutoff))
        step = TIMEFRAME_MS[granularity]
        if step == source.step_ms:
            return [source.candle(i) for i in range(stop - 1, max(stop - limit, 0) - 1, -1)]
        out: list[Candle] = []
        index = stop - 1
        while index >= 0 and len(out) < limit:
            bucket = bucket_start(source.ts[index], step)
            first = bisect.bisect_left(source.ts, bucket, 0, index + 1)
            parts = [source.candle(i) for i in range(first, index + 1)]
            out.append(
                Candle(
                    bucket,
                    parts[0].open,
                    max(p.high for p in parts),
                    min(p.low for p in parts),
                    parts[-1].close,
                    sum((p.volume for p in parts), Decimal(0)),
                )
            )
            index = first - 1
        return out

    def funding_history(self, symbol: str, *, now_ms: int, limit: int) -> list[tuple[int, Decimal]]:
        """Settled funding (time, rate) up to `now_ms`, newest first."""
        series = self.funding.get(symbol)
        if series is None:
            return []
        stop = series.settled_count(now_ms)
        return [
            (series.ts[i], Decimal(series.rates[i])) for i in range(stop - 1, max(stop - limit, 0) - 1, -1)
        ]


class ReplaySink(Protocol):
    """What the replay drives: the simulator core's market inputs."""

    def apply_candle(self, symbol: str, candle: Candle, *, now_ms: int | None = None) -> object: ...

    def settle_funding(self, symbol: str, rate: Decimal, *, now_ms: int) -> object: ...


class MarketReplay:
    """Applies candles (at their close time) and funding settlements to a sink as time advances."""

    def __init__(self, data: MarketData, sink: ReplaySink, start_ms: int) -> None:
        self.data = data
        self.sink = sink
        self.now_ms = start_ms
        self._candle_cursor: dict[str, int] = {}
        self._funding_cursor: dict[str, int] = {}
        for symbol, series in data.series.items():
            closed = series.closed_count(start_ms)
            if closed:
                # Only the last closed candle: the core needs a price, not the whole history.
                last = closed - 1
                self.sink.apply_candle(symbol, series.candle(last), now_ms=series.ts[last] + series.step_ms)
            self._candle_cursor[symbol] = closed
            self._funding_cursor[symbol] = data.funding[symbol].settled_count(start_ms)
        self.applied_candles = 0
        self.settled_fundings = 0

    def advance_to(self, now_ms: int) -> int:
        """Apply everything that happened in (previous now, now_ms], in time order; returns the count."""
        if now_ms <= self.now_ms:
            return 0
        events: list[tuple[int, int, str, int]] = []
        for symbol, series in self.data.series.items():
            start = self._candle_cursor[symbol]
            stop = series.closed_count(now_ms)
            events.extend((series.ts[i] + series.step_ms, 0, symbol, i) for i in range(start, stop))
            self._candle_cursor[symbol] = stop
            funding = self.data.funding[symbol]
            f_start = self._funding_cursor[symbol]
            f_stop = funding.settled_count(now_ms)
            events.extend((funding.ts[i], 1, symbol, i) for i in range(f_start, f_stop))
            self._funding_cursor[symbol] = f_stop
        # The candle closing at a settlement time comes first, so funding uses that close as mark.
        events.sort()
        for at, kind, symbol, index in events:
            if kind == 0:
                self.sink.apply_candle(symbol, self.data.series[symbol].candle(index), now_ms=at)
                self.applied_candles += 1
            else:
                rate = Decimal(self.data.funding[symbol].rates[index])
                self.sink.settle_funding(symbol, rate, now_ms=at)
                self.settled_fundings += 1
        self.now_ms = now_ms
        return len(events)

    def next_event_ms(self) -> int | None:
        """When the next candle closes (any symbol); None after the end of the data."""
        times = [
            s.ts[self._candle_cursor[sym]] + s.step_ms
            for sym, s in self.data.series.items()
            if self._candle_cursor[sym] < len(s.ts)
        ]
        return min(times) if times else None


class SimClock:
    """Simulated market time: starts at `start_ms` and runs at `speed` times the wall clock.

    `advance` and `set_speed` re-anchor so time never jumps backwards. The wall clock is
    injected (seconds, like `time.time`) so tests control it.
    """

    def __init__(self, start_ms: int, speed: float = 1.0, wall: Callable[[], float] = time.time) -> None:
        if not (math.isfinite(speed) and speed >= 0):
            raise ValueError("speed must be a finite number >= 0")
        self._wall = wall
        self._anchor_sim = start_ms
        self._anchor_wall = wall()
        self.speed = speed

    def now_ms(self) -> int:
        return self._anchor_sim + int((self._wall() - self._anchor_wall) * 1000 * self.speed)

    def _reanchor(self) -> None:
        self._anchor_sim = self.now_ms()
        self._anchor_wall = self._wall()

    def set_speed(self, speed: float) -> None:
        if not (math.isfinite(speed) and speed >= 0):  # NaN and inf would poison every later time
            raise ValueError("speed must be a finite number >= 0")
        self._reanchor()
        self.speed = speed

    def advance(self, ms: int) -> int:
        """Jump forward by `ms` (>= 0) and return the new simulated time."""
        if ms < 0:
            raise ValueError("simulated time cannot go backwards")
        self._reanchor()
        self._anchor_sim += ms
        return self._anchor_sim

    def advance_to(self, target_ms: int) -> int:
        """Jump forward to `target_ms` (no-op if already past it)."""
        now = self.now_ms()
        return self.advance(max(0, target_ms - now))
