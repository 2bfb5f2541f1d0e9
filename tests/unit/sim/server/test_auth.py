"""Server-side signature verification: every code of spec 2.5 in the precedence of 2.4, and the
tolerance rules (`//` paths, `?` handling, raw body bytes)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from alphaloop.venues.sim.server.auth import Authenticator, normalize_path
from alphaloop.venues.sim.server.wire import WeexError
from alphaloop.venues.weex.signing import sign
from tests.kit.sim_server import (
    API_KEY,
    PASSPHRASE,
    SECRET,
    account,
    asgi_client,
    make_app,
    private_get,
    signed_headers,
)

NOW = 1_765_423_487_896
TS = str(NOW)
PATH = "/capi/v2/order/placeOrder"
SPACED = (
    '{"symbol": "cmt_btcusdt", "client_oid": "test", "size": "0.0001", "type": "1", '
    '"order_type": "0", "match_price": "0", "price": "100000.0"}'
)
COMPACT = (
    '{"symbol":"cmt_btcusdt","client_oid":"test","size":"0.0001","type":"1",'
    '"order_type":"0","match_price":"0","price":"100000.0"}'
)


def headers(**changes: Any) -> dict[str, str]:
    base = {
        "access-key": API_KEY,
        "access-sign": sign(SECRET, TS, "POST", PATH, "", SPACED),
        "access-timestamp": TS,
        "access-passphrase": PASSPHRASE,
        "content-type": "application/json",
    }
    for name, value in changes.items():
        key = name.replace("_", "-")
        if value is None:
            base.pop(key, None)
        else:
            base[key] = value
    return base


def verify(
    auth: Authenticator | None = None, *, body: str = SPACED, server_ms: int = NOW, **changes: Any
) -> str:
    """The code of the first failing check, or "ok"."""
    auth = auth or Authenticator([account(allowed_ips=("10.0.0.1", "127.0.0.1"))])
    try:
        auth.verify(
            method="POST",
            path=PATH,
            query="",
            body=body.encode(),
            headers=headers(**changes),
            client_ip="127.0.0.1",
            server_ms=server_ms,
        )
    except WeexError as error:
        return error.code
    return "ok"


def test_a_correctly_signed_request_passes() -> None:
    assert verify() == "ok"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"access_key": None}, "40001"),
        ({"access_sign": None}, "40002"),
        ({"access_timestamp": None}, "40003"),
        ({"access_passphrase": None}, "40011"),
        ({"access_timestamp": "1765423487"}, "40005"),  # seconds, not ms
        ({"access_timestamp": "17654234878960"}, "40005"),
        ({"access_timestamp": "1765423487.89"}, "40005"),
        ({"access_key": "weex_unknown"}, "40006"),
        ({"access_passphrase": "wrong"}, "40012"),
        ({"access_sign": "AAAA" + sign(SECRET, TS, "POST", PATH, "", SPACED)[4:]}, "40009"),
        ({"content_type": None}, "40007"),
        ({"content_type": "text/plain"}, "40007"),
    ],
)
def test_each_failure_answers_its_code(changes: dict[str, Any], code: str) -> None:
    assert verify(**changes) == code


def test_the_error_messages_are_the_official_texts() -> None:
    auth = Authenticator([account()])
    cases = {
        "40001": ({"access_key": None}, 'Header "ACCESS_KEY" is required'),
        "40002": ({"access_sign": None}, 'Header "ACCESS_SIGN" is required'),
        "40003": ({"access_timestamp": None}, 'Header "ACCESS_TIMESTAMP" is required'),
        "40011": ({"access_passphrase": None}, 'Header "ACCESS_PASSPHRASE" is required'),
        "40005": ({"access_timestamp": "abc"}, "Invalid ACCESS_TIMESTAMP"),
        "40006": ({"access_key": "nope"}, "Invalid ACCESS_KEY"),
        "40012": ({"access_passphrase": "nope"}, "Incorrect API key/Passphrase"),
        "40009": ({"access_sign": "bad"}, "API verification failed"),
        "40007": ({"content_type": "text/plain"}, 'Invalid Content_Type, use "application/json" format'),
    }
    for code, (changes, message) in cases.items():
        with pytest.raises(WeexError) as caught:
            auth.verify(
                method="POST",
                path=PATH,
                query="",
                body=SPACED.encode(),
                headers=headers(**changes),
                client_ip="127.0.0.1",
                server_ms=NOW,
            )
        assert (caught.value.code, caught.value.msg, caught.value.status) == (code, message, 400)


def test_precedence_follows_the_spec_list() -> None:
    # Every header missing: the key is reported first, then sign, timestamp, passphrase.
    assert verify(access_key=None, access_sign=None, access_timestamp=None, access_passphrase=None) == "40001"
    assert verify(access_sign=None, access_timestamp=None, access_passphrase=None) == "40002"
    assert verify(access_timestamp=None, access_passphrase=None) == "40003"
    # Format before window, window before key, key before passphrase, passphrase before signature.
    assert verify(access_timestamp="12", access_key="unknown") == "40005"
    assert verify(server_ms=NOW + 40_000, access_key="unknown") == "40008"
    assert verify(access_key="unknown", access_passphrase="wrong") == "40006"
    assert verify(access_passphrase="wrong", access_sign="bad") == "40012"
    # Signature before content type.
    assert verify(access_sign="bad", content_type="text/plain") == "40009"


def test_timestamp_window_is_30_seconds_both_ways() -> None:
    assert verify(server_ms=NOW + 30_000) == "ok"
    assert verify(server_ms=NOW - 30_000) == "ok"
    assert verify(server_ms=NOW + 30_001) == "40008"
    assert verify(server_ms=NOW - 40_000) == "40008"


def test_ip_allow_list_answers_40018_or_521() -> None:
    strict = Authenticator([account(allowed_ips=("10.0.0.1",))])
    assert verify(strict) == "40018"
    cloudflare = Authenticator([account(allowed_ips=("10.0.0.1",))], ip_reject="521")
    with pytest.raises(WeexError) as caught:
        cloudflare.verify(
            method="POST",
            path=PATH,
            query="",
            body=SPACED.encode(),
            headers=headers(),
            client_ip="127.0.0.1",
            server_ms=NOW,
        )
    assert caught.value.status == 521


def test_frozen_and_disabled_accounts() -> None:
    assert verify(Authenticator([account(status="frozen")])) == "40013"
    assert verify(Authenticator([account(status="disabled")])) == "40753"


def test_compact_and_spaced_bodies_are_both_valid_when_signed_as_sent() -> None:
    compact_sign = sign(SECRET, TS, "POST", PATH, "", COMPACT)
    assert verify(body=COMPACT, access_sign=compact_sign) == "ok"
    assert verify(body=SPACED) == "ok"
    # Signed spaced, sent compact: the server never re-serialises, so this fails.
    assert verify(body=COMPACT) == "40009"


def test_spec_test_vectors_verify() -> None:
    auth = Authenticator([account(secret="weex_test_secret_0123456789")])
    vectors = [
        ("GET", "/capi/v2/account/assets", "", "", "jV+Z4OdvBmteB7htDpPLbMAY1L29gjEcgCudBfkWo3E="),
        (
            "GET",
            "/capi/v2/account/position/singlePosition",
            "symbol=cmt_btcusdt",
            "",
            "apDRATMoMNfn+lqVmA0T5HX21xRQ1mRBZAf23W2TagU=",
        ),
        ("POST", PATH, "", SPACED, "+izXvSuD3P6XNYXM40j09reat0ZL8VVzesjTl/EDTH8="),
        ("POST", PATH, "", COMPACT, "EQtzlsK0ZL9b1mEMb03nyRpBVFMFFwL9BQprkg2KHKg="),
    ]
    for method, path, query, body, signature in vectors:
        auth.verify(
            method=method,
            path=path,
            query=query,
            body=body.encode(),
            headers=headers(access_sign=signature),
            client_ip="127.0.0.1",
            server_ms=NOW,
        )


def _get(auth: Authenticator, query: str, signature: str) -> str:
    try:
        auth.verify(
            method="GET",
            path="/capi/v2/account/position/singlePosition",
            query=query,
            body=b"",
            headers=headers(access_sign=signature, content_type=None),
            client_ip="127.0.0.1",
            server_ms=NOW,
        )
    except WeexError as error:
        return error.code
    return "ok"


def test_query_is_signed_with_exactly_one_question_mark() -> None:
    path = "/capi/v2/account/position/singlePosition"
    # The official sample passes "?symbol=..." and concatenates: the same text as path + "?" + query.
    sample_style = sign(SECRET, TS, "GET", path + "?symbol=cmt_btcusdt")
    no_question_mark = sign(SECRET, TS, "GET", path + "symbol=cmt_btcusdt")
    strict = Authenticator([account()])
    assert _get(strict, "symbol=cmt_btcusdt", sample_style) == "ok"
    assert _get(strict, "symbol=cmt_btcusdt", no_question_mark) == "40009"
    lenient = Authenticator([account()], lenient=True)
    assert _get(lenient, "symbol=cmt_btcusdt", no_question_mark) == "ok"


def test_get_needs_no_content_type_but_post_does() -> None:
    signature = sign(SECRET, TS, "GET", "/capi/v2/account/position/singlePosition", "symbol=cmt_btcusdt")
    assert _get(Authenticator([account()]), "symbol=cmt_btcusdt", signature) == "ok"


def test_empty_object_body_signed_as_empty_string_only_in_lenient_mode() -> None:
    signature = sign(SECRET, TS, "POST", PATH, "", "")
    assert verify(body="{}", access_sign=signature) == "40009"
    assert verify(Authenticator([account()], lenient=True), body="{}", access_sign=signature) == "ok"


def test_normalize_path_collapses_slashes() -> None:
    assert normalize_path("//capi/v2/market/time") == "/capi/v2/market/time"
    assert normalize_path("/capi//v2///order/placeOrder") == "/capi/v2/order/placeOrder"
    assert normalize_path("/capi/v2/market/time") == "/capi/v2/market/time"


# ------------------------------------------------------------------ through the app


@pytest.mark.asyncio
async def test_double_slash_url_signed_with_single_slash_path_is_accepted() -> None:
    async with asgi_client(make_app()) as client:
        path = "/capi/v2/account/assets"
        response = await client.get(
            "http://sim.test//capi/v2/account/assets", headers=signed_headers("GET", path)
        )
        assert response.status_code == 200, response.text
        assert response.json()[0]["coinName"] == "USDT"


@pytest.mark.asyncio
async def test_public_endpoints_ignore_auth_headers() -> None:
    async with asgi_client(make_app()) as client:
        bogus = {
            "ACCESS-KEY": "nope",
            "ACCESS-SIGN": "bad",
            "ACCESS-TIMESTAMP": "1",
            "ACCESS-PASSPHRASE": "x",
        }
        response = await client.get("/capi/v2/market/ticker?symbol=cmt_btcusdt", headers=bogus)
        assert response.status_code == 200


@pytest.mark.asyncio
async def test_auth_errors_use_the_error_envelope() -> None:
    async with asgi_client(make_app()) as client:
        response = await private_get(client, "/capi/v2/account/assets", passphrase="wrong")
        assert response.status_code == 400
        body = response.json()
        assert body["code"] == "40012"
        assert body["msg"] == "Incorrect API key/Passphrase"
        assert body["data"] is None
        assert isinstance(body["requestTime"], int)
        old = str(int(body["requestTime"]) - 40_000)
        response = await private_get(client, "/capi/v2/account/assets", timestamp=old)
        assert response.json()["code"] == "40008"
        response = await client.post(
            "/capi/v2/account/leverage",
            content=json.dumps({"symbol": "cmt_btcusdt"}).encode(),
            headers={k: v for k, v in signed_headers("POST", "/capi/v2/account/leverage").items()},
        )
        assert response.json()["code"] == "40009"
