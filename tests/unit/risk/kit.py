"""Small builders for risk tests: a healthy account and an order the default limits approve."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from alphaloop.model import Order, OrderIntent, OrderStatus, OrderType, Position, PositionSide
from alphaloop.risk import OrderProposal, RiskView, TradingState

BTC, ETH, SOL, DOGE, XRP = (
    "BTC/USDT:USDT",
    "ETH/USDT:USDT",
    "SOL/USDT:USDT",
    "DOGE/USDT:USDT",
    "XRP/USDT:USDT",
)
#: 2023-11-14 22:13:20 UTC
NOW_MS = 1_700_000_000_000
D = Decimal


def proposal(
    *,
    symbol: str = BTC,
    intent: OrderIntent = OrderIntent.OPEN_LONG,
    amount: Decimal | str = "0.1",
    price: Decimal | str = "50000",
    leverage: int = 5,
    stop_loss: Decimal | str | None = "49500",
    ai_log_stored: bool = True,
    order_type: OrderType = OrderType.MARKET,
) -> OrderProposal:
    """Open long 0.1 BTC at 50000 (notional 5000), 5x, stop 49500 (loss 50): fine on `view()`."""
    return OrderProposal(
        symbol=symbol,
        intent=intent,
        amount=D(amount),
        price=D(price),
        leverage=leverage,
        client_oid="al0123456789abcde0e",
        ai_log_stored=ai_log_stored,
        stop_loss=None if stop_loss is None else D(stop_loss),
        order_type=order_type,
    )


def exit_proposal(*, intent: OrderIntent = OrderIntent.CLOSE_LONG, amount: str = "0.1") -> OrderProposal:
    return proposal(intent=intent, amount=amount, stop_loss=None)


def view(
    *,
    state: TradingState = TradingState.ACTIVE,
    equity: Decimal | str = "10000",
    available: Decimal | str | None = None,
    positions: Sequence[Position] = (),
    resting_orders: Sequence[Order] = (),
    order_calls_ms: Sequence[int] = (),
    last_entry_ms: Mapping[str, int] | None = None,
    orders_last_hour: int = 0,
    now_ms: int = NOW_MS,
) -> RiskView:
    """An account with 10000 USDT of equity, all available, nothing open, nothing sent lately."""
    return RiskView(
        now_ms=now_ms,
        state=state,
        equity=D(equity),
        available=D(equity if available is None else available),
        positions=tuple(positions),
        resting_orders=tuple(resting_orders),
        order_calls_ms=tuple(order_calls_ms),
        last_entry_ms=dict(last_entry_ms or {}),
        orders_last_hour=orders_last_hour,
    )


def position(
    symbol: str = BTC, side: PositionSide = PositionSide.LONG, size: str = "0.1", entry_price: str = "50000"
) -> Position:
    return Position(symbol=symbol, side=side, size=D(size), entry_price=D(entry_price), leverage=D(5))


def resting(
    intent: OrderIntent,
    price: str | None,
    *,
    symbol: str = BTC,
    amount: str = "0.01",
    status: OrderStatus = OrderStatus.OPEN,
    order_type: OrderType = OrderType.LIMIT,
    trigger_price: str | None = None,
) -> Order:
    return Order(
        id="r1",
        symbol=symbol,
        intent=intent,
        order_type=order_type,
        status=status,
        amount=D(amount),
        price=None if price is None else D(price),
        trigger_price=None if trigger_price is None else D(trigger_price),
    )


def calls_in_last_second(count: int, *, now_ms: int = NOW_MS) -> list[int]:
    """`count` order calls spread over the last 900 ms (all inside the 1 s window)."""
    return [now_ms - 900 * i // max(count - 1, 1) for i in range(count)]
