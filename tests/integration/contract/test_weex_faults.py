"""Failure paths end to end: lost answers resolved by client id, timeouts, 429 back-off, clock skew,
and venue error codes mapped onto alphaloop's error hierarchy (model/errors.py)."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from alphaloop.model import (
    AuthenticationError,
    InvalidOrderError,
    LeverageLimitError,
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
from tests.integration.contract.conftest import BTC, Admin, credentials, make_client, make_venue
from tests.kit.sim_server import API_KEY, PASSPHRASE, SECRET

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]

SIZE = Decimal("0.01")


def orders_with_client_id(server: RunningServer, client_oid: str) -> list[str]:
    """Ids of the simulator's orders (open or finished) carrying `client_oid`."""
    return [o.id for o in server.sim.exchange.orders(API_KEY) if o.client_order_id == client_oid]


def resting_buy(client_oid: str, price: str = "95000") -> OrderRequest:
    return OrderRequest(
        symbol=BTC,
        intent=OrderIntent.OPEN_LONG,
        amount=SIZE,
        price=Decimal(price),
        client_order_id=client_oid,
    )


def market_buy(client_oid: str) -> OrderRequest:
    return OrderRequest(
        symbol=BTC,
        intent=OrderIntent.OPEN_LONG,
        amount=SIZE,
        order_type=OrderType.MARKET,
        client_order_id=client_oid,
    )


# ------------------------------------------------------------------ unknown outcome


@pytest.mark.parametrize(
    ("request_", "status"),
    [(resting_buy("lost_rest"), OrderStatus.OPEN), (market_buy("lost_market"), OrderStatus.FILLED)],
    ids=["resting-limit", "filled-market"],
)
async def test_dropped_answer_is_resolved_by_client_id_without_a_duplicate(
    venue: WeexVenue, admin: Admin, server: RunningServer, request_: OrderRequest, status: OrderStatus
) -> None:
    admin.faults("placeOrder:drop@n=1")
    order = await venue.create_order(request_)
    assert request_.client_order_id is not None
    assert (order.client_order_id, order.status, order.amount) == (request_.client_order_id, status, SIZE)
    assert orders_with_client_id(server, request_.client_order_id) == [order.id]
    assert admin.by_endpoint("placeOrder") == {"200": 1}  # executed once, never re-sent
    assert admin.state()["faults"]["fired"] == {"placeOrder:drop@n=1": 1}


async def test_dropped_trigger_and_tpsl_answers_are_resolved_by_client_id(
    venue: WeexVenue, admin: Admin, server: RunningServer
) -> None:
    await venue.create_order(market_buy("pos"))
    admin.faults("plan_order:drop@n=1; placeTpSlOrder:drop@n=1")
    plan = await venue.create_trigger_order(
        symbol=BTC,
        intent=OrderIntent.OPEN_LONG,
        amount=SIZE,
        trigger_price=Decimal(90000),
        client_order_id="lost_plan",
    )
    tpsl = await venue.create_tpsl_order(
        symbol=BTC,
        position_side=PositionSide.LONG,
        kind="stop_loss",
        trigger_price=Decimal(95000),
        amount=SIZE,
        client_order_id="lost_sl",
    )
    assert (plan.client_order_id, plan.status) == ("lost_plan", OrderStatus.UNTRIGGERED)
    assert (tpsl.client_order_id, tpsl.status) == ("lost_sl", OrderStatus.UNTRIGGERED)
    # found again in currentPlan, they keep the kind they were placed as
    assert (plan.trigger_kind, plan.trigger_price) == (TriggerKind.PLAN, Decimal(90000))
    assert (tpsl.trigger_kind, tpsl.trigger_price) == (TriggerKind.STOP_LOSS, Decimal(95000))
    triggers = server.sim.exchange.trigger_orders(API_KEY)
    assert sorted(t.client_order_id or "" for t in triggers) == ["lost_plan", "lost_sl"]
    assert {t.id for t in triggers} == {plan.id, tpsl.id}


async def test_dropped_cancel_answer_is_confirmed_by_reading_the_order(
    venue: WeexVenue, admin: Admin
) -> None:
    order = await venue.create_order(resting_buy("to_cancel"))
    admin.faults("cancel_order:drop@n=1")
    result = await venue.cancel_order(BTC, order_id=order.id)
    assert (result.order_id, result.success) == (order.id, True)
    assert (await venue.fetch_order(BTC, order_id=order.id)).status is OrderStatus.CANCELED


@pytest.mark.parametrize("fault", ["timeout=1500ms", "500", "503"])
async def test_placement_that_never_executed_surfaces_as_unknown_outcome(
    server: RunningServer, admin: Admin, fault: str
) -> None:
    """Timeout / 5xx after sending: the client cannot know, looks the order up by client id, finds
    nothing, and raises `UnknownOrderOutcomeError` with the client id for reconciliation."""
    admin.faults(f"placeOrder:{fault}@n=1")
    venue = make_venue(server, timeout=0.5)
    try:
        with pytest.raises(UnknownOrderOutcomeError) as caught:
            await venue.create_order(resting_buy("never_placed"))
    finally:
        await venue.close()
    assert caught.value.client_order_id == "never_placed"
    assert orders_with_client_id(server, "never_placed") == []
    assert admin.by_endpoint("current").get("200") == 3  # outcome_checks lookups, then it gives up


