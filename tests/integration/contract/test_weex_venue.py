"""Every `WeexVenue` method against the simulator over a real socket, asserting domain results.

Prices are fed through the admin API: BTC last = 100000, so the synthetic book is 99999.9 / 100000.1
(one 0.1 tick apart) and every fill, fee and PnL below is an exact number.
"""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest

from alphaloop.model import (
    AiLog,
    LeverageLimitError,
    MarginMode,
    OrderIntent,
    OrderRequest,
    OrderStatus,
    OrderType,
    PositionSide,
    Side,
    SymbolNotAllowedError,
    TimeInForce,
)
from alphaloop.venues.base import Venue
from alphaloop.venues.weex import WeexVenue
from tests.integration.contract.conftest import BTC, BTC_PRICE, Admin, make_venue
from tests.kit.sim_server import START_MS, live_sim, no_limits

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]

HOUR_MS = 3_600_000
BID = Decimal("99999.9")
ASK = Decimal("100000.1")
TAKER = Decimal("0.0008")
MAKER = Decimal("0.0002")
SIZE = Decimal("0.01")


def market(
    intent: OrderIntent,
    amount: Decimal = SIZE,
    *,
    client_order_id: str | None = None,
    take_profit_price: Decimal | None = None,
    stop_loss_price: Decimal | None = None,
) -> OrderRequest:
    return OrderRequest(
        symbol=BTC,
        intent=intent,
        amount=amount,
        order_type=OrderType.MARKET,
        client_order_id=client_order_id,
        take_profit_price=take_profit_price,
        stop_loss_price=stop_loss_price,
    )


def limit(
    intent: OrderIntent,
    price: str,
    tif: TimeInForce = TimeInForce.GTC,
    amount: Decimal = SIZE,
    *,
    client_order_id: str | None = None,
) -> OrderRequest:
    return OrderRequest(
        symbol=BTC,
        intent=intent,
        amount=amount,
        price=Decimal(price),
        time_in_force=tif,
        client_order_id=client_order_id,
    )


# ---------------------------------------------------------------------------- market data


async def test_time_and_instruments(venue: WeexVenue) -> None:
    assert isinstance(venue, Venue)
    # the simulator reports its simulated clock (one clock), not the wall
    assert START_MS <= (await venue.fetch_time()) < START_MS + 30 * 86_400_000
    instruments = await venue.load_instruments()
    btc = instruments[BTC]
    assert (btc.venue_symbol, btc.price_tick, btc.size_step) == (
        "cmt_btcusdt",
        Decimal("0.1"),
        Decimal("0.0001"),
    )
    assert (btc.taker_fee, btc.maker_fee) == (TAKER, MAKER)
    assert {"ETH/USDT:USDT", "SOL/USDT:USDT"} <= set(instruments)
    assert await venue.load_instruments(reload=True) == instruments


async def test_fetch_ohlcv_latest_and_by_range(venue: WeexVenue, admin: Admin) -> None:
    latest = await venue.fetch_ohlcv(BTC, "1h", limit=24)
    assert len(latest) == 24
    stamps = [c.timestamp for c in latest]
    assert stamps == sorted(stamps)
    assert all(b - a == HOUR_MS for a, b in itertools.pairwise(stamps))
    sim_now = admin.state()["sim_time_ms"]
    assert stamps[-1] <= sim_now < stamps[-1] + 2 * HOUR_MS

    since = stamps[0]
    from_since = await venue.fetch_ohlcv(BTC, "1h", since=since, limit=5)
    assert [c.timestamp for c in from_since] == stamps[:5]
    assert from_since == latest[:5]

    until = stamps[10]
    to_until = await venue.fetch_ohlcv(BTC, "1h", until=until, limit=5)
    assert [c.timestamp for c in to_until] == stamps[6:11]

    window = await venue.fetch_ohlcv(BTC, "1h", since=stamps[2], until=stamps[7])
    assert [c.timestamp for c in window] == stamps[2:8]
    assert window == latest[2:8]

    four_hours = await venue.fetch_ohlcv(BTC, "4h", limit=3)
    assert len(four_hours) == 3
    assert all(c.timestamp % (4 * HOUR_MS) == 0 for c in four_hours)
    with pytest.raises(ValueError, match="timeframe"):
        await venue.fetch_ohlcv(BTC, "7m")


