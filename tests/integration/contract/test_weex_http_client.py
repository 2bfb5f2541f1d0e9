"""Every `WeexHttpClient` method (all 41 endpoints of spec 7.0) against the simulator over a real socket.

Each test drives one endpoint group through the raw client and checks that the answer validates
against the client's wire schemas and carries the values the scenario implies.
"""

from __future__ import annotations

import inspect
from decimal import Decimal

import pytest

from alphaloop.venues.weex import ENDPOINTS, WeexHttpClient
from tests.integration.contract.conftest import BTC_PRICE, Admin
from tests.kit.sim_server import START_MS

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]

SYMBOL = "cmt_btcusdt"
HOUR_MS = 3_600_000

#: Methods exercised below, one per endpoint; the coverage test keeps this list honest.
EXERCISED = {
    "get_market_time",
    "get_market_contracts",
    "get_market_depth",
    "get_market_tickers",
    "get_market_ticker",
    "get_market_trades",
    "get_market_candles",
    "get_market_history_candles",
    "get_market_index",
    "get_market_open_interest",
    "get_market_funding_time",
    "get_market_get_history_fund_rate",
    "get_market_current_fund_rate",
    "get_account_get_accounts",
    "get_account_get_account",
    "get_account_assets",
    "post_account_bills",
    "get_account_settings",
    "post_account_leverage",
    "post_account_adjust_margin",
    "post_account_modify_auto_append_margin",
    "get_account_position_all_position",
    "get_account_position_single_position",
    "post_account_position_change_hold_model",
    "post_order_place_order",
    "post_order_batch_orders",
    "post_order_cancel_order",
    "post_order_cancel_batch_orders",
    "get_order_detail",
    "get_order_history",
    "get_order_current",
    "get_order_fills",
    "post_order_plan_order",
    "post_order_cancel_plan",
    "get_order_current_plan",
    "get_order_history_plan",
    "post_order_close_positions",
    "post_order_cancel_all_orders",
    "post_order_place_tp_sl_order",
    "post_order_modify_tp_sl_order",
    "post_order_upload_ai_log",
}


def endpoint_methods() -> set[str]:
    return {
        name
        for name, member in inspect.getmembers(WeexHttpClient, inspect.iscoroutinefunction)
        if name.startswith(("get_", "post_"))
    }


async def test_every_endpoint_has_one_method_and_each_is_exercised() -> None:
    assert len(ENDPOINTS) == 41
    assert endpoint_methods() == EXERCISED


async def test_market_endpoints(client: WeexHttpClient) -> None:
    server_time = await client.get_market_time()
    # the simulator reports its simulated clock (one clock), not the wall
    assert START_MS <= server_time.timestamp < START_MS + 30 * 86_400_000

    contracts = await client.get_market_contracts()
    assert SYMBOL in {c.symbol for c in contracts}
    (btc,) = await client.get_market_contracts(SYMBOL)
    assert (btc.tick_size, btc.size_increment, btc.minOrderSize) == (1, 4, Decimal("0.0001"))

    depth = await client.get_market_depth(SYMBOL, limit=15)
    assert depth.asks
    assert depth.bids
    assert len(depth.asks) == 15
    assert depth.bids[0].price < BTC_PRICE < depth.asks[0].price
    assert len((await client.get_market_depth(SYMBOL, limit=200)).asks or []) == 200

    ticker = await client.get_market_ticker(SYMBOL)
    assert (ticker.symbol, ticker.last) == (SYMBOL, BTC_PRICE)
    assert ticker.best_bid is not None
    assert ticker.best_ask is not None
    assert ticker.best_bid < ticker.last < ticker.best_ask
    tickers = await client.get_market_tickers()
    assert {t.symbol for t in tickers} == {c.symbol for c in contracts}

    trades = await client.get_market_trades(SYMBOL, limit=5)
    assert len(trades) == 5
    assert all(t.symbol == SYMBOL and t.price > 0 and t.size > 0 for t in trades)

    candles = await client.get_market_candles(SYMBOL, "1h", limit=10)
    assert len(candles) == 10
    assert all(c.low <= min(c.open, c.close) <= max(c.open, c.close) <= c.high for c in candles)
    newest = max(c.ts for c in candles)
    history = await client.get_market_history_candles(
        SYMBOL, "1h", start_time=newest - 20 * HOUR_MS, end_time=newest - 10 * HOUR_MS, limit=5
    )
    assert 1 <= len(history) <= 5
    assert all(c.ts <= newest - 10 * HOUR_MS for c in history)

    index = await client.get_market_index(SYMBOL)
    assert index.symbol == SYMBOL
    assert index.index > 0
    mark = await client.get_market_index(SYMBOL, price_type="MARK")
    assert mark.index == BTC_PRICE

    (interest,) = await client.get_market_open_interest(SYMBOL)
    assert interest.symbol == SYMBOL

    funding_time = await client.get_market_funding_time(SYMBOL)
    assert funding_time.fundingTime % (8 * HOUR_MS) == 0
    rates = await client.get_market_get_history_fund_rate(SYMBOL, limit=3)
    assert 1 <= len(rates) <= 3
    assert all(r.symbol == SYMBOL and r.fundingTime is not None for r in rates)
    (current,) = await client.get_market_current_fund_rate(SYMBOL)
    assert current.symbol == SYMBOL
    assert current.collectCycle == 480
    assert len(await client.get_market_current_fund_rate()) == len(contracts)


