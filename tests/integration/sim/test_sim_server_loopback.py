"""The simulator over a REAL loopback socket (uvicorn on 127.0.0.1, free port), driven by a client
written only from the public WEEX docs, in the spirit of the official Python sample: the URL is
built as base + "/" + "/capi/v2/..." (a double slash) and the signed message is
`timestamp + METHOD + path + query_string + str(body)` with query_string "?symbol=...".
No alphaloop client or signing code is used on the client side.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import http.client
import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from alphaloop.venues.sim.server import RunningServer
from tests.kit.sim_server import API_KEY, PASSPHRASE, SECRET, live_sim
from tests.kit.wait import eventually

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with live_sim() as running:
        yield running


@pytest.fixture
def sim(server: RunningServer) -> RunningServer:
    """The shared server, reset (accounts, orders, faults, rate limits) before each test."""
    status, _ = admin(server, "POST", "reset")
    assert status == 200
    return server


# ------------------------------------------------------- the "official sample" style client


def doc_sign(message: str, secret: str = SECRET) -> str:
    mac = hmac.new(secret.encode("utf-8"), message.encode("utf-8"), digestmod=hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def send(req: urllib.request.Request, timeout: float = 5.0) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


def doc_get(
    base: str,
    request_path: str,
    query_string: str = "",
    *,
    passphrase: str = PASSPHRASE,
    secret: str = SECRET,
    timestamp: str | None = None,
) -> tuple[int, Any]:
    timestamp = timestamp or str(int(time.time() * 1000))
    message = timestamp + "GET" + request_path + query_string
    headers = {
        "ACCESS-KEY": API_KEY,
        "ACCESS-SIGN": doc_sign(message, secret),
        "ACCESS-TIMESTAMP": timestamp,
        "ACCESS-PASSPHRASE": passphrase,
        "Content-Type": "application/json",
        "locale": "en-US",
    }
    url = base + "/" + request_path + query_string  # double slash, as in the official sample
    return send(urllib.request.Request(url, headers=headers, method="GET"))


def doc_post(base: str, request_path: str, body: dict[str, Any], *, timeout: float = 5.0) -> tuple[int, Any]:
    timestamp = str(int(time.time() * 1000))
    text = json.dumps(body)  # default separators: ", " and ": "
    message = timestamp + "POST" + request_path + "" + str(text)
    headers = {
        "ACCESS-KEY": API_KEY,
        "ACCESS-SIGN": doc_sign(message),
        "ACCESS-TIMESTAMP": timestamp,
        "ACCESS-PASSPHRASE": PASSPHRASE,
        "Content-Type": "application/json",
        "locale": "en-US",
    }
    url = base + "/" + request_path
    return send(urllib.request.Request(url, data=text.encode(), headers=headers, method="POST"), timeout)


def admin(
    server: RunningServer, method: str, action: str, body: dict[str, Any] | None = None
) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{server.base_url}/__admin/{action}", data=data, method=method)
    return send(request)


def public_get(base: str, path_and_query: str) -> tuple[int, Any]:
    return send(urllib.request.Request(base + path_and_query))


API_TEST_ORDER = {
    "symbol": "cmt_btcusdt",
    "client_oid": "test",
    "size": "0.0001",
    "type": "1",
    "order_type": "0",
    "match_price": "0",
    "price": "100000.0",
}


# -------------------------------------------------------------------------------- tests


def test_server_listens_on_loopback_only(sim: RunningServer) -> None:
    assert sim.base_url.startswith("http://127.0.0.1:")
    status, body = public_get(sim.base_url, "/capi/v2/market/time")
    assert status == 200
    # the simulator's one clock: market time, not the wall (issue 12)
    assert abs(body["timestamp"] - sim.app.sim.clock.now_ms()) < 5_000
    assert abs(body["timestamp"] - time.time() * 1000) > 86_400_000


def test_api_test_checklist_end_to_end(sim: RunningServer) -> None:
    base = sim.base_url
    # Step 0: connectivity.
    status, server_time = public_get(base, "//capi/v2/market/time")
    assert status == 200
    assert set(server_time) == {"epoch", "iso", "timestamp"}
    # Step 1: balance.
    status, assets = doc_get(base, "/capi/v2/account/assets")
    assert (status, assets[0]["coinName"], assets[0]["available"]) == (200, "USDT", "1000.00000000")
    # Step 2: price.
    status, ticker = doc_get(base, "/capi/v2/market/ticker", "?symbol=cmt_btcusdt")
    assert status == 200
    assert ticker["symbol"] == "cmt_btcusdt"
    assert float(ticker["last"]) > 0
    # Step 3: leverage.
    status, leverage = doc_post(
        base,
        "/capi/v2/account/leverage",
        {"symbol": "cmt_btcusdt", "marginMode": 1, "longLeverage": "1", "shortLeverage": "1"},
    )
    assert (status, leverage["code"], leverage["msg"]) == (200, "200", "success")
    # Step 4: contract info.
    status, contracts = doc_get(base, "/capi/v2/market/contracts", "?symbol=cmt_btcusdt")
    assert status == 200
    assert (contracts[0]["symbol"], contracts[0]["minOrderSize"], contracts[0]["tick_size"]) == (
        "cmt_btcusdt",
        "0.0001",
        "1",
    )
    # Step 5: the documented limit order.
    status, placed = doc_post(base, "/capi/v2/order/placeOrder", API_TEST_ORDER)
    assert status == 200, placed
    assert placed["client_oid"] is None
    order_id = placed["order_id"]
    assert isinstance(order_id, str)
    assert order_id.isdigit()
    # Step 6: fills of that order.
    status, fills = doc_get(base, "/capi/v2/order/fills", f"?symbol=cmt_btcusdt&orderId={order_id}")
    assert status == 200
    assert set(fills) == {"list", "nextFlag", "totals"}
    status, detail = doc_get(base, "/capi/v2/order/detail", f"?orderId={order_id}")
    assert (status, detail["client_oid"], detail["price"], detail["size"]) == (
        200,
        "test",
        "100000.0",
        "0.000100",
    )


def test_wrong_signature_passphrase_and_old_timestamp_are_refused(sim: RunningServer) -> None:
    base = sim.base_url
    status, body = doc_get(base, "/capi/v2/account/assets", secret="not-the-secret")
    assert (status, body["code"], body["msg"], body["data"]) == (
        400,
        "40009",
        "API verification failed",
        None,
    )
    status, body = doc_get(base, "/capi/v2/account/assets", passphrase="wrong")
    assert (status, body["code"], body["msg"]) == (400, "40012", "Incorrect API key/Passphrase")
    old = str(int(time.time() * 1000) - 40_000)
    status, body = doc_get(base, "/capi/v2/account/assets", timestamp=old)
    assert (status, body["code"], body["msg"]) == (400, "40008", "Request timestamp expired")
    assert isinstance(body["requestTime"], int)


def test_order_burst_is_rate_limited_with_429(sim: RunningServer) -> None:
    statuses = []
    for n in range(12):
        status, body = doc_post(
            sim.base_url, "/capi/v2/order/placeOrder", {**API_TEST_ORDER, "client_oid": f"r{n}"}
        )
        statuses.append(status)
    assert statuses[:10] == [200] * 10
    assert 429 in statuses[10:]
    assert body == {
        "code": "429",
        "msg": "Too many requests",
        "requestTime": body["requestTime"],
        "data": None,
    }


def test_dropped_connection_after_accept_leaves_the_order_in_the_core(sim: RunningServer) -> None:
    status, _ = admin(sim, "POST", "faults", {"spec": "placeOrder:drop@n=1"})
    assert status == 200
    with pytest.raises((urllib.error.URLError, ConnectionError, http.client.HTTPException)):
        doc_post(sim.base_url, "/capi/v2/order/placeOrder", {**API_TEST_ORDER, "client_oid": "lost-1"})
    # The outcome was unknown to the client; the venue has it: reconcile by listing open orders.
    status, current = doc_get(sim.base_url, "/capi/v2/order/current", "?symbol=cmt_btcusdt")
    assert status == 200
    assert [o["client_oid"] for o in current] == ["lost-1"]
    assert [o.client_order_id for o in sim.sim.exchange.orders(API_KEY)] == ["lost-1"]
    _, state = admin(sim, "GET", "state")
    assert state["faults"]["fired"] == {"placeOrder:drop@n=1": 1}
    assert state["requests"]["by_endpoint"]["placeOrder"] == {"200": 1}


def test_timeout_fault_hangs_past_the_client_timeout_without_executing(sim: RunningServer) -> None:
    admin(sim, "POST", "faults", {"spec": "placeOrder:timeout=1s@n=1"})
    with pytest.raises((TimeoutError, socket.timeout, urllib.error.URLError)):
        doc_post(sim.base_url, "/capi/v2/order/placeOrder", API_TEST_ORDER, timeout=0.3)
    assert eventually(
        lambda: admin(sim, "GET", "state")[1]["requests"]["by_endpoint"]["placeOrder"] == {"0": 1}
    )
    status, current = doc_get(sim.base_url, "/capi/v2/order/current")
    assert (status, current) == (200, [])


def test_time_advances_through_the_admin_api(sim: RunningServer) -> None:
    _, before = public_get(sim.base_url, "/capi/v2/market/candles?symbol=cmt_btcusdt&granularity=1h&limit=1")
    status, advanced = admin(sim, "POST", "advance", {"ms": 2 * 3_600_000})
    assert status == 200
    _, after = public_get(sim.base_url, "/capi/v2/market/candles?symbol=cmt_btcusdt&granularity=1h&limit=1")
    assert int(after[0][0]) == int(before[0][0]) + 2 * 3_600_000
    assert int(after[0][0]) + 3_600_000 <= advanced["sim_time_ms"]


@pytest.mark.asyncio
async def test_concurrent_clients_over_the_socket(sim: RunningServer) -> None:
    async with httpx.AsyncClient(base_url=sim.base_url, timeout=5.0) as client:
        responses = await asyncio.gather(
            *(client.get("/capi/v2/market/ticker", params={"symbol": "cmt_btcusdt"}) for _ in range(50))
        )
    assert {r.status_code for r in responses} == {200}
    assert len({r.json()["last"] for r in responses}) == 1
