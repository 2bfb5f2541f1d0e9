"""`WeexVenue` on contract API v3: every port method the trader uses, against the `weex-v3` dialect
over loopback, with the results the v2 contract tests expect of v2."""

from __future__ import annotations

from decimal import Decimal

import pytest

from alphaloop.model import (
    AiLog,
    MarginMode,
    OrderIntent,
    OrderRequest,
    OrderStatus,
    OrderType,
    PositionSide,
    TimeInForce,
    TriggerKind,
)
from alphaloop.venues.sim.server import RunningServer
from alphaloop.venues.weex import WeexVenue
from tests.integration.weex_v3.conftest import BTC, Admin, make_v3_venue
from tests.kit.sim_server import API_KEY

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]

SIZE = Decimal("0.01")


def market(intent: OrderIntent, amount: Decimal = SIZE, client_id: str | None = None) -> OrderRequest:
    return OrderRequest(
        symbol=BTC, intent=intent, amount=amount, order_type=OrderType.MARKET, client_order_id=client_id
    )


async def test_time_instruments_and_market_data(venue: WeexVenue, server: RunningServer) -> None:
    # the simulator reports its one simulated clock (as v2 does), not the wall
    assert abs(await venue.fetch_time() - server.sim.reported_ms()) < 5_000
    btc = await venue.instrument(BTC)
    assert (btc.venue_symbol, btc.price_tick, btc.size_step, btc.min_size) == (
        "cmt_btcusdt",
        Decimal("0.1"),
        Decimal("0.0001"),
        Decimal("0.0001"),
    )
    candles = await venue.fetch_ohlcv(BTC, "1h", limit=5)
    assert len(candles) == 5
    assert [c.timestamp for c in candles] == sorted(c.timestamp for c in candles)
    since = candles[0].timestamp
    ranged = await venue.fetch_ohlcv(BTC, "1h", since=since, limit=3)
    assert [c.timestamp for c in ranged] == [c.timestamp for c in candles[:3]]
    ticker = await venue.fetch_ticker(BTC)
    assert ticker.last == 100000
    assert ticker.bid is not None
    assert ticker.ask is not None
    assert ticker.bid < ticker.ask
    book = await venue.fetch_order_book(BTC, limit=5)
    assert len(book.bids) == 5
    assert book.bids[0][0] < book.asks[0][0]
    funding = await venue.fetch_funding_rate(BTC)
    assert funding.next_funding_time is not None
    assert funding.interval_minutes == 480


async def test_balance_leverage_and_margin_mode(venue: WeexVenue, server: RunningServer) -> None:
    assert (await venue.fetch_balance()).total == 1000
    await venue.set_leverage(BTC, 5)
    setting = server.sim.exchange.leverage_setting(API_KEY, BTC)
    assert (setting.long_leverage, setting.margin_mode) == (5, MarginMode.CROSS)
    await venue.set_leverage(BTC, 3, margin_mode=MarginMode.ISOLATED)
    setting = server.sim.exchange.leverage_setting(API_KEY, BTC)
    assert (setting.long_leverage, setting.short_leverage, setting.margin_mode) == (3, 3, MarginMode.ISOLATED)


async def test_market_open_then_close_realises_pnl(venue: WeexVenue, admin: Admin) -> None:
    opened = await venue.create_order(market(OrderIntent.OPEN_LONG, client_id="v3open"))
    assert (opened.status, opened.filled, opened.client_order_id) == (OrderStatus.FILLED, SIZE, "v3open")
    (position,) = await venue.fetch_positions([BTC])
    assert (position.side, position.size) == (PositionSide.LONG, SIZE)
    admin.price("101000")
    closed = await venue.create_order(market(OrderIntent.CLOSE_LONG))
    assert closed.status is OrderStatus.FILLED
    assert await venue.fetch_positions() == []
    trades = await venue.fetch_my_trades(BTC)
    assert [t.order_id for t in trades] == [opened.id, closed.id]
    # before fees, at the fill prices (the simulator fills at the touch, a tick off the last price)
    assert trades[1].realized_pnl == (trades[1].price - trades[0].price) * SIZE
    assert Decimal("9.9") < trades[1].realized_pnl < Decimal("10.1")
    assert all(t.fee > 0 for t in trades)


