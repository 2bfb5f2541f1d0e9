"""Private account and order endpoints answer the documented SHAPE (spec 1.1 and section 7): bare array
vs bare object vs envelope, field names, strings vs numbers, ids as strings or numbers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from alphaloop.venues.sim.server import SimulatorApp
from tests.kit.sim_server import (
    API_KEY,
    asgi_client,
    make_app,
    no_limits,
    private_get,
    private_post,
    signed_headers,
)

ORDER_KEYS = {
    "symbol", "size", "client_oid", "createTime", "filled_qty", "fee", "order_id", "price", "price_avg",
    "status", "type", "order_type", "totalProfits", "contracts", "filledQtyContracts",
    "presetTakeProfitPrice", "presetStopLossPrice",
}  # fmt: skip
PLAN_KEYS = {
    "symbol", "size", "client_oid", "createTime", "filled_qty", "fee", "order_id", "price", "price_avg",
    "status", "type", "order_type", "totalProfits", "triggerPrice", "triggerPriceType", "triggerTime",
    "presetTakeProfitPrice", "presetStopLossPrice",
}  # fmt: skip
POSITION_KEYS = {
    "id", "account_id", "coin_id", "contract_id", "symbol", "side", "margin_mode", "separated_mode",
    "separated_open_order_id", "leverage", "size", "open_value", "open_fee", "funding_fee", "marginSize",
    "isolated_margin", "is_auto_append_isolated_margin", "cum_open_size", "cum_open_value", "cum_open_fee",
    "cum_close_size", "cum_close_value", "cum_close_fee", "cum_funding_fee", "cum_liquidate_fee",
    "created_match_sequence_id", "updated_match_sequence_id", "created_time", "updated_time", "contractVal",
    "unrealizePnl", "liquidatePrice",
}  # fmt: skip
FILL_KEYS = {
    "tradeId", "orderId", "symbol", "marginMode", "separatedMode", "positionSide", "orderSide", "fillSize",
    "fillValue", "fillFee", "liquidateFee", "realizePnl", "direction", "liquidateType", "legacyOrdeDirection",
    "createdTime",
}  # fmt: skip


def order(client_oid: str, **changes: str) -> dict[str, str]:
    base = {
        "symbol": "cmt_btcusdt",
        "client_oid": client_oid,
        "size": "0.001",
        "type": "1",
        "order_type": "0",
        "match_price": "1",
        "price": "0",
    }
    base.update(changes)
    return base


@pytest_asyncio.fixture
async def world() -> AsyncIterator[tuple[SimulatorApp, httpx.AsyncClient]]:
    app = make_app(rate_limits=no_limits())
    async with asgi_client(app) as client:
        yield app, client


def is_id_string(value: Any) -> bool:
    return isinstance(value, str) and value.isdigit() and len(value) >= 18


# ----------------------------------------------------------------------------- account


@pytest.mark.asyncio
async def test_account_endpoints(world: tuple[SimulatorApp, httpx.AsyncClient]) -> None:
    _, client = world
    assets = (await private_get(client, "/capi/v2/account/assets")).json()
    assert assets == [
        {
            "coinName": "USDT",
            "available": "1000.00000000",
            "equity": "1000.00000000",
            "frozen": "0.00000000",
            "unrealizePnl": "0.00000000",
        }
    ]
    accounts = (await private_get(client, "/capi/v2/account/getAccounts")).json()
    assert set(accounts) == {"account", "collateral", "version"}
    assert set(accounts["account"]) == {
        "defaultFeeSetting", "feeSetting", "modeSetting", "leverageSetting", "createOrderRateLimitPerMinute",
        "createOrderDelayMilliseconds", "createdTime", "updatedTime",
    }  # fmt: skip
    assert accounts["account"]["modeSetting"][0]["positionMode"] == "HEDGE"
    assert accounts["account"]["leverageSetting"][0]["cross_leverage"] == "20.00"
    collateral = accounts["collateral"][0]
    assert collateral["coin"] == "USDT"
    assert collateral["isolatedPositionId"] == 0
    assert collateral["amount"] == "1000.00000000"
    one = (await private_get(client, "/capi/v2/account/getAccount", "coin=USDT")).json()
    assert set(one) == {"account", "collateral", "version"}
    missing = await private_get(client, "/capi/v2/account/getAccount")
    assert missing.json()["code"] == "40019"
    settings = (await private_get(client, "/capi/v2/account/settings", "symbol=cmt_ethusdt")).json()
    assert settings == {
        "cmt_ethusdt": {
            "isolated_long_leverage": "20.00",
            "isolated_short_leverage": "20.00",
            "cross_leverage": "20.00",
        }
    }
    assert len((await private_get(client, "/capi/v2/account/settings")).json()) == 8


@pytest.mark.asyncio
async def test_leverage_and_margin_mode(world: tuple[SimulatorApp, httpx.AsyncClient]) -> None:
    _, client = world
    ok = await private_post(
        client, "/capi/v2/account/leverage", {"symbol": "cmt_btcusdt", "marginMode": 1, "longLeverage": "5"}
    )
    body = ok.json()
    assert set(body) == {"msg", "requestTime", "code"}
    assert (body["msg"], body["code"]) == ("success", "200")
    settings = (await private_get(client, "/capi/v2/account/settings", "symbol=cmt_btcusdt")).json()
    assert settings["cmt_btcusdt"]["cross_leverage"] == "5.00"
    too_high = await private_post(
        client,
        "/capi/v2/account/leverage",
        {"symbol": "cmt_btcusdt", "marginMode": 1, "longLeverage": "21", "shortLeverage": "21"},
    )
    assert (too_high.json()["code"], too_high.json()["msg"]) == ("50007", "Leverage cannot exceed the limit")
    switched = await private_post(
        client, "/capi/v2/account/position/changeHoldModel", {"symbol": "cmt_btcusdt", "marginMode": 3}
    )
    assert switched.json()["code"] == "200"
    wrong_mode = await private_post(
        client, "/capi/v2/account/leverage", {"symbol": "cmt_btcusdt", "marginMode": 1, "longLeverage": "5"}
    )
    assert wrong_mode.json()["code"] == "40020"


@pytest.mark.asyncio
async def test_positions_margin_and_bills(world: tuple[SimulatorApp, httpx.AsyncClient]) -> None:
    _, client = world
    await private_post(
        client, "/capi/v2/account/position/changeHoldModel", {"symbol": "cmt_btcusdt", "marginMode": 3}
    )
    placed = await private_post(client, "/capi/v2/order/placeOrder", order("iso", marginMode="3"))
    assert placed.status_code == 200, placed.text
    positions = (await private_get(client, "/capi/v2/account/position/allPosition")).json()
    assert len(positions) == 1
    position = positions[0]
    assert set(position) == POSITION_KEYS
    assert isinstance(position["id"], int)
    assert position["id"] > 2**53
    assert (position["side"], position["margin_mode"], position["size"]) == ("LONG", "ISOLATED", "0.001")
    single = (
        await private_get(client, "/capi/v2/account/position/singlePosition", "symbol=cmt_btcusdt")
    ).json()
    assert single == positions
    assert (
        await private_get(client, "/capi/v2/account/position/singlePosition", "symbol=cmt_ethusdt")
    ).json() == []
    added = await private_post(
        client,
        "/capi/v2/account/adjustMargin",
        {"isolatedPositionId": position["id"], "collateralAmount": "1"},
    )
    assert added.json()["code"] == "200", added.text
    auto = await private_post(
        client,
        "/capi/v2/account/modifyAutoAppendMargin",
        {"positionId": position["id"], "autoAppendMargin": True},
    )
    assert auto.json()["code"] == "200", auto.text
    unknown = await private_post(
        client, "/capi/v2/account/adjustMargin", {"isolatedPositionId": 123456789, "collateralAmount": "1"}
    )
    assert unknown.json() == {
        "code": "40020",
        "msg": "Parameter isolatedPositionId is invalid",
        "requestTime": unknown.json()["requestTime"],
        "data": None,
    }
    bills = (await private_post(client, "/capi/v2/account/bills", {"limit": 2})).json()
    assert set(bills) == {"hasNextPage", "items"}
    assert bills["hasNextPage"] is True
    assert len(bills["items"]) == 2
    item = bills["items"][0]
    assert set(item) == {
        "billId", "coin", "symbol", "amount", "businessType", "balance", "fillFee", "transferReason", "ctime",
    }  # fmt: skip
    assert isinstance(item["billId"], int)
    deposits = (await private_post(client, "/capi/v2/account/bills", {"businessType": "deposit"})).json()
    assert [i["amount"] for i in deposits["items"]] == ["1000"]
    empty_body = await client.post(
        "/capi/v2/account/bills",
        content=b"",
        headers=signed_headers("POST", "/capi/v2/account/bills"),
    )
    assert empty_body.status_code == 200, empty_body.text


# ------------------------------------------------------------------------------ orders


@pytest.mark.asyncio
async def test_place_detail_current_history_fills(world: tuple[SimulatorApp, httpx.AsyncClient]) -> None:
    _, client = world
    limit = await private_post(
        client, "/capi/v2/order/placeOrder", order("rest", match_price="0", price="100000.0", size="0.0001")
    )
    assert set(limit.json()) == {"client_oid", "order_id"}
    assert limit.json()["client_oid"] is None
    resting_id = limit.json()["order_id"]
    assert is_id_string(resting_id)
    market = (await private_post(client, "/capi/v2/order/placeOrder", order("mkt"))).json()
    detail = (await private_get(client, "/capi/v2/order/detail", f"orderId={market['order_id']}")).json()
    assert set(detail) == ORDER_KEYS
    assert (detail["status"], detail["type"], detail["order_type"], detail["price"]) == (
        "filled",
        "open_long",
        "ioc",
        "0.0",
    )
    assert detail["size"] == "0.001000"
    assert isinstance(detail["contracts"], int)
    assert detail["client_oid"] == "mkt"
    current = (await private_get(client, "/capi/v2/order/current", "symbol=cmt_btcusdt")).json()
    assert [o["order_id"] for o in current] == [resting_id]
    assert current[0]["status"] == "open"
    assert current[0]["order_type"] == "normal"
    history = (await private_get(client, "/capi/v2/order/history", "symbol=cmt_btcusdt&pageSize=10")).json()
    assert [o["order_id"] for o in history] == [market["order_id"]]
    fills = (
        await private_get(client, "/capi/v2/order/fills", f"symbol=cmt_btcusdt&orderId={market['order_id']}")
    ).json()
    assert set(fills) == {"list", "nextFlag", "totals"}
    assert fills["totals"] == 1
    fill = fills["list"][0]
    assert set(fill) == FILL_KEYS
    assert isinstance(fill["tradeId"], int)
    assert isinstance(fill["orderId"], int)
    assert str(fill["orderId"]) == market["order_id"]
    assert (fill["direction"], fill["positionSide"], fill["orderSide"]) == ("OPEN_LONG", "LONG", "BUY")
    missing = await private_get(client, "/capi/v2/order/detail", "orderId=1")
    assert (missing.json()["code"], missing.json()["msg"]) == ("50005", "Order does not exist")


@pytest.mark.asyncio
async def test_order_validation_codes(world: tuple[SimulatorApp, httpx.AsyncClient]) -> None:
    _, client = world

    async def code(payload: dict[str, Any]) -> tuple[str, str]:
        body = (await private_post(client, "/capi/v2/order/placeOrder", payload)).json()
        return body["code"], body["msg"]

    assert await code(order("a", symbol="cmt_trxusdt")) == ("40020", "Parameter symbol is invalid")
    no_size = order("a")
    del no_size["size"]
    assert await code(no_size) == ("40019", "Parameter size cannot be empty")
    assert await code(order("a", type="9")) == ("40020", "Parameter type is invalid")
    assert await code(order("a", size="0.00015")) == ("40020", "Parameter size is invalid")
    assert await code(order("a", match_price="0", price="100000.05")) == (
        "40020",
        "Parameter price is invalid",
    )
    assert await code(order("a", match_price="0", price="900000.0")) == (
        "40020",
        "Parameter price is invalid",
    )
    assert await code(order("a", type="3")) == ("40020", "Parameter size is invalid")
    assert await code(order("a", size="1")) == ("40020", "Parameter size is invalid")  # margin
    assert await code(order("x" * 41)) == ("40020", "Parameter client_oid is invalid")


@pytest.mark.asyncio
async def test_batch_and_cancels(world: tuple[SimulatorApp, httpx.AsyncClient]) -> None:
    _, client = world
    rest = {"size": "0.0001", "type": "1", "order_type": "0", "match_price": "0", "price": "100000.0"}
    batch = await private_post(
        client,
        "/capi/v2/order/batchOrders",
        {
            "symbol": "cmt_btcusdt",
            "orderDataList": [
                {**rest, "client_oid": "b1"},
                {**rest, "client_oid": "b2"},
                {**rest, "client_oid": "b3", "type": "7"},
            ],
        },
    )
    body = batch.json()
    assert set(body) == {"order_info", "result"}
    info = body["order_info"]
    assert [i["result"] for i in info] == [True, True, False]
    assert set(info[0]) == {"order_id", "client_oid", "result", "error_code", "error_message"}
    assert (info[2]["order_id"], info[2]["error_code"]) == ("", "40020")
    cancel = (
        await private_post(client, "/capi/v2/order/cancel_order", {"orderId": info[0]["order_id"]})
    ).json()
    assert cancel == {"order_id": info[0]["order_id"], "client_oid": None, "result": True, "err_msg": None}
    again = (
        await private_post(client, "/capi/v2/order/cancel_order", {"orderId": info[0]["order_id"]})
    ).json()
    assert again["result"] is False
    unknown = await private_post(client, "/capi/v2/order/cancel_order", {"orderId": "700000000000999999"})
    assert unknown.json()["code"] == "50005"
    neither = await private_post(client, "/capi/v2/order/cancel_order", {"symbol": "cmt_btcusdt"})
    assert neither.json()["code"] == "40019"
    many = (
        await private_post(
            client, "/capi/v2/order/cancel_batch_orders", {"cids": ["b2"], "ids": ["700000000000999999"]}
        )
    ).json()
    assert set(many) == {"result", "orderIds", "clientOids", "cancelOrderResultList", "failInfos"}
    assert many["clientOids"] == ["b2"]
    assert many["result"] is False
    assert len(many["failInfos"]) == 1
    await private_post(
        client, "/capi/v2/order/placeOrder", {**rest, "symbol": "cmt_btcusdt", "client_oid": "b4"}
    )
    all_normal = (
        await private_post(client, "/capi/v2/order/cancelAllOrders", {"cancelOrderType": "normal"})
    ).json()
    assert len(all_normal) == 1
    assert isinstance(all_normal[0]["orderId"], int)
    assert all_normal[0]["success"] is True
    bad_type = await private_post(client, "/capi/v2/order/cancelAllOrders", {"cancelOrderType": "all"})
    assert bad_type.json()["code"] == "40020"


@pytest.mark.asyncio
async def test_plan_orders_and_tpsl(world: tuple[SimulatorApp, httpx.AsyncClient]) -> None:
    _, client = world
    plan = await private_post(
        client,
        "/capi/v2/order/plan_order",
        {
            "symbol": "cmt_btcusdt",
            "client_oid": "p1",
            "size": "0.001",
            "type": "1",
            "match_type": "1",
            "execute_price": "0",
            "trigger_price": "200000.0",
        },
    )
    assert set(plan.json()) == {"client_oid", "order_id"}
    plan_id = plan.json()["order_id"]
    current = (await private_get(client, "/capi/v2/order/currentPlan", "symbol=cmt_btcusdt")).json()
    assert [p["order_id"] for p in current] == [plan_id]
    assert set(current[0]) == PLAN_KEYS
    assert (current[0]["status"], current[0]["type"], current[0]["order_type"]) == ("0", "1", "0")
    cancel = (await private_post(client, "/capi/v2/order/cancel_plan", {"orderId": plan_id})).json()
    assert cancel == {"order_id": plan_id, "client_oid": None, "result": True, "err_msg": None}
    history = (await private_get(client, "/capi/v2/order/historyPlan", "symbol=cmt_btcusdt")).json()
    assert set(history) == {"list", "nextPage"}
    assert history["list"][0]["status"] == "-1"
    no_symbol = await private_get(client, "/capi/v2/order/historyPlan")
    assert no_symbol.json()["code"] == "40019"

    await private_post(client, "/capi/v2/order/placeOrder", order("open"))
    tpsl = await private_post(
        client,
        "/capi/v2/order/placeTpSlOrder",
        {
            "symbol": "cmt_btcusdt",
            "clientOrderId": "tp1",
            "planType": "profit_plan",
            "triggerPrice": "150000.0",
            "size": "0.001",
            "positionSide": "long",
        },
    )
    rows = tpsl.json()
    assert isinstance(rows, list)
    assert rows[0]["success"] is True
    assert isinstance(rows[0]["orderId"], int)
    modified = await private_post(
        client, "/capi/v2/order/modifyTpSlOrder", {"orderId": rows[0]["orderId"], "triggerPrice": "160000.0"}
    )
    body = modified.json()
    assert (body["code"], body["msg"], body["data"]) == ("00000", "success", "")
    listed = (await private_get(client, "/capi/v2/order/currentPlan")).json()
    assert listed[0]["triggerPrice"] == "160000.0"
    wrong_side = await private_post(
        client,
        "/capi/v2/order/placeTpSlOrder",
        {
            "symbol": "cmt_btcusdt",
            "clientOrderId": "tp2",
            "planType": "profit_plan",
            "triggerPrice": "1000.0",
            "size": "0.001",
            "positionSide": "long",
        },
    )
    assert wrong_side.json() == [{"orderId": 0, "success": False}]
    plans = (await private_post(client, "/capi/v2/order/cancelAllOrders", {"cancelOrderType": "plan"})).json()
    assert [p["success"] for p in plans] == [True]


@pytest.mark.asyncio
async def test_preset_tpsl_appear_after_a_lag_and_plans_survive_a_close(
    world: tuple[SimulatorApp, httpx.AsyncClient],
) -> None:
    _, client = world
    placed = await private_post(
        client,
        "/capi/v2/order/placeOrder",
        order("preset", presetTakeProfitPrice="200000.0", presetStopLossPrice="50000.0"),
    )
    assert placed.status_code == 200, placed.text
    assert (await private_get(client, "/capi/v2/order/currentPlan")).json() == [], "still registering"
    detail = (
        await private_get(client, "/capi/v2/order/detail", f"orderId={placed.json()['order_id']}")
    ).json()
    assert (detail["presetTakeProfitPrice"], detail["presetStopLossPrice"]) == ("200000", "50000")
    await client.post("/__admin/advance", json={"ms": 2_000})
    listed = (await private_get(client, "/capi/v2/order/currentPlan")).json()
    assert sorted(p["triggerPrice"] for p in listed) == ["200000.0", "50000.0"]
    assert all(p["type"] == "3" for p in listed)
    # A free-standing plan order stays when the position is closed.
    await private_post(
        client,
        "/capi/v2/order/plan_order",
        {
            "symbol": "cmt_btcusdt",
            "client_oid": "keep",
            "size": "0.001",
            "type": "2",
            "match_type": "1",
            "execute_price": "0",
            "trigger_price": "150000.0",
        },
    )
    closed = (await private_post(client, "/capi/v2/order/closePositions", {"symbol": "cmt_btcusdt"})).json()
    assert len(closed) == 1
    assert set(closed[0]) == {"positionId", "successOrderId", "errorMessage", "success"}
    assert isinstance(closed[0]["positionId"], int)
    assert isinstance(closed[0]["successOrderId"], int)
    assert closed[0]["success"] is True
    remaining = (await private_get(client, "/capi/v2/order/currentPlan")).json()
    assert "keep" in [p["client_oid"] for p in remaining]
    assert (await private_get(client, "/capi/v2/account/position/allPosition")).json() == []


@pytest.mark.asyncio
async def test_upload_ai_log(world: tuple[SimulatorApp, httpx.AsyncClient]) -> None:
    app, client = world
    log = {
        "orderId": None,
        "stage": "Decision Making",
        "model": "GPT-5-mini",
        "input": {"prompt": "Summarize last 6h BTC/ETH correlation."},
        "output": {"response": "Sell ETH"},
        "explanation": "BTC dominance rising.",
    }
    raw = (
        '{"orderId": null, "stage": "Decision Making", "model": "GPT-5-mini", '
        '"input": {"prompt": "x"}, "output": {"r": 1}, "explanation": "short"}'
    )
    ok = await private_post(client, "/capi/v2/order/uploadAiLog", raw)
    body = ok.json()
    assert (body["code"], body["msg"], body["data"]) == ("00000", "success", "upload success")
    assert isinstance(body["requestTime"], int)
    stored = app.sim.ai_logs[0]
    assert stored.body == raw, "stored verbatim"
    assert stored.api_key == API_KEY
    assert stored.received_ms > 0
    missing = {k: v for k, v in log.items() if k != "model"}
    bad = await private_post(client, "/capi/v2/order/uploadAiLog", missing)
    assert (bad.json()["code"], bad.json()["msg"]) == ("40019", "Parameter model cannot be empty")
    long = await private_post(client, "/capi/v2/order/uploadAiLog", {**log, "explanation": "word " * 501})
    assert (long.json()["code"], long.json()["msg"]) == ("40020", "Parameter explanation is invalid")
    exactly = await private_post(
        client,
        "/capi/v2/order/uploadAiLog",
        {**log, "explanation": "word " * 500, "orderId": 700000000000000001},
    )
    assert exactly.json()["code"] == "00000"
    assert len(app.sim.ai_logs) == 2
