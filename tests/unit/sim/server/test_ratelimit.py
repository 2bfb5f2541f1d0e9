"""Server-side rate limits of spec section 3 with an injected clock (no sleeping)."""

from __future__ import annotations

import pytest

from alphaloop.venues.sim.server import RateLimitConfig
from alphaloop.venues.sim.server.ratelimit import ServerRateLimiter
from alphaloop.venues.weex.constants import ENDPOINTS_BY_NAME
from tests.kit.sim_server import asgi_client, make_app, private_post

TICKER = ENDPOINTS_BY_NAME["ticker"]  # 1 / -
TICKERS = ENDPOINTS_BY_NAME["tickers"]  # 40 / -
ASSETS = ENDPOINTS_BY_NAME["assets"]  # 5 / 10
PLACE = ENDPOINTS_BY_NAME["placeOrder"]  # 2 / 5, order call
DETAIL = ENDPOINTS_BY_NAME["detail"]  # 2 / 2


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def limiter(**config: object) -> tuple[ServerRateLimiter, FakeClock]:
    clock = FakeClock()
    return ServerRateLimiter(RateLimitConfig(**config), clock=clock), clock  # type: ignore[arg-type]


def test_ip_weight_is_summed_over_a_sliding_ten_second_window() -> None:
    rl, clock = limiter()
    for _ in range(25):  # 25 x 40 = 1000
        assert rl.admit(TICKERS, "1.2.3.4", None)
    assert not rl.admit(TICKER, "1.2.3.4", None)
    assert rl.admit(TICKER, "5.6.7.8", None), "another IP has its own budget"
    clock.now += 9.9
    assert not rl.admit(TICKER, "1.2.3.4", None)
    clock.now += 0.2
    assert rl.admit(TICKER, "1.2.3.4", None)


def test_uid_budget_is_independent_of_the_ip() -> None:
    rl, _ = limiter(ip_weight_limit=100_000)
    for n in range(100):  # 100 x 10 uid weight = 1000
        assert rl.admit(ASSETS, f"10.0.0.{n % 50}", "key-a"), n
    assert not rl.admit(ASSETS, "10.0.0.99", "key-a")
    assert rl.admit(ASSETS, "10.0.0.99", "key-b")


def test_order_calls_are_limited_to_ten_per_second_per_key() -> None:
    rl, clock = limiter()
    for _ in range(10):
        assert rl.admit(PLACE, "1.1.1.1", "k")
    assert not rl.admit(PLACE, "1.1.1.1", "k")
    assert rl.admit(DETAIL, "1.1.1.1", "k"), "non-order endpoints are not in the 1 s budget"
    assert rl.admit(PLACE, "1.1.1.1", "other"), "per key"
    clock.now += 1.0
    assert rl.admit(PLACE, "1.1.1.1", "k")


def test_a_refused_request_consumes_nothing() -> None:
    rl, _ = limiter(ip_weight_limit=10)
    for _ in range(5):
        assert rl.admit(PLACE, "ip", "k")  # 5 x 2 = 10 ip weight
    assert not rl.admit(PLACE, "ip", "k")
    assert rl.usage()["uid"]["k"] == 25
    assert rl.usage()["order_calls"]["k"] == 5
    assert rl.refused == 1


def test_limits_are_configurable_and_can_be_disabled() -> None:
    rl, _ = limiter(order_calls_per_second=2)
    assert rl.admit(PLACE, "ip", "k")
    assert rl.admit(PLACE, "ip", "k")
    assert not rl.admit(PLACE, "ip", "k")
    off, _ = limiter(enabled=False, order_calls_per_second=1)
    assert all(off.admit(PLACE, "ip", "k") for _ in range(100))


@pytest.mark.asyncio
async def test_the_app_answers_429_with_the_documented_envelope() -> None:
    app = make_app(rate_limits=RateLimitConfig(order_calls_per_second=3))
    order = {
        "symbol": "cmt_btcusdt",
        "client_oid": "",
        "size": "0.0001",
        "type": "1",
        "order_type": "0",
        "match_price": "0",
        "price": "100000.0",
    }
    async with asgi_client(app) as client:
        statuses = []
        for n in range(4):
            response = await private_post(
                client, "/capi/v2/order/placeOrder", {**order, "client_oid": f"c{n}"}
            )
            statuses.append(response.status_code)
        assert statuses == [200, 200, 200, 429]
        body = response.json()
        assert body["code"] == "429"
        assert body["msg"] == "Too many requests"
        assert body["data"] is None
    assert app.sim.state()["requests"]["rate_limited"] == 1
    assert len(app.sim.exchange.orders("weex_0123456789abcdef0123456789abcdef")) == 3
