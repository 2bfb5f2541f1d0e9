"""The port's venue-side exits on `WeexVenue` against the simulator over a real socket:
create_stop_loss, fetch_trigger_orders (with `trigger_kind` / `trigger_price`), cancel_trigger_order,
and what closing a position does to its TP/SL. BTC last = 100000; TP/SL register at once here."""

from __future__ import annotations

from decimal import Decimal

import pytest

from alphaloop.model import (
    ExchangeRejectedError,
    OrderIntent,
    OrderNotFoundError,
    OrderRequest,
    OrderStatus,
    OrderType,
    PositionSide,
    TriggerKind,
)
from alphaloop.venues.base import Venue
from alphaloop.venues.weex import WeexVenue
from tests.integration.contract.conftest import BTC, Admin

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]

SIZE = Decimal("0.01")


def market(
    intent: OrderIntent,
    amount: Decimal = SIZE,
    *,
    take_profit: str | None = None,
    stop_loss: str | None = None,
) -> OrderRequest:
    return OrderRequest(
        symbol=BTC,
        intent=intent,
        amount=amount,
        order_type=OrderType.MARKET,
        take_profit_price=None if take_profit is None else Decimal(take_profit),
        stop_loss_price=None if stop_loss is None else Decimal(stop_loss),
    )


async def test_a_preset_stop_loss_is_one_stop_loss_trigger_at_the_rounded_price(venue: WeexVenue) -> None:
    assert isinstance(venue, Venue)
    await venue.create_order(market(OrderIntent.OPEN_LONG, stop_loss="95000.04"))
    (stop,) = await venue.fetch_trigger_orders(BTC)
    # a long's stop sells, so it rounds up to the 0.1 tick
    assert (stop.trigger_kind, stop.trigger_price) == (TriggerKind.STOP_LOSS, Decimal("95000.1"))
    assert (stop.intent, stop.status, stop.amount) == (OrderIntent.CLOSE_LONG, OrderStatus.UNTRIGGERED, SIZE)
    assert Decimal(str(stop.raw["triggerPrice"])) == Decimal("95000.1")


async def test_preset_take_profit_and_stop_loss_of_a_short_are_told_apart(venue: WeexVenue) -> None:
    await venue.create_order(market(OrderIntent.OPEN_SHORT, take_profit="90000", stop_loss="104000"))
    listed = {t.trigger_kind: t.trigger_price for t in await venue.fetch_trigger_orders()}
    assert listed == {TriggerKind.TAKE_PROFIT: Decimal(90000), TriggerKind.STOP_LOSS: Decimal(104000)}


async def test_create_stop_loss_then_cancel_it(venue: WeexVenue) -> None:
    await venue.create_order(market(OrderIntent.OPEN_SHORT, amount=Decimal("0.02")))
    assert await venue.fetch_trigger_orders() == []
    stop = await venue.create_stop_loss(
        BTC,
        PositionSide.SHORT,
        trigger_price=Decimal("103000.07"),
        amount=Decimal("0.02"),
        client_order_id="als1",
    )
    assert (stop.trigger_kind, stop.trigger_price, stop.client_order_id) == (
        TriggerKind.STOP_LOSS,
        Decimal("103000.0"),
        "als1",
    )
    (listed,) = await venue.fetch_trigger_orders(BTC)
    assert (listed.id, listed.trigger_kind, listed.trigger_price, listed.intent, listed.amount) == (
        stop.id,
        TriggerKind.STOP_LOSS,
        Decimal(103000),
        OrderIntent.CLOSE_SHORT,
        Decimal("0.02"),
    )
    result = await venue.cancel_trigger_order(BTC, stop.id)
    assert (result.order_id, result.success) == (stop.id, True)
    assert await venue.fetch_trigger_orders() == []
    with pytest.raises(OrderNotFoundError):
        await venue.cancel_trigger_order(BTC, stop.id)


async def test_a_stop_loss_needs_a_position(venue: WeexVenue) -> None:
    # placeTpSlOrder answers a refused row ({"orderId": 0, "success": false}), not an error code
    with pytest.raises(ExchangeRejectedError):
        await venue.create_stop_loss(BTC, PositionSide.LONG, trigger_price=Decimal(95000), amount=SIZE)
    assert await venue.fetch_trigger_orders() == []


async def test_closing_the_position_ourselves_leaves_no_trigger_orders(venue: WeexVenue) -> None:
    await venue.create_order(market(OrderIntent.OPEN_LONG, take_profit="110000", stop_loss="95000"))
    await venue.create_stop_loss(BTC, PositionSide.LONG, trigger_price=Decimal(97000), amount=SIZE)
    assert len(await venue.fetch_trigger_orders()) == 3
    await venue.create_order(market(OrderIntent.CLOSE_LONG))
    assert await venue.fetch_positions() == []
    assert await venue.fetch_trigger_orders() == []


async def test_a_stop_that_fires_takes_the_positions_other_exits_with_it(
    venue: WeexVenue, admin: Admin
) -> None:
    await venue.create_order(market(OrderIntent.OPEN_LONG, take_profit="110000"))
    await venue.create_stop_loss(BTC, PositionSide.LONG, trigger_price=Decimal(97000), amount=SIZE)
    admin.price("96000")
    assert await venue.fetch_positions() == []
    assert await venue.fetch_trigger_orders() == []
