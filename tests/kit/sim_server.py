"""Helpers for tests of the simulator's WEEX HTTP server: config, signed headers, a live server.

`live_sim(...)` starts `alphaloop sim serve`'s app with uvicorn on a free loopback port in a
background thread and always stops it; `asgi_client(app)` talks to the app in process.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

import httpx
from pydantic import SecretStr

from alphaloop.venues.sim.feed import MarketData
from alphaloop.venues.sim.server import (
    ApiAccount,
    RateLimitConfig,
    RunningServer,
    ServerConfig,
    Simulator,
    SimulatorApp,
    run_in_thread,
)
from alphaloop.venues.sim.server.contracts import default_instruments
from alphaloop.venues.weex.signing import sign
from tests.kit.data import data_dir

API_KEY = "weex_0123456789abcdef0123456789abcdef"
SECRET = "weex_test_secret_0123456789"
PASSPHRASE = "sim-passphrase"
SECOND_KEY = "weex_fedcba9876543210fedcba9876543210"
SECOND_SECRET = "second-secret"
SECOND_PASSPHRASE = "second-passphrase"
#: 2025-09-01T00:00:00Z, inside the shared data (which ends 2025-09-30).
START_MS = 1_756_684_800_000


def account(
    api_key: str = API_KEY, secret: str = SECRET, passphrase: str = PASSPHRASE, **extra: Any
) -> ApiAccount:
    return ApiAccount(
        api_key=api_key, secret_key=SecretStr(secret), passphrase=SecretStr(passphrase), **extra
    )


def sim_config(*, accounts: tuple[ApiAccount, ...] | None = None, **overrides: Any) -> ServerConfig:
    """A test config: two accounts, frozen market time at START_MS, admin on, default limits."""
    values: dict[str, Any] = {
        "accounts": accounts or (account(), account(SECOND_KEY, SECOND_SECRET, SECOND_PASSPHRASE)),
        "data_dir": data_dir(),
        "start_ms": START_MS,
        "speed": 0.0,
        "admin": True,
    }
    values.update(overrides)
    return ServerConfig(**values)


def no_limits() -> RateLimitConfig:
    return RateLimitConfig(enabled=False)


@cache
def shared_market_data(timeframe: str = "1h") -> MarketData:
    """Candles loaded once per test session (read-only after loading, so sharing is safe)."""
    return MarketData(data_dir(), list(default_instruments()), timeframe)


def make_app(config: ServerConfig | None = None, **overrides: Any) -> SimulatorApp:
    config = config or sim_config(**overrides)
    return SimulatorApp(Simulator(config, data=shared_market_data(config.timeframe)))


def signed_headers(
    method: str,
    path: str,
    query: str = "",
    body: str = "",
    *,
    api_key: str = API_KEY,
    secret: str = SECRET,
    passphrase: str = PASSPHRASE,
    timestamp: str | None = None,
) -> dict[str, str]:
    ts = timestamp or str(int(time.time() * 1000))
    return {
        "ACCESS-KEY": api_key,
        "ACCESS-SIGN": sign(secret, ts, method, path, query, body),
        "ACCESS-TIMESTAMP": ts,
        "ACCESS-PASSPHRASE": passphrase,
        "Content-Type": "application/json",
    }


def asgi_client(app: SimulatorApp) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sim.test")


async def private_get(client: httpx.AsyncClient, path: str, query: str = "", **auth: Any) -> httpx.Response:
    url = f"{path}?{query}" if query else path
    return await client.get(url, headers=signed_headers("GET", path, query, **auth))


async def private_post(client: httpx.AsyncClient, path: str, payload: Any, **auth: Any) -> httpx.Response:
    body = payload if isinstance(payload, str) else json.dumps(payload)
    return await client.post(
        path, content=body.encode(), headers=signed_headers("POST", path, "", body, **auth)
    )


@contextmanager
def live_sim(config: ServerConfig | None = None, **overrides: Any) -> Iterator[RunningServer]:
    """uvicorn on 127.0.0.1:<free port> in a thread; stopped on exit even if the test fails."""
    server = run_in_thread(config or sim_config(**overrides))
    try:
        yield server
    finally:
        server.stop()
