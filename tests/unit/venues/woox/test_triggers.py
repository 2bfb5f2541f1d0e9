"""Trigger orders on WOO X: algo orders (spec 4.5) read as trigger `Order`s with `trigger_price` and
`trigger_kind`, and the port's create_stop_loss / fetch_trigger_orders / cancel_trigger_order over
the scripted venue."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest
from pydantic import TypeAdapter

from alphaloop.model import (
    MalformedResponseError,
    OrderIntent,
    OrderStatus,
    OrderType,
    PositionSide,
    TriggerKind,
)
from alphaloop.venues.woox import parse, schemas, wire_client_id

from .fakes import FakeWoox, data, fail, make_venue, ok

D = Decimal
BTC = "BTC/USDT:USDT"


def load(name: str, shape: Any) -> Any:
    return TypeAdapter(shape).validate_python(data(name))


def positional(**fields: Any) -> dict[str, Any]:
    """The spec's POSITIONAL_TP_SL example (4.5) as the venue lists it: a long's TP and SL legs."""
    row = {
        "algoOrderId": 432131, "clientAlgoOrderId": 0, "symbol": "PERP_BTC_USDT",
        "algoType": "POSITIONAL_TP_SL", "algoStatus": "NEW", "createdTime": 1000,
        "childOrders": [
            {"algoOrderId": 432132, "symbol": "PERP_BTC_USDT", "algoType": "TAKE_PROFIT", "side": "SELL",
             "positionSide": "LONG", "type": "CLOSE_POSITION", "triggerPrice": "72000", "reduceOnly": True,
             "algoStatus": "NEW", "isTriggered": False, "createdTime": 1000},
            {"algoOrderId": 432133, "symbol": "PERP_BTC_USDT", "algoType": "STOP_LOSS", "side": "SELL",
             "positionSide": "LONG", "type": "CLOSE_POSITION", "triggerPrice": 65000, "reduceOnly": True,
             "algoStatus": "NEW", "isTriggered": False, "createdTime": 1000},
        ],
    }  # fmt: skip
    row.update(fields)
    return row


def stop_loss_tpsl(client_id: int = 0, *, leg_status: str = "NEW") -> dict[str, Any]:
    """A TP_SL with one market STOP_LOSS leg, as `create_stop_loss` places it for a short."""
    return {
        "algoOrderId": 901, "clientAlgoOrderId": client_id, "symbol": "PERP_BTC_USDT", "algoType": "TP_SL",
        "quantity": "0.01", "algoStatus": "NEW", "createdTime": 2000,
        "childOrders": [
            {"algoOrderId": 902, "clientAlgoOrderId": 0, "symbol": "PERP_BTC_USDT", "algoType": "STOP_LOSS",
             "side": "BUY", "positionSide": "SHORT", "reduceOnly": True, "type": "MARKET", "quantity": "0.01",
             "triggerPrice": "101000", "algoStatus": leg_status, "isTriggered": leg_status != "NEW",
             "createdTime": 2000},
        ],
    }  # fmt: skip


# ---------------------------------------------------------------- parsing


def test_positional_tp_sl_legs_are_listed_under_their_own_ids() -> None:
    wire = schemas.AlgoOrderWire.model_validate(positional())
    listed = parse.parse_trigger_orders(wire)
    assert [(o.id, o.trigger_kind, o.trigger_price, o.intent, o.order_type) for o in listed] == [
        ("432132", TriggerKind.TAKE_PROFIT, D(72000), OrderIntent.CLOSE_LONG, OrderType.MARKET),
        ("432133", TriggerKind.STOP_LOSS, D(65000), OrderIntent.CLOSE_LONG, OrderType.MARKET),
    ]
    assert {(o.status, o.amount) for o in listed} == {(OrderStatus.UNTRIGGERED, D(0))}  # whole position


def test_a_tp_sl_leg_takes_quantity_and_client_id_from_its_parent() -> None:
    wire = schemas.AlgoOrderWire.model_validate(stop_loss_tpsl(client_id=77))
    (stop,) = parse.parse_trigger_orders(wire)
    assert (stop.id, stop.trigger_kind, stop.trigger_price) == ("902", TriggerKind.STOP_LOSS, D(101000))
    assert (stop.intent, stop.amount, stop.client_order_id) == (OrderIntent.CLOSE_SHORT, D("0.01"), "77")


def test_a_leg_that_fired_is_no_longer_a_resting_trigger() -> None:
    wire = schemas.AlgoOrderWire.model_validate(stop_loss_tpsl(leg_status="FILLED"))
    assert parse.parse_trigger_orders(wire) == []


@pytest.mark.parametrize(("executed", "listed"), [("0", []), ("0.01", ["432132", "432133"])])
def test_a_brackets_tp_sl_rest_only_once_its_entry_has_filled(executed: str, listed: list[str]) -> None:
    bracket = {
        "algoOrderId": 432130, "symbol": "PERP_BTC_USDT", "algoType": "BRACKET", "side": "BUY",
        "positionSide": "LONG", "type": "LIMIT", "price": "99000", "quantity": "0.01", "algoStatus": "NEW",
        "totalExecutedQuantity": executed, "childOrders": [positional()],
    }  # fmt: skip
    wire = schemas.AlgoOrderWire.model_validate(bracket)
    assert [o.id for o in parse.parse_trigger_orders(wire)] == listed


def test_the_recorded_trailing_stop_is_a_plan_trigger_without_a_price_yet() -> None:
    wire = load("algo_order", schemas.AlgoOrderWire)
    (trail,) = parse.parse_trigger_orders(wire)
    assert (trail.id, trail.trigger_kind, trail.trigger_price) == ("792420", TriggerKind.PLAN, None)


@pytest.mark.parametrize(
    ("algo_type", "kind"),
    [
        ("STOP", TriggerKind.PLAN),
        ("TAKE_PROFIT", TriggerKind.TAKE_PROFIT),
        ("STOP_LOSS", TriggerKind.STOP_LOSS),
    ],
)
def test_a_stop_is_read_as_the_kind_the_venue_labels_it(algo_type: str, kind: TriggerKind) -> None:
    """CCXT-T capture (spec 4.5): the venue may relabel a STOP as TAKE_PROFIT / STOP_LOSS."""
    row = {
        "algoOrderId": 55, "symbol": "PERP_BTC_USDT", "algoType": algo_type, "side": "BUY", "type": "LIMIT",
        "quantity": "0.001", "price": "70100", "triggerPrice": "70000", "algoStatus": "NEW",
    }  # fmt: skip
    (order,) = parse.parse_trigger_orders(schemas.AlgoOrderWire.model_validate(row))
    assert (order.trigger_kind, order.trigger_price, order.price) == (kind, D(70000), D(70100))


def test_containers_alone_fire_nothing() -> None:
    with pytest.raises(MalformedResponseError, match="fires at no trigger price"):
        parse.parse_trigger_order(schemas.AlgoOrderWire.model_validate(positional()))


# ---------------------------------------------------------------- the port


def script(fake: FakeWoox) -> FakeWoox:
    fake.on("GET /v3/public/instruments", ok(data("instruments")))
    fake.on("GET /v3/account/info", ok({**data("account_info"), "positionMode": "HEDGE_MODE"}))
    return fake


@pytest.mark.asyncio
async def test_create_stop_loss_places_a_tp_sl_with_one_rounded_stop_loss_leg(fake: FakeWoox) -> None:
    script(fake)
    client_id = wire_client_id("als1")
    fake.on(
        "POST /v3/trade/algoOrder",
        ok(
            {
                "rows": [
                    {"algoOrderId": 902, "algoType": "STOP_LOSS"},
                    {"algoOrderId": 901, "algoType": "TP_SL"},
                ]
            }
        ),
    )
    fake.on("GET /v3/trade/algoOrder", ok(stop_loss_tpsl(client_id)))
    stop = await make_venue(fake).create_stop_loss(
        BTC, PositionSide.SHORT, trigger_price=D("101000.07"), amount=D("0.01009"), client_order_id="als1"
    )
    (sent,) = fake.calls("POST /v3/trade/algoOrder")
    assert (sent.body["algoType"], sent.body["quantity"], sent.body["clientAlgoOrderId"]) == (
        "TP_SL",
        "0.01",
        client_id,
    )
    # a short's stop buys: rounded down to the tick, never further from the price than asked
    assert sent.body["childOrders"] == [
        {
            "symbol": "PERP_BTC_USDT",
            "algoType": "STOP_LOSS",
            "type": "MARKET",
            "triggerPrice": "101000",
            "side": "BUY",
            "positionSide": "SHORT",
            "quantity": "0.01",
        }
    ]
    assert fake.calls("GET /v3/trade/algoOrder")[0].query == {"algoOrderId": "901"}
    assert (stop.id, stop.trigger_kind, stop.trigger_price, stop.amount) == (
        "902",
        TriggerKind.STOP_LOSS,
        D(101000),
        D("0.01"),
    )
    assert (stop.intent, stop.status, stop.client_order_id) == (
        OrderIntent.CLOSE_SHORT,
        OrderStatus.UNTRIGGERED,
        "als1",
    )


@pytest.mark.asyncio
async def test_a_lost_stop_loss_answer_is_found_by_client_id_not_resent(fake: FakeWoox) -> None:
    script(fake)
    client_id = wire_client_id("als2")
    fake.on("POST /v3/trade/algoOrder", fail(httpx.ReadTimeout))
    fake.on("GET /v3/trade/algoOrder", ok(stop_loss_tpsl(client_id)))
    stop = await make_venue(fake).create_stop_loss(
        BTC, PositionSide.SHORT, trigger_price=D(101000), amount=D("0.01"), client_order_id="als2"
    )
    assert (stop.id, stop.trigger_kind, stop.client_order_id) == ("902", TriggerKind.STOP_LOSS, "als2")
    assert len(fake.calls("POST /v3/trade/algoOrder")) == 1
    assert fake.calls("GET /v3/trade/algoOrder")[0].query == {"clientAlgoOrderId": str(client_id)}


@pytest.mark.asyncio
async def test_fetch_trigger_orders_flattens_trees_and_sizes_whole_position_legs(fake: FakeWoox) -> None:
    script(fake)
    stop = {
        "algoOrderId": 800, "symbol": "PERP_BTC_USDT", "algoType": "STOP", "side": "BUY", "type": "MARKET",
        "quantity": "0.5", "triggerPrice": "120000", "algoStatus": "NEW", "createdTime": 500,
    }  # fmt: skip
    rows = [stop_loss_tpsl(), positional(), stop]
    fake.on("GET /v3/trade/algoOrders", ok({"rows": rows, "meta": {"total": 3}}))
    long_btc = {**data("positions")["positions"][0], "symbol": "PERP_BTC_USDT", "holding": "0.03"}
    fake.on("GET /v3/futures/positions", ok({"positions": [long_btc]}))
    listed = await make_venue(fake).fetch_trigger_orders(BTC)
    assert [(o.id, o.trigger_kind, o.amount) for o in listed] == [
        ("800", TriggerKind.PLAN, D("0.5")),
        ("432132", TriggerKind.TAKE_PROFIT, D("0.03")),
        ("432133", TriggerKind.STOP_LOSS, D("0.03")),
        ("902", TriggerKind.STOP_LOSS, D("0.01")),
    ]
    (query,) = [c.query for c in fake.calls("GET /v3/trade/algoOrders")]
    assert (query["symbol"], query["status"]) == ("PERP_BTC_USDT", "INCOMPLETE")


@pytest.mark.asyncio
async def test_cancel_trigger_order_cancels_that_algo_order_or_leg(fake: FakeWoox) -> None:
    fake.on("DELETE /v3/trade/algoOrder", ok({"status": "CANCEL_SENT"}))
    result = await make_venue(fake).cancel_trigger_order(BTC, "902")
    assert (result.order_id, result.success) == ("902", True)
    assert fake.calls("DELETE /v3/trade/algoOrder")[0].query == {"algoOrderId": "902"}
