"""Helpers for tests against the simulator's WEEX contract v3 dialect: config, a live loopback
server, the admin API and a ccxt `weex` instance pointed at it.

`live_v3_sim(...)` serves `alphaloop sim serve --dialect weex-v3`'s app with uvicorn on a free
loopback port in a background thread and always stops it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import httpx

from alphaloop.venues.sim.server import RunningServer, ServerConfig, run_in_thread
from tests.kit.sim_server import API_KEY, PASSPHRASE, SECRET, account, sim_config

__all__ = ["API_KEY", "PASSPHRASE", "SECRET", "V3Admin", "live_v3_sim", "v3_config"]


def v3_config(**overrides: Any) -> ServerConfig:
    """The WEEX test config (two accounts, frozen time at START_MS, admin on) speaking v3."""
    values: dict[str, Any] = {"dialect": "weex-v3", "accounts": (account(),)}
    values.update(overrides)
    return sim_config(**values)


@contextmanager
def live_v3_sim(**overrides: Any) -> Iterator[RunningServer]:
    server = run_in_thread(v3_config(**overrides))
    try:
        yield server
    finally:
        server.stop()


class V3Admin:
    """The simulator's `/__admin/` API, called synchronously (the server runs on its own thread)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def call(self, method: str, action: str, body: dict[str, Any] | None = None) -> Any:
        response = httpx.request(method, f"{self.base_url}/__admin/{action}", json=body, timeout=5.0)
        assert response.status_code == 200, response.text
        return response.json()

    def reset(self) -> None:
        self.call("POST", "reset")

    def price(self, price: Decimal | str, symbol: str = "cmt_btcusdt") -> None:
        self.call("POST", "price", {"symbol": symbol, "price": str(price)})

    def faults(self, spec: str) -> None:
        self.call("POST", "faults", {"spec": spec})

    def state(self) -> dict[str, Any]:
        result: dict[str, Any] = self.call("GET", "state")
        return result
