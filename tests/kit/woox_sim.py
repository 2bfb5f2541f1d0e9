"""Helpers for tests against the simulator's WOO X dialect: config, signed headers, a live server,
the admin API, and credentials for the WOO X client.

`live_woox_sim(...)` serves `alphaloop sim serve --dialect woox`'s app with uvicorn on a free loopback
port in a background thread and always stops it; `woox_app()` builds the app for in-process tests.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import httpx
from pydantic import SecretStr

from alphaloop.config import WooxCredentials
from alphaloop.venues.sim.feed import MarketData
from alphaloop.venues.sim.server import ApiAccount, RunningServer, ServerConfig, Simulator, run_in_thread
from alphaloop.venues.sim.server.app import create_app
from alphaloop.venues.sim.server.woox.app import WooxSimulatorApp
from alphaloop.venues.sim.server.woox.instruments import woox_instruments
from alphaloop.venues.woox.signing import sign
from tests.kit.data import data_dir

API_KEY = "woox_0123456789abcdef"
SECRET = "woox_test_secret_0123456789"
SECOND_KEY = "woox_fedcba9876543210"
SECOND_SECRET = "woox_second_secret_98765"
#: 2025-09-01T00:00:00Z, inside the shared data (which ends 2025-09-30).
START_MS = 1_756_684_800_000

_MARKET_DATA: dict[str, MarketData] = {}


def account(api_key: str = API_KEY, secret: str = SECRET, **extra: Any) -> ApiAccount:
    return ApiAccount(api_key=api_key, secret_key=SecretStr(secret), passphrase=SecretStr(""), **extra)


def credentials(api_key: str = API_KEY, secret: str = SECRET) -> WooxCredentials:
    return WooxCredentials(api_key=SecretStr(api_key), api_secret=SecretStr(secret))


def woox_config(*, accounts: tuple[ApiAccount, ...] | None = None, **overrides: Any) -> ServerConfig:
    """Two accounts, frozen market time at START_MS, admin on, WOO X dialect."""
    values: dict[str, Any] = {
        "accounts": accounts or (account(), account(SECOND_KEY, SECOND_SECRET)),
        "data_dir": data_dir(),
        "start_ms": START_MS,
        "speed": 0.0,
        "admin": True,
        "dialect": "woox",
    }
    values.update(overrides)
    return ServerConfig(**values)


def woox_app(
    config: ServerConfig | None = None, *, wall: Callable[[], float] = time.time, **overrides: Any
) -> WooxSimulatorApp:
    """The app in process, with an injectable server wall clock; candles are loaded once per session
    (read-only, so sharing is safe)."""
    config = config or woox_config(**overrides)
    data = _MARKET_DATA.get(config.timeframe)
    if data is None:
        data = _MARKET_DATA[config.timeframe] = MarketData(
            data_dir(), list(woox_instruments()), config.timeframe
        )
    app = create_app(config, sim=Simulator(config, wall=wall, data=data))
    assert isinstance(app, WooxSimulatorApp)
    return app


def signed_headers(
    method: str,
    path: str,
    query: str = "",
    body: str = "",
    *,
    api_key: str = API_KEY,
    secret: str = SECRET,
    timestamp: str | None = None,
) -> dict[str, str]:
    ts = timestamp or str(int(time.time() * 1000))
    headers = {
        "x-api-key": api_key,
        "x-api-timestamp": ts,
        "x-api-signature": sign(secret, ts, method, path, query, body),
    }
    if body:
        headers["Content-Type"] = "application/json"
    return headers


async def signed(
    client: httpx.AsyncClient, method: str, path: str, payload: Any = None, query: str = "", **auth: Any
) -> httpx.Response:
    """One signed request; `payload` (dict or raw text) becomes the JSON body of POST/PUT."""
    body = "" if payload is None else payload if isinstance(payload, str) else json.dumps(payload)
    url = f"{path}?{query}" if query else path
    headers = signed_headers(method, path, query, body, **auth)
    return await client.request(method, url, content=body.encode(), headers=headers)


def asgi_client(app: WooxSimulatorApp) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://woox.sim.test")


@contextmanager
def live_woox_sim(config: ServerConfig | None = None, **overrides: Any) -> Iterator[RunningServer]:
    """uvicorn on 127.0.0.1:<free port> in a thread; stopped on exit even if the test fails."""
    server = run_in_thread(config or woox_config(**overrides))
    try:
        yield server
    finally:
        server.stop()


class Admin:
    """The simulator's `/__admin/` API, called synchronously (the server runs on its own thread)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def call(self, method: str, action: str, body: dict[str, Any] | None = None) -> Any:
        response = httpx.request(method, f"{self.base_url}/__admin/{action}", json=body, timeout=5.0)
        assert response.status_code == 200, response.text
        return response.json()

    def reset(self) -> None:
        self.call("POST", "reset")

    def price(self, price: Decimal | str, symbol: str = "PERP_BTC_USDT") -> None:
        self.call("POST", "price", {"symbol": symbol, "price": str(price)})

    def faults(self, spec: str) -> None:
        self.call("POST", "faults", {"spec": spec})

    def advance(self, ms: int) -> None:
        self.call("POST", "advance", {"ms": ms})

    def state(self) -> dict[str, Any]:
        result: dict[str, Any] = self.call("GET", "state")
        return result

    def by_endpoint(self, name: str) -> dict[str, int]:
        counts: dict[str, int] = self.state()["requests"]["by_endpoint"].get(name, {})
        return counts
