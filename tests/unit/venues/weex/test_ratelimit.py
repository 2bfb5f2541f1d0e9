"""Client-side rate limits on a fake clock: never more than 10 order calls per second nor 1000 weight
per 10 s, and backing off on 429."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from alphaloop.model import RateLimitedError
from alphaloop.venues.ratelimit import AsyncRateLimiter, Quota

from .fakes import FakeClock, FakeWeex, Sent, error, fixture, make_client, reply


def max_in_window(times: list[float], period: float, weights: list[int] | None = None) -> int:
    """Largest total weight of requests inside any half-open window [t, t + period)."""
    weights = weights or [1] * len(times)
    best = 0
    for i, start in enumerate(times):
        total = sum(w for t, w in zip(times[i:], weights[i:], strict=True) if t < start + period)
        best = max(best, total)
    return best


@pytest.mark.asyncio
async def test_limiter_waits_instead_of_exceeding(clock: FakeClock) -> None:
    limiter = AsyncRateLimiter([Quota("orders", 10, 1.0)], clock=clock.monotonic, sleep=clock.sleep)
    stamps = []
    for _ in range(25):
        await limiter.acquire({"orders": 1})
        stamps.append(clock.mono)
    assert max_in_window(stamps, 1.0) == 10
    assert stamps[-1] - stamps[0] == pytest.approx(2.0)  # 25 calls need just over two windows
    assert clock.sleeps  # it waited, it did not refuse


@pytest.mark.asyncio
async def test_limiter_block_for_pauses_everyone(clock: FakeClock) -> None:
    limiter = AsyncRateLimiter([Quota("ip", 1000, 10.0)], clock=clock.monotonic, sleep=clock.sleep)
    limiter.block_for(3.0)
    start = clock.mono
    waited = await limiter.acquire({"ip": 1})
    assert waited == pytest.approx(3.0)
    assert clock.mono - start == pytest.approx(3.0)
    assert limiter.used("ip") == 1


@pytest.mark.asyncio
async def test_concurrent_place_orders_stay_within_10_per_second(fake: FakeWeex) -> None:
    fake.on("/capi/v2/order/placeOrder", reply(fixture("place_order")))
    async with make_client(fake, time_sync=False) as client:
        await asyncio.gather(
            *(
                client.post_order_place_order("cmt_btcusdt", f"c{i}", "0.001", 1, 0, 0, "90000")
                for i in range(35)
            )
        )
    times = [s.at for s in fake.calls("/capi/v2/order/placeOrder")]
    assert len(times) == 35
    assert max_in_window(times, 1.0) <= 10
    assert times[-1] - times[0] >= 3.0


@pytest.mark.asyncio
async def test_weights_stay_within_1000_per_10_seconds(fake: FakeWeex) -> None:
    """contracts weighs 10 (IP): 250 calls = 2500 weight must spread over more than 20 s."""
    fake.on("/capi/v2/market/contracts", reply(fixture("contracts")))
    async with make_client(fake) as client:
        for _ in range(250):
            await client.get_market_contracts()
    times = [s.at for s in fake.sent]
    assert max_in_window(times, 10.0, [10] * len(times)) <= 1000
    assert times[-1] - times[0] >= 20.0


@pytest.mark.asyncio
async def test_uid_weight_is_metered_separately(fake: FakeWeex) -> None:
    """assets costs 5 IP but 10 UID: the UID budget binds first (101st call waits)."""
    fake.on("/capi/v2/account/assets", reply(fixture("assets")))
    async with make_client(fake, time_sync=False) as client:
        for _ in range(101):
            await client.get_account_assets()
        assert client.limiter.used("uid") <= 1000
    times = [s.at for s in fake.sent]
    assert times[99] == times[0]  # 100 x 10 = 1000 fits at once
    assert times[100] - times[0] == pytest.approx(10.0)


@pytest.mark.asyncio
async def test_429_on_get_honours_retry_after_then_succeeds(fake: FakeWeex) -> None:
    fake.on(
        "/capi/v2/market/ticker",
        error("429", "Too many requests", status=429, headers={"Retry-After": "3"}),
        reply(fixture("ticker")),
    )
    async with make_client(fake) as client:
        ticker = await client.get_market_ticker("cmt_btcusdt")
    assert ticker.symbol == "cmt_btcusdt"
    first, second = fake.sent
    assert second.at - first.at == pytest.approx(3.0)


@pytest.mark.asyncio
async def test_429_without_retry_after_backs_off_exponentially_then_gives_up(fake: FakeWeex) -> None:
    fake.on("/capi/v2/market/ticker", error("429", "Too many requests", status=429))
    async with make_client(fake, max_retries=3, backoff_base=0.5) as client:
        with pytest.raises(RateLimitedError):
            await client.get_market_ticker("cmt_btcusdt")
    times = [s.at for s in fake.sent]
    assert len(times) == 4
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert gaps == pytest.approx([0.5, 1.0, 2.0])


@pytest.mark.asyncio
async def test_backoff_is_capped(fake: FakeWeex) -> None:
    fake.on("/capi/v2/market/ticker", error("429", "Too many requests", status=429))
    async with make_client(fake, max_retries=6, backoff_base=1.0, backoff_cap=5.0) as client:
        with pytest.raises(RateLimitedError):
            await client.get_market_ticker("cmt_btcusdt")
    times = [s.at for s in fake.sent]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert gaps == pytest.approx([1.0, 2.0, 4.0, 5.0, 5.0, 5.0])


@pytest.mark.asyncio
async def test_429_on_a_post_is_not_retried_but_slows_the_next_call(fake: FakeWeex) -> None:
    fake.on(
        "/capi/v2/order/placeOrder",
        error("429", "Too many requests", status=429, headers={"Retry-After": "2"}),
        reply(fixture("place_order")),
    )
    fake.on("/capi/v2/market/ticker", reply(fixture("ticker")))
    async with make_client(fake, time_sync=False) as client:
        with pytest.raises(RateLimitedError) as info:
            await client.post_order_place_order("cmt_btcusdt", "c1", "0.001", 1, 0, 0, "90000")
        assert info.value.retry_after == 2.0
        await client.get_market_ticker("cmt_btcusdt")
    place: Sent
    (place,) = fake.calls("/capi/v2/order/placeOrder")
    (ticker,) = fake.calls("/capi/v2/market/ticker")
    assert ticker.at - place.at == pytest.approx(2.0)
