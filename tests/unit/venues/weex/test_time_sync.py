"""Venue-time offset: requests carry corrected timestamps; 40008 -> resync and exactly one retry."""

from __future__ import annotations

import pytest

from alphaloop.model import AuthenticationError, TimestampSkewError
from alphaloop.venues.weex import ServerClock, signing

from .fakes import SECRET, FakeClock, FakeWeex, error, fixture, make_client, reply

TIME = "/capi/v2/market/time"
ASSETS = "/capi/v2/account/assets"


@pytest.mark.parametrize("offset_ms", [45_000, -120_000, 0])
@pytest.mark.asyncio
async def test_requests_carry_the_server_corrected_time(offset_ms: int, fake: FakeWeex) -> None:
    fake.server_offset_ms = offset_ms
    fake.on(ASSETS, reply(fixture("assets")))
    async with make_client(fake) as client:
        await client.get_account_assets()
    assert fake.paths() == [TIME, ASSETS]
    (sent,) = fake.calls(ASSETS)
    stamp = sent.request.headers["ACCESS-TIMESTAMP"]
    assert int(stamp) == fake.server_ms()
    assert len(stamp) == 13
    expected = signing.sign(SECRET, stamp, "GET", ASSETS, "", "")
    assert sent.request.headers["ACCESS-SIGN"] == expected


@pytest.mark.asyncio
async def test_public_calls_do_not_sync(fake: FakeWeex) -> None:
    fake.on("/capi/v2/market/ticker", reply(fixture("ticker")))
    async with make_client(fake) as client:
        await client.get_market_ticker("cmt_btcusdt")
    assert fake.paths() == ["/capi/v2/market/ticker"]


@pytest.mark.asyncio
async def test_sync_once_then_reuse_until_stale(fake: FakeWeex, clock: FakeClock) -> None:
    fake.on(ASSETS, reply(fixture("assets")))
    async with make_client(fake, resync_interval=300.0) as client:
        await client.get_account_assets()
        clock.advance(299)
        await client.get_account_assets()
        clock.advance(2)
        await client.get_account_assets()
    assert fake.paths() == [TIME, ASSETS, ASSETS, TIME, ASSETS]


@pytest.mark.asyncio
async def test_local_clock_jump_triggers_resync_before_sending(fake: FakeWeex, clock: FakeClock) -> None:
    fake.on(ASSETS, reply(fixture("assets")))
    async with make_client(fake) as client:
        await client.get_account_assets()
        clock.jump_wall(-40)  # e.g. NTP stepped the clock back 40 s: the old offset is now wrong
        await client.get_account_assets()
    assert fake.paths() == [TIME, ASSETS, TIME, ASSETS]
    last = fake.calls(ASSETS)[-1]
    assert int(last.request.headers["ACCESS-TIMESTAMP"]) == fake.server_ms()


@pytest.mark.asyncio
async def test_40008_resyncs_and_retries_once(fake: FakeWeex) -> None:
    fake.on(ASSETS, error("40008", "Request timestamp expired"), reply(fixture("assets")))
    async with make_client(fake, time_sync=False) as client:
        assets = await client.get_account_assets()
    assert assets[0].coinName == "USDT"
    assert fake.paths() == [ASSETS, TIME, ASSETS]


@pytest.mark.asyncio
async def test_40008_twice_surfaces_after_a_single_retry(fake: FakeWeex) -> None:
    fake.on(ASSETS, error("40008", "Request timestamp expired"))
    async with make_client(fake) as client:
        with pytest.raises(TimestampSkewError):
            await client.get_account_assets()
    assert fake.paths() == [TIME, ASSETS, TIME, ASSETS]


@pytest.mark.asyncio
async def test_40005_on_a_placement_resyncs_and_retries_once(fake: FakeWeex) -> None:
    """The venue refused the request before acting, so repeating a placement once is safe."""
    fake.server_offset_ms = 50_000
    fake.on(
        "/capi/v2/order/placeOrder", error("40005", "Invalid ACCESS_TIMESTAMP"), reply(fixture("place_order"))
    )
    async with make_client(fake, time_sync=False) as client:
        placed = await client.post_order_place_order("cmt_btcusdt", "c1", "0.001", 1, 0, 0, "90000")
    assert placed.order_id == "596471064624628269"
    first, second = fake.calls("/capi/v2/order/placeOrder")
    assert (
        int(second.request.headers["ACCESS-TIMESTAMP"]) - int(first.request.headers["ACCESS-TIMESTAMP"])
        == 50_000
    )
    assert first.request.content == second.request.content


@pytest.mark.asyncio
async def test_40005_twice_is_an_authentication_error(fake: FakeWeex) -> None:
    fake.on(ASSETS, error("40005", "Invalid ACCESS_TIMESTAMP"))
    async with make_client(fake, time_sync=False) as client:
        with pytest.raises(AuthenticationError):
            await client.get_account_assets()
    assert len(fake.calls(ASSETS)) == 2


def test_server_clock_offset_uses_the_round_trip_midpoint(clock: FakeClock) -> None:
    server_clock = ServerClock(clock)
    assert server_clock.needs_sync()
    now = server_clock.local_ms()
    server_clock.update(server_ms=now + 500, local_before_ms=now - 1_000, local_after_ms=now)
    assert server_clock.offset_ms == 1_000
    assert server_clock.now_ms() == now + 1_000
    assert not server_clock.needs_sync()
    server_clock.invalidate()
    assert server_clock.needs_sync()


@pytest.mark.asyncio
async def test_sync_time_reports_and_warns_about_large_skew(
    fake: FakeWeex, caplog: pytest.LogCaptureFixture
) -> None:
    fake.server_offset_ms = -31_000
    async with make_client(fake) as client:
        offset = await client.sync_time()
    assert offset == -31_000
    assert client.server_clock.outside_window
    assert "differs from WEEX by -31000 ms" in caplog.text