async def test_ticker_book_and_funding(venue: WeexVenue) -> None:
    ticker = await venue.fetch_ticker(BTC)
    assert (ticker.symbol, ticker.last, ticker.bid, ticker.ask) == (BTC, BTC_PRICE, BID, ASK)
    assert ticker.mark_price == BTC_PRICE

    book = await venue.fetch_order_book(BTC, limit=5)
    assert book.symbol == BTC
    assert len(book.bids) == len(book.asks) == 5
    assert book.bids[0][0] == BID
    assert book.asks[0][0] == ASK
    assert [p for p, _ in book.bids] == sorted((p for p, _ in book.bids), reverse=True)
    assert [p for p, _ in book.asks] == sorted(p for p, _ in book.asks)
    deep = await venue.fetch_order_book(BTC, limit=50)
    assert len(deep.asks) == 50

    rate = await venue.fetch_funding_rate(BTC)
    assert rate.symbol == BTC
    assert rate.interval_minutes == 480
    assert rate.next_funding_time is not None
    assert rate.next_funding_time % (8 * HOUR_MS) == 0
    assert abs(rate.rate) < Decimal("0.01")
    history = await venue.fetch_funding_rate_history(BTC, limit=5)
    assert 1 <= len(history) <= 5
    times = [r.timestamp or 0 for r in history]
    assert times == sorted(times)
    assert history[-1].rate == rate.rate


# ---------------------------------------------------------------------------- account


async def test_balance_and_leverage(venue: WeexVenue, admin: Admin) -> None:
    balance = await venue.fetch_balance()
    assert (balance.currency, balance.total, balance.free, balance.used) == (
        "USDT",
        Decimal(1000),
        Decimal(1000),
        Decimal(0),
    )
    assert await venue.fetch_positions() == []

    await venue.set_leverage(BTC, 5)
    settings = await venue.client.get_account_settings("cmt_btcusdt")
    assert settings["cmt_btcusdt"].cross_leverage == 5
    # ETH is cross: the venue switches it to isolated before setting the leverage (spec 7.19)
    await venue.set_leverage("ETH/USDT:USDT", 3, margin_mode=MarginMode.ISOLATED)
    eth = (await venue.client.get_account_settings("cmt_ethusdt"))["cmt_ethusdt"]
    assert (eth.isolated_long_leverage, eth.isolated_short_leverage) == (Decimal(3), Decimal(3))
    modes = (await venue.client.get_account_get_accounts()).account.modeSetting
    assert {m.symbol: m.marginMode for m in modes}["cmt_ethusdt"] == "ISOLATED"
    await venue.set_leverage("ETH/USDT:USDT", 4)
    eth = (await venue.client.get_account_settings("cmt_ethusdt"))["cmt_ethusdt"]
    assert eth.cross_leverage == 4


async def test_competition_guards_fail_before_any_request(venue: WeexVenue, admin: Admin) -> None:
    await venue.load_instruments()
    before = admin.requests_total()
    with pytest.raises(LeverageLimitError):
        await venue.set_leverage(BTC, 21)
    with pytest.raises(SymbolNotAllowedError):
        await venue.set_leverage("PEPE/USDT:USDT", 5)
    with pytest.raises(SymbolNotAllowedError):
        await venue.create_order(
            OrderRequest(
                symbol="PEPE/USDT:USDT",
                intent=OrderIntent.OPEN_LONG,
                amount=Decimal(1000),
                order_type=OrderType.MARKET,
            )
        )
    with pytest.raises(SymbolNotAllowedError):
        await venue.create_trigger_order(
            symbol="XMR/USDT:USDT",
            intent=OrderIntent.OPEN_LONG,
            amount=Decimal(1),
            trigger_price=Decimal(100),
        )
    assert admin.requests_total() == before


# ---------------------------------------------------------------------------- orders


