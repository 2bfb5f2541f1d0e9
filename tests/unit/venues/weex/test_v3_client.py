"""`WeexVenue` over `WeexV3Client` fed recorded-style v3 payloads (httpx.MockTransport): the doc's
JSON numbers and ccxt's live strings both parse, 18-digit ids stay exact, per-order refusals and
`{code, msg}` errors map onto the error hierarchy."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest

from alphaloop.model import InsufficientFundsError, OrderNotFoundError, OrderStatus, TimeInForce
from alphaloop.venues.weex import WeexVenue
from alphaloop.venues.weex.v3.client import WeexV3Client

from .fakes import CREDENTIALS, FakeClock

pytestmark = pytest.mark.asyncio

BTC = "BTC/USDT:USDT"
#: doc/JK style: numbers for precisions and sizes
INFO_NUMBERS = {
    "symbols": [
        {
            "symbol": "BTCUSDT", "baseAsset": "BTC", "quoteAsset": "USDT", "marginAsset": "USDT",
            "pricePrecision": 1, "quantityPrecision": 3, "contractVal": 0.001, "minLeverage": 1,
            "maxLeverage": 125, "makerFeeRate": 0.0002, "takerFeeRate": 0.0006, "minOrderSize": 0.001,
            "maxOrderSize": 1000, "marketOpenLimitSize": 100,
            "delivery": ["00:00:00", "08:00:00", "16:00:00"],
        }
    ]
}  # fmt: skip
#: ccxt's live ETHUSDT sample style: everything a string
INFO_STRINGS = {
    "symbols": [
        {
            "symbol": "BTCUSDT", "baseAsset": "BTC", "quoteAsset": "USDT", "marginAsset": "USDT",
            "pricePrecision": "1", "quantityPrecision": "3", "contractVal": "0.001", "minLeverage": "1",
            "maxLeverage": "125", "makerFeeRate": "0.0002", "takerFeeRate": "0.0006", "minOrderSize": "0.001",
            "maxOrderSize": "1000", "marketOpenLimitSize": "100",
        }
    ]
}  # fmt: skip
ORDER = {
    "orderId": 702345678901234567, "clientOrderId": "al0001", "symbol": "BTCUSDT", "side": "SELL",
    "positionSide": "LONG", "type": "LIMIT", "timeInForce": "IOC", "price": "61000.0", "origQty": "0.010",
    "executedQty": "0.004", "cumQuote": "244", "avgPrice": "61000.0", "stopPrice": "0", "reduceOnly": True,
    "status": "CANCELED", "workingType": "UNKNOWN_PRICE_TYPE",
    "time": 1765423487000, "updateTime": 1765423488000,
}  # fmt: skip

Route = Callable[[httpx.Request], Any]


def venue(routes: dict[str, Any]) -> WeexVenue:
    def answer(request: httpx.Request) -> httpx.Response:
        key = f"{request.method} {request.url.path}"
        if key not in routes:
            return httpx.Response(404, json={"status": 404, "error": "Not Found"})
        value = routes[key]
        status, body = value if isinstance(value, tuple) else (200, value)
        return httpx.Response(status, json=body)

    client = WeexV3Client(
        "https://api-contract.weex.test",
        CREDENTIALS,
        transport=httpx.MockTransport(answer),
        clock=FakeClock(),
        time_sync=False,
        backoff_base=0.0,
    )
    return WeexVenue(client, outcome_check_interval=0.0)


@pytest.mark.parametrize("info", [INFO_NUMBERS, INFO_STRINGS], ids=["numbers", "strings"])
async def test_exchange_info_gives_the_precision_either_way(info: dict[str, Any]) -> None:
    domain = venue({"GET /capi/v3/market/exchangeInfo": info})
    try:
        btc = await domain.instrument(BTC)
    finally:
        await domain.close()
    assert (btc.price_tick, btc.size_step, btc.min_size, btc.max_leverage) == (
        Decimal("0.1"),
        Decimal("0.001"),
        Decimal("0.001"),
        125,
    )
    assert btc.taker_fee == Decimal("0.0006")


async def test_an_order_object_keeps_its_18_digit_id_and_vocabulary() -> None:
    domain = venue({"GET /capi/v3/order": ORDER})
    try:
        order = await domain.fetch_order(BTC, order_id="702345678901234567")
    finally:
        await domain.close()
    assert order.id == "702345678901234567"
    assert (order.intent.value, order.status, order.time_in_force) == (
        "close_long",
        OrderStatus.CANCELED,
        TimeInForce.IOC,
    )
    assert (order.amount, order.filled, order.average_price) == (
        Decimal("0.010"),
        Decimal("0.004"),
        Decimal(61000),
    )
    assert order.client_order_id == "al0001"


async def test_v3_errors_and_per_order_refusals_map_onto_the_hierarchy() -> None:
    refused = {
        "orderId": "",
        "clientOrderId": "x",
        "success": False,
        "errorCode": "FAILED_PRECONDITION",
        "errorMessage": "amount not enough",
    }
    domain = venue(
        {
            "GET /capi/v3/order": (400, {"code": -3200, "msg": "Order does not exist"}),
            "DELETE /capi/v3/order": refused,
        }
    )
    try:
        with pytest.raises(OrderNotFoundError) as missing:
            await domain.fetch_order(BTC, order_id="1")
        with pytest.raises(InsufficientFundsError):
            await domain.cancel_order(BTC, order_id="1")
    finally:
        await domain.close()
    assert (missing.value.code, missing.value.http_status) == ("-3200", 400)