async def test_account_endpoints(client: WeexHttpClient) -> None:
    accounts = await client.get_account_get_accounts()
    assert accounts.collateral[0].coin == "USDT"
    assert accounts.collateral[0].amount == Decimal(1000)
    assert {s.positionMode for s in accounts.account.modeSetting} == {"HEDGE"}
    single = await client.get_account_get_account("USDT")
    assert single.collateral[0].amount == Decimal(1000)

    (usdt,) = await client.get_account_assets()
    assert (usdt.coinName, usdt.available, usdt.equity) == ("USDT", Decimal(1000), Decimal(1000))

    ack = await client.post_account_leverage(SYMBOL, 1, 5, 5)
    assert ack.code == "200"
    settings = await client.get_account_settings(SYMBOL)
    assert settings[SYMBOL].cross_leverage == Decimal(5)
    assert len(await client.get_account_settings()) > 1

    # isolated mode, then an isolated long to adjust
    assert (await client.post_account_position_change_hold_model(SYMBOL, 3)).code == "200"
    await client.post_account_leverage(SYMBOL, 3, 10, 10)
    placed = await client.post_order_place_order(SYMBOL, "iso1", "0.01", 1, 0, 1, BTC_PRICE, margin_mode=3)
    assert placed.order_id
    (position,) = await client.get_account_position_single_position(SYMBOL)
    assert (position.side, position.margin_mode, position.size) == ("LONG", "ISOLATED", Decimal("0.01"))
    margin_before = position.isolated_margin
    assert margin_before is not None
    assert margin_before > 0
    assert (await client.post_account_adjust_margin(position.id, "10")).code == "200"
    assert (await client.post_account_modify_auto_append_margin(position.id, True)).code == "200"
    (adjusted,) = await client.get_account_position_all_position()
    assert adjusted.isolated_margin == margin_before + 10
    assert adjusted.is_auto_append_isolated_margin is True

    bills = await client.post_account_bills(coin="USDT", limit=100)
    types = {b.businessType for b in bills.items}
    assert "position_open_long" in types
    opened = await client.post_account_bills(symbol=SYMBOL, business_type="position_open_long")
    assert opened.items
    assert all(b.businessType == "position_open_long" for b in opened.items)


