"""Public market-data endpoints, `/v3/public/*` (spec 4.1). No credentials, one shared IP budget."""

from __future__ import annotations

from pydantic import TypeAdapter

from alphaloop.venues.woox.schemas import (
    FundingRateHistoryWire,
    FundingRateWire,
    FuturesWire,
    InstrumentWire,
    KlineWire,
    MarketTradeWire,
    OrderbookWire,
    Page,
    SystemInfo,
)
from alphaloop.venues.woox.transport import WooxTransport

_SYSTEM = TypeAdapter(SystemInfo)
_INSTRUMENTS = TypeAdapter(Page[InstrumentWire])
_KLINES = TypeAdapter(Page[KlineWire])
_BOOK = TypeAdapter(OrderbookWire)
_TRADES = TypeAdapter(Page[MarketTradeWire])
_FUTURES = TypeAdapter(Page[FuturesWire])
_FUNDING = TypeAdapter(Page[FundingRateWire])
_FUNDING_HISTORY = TypeAdapter(Page[FundingRateHistoryWire])


class PublicApi(WooxTransport):
    """Endpoints that need no credentials."""

    async def get_public_system_info(self) -> SystemInfo:
        """GET /v3/public/systemInfo -- `status` 0 = normal; server time is `server_time()`."""
        return await self._call("systemInfo", _SYSTEM)

    async def get_public_instruments(self, symbol: str | None = None) -> Page[InstrumentWire]:
        """GET /v3/public/instruments -- tick, lot step, min size and notional (all when no symbol)."""
        return await self._call("instruments", _INSTRUMENTS, params={"symbol": symbol})

    async def get_public_kline(self, symbol: str, type: str, limit: int | None = None) -> Page[KlineWire]:
        """GET /v3/public/kline -- the latest candles (limit <= 1000); row order undocumented."""
        return await self._call("kline", _KLINES, params={"symbol": symbol, "type": type, "limit": limit})

    async def get_public_kline_history(
        self,
        symbol: str,
        type: str,
        *,
        before: int | None = None,
        after: int | None = None,
        limit: int | None = None,
    ) -> Page[KlineWire]:
        """GET /v3/public/klineHistory -- a page of candles strictly before or after a ms cursor
        (`before` wins when both are given; neither = latest)."""
        params = {"symbol": symbol, "type": type, "before": before, "after": after, "limit": limit}
        return await self._call("klineHistory", _KLINES, params=params)

    async def get_public_orderbook(
        self, symbol: str, max_level: int | None = None, *, rpi: bool | None = None
    ) -> OrderbookWire:
        """GET /v3/public/orderbook -- snapshot; its envelope `timestamp` is copied into `timestamp`."""
        params = {"symbol": symbol, "maxLevel": max_level, "rpi": rpi}
        book, stamp = await self._call_stamped("orderbook", _BOOK, params=params)
        return book.model_copy(update={"timestamp": stamp})

    async def get_public_market_trades(self, symbol: str, limit: int | None = None) -> Page[MarketTradeWire]:
        """GET /v3/public/marketTrades -- recent public trades."""
        return await self._call("marketTrades", _TRADES, params={"symbol": symbol, "limit": limit})

    async def get_public_futures(self, symbol: str | None = None) -> Page[FuturesWire]:
        """GET /v3/public/futures -- perp tickers: mark, index, open interest, 24 h stats (no bid/ask)."""
        return await self._call("futures", _FUTURES, params={"symbol": symbol})

    async def get_public_funding_rate(self, symbol: str | None = None) -> Page[FundingRateWire]:
        """GET /v3/public/fundingRate -- estimated and last funding rate, next funding time."""
        return await self._call("fundingRate", _FUNDING, params={"symbol": symbol})

    async def get_public_funding_rate_history(
        self,
        symbol: str,
        *,
        start_time: int | None = None,
        end_time: int | None = None,
        page: int | None = None,
        size: int | None = None,
    ) -> Page[FundingRateHistoryWire]:
        """GET /v3/public/fundingRateHistory -- settled rates, paged (25 per page by default)."""
        params = {"symbol": symbol, "startTime": start_time, "endTime": end_time, "page": page, "size": size}
        return await self._call("fundingRateHistory", _FUNDING_HISTORY, params=params)
