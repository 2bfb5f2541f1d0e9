"""Every `WooxVenue` capability against the simulator's WOO X dialect over a real socket.

Prices are fed through the admin API: BTC last = 100000, so the synthetic book is 99999.9 / 100000.1
(one 0.1 tick apart), fees are maker 0.02 % / taker 0.05 %, and every number below is exact.
"""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest

from alphaloop.model import (
    InsufficientFundsError,
    InvalidOrderError,
    LeverageLimitError,
    OrderIntent,
    OrderNotFoundError,
    OrderRequest,
    OrderStatus,
    OrderType,
    PositionSide,
    Side,
)
from alphaloop.venues.base import Venue
from alphaloop.venues.sim.server import RunningServer
from alphaloop.venues.woox import WooxVenue
from tests.integration.woox.conftest import BTC, make_client, make_venue
from tests.kit.woox_sim import SECOND_KEY, SECOND_SECRET, START_MS, Admin, credentials

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]

HOUR_MS = 3_600_000
BID, ASK = Decimal("99999.9"), Decimal("100000.1")
TAKER, MAKER = Decimal("0.0005"), Decimal("0.0002")
SIZE = Decimal("0.01")


def market(intent: OrderIntent, amount: Decimal = SIZE, **extra: object) -> OrderRequest:
    return OrderRequest(symbol=BTC, intent=intent, amount=amount, order_type=OrderType.MARKET, **extra)  # type: ignore[arg-type]


def limit(intent: OrderIntent, price: str, amount: Decimal = SIZE, **extra: object) -> OrderRequest:
    return OrderRequest(symbol=BTC, intent=intent, amount=amount, price=Decimal(price), **extra)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- market data


async def test_time_instruments_ticker_book_and_funding(venue: WooxVenue) -> None:
    assert isinstance(venue, Venue)
    # the simulator's one clock (simulated market time), not the wall
    sim_ms = (await venue.fetch_time()) - START_MS
    assert 0 <= sim_ms < 3_600_000
    btc = (await venue.load_instruments())[BTC]
    assert (btc.venue_symbol, btc.price_tick, btc.size_step) == (
        "PERP_BTC_USDT",
        Decimal("0.1"),
        Decimal("0.0001"),
    )
    assert (btc.maker_fee, btc.taker_fee) == (MAKER, TAKER)
    ticker = await venue.fetch_ticker(BTC)
    assert (ticker.last, ticker.bid, ticker.ask, ticker.mark_price) == (
        Decimal(100000),
        BID,
        ASK,
        Decimal(100000),
    )
    book = await venue.fetch_order_book(BTC, limit=5)
    assert (len(book.bids), book.bids[0][0], book.asks[0][0]) == (5, BID, ASK)
    rate = await venue.fetch_funding_rate(BTC)
    assert rate.interval_minutes == 480
    assert rate.next_funding_time == START_MS + 8 * HOUR_MS
    history = await venue.fetch_funding_rate_history(BTC, limit=3)
    assert len(history) == 3
    assert [h.timestamp for h in history] == sorted(h.timestamp or 0 for h in history)
    assert history[-1].timestamp == START_MS  # settled at 00:00, the simulated "now"


async def test_ohlcv_latest_since_until_and_pages_beyond_one_request(venue: WooxVenue, admin: Admin) -> None:
    latest = await venue.fetch_ohlcv(BTC, "1h", limit=24)
    stamps = [c.timestamp for c in latest]
    assert len(stamps) == 24
    assert all(b - a == HOUR_MS for a, b in itertools.pairwise(stamps))
    assert stamps[-1] <= admin.state()["sim_time_ms"] < stamps[-1] + 2 * HOUR_MS
    assert await venue.fetch_ohlcv(BTC, "1h", since=stamps[0], limit=5) == latest[:5]
    assert await venue.fetch_ohlcv(BTC, "1h", until=stamps[10], limit=5) == latest[6:11]
    assert await venue.fetch_ohlcv(BTC, "1h", since=stamps[2], until=stamps[7]) == latest[2:8]
    # 1200 candles need two klineHistory pages (1000 + 200); a downloader gets them in one call
    since = stamps[0] - 1500 * HOUR_MS
    long = await venue.fetch_ohlcv(BTC, "1h", since=since, limit=1200)
    assert [c.timestamp for c in long] == [since + i * HOUR_MS for i in range(1200)]
    four = await venue.fetch_ohlcv(BTC, "4h", limit=3)
    assert all(c.timestamp % (4 * HOUR_MS) == 0 for c in four)


