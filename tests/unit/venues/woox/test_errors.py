"""Error envelopes and codes -> the exception hierarchy by remedy, and the transport's retry policy
(resync on timestamp refusal, back off on 429, never re-send a money-moving call)."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from alphaloop.model import (
    AlphaloopError,
    AuthenticationError,
    ConfigurationError,
    ExchangeRejectedError,
    ExchangeUnavailableError,
    InsufficientFundsError,
    InvalidOrderError,
    LeverageLimitError,
    MalformedResponseError,
    NetworkError,
    OrderNotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    SymbolNotAllowedError,
    TimestampSkewError,
    UnknownOrderOutcomeError,
)
from alphaloop.venues.woox import error_class

from .fakes import API_KEY, SECRET, FakeWoox, error, fail, make_client, ok, reply

UNAUTHORIZED = (
    "API key or secret is invalid, it may because key have insufficient permission or the key is "
    "expired/revoked."
)


@pytest.mark.parametrize(
    ("code", "message", "status", "expected"),
    [
        ("-1001", "The api key or secret is in wrong format.", 401, AuthenticationError),
        ("-1002", UNAUTHORIZED, 401, AuthenticationError),
        (
            "-1002",
            "Timestamp expired: x-api-timestamp is outside the window of 300 s",
            401,
            TimestampSkewError,
        ),
        ("-1002", "IP not allowed for this API key: 10.0.0.1", 401, PermissionDeniedError),
        ("-1003", "Rate limit exceed.", 429, RateLimitedError),
        ("-1004", "Unknown parameter: orderId", 400, InvalidOrderError),
        ("-1005", "order_price must be a positive number", 400, InvalidOrderError),
        ("-1005", "symbol is invalid: PERP_FOO_USDT does not exist", 400, SymbolNotAllowedError),
        ("-1006", "Your order and symbol are not valid or already canceled.", 400, OrderNotFoundError),
        ("-1011", "The system is under maintenance.", 400, ExchangeUnavailableError),
        ("-1101", "leverage exceeds the limit", 400, LeverageLimitError),
        ("302101", "symbol does not exist", 400, SymbolNotAllowedError),
        ("302102", "margin is insufficient", 400, InsufficientFundsError),
        ("302117", "duplicate clientOrderId", 400, InvalidOrderError),
        ("302131", "futures trading is not enabled", 400, PermissionDeniedError),
        ("302306", "leverage must be a positive integer", 400, LeverageLimitError),
        ("317179", "receive window exceeded", 400, TimestampSkewError),
        ("999999", "something new", 400, ExchangeRejectedError),
        ("999999", "something new", 503, ExchangeUnavailableError),
        (None, "Not Found", 404, ConfigurationError),
        (None, "Bad Gateway", 502, ExchangeUnavailableError),
    ],
)
def test_code_table(code: str | None, message: str, status: int, expected: type[AlphaloopError]) -> None:
    assert error_class(code, message, status) is expected


@pytest.mark.asyncio
async def test_a_failure_envelope_with_http_200_and_a_string_code_is_an_error(fake: FakeWoox) -> None:
    fake.on("GET /v3/asset/balances", error("-1011", "The system is under maintenance.", status=200))
    async with make_client(fake, max_retries=0) as client:
        with pytest.raises(ExchangeUnavailableError) as caught:
            await client.get_asset_balances()
    assert (caught.value.code, caught.value.venue) == ("-1011", "woox")
    assert "GET /v3/asset/balances" in str(caught.value)


@pytest.mark.asyncio
async def test_get_retries_transient_failures_with_backoff(fake: FakeWoox) -> None:
    fake.on("GET /v3/futures/positions", reply(text="<html>502</html>", status=502), ok({"positions": []}))
    async with make_client(fake, backoff_base=0.25) as client:
        result = await client.get_futures_positions()
    assert result.positions == []
    assert len(fake.calls("GET /v3/futures/positions")) == 2
    assert fake.clock.sleeps == [0.25]


@pytest.mark.asyncio
async def test_a_lost_answer_to_an_order_is_an_unknown_outcome_carrying_the_client_id(fake: FakeWoox) -> None:
    fake.on("POST /v3/trade/order", fail(httpx.ReadTimeout))
    async with make_client(fake) as client:
        with pytest.raises(UnknownOrderOutcomeError) as caught:
            await client.post_trade_order(
                "PERP_BTC_USDT", "BUY", "MARKET", quantity=Decimal(1), client_order_id=77
            )
    assert caught.value.client_order_id == "77"
    assert len(fake.calls("POST /v3/trade/order")) == 1  # never re-sent


@pytest.mark.asyncio
async def test_a_5xx_on_cancel_is_unknown_too_but_a_connect_error_is_not(fake: FakeWoox) -> None:
    fake.on("DELETE /v3/trade/order", error(-1000, "An unknown error occurred.", status=500))
    fake.on("POST /v3/trade/order", fail(httpx.ConnectError))
    async with make_client(fake) as client:
        with pytest.raises(UnknownOrderOutcomeError) as unknown:
            await client.delete_trade_order("PERP_BTC_USDT", client_order_id=5)
        with pytest.raises(NetworkError):
            await client.post_trade_order("PERP_BTC_USDT", "BUY", "MARKET", quantity=Decimal(1))
    assert unknown.value.client_order_id == "5"
    assert len(fake.calls("POST /v3/trade/order")) == 1


@pytest.mark.asyncio
async def test_an_unreadable_answer_to_an_order_is_unknown_not_malformed(fake: FakeWoox) -> None:
    fake.on("POST /v3/trade/order", ok({"unexpected": True}), reply(text="not json"))
    async with make_client(fake) as client:
        for _ in range(2):
            with pytest.raises(UnknownOrderOutcomeError) as caught:
                await client.post_trade_order("PERP_BTC_USDT", "BUY", "MARKET", quantity=Decimal(1))
            assert isinstance(caught.value.__cause__, MalformedResponseError | ValueError)


@pytest.mark.asyncio
async def test_a_refused_timestamp_resyncs_the_clock_and_retries_once(fake: FakeWoox) -> None:
    skew = "Timestamp expired: x-api-timestamp is outside the window of 300 s"
    fake.server_offset_ms = 400_000  # the venue's clock is ahead of ours by more than the window
    fake.on("GET /v3/asset/balances", error(-1002, skew, status=401), ok({"holding": []}))
    async with make_client(fake, time_sync=False) as client:
        await client.get_asset_balances()
        sent = fake.calls("GET /v3/asset/balances")
        assert len(sent) == 2
        assert (
            int(sent[1].request.headers["x-api-timestamp"]) - int(sent[0].request.headers["x-api-timestamp"])
            == 400_000
        )
        fake.on("GET /v3/asset/balances", error(-1002, skew, status=401))
        with pytest.raises(TimestampSkewError):
            await client.get_asset_balances()  # a second refusal in a row surfaces


@pytest.mark.asyncio
async def test_429_pauses_every_budget_then_get_retries_but_post_raises(fake: FakeWoox) -> None:
    limited = error(-1003, "Rate limit exceed.", status=429, headers={"Retry-After": "2"})
    fake.on("GET /v3/public/futures", limited, ok({"rows": []}))
    fake.on("POST /v3/trade/order", limited)
    async with make_client(fake) as client:
        await client.get_public_futures()
        assert fake.clock.sleeps == [2.0]
        with pytest.raises(RateLimitedError) as caught:
            await client.post_trade_order("PERP_BTC_USDT", "BUY", "MARKET", quantity=Decimal(1))
    assert caught.value.retry_after == 2.0
    assert len(fake.calls("POST /v3/trade/order")) == 1


@pytest.mark.asyncio
async def test_private_calls_without_credentials_stop_before_any_request(fake: FakeWoox) -> None:
    async with make_client(fake, authenticated=False) as client:
        with pytest.raises(ConfigurationError, match="WOOX_API_KEY"):
            await client.get_asset_balances()
    assert fake.sent == []


@pytest.mark.asyncio
async def test_secrets_never_reach_an_error_message(fake: FakeWoox) -> None:
    fake.on(
        "GET /v3/asset/balances", error(-1002, f"key {API_KEY} with secret {SECRET} is revoked", status=401)
    )
    async with make_client(fake) as client:
        with pytest.raises(AuthenticationError) as caught:
            await client.get_asset_balances()
    assert API_KEY not in str(caught.value)
    assert SECRET not in str(caught.value)
    assert "***" in str(caught.value)
    assert API_KEY not in repr(client)
    assert repr(client._auth) == "WooxAuth(***)"


@pytest.mark.asyncio
async def test_order_placement_is_metered_per_symbol(fake: FakeWoox) -> None:
    fake.on("POST /v3/trade/order", ok({"orderId": 1}))
    async with make_client(fake) as client:
        for symbol in ["PERP_BTC_USDT"] * 5 + ["PERP_ETH_USDT"] * 5:
            await client.post_trade_order(symbol, "BUY", "MARKET", quantity=Decimal(1))
        assert fake.clock.sleeps == []  # 5 per second per symbol: two symbols fit side by side
        await client.post_trade_order("PERP_BTC_USDT", "BUY", "MARKET", quantity=Decimal(1))
    assert len(fake.clock.sleeps) == 1
    assert 0 < fake.clock.sleeps[0] <= 1.0
