"""The WOO X client under injected faults, over a real socket: lost answers resolved by client id
and never re-sent, a skewed server clock, rate limiting and gateway errors."""

from __future__ import annotations

from decimal import Decimal

import pytest

from alphaloop.model import OrderIntent, OrderRequest, OrderStatus, OrderType, UnknownOrderOutcomeError
from alphaloop.venues.woox import WooxVenue
from tests.integration.woox.conftest import BTC
from tests.kit.woox_sim import Admin

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]

SIZE = Decimal("0.01")


def market_buy(client_order_id: str) -> OrderRequest:
    return OrderRequest(BTC, OrderIntent.OPEN_LONG, SIZE, OrderType.MARKET, client_order_id=client_order_id)


async def test_a_dropped_answer_after_execution_is_resolved_by_client_id(
    venue: WooxVenue, admin: Admin
) -> None:
    await venue.fetch_positions()  # warm up: the clock sync and position mode come first
    admin.faults("placeOrder:drop@n=1")
    order = await venue.create_order(market_buy("lost-but-filled"))
    assert (order.status, order.filled, order.client_order_id) == (
        OrderStatus.FILLED,
        SIZE,
        "lost-but-filled",
    )
    assert admin.by_endpoint("placeOrder") == {"200": 1}  # executed once, never re-sent
    assert len(await venue.fetch_positions()) == 1


async def test_a_5xx_before_execution_stays_unknown_after_bounded_checks(
    venue: WooxVenue, admin: Admin
) -> None:
    admin.faults("placeOrder:500@n=1")
    with pytest.raises(UnknownOrderOutcomeError) as caught:
        await venue.create_order(market_buy("never-placed"))
    assert caught.value.client_order_id == "never-placed"
    assert admin.by_endpoint("placeOrder") == {"500": 1}
    assert admin.by_endpoint("getOrder") == {"400": 3}  # three lookups by client id, all "not found"
    assert await venue.fetch_positions() == []


async def test_a_lost_cancel_is_confirmed_by_reading_the_order(venue: WooxVenue, admin: Admin) -> None:
    resting = await venue.create_order(
        OrderRequest(BTC, OrderIntent.OPEN_LONG, SIZE, price=Decimal(90000), client_order_id="to-cancel")
    )
    admin.faults("cancelOrder:drop@n=1")
    result = await venue.cancel_order(BTC, order_id=resting.id)
    assert (result.success, result.message) == (True, "confirmed after a lost answer")
    assert (await venue.fetch_order(BTC, order_id=resting.id)).status is OrderStatus.CANCELED


async def test_a_skewed_server_clock_is_resynced_once(venue: WooxVenue, admin: Admin) -> None:
    await venue.fetch_balance()  # synced against the honest clock
    admin.faults("*:skew=+400s")  # now our timestamps are 400 s behind: outside the 300 s window
    assert (await venue.fetch_balance()).total == Decimal(1000)
    assert admin.by_endpoint("balances") == {"200": 2, "401": 1}


async def test_rate_limit_and_gateway_errors_on_reads_are_retried(venue: WooxVenue, admin: Admin) -> None:
    admin.faults("balances:429@n=1; futures:503@n=1")
    assert (await venue.fetch_balance()).total == Decimal(1000)
    assert (await venue.fetch_ticker(BTC)).last == Decimal(100000)
    assert admin.by_endpoint("balances") == {"429": 1, "200": 1}
    assert admin.by_endpoint("futures") == {"503": 1, "200": 1}
