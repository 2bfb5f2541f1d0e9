"""Request table of the v3 raw client at a fixed clock: method, path, query, body and ACCESS-SIGN
equal the spec's vectors (weex-v3-api.md 2.3) and what ccxt's `weex.sign()` builds for the same call."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest

from alphaloop.venues.weex.v3.api import WeexV3Api
from alphaloop.venues.weex.v3.client import WeexV3Client

from .fakes import API_KEY, CREDENTIALS, PASSPHRASE, SECRET, T0_MS, FakeClock

Call = Callable[[WeexV3Api], Awaitable[Any]]

# (id, call, method, path + query, body, signature of spec 2.3, ccxt path, ccxt api, ccxt params)
CASES: list[tuple[str, Call, str, str, str, str, str, str, dict[str, Any]]] = [
    (
        "balance",
        lambda c: c.get_account_balance(),
        "GET", "/capi/v3/account/balance", "",
        "2elb4cIiesgM2sLRHLm4MCijPHbTIlryQwWBoOkl4fE=",
        "capi/v3/account/balance", "contractPrivate", {},
    ),
    (
        "single-position",
        lambda c: c.get_account_position_single_position("BTCUSDT"),
        "GET", "/capi/v3/account/position/singlePosition?symbol=BTCUSDT", "",
        "CrgydOGUQh8Ou87gZmytdlhK5ShVFyFZ9FwzwRv32n8=",
        "capi/v3/account/position/singlePosition", "contractPrivate", {"symbol": "BTCUSDT"},
    ),
    (
        "place-limit",
        lambda c: c.post_order(
            "BTCUSDT", "BUY", "LONG", "LIMIT", Decimal("0.001"), "sim-0001",
            price=Decimal(60000), time_in_force="GTC",
        ),
        "POST", "/capi/v3/order",
        '{"symbol":"BTCUSDT","side":"BUY","quantity":"0.001","type":"LIMIT","price":"60000",'
        '"positionSide":"LONG","timeInForce":"GTC","newClientOrderId":"sim-0001"}',
        "sCvkt2KnDHrq3D5OCR+427wicMErfuSNNbbGGwWhuag=",
        "capi/v3/order", "contractPrivate",
        {"symbol": "BTCUSDT", "side": "BUY", "quantity": "0.001", "type": "LIMIT", "price": "60000",
         "positionSide": "LONG", "timeInForce": "GTC", "newClientOrderId": "sim-0001"},
    ),
    (
        "cancel",
        lambda c: c.delete_order(702345678901234567),
        "DELETE", "/capi/v3/order?orderId=702345678901234567", "",
        "ZeISGEsS85zkIAdFrJPiYXx7CeHhyg2IwfCgGBjY3mU=",
        "capi/v3/order", "contractPrivate", {"orderId": "702345678901234567"},
    ),
    (
        "close-all",
        lambda c: c.post_close_positions(),
        "POST", "/capi/v3/closePositions", "{}",
        "qRhnhRaQcgWt1i2jFSouGliUZuTInM3BYbcZI1VZwEI=",
        "capi/v3/closePositions", "contractPrivate", {},
    ),
    (
        "leverage",
        lambda c: c.post_account_leverage("BTCUSDT", cross=10),
        "POST", "/capi/v3/account/leverage", '{"symbol":"BTCUSDT","crossLeverage":10}',
        "n56mFA0B5t0tfrPnY5ATtHWPeGaCfhb0Bdh52Jnlrgo=",
        "capi/v3/account/leverage", "contractPrivate", {"symbol": "BTCUSDT", "crossLeverage": 10},
    ),
]  # fmt: skip


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("name", "call", "method", "url", "body", "signature", "ccxt_path", "ccxt_api", "ccxt_params"),
    CASES,
    ids=[c[0] for c in CASES],
)
async def test_requests_match_the_spec_vectors_and_ccxt(
    name: str,
    call: Call,
    method: str,
    url: str,
    body: str,
    signature: str,
    ccxt_path: str,
    ccxt_api: str,
    ccxt_params: dict[str, Any],
) -> None:
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(
            200, json=[] if request.url.path.endswith(("balance", "closePositions", "Position")) else {}
        )

    client = WeexV3Client(
        "https://api-contract.weex.test",
        CREDENTIALS,
        transport=httpx.MockTransport(answer),
        clock=FakeClock(),
        time_sync=False,
    )
    async with client:
        await call(client.raw)
    (request,) = sent
    assert (request.method, request.url.raw_path.decode()) == (method, url)
    assert request.content.decode() == body
    assert request.headers["ACCESS-SIGN"] == signature
    assert request.headers["ACCESS-TIMESTAMP"] == str(T0_MS)
    assert (request.headers["ACCESS-KEY"], request.headers["ACCESS-PASSPHRASE"]) == (API_KEY, PASSPHRASE)

    ccxt = pytest.importorskip("ccxt", reason="ccxt is not installed (it is in the dev extra)")
    weex = ccxt.weex({"apiKey": API_KEY, "secret": SECRET, "password": PASSPHRASE})
    weex.nonce = lambda: T0_MS
    theirs = weex.sign(ccxt_path, [ccxt_api], method, dict(ccxt_params))
    assert theirs["url"].split(".com", 1)[1] == url
    assert (theirs["body"] or "") == body
    assert theirs["headers"]["ACCESS-SIGN"] == signature
    assert json.loads(body or "{}") == json.loads(theirs["body"] or "{}")
