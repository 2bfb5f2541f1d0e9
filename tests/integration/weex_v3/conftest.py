"""Contract tests of the WEEX contract API v3 client: `WeexVenue` over `WeexV3Client` against the
simulator's `weex-v3` dialect over a real loopback socket. One server per module; every test starts
from an admin reset with BTC at 100000 and gets its own venue over a new connection pool."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from typing import Any

import pytest
import pytest_asyncio

from alphaloop.venues.sim.server import RunningServer
from alphaloop.venues.weex import WeexVenue
from alphaloop.venues.weex.venue_core import WeexClient, make_client
from tests.integration.contract.conftest import credentials
from tests.kit.sim_server import no_limits
from tests.kit.weex_v3_sim import V3Admin, live_v3_sim

BTC_PRICE = Decimal("100000")
BTC = "BTC/USDT:USDT"


class Admin(V3Admin):
    def by_endpoint(self, name: str) -> dict[str, int]:
        counts: dict[str, int] = self.state()["requests"]["by_endpoint"].get(name, {})
        return counts


def make_v3_client(server: RunningServer, **options: Any) -> WeexClient:
    """The v3 client on the server; short backoffs keep fault tests fast."""
    values: dict[str, Any] = {"timeout": 5.0, "backoff_base": 0.05, "backoff_cap": 0.2}
    values.update(options)
    creds = values.pop("credentials", credentials())
    return make_client("v3", server.base_url, creds, **values)


def make_v3_venue(server: RunningServer, **client_options: Any) -> WeexVenue:
    return WeexVenue(make_v3_client(server, **client_options), outcome_check_interval=0.05)


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with live_v3_sim(rate_limits=no_limits(), tpsl_lag_ms=0) as running:
        yield running


@pytest.fixture
def admin(server: RunningServer) -> Admin:
    control = Admin(server.base_url)
    control.reset()
    control.price(BTC_PRICE)
    return control


@pytest_asyncio.fixture
async def venue(server: RunningServer, admin: Admin) -> AsyncIterator[WeexVenue]:
    domain = make_v3_venue(server)
    try:
        yield domain
    finally:
        await domain.close()
