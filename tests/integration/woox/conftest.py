"""WOO X contract tests: alphaloop's WOO X client against the simulator's WOO X dialect over a real
loopback socket. One uvicorn server per module; every test starts from `POST /__admin/reset` and
gets its own `WooxVenue` over a new connection pool. Server-side rate limits are off (the client
meters itself); tests that need them start their own server."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from typing import Any

import pytest
import pytest_asyncio

from alphaloop.venues.sim.server import RunningServer
from alphaloop.venues.woox import WooxHttpClient, WooxVenue
from tests.kit.sim_server import no_limits
from tests.kit.woox_sim import Admin, credentials, live_woox_sim

#: Every test feeds this BTC price first, so fills, fees and PnL are exact numbers.
BTC_PRICE = Decimal("100000")
BTC = "BTC/USDT:USDT"


def make_client(server: RunningServer, **options: Any) -> WooxHttpClient:
    """A raw client on the server; short backoffs keep fault tests fast."""
    values: dict[str, Any] = {"timeout": 5.0, "backoff_base": 0.05, "backoff_cap": 0.2}
    values.update(options)
    creds = values.pop("credentials", credentials())
    return WooxHttpClient(server.base_url, creds, **values)


def make_venue(
    server: RunningServer, venue_options: dict[str, Any] | None = None, **client_options: Any
) -> WooxVenue:
    return WooxVenue(
        make_client(server, **client_options), outcome_check_interval=0.05, **(venue_options or {})
    )


@pytest.fixture(autouse=True)
def _collect_garbage() -> Iterator[None]:
    """A client or socket a test leaves open is reported at garbage collection, which otherwise
    happens in whatever test runs next (once: tests/unit/backtest/test_report.py, under load):
    collect after each test here, so a leak fails the WOO X test that caused it."""
    yield
    gc.collect()


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with live_woox_sim(rate_limits=no_limits(), tpsl_lag_ms=0) as running:
        yield running


@pytest.fixture
def admin(server: RunningServer) -> Admin:
    """The shared server, reset before each test and fed BTC at `BTC_PRICE`."""
    control = Admin(server.base_url)
    control.reset()
    control.price(BTC_PRICE)
    return control


@pytest_asyncio.fixture
async def venue(server: RunningServer, admin: Admin) -> AsyncIterator[WooxVenue]:
    domain = make_venue(server)
    try:
        yield domain
    finally:
        await domain.close()
