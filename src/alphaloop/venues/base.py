"""The venue port: what the engine, `qualify` and the runners need from any exchange.

Vocabulary follows ccxt (`fetch_ohlcv`, `create_order`, ...) with typed, frozen return values.
Symbols are unified (`BTC/USDT:USDT`); adapters translate to venue spellings.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
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
    PositionSide,
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

    # ------------------------------------------------------------ venue-side exits
    async def create_stop_loss(
        self,
        symbol: str,
        position_side: PositionSide,
        *,
        trigger_price: Decimal,
        amount: Decimal,
        client_order_id: str | None = None,
    ) -> Order:
        """A market stop-loss that closes `amount` of the `position_side` position when the price
        trades through `trigger_price`. Returns the trigger order (`trigger_kind` STOP_LOSS)."""
        ...

    async def fetch_trigger_orders(self, symbol: str | None = None) -> list[Order]:
        """Resting trigger orders (plan orders and position TP/SL, including those preset on an
        entry order), each with `trigger_price` and `trigger_kind` set."""
        ...

    async def cancel_trigger_order(self, symbol: str, order_id: str) -> CancelResult: ...

    async def upload_ai_log(self, log: AiLog) -> None: ...

    async def close(self) -> None: ...
