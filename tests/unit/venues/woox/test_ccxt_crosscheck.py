"""Optional cross-check: ccxt's `woo` class signs the same requests, and ours must match it byte for
byte (URL path and query, JSON body, x-api-signature). ccxt is not a dependency of alphaloop: the
module is skipped when it is not installed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import pytest

from alphaloop.venues.woox import WooxHttpClient

from .fakes import API_KEY, SECRET, T0_MS, FakeWoox, make_client, ok

ccxt = pytest.importorskip("ccxt", reason="ccxt is not installed (optional: pip install ccxt)")

Call = Callable[[WooxHttpClient], Awaitable[Any]]
BTC = "PERP_BTC_USDT"

# (our raw-client call, ccxt path under /v3/, method, the params ccxt gets)
CASES: list[tuple[str, Call, str, str, dict[str, Any]]] = [
    ("positions", lambda c: c.get_futures_positions(BTC), "futures/positions", "GET", {"symbol": BTC}),
    ("balances", lambda c: c.get_asset_balances(), "asset/balances", "GET", {}),
    (
        "cancel",
        lambda c: c.delete_trade_order(BTC, order_id=123456),
        "trade/order", "DELETE", {"orderId": 123456, "symbol": BTC},
    ),
    (
        "fills",
        lambda c: c.get_trade_transaction_history(BTC, start_time=1752049000000, limit=500),
        "trade/transactionHistory", "GET", {"symbol": BTC, "startTime": 1752049000000, "limit": 500},
    ),
    (
        "place",
        lambda c: c.post_trade_order(
            BTC, "BUY", "LIMIT", quantity=Decimal("0.001"), price=Decimal("50000"), client_order_id=1001,
            position_side="LONG", margin_mode="CROSS",
        ),
        "trade/order", "POST",
        {"symbol": BTC, "side": "BUY", "type": "LIMIT", "quantity": "0.001", "price": "50000",
         "clientOrderId": 1001, "positionSide": "LONG", "marginMode": "CROSS"},
    ),
    (
        "leverage",
        lambda c: c.put_futures_leverage(BTC, 5, "CROSS"),
        "futures/leverage", "PUT", {"symbol": BTC, "leverage": 5, "marginMode": "CROSS"},
    ),
    (
        "trailing",
        lambda c: c.post_trade_algo_order(
            BTC, "TRAILING_STOP", side="SELL", type="MARKET", quantity=Decimal("0.0001"), reduce_only=True,
            callback_rate=Decimal("0.05"), activated_price=Decimal("50000"),
        ),
        "trade/algoOrder", "POST",
        {"symbol": BTC, "algoType": "TRAILING_STOP", "side": "SELL", "type": "MARKET", "quantity": "0.0001",
         "reduceOnly": True, "callbackRate": "0.05", "activatedPrice": "50000"},
    ),
]  # fmt: skip


def ccxt_sign(path: str, method: str, params: dict[str, Any]) -> dict[str, Any]:
    exchange = ccxt.woo({"apiKey": API_KEY, "secret": SECRET})
    exchange.set_sandbox_mode(True)  # production mode would add ccxt's broker id to order bodies
    exchange.nonce = lambda: T0_MS
    signed: dict[str, Any] = exchange.sign(path, ["v3", "private"], method, dict(params))
    return signed


@pytest.mark.asyncio
@pytest.mark.parametrize(("name", "call", "path", "method", "params"), CASES, ids=[c[0] for c in CASES])
async def test_ours_and_ccxts_requests_are_identical(
    name: str, call: Call, path: str, method: str, params: dict[str, Any], fake: FakeWoox
) -> None:
    fake.on(
        f"{method} /v3/{path}", ok({"rows": [], "positions": [], "holding": [], "orderId": 1, "status": ""})
    )
    async with make_client(fake) as client:
        await call(client)
    (ours,) = fake.calls(f"{method} /v3/{path}")
    theirs = ccxt_sign(path, method, params)
    their_url = theirs["url"].split("/v3/", 1)[1]
    assert ours.request.url.raw_path.decode() == f"/v3/{their_url}"
    assert ours.request.content.decode() == (theirs["body"] or "")
    assert ours.request.headers["x-api-signature"] == theirs["headers"]["x-api-signature"]
    assert ours.request.headers["x-api-timestamp"] == theirs["headers"]["x-api-timestamp"] == str(T0_MS)