# ---------------------------------------------------------------------------- account and orders


async def test_market_open_moves_balance_and_position_exactly(venue: WooxVenue, admin: Admin) -> None:
    assert (await venue.fetch_balance()).total == Decimal(1000)
    await venue.set_leverage(BTC, 5)
    order = await venue.create_order(market(OrderIntent.OPEN_LONG, client_order_id="open-1"))
    fee = ASK * SIZE * TAKER
    assert (order.status, order.filled, order.average_price, order.fee) == (
        OrderStatus.FILLED,
        SIZE,
        ASK,
        fee,
    )
    assert order.client_order_id == "open-1"
    (position,) = await venue.fetch_positions([BTC])
    assert (position.side, position.size, position.entry_price, position.leverage) == (
        PositionSide.LONG, SIZE, ASK, Decimal(5),
    )  # fmt: skip
    assert position.unrealized_pnl == (Decimal(100000) - ASK) * SIZE
    balance = await venue.fetch_balance()
    assert balance.total == Decimal(1000) - fee + position.unrealized_pnl
    assert admin.state()["dialect"]["woox"]["position_modes"] == {"woox_0123456789abcdef": "HEDGE_MODE"}


async def test_hedge_mode_holds_long_and_short_at_once(venue: WooxVenue) -> None:
    await venue.create_order(market(OrderIntent.OPEN_LONG))
    await venue.create_order(market(OrderIntent.OPEN_SHORT, Decimal("0.02")))
    sides = {p.side: p.size for p in await venue.fetch_positions()}
    assert sides == {PositionSide.LONG: SIZE, PositionSide.SHORT: Decimal("0.02")}
    close = await venue.create_order(market(OrderIntent.CLOSE_LONG))
    assert close.intent is OrderIntent.CLOSE_LONG
    assert close.realized_pnl == (BID - ASK) * SIZE
    trades = await venue.fetch_my_trades(BTC, order_id=close.id)
    assert [(t.side, t.position_side, t.price) for t in trades] == [(Side.SELL, PositionSide.LONG, BID)]


async def test_limit_order_rests_is_found_by_text_client_id_and_cancels_once(
    venue: WooxVenue, admin: Admin
) -> None:
    order = await venue.create_order(limit(OrderIntent.OPEN_LONG, "99000", client_order_id="decision-7"))
    assert order.status is OrderStatus.OPEN
    assert order.price == Decimal(99000)
    assert [o.id for o in await venue.fetch_open_orders(BTC)] == [order.id]
    again = await venue.fetch_order(BTC, client_order_id="decision-7")
    assert (again.id, again.client_order_id) == (order.id, "decision-7")
    first = await venue.cancel_order(BTC, client_order_id="decision-7")
    assert (first.success, first.message) == (True, "CANCEL_SENT")
    second = await venue.cancel_order(BTC, order_id=order.id)
    assert (second.success, second.message) == (False, "order already canceled")
    assert await venue.fetch_open_orders(BTC) == []
    assert [o.status for o in await venue.fetch_closed_orders(BTC)] == [OrderStatus.CANCELED]


async def test_a_resting_limit_fills_as_maker_when_the_price_trades_through(
    venue: WooxVenue, admin: Admin
) -> None:
    order = await venue.create_order(limit(OrderIntent.OPEN_LONG, "99000"))
    admin.price("98900")
    (trade,) = await venue.fetch_my_trades(BTC, order_id=order.id)
    assert (trade.price, trade.is_maker, trade.fee) == (Decimal(99000), True, Decimal(99000) * SIZE * MAKER)
    assert (await venue.fetch_order(BTC, order_id=order.id)).status is OrderStatus.FILLED