async def test_resting_limit_lifecycle_by_id_and_client_id(venue: WeexVenue) -> None:
    request = OrderRequest(
        symbol=BTC,
        intent=OrderIntent.OPEN_LONG,
        amount=SIZE,
        price=Decimal("95000.07"),
        client_order_id="v3rest",
    )
    order = await venue.create_order(request)
    assert (order.status, order.price, order.time_in_force) == (
        OrderStatus.OPEN,
        Decimal("95000"),
        TimeInForce.GTC,
    )
    assert [o.id for o in await venue.fetch_open_orders(BTC)] == [order.id]
    assert (await venue.fetch_order(BTC, client_order_id="v3rest")).id == order.id
    result = await venue.cancel_order(BTC, client_order_id="v3rest")
    assert result.success
    assert (await venue.fetch_order(BTC, order_id=order.id)).status is OrderStatus.CANCELED
    assert await venue.fetch_open_orders(BTC) == []


async def test_trigger_and_tpsl_orders_list_and_cancel(venue: WeexVenue) -> None:
    await venue.create_order(market(OrderIntent.OPEN_LONG))
    plan = await venue.create_trigger_order(
        symbol=BTC,
        intent=OrderIntent.OPEN_LONG,
        amount=SIZE,
        trigger_price=Decimal(105000),
        client_order_id="v3plan",
    )
    stop = await venue.create_stop_loss(BTC, PositionSide.LONG, trigger_price=Decimal(95000), amount=SIZE)
    triggers = {t.id: t for t in await venue.fetch_trigger_orders(BTC)}
    assert set(triggers) == {plan.id, stop.id}
    assert (triggers[plan.id].trigger_kind, triggers[plan.id].trigger_price) == (
        TriggerKind.PLAN,
        Decimal(105000),
    )
    assert (triggers[stop.id].trigger_kind, triggers[stop.id].trigger_price) == (
        TriggerKind.STOP_LOSS,
        Decimal(95000),
    )
    assert (await venue.cancel_trigger_order(BTC, plan.id)).success
    assert [t.id for t in await venue.fetch_trigger_orders(BTC)] == [stop.id]
    await venue.cancel_all_orders(symbol=BTC, trigger=True)
    assert await venue.fetch_trigger_orders(BTC) == []


async def test_close_positions_flattens_both_legs(venue: WeexVenue) -> None:
    await venue.create_order(market(OrderIntent.OPEN_LONG))
    await venue.create_order(market(OrderIntent.OPEN_SHORT))
    results = await venue.close_positions(symbol=BTC)
    assert len(results) == 2
    assert all(r.success and r.order_id for r in results)
    assert await venue.fetch_positions() == []


@pytest.mark.parametrize("path", ["/capi/v3/order/uploadAiLog", "/capi/v2/order/uploadAiLog"])
async def test_upload_ai_log_on_either_path(server: RunningServer, admin: Admin, path: str) -> None:
    venue = make_v3_venue(server, ai_log_path=path)
    try:
        order = await venue.create_order(market(OrderIntent.OPEN_LONG))
        log = AiLog(
            stage="Decision",
            model="m-1",
            input={"x": 1},
            output={"side": "buy"},
            explanation="ok",
            order_id=order.id,
        )
        await venue.upload_ai_log(log)
    finally:
        await venue.close()
    (stored,) = admin.state()["ai_logs"]
    assert stored["parsed"]["orderId"] == int(order.id)
    assert stored["parsed"]["model"] == "m-1"


async def test_preset_take_profit_and_stop_loss_arm_and_fire(venue: WeexVenue, admin: Admin) -> None:
    request = OrderRequest(
        symbol=BTC,
        intent=OrderIntent.OPEN_LONG,
        amount=SIZE,
        order_type=OrderType.MARKET,
        take_profit_price=Decimal(110000),
        stop_loss_price=Decimal(95000),
    )
    assert (await venue.create_order(request)).status is OrderStatus.FILLED
    triggers = await venue.fetch_trigger_orders(BTC)
    assert sorted((t.trigger_kind, t.trigger_price) for t in triggers) == [
        (TriggerKind.STOP_LOSS, Decimal(95000)),
        (TriggerKind.TAKE_PROFIT, Decimal(110000)),
    ]
    assert {(t.intent, t.status, t.amount) for t in triggers} == {
        (OrderIntent.CLOSE_LONG, OrderStatus.UNTRIGGERED, SIZE)
    }
    admin.price("94000")  # the stop loss fires and closes the long
    assert await venue.fetch_positions() == []
    assert await venue.fetch_trigger_orders() == []
