"""Public market-data endpoints, `/capi/v2/market/*` (spec 7.1-7.13)."""

from __future__ import annotations

from pydantic import TypeAdapter

from alphaloop.venues.weex.schemas import (
    Contract,
    CurrentFundRate,
    Depth,
    FundingTime,
    HistoryFundRate,
    IndexPrice,
    Kline,
    OpenInterest,
    PublicTrade,
    ServerTime,
    TickerWire,
)
from alphaloop.venues.weex.transport import WeexTransport

_TIME = TypeAdapter(ServerTime)
_CONTRACTS = TypeAdapter(list[Contract])
_DEPTH = TypeAdapter(Depth)
_TICKERS = TypeAdapter(list[TickerWire])
_TICKER = TypeAdapter(TickerWire)
_TRADES = TypeAdapter(list[PublicTrade])
_KLINES = TypeAdapter(list[Kline])
_INDEX = TypeAdapter(IndexPrice)
_OPEN_INTEREST = TypeAdapter(list[OpenInterest])
_FUNDING_TIME = TypeAdapter(FundingTime)
_HISTORY_FUND_RATE = TypeAdapter(list[HistoryFundRate])
_CURRENT_FUND_RATE = TypeAdapter(list[CurrentFundRate])


class MarketApi(WeexTransport):
    """Endpoints that need no credentials."""

    async def get_market_time(self) -> ServerTime:
        """GET /capi/v2/market/time -- server time (ms in `timestamp`)."""
        return await self._call("time", _TIME)

    async def get_market_contracts(self, symbol: str | None = None) -> list[Contract]:
        """GET /capi/v2/market/contracts -- contract specifications (all when `symbol` is None)."""
        return await self._call("contracts", _CONTRACTS, params={"symbol": symbol})

    async def get_market_depth(self, symbol: str, limit: int | None = None) -> Depth:
        """GET /capi/v2/market/depth -- order book; `limit` is 15 or 200."""
        return await self._call("depth", _DEPTH, params={"symbol": symbol, "limit": limit})

    async def get_market_tickers(self) -> list[TickerWire]:
        """GET /capi/v2/market/tickers -- every ticker (weight 40: avoid polling)."""
        return await self._call("tickers", _TICKERS)

    async def get_market_ticker(self, symbol: str) -> TickerWire:
        """GET /capi/v2/market/ticker -- one ticker."""
        return await self._call("ticker", _TICKER, params={"symbol": symbol})

    async def get_market_trades(self, symbol: str, limit: int | None = None) -> list[PublicTrade]:
        """GET /capi/v2/market/trades -- recent public trades (limit 1-1000)."""
        return await self._call("trades", _TRADES, params={"symbol": symbol, "limit": limit})

    async def get_market_candles(
        self, symbol: str, granularity: str, limit: int | None = None, price_type: str | None = None
    ) -> list[Kline]:
        """GET /capi/v2/market/candles -- latest candles, in the venue's order (sort before use)."""
        params = {"symbol": symbol, "granularity": granularity, "limit": limit, "priceType": price_type}
        return await self._call("candles", _KLINES, params=params)

    async def get_market_history_candles(
        self,
        symbol: str,
        granularity: str,
        start_time: int | None = None,
        end_time: int | None = None,
        limit: int | None = None,
        price_type: str | None = None,
    ) -> list[Kline]:
        """GET /capi/v2/market/historyCandles -- up to 100 candles ending at `end_time`."""
        params = {
            "symbol": symbol,
            "granularity": granularity,
            "startTime": start_time,
            "endTime": end_time,
            "limit": limit,
            "priceType": price_type,
        }
        return await self._call("historyCandles", _KLINES, params=params)

    async def get_market_index(self, symbol: str, price_type: str | None = None) -> IndexPrice:
        """GET /capi/v2/market/index -- index (or, with `price_type="MARK"`, mark) price."""
        return await self._call("index", _INDEX, params={"symbol": symbol, "priceType": price_type})

    async def get_market_open_interest(self, symbol: str) -> list[OpenInterest]:
        """GET /capi/v2/market/open_interest -- open interest (a one-row array)."""
        return await self._call("open_interest", _OPEN_INTEREST, params={"symbol": symbol})

    async def get_market_funding_time(self, symbol: str) -> FundingTime:
        """GET /capi/v2/market/funding_time -- next funding settlement time."""
        return await self._call("funding_time", _FUNDING_TIME, params={"symbol": symbol})

    async def get_market_get_history_fund_rate(
        self, symbol: str, limit: int | None = None
    ) -> list[HistoryFundRate]:
        """GET /capi/v2/market/getHistoryFundRate -- past funding rates (limit 1-100)."""
        return await self._call(
            "getHistoryFundRate", _HISTORY_FUND_RATE, params={"symbol": symbol, "limit": limit}
        )

    async def get_market_current_fund_rate(self, symbol: str | None = None) -> list[CurrentFundRate]:
        """GET /capi/v2/market/currentFundRate -- current funding rate(s)."""
        return await self._call("currentFundRate", _CURRENT_FUND_RATE, params={"symbol": symbol})
