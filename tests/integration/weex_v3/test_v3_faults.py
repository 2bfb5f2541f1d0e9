"""The v2 fault matrix on contract API v3: lost answers resolved by client id (one order, never
re-sent), timeouts, 429 back-off, clock skew, and v3 error codes mapped onto alphaloop's errors."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from alphaloop.model import (
    AuthenticationError,
    InsufficientFundsError,
    InvalidOrderError,
    OrderIntent,
    OrderNotFoundError,
    OrderRequest,
    OrderStatus,
    OrderType,
    PositionSide,
    RateLimitedError,
    TriggerKind,
    UnknownOrderOutcomeError,
)
from alphaloop.venues.sim.server import RunningServer
from alphaloop.venues.weex import WeexVenue
from tests.integration.contract.conftest import credentials
from tests.integration.weex_v3.conftest import BTC, Admin, make_v3_venue
from tests.kit.sim_server import API_KEY, PASSPHRASE, SECRET

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]

SIZE = Decimal("0.01")


def orders_with_client_id(server: RunningServer, client_oid: str) -> list[str]:
    return [o.id for o in server.sim.exchange.orders(API_KEY) if o.client_order_id == client_oid]


def resting_buy(client_oid: str) -> OrderRequest:
    return OrderRequest(
        symbol=BTC,
        intent=OrderIntent.OPEN_LONG,
        amount=SIZE,
        price=Decimal(95000),
        client_order_id=client_oid,
    )


def market_buy(client_oid: str, amount: Decimal = SIZE) -> OrderRequest:
    return OrderRequest(
        symbol=BTC,
        intent=OrderIntent.OPEN_LONG,
        amount=amount,
        order_type=OrderType.MARKET,
        client_order_id=client_oid,
    )


@pytest.mark.parametrize(
    ("request_", "status"),
    [(resting_buy("v3_lost_rest"), OrderStatus.OPEN), (market_buy("v3_lost_market"), OrderStatus.FILLED)],
    ids=["resting-limit", "filled-market"],
)
async def test_dropped_answer_is_resolved_by_client_id_without_a_duplicate(
    venue: WeexVenue, admin: Admin, server: RunningServer, request_: OrderRequest, status: OrderStatus
) -> None:
    admin.faults("v3_placeOrder:drop@n=1")
    order = await venue.create_order(request_)
    assert request_.client_order_id is not None
    assert (order.client_order_id, order.status, order.amount) == (request_.client_order_id, status, SIZE)
    assert orders_with_client_id(server, request_.client_order_id) == [order.id]
    assert admin.by_endpoint("v3_placeOrder") == {"200": 1}  # executed once, never re-sent
    assert admin.state()["faults"]["fired"] == {"v3_placeOrder:drop@n=1": 1}


async def test_dropped_trigger_and_tpsl_answers_are_resolved_by_client_id(
    venue: WeexVenue, admin: Admin, server: RunningServer
) -> None:
    await venue.create_order(market_buy("v3pos"))
    admin.faults("v3_placeAlgo:drop@n=1; v3_placeTpSl:drop@n=1")
    plan = await venue.create_trigger_order(
        symbol=BTC,
        intent=OrderIntent.OPEN_LONG,
        amount=SIZE,
        trigger_price=Decimal(90000),
        client_order_id="v3_plan",
    )
    tpsl = await venue.create_tpsl_order(
        symbol=BTC,
        position_side=PositionSide.LONG,
        kind="stop_loss",
        trigger_price=Decimal(95000),
        amount=SIZE,
        client_order_id="v3_sl",
    )
    assert (plan.client_order_id, plan.status, plan.trigger_kind) == (
        "v3_plan",
        OrderStatus.UNTRIGGERED,
        TriggerKind.PLAN,
    )
    assert (tpsl.client_order_id, tpsl.status, tpsl.trigger_kind) == (
        "v3_sl",
        OrderStatus.UNTRIGGERED,
        TriggerKind.STOP_LOSS,
    )
    triggers = server.sim.exchange.trigger_orders(API_KEY)
    assert {t.id for t in triggers} == {plan.id, tpsl.id}
    assert admin.by_endpoint("v3_placeAlgo") == {"200": 1}
    assert admin.by_endpoint("v3_placeTpSl") == {"200": 1}


async def test_dropped_cancel_answer_is_confirmed_by_reading_the_order(
    venue: WeexVenue, admin: Admin
) -> None:
    order = await venue.create_order(resting_buy("v3_to_cancel"))
    admin.faults("v3_cancelOrder:drop@n=1")
    result = await venue.cancel_order(BTC, order_id=order.id)
    assert (result.order_id, result.success) == (order.id, True)
    assert (await venue.fetch_order(BTC, order_id=order.id)).status is OrderStatus.CANCELED


@pytest.mark.parametrize("fault", ["timeout=1500ms", "500"])
async def test_placement_that_never_executed_surfaces_as_unknown_outcome(
    server: RunningServer, admin: Admin, fault: str
) -> None:
    admin.faults(f"v3_placeOrder:{fault}@n=1")
    venue = make_v3_venue(server, timeout=0.5)
    try:
        with pytest.raises(UnknownOrderOutcomeError) as caught:
            await venue.create_order(resting_buy("v3_never"))
    finally:
        await venue.close()
    assert caught.value.client_order_id == "v3_never"
    assert orders_with_client_id(server, "v3_never") == []
    assert admin.by_endpoint("v3_openOrders").get("200") == 3  # outcome_checks lookups, then it gives up


async def test_timed_out_get_is_retried(server: RunningServer, admin: Admin) -> None:
    admin.faults("v3_ticker24hr:timeout=1500ms@n=1")
    venue = make_v3_venue(server, timeout=0.5)
    try:
        ticker = await venue.fetch_ticker(BTC)
    finally:
        await venue.close()
    assert ticker.last == Decimal(100000)


async def test_429_on_a_get_backs_off_and_succeeds(server: RunningServer, admin: Admin) -> None:
    admin.faults("v3_ticker24hr:429@n=1")
    venue = make_v3_venue(server, backoff_base=0.2)
    try:
        started = time.monotonic()
        ticker = await venue.fetch_ticker(BTC)
        waited = time.monotonic() - started
    finally:
        await venue.close()
    assert ticker.last == Decimal(100000)
    assert admin.by_endpoint("v3_ticker24hr") == {"429": 1, "200": 1}
    assert waited >= 0.2


async def test_429_on_an_order_is_raised_not_retried(
    venue: WeexVenue, admin: Admin, server: RunningServer
) -> None:
    admin.faults("v3_placeOrder:429@n=1")
    with pytest.raises(RateLimitedError):
        await venue.create_order(resting_buy("v3_limited"))
    assert orders_with_client_id(server, "v3_limited") == []
    assert admin.by_endpoint("v3_placeOrder") == {"429": 1}


@pytest.mark.parametrize("skew", ["+40s", "-40s"])
async def test_clock_skew_is_detected_and_resynced(venue: WeexVenue, admin: Admin, skew: str) -> None:
    assert (await venue.fetch_balance()).total == 1000  # synced with no skew
    # the simulator's clock is simulated market time: the skew moves it from there
    baseline = venue.client.server_clock.offset_ms
    admin.faults(f"*:skew={skew}")
    assert (await venue.fetch_balance()).total == 1000
    assert admin.by_endpoint("v3_balance") == {"200": 2, "400": 1}  # one -1046, one resync, one retry
    offset = venue.client.server_clock.offset_ms - baseline
    assert abs(offset - (40_000 if skew == "+40s" else -40_000)) < 2_000
    assert (await venue.create_order(resting_buy("v3_after_skew"))).status is OrderStatus.OPEN


async def test_v3_codes_map_onto_the_error_hierarchy(venue: WeexVenue) -> None:
    with pytest.raises(OrderNotFoundError) as by_id:
        await venue.fetch_order(BTC, order_id="700000000000099999")
    assert by_id.value.code == "-3200"
    with pytest.raises(OrderNotFoundError):
        await venue.cancel_order(BTC, order_id="700000000000099999")
    with pytest.raises(OrderNotFoundError):
        await venue.cancel_trigger_order(BTC, "700000000000099999")
    with pytest.raises(InsufficientFundsError):
        await venue.create_order(market_buy("v3_too_big", Decimal("1")))
    await venue.create_order(market_buy("v3_small"))
    with pytest.raises(InvalidOrderError):
        await venue.create_order(
            OrderRequest(
                symbol=BTC, intent=OrderIntent.CLOSE_LONG, amount=2 * SIZE, order_type=OrderType.MARKET
            )
        )


@pytest.mark.parametrize(
    ("key", "secret", "passphrase", "code"),
    [
        (API_KEY, SECRET, "wrong", "-1049"),
        (API_KEY, "wrong", PASSPHRASE, "-1047"),
        ("nobody", SECRET, PASSPHRASE, "-1044"),
    ],
    ids=["passphrase", "secret", "key"],
)
async def test_bad_credentials_raise_authentication_error(
    server: RunningServer, admin: Admin, key: str, secret: str, passphrase: str, code: str
) -> None:
    venue = make_v3_venue(server, credentials=credentials(key, secret, passphrase))
    try:
        assert (await venue.fetch_ticker(BTC)).last > 0  # public endpoints need no credentials
        with pytest.raises(AuthenticationError) as caught:
            await venue.fetch_balance()
    finally:
        await venue.close()
    assert caught.value.code == code
    assert admin.by_endpoint("v3_balance") == {"400": 1}  # an auth failure is not retried