async def test_edit_keeps_the_order_id(venue: WooxVenue) -> None:
    order = await venue.create_order(limit(OrderIntent.OPEN_LONG, "99000"))
    assert (await venue.edit_order(BTC, order.id, price=Decimal("98500.07"))).message == "EDIT_SENT"
    edited = await venue.fetch_order(BTC, order_id=order.id)
    assert (edited.id, edited.price, edited.status) == (order.id, Decimal("98500"), OrderStatus.OPEN)
    assert [o.id for o in await venue.fetch_open_orders()] == [order.id]


async def test_venue_rejections_map_to_the_hierarchy(server: RunningServer, venue: WooxVenue) -> None:
    with pytest.raises(InsufficientFundsError):
        await venue.create_order(market(OrderIntent.OPEN_LONG, Decimal("1")))
    with pytest.raises(InvalidOrderError, match=r"-1105|too far"):
        await venue.create_order(limit(OrderIntent.OPEN_LONG, "150000"))
    async with make_client(server) as raw:
        with pytest.raises(LeverageLimitError):
            await raw.put_futures_leverage("PERP_BTC_USDT", 50, "CROSS")


async def test_one_way_mode_closes_with_reduce_only(server: RunningServer, admin: Admin) -> None:
    venue = make_venue(
        server, {"position_mode": "ONE_WAY"}, credentials=credentials(SECOND_KEY, SECOND_SECRET)
    )
    try:
        opened = await venue.create_order(market(OrderIntent.OPEN_LONG))
        assert opened.raw["positionSide"] == "BOTH"
        assert opened.intent is OrderIntent.OPEN_LONG
        closed = await venue.create_order(market(OrderIntent.CLOSE_LONG))
        assert closed.intent is OrderIntent.CLOSE_LONG
        assert closed.raw["reduceOnly"] is True
        assert await venue.fetch_positions() == []
        # one-way fills do not say which side they touched: realised PnL marks the close
        trades = await venue.fetch_my_trades(BTC)
        assert [(t.side, t.position_side) for t in trades] == [
            (Side.BUY, PositionSide.LONG),
            (Side.SELL, PositionSide.LONG),
        ]
    finally:
        await venue.close()


# ---------------------------------------------------------------------------- algo orders


async def test_stop_order_fires_when_the_price_falls_through(venue: WooxVenue, admin: Admin) -> None:
    await venue.create_order(market(OrderIntent.OPEN_LONG))
    stop = await venue.create_stop_order(
        symbol=BTC, intent=OrderIntent.CLOSE_LONG, amount=SIZE, trigger_price=Decimal(95000)
    )
    assert stop.status is OrderStatus.UNTRIGGERED
    assert stop.raw["triggerPrice"] == "95000"
    assert [o.id for o in await venue.fetch_algo_orders(BTC)] == [stop.id]
    admin.price("94000")
    fired = await venue.fetch_algo_order(stop.id)
    assert (fired.status, fired.filled) == (OrderStatus.FILLED, SIZE)
    assert await venue.fetch_positions() == []
    assert await venue.fetch_algo_orders(BTC) == []


async def test_trailing_stop_follows_the_best_price_then_fires(venue: WooxVenue, admin: Admin) -> None:
    await venue.create_order(market(OrderIntent.OPEN_LONG))
    trail = await venue.create_trailing_stop_order(
        symbol=BTC, intent=OrderIntent.CLOSE_LONG, amount=SIZE, callback_rate=Decimal("0.02")
    )
    assert trail.raw["triggerPrice"] == "98000"
    assert trail.raw["isActivated"] is True
    admin.price("105000")
    assert (await venue.fetch_algo_order(trail.id)).raw["triggerPrice"] == "102900"
    admin.price("103000")  # retraced less than 2 %: still waiting, the stop stays up
    assert (await venue.fetch_algo_order(trail.id)).status is OrderStatus.UNTRIGGERED
    admin.price("102000")
    assert (await venue.fetch_algo_order(trail.id)).status is OrderStatus.FILLED
    assert await venue.fetch_positions() == []


