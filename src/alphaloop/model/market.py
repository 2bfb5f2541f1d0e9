"""Market data: candles, tickers, order books, funding rates."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

#: Timeframes alphaloop understands, with their length in milliseconds.
TIMEFRAME_MS: dict[str, int] = {
    "1m": 60_000,
    "5m": 300_000,
    "15m": 900_000,
    "30m": 1_800_000,
    "1h": 3_600_000,
    "4h": 14_400_000,
    "12h": 43_200_000,
    "1d": 86_400_000,
    "1w": 604_800_000,
}


@dataclass(frozen=True, slots=True)
class Candle:
    """OHLCV bar; `timestamp` is the open time in ms UTC, `volume` in base coin."""

    timestamp: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal
    quote_volume: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Ticker:
    symbol: str
    last: Decimal
    bid: Decimal | None = None
    ask: Decimal | None = None
    high: Decimal | None = None
    low: Decimal | None = None
    base_volume: Decimal | None = None
    quote_volume: Decimal | None = None
    percentage: Decimal | None = None
    mark_price: Decimal | None = None
    index_price: Decimal | None = None
    timestamp: int | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class OrderBook:
    symbol: str
    bids: tuple[tuple[Decimal, Decimal], ...]
    asks: tuple[tuple[Decimal, Decimal], ...]
    timestamp: int | None = None


@dataclass(frozen=True, slots=True)
class FundingRate:
    symbol: str
    rate: Decimal
    timestamp: int | None = None
    next_funding_time: int | None = None
    interval_minutes: int | None = None
