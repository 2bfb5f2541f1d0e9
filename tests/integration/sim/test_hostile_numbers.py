"""Absurd numbers sent to every simulator dialect (WEEX v2, WEEX v3, WOO X): `1e999999`, digits
Python will not turn into an int, Unicode digits. Each must be a parameter error, answered at once:
never a 500 (a simulator bug a client would read as "the venue may have acted") and never a hang
(`int(Decimal("1e999999"))` takes minutes and blocks the server's only event loop)."""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from alphaloop.venues.sim.server import Simulator
from alphaloop.venues.sim.server.app import create_app
from tests.kit import sim_server, woox_sim
from tests.kit.weex_v3_sim import v3_config

pytestmark = pytest.mark.integration

Send = Callable[[httpx.AsyncClient, str, str, dict[str, Any] | None, str], Awaitable[httpx.Response]]
HUGE = "1e999999"
#: more digits than Python converts to an int (ValueError since 3.11)
LONG_DIGITS = "9" * 5000
#: `"²".isdigit()` is True, `int("²")` raises
SUPERSCRIPT = "²"


async def _weex(
    client: httpx.AsyncClient, method: str, path: str, body: dict[str, Any] | None, query: str
) -> httpx.Response:
    raw = "" if body is None else json.dumps(body)
    url = f"{path}?{query}" if query else path
    headers = sim_server.signed_headers(method, path, query, raw)
    return await client.request(method, url, content=raw.encode(), headers=headers)


async def _woox(
    client: httpx.AsyncClient, method: str, path: str, body: dict[str, Any] | None, query: str
) -> httpx.Response:
    return await woox_sim.signed(client, method, path, body, query)


def _weex_client(config: Any) -> httpx.AsyncClient:
    sim = Simulator(config, data=sim_server.shared_market_data(config.timeframe))
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(config, sim=sim)), base_url="http://sim.test"
    )


V2_ORDER = {"symbol": "cmt_btcusdt", "client_oid": "h1", "type": "1", "order_type": "0", "match_price": "1"}
V3_ORDER = {
    "symbol": "BTCUSDT",
    "side": "BUY",
    "positionSide": "LONG",
    "type": "MARKET",
    "newClientOrderId": "h1",
}
V3_ALGO = {
    "symbol": "BTCUSDT",
    "side": "SELL",
    "positionSide": "LONG",
    "type": "STOP_MARKET",
    "quantity": "0.001",
    "clientAlgoId": "h2",
}
WOOX_ORDER = {"symbol": "PERP_BTC_USDT", "side": "BUY", "positionSide": "LONG", "type": "MARKET"}

CASES: list[tuple[str, str, str, dict[str, Any] | None, str]] = [
    # (dialect, method, path, body, query)
    ("weex", "POST", "/capi/v2/order/placeOrder", {**V2_ORDER, "size": HUGE}, ""),
    (
        "weex",
        "POST",
        "/capi/v2/order/placeOrder",
        {**V2_ORDER, "size": "0.001", "match_price": "0", "price": HUGE},
        "",
    ),
    (
        "weex",
        "POST",
        "/capi/v2/account/leverage",
        {"symbol": "cmt_btcusdt", "marginMode": 1, "longLeverage": HUGE, "shortLeverage": "5"},
        "",
    ),
    (
        "weex",
        "GET",
        "/capi/v2/market/candles",
        None,
        f"symbol=cmt_btcusdt&granularity=1h&limit={LONG_DIGITS}",
    ),
    (
        "weex",
        "GET",
        "/capi/v2/market/candles",
        None,
        f"symbol=cmt_btcusdt&granularity=1h&limit={SUPERSCRIPT}",
    ),
    ("weex-v3", "POST", "/capi/v3/order", {**V3_ORDER, "quantity": HUGE}, ""),
    (
        "weex-v3",
        "POST",
        "/capi/v3/order",
        {**V3_ORDER, "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.001", "price": HUGE},
        "",
    ),
    ("weex-v3", "POST", "/capi/v3/algoOrder", {**V3_ALGO, "triggerPrice": HUGE}, ""),
    (
        "weex-v3",
        "POST",
        "/capi/v3/account/leverage",
        {"symbol": "BTCUSDT", "marginType": "CROSSED", "crossLeverage": HUGE},
        "",
    ),
    ("weex-v3", "GET", "/capi/v3/market/klines", None, f"symbol=BTCUSDT&interval=1h&limit={SUPERSCRIPT}"),
    ("woox", "POST", "/v3/trade/order", {**WOOX_ORDER, "quantity": HUGE}, ""),
    (
        "woox",
        "POST",
        "/v3/trade/order",
        {**WOOX_ORDER, "type": "LIMIT", "quantity": "0.001", "price": HUGE},
        "",
    ),
    (
        "woox",
        "PUT",
        "/v3/futures/leverage",
        {"symbol": "PERP_BTC_USDT", "leverage": LONG_DIGITS, "marginMode": "CROSS"},
        "",
    ),
    (
        "woox",
        "PUT",
        "/v3/futures/leverage",
        {"symbol": "PERP_BTC_USDT", "leverage": SUPERSCRIPT, "marginMode": "CROSS"},
        "",
    ),
    ("woox", "GET", "/v3/public/kline", None, f"symbol=PERP_BTC_USDT&type=1h&limit={SUPERSCRIPT}"),
    ("woox", "GET", "/v3/public/kline", None, f"symbol=PERP_BTC_USDT&type=1h&limit={LONG_DIGITS}"),
]


@pytest.mark.asyncio
@pytest.mark.parametrize(("dialect", "method", "path", "body", "query"), CASES)
async def test_absurd_numbers_are_parameter_errors_answered_at_once(
    dialect: str, method: str, path: str, body: dict[str, Any] | None, query: str
) -> None:
    if dialect == "woox":
        client, send = woox_sim.asgi_client(woox_sim.woox_app()), _woox
    else:
        config = v3_config() if dialect == "weex-v3" else sim_server.sim_config()
        client, send = _weex_client(config), _weex
    async with client:
        started = time.monotonic()
        answer = await send(client, method, path, body, query)
        elapsed = time.monotonic() - started
    assert elapsed < 2.0, f"{dialect} {path} took {elapsed:.1f} s"
    assert 400 <= answer.status_code < 500, answer.text