async def test_positional_tp_sl_closes_the_position_and_cancels_the_other_leg(
    venue: WooxVenue, admin: Admin
) -> None:
    await venue.create_order(market(OrderIntent.OPEN_LONG))
    tpsl = await venue.create_tpsl_order(
        symbol=BTC,
        position_side=PositionSide.LONG,
        take_profit_price=Decimal(110000),
        stop_loss_price=Decimal(90000),
    )
    assert (tpsl.status, tpsl.take_profit_price, tpsl.stop_loss_price) == (
        OrderStatus.UNTRIGGERED, Decimal(110000), Decimal(90000),
    )  # fmt: skip
    admin.price("111000")
    done = await venue.fetch_algo_order(tpsl.id)
    assert done.status is OrderStatus.FILLED
    legs = {leg["algoType"]: leg["algoStatus"] for leg in done.raw["childOrders"]}
    assert legs == {"TAKE_PROFIT": "FILLED", "STOP_LOSS": "CANCELLED"}
    assert await venue.fetch_positions() == []


async def test_an_order_with_tp_and_sl_is_a_bracket_whose_stop_loss_protects_the_fill(
    venue: WooxVenue, admin: Admin
) -> None:
    entry = await venue.create_order(
        market(OrderIntent.OPEN_SHORT, take_profit_price=Decimal(90000), stop_loss_price=Decimal(105000))
    )
    assert entry.status is OrderStatus.FILLED
    assert entry.filled == SIZE
    assert (entry.take_profit_price, entry.stop_loss_price) == (Decimal(90000), Decimal(105000))
    (short,) = await venue.fetch_positions()
    assert short.side is PositionSide.SHORT
    assert [o.id for o in await venue.fetch_algo_orders(BTC)] == [entry.id]  # legs armed, still open
    admin.price("106000")
    assert await venue.fetch_positions() == []
    assert await venue.fetch_algo_orders(BTC) == []


async def test_a_bracket_entry_is_found_by_its_text_client_id(venue: WooxVenue) -> None:
    """The trader resolves orders in doubt by client id only; a bracket is an algo order."""
    entry = await venue.create_order(
        market(OrderIntent.OPEN_SHORT, stop_loss_price=Decimal(105000), client_order_id="alabc123e")
    )
    found = await venue.fetch_order(BTC, client_order_id="alabc123e")
    assert (found.id, found.status, found.client_order_id) == (entry.id, OrderStatus.FILLED, "alabc123e")
    with pytest.raises(OrderNotFoundError):
        await venue.fetch_order(BTC, client_order_id="alnever00e")


async def test_cancel_all_includes_algo_orders_when_asked(venue: WooxVenue) -> None:
    await venue.create_order(market(OrderIntent.OPEN_LONG))
    await venue.create_order(limit(OrderIntent.OPEN_LONG, "90000"))
    stop = await venue.create_stop_order(
        symbol=BTC, intent=OrderIntent.CLOSE_LONG, amount=SIZE, trigger_price=Decimal(95000)
    )
    await venue.cancel_all_orders(symbol=BTC)
    assert await venue.fetch_open_orders(BTC) == []
    assert len(await venue.fetch_algo_orders(BTC)) == 1
    await venue.cancel_all_orders(symbol=BTC, include_algo=True)
    assert (await venue.fetch_algo_order(stop.id)).status is OrderStatus.CANCELED
    # cancel an algo order by id through the port
    again = await venue.create_stop_order(
        symbol=BTC, intent=OrderIntent.CLOSE_LONG, amount=SIZE, trigger_price=Decimal(95000)
    )
    assert (await venue.cancel_order(BTC, order_id=again.id)).success is True
