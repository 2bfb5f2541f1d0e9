"""Trigger orders on WEEX: `trigger_price` / `trigger_kind` from `currentPlan` rows (spec 7.35), and
the port's create_stop_loss / fetch_trigger_orders / cancel_trigger_order over the scripted fake."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import pytest

from alphaloop.model import OrderIntent, OrderStatus, OrderType, PositionSide, TriggerKind
from alphaloop.venues.weex import WeexVenue, parse, schemas

from .fakes import FakeWeex, fixture, make_client, reply
from .fixtures_util import load

D = Decimal
O = "/capi/v2/order/"  # noqa: E741
BTC = "BTC/USDT:USDT"
#: `last` of the recorded ticker fixture.
LAST = D("90755.3")


def plan_row(**overrides: Any) -> dict[str, Any]:
    """The spec's recorded currentPlan row, an untriggered market one by default."""
    return {**fixture("current_plan")[0], "status": "0", "price": "0", **overrides}


def wire(**overrides: Any) -> schemas.PlanOrderWire:
    return schemas.PlanOrderWire.model_validate(plan_row(**overrides))


@asynccontextmanager
async def venue_for(fake: FakeWeex) -> AsyncIterator[WeexVenue]:
    fake.routes.setdefault("/capi/v2/market/contracts", [reply(fixture("contracts"))])
    fake.routes.setdefault("/capi/v2/market/ticker", [reply(fixture("ticker"))])
    async with make_client(fake, time_sync=False) as client:
        yield WeexVenue(client, outcome_check_interval=2.0)


# ---------------------------------------------------------------- parsing


def test_the_recorded_row_is_a_plan_order_with_its_trigger_price() -> None:
    (order,) = [parse.parse_plan_order(o) for o in load("current_plan", list[schemas.PlanOrderWire])]
    assert (order.trigger_kind, order.trigger_price) == (TriggerKind.PLAN, D("48000.00"))
    assert order.raw["triggerPrice"] == "48000.00"  # still there for older callers


@pytest.mark.parametrize(
    ("type_code", "trigger", "kind"),
    [
        ("3", "88000", TriggerKind.STOP_LOSS),  # close long below the price
        ("3", "95000", TriggerKind.TAKE_PROFIT),  # close long above it
        ("4", "95000", TriggerKind.STOP_LOSS),  # close short above the price
        ("4", "88000", TriggerKind.TAKE_PROFIT),
        ("5", "88000", TriggerKind.STOP_LOSS),  # partial close long
        ("6", "88000", TriggerKind.TAKE_PROFIT),  # partial close short
        ("3", "90755.3", TriggerKind.STOP_LOSS),  # at the price: the protective reading
        ("4", "90755.3", TriggerKind.STOP_LOSS),
        ("1", "88000", TriggerKind.PLAN),  # opening rows are plan orders wherever they lie
        ("2", "95000", TriggerKind.PLAN),
    ],
)
def test_closing_rows_are_take_profit_or_stop_loss_by_the_side_of_the_last_price(
    type_code: str, trigger: str, kind: TriggerKind
) -> None:
    order = parse.parse_plan_order(wire(type=type_code, triggerPrice=trigger), last_price=LAST)
    assert (order.trigger_kind, order.trigger_price, order.status) == (
        kind,
        D(trigger),
        OrderStatus.UNTRIGGERED,
    )


def test_without_a_last_price_a_closing_row_stays_a_plan_order() -> None:
    assert parse.parse_plan_order(wire(type="3", triggerPrice="88000")).trigger_kind is TriggerKind.PLAN


def test_a_row_without_a_trigger_price_has_none() -> None:
    order = parse.parse_plan_order(wire(type="3", triggerPrice="0"), last_price=LAST)
    assert (order.trigger_price, order.trigger_kind) == (None, TriggerKind.PLAN)


def test_normal_orders_carry_no_trigger_fields() -> None:
    (order,) = [parse.parse_order(o) for o in load("order_current", list[schemas.OrderWire])]
    assert (order.trigger_price, order.trigger_kind) == (None, None)


# ---------------------------------------------------------------- the port


@pytest.mark.asyncio
async def test_fetch_trigger_orders_reads_one_ticker_per_symbol_with_closing_rows(fake: FakeWeex) -> None:
    rows = [
        plan_row(order_id="1", type="1", triggerPrice="95000"),
        plan_row(order_id="2", type="3", triggerPrice="88000.5", presetStopLossPrice=None),
        plan_row(order_id="3", type="3", triggerPrice="99000"),
    ]
    fake.on(O + "currentPlan", reply(rows))
    async with venue_for(fake) as venue:
        listed = await venue.fetch_trigger_orders(BTC)
    assert [(o.id, o.trigger_kind, o.trigger_price) for o in listed] == [
        ("1", TriggerKind.PLAN, D(95000)),
        ("2", TriggerKind.STOP_LOSS, D("88000.5")),
        ("3", TriggerKind.TAKE_PROFIT, D(99000)),
    ]
    assert fake.calls(O + "currentPlan")[0].request.url.params["symbol"] == "cmt_btcusdt"
    assert len(fake.calls("/capi/v2/market/ticker")) == 1


@pytest.mark.asyncio
async def test_only_plan_orders_need_no_ticker(fake: FakeWeex) -> None:
    fake.on(O + "currentPlan", reply([plan_row(type="2", triggerPrice="95000")]))
    async with venue_for(fake) as venue:
        (order,) = await venue.fetch_trigger_orders()
    assert order.trigger_kind is TriggerKind.PLAN
    assert fake.calls("/capi/v2/market/ticker") == []
    assert "symbol" not in fake.calls(O + "currentPlan")[0].request.url.params


@pytest.mark.asyncio
async def test_create_stop_loss_is_a_rounded_market_loss_plan(fake: FakeWeex) -> None:
    fake.on(O + "placeTpSlOrder", reply(fixture("place_tpsl")))
    async with venue_for(fake) as venue:
        stop = await venue.create_stop_loss(
            BTC, PositionSide.LONG, trigger_price=D("88000.04"), amount=D("0.01009"), client_order_id="als1"
        )
    body = fake.calls(O + "placeTpSlOrder")[0].body
    assert (body["planType"], body["positionSide"], body["clientOrderId"]) == ("loss_plan", "long", "als1")
    # a long's stop sells: rounded up to the tick, never further from the price than asked
    assert (body["triggerPrice"], body["size"]) == ("88000.1", "0.01")
    assert "executePrice" not in body
    assert (stop.id, stop.trigger_kind, stop.trigger_price) == (
        "696073048050107226",
        TriggerKind.STOP_LOSS,
        D("88000.1"),
    )
    assert (stop.intent, stop.order_type, stop.status) == (
        OrderIntent.CLOSE_LONG,
        OrderType.MARKET,
        OrderStatus.UNTRIGGERED,
    )
    assert stop.raw["triggerPrice"] == "88000.1"


@pytest.mark.asyncio
async def test_cancel_trigger_order_takes_the_symbol_first(fake: FakeWeex) -> None:
    fake.on(O + "cancel_plan", reply(fixture("cancel_plan")))
    async with venue_for(fake) as venue:
        result = await venue.cancel_trigger_order(BTC, "596480271352594989")
    assert (result.order_id, result.success) == ("596480271352594989", True)
    assert fake.calls(O + "cancel_plan")[0].body == {"orderId": "596480271352594989"}
