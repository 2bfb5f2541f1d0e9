"""Signing: the spec's vectors (section 2.2, every row), and the client signing what it sends."""

from __future__ import annotations

import pytest

from alphaloop.venues.weex import signing

from .fakes import SECRET, T0_MS, FakeWeex, fixture, make_client, reply

TS = str(T0_MS)
LEVERAGE_DEFAULT_SEPARATORS = (
    '{"symbol": "cmt_btcusdt", "marginMode": 1, "longLeverage": "1", "shortLeverage": "1"}'
)
ORDER_DEFAULT_SEPARATORS = (
    '{"symbol": "cmt_btcusdt", "client_oid": "test", "size": "0.0001", "type": "1", "order_type": "0", '
    '"match_price": "0", "price": "100000.0"}'
)
ORDER_COMPACT = (
    '{"symbol":"cmt_btcusdt","client_oid":"test","size":"0.0001","type":"1","order_type":"0",'
    '"match_price":"0","price":"100000.0"}'
)

VECTORS = [
    ("GET", "/capi/v2/account/assets", "", "", "jV+Z4OdvBmteB7htDpPLbMAY1L29gjEcgCudBfkWo3E="),
    (
        "GET",
        "/capi/v2/account/position/singlePosition",
        "symbol=cmt_btcusdt",
        "",
        "apDRATMoMNfn+lqVmA0T5HX21xRQ1mRBZAf23W2TagU=",
    ),
    (
        "POST",
        "/capi/v2/account/leverage",
        "",
        LEVERAGE_DEFAULT_SEPARATORS,
        "EX1V14r76WH0klVi0nvr7o71FKAgbeaNDNJN3eQkmUI=",
    ),
    (
        "POST",
        "/capi/v2/order/placeOrder",
        "",
        ORDER_DEFAULT_SEPARATORS,
        "+izXvSuD3P6XNYXM40j09reat0ZL8VVzesjTl/EDTH8=",
    ),
    ("POST", "/capi/v2/order/placeOrder", "", ORDER_COMPACT, "EQtzlsK0ZL9b1mEMb03nyRpBVFMFFwL9BQprkg2KHKg="),
]


@pytest.mark.parametrize(("method", "path", "query", "body", "expected"), VECTORS)
def test_spec_vectors(method: str, path: str, query: str, body: str, expected: str) -> None:
    assert signing.sign(SECRET, TS, method, path, query, body) == expected


def test_ws_login_vector() -> None:
    assert signing.sign_ws_login(SECRET, TS) == "CkVVra8QjDp63O4j4PKh4eaEZQ/w9boaqH7OheEjqKU="


def test_string_to_sign_adds_exactly_one_question_mark() -> None:
    expected = f"{TS}GET/capi/v2/account/position/singlePosition?symbol=cmt_btcusdt"
    assert (
        signing.string_to_sign(TS, "get", "/capi/v2/account/position/singlePosition", "?symbol=cmt_btcusdt")
        == expected
    )
    assert signing.string_to_sign(TS, "GET", "/capi/v2/account/assets") == f"{TS}GET/capi/v2/account/assets"


@pytest.mark.asyncio
async def test_client_place_order_matches_the_compact_vector(fake: FakeWeex) -> None:
    """The seed's API-test order, sent by our client at the vector's clock, carries the vector's signature."""
    fake.on("/capi/v2/order/placeOrder", reply(fixture("place_order")))
    async with make_client(fake, time_sync=False) as client:
        await client.post_order_place_order("cmt_btcusdt", "test", "0.0001", "1", "0", "0", "100000.0")
    (sent,) = fake.calls("/capi/v2/order/placeOrder")
    assert sent.request.content.decode() == ORDER_COMPACT
    assert sent.request.headers["ACCESS-TIMESTAMP"] == TS
    assert sent.request.headers["ACCESS-SIGN"] == "EQtzlsK0ZL9b1mEMb03nyRpBVFMFFwL9BQprkg2KHKg="


@pytest.mark.asyncio
async def test_client_get_vectors(fake: FakeWeex) -> None:
    fake.on("/capi/v2/account/assets", reply(fixture("assets")))
    fake.on("/capi/v2/account/position/singlePosition", reply(fixture("all_position")))
    async with make_client(fake, time_sync=False) as client:
        await client.get_account_assets()
        await client.get_account_position_single_position("cmt_btcusdt")
    assets, single = fake.sent
    assert assets.request.headers["ACCESS-SIGN"] == "jV+Z4OdvBmteB7htDpPLbMAY1L29gjEcgCudBfkWo3E="
    assert single.request.url.raw_path == b"/capi/v2/account/position/singlePosition?symbol=cmt_btcusdt"
    assert single.request.headers["ACCESS-SIGN"] == "apDRATMoMNfn+lqVmA0T5HX21xRQ1mRBZAf23W2TagU="


@pytest.mark.asyncio
async def test_signature_covers_the_bytes_actually_sent(fake: FakeWeex) -> None:
    """Non-ASCII text in a body is signed as the UTF-8 bytes that go on the wire."""
    fake.on("/capi/v2/order/uploadAiLog", reply(fixture("upload_ai_log")))
    async with make_client(fake, time_sync=False) as client:
        await client.post_order_upload_ai_log("Décision", "m-1", {"prompt": "做多 BTC?"}, {"r": "是"}, "ok")
    (sent,) = fake.sent
    body = sent.request.content.decode("utf-8")
    assert "做多" in body  # sent as UTF-8, not \u escapes
    assert ", " not in body
    assert ": " not in body
    expected = signing.sign(SECRET, TS, "POST", "/capi/v2/order/uploadAiLog", "", body)
    assert sent.request.headers["ACCESS-SIGN"] == expected
    assert sent.request.headers["Content-Length"] == str(len(sent.request.content))
