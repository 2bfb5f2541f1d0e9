"""The in-process `SimVenue` (backtests) and the HTTP simulator (paper, rehearsal) give identical
results for the same orders and prices: same fills, fees, PnL, positions and balance."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from alphaloop.model import OrderIntent, OrderRequest, OrderType, Position, Trade
from alphaloop.venues.base import Venue
from alphaloop.venues.sim.core import Exchange, ExchangeConfig
from alphaloop.venues.sim.server import RunningServer
from alphaloop.venues.sim.venue import SimVenue
from tests.integration.contract.conftest import BTC, BTC_PRICE, Admin, make_venue

PriceFeed = Callable[[Decimal], None]


async def scenario(venue: Venue, feed: PriceFeed) -> tuple[list[tuple[object, ...]], object, object]:
    """Leverage, a market open, a resting close that fills when price trades through, a short."""
    await venue.set_leverage(BTC, 10)
    await venue.create_order(OrderRequest(BTC, OrderIntent.OPEN_LONG, Decimal("0.01"), OrderType.MARKET))
    await venue.create_order(
        OrderRequest(BTC, OrderIntent.CLOSE_LONG, Decimal("0.004"), OrderType.LIMIT, price=Decimal("101000"))
    )
    feed(Decimal("101500"))
    await venue.create_order(OrderRequest(BTC, OrderIntent.OPEN_SHORT, Decimal("0.02"), OrderType.MARKET))
    feed(Decimal("99000"))
    await venue.create_order(OrderRequest(BTC, OrderIntent.CLOSE_SHORT, Decimal("0.02"), OrderType.MARKET))
    trades: list[Trade] = await venue.fetch_my_trades(BTC)
    fills = sorted((t.side, t.position_side, t.amount, t.price, t.fee, t.realized_pnl) for t in trades)
    balance = await venue.fetch_balance()
    positions: list[Position] = await venue.fetch_positions([BTC])
    shape = sorted((p.side, p.size, p.entry_price, p.leverage) for p in positions)
    return fills, (balance.total, balance.free), shape


@pytest.mark.asyncio
async def test_in_process_venue_matches_the_http_simulator(server: RunningServer, admin: Admin) -> None:
    over_http = make_venue(server)
    try:
        http_result = await scenario(over_http, lambda price: admin.price(price))
    finally:
        await over_http.close()

    now = [server.sim.clock.now_ms()]
    exchange = Exchange(server.sim.instruments, ExchangeConfig(tpsl_registration_delay_ms=0))
    exchange.open_account("parity", Decimal("1000"), now_ms=now[0])
    exchange.update_price(BTC, BTC_PRICE, now_ms=now[0])

    def feed(price: Decimal) -> None:
        now[0] += 1000
        exchange.update_price(BTC, price, now_ms=now[0])

    in_process = SimVenue(exchange, "parity", clock=lambda: now[0])
    local_result = await scenario(in_process, feed)

    fills, balance, positions = local_result
    assert len(fills) == 4  # open long, resting close filled through, open short, close short
    assert positions
    assert positions[0][1] == Decimal("0.006")
    assert balance != (Decimal("1000"), Decimal("1000"))
    assert http_result == local_result
