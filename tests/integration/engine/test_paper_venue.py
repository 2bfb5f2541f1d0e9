"""`PaperVenue`: public prices from a real venue (here `WeexVenue` on the WEEX simulator over
loopback, no credentials), orders matched in process by the simulator core.

Prices are set at the public venue through the simulator's admin API; the paper account must
follow them (market fills at the public price, stops fire when it crosses them) while nothing
private, orders or AI logs, ever reaches the public venue.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
import pytest_asyncio

from alphaloop.engine.paper import PaperVenue
from alphaloop.model import (
    AiLog,
    LeverageLimitError,
    OrderIntent,
    OrderRequest,
    OrderStatus,
    OrderType,
    PositionSide,
)
from alphaloop.venues.sim.server import RunningServer
from alphaloop.venues.weex import WeexVenue
from alphaloop.venues.weex.constants import ENDPOINTS
from tests.kit.sim_server import API_KEY, live_sim, no_limits

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]

BTC = "BTC/USDT:USDT"
ETH = "ETH/USDT:USDT"
#: the simulator core's synthetic book is one tick wide around the last price
BTC_TICK = Decimal("0.1")
ETH_TICK = Decimal("0.01")
#: the venue's private endpoints: a paper venue must never call one
PRIVATE_ENDPOINTS = frozenset(e.name for e in ENDPOINTS if e.private)


class FrozenWall:
    """The paper venue's wall clock, moved by hand: price syncs are throttled on it."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


async def admin(server: RunningServer, method: str, action: str, body: dict[str, str] | None = None) -> Any:
    """The simulator's admin API (it runs on its own thread)."""
    async with httpx.AsyncClient(base_url=server.base_url, timeout=5) as client:
        response = await client.request(method, f"/__admin/{action}", json=body)
    assert response.status_code == 200, response.text
    return response.json()


async def set_public_price(server: RunningServer, symbol: str, price: str) -> None:
    await admin(server, "POST", "price", {"symbol": symbol, "price": price})


def market(
    symbol: str, intent: OrderIntent, amount: str, *, stop_loss_price: Decimal | None = None
) -> OrderRequest:
    return OrderRequest(
        symbol=symbol,
        intent=intent,
        amount=Decimal(amount),
        order_type=OrderType.MARKET,
        stop_loss_price=stop_loss_price,
    )


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with live_sim(rate_limits=no_limits()) as running:
        yield running


@pytest.fixture
def wall() -> FrozenWall:
    return FrozenWall()


@pytest_asyncio.fixture
async def paper(server: RunningServer, wall: FrozenWall) -> AsyncIterator[PaperVenue]:
    await admin(server, "POST", "reset")
    await set_public_price(server, "cmt_btcusdt", "100000")
    await set_public_price(server, "cmt_ethusdt", "4000")
    public = WeexVenue.create(server.base_url, None, timeout=5.0)
    venue = PaperVenue(public, [BTC, ETH], balance=Decimal(10_000), wall=wall)
    try:
        yield venue
    finally:
        await venue.close()


async def test_market_orders_fill_at_the_public_last_price(paper: PaperVenue, server: RunningServer) -> None:
    await paper.set_leverage(BTC, 5)
    await paper.set_leverage(ETH, 3)

    long_btc = await paper.create_order(market(BTC, OrderIntent.OPEN_LONG, "0.01"))
    short_eth = await paper.create_order(market(ETH, OrderIntent.OPEN_SHORT, "0.5"))

    assert long_btc.status is OrderStatus.FILLED
    assert long_btc.filled == Decimal("0.01")
    assert long_btc.average_price is not None
    assert short_eth.average_price is not None
    assert Decimal(100000) <= long_btc.average_price <= Decimal(100000) + BTC_TICK  # buys at the ask
    assert Decimal(4000) - ETH_TICK <= short_eth.average_price <= Decimal(4000)  # sells at the bid
    positions = {(p.symbol, p.side): p for p in await paper.fetch_positions()}
    assert positions[(BTC, PositionSide.LONG)].size == Decimal("0.01")
    assert positions[(BTC, PositionSide.LONG)].leverage == 5
    assert positions[(ETH, PositionSide.SHORT)].size == Decimal("0.5")
    assert positions[(ETH, PositionSide.SHORT)].leverage == 3

    # the next order follows the public price at once: create_order syncs it first
    await set_public_price(server, "cmt_btcusdt", "101000")
    more = await paper.create_order(market(BTC, OrderIntent.OPEN_LONG, "0.01"))
    assert more.average_price is not None
    assert Decimal(101000) <= more.average_price <= Decimal(101000) + BTC_TICK