async def test_market_open_then_close_realises_pnl(venue: WeexVenue, admin: Admin) -> None:
    await venue.set_leverage(BTC, 10)
    opened = await venue.create_order(market(OrderIntent.OPEN_LONG, client_order_id="open1"))
    assert (opened.status, opened.filled, opened.average_price) == (OrderStatus.FILLED, SIZE, ASK)
    assert opened.client_order_id == "open1"
    assert opened.fee == SIZE * ASK * TAKER

    (position,) = await venue.fetch_positions()
    assert (position.symbol, position.side, position.size) == (BTC, PositionSide.LONG, SIZE)
    assert position.entry_price == ASK
    assert position.leverage == 10
    assert await venue.fetch_positions([BTC]) == [position]
    assert await venue.fetch_positions(["ETH/USDT:USDT"]) == []

    balance = await venue.fetch_balance()
    open_fee = SIZE * ASK * TAKER
    assert balance.total == 1000 - open_fee + position.unrealized_pnl
    assert balance.used > 0
    assert balance.free == balance.total - balance.used

    admin.price("101000")
    closed = await venue.create_order(market(OrderIntent.CLOSE_LONG, client_order_id="close1"))
    exit_price = Decimal("100999.9")
    close_fee = SIZE * exit_price * TAKER
    assert (closed.status, closed.average_price, closed.fee) == (OrderStatus.FILLED, exit_price, close_fee)
    assert closed.realized_pnl == (exit_price - ASK) * SIZE
    assert await venue.fetch_positions() == []

    after = await venue.fetch_balance()
    assert after.total == after.free == 1000 - open_fee - close_fee + (exit_price - ASK) * SIZE
    assert after.used == 0

    trades = await venue.fetch_my_trades(BTC)
    assert [(t.order_id, t.side, t.position_side, t.price) for t in trades] == [
        (opened.id, Side.BUY, PositionSide.LONG, ASK),
        (closed.id, Side.SELL, PositionSide.LONG, exit_price),
    ]
    assert [t.fee for t in trades] == [open_fee, close_fee]
    assert trades[1].realized_pnl == (exit_price - ASK) * SIZE
    (only_close,) = await venue.fetch_my_trades(BTC, order_id=closed.id)
    assert only_close.id == trades[1].id
    assert await venue.fetch_my_trades(BTC, limit=1) == trades[-1:]


async def test_market_short_profits_when_price_falls(venue: WeexVenue, admin: Admin) -> None:
    await venue.create_order(market(OrderIntent.OPEN_SHORT))
    (short,) = await venue.fetch_positions()
    assert (short.side, short.entry_price) == (PositionSide.SHORT, BID)
    admin.price("99000")
    (short,) = await venue.fetch_positions()
    assert short.unrealized_pnl > 0
    closed = await venue.create_order(market(OrderIntent.CLOSE_SHORT))
    assert closed.realized_pnl == (BID - Decimal("99000.1")) * SIZE


async def test_resting_limit_lifecycle_by_id_and_client_id(venue: WeexVenue) -> None:
    resting = await venue.create_order(limit(OrderIntent.OPEN_LONG, "95000.07", client_order_id="rest1"))
    # buys round down to the 0.1 tick
    assert (resting.status, resting.price, resting.filled) == (
        OrderStatus.OPEN,
        Decimal("95000.0"),
        Decimal(0),
    )
    assert resting.order_type is OrderType.LIMIT
    assert resting.time_in_force is TimeInForce.GTC
    other = await venue.create_order(limit(OrderIntent.OPEN_SHORT, "105000", client_order_id="rest2"))

    assert await venue.fetch_order(BTC, order_id=resting.id) == resting
    by_client = await venue.fetch_order(BTC, client_order_id="rest1")
    assert by_client.id == resting.id
    open_orders = await venue.fetch_open_orders(BTC)
    assert {o.id for o in open_orders} == {resting.id, other.id}
    assert {o.id for o in await venue.fetch_open_orders()} == {resting.id, other.id}
    assert await venue.fetch_open_orders("ETH/USDT:USDT") == []

    by_id = await venue.cancel_order(BTC, order_id=resting.id)
    assert by_id.success
    assert by_id.order_id == resting.id
    assert (await venue.fetch_order(BTC, order_id=resting.id)).status is OrderStatus.CANCELED
    by_cid = await venue.cancel_order(BTC, client_order_id="rest2")
    assert by_cid.success
    assert by_cid.order_id == other.id
    canceled = await venue.fetch_order(BTC, client_order_id="rest2")
    assert (canceled.id, canceled.status) == (other.id, OrderStatus.CANCELED)
    assert await venue.fetch_open_orders(BTC) == []
    again = await venue.cancel_order(BTC, order_id=resting.id)
    assert again.success is False


async def test_resting_limit_fills_as_maker_when_price_trades_through(venue: WeexVenue, admin: Admin) -> None:
    resting = await venue.create_order(limit(OrderIntent.OPEN_LONG, "99000"))
    admin.price("98900")
    filled = await venue.fetch_order(BTC, order_id=resting.id)
    assert (filled.status, filled.filled, filled.average_price) == (OrderStatus.FILLED, SIZE, Decimal(99000))
    assert filled.fee == SIZE * Decimal(99000) * MAKER
    (trade,) = await venue.fetch_my_trades(BTC, order_id=resting.id)
    assert (trade.price, trade.fee) == (Decimal(99000), filled.fee)
    # REST fills say OPEN_LONG in `direction`, not MAKER/TAKER (spec 7.32): unknowable here
    assert trade.is_maker is None
    (position,) = await venue.fetch_positions()
    assert position.entry_price == Decimal(99000)


