"""Contract tests: alphaloop's WEEX client against the simulator server over a real loopback socket.

One uvicorn server per module (start-up costs ~0.5 s); every test starts from `POST /__admin/reset`
(fresh accounts, orders, market and faults) and gets its own `WeexVenue` over a new connection pool,
so tests stay independent. Server-side rate limits are off (the client meters itself); the fault
tests switch them on through faults where they need a 429.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
import pytest_asyncio
from pydantic import SecretStr

from alphaloop.config import WeexCredentials
from alphaloop.venues.sim.server import RunningServer
from alphaloop.venues.weex import WeexHttpClient, WeexVenue
from tests.kit.sim_server import API_KEY, PASSPHRASE, SECRET, live_sim, no_limits

#: Every test feeds this BTC price first, so fills, fees and PnL are exact numbers.
BTC_PRICE = Decimal("100000")
BTC = "BTC/USDT:USDT"


class Admin:
    """The simulator's `/__admin/` API, called synchronously (the server runs on its own thread)."""

    def __init__(self, server: RunningServer) -> None:
        self.server = server

    def call(self, method: str, action: str, body: dict[str, Any] | None = None) -> Any:
        response = httpx.request(method, f"{self.server.base_url}/__admin/{action}", json=body, timeout=5.0)
        assert response.status_code == 200, response.text
        return response.json()

    def reset(self) -> None:
        self.call("POST", "reset")

    def price(self, price: Decimal | str, symbol: str = "cmt_btcusdt") -> None:
        self.call("POST", "price", {"symbol": symbol, "price": str(price)})

    def faults(self, spec: str) -> None:
        self.call("POST", "faults", {"spec": spec})

    def advance(self, ms: int) -> None:
        self.call("POST", "advance", {"ms": ms})

    def state(self) -> dict[str, Any]:
        result: dict[str, Any] = self.call("GET", "state")
        return result

    def requests_total(self) -> int:
        return int(self.state()["requests"]["total"])

    def by_endpoint(self, name: str) -> dict[str, int]:
        counts: dict[str, int] = self.state()["requests"]["by_endpoint"].get(name, {})
        return counts


def credentials(
    api_key: str = API_KEY, secret: str = SECRET, passphrase: str = PASSPHRASE
) -> WeexCredentials:
    return WeexCredentials(
        api_key=SecretStr(api_key), secret_key=SecretStr(secret), passphrase=SecretStr(passphrase)
    )


def make_client(server: RunningServer, **options: Any) -> WeexHttpClient:
    """A raw client on the server; short backoffs keep fault tests fast."""
    values: dict[str, Any] = {"timeout": 5.0, "backoff_base": 0.05, "backoff_cap": 0.2}
    values.update(options)
    creds = values.pop("credentials", credentials())
    return WeexHttpClient(server.base_url, creds, **values)


def make_venue(server: RunningServer, **client_options: Any) -> WeexVenue:
    return WeexVenue(make_client(server, **client_options), outcome_check_interval=0.05)


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with live_sim(rate_limits=no_limits(), tpsl_lag_ms=0) as running:
        yield running


@pytest.fixture
def admin(server: RunningServer) -> Admin:
    """The shared server, reset before each test and fed BTC at `BTC_PRICE`."""
    control = Admin(server)
    control.reset()
    control.price(BTC_PRICE)
    return control


@pytest_asyncio.fixture
async def client(server: RunningServer, admin: Admin) -> AsyncIterator[WeexHttpClient]:
    async with make_client(server) as raw:
        yield raw


@pytest_asyncio.fixture
async def venue(server: RunningServer, admin: Admin) -> AsyncIterator[WeexVenue]:
    domain = make_venue(server)
    try:
        yield domain
    finally:
        await domain.close()
