"""Orders, order requests and fills, in a hedge-mode vocabulary (open/close long/short)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any


class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"


class PositionSide(StrEnum):
    LONG = "long"
    SHORT = "short"


class OrderIntent(StrEnum):
    """What an order does to a hedge-mode position; WEEX `type` 1-4."""

    OPEN_LONG = "open_long"
    OPEN_SHORT = "open_short"
    CLOSE_LONG = "close_long"
    CLOSE_SHORT = "close_short"

    @property
    def side(self) -> Side:
        return Side.BUY if self in (OrderIntent.OPEN_LONG, OrderIntent.CLOSE_SHORT) else Side.SELL

    @property
    def position_side(self) -> PositionSide:
        return (
            PositionSide.LONG
            if self in (OrderIntent.OPEN_LONG, OrderIntent.CLOSE_LONG)
            else PositionSide.SHORT
        )

    @property
    def reduce_only(self) -> bool:
        return self in (OrderIntent.CLOSE_LONG, OrderIntent.CLOSE_SHORT)

    @classmethod
    def opening(cls, position_side: PositionSide) -> OrderIntent:
        return cls.OPEN_LONG if position_side is PositionSide.LONG else cls.OPEN_SHORT

    @classmethod
    def closing(cls, position_side: PositionSide) -> OrderIntent:
        return cls.CLOSE_LONG if position_side is PositionSide.LONG else cls.CLOSE_SHORT


class TriggerKind(StrEnum):
    """What a resting trigger order is: a free-standing plan order, or a position's take-profit or
    stop-loss (a venue-side exit that closes the position when its trigger price trades)."""

    PLAN = "plan"
    TAKE_PROFIT = "take_profit"
    STOP_LOSS = "stop_loss"


class OrderType(StrEnum):
    LIMIT = "limit"
    MARKET = "market"


class TimeInForce(StrEnum):
    GTC = "gtc"
    POST_ONLY = "post_only"
    FOK = "fok"
    IOC = "ioc"


class OrderStatus(StrEnum):
    """Lifecycle of an order; UNKNOWN means we could not learn the outcome yet (reconcile)."""

    PENDING = "pending"
    OPEN = "open"
    FILLED = "filled"
    CANCELING = "canceling"
    CANCELED = "canceled"
    REJECTED = "rejected"
    UNTRIGGERED = "untriggered"
    UNKNOWN = "unknown"

    @property
    def is_final(self) -> bool:
        return self in (OrderStatus.FILLED, OrderStatus.CANCELED, OrderStatus.REJECTED)


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """A new order as the engine wants it; the venue adapter turns it into wire parameters."""

    symbol: str
    intent: OrderIntent
    amount: Decimal
    order_type: OrderType = OrderType.LIMIT
    price: Decimal | None = None
    time_in_force: TimeInForce = TimeInForce.GTC
    client_order_id: str | None = None
    take_profit_price: Decimal | None = None
    stop_loss_price: Decimal | None = None

    @property
    def side(self) -> Side:
        return self.intent.side


@dataclass(frozen=True, slots=True)
class Order:
    """An order as the venue reports it."""

    id: str
    symbol: str
    intent: OrderIntent
    order_type: OrderType
    status: OrderStatus
    amount: Decimal
    filled: Decimal = Decimal(0)
    price: Decimal | None = None
    average_price: Decimal | None = None
    fee: Decimal = Decimal(0)
    realized_pnl: Decimal = Decimal(0)
    client_order_id: str | None = None
    time_in_force: TimeInForce = TimeInForce.GTC
    timestamp: int | None = None
    take_profit_price: Decimal | None = None
    stop_loss_price: Decimal | None = None
    #: Set on trigger orders only (`fetch_trigger_orders`): the level that fires it, and its kind.
    trigger_price: Decimal | None = None
    trigger_kind: TriggerKind | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def side(self) -> Side:
        return self.intent.side

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.filled


@dataclass(frozen=True, slots=True)
class Trade:
    """One fill of one of our orders."""

    id: str
    order_id: str
    symbol: str
    side: Side
    position_side: PositionSide
    amount: Decimal
    price: Decimal
    cost: Decimal
    fee: Decimal
    realized_pnl: Decimal = Decimal(0)
    timestamp: int | None = None
    is_maker: bool | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class CancelResult:
    order_id: str | None
    client_order_id: str | None
    success: bool
    message: str = ""