async def test_marketable_limit_fills_at_once_as_taker(venue: WeexVenue) -> None:
    order = await venue.create_order(limit(OrderIntent.OPEN_LONG, "100050"))
    assert (order.status, order.filled, order.average_price) == (OrderStatus.FILLED, SIZE, ASK)
    assert order.fee == SIZE * ASK * TAKER


async def test_post_only_crossing_is_canceled_without_fill(venue: WeexVenue) -> None:
    order = await venue.create_order(limit(OrderIntent.OPEN_LONG, "100050", TimeInForce.POST_ONLY))
    assert (order.status, order.filled, order.time_in_force) == (
        OrderStatus.CANCELED,
        Decimal(0),
        TimeInForce.POST_ONLY,
    )
    assert await venue.fetch_positions() == []
    passive = await venue.create_order(limit(OrderIntent.OPEN_LONG, "99000", TimeInForce.POST_ONLY))
    assert passive.status is OrderStatus.OPEN


async def test_fok_and_ioc(venue: WeexVenue) -> None:
    fok = await venue.create_order(limit(OrderIntent.OPEN_LONG, "100050", TimeInForce.FOK))
    assert (fok.status, fok.filled, fok.time_in_force) == (OrderStatus.FILLED, SIZE, TimeInForce.FOK)
    fok_miss = await venue.create_order(limit(OrderIntent.OPEN_LONG, "99000", TimeInForce.FOK))
    assert (fok_miss.status, fok_miss.filled) == (OrderStatus.CANCELED, Decimal(0))
    ioc = await venue.create_order(limit(OrderIntent.OPEN_LONG, "100050", TimeInForce.IOC))
    assert (ioc.status, ioc.filled, ioc.time_in_force) == (OrderStatus.FILLED, SIZE, TimeInForce.IOC)
    ioc_miss = await venue.create_order(limit(OrderIntent.OPEN_LONG, "99000", TimeInForce.IOC))
    assert (ioc_miss.status, ioc_miss.filled) == (OrderStatus.CANCELED, Decimal(0))
    (position,) = await venue.fetch_positions()
    assert position.size == 2 * SIZE
    assert await venue.fetch_open_orders() == []


async def test_preset_take_profit_and_stop_loss(venue: WeexVenue, admin: Admin) -> None:
    order = await venue.create_order(
        market(OrderIntent.OPEN_LONG, take_profit_price=Decimal("110000"), stop_loss_price=Decimal("95000"))
    )
    assert order.status is OrderStatus.FILLED
    assert (order.take_profit_price, order.stop_loss_price) == (Decimal(110000), Decimal(95000))
    triggers = await venue.fetch_trigger_orders(symbol=BTC)
    assert sorted(Decimal(str(t.raw["triggerPrice"])) for t in triggers) == [95000, 110000]
    assert {(t.intent, t.status, t.amount) for t in triggers} == {
        (OrderIntent.CLOSE_LONG, OrderStatus.UNTRIGGERED, SIZE)
    }

    admin.price("94000")  # the stop loss fires and closes the long
    assert await venue.fetch_positions() == []
    assert await venue.fetch_trigger_orders() == []


async def test_trigger_order_fires_cancels_and_lists(venue: WeexVenue, admin: Admin) -> None:
    plan = await venue.create_trigger_order(
        symbol=BTC,
        intent=OrderIntent.OPEN_LONG,
        amount=SIZE,
        trigger_price=Decimal("101000"),
        client_order_id="plan1",
    )
    assert (plan.status, plan.client_order_id, plan.order_type) == (
        OrderStatus.UNTRIGGERED,
        "plan1",
        OrderType.MARKET,
    )
    limit_plan = await venue.create_trigger_order(
        symbol=BTC,
        intent=OrderIntent.OPEN_LONG,
        amount=SIZE,
        trigger_price=Decimal("90000"),
        price=Decimal("89990"),
    )
    listed = await venue.fetch_trigger_orders()
    assert {t.id for t in listed} == {plan.id, limit_plan.id}
    listed_plan = next(t for t in listed if t.id == plan.id)
    assert (listed_plan.client_order_id, Decimal(str(listed_plan.raw["triggerPrice"]))) == (
        "plan1",
        Decimal(101000),
    )

    cancel = await venue.cancel_trigger_order(BTC, limit_plan.id)
    assert cancel.success
    assert [t.id for t in await venue.fetch_trigger_orders(symbol=BTC)] == [plan.id]

    admin.price("101000")
    assert await venue.fetch_trigger_orders() == []
    (position,) = await venue.fetch_positions()
    assert (position.side, position.size) == (PositionSide.LONG, SIZE)


