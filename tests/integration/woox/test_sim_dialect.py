"""The simulator's WOO X dialect in process (httpx.ASGITransport): the spec's signature vectors, the
envelope, authentication, parameter errors, position modes and server-side limits."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from alphaloop.venues.sim.server import RateLimitConfig
from tests.kit.woox_sim import (
    API_KEY,
    SECRET,
    account,
    asgi_client,
    signed,
    signed_headers,
    woox_app,
    woox_config,
)

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]

#: The spec's vector key, secret and timestamp (section 1.2).
VECTOR_KEY, VECTOR_SECRET, VECTOR_MS = "vector-key", "QHKRXHPAW1MC9YGZMAT8YDJG2HPR", 1578565539808


def vector_app() -> Any:
    """A server whose wall clock stands at the vectors' timestamp, with the vectors' secret."""
    config = woox_config(accounts=(account(VECTOR_KEY, VECTOR_SECRET),))
    return woox_app(config, wall=lambda: VECTOR_MS / 1000)


def vector_headers(signature: str) -> dict[str, str]:
    return {"x-api-key": VECTOR_KEY, "x-api-timestamp": str(VECTOR_MS), "x-api-signature": signature}


async def test_the_spec_vectors_authenticate() -> None:
    app = vector_app()
    async with asgi_client(app) as client:
        balances = await client.get(
            "/v3/asset/balances",
            headers=vector_headers(
                "8b639ec9b3ca452e72839a770658af86b271c5f3d0117182f12facb383429ed2".upper()
            ),
        )
        positions = await client.get(
            "/v3/futures/positions?symbol=PERP_BTC_USDT",
            headers=vector_headers("bd3b1c8c833fb197ec64d721fe7303397d93b7b253f679116f41c0d81f8fea1f"),
        )
        cancel = await client.delete(
            "/v3/trade/order?orderId=123456&symbol=PERP_BTC_USDT",
            headers=vector_headers("7c8fe1bb9169180230d37e75a5190b875b66de6dd66160a0dd53db42088c34e9"),
        )
        # any key order is fine as long as the signed text is the sent text (spec 1.1)
        leverage = await client.put(
            "/v3/futures/leverage",
            content=b'{"symbol":"PERP_BTC_USDT","leverage":5,"marginMode":"CROSS"}',
            headers={
                **vector_headers("cb82ba915da3d979603ec464a1271f007984dac4f6a0a674bb33dcfa32b012a3"),
                "Content-Type": "application/json",
            },
        )
    assert balances.status_code == 200
    assert balances.json()["data"]["holding"][0]["holding"] == "1000"
    # signed at the wall clock's time; the envelope reports the simulated time (one clock)
    assert positions.json() == {
        "success": True,
        "data": {"positions": []},
        "timestamp": app.sim.clock.now_ms(),
    }
    # authenticated, then refused for the order itself: it does not exist
    assert (cancel.status_code, cancel.json()["code"]) == (400, -1006)
    assert leverage.json() == {"success": True, "timestamp": app.sim.clock.now_ms()}


async def test_public_envelope_needs_no_headers() -> None:
    app = woox_app()
    async with asgi_client(app) as client:
        answer = (await client.get("/v3/public/systemInfo")).json()
        futures = (await client.get("/v3/public/futures?symbol=PERP_ETH_USDT")).json()
    assert answer["success"] is True
    assert answer["data"]["status"] == 0
    assert abs(answer["timestamp"] - app.sim.clock.now_ms()) < 5_000
    (row,) = futures["data"]["rows"]
    assert row["symbol"] == "PERP_ETH_USDT"
    assert {"24hClose", "markPrice", "nextFundingTime"} <= set(row)


def _tampered(headers: dict[str, str], **changes: str | None) -> dict[str, str]:
    out = dict(headers)
    for key, value in changes.items():
        name = key.replace("_", "-")
        if value is None:
            out.pop(name, None)
        else:
            out[name] = value
    return out


@pytest.mark.parametrize(
    ("changes", "code", "words"),
    [
        ({"x_api_key": None}, -1002, "x-api-key"),
        ({"x_api_signature": None}, -1001, "x-api-signature"),
        ({"x_api_signature": "0" * 64}, -1001, "Signature"),
        ({"x_api_key": "someone-else"}, -1002, "invalid"),
        ({"x_api_timestamp": str(int(time.time()))}, -1002, "milliseconds"),
        ({"x_api_timestamp": str(int(time.time() * 1000) - 6_000)}, -1002, "Timestamp expired"),
    ],
)
async def test_authentication_failures(changes: dict[str, str | None], code: int, words: str) -> None:
    app = woox_app(timestamp_window_ms=5_000)  # a tight window (spec 1.1: test with one)
    headers = _tampered(signed_headers("GET", "/v3/asset/balances"), **changes)
    async with asgi_client(app) as client:
        response = await client.get("/v3/asset/balances", headers=headers)
    body = response.json()
    assert (response.status_code, body["success"], body["code"]) == (401, False, code)
    assert words in body["message"]


async def test_ip_allow_list_status_and_trading_rights() -> None:
    accounts = (
        account(allowed_ips=("10.9.9.9",)),
        account("frozen-key", "frozen-secret", status="frozen"),
        account("reader-key", "reader-secret", can_trade=False),
    )
    order = {"symbol": "PERP_BTC_USDT", "side": "BUY", "type": "MARKET", "quantity": "0.001"}
    async with asgi_client(woox_app(accounts=accounts)) as client:
        ip = await signed(client, "GET", "/v3/asset/balances")
        frozen = await signed(
            client, "GET", "/v3/asset/balances", api_key="frozen-key", secret="frozen-secret"
        )
        read = await signed(client, "GET", "/v3/asset/balances", api_key="reader-key", secret="reader-secret")
        trade = await signed(
            client, "POST", "/v3/trade/order", order, api_key="reader-key", secret="reader-secret"
        )
    assert "IP not allowed" in ip.json()["message"]
    assert "frozen" in frozen.json()["message"]
    assert read.status_code == 200
    assert (trade.status_code, trade.json()["code"]) == (401, -1002)


async def test_unknown_parameters_bad_values_paths_and_methods() -> None:
    async with asgi_client(woox_app()) as client:
        unknown = await signed(
            client, "GET", "/v3/trade/transactionHistory", query="orderId=1&symbol=PERP_BTC_USDT"
        )
        not_json = await signed(client, "POST", "/v3/trade/order", "{not json")
        bad_side = await signed(
            client,
            "POST",
            "/v3/trade/order",
            {"symbol": "PERP_BTC_USDT", "side": "HOLD", "type": "MARKET", "quantity": "1"},
        )
        bad_symbol = await client.get("/v3/public/futures?symbol=PERP_PEPE_USDT")
        missing = await client.get("/v3/public/nothing")
        wrong_method = await client.patch("/v3/trade/order")
    assert (unknown.status_code, unknown.json()["code"], unknown.json()["message"]) == (
        400,
        -1004,
        "Unknown parameter: orderId",
    )
    assert not_json.json()["code"] == -1005
    assert bad_side.json()["code"] == -1005
    assert "side" in bad_side.json()["message"]
    assert bad_symbol.json()["code"] == -1005
    assert "symbol is invalid" in bad_symbol.json()["message"]
    assert (missing.status_code, wrong_method.status_code) == (404, 405)


async def test_position_modes_are_enforced() -> None:
    def order(**fields: Any) -> dict[str, Any]:
        return {"symbol": "PERP_BTC_USDT", "type": "MARKET", "quantity": "0.01", **fields}

    async with asgi_client(woox_app()) as client:
        # a fresh account is one-way: a reduce-only order needs a position, a flip is refused
        reduce = await signed(client, "POST", "/v3/trade/order", order(side="SELL", reduceOnly=True))
        opened = await signed(client, "POST", "/v3/trade/order", order(side="BUY"))
        flip = await signed(client, "POST", "/v3/trade/order", order(side="SELL", quantity="0.02"))
        switch = await signed(client, "PUT", "/v3/futures/positionMode", {"positionMode": "HEDGE_MODE"})
        closed = await signed(client, "POST", "/v3/trade/order", order(side="SELL", reduceOnly=True))
        switched = await signed(client, "PUT", "/v3/futures/positionMode", {"positionMode": "HEDGE_MODE"})
        both = await signed(client, "POST", "/v3/trade/order", order(side="BUY", positionSide="BOTH"))
        info = await signed(client, "GET", "/v3/account/info")
    assert reduce.json()["code"] == 302138
    assert opened.json()["success"]
    assert closed.json()["success"]
    assert flip.json()["code"] == -1005
    assert "flip" in flip.json()["message"]
    assert switch.json()["code"] == 302126  # refused while the position is open
    assert switched.json() == {"success": True, "timestamp": switched.json()["timestamp"]}
    assert both.json()["code"] == 302186
    assert info.json()["data"]["positionMode"] == "HEDGE_MODE"


async def test_finished_orders_and_unsupported_algo_types() -> None:
    async with asgi_client(woox_app()) as client:
        placed = await signed(
            client,
            "POST",
            "/v3/trade/order",
            {
                "symbol": "PERP_BTC_USDT",
                "side": "BUY",
                "type": "MARKET",
                "quantity": "0.01",
                "clientOrderId": 9,
            },
        )
        assert placed.json()["data"]["clientOrderId"] == 9
        got = await signed(client, "GET", "/v3/trade/order", query="clientOrderId=9")
        cancel = await signed(
            client, "DELETE", "/v3/trade/order", query="clientOrderId=9&symbol=PERP_BTC_USDT"
        )
        oco = await signed(
            client,
            "POST",
            "/v3/trade/algoOrder",
            {"symbol": "PERP_BTC_USDT", "algoType": "OCO", "side": "BUY", "type": "LIMIT", "price": "1000"},
        )
    row = got.json()["data"]
    assert (row["status"], row["type"], row["positionSide"], row["price"]) == (
        "FILLED",
        "MARKET",
        "BOTH",
        None,
    )
    assert isinstance(row["createdTime"], str)  # an ms string, as captured (spec 4.4)
    assert (cancel.json()["code"], cancel.json()["message"]) == (
        -1006,
        "Your order and symbol are not valid or already canceled.",
    )
    assert oco.json()["code"] == 317167


async def test_kline_history_cursors_are_exclusive() -> None:
    async with asgi_client(woox_app()) as client:
        latest = (await client.get("/v3/public/kline?symbol=PERP_BTC_USDT&type=1h&limit=5")).json()["data"][
            "rows"
        ]
        stamps = [r["startTimestamp"] for r in latest]
        before = (
            await client.get(
                f"/v3/public/klineHistory?symbol=PERP_BTC_USDT&type=1h&limit=2&before={stamps[1]}"
            )
        ).json()
        after = (
            await client.get(
                f"/v3/public/klineHistory?symbol=PERP_BTC_USDT&type=1h&limit=2&after={stamps[4]}"
            )
        ).json()
    assert stamps == sorted(stamps, reverse=True)  # newest first
    assert [r["startTimestamp"] for r in before["data"]["rows"]] == stamps[2:4]
    assert [r["startTimestamp"] for r in after["data"]["rows"]] == [stamps[2], stamps[3]]


async def test_server_side_rate_limits_answer_minus_1003() -> None:
    app = woox_app(rate_limits=RateLimitConfig(enabled=True))
    async with asgi_client(app) as client:
        answers = [await client.get("/v3/public/systemInfo") for _ in range(11)]
    assert [a.status_code for a in answers] == [200] * 10 + [429]
    assert answers[-1].json() == {"success": False, "code": -1003, "message": "Rate limit exceed."}
    assert app.sim.state()["dialect"]["woox"]["rate_limited"] == 1


async def test_admin_reset_forgets_dialect_state() -> None:
    app = woox_app()
    async with asgi_client(app) as client:
        await signed(client, "PUT", "/v3/futures/positionMode", {"positionMode": "HEDGE_MODE"})
        assert app.sim.state()["dialect"]["woox"]["position_modes"] == {API_KEY: "HEDGE_MODE"}
        await client.post("/__admin/reset")
    assert app.sim.state()["dialect"]["woox"]["position_modes"] == {}
    assert json.dumps(app.sim.state(), default=str).count(SECRET) == 0
