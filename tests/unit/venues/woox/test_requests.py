"""Request table: every endpoint of the raw client -> method, path, query, body and signature at a
fixed clock, answered with the spec's recorded payload (ccxt's static request tests, for WOO X)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from alphaloop.venues.woox import ENDPOINTS, WooxHttpClient, schemas, signing

from .fakes import SECRET, T0_MS, FakeWoox, fixture, make_client, reply

Call = Callable[[WooxHttpClient], Awaitable[Any]]
BTC = "PERP_BTC_USDT"


@dataclass(frozen=True)
class Case:
    name: str
    call: Call
    method: str
    path: str
    query: str
    body: dict[str, Any] | None
    response: str
    returns: type


CASES = [
    Case(
        "systemInfo",
        lambda c: c.get_public_system_info(),
        "GET",
        "/v3/public/systemInfo",
        "",
        None,
        "system_info",
        schemas.SystemInfo,
    ),
    Case(
        "instruments",
        lambda c: c.get_public_instruments(),
        "GET",
        "/v3/public/instruments",
        "",
        None,
        "instruments",
        schemas.Page,
    ),
    Case(
        "kline",
        lambda c: c.get_public_kline(BTC, "1h", limit=2),
        "GET",
        "/v3/public/kline",
        "limit=2&symbol=PERP_BTC_USDT&type=1h",
        None,
        "kline",
        schemas.Page,
    ),
    Case(
        "klineHistory",
        lambda c: c.get_public_kline_history(BTC, "1h", before=1751619600000, limit=1000),
        "GET",
        "/v3/public/klineHistory",
        "before=1751619600000&limit=1000&symbol=PERP_BTC_USDT&type=1h",
        None,
        "kline",
        schemas.Page,
    ),
    Case(
        "orderbook",
        lambda c: c.get_public_orderbook(BTC, 50),
        "GET",
        "/v3/public/orderbook",
        "maxLevel=50&symbol=PERP_BTC_USDT",
        None,
        "orderbook",
        schemas.OrderbookWire,
    ),
    Case(
        "marketTrades",
        lambda c: c.get_public_market_trades(BTC, 1),
        "GET",
        "/v3/public/marketTrades",
        "limit=1&symbol=PERP_BTC_USDT",
        None,
        "market_trades",
        schemas.Page,
    ),
    Case(
        "futures",
        lambda c: c.get_public_futures(BTC),
        "GET",
        "/v3/public/futures",
        "symbol=PERP_BTC_USDT",
        None,
        "futures",
        schemas.Page,
    ),
    Case(
        "fundingRate",
        lambda c: c.get_public_funding_rate(BTC),
        "GET",
        "/v3/public/fundingRate",
        "symbol=PERP_BTC_USDT",
        None,
        "funding_rate",
        schemas.Page,
    ),
    Case(
        "fundingRateHistory",
        lambda c: c.get_public_funding_rate_history(BTC, page=1, size=25),
        "GET",
        "/v3/public/fundingRateHistory",
        "page=1&size=25&symbol=PERP_BTC_USDT",
        None,
        "funding_rate_history",
        schemas.Page,
    ),
    Case(
        "accountInfo",
        lambda c: c.get_account_info(),
        "GET",
        "/v3/account/info",
        "",
        None,
        "account_info",
        schemas.AccountInfoWire,
    ),
    Case(
        "balances",
        lambda c: c.get_asset_balances(),
        "GET",
        "/v3/asset/balances",
        "",
        None,
        "balances",
        schemas.BalancesWire,
    ),
    Case(
        "positions",
        lambda c: c.get_futures_positions(BTC),
        "GET",
        "/v3/futures/positions",
        "symbol=PERP_BTC_USDT",
        None,
        "positions",
        schemas.PositionsWire,
    ),
    Case(
        "getLeverage",
        lambda c: c.get_futures_leverage("PERP_ETH_USDT", "ISOLATED"),
        "GET",
        "/v3/futures/leverage",
        "marginMode=ISOLATED&symbol=PERP_ETH_USDT",
        None,
        "leverage",
        schemas.LeverageWire,
    ),
    Case(
        "setLeverage",
        lambda c: c.put_futures_leverage("PERP_LTC_USDT", 5, "CROSS"),
        "PUT",
        "/v3/futures/leverage",
        "",
        {"leverage": 5, "marginMode": "CROSS", "symbol": "PERP_LTC_USDT"},
        "position_mode",
        schemas.StatusAck,
    ),
    Case(
        "positionMode",
        lambda c: c.put_futures_position_mode("HEDGE_MODE"),
        "PUT",
        "/v3/futures/positionMode",
        "",
        {"positionMode": "HEDGE_MODE"},
        "position_mode",
        schemas.StatusAck,
    ),
    Case(
        "getDefaultMarginMode",
        lambda c: c.get_futures_default_margin_mode(BTC),
        "GET",
        "/v3/futures/defaultMarginMode",
        "symbol=PERP_BTC_USDT",
        None,
        "position_mode",
        schemas.MarginModeWire,
    ),
    Case(
        "setDefaultMarginMode",
        lambda c: c.put_futures_default_margin_mode("ISOLATED", BTC),
        "PUT",
        "/v3/futures/defaultMarginMode",
        "",
        {"marginMode": "ISOLATED", "symbol": BTC},
        "position_mode",
        schemas.StatusAck,
    ),
    Case(
        "fundingFeeHistory",
        lambda c: c.get_futures_funding_fee_history(BTC, size=500),
        "GET",
        "/v3/futures/fundingFee/history",
        "size=500&symbol=PERP_BTC_USDT",
        None,
        "funding_fee_history",
        schemas.Page,
    ),
    Case(
        "tradingFee",
        lambda c: c.get_trade_trading_fee(BTC),
        "GET",
        "/v3/trade/tradingFee",
        "symbol=PERP_BTC_USDT",
        None,
        "trading_fee",
        schemas.TradingFeeWire,
    ),
    Case(
        "placeOrder",
        lambda c: c.post_trade_order(
            "PERP_LTC_USDT",
            "BUY",
            "LIMIT",
            quantity=Decimal("0.2"),
            price=Decimal("50"),
            margin_mode="ISOLATED",
        ),
        "POST",
        "/v3/trade/order",
        "",
        # ccxt's recorded request body (spec 4.3), byte for byte: sorted keys, decimals as strings
        {
            "marginMode": "ISOLATED",
            "price": "50",
            "quantity": "0.2",
            "side": "BUY",
            "symbol": "PERP_LTC_USDT",
            "type": "LIMIT",
        },
        "place_order",
        schemas.PlaceOrderResult,
    ),
    Case(
        "editOrder",
        lambda c: c.put_trade_order(order_id="60667653330", price=Decimal("61")),
        "PUT",
        "/v3/trade/order",
        "",
        {"orderId": 60667653330, "price": "61"},
        "edit_order",
        schemas.StatusAck,
    ),
    Case(
        "cancelOrder",
        lambda c: c.delete_trade_order(BTC, client_order_id=1001),
        "DELETE",
        "/v3/trade/order",
        "clientOrderId=1001&symbol=PERP_BTC_USDT",
        None,
        "cancel_order",
        schemas.StatusAck,
    ),
    Case(
        "cancelOrders",
        lambda c: c.delete_trade_orders(BTC),
        "DELETE",
        "/v3/trade/orders",
        "symbol=PERP_BTC_USDT",
        None,
        "cancel_all",
        schemas.StatusAck,
    ),
    Case(
        "cancelAllOrders",
        lambda c: c.delete_trade_all_orders(BTC),
        "DELETE",
        "/v3/trade/allOrders",
        "symbol=PERP_BTC_USDT",
        None,
        "cancel_all",
        schemas.StatusAck,
    ),
    Case(
        "getOrder",
        lambda c: c.get_trade_order(order_id="65902165422", with_realized_pnl=True),
        "GET",
        "/v3/trade/order",
        "orderId=65902165422&withRealizedPnl=true",
        None,
        "get_order",
        schemas.OrderWire,
    ),
    Case(
        "getOrders",
        lambda c: c.get_trade_orders(BTC, status="INCOMPLETE", page=1, size=500),
        "GET",
        "/v3/trade/orders",
        "page=1&size=500&status=INCOMPLETE&symbol=PERP_BTC_USDT",
        None,
        "orders",
        schemas.Page,
    ),
    Case(
        "transaction",
        lambda c: c.get_trade_transaction(1202),
        "GET",
        "/v3/trade/transaction",
        "tradeId=1202",
        None,
        "transaction_one",
        schemas.TransactionWire,
    ),
    Case(
        "transactionHistory",
        lambda c: c.get_trade_transaction_history(BTC, start_time=1, limit=500),
        "GET",
        "/v3/trade/transactionHistory",
        "limit=500&startTime=1&symbol=PERP_BTC_USDT",
        None,
        "transaction_history_numbers",
        schemas.Page,
    ),
    Case(
        "cancelAllAfter",
        lambda c: c.post_trade_cancel_all_after(10_000),
        "POST",
        "/v3/trade/cancelAllAfter",
        "",
        {"triggerAfter": 10000},
        "cancel_all_after",
        schemas.CancelAllAfterResult,
    ),
    Case(
        "placeAlgoOrder",
        lambda c: c.post_trade_algo_order(
            BTC,
            "TRAILING_STOP",
            side="SELL",
            type="MARKET",
            quantity=Decimal("0.0001"),
            reduce_only=True,
            callback_rate=Decimal("0.05"),
            activated_price=Decimal("50000"),
        ),
        "POST",
        "/v3/trade/algoOrder",
        "",
        # ccxt's recorded TRAILING_STOP request (spec 4.5)
        {
            "activatedPrice": "50000",
            "algoType": "TRAILING_STOP",
            "callbackRate": "0.05",
            "quantity": "0.0001",
            "reduceOnly": True,
            "side": "SELL",
            "symbol": BTC,
            "type": "MARKET",
        },
        "algo_place",
        schemas.AlgoPlaceResult,
    ),
    Case(
        "editAlgoOrder",
        lambda c: c.put_trade_algo_order(algo_order_id=792420, trigger_price=Decimal("60000")),
        "PUT",
        "/v3/trade/algoOrder",
        "",
        {"algoOrderId": 792420, "triggerPrice": "60000"},
        "edit_order",
        schemas.StatusAck,
    ),
    Case(
        "cancelAlgoOrder",
        lambda c: c.delete_trade_algo_order(algo_order_id=792420),
        "DELETE",
        "/v3/trade/algoOrder",
        "algoOrderId=792420",
        None,
        "cancel_order",
        schemas.StatusAck,
    ),
    Case(
        "cancelAlgoOrders",
        lambda c: c.delete_trade_algo_orders(BTC),
        "DELETE",
        "/v3/trade/algoOrders",
        "symbol=PERP_BTC_USDT",
        None,
        "cancel_all",
        schemas.StatusAck,
    ),
    Case(
        "getAlgoOrder",
        lambda c: c.get_trade_algo_order(algo_order_id=792420),
        "GET",
        "/v3/trade/algoOrder",
        "algoOrderId=792420",
        None,
        "algo_order",
        schemas.AlgoOrderWire,
    ),
    Case(
        "getAlgoOrders",
        lambda c: c.get_trade_algo_orders(BTC, status="INCOMPLETE", is_triggered=False),
        "GET",
        "/v3/trade/algoOrders",
        "isTriggered=false&status=INCOMPLETE&symbol=PERP_BTC_USDT",
        None,
        "algo_orders",
        schemas.Page,
    ),
]

EXTRA_PAYLOADS = {
    "transaction_one": {
        "success": True,
        "data": fixture("transaction_history_numbers")["data"]["rows"][0],
        "timestamp": T0_MS,
    },
    "orders": {
        "success": True,
        "data": {"rows": [fixture("get_order")["data"]], "meta": {"total": 1}},
        "timestamp": T0_MS,
    },
    "algo_orders": {
        "success": True,
        "data": {"rows": [fixture("algo_order")["data"]], "meta": {"total": 1}},
        "timestamp": T0_MS,
    },
}


def test_the_table_covers_every_endpoint() -> None:
    assert sorted(case.name for case in CASES) == sorted(e.name for e in ENDPOINTS)


@pytest.mark.asyncio
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_request(case: Case, fake: FakeWoox) -> None:
    payload = EXTRA_PAYLOADS.get(case.response) or fixture(case.response)
    fake.on(f"{case.method} {case.path}", reply(payload))
    async with make_client(fake) as client:
        result = await case.call(client)
    assert isinstance(result, case.returns)
    (sent,) = fake.calls(f"{case.method} {case.path}")
    assert sent.request.url.query.decode() == case.query
    assert sent.body == case.body
    endpoint = next(e for e in ENDPOINTS if e.name == case.name)
    if endpoint.private:
        text = sent.request.content.decode()
        expected = signing.sign(SECRET, str(T0_MS), case.method, case.path, case.query, text)
        assert sent.request.headers["x-api-signature"] == expected
        assert sent.request.headers["x-api-timestamp"] == str(T0_MS)
    else:
        assert "x-api-key" not in sent.request.headers


@pytest.mark.asyncio
async def test_the_orderbook_carries_the_envelope_timestamp_as_its_snapshot_id(fake: FakeWoox) -> None:
    fake.on("GET /v3/public/orderbook", reply(fixture("orderbook")))
    async with make_client(fake) as client:
        book = await client.get_public_orderbook("PERP_LTC_USDT", 25)
    assert book.timestamp == 1751621356649
    assert (book.asks[0].price, book.bids[0].quantity) == (Decimal("87.97"), Decimal("0.047358"))


@pytest.mark.asyncio
async def test_server_time_is_the_envelope_timestamp_even_as_a_string(fake: FakeWoox) -> None:
    fake.on(
        "GET /v3/public/systemInfo",
        reply({"success": True, "data": {"status": 0}, "timestamp": "1760973185566"}),
    )
    async with make_client(fake) as client:
        assert await client.server_time() == 1760973185566