async def test_tpsl_orders_and_cancel_all(venue: WeexVenue, admin: Admin) -> None:
    await venue.create_order(market(OrderIntent.OPEN_LONG, amount=Decimal("0.02")))
    tp = await venue.create_tpsl_order(
        symbol=BTC,
        position_side=PositionSide.LONG,
        kind="take_profit",
        trigger_price=Decimal("105000"),
        amount=SIZE,
        client_order_id="tp1",
    )
    sl = await venue.create_tpsl_order(
        symbol=BTC,
        position_side=PositionSide.LONG,
        kind="stop_loss",
        trigger_price=Decimal("97000"),
        amount=SIZE,
        price=Decimal("96900"),
    )
    assert (tp.intent, tp.status, tp.client_order_id) == (
        OrderIntent.CLOSE_LONG,
        OrderStatus.UNTRIGGERED,
        "tp1",
    )
    assert (sl.order_type, sl.price) == (OrderType.LIMIT, Decimal(96900))
    assert {t.id for t in await venue.fetch_trigger_orders(symbol=BTC)} == {tp.id, sl.id}

    admin.price("105000")  # take profit closes half
    (position,) = await venue.fetch_positions()
    assert position.size == SIZE
    assert [t.id for t in await venue.fetch_trigger_orders()] == [sl.id]

    removed = await venue.cancel_all_orders(symbol=BTC, trigger=True)
    assert [(r.order_id, r.success) for r in removed] == [(sl.id, True)]
    assert await venue.fetch_trigger_orders() == []

    resting = await venue.create_order(limit(OrderIntent.OPEN_SHORT, "110000"))
    swept = await venue.cancel_all_orders()
    assert [(r.order_id, r.success) for r in swept] == [(resting.id, True)]
    assert (await venue.fetch_order(BTC, order_id=resting.id)).status is OrderStatus.CANCELED


async def test_close_positions(venue: WeexVenue, admin: Admin) -> None:
    await venue.create_order(market(OrderIntent.OPEN_LONG))
    await venue.create_order(market(OrderIntent.OPEN_SHORT, amount=Decimal("0.02")))
    await venue.create_order(
        OrderRequest(
            symbol="ETH/USDT:USDT",
            intent=OrderIntent.OPEN_LONG,
            amount=Decimal("0.1"),
            order_type=OrderType.MARKET,
        )
    )
    assert len(await venue.fetch_positions()) == 3
    results = await venue.close_positions(symbol=BTC)
    assert len(results) == 2
    assert all(r.success and r.order_id for r in results)
    (eth,) = await venue.fetch_positions()
    assert eth.symbol == "ETH/USDT:USDT"
    (eth_result,) = await venue.close_positions()
    assert eth_result.position_id == eth.id
    assert eth_result.success
    assert await venue.fetch_positions() == []
    balance = await venue.fetch_balance()
    assert balance.used == 0
    assert balance.total < 1000


async def test_upload_ai_log(venue: WeexVenue, admin: Admin) -> None:
    order = await venue.create_order(market(OrderIntent.OPEN_LONG))
    log = AiLog(
        stage="Decision Making",
        model="alphaloop-test-1",
        input={"price": "100000", "features": [1, 2]},
        output={"action": "open_long"},
        explanation="Trend and momentum agree; opening a small long.",
    )
    await venue.upload_ai_log(log.with_order_id(order.id))
    await venue.upload_ai_log(log)
    first, second = admin.state()["ai_logs"]
    assert first["parsed"]["orderId"] == int(order.id)
    assert first["parsed"]["model"] == "alphaloop-test-1"
    assert second["parsed"]["orderId"] is None


async def test_preset_tpsl_registers_after_the_venue_lag() -> None:
    """FIELD (spec 7.25): preset TP/SL show up in currentPlan ~1.5 s after the fill. The simulator
    counts the lag in simulated time, so with its clock frozen the test advances it."""
    with live_sim(rate_limits=no_limits(), tpsl_lag_ms=1500) as lagged:
        control = Admin(lagged)
        control.price(BTC_PRICE)
        venue = make_venue(lagged)
        try:
            order = await venue.create_order(
                market(OrderIntent.OPEN_LONG, take_profit_price=Decimal("120000"))
            )
            assert order.take_profit_price == Decimal(120000)
            assert await venue.fetch_trigger_orders() == []
            control.advance(1_000)
            assert await venue.fetch_trigger_orders() == []
            control.advance(1_000)
            (tp,) = await venue.fetch_trigger_orders()
            assert (tp.intent, Decimal(str(tp.raw["triggerPrice"]))) == (
                OrderIntent.CLOSE_LONG,
                Decimal(120000),
            )
        finally:
            await venue.close()
