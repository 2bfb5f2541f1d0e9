"""Paper trading on live public prices: market data from a real venue's public API, orders matched
by the simulator core (fees, leverage, funding-free, liquidation) on an in-process account.

The core's prices follow the public ticker: before every account or order call the last price of
each traded symbol is fed to the core (at most once per `sync_seconds`), so market orders fill
at the current public price and resting stops fire when the public price crosses them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from decimal import Decimal

from alphaloop.model import (
    AiLog,
    Balance,
    CancelResult,
    Candle,
    FundingRate,
    Instrument,
    MarginMode,
    Order,
    OrderBook,
    OrderRequest,
    Position,
    PositionSide,
    Ticker,
    Trade,
)
from alphaloop.venues.base import Venue
from alphaloop.venues.sim.core import Exchange, ExchangeConfig
from alphaloop.venues.sim.server.contracts import default_instruments
from alphaloop.venues.sim.venue import SimVenue

PAPER_ACCOUNT = "paper"


class PaperVenue:
    """A `Venue`: public market data from `public`, everything private from the simulator core."""

    def __init__(
        self,
        public: Venue,
        symbols: Sequence[str],
        *,
        balance: Decimal,
        sync_seconds: float = 2.0,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.name = f"paper-{public.name}"
        self.public = public
        self.symbols = tuple(symbols)
        self.exchange = Exchange(default_instruments(self.symbols), ExchangeConfig())
        self._wall = wall
        self.exchange.open_account(PAPER_ACCOUNT, balance, now_ms=self._now())
        self.sim = SimVenue(self.exchange, PAPER_ACCOUNT, clock=self._now)
        self.sync_seconds = sync_seconds
        self._synced_at: float | None = None

    def _now(self) -> int:
        return int(self._wall() * 1000)

    async def sync_prices(self, *, force: bool = False) -> None:
        now = self._wall()
        if not force and self._synced_at is not None and now - self._synced_at < self.sync_seconds:
            return
        for symbol in self.symbols:
            ticker = await self.public.fetch_ticker(symbol)
            self.exchange.update_price(symbol, ticker.last, now_ms=self._now(), mark=ticker.mark_price)
        self._synced_at = now

    # ------------------------------------------------------------ public data: the real venue
    async def fetch_time(self) -> int:
        return await self.public.fetch_time()

    async def load_instruments(self, *, reload: bool = False) -> dict[str, Instrument]:
        return await self.sim.load_instruments(reload=reload)

    async def fetch_ohlcv(
        self,
        symbol: str,
        timeframe: str = "1h",
        *,
        since: int | None = None,
        until: int | None = None,
        limit: int | None = None,
    ) -> list[Candle]:
        return await self.public.fetch_ohlcv(symbol, timeframe, since=since, until=until, limit=limit)

    async def fetch_ticker(self, symbol: str) -> Ticker:
        return await self.public.fetch_ticker(symbol)

    async def fetch_order_book(self, symbol: str, *, limit: int | None = None) -> OrderBook:
        return await self.public.fetch_order_book(symbol, limit=limit)

    async def fetch_funding_rate(self, symbol: str) -> FundingRate:
        return await self.public.fetch_funding_rate(symbol)

    async def fetch_funding_rate_history(self, symbol: str, *, limit: int | None = None) -> list[FundingRate]:
        return await self.public.fetch_funding_rate_history(symbol, limit=limit)

    # ------------------------------------------------------------ private: the simulator core
    async def fetch_balance(self) -> Balance:
        await self.sync_prices()
        return await self.sim.fetch_balance()

    async def fetch_positions(self, symbols: Sequence[str] | None = None) -> list[Position]:
        await self.sync_prices()
        return await self.sim.fetch_positions(symbols)

    async def set_leverage(
        self, symbol: str, leverage: int, *, margin_mode: MarginMode = MarginMode.CROSS
    ) -> None:
        await self.sync_prices()
        await self.sim.set_leverage(symbol, leverage, margin_mode=margin_mode)

    async def create_order(self, request: OrderRequest) -> Order:
        await self.sync_prices(force=True)
        return await self.sim.create_order(request)

    async def cancel_order(
        self, symbol: str, *, order_id: str | None = None, client_order_id: str | None = None
    ) -> CancelResult:
        return await self.sim.cancel_order(symbol, order_id=order_id, client_order_id=client_order_id)

    async def fetch_order(
        self, symbol: str, *, order_id: str | None = None, client_order_id: str | None = None
    ) -> Order:
        return await self.sim.fetch_order(symbol, order_id=order_id, client_order_id=client_order_id)

    async def fetch_open_orders(self, symbol: str | None = None) -> list[Order]:
        await self.sync_prices()
        return await self.sim.fetch_open_orders(symbol)

    async def fetch_my_trades(
        self,
        symbol: str,
        *,
        order_id: str | None = None,
        since: int | None = None,
        limit: int | None = None,
    ) -> list[Trade]:
        return await self.sim.fetch_my_trades(symbol, order_id=order_id, since=since, limit=limit)

    async def create_stop_loss(
        self,
        symbol: str,
        position_side: PositionSide,
        *,
        trigger_price: Decimal,
        amount: Decimal,
        client_order_id: str | None = None,
    ) -> Order:
        await self.sync_prices(force=True)
        return await self.sim.create_stop_loss(
            symbol, position_side, trigger_price=trigger_price, amount=amount, client_order_id=client_order_id
        )

    async def fetch_trigger_orders(self, symbol: str | None = None) -> list[Order]:
        await self.sync_prices()
        return await self.sim.fetch_trigger_orders(symbol)

    async def cancel_trigger_order(self, symbol: str, order_id: str) -> CancelResult:
        return await self.sim.cancel_trigger_order(symbol, order_id)

    async def upload_ai_log(self, log: AiLog) -> None:
        """Paper logs stay local (the simulator keeps them): nothing reaches a real exchange."""
        await self.sim.upload_ai_log(log)

    async def close(self) -> None:
        await self.public.close()
        await self.sim.close()