async def test_timed_out_get_is_retried(server: RunningServer, admin: Admin) -> None:
    admin.faults("ticker:timeout=1500ms@n=1")
    venue = make_venue(server, timeout=0.5)
    try:
        ticker = await venue.fetch_ticker(BTC)
    finally:
        await venue.close()
    assert ticker.last == Decimal(100000)


# ------------------------------------------------------------------ rate limits and clock


async def test_429_on_a_get_backs_off_and_succeeds(server: RunningServer, admin: Admin) -> None:
    admin.faults("ticker:429@n=1")
    venue = make_venue(server, backoff_base=0.2)
    try:
        started = time.monotonic()
        ticker = await venue.fetch_ticker(BTC)
        waited = time.monotonic() - started
    finally:
        await venue.close()
    assert ticker.last == Decimal(100000)
    assert admin.by_endpoint("ticker") == {"429": 1, "200": 1}
    assert waited >= 0.2  # no Retry-After: the client paused for its own first backoff step


async def test_429_on_an_order_is_raised_not_retried(
    venue: WeexVenue, admin: Admin, server: RunningServer
) -> None:
    admin.faults("placeOrder:429@n=1")
    with pytest.raises(RateLimitedError):
        await venue.create_order(resting_buy("limited"))
    assert orders_with_client_id(server, "limited") == []
    assert admin.by_endpoint("placeOrder") == {"429": 1}


@pytest.mark.parametrize("skew", ["+40s", "-40s"])
async def test_clock_skew_is_detected_and_resynced(venue: WeexVenue, admin: Admin, skew: str) -> None:
    assert (await venue.fetch_balance()).total == 1000  # synced with no skew
    # the simulator's clock is simulated market time: the skew moves it from there
    baseline = venue.client.server_clock.offset_ms
    admin.faults(f"*:skew={skew}")
    assert (await venue.fetch_balance()).total == 1000
    assert admin.by_endpoint("assets") == {"200": 2, "400": 1}  # one 40008, one resync, one retry
    offset = venue.client.server_clock.offset_ms - baseline
    assert abs(offset - (40_000 if skew == "+40s" else -40_000)) < 2_000
    order = await venue.create_order(resting_buy("after_skew"))
    assert order.status is OrderStatus.OPEN


async def test_a_fresh_client_syncs_before_its_first_signed_request(
    server: RunningServer, admin: Admin
) -> None:
    admin.faults("*:skew=+40s")
    async with make_client(server) as client:
        (usdt,) = await client.get_account_assets()
    assert usdt.equity == 1000
    assert admin.by_endpoint("assets") == {"200": 1}


# ------------------------------------------------------------------ error mapping


async def test_unknown_order_ids_raise_order_not_found(venue: WeexVenue) -> None:
    with pytest.raises(OrderNotFoundError) as by_id:
        await venue.fetch_order(BTC, order_id="700000000000099999")
    assert by_id.value.code == "50005"
    with pytest.raises(OrderNotFoundError):
        await venue.fetch_order(BTC, client_order_id="nobody")
    with pytest.raises(OrderNotFoundError):
        await venue.cancel_order(BTC, order_id="700000000000099999")
    with pytest.raises(OrderNotFoundError):
        await venue.cancel_trigger_order(BTC, "700000000000099999")


async def test_closing_more_than_the_position_is_an_invalid_order(
    venue: WeexVenue, server: RunningServer
) -> None:
    await venue.create_order(market_buy("small_long"))
    with pytest.raises(InvalidOrderError) as caught:
        await venue.create_order(
            OrderRequest(
                symbol=BTC, intent=OrderIntent.CLOSE_LONG, amount=2 * SIZE, order_type=OrderType.MARKET
            )
        )
    assert caught.value.code == "40020"
    (position,) = await venue.fetch_positions()
    assert position.size == SIZE


async def test_leverage_above_the_venue_cap_maps_to_leverage_limit(
    server: RunningServer, admin: Admin
) -> None:
    async with make_client(server) as client:
        with pytest.raises(LeverageLimitError) as caught:
            await client.post_account_leverage("cmt_btcusdt", 1, 25, 25)
    assert caught.value.code == "50007"


@pytest.mark.parametrize(
    ("key", "secret", "passphrase", "code"),
    [
        (API_KEY, SECRET, "wrong-passphrase", "40012"),
        (API_KEY, "wrong-secret", PASSPHRASE, "40009"),
        ("weex_unknown", SECRET, PASSPHRASE, "40006"),
    ],
    ids=["passphrase", "secret", "key"],
)
async def test_bad_credentials_raise_authentication_error(
    server: RunningServer, admin: Admin, key: str, secret: str, passphrase: str, code: str
) -> None:
    venue = make_venue(server, credentials=credentials(key, secret, passphrase))
    try:
        assert (await venue.fetch_ticker(BTC)).last > 0  # public endpoints need no credentials
        with pytest.raises(AuthenticationError) as caught:
            await venue.fetch_balance()
    finally:
        await venue.close()
    assert caught.value.code == code
    assert admin.by_endpoint("assets") == {"400": 1}  # an auth failure is not retried