async def test_order_endpoints(client: WeexHttpClient, admin: Admin) -> None:
    # a resting limit buy below the market: open, then cancelled by id
    rest = await client.post_order_place_order(SYMBOL, "rest1", "0.001", 1, 0, 0, "90000")
    detail = await client.get_order_detail(rest.order_id)
    assert (detail.status, detail.type, detail.client_oid) == ("open", "open_long", "rest1")
    assert detail.price == Decimal(90000)
    assert detail.size == Decimal("0.001")
    current = await client.get_order_current(SYMBOL)
    assert [o.order_id for o in current] == [rest.order_id]
    assert [o.order_id for o in await client.get_order_current(order_id=rest.order_id)] == [rest.order_id]
    canceled = await client.post_order_cancel_order(order_id=rest.order_id)
    assert canceled.result is True
    assert (await client.get_order_detail(rest.order_id)).status == "canceled"

    # batch: two resting orders, cancelled in one batch by id and client id
    batch = await client.post_order_batch_orders(
        SYMBOL,
        [
            {
                "client_oid": "b1",
                "size": "0.001",
                "type": "1",
                "order_type": "0",
                "match_price": "0",
                "price": "91000",
            },
            {
                "client_oid": "b2",
                "size": "0.001",
                "type": "2",
                "order_type": "0",
                "match_price": "0",
                "price": "109000",
            },
        ],
    )
    assert batch.result is True
    assert [item.result for item in batch.order_info] == [True, True]
    b1 = batch.order_info[0].order_id
    assert b1 is not None
    cancel_batch = await client.post_order_cancel_batch_orders(ids=[b1])
    assert cancel_batch.result is True
    assert cancel_batch.orderIds == [b1]
    cancel_batch = await client.post_order_cancel_batch_orders(cids=["b2"])
    assert cancel_batch.result is True
    assert cancel_batch.clientOids == ["b2"]
    assert await client.get_order_current(SYMBOL) == []

    # a market open long fills at once: detail, fills and history agree
    market = await client.post_order_place_order(SYMBOL, "mkt1", "0.01", 1, 0, 1, BTC_PRICE)
    filled = await client.get_order_detail(market.order_id)
    assert filled.status == "filled"
    assert filled.filled_qty == Decimal("0.01")
    fills = await client.get_order_fills(SYMBOL, order_id=market.order_id)
    (fill,) = fills.fills
    assert (fill.positionSide, fill.orderSide, fill.fillSize) == ("LONG", "BUY", Decimal("0.01"))
    history = await client.get_order_history(SYMBOL, page_size=10)
    assert {o.client_oid for o in history} >= {"rest1", "b1", "b2", "mkt1"}

    # trigger order: placed, listed, cancelled, in the history
    plan = await client.post_order_plan_order(SYMBOL, "plan1", "0.001", 1, 1, "95000", "95000")
    (listed,) = await client.get_order_current_plan(SYMBOL)
    assert (listed.order_id, listed.client_oid, listed.status) == (plan.order_id, "plan1", "0")
    assert listed.triggerPrice == Decimal(95000)
    assert (await client.post_order_cancel_plan(plan.order_id)).result is True
    plan_history = await client.get_order_history_plan(SYMBOL)
    assert [(p.order_id, p.status) for p in plan_history.orders] == [(plan.order_id, "-1")]

    # TP/SL on the long: placed, moved, then removed with cancelAllOrders(plan)
    (tp,) = await client.post_order_place_tp_sl_order(SYMBOL, "tp1", "profit_plan", "110000", "0.01", "long")
    assert tp.success
    assert tp.orderId
    moved = await client.post_order_modify_tp_sl_order(tp.orderId, "111000")
    assert moved.code == "00000"
    (tp_row,) = await client.get_order_current_plan(SYMBOL)
    assert tp_row.triggerPrice == Decimal(111000)
    removed = await client.post_order_cancel_all_orders("plan", SYMBOL)
    assert [(r.orderId, r.success) for r in removed] == [(tp.orderId, True)]
    assert await client.get_order_current_plan(SYMBOL) == []

    # cancelAllOrders(normal) and closePositions
    await client.post_order_place_order(SYMBOL, "rest2", "0.001", 1, 0, 0, "90000")
    swept = await client.post_order_cancel_all_orders("normal")
    assert len(swept) == 1
    assert swept[0].success
    (closed,) = await client.post_order_close_positions(SYMBOL)
    assert closed.success
    assert closed.successOrderId
    assert await client.get_account_position_all_position() == []

    # the AI log, bound to the market order
    ack = await client.post_order_upload_ai_log(
        "Decision Making",
        "gpt-test",
        {"price": "100000"},
        {"action": "open_long"},
        "Momentum is up.",
        order_id=market.order_id,
    )
    assert (ack.code, ack.data) == ("00000", "upload success")
    (stored,) = admin.state()["ai_logs"]
    assert stored["parsed"]["orderId"] == int(market.order_id)
