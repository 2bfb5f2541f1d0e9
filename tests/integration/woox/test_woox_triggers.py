"""The port's venue-side exits on `WooxVenue` against the simulator's WOO X dialect over a real
socket: create_stop_loss (a TP_SL with one STOP_LOSS leg), fetch_trigger_orders (legs of TP_SL /
POSITIONAL_TP_SL / BRACKET, STOP orders), cancel_trigger_order, and what closing a position does to
its TP/SL. BTC last = 100000."""

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
from alphaloop.venues.woox import WooxVenue
from tests.integration.woox.conftest import BTC
from tests.kit.woox_sim import Admin

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


async def test_a_preset_stop_loss_is_one_stop_loss_trigger_at_the_rounded_price(venue: WooxVenue) -> None:
    assert isinstance(venue, Venue)
    await venue.create_order(market(OrderIntent.OPEN_LONG, stop_loss="95000.04"))
    (stop,) = await venue.fetch_trigger_orders(BTC)
    # a long's stop sells, so it rounds up to the 0.1 tick
    assert (stop.trigger_kind, stop.trigger_price) == (TriggerKind.STOP_LOSS, Decimal("95000.1"))
    # a bracket's leg closes the whole position: its amount is the position's size
    assert (stop.intent, stop.status, stop.amount) == (OrderIntent.CLOSE_LONG, OrderStatus.UNTRIGGERED, SIZE)


async def test_preset_take_profit_and_stop_loss_of_a_short_are_told_apart(venue: WooxVenue) -> None:
    await venue.create_order(market(OrderIntent.OPEN_SHORT, take_profit="90000", stop_loss="104000"))
    listed = {t.trigger_kind: t.trigger_price for t in await venue.fetch_trigger_orders()}
    assert listed == {TriggerKind.TAKE_PROFIT: Decimal(90000), TriggerKind.STOP_LOSS: Decimal(104000)}


async def test_a_limit_entrys_stop_loss_rests_once_the_entry_fills(venue: WooxVenue, admin: Admin) -> None:
    entry = OrderRequest(
        symbol=BTC,
        intent=OrderIntent.OPEN_LONG,
        amount=SIZE,
        price=Decimal(99000),
        stop_loss_price=Decimal(97000),
    )
    await venue.create_order(entry)
    assert await venue.fetch_trigger_orders() == []  # nothing to protect yet
    admin.price("98900")
    (stop,) = await venue.fetch_trigger_orders()
    assert (stop.trigger_kind, stop.trigger_price, stop.amount) == (
        TriggerKind.STOP_LOSS,
        Decimal(97000),
        SIZE,
    )


async def test_create_stop_loss_then_cancel_it(venue: WooxVenue) -> None:
    await venue.create_order(market(OrderIntent.OPEN_SHORT, amount=Decimal("0.02")))
    assert await venue.fetch_trigger_orders() == []
    stop = await venue.create_stop_loss(
        BTC,
        PositionSide.SHORT,
        trigger_price=Decimal("103000.07"),
        amount=Decimal("0.02"),
        client_order_id="als1",
    )
    assert (stop.trigger_kind, stop.trigger_price, stop.client_order_id, stop.amount) == (
        TriggerKind.STOP_LOSS,
        Decimal("103000.0"),
        "als1",
        Decimal("0.02"),
    )
    assert stop.timestamp is not None  # read back from the venue, not the placement's echo
    (listed,) = await venue.fetch_trigger_orders(BTC)
    assert (listed.id, listed.trigger_kind, listed.trigger_price, listed.intent, listed.client_order_id) == (
        stop.id,
        TriggerKind.STOP_LOSS,
        Decimal(103000),
        OrderIntent.CLOSE_SHORT,
        "als1",
    )
    result = await venue.cancel_trigger_order(BTC, stop.id)
    assert (result.order_id, result.success) == (stop.id, True)
    assert await venue.fetch_trigger_orders() == []
    assert await venue.fetch_algo_orders(BTC) == []  # the emptied TP_SL is gone too
    with pytest.raises(OrderNotFoundError):
        await venue.cancel_trigger_order(BTC, stop.id)


async def test_the_stop_loss_fires_and_closes_the_position(venue: WooxVenue, admin: Admin) -> None:
    await venue.create_order(market(OrderIntent.OPEN_LONG))
    await venue.create_stop_loss(BTC, PositionSide.LONG, trigger_price=Decimal(97000), amount=SIZE)
    admin.price("96000")
    assert await venue.fetch_positions() == []
    assert await venue.fetch_trigger_orders() == []


async def test_a_stop_loss_needs_a_position(venue: WooxVenue) -> None:
    with pytest.raises(ExchangeRejectedError):
        await venue.create_stop_loss(BTC, PositionSide.LONG, trigger_price=Decimal(95000), amount=SIZE)
    assert await venue.fetch_trigger_orders() == []


async def test_plan_stops_are_listed_as_plan_triggers(venue: WooxVenue) -> None:
    stop = await venue.create_stop_order(
        symbol=BTC, intent=OrderIntent.OPEN_LONG, amount=SIZE, trigger_price=Decimal(101000)
    )
    (listed,) = await venue.fetch_trigger_orders()
    assert (listed.id, listed.trigger_kind, listed.trigger_price) == (
        stop.id,
        TriggerKind.PLAN,
        Decimal(101000),
    )


async def test_closing_the_position_ourselves_leaves_no_trigger_orders(venue: WooxVenue) -> None:
    await venue.create_order(market(OrderIntent.OPEN_LONG, take_profit="110000", stop_loss="95000"))
    await venue.create_stop_loss(BTC, PositionSide.LONG, trigger_price=Decimal(97000), amount=SIZE)
    assert len(await venue.fetch_trigger_orders()) == 3
    await venue.create_order(market(OrderIntent.CLOSE_LONG))
    assert await venue.fetch_positions() == []
    assert await venue.fetch_trigger_orders() == []
    assert await venue.fetch_algo_orders(BTC) == []
