"""The admin API and fault injection as seen through the ASGI app."""

from __future__ import annotations

import time

import pytest

from alphaloop.venues.sim.server.app import ConnectionDropped
from tests.kit.sim_server import (
    API_KEY,
    START_MS,
    account,
    asgi_client,
    make_app,
    private_get,
    private_post,
    sim_config,
)

ORDER = {
    "symbol": "cmt_btcusdt",
    "client_oid": "drop-1",
    "size": "0.0001",
    "type": "1",
    "order_type": "0",
    "match_price": "0",
    "price": "100000.0",
}


@pytest.mark.asyncio
async def test_admin_is_off_unless_enabled() -> None:
    async with asgi_client(make_app(admin=False)) as client:
        response = await client.get("/__admin/state")
        assert response.status_code == 404
        assert response.json()["status"] == 404


@pytest.mark.asyncio
async def test_admin_advance_price_state_reset() -> None:
    app = make_app()
    async with asgi_client(app) as client:
        advanced = (await client.post("/__admin/advance", json={"ms": 3 * 3_600_000})).json()
        assert advanced["sim_time_ms"] == START_MS + 3 * 3_600_000
        set_price = await client.post("/__admin/price", json={"symbol": "cmt_btcusdt", "price": "100000"})
        assert set_price.status_code == 200, set_price.text
        ticker = (await client.get("/capi/v2/market/ticker?symbol=cmt_btcusdt")).json()
        assert ticker["last"] == "100000"
        await private_post(client, "/capi/v2/order/uploadAiLog", {
            "stage": "s", "model": "m", "input": {}, "output": {}, "explanation": "e",
        })  # fmt: skip
        state = (await client.get("/__admin/state")).json()
        assert state["sim_time_ms"] == START_MS + 3 * 3_600_000
        assert state["core"]["markets"]["BTC/USDT:USDT"]["last"] == "100000"
        assert len(state["ai_logs"]) == 1
        assert state["requests"]["by_endpoint"]["ticker"] == {"200": 1}
        assert state["accounts"][API_KEY] == API_KEY
        assert (await client.get("/__admin/ailogs")).json()[0]["parsed"]["stage"] == "s"
        reset = (await client.post("/__admin/reset")).json()
        assert reset["sim_time_ms"] == START_MS
        assert (await client.get("/__admin/state")).json()["ai_logs"] == []
        bad = await client.post("/__admin/advance", json={"ms": -1})
        assert bad.status_code == 400
        assert (await client.post("/__admin/nothing")).status_code == 404


@pytest.mark.asyncio
async def test_admin_faults_roundtrip_and_spec_errors() -> None:
    async with asgi_client(make_app()) as client:
        bad = await client.post("/__admin/faults", json={"spec": "ticker:boom"})
        assert bad.status_code == 400
        assert "unknown action 'boom'" in bad.json()["error"]
        ok = await client.post("/__admin/faults", json={"spec": "ticker:503@n=1; depth:429"})
        assert ok.json()["spec"] == "ticker:503@n=1; depth:429"
        gateway = await client.get("/capi/v2/market/ticker?symbol=cmt_btcusdt")
        assert gateway.status_code == 503
        assert gateway.headers["content-type"].startswith("text/html")
        assert (await client.get("/capi/v2/market/ticker?symbol=cmt_btcusdt")).status_code == 200
        limited = await client.get("/capi/v2/market/depth?symbol=cmt_btcusdt")
        assert (limited.status_code, limited.json()["code"]) == (429, "429")
        faults = (await client.get("/__admin/faults")).json()
        assert faults["fired"] == {"ticker:503@n=1": 1, "depth:429": 1}
        await client.post("/__admin/faults", json={"spec": ""})
        assert (await client.get("/capi/v2/market/depth?symbol=cmt_btcusdt")).status_code == 200


@pytest.mark.asyncio
async def test_status_521_500_and_ipdeny_faults() -> None:
    app = make_app(faults="time:521;contracts:500;assets:ipdeny")
    async with asgi_client(app) as client:
        assert (await client.get("/capi/v2/market/time")).status_code == 521
        server_error = await client.get("/capi/v2/market/contracts")
        assert (server_error.status_code, server_error.json()["code"]) == (500, "500")
        denied = await private_get(client, "/capi/v2/account/assets")
        assert (denied.status_code, denied.json()["code"], denied.json()["msg"]) == (
            400,
            "40018",
            "Invalid IP request",
        )


@pytest.mark.asyncio
async def test_clock_skew_shifts_server_time_and_the_signature_window() -> None:
    app = make_app(faults="*:skew=+40s")
    async with asgi_client(app) as client:
        server = (await client.get("/capi/v2/market/time")).json()["timestamp"]
        # the simulator reports its one simulated clock, shifted by the injected skew
        assert abs(server - (app.sim.clock.now_ms() + 40_000)) < 2_000
        unsynced = await private_get(client, "/capi/v2/account/assets")
        assert unsynced.json()["code"] == "40008"
        synced = await private_get(client, "/capi/v2/account/assets", timestamp=str(server))
        assert synced.status_code == 200


@pytest.mark.asyncio
async def test_drop_after_accept_executes_the_order() -> None:
    app = make_app(faults="placeOrder:drop@n=1")
    async with asgi_client(app) as client:
        with pytest.raises(ConnectionDropped):
            await private_post(client, "/capi/v2/order/placeOrder", ORDER)
        orders = app.sim.exchange.orders(API_KEY)
        assert [o.client_order_id for o in orders] == ["drop-1"]
        current = (await private_get(client, "/capi/v2/order/current")).json()
        assert current[0]["client_oid"] == "drop-1"


@pytest.mark.asyncio
async def test_read_only_key_cannot_trade() -> None:
    app = make_app(sim_config(accounts=(account(can_trade=False, ai_log_allowed=False),)))
    async with asgi_client(app) as client:
        refused = await private_post(client, "/capi/v2/order/placeOrder", ORDER)
        assert (refused.json()["code"], refused.json()["msg"]) == ("40014", "Invalid permissions")
        assert (await private_get(client, "/capi/v2/account/assets")).status_code == 200
        log = {"stage": "s", "model": "m", "input": {}, "output": {}, "explanation": "e"}
        no_log = await private_post(client, "/capi/v2/order/uploadAiLog", log)
        assert no_log.json()["code"] == "50004"


@pytest.mark.asyncio
async def test_latency_fault_delays_the_answer() -> None:
    async with asgi_client(make_app(faults="ticker:latency=150ms")) as client:
        started = time.perf_counter()
        response = await client.get("/capi/v2/market/ticker?symbol=cmt_btcusdt")
        assert response.status_code == 200
        assert time.perf_counter() - started >= 0.15
        started = time.perf_counter()
        await client.get("/capi/v2/market/time")
        assert time.perf_counter() - started < 0.15
