"""Simulator robustness (issue 12, observed defect 6): huge numbers are parameter errors answered
at once, admin inputs are validated, idle and partial connections time out, SIGTERM is honoured."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import time
from typing import Any

import httpx
import pytest

from alphaloop.venues.sim.server import run_in_thread
from tests.kit.data import data_dir
from tests.kit.sim_server import (
    API_KEY,
    PASSPHRASE,
    SECRET,
    asgi_client,
    make_app,
    private_post,
    signed_headers,
    sim_config,
)
from tests.kit.woox_sim import asgi_client as woox_asgi_client
from tests.kit.woox_sim import signed as woox_signed
from tests.kit.woox_sim import woox_app

pytestmark = pytest.mark.integration

HUGE = "1e999999"
ORDER = {
    "symbol": "cmt_btcusdt",
    "client_oid": "huge-1",
    "size": "0.001",
    "type": "1",
    "order_type": "0",
    "match_price": "1",
}


def with_(base: dict[str, str], **changes: str) -> dict[str, str]:
    return {**base, **changes}


CASES: list[tuple[str, dict[str, Any]]] = [
    (
        "/capi/v2/account/leverage",
        {"symbol": "cmt_btcusdt", "marginMode": 1, "longLeverage": HUGE, "shortLeverage": "5"},
    ),
    ("/capi/v2/order/placeOrder", with_(ORDER, size=HUGE)),
    ("/capi/v2/order/placeOrder", with_(ORDER, match_price="0", price=HUGE)),
    ("/capi/v2/order/placeOrder", with_(ORDER, presetStopLossPrice=HUGE)),
    ("/capi/v2/order/placeOrder", with_(ORDER, presetTakeProfitPrice="-" + HUGE)),
    ("/capi/v2/order/placeOrder", with_(ORDER, size="0." + "1" * 5000)),
    (
        "/capi/v2/order/plan_order",
        {
            "symbol": "cmt_btcusdt",
            "client_oid": "p1",
            "size": "0.001",
            "type": "1",
            "match_type": "1",
            "execute_price": "0",
            "trigger_price": HUGE,
        },
    ),
]


@pytest.mark.asyncio
@pytest.mark.parametrize(("path", "payload"), CASES)
async def test_a_huge_number_is_a_parameter_error_answered_at_once(
    path: str, payload: dict[str, Any]
) -> None:
    app = make_app()
    async with asgi_client(app) as client:
        started = time.monotonic()
        answer = await private_post(client, path, payload)
        elapsed = time.monotonic() - started
    assert elapsed < 0.5
    assert answer.status_code == 400, answer.text
    assert answer.json()["code"] in ("40017", "40020"), answer.text


@pytest.mark.asyncio
async def test_woox_huge_numbers_are_parameter_errors_too() -> None:
    order = {"symbol": "PERP_BTC_USDT", "side": "BUY", "type": "MARKET", "quantity": HUGE}
    async with woox_asgi_client(woox_app()) as client:
        started = time.monotonic()
        answer = await woox_signed(client, "POST", "/v3/trade/order", order)
    assert time.monotonic() - started < 0.5
    assert answer.status_code == 400, answer.text
    assert answer.json()["success"] is False


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "body",
    [
        {"speed": "NaN"},
        {"speed": "Infinity"},
        {"speed": "-1"},
        {"speed": HUGE},
        {"ms": "9" * 40},
        {"ms": 10**19},
    ],
)
async def test_bad_admin_input_is_refused_and_the_simulator_keeps_working(body: dict[str, Any]) -> None:
    app = make_app()
    action = "speed" if "speed" in body else "advance"
    async with asgi_client(app) as client:
        refused = await client.post(f"/__admin/{action}", json=body)
        assert refused.status_code == 400, refused.text
        assert (await client.get("/capi/v2/market/time")).status_code == 200
        assert (await client.get("/__admin/state")).status_code == 200
        assert (await client.post("/__admin/advance", json={"ms": 60_000})).status_code == 200


def _open(port: int, data: bytes) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    if data:
        sock.sendall(data)
    return sock


def _closed_within(sock: socket.socket, seconds: float) -> bool:
    sock.settimeout(seconds)
    try:
        while sock.recv(4096):
            pass
        return True  # EOF: the server closed it
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True
    finally:
        sock.close()


@pytest.mark.timeout(60)
def test_idle_and_partial_connections_are_closed() -> None:
    server = run_in_thread(sim_config(), request_timeout_s=0.5)
    try:
        port = server.port
        idle = _open(port, b"")
        partial_headers = _open(port, b"GET /capi/v2/market/time HTTP/1.1\r\nHost: x\r\n")
        partial_body = _open(
            port, b'POST /capi/v2/order/placeOrder HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"a":'
        )
        assert _closed_within(idle, 5)
        assert _closed_within(partial_headers, 5)
        assert _closed_within(partial_body, 5)
        # a complete request is answered as before
        assert httpx.get(f"{server.base_url}/capi/v2/market/time", timeout=5).status_code == 200
    finally:
        server.stop()


@pytest.mark.timeout(90)
def test_sim_serve_exits_on_sigterm_after_a_huge_number(tmp_path: Any) -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "alphaloop.cli.main",
            "sim",
            "serve",
            "--port",
            "0",
            "--data",
            str(data_dir()),
            "--api-key",
            API_KEY,
            "--secret-key",
            SECRET,
            "--passphrase",
            PASSPHRASE,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=tmp_path,
    )
    try:
        assert process.stdout is not None
        url = None
        deadline = time.monotonic() + 60
        while url is None and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            found = re.search(r"http://127\.0\.0\.1:\d+", line)
            url = found.group(0) if found else None
        assert url, "sim serve did not print its URL"
        body = json.dumps(
            {"symbol": "cmt_btcusdt", "marginMode": 1, "longLeverage": HUGE, "shortLeverage": "5"}
        )
        with httpx.Client(base_url=url, timeout=5) as client:
            path = "/capi/v2/account/leverage"
            answer = client.post(path, content=body, headers=signed_headers("POST", path, "", body))
            assert answer.status_code == 400, answer.text
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=15)
        assert time.monotonic() - started < 15
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