async def test_leverage_is_set_on_the_paper_account_and_capped(paper: PaperVenue) -> None:
    await paper.set_leverage(BTC, 7)
    await paper.create_order(market(BTC, OrderIntent.OPEN_SHORT, "0.02"))

    (position,) = [p for p in await paper.fetch_positions([BTC]) if p.size > 0]
    assert position.side is PositionSide.SHORT
    assert position.leverage == 7
    balance = await paper.fetch_balance()
    # 0.02 BTC at 100000 and 7x holds about 2000 / 7 of margin
    assert abs(balance.used - Decimal(2000) / 7) < Decimal(2)
    with pytest.raises(LeverageLimitError):
        await paper.set_leverage(ETH, 21)  # above the competition's 20x


async def test_stop_loss_fires_when_the_public_price_crosses_it(
    paper: PaperVenue, server: RunningServer, wall: FrozenWall
) -> None:
    await paper.set_leverage(BTC, 5)
    await paper.create_order(market(BTC, OrderIntent.OPEN_LONG, "0.01"))
    stop = await paper.create_stop_loss(
        BTC,
        PositionSide.LONG,
        trigger_price=Decimal(98000),
        amount=Decimal("0.01"),
        client_order_id="paperstop1",
    )
    assert [t.id for t in await paper.fetch_trigger_orders(BTC)] == [stop.id]

    await set_public_price(server, "cmt_btcusdt", "97500")
    wall.now += 0.5  # within `sync_seconds`: the paper account has not looked at the price yet
    assert [p.size for p in await paper.fetch_positions([BTC]) if p.size > 0] == [Decimal("0.01")]

    await paper.sync_prices(force=True)

    assert [p for p in await paper.fetch_positions([BTC]) if p.size > 0] == []
    assert await paper.fetch_trigger_orders(BTC) == []
    trades = await paper.fetch_my_trades(BTC)
    close = trades[-1]
    assert close.side.value == "sell"
    # the public price passed through the stop on its way down: the core fills it around its level
    assert Decimal(98000) - BTC_TICK <= close.price <= Decimal(98000)
    # about 0.01 * 2000 lost, plus fees
    balance = await paper.fetch_balance()
    assert Decimal(9978) < balance.total < Decimal(9980)


async def test_prices_sync_by_themselves_once_sync_seconds_pass(
    paper: PaperVenue, server: RunningServer, wall: FrozenWall
) -> None:
    await paper.create_order(market(ETH, OrderIntent.OPEN_SHORT, "1"))
    await paper.create_stop_loss(ETH, PositionSide.SHORT, trigger_price=Decimal(4100), amount=Decimal(1))
    await set_public_price(server, "cmt_ethusdt", "4150")

    wall.now += paper.sync_seconds + 0.1
    positions = await paper.fetch_positions([ETH])

    assert [p for p in positions if p.size > 0] == []


async def test_ai_logs_and_orders_stay_local(paper: PaperVenue, server: RunningServer) -> None:
    await paper.set_leverage(BTC, 5)
    await paper.create_order(market(BTC, OrderIntent.OPEN_LONG, "0.01", stop_loss_price=Decimal(95000)))
    log = AiLog(
        stage="Decision Making",
        model="paper-test",
        input={"symbol": BTC},
        output={"action": "open_long"},
        explanation="paper trading keeps this log on the machine",
    )

    await paper.upload_ai_log(log)

    assert paper.sim.ai_logs == [log]
    assert server.sim.ai_logs == []
    requests = (await admin(server, "GET", "state"))["requests"]["by_endpoint"]
    assert requests, "the public prices came from the venue"
    assert not set(requests) & PRIVATE_ENDPOINTS, requests
    assert server.sim.exchange.orders(API_KEY) == []
