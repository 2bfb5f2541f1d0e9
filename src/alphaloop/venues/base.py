"""The venue port: what the engine, `qualify` and the runners need from any exchange.

Vocabulary follows ccxt (`fetch_ohlcv`, `create_order`, ...) with typed, frozen return values.
Symbols are unified (`BTC/USDT:USDT`); adapters translate to venue spellings.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

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
    Ticker,
    Trade,
)


@runtime_checkable
class Venue(Protocol):
    """An exchange account as the rest of alphaloop sees it. All calls are async."""

    name: str

    async def fetch_time(self) -> int:
        """Venue server time in ms."""
        ...

    async def load_instruments(self, *, reload: bool = False) -> dict[str, Instrument]:
        """Contract specifications keyed by unified symbol (cached after the first call)."""
        ...

    async def fetch_ohlcv(
        self,
        symbol: str,
        timeframe: str = "1h",
        *,
        since: int | None = None,
        until: int | None = None,
        limit: int | None = None,
    ) -> list[Candle]:
        """Closed and current candles, oldest first."""
        ...

    async def fetch_ticker(self, symbol: str) -> Ticker: ...

    async def fetch_order_book(self, symbol: str, *, limit: int | None = None) -> OrderBook: ...

    async def fetch_funding_rate(self, symbol: str) -> FundingRate: ...

    async def fetch_funding_rate_history(
        self, symbol: str, *, limit: int | None = None
    ) -> list[FundingRate]: ...

    async def fetch_balance(self) -> Balance: ...

    async def fetch_positions(self, symbols: Sequence[str] | None = None) -> list[Position]: ...

    async def set_leverage(
        self, symbol: str, leverage: int, *, margin_mode: MarginMode = MarginMode.CROSS
    ) -> None: ...

    async def create_order(self, request: OrderRequest) -> Order:
        """Place an order. Raises `UnknownOrderOutcomeError` only if reconciliation by client id
        could not establish whether the order exists."""
        ...

    async def cancel_order(
        self, symbol: str, *, order_id: str | None = None, client_order_id: str | None = None
    ) -> CancelResult: ...

    async def fetch_order(
        self, symbol: str, *, order_id: str | None = None, client_order_id: str | None = None
    ) -> Order: ...

    async def fetch_open_orders(self, symbol: str | None = None) -> list[Order]: ...

    async def fetch_my_trades(
        self,
        symbol: str,
        *,
        order_id: str | None = None,
        since: int | None = None,
        limit: int | None = None,
    ) -> list[Trade]: ...

    async def upload_ai_log(self, log: AiLog) -> None: ...

    async def close(self) -> None: ...
