"""SimVenue's venue-side exits: create_stop_loss, fetch_trigger_orders, cancel_trigger_order."""

from __future__ import annotations

from decimal import Decimal

import pytest

from alphaloop.model import (
    Instrument,
    InvalidOrderError,
    OrderIntent,
    OrderNotFoundError,
    OrderRequest,
    OrderStatus,
    OrderType,
    PositionSide,
    TriggerKind,
)
from alphaloop.venues.sim.core import Exchange, ExchangeConfig
from alphaloop.venues.sim.venue import SimVenue

D = Decimal
BTC = "BTC/USDT:USDT"
ACCOUNT = "acct-1"
T0 = 1_700_000_000_000
LAG_MS = 1500


class Clock:
    def __init__(self, now: int) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


def make_venue() -> tuple[SimVenue, Exchange, Clock]:
    btc = Instrument(
        symbol=BTC,
        venue_symbol="cmt_btcusdt",
        base="BTC",
        quote="USDT",
        settle="USDT",
        price_tick=D("0.1"),
        size_step=D("0.0001"),
        min_size=D("0.0001"),
        max_size=D(1200),
        max_leverage=400,
    )
    exchange = Exchange({BTC: btc}, ExchangeConfig(spread_ticks=0, tpsl_registration_delay_ms=LAG_MS))
    exchange.open_account(ACCOUNT, D(1000), now_ms=T0)
    exchange.update_price(BTC, D(100000), now_ms=T0)
    clock = Clock(T0)
    return SimVenue(exchange, ACCOUNT, clock=clock), exchange, clock


def market(intent: OrderIntent, amount: str, *, stop_loss: str | None = None) -> OrderRequest:
    return OrderRequest(
        BTC,
        intent,
        D(amount),
        order_type=OrderType.MARKET,
        stop_loss_price=None if stop_loss is None else D(stop_loss),
    )


@pytest.mark.asyncio
async def test_a_preset_stop_loss_is_listed_as_a_stop_loss_trigger_once_registered() -> None:
    venue, _exchange, clock = make_venue()
    await venue.create_order(market(OrderIntent.OPEN_LONG, "0.01", stop_loss="98000"))
    assert await venue.fetch_trigger_orders() == []  # still registering, as on WEEX
    clock.now += LAG_MS
    (stop,) = await venue.fetch_trigger_orders(BTC)
    assert (stop.trigger_kind, stop.trigger_price, stop.intent, stop.amount, stop.status) == (
        TriggerKind.STOP_LOSS,
        D(98000),
        OrderIntent.CLOSE_LONG,
        D("0.01"),
        OrderStatus.UNTRIGGERED,
    )
    assert (stop.order_type, stop.price) == (OrderType.MARKET, None)


@pytest.mark.asyncio
async def test_create_stop_loss_rounds_like_a_live_venue_and_protects_the_position() -> None:
    venue, exchange, clock = make_venue()
    await venue.create_order(market(OrderIntent.OPEN_SHORT, "0.02"))
    stop = await venue.create_stop_loss(
        BTC, PositionSide.SHORT, trigger_price=D("101000.07"), amount=D("0.02009"), client_order_id="s1"
    )
    # a short's stop buys: rounded down to the tick (closer to the price, never further)
    assert (stop.trigger_kind, stop.trigger_price, stop.amount, stop.client_order_id) == (
        TriggerKind.STOP_LOSS,
        D("101000.0"),
        D("0.0200"),
        "s1",
    )
    assert [t.id for t in await venue.fetch_trigger_orders()] == [stop.id]
    clock.now += 1
    (fill,) = exchange.update_price(BTC, D(101500), now_ms=clock.now)
    assert (fill.intent, fill.price) == (OrderIntent.CLOSE_SHORT, D(101000))
    assert await venue.fetch_positions() == []
    assert await venue.fetch_trigger_orders() == []


@pytest.mark.asyncio
async def test_cancel_trigger_order_removes_it_and_a_second_cancel_is_not_found() -> None:
    venue, _exchange, _clock = make_venue()
    await venue.create_order(market(OrderIntent.OPEN_LONG, "0.01"))
    stop = await venue.create_stop_loss(BTC, PositionSide.LONG, trigger_price=D(97000), amount=D("0.01"))
    result = await venue.cancel_trigger_order(BTC, stop.id)
    assert (result.order_id, result.success) == (stop.id, True)
    assert await venue.fetch_trigger_orders() == []
    with pytest.raises(OrderNotFoundError):
        await venue.cancel_trigger_order(BTC, stop.id)


@pytest.mark.asyncio
async def test_closing_the_position_leaves_no_trigger_orders() -> None:
    venue, _exchange, clock = make_venue()
    await venue.create_order(market(OrderIntent.OPEN_LONG, "0.01", stop_loss="98000"))
    await venue.create_stop_loss(BTC, PositionSide.LONG, trigger_price=D(97000), amount=D("0.01"))
    clock.now += LAG_MS
    assert len(await venue.fetch_trigger_orders()) == 2
    await venue.create_order(market(OrderIntent.CLOSE_LONG, "0.01"))
    assert await venue.fetch_trigger_orders() == []


@pytest.mark.asyncio
async def test_a_stop_loss_needs_a_position_on_the_losing_side_and_a_size() -> None:
    venue, _exchange, _clock = make_venue()
    with pytest.raises(InvalidOrderError, match="position"):
        await venue.create_stop_loss(BTC, PositionSide.LONG, trigger_price=D(97000), amount=D("0.01"))
    await venue.create_order(market(OrderIntent.OPEN_LONG, "0.01"))
    with pytest.raises(InvalidOrderError):
        await venue.create_stop_loss(BTC, PositionSide.LONG, trigger_price=D(101000), amount=D("0.01"))
    with pytest.raises(InvalidOrderError, match="rounds down to 0"):
        await venue.create_stop_loss(BTC, PositionSide.LONG, trigger_price=D(97000), amount=D("0.00001"))
    assert await venue.fetch_trigger_orders() == []
