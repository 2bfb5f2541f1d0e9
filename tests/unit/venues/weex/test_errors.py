"""Error mapping: every business code of spec 2.5/4.3, every HTTP status of 4.1, transport failures,
malformed answers. The venue's code, message and status stay on the exception."""

from __future__ import annotations

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
from alphaloop.venues.weex import errors

from .fakes import FakeWeex, error, fail, fixture, make_client, reply

BUSINESS_CODES = [
    ("40001", 'Header "ACCESS_KEY" is required', 400, AuthenticationError),
    ("40002", 'Header "ACCESS_SIGN" is required', 400, AuthenticationError),
    ("40003", 'Header "ACCESS_TIMESTAMP" is required', 400, AuthenticationError),
    ("40005", "Invalid ACCESS_TIMESTAMP", 400, AuthenticationError),
    ("40006", "Invalid ACCESS_KEY", 400, AuthenticationError),
    ("40007", 'Invalid Content_Type, use "application/json" format', 400, ConfigurationError),
    ("40008", "Request timestamp expired", 400, TimestampSkewError),
    ("40009", "API verification failed", 400, AuthenticationError),
    ("40011", 'Header "ACCESS_PASSPHRASE" is required', 400, AuthenticationError),
    ("40012", "Incorrect API key/Passphrase", 400, AuthenticationError),
    ("40013", "Account frozen", 400, PermissionDeniedError),
    ("40014", "Invalid permissions", 400, PermissionDeniedError),
    ("40018", "Invalid IP request", 400, PermissionDeniedError),
    ("40753", "API permission disabled", 400, PermissionDeniedError),
    ("40022", "Insufficient permissions for this operation", 403, PermissionDeniedError),
    ("429", "Too many requests", 429, RateLimitedError),
    ("40015", "System error", 400, ExchangeRejectedError),
    ("40016", "Users must bind a mobile phone or Google Authenticator", 400, PermissionDeniedError),
    ("40017", "Parameter validation failed", 400, InvalidOrderError),
    ("40019", "Parameter cannot be empty", 400, InvalidOrderError),
    ("40020", "Parameter size is invalid", 400, InvalidOrderError),
    ("40020", "Parameter symbol is invalid", 400, SymbolNotAllowedError),
    ("40912", "Single cancellation cannot exceed 50", 400, InvalidOrderError),
    ("40913", "Either orderId or clientId must be provided", 400, InvalidOrderError),
    ("50003", "Not have permission to trade this pair.", 400, SymbolNotAllowedError),
    ("50004", "Not have permission to access this API.", 400, PermissionDeniedError),
    ("50005", "Order does not exist", 400, OrderNotFoundError),
    ("50007", "Leverage cannot exceed the limit", 400, LeverageLimitError),
    # undocumented codes fall back on the wording, then the status
    ("40999", "Insufficient balance", 400, InsufficientFundsError),
    ("40998", "Something odd", 400, ExchangeRejectedError),
]


def test_every_documented_code_is_in_the_exact_table() -> None:
    documented = {code for code, *_ in BUSINESS_CODES if code not in ("40999", "40998")}
    assert documented == set(errors.EXACT_CODES)


@pytest.mark.parametrize(
    ("code", "msg", "status", "expected"), BUSINESS_CODES, ids=[f"{c[0]}-{c[1][:20]}" for c in BUSINESS_CODES]
)
@pytest.mark.asyncio
async def test_business_code_over_http(
    code: str, msg: str, status: int, expected: type, fake: FakeWeex
) -> None:
    fake.on("/capi/v2/account/settings", error(code, msg, status=status))
    async with make_client(fake, time_sync=False, max_retries=0) as client:
        with pytest.raises(AlphaloopError) as info:
            await client.get_account_settings()
    exc = info.value
    assert type(exc) is expected
    assert exc.code == code
    assert exc.http_status == status
    assert exc.venue == "weex"
    assert msg in str(exc)
    assert "GET /capi/v2/account/settings" in str(exc)


HTTP_STATUSES = [
    (400, ExchangeRejectedError),
    (401, AuthenticationError),
    (403, PermissionDeniedError),
    (404, ConfigurationError),
    (429, RateLimitedError),
    (500, ExchangeUnavailableError),
    (502, ExchangeUnavailableError),
    (503, ExchangeUnavailableError),
    (521, PermissionDeniedError),
    (418, ExchangeRejectedError),
]


@pytest.mark.parametrize(("status", "expected"), HTTP_STATUSES)
@pytest.mark.asyncio
async def test_http_status_without_business_code(status: int, expected: type, fake: FakeWeex) -> None:
    fake.on("/capi/v2/market/ticker", reply(text="<html>nope</html>", status=status))
    async with make_client(fake, max_retries=0) as client:
        with pytest.raises(AlphaloopError) as info:
            await client.get_market_ticker("cmt_btcusdt")
    assert type(info.value) is expected
    assert info.value.http_status == status
    assert info.value.code is None


@pytest.mark.asyncio
async def test_spring_style_404_keeps_its_message(fake: FakeWeex) -> None:
    async with make_client(fake) as client:
        with pytest.raises(ConfigurationError, match="Not Found") as info:
            await client.get_market_ticker("cmt_btcusdt")  # the fake has no route: 404
    assert info.value.http_status == 404


@pytest.mark.asyncio
async def test_error_envelope_with_http_200_is_an_error(fake: FakeWeex) -> None:
    fake.on("/capi/v2/order/detail", reply({"code": "50005", "msg": "Order does not exist", "data": None}))
    async with make_client(fake, time_sync=False) as client:
        with pytest.raises(OrderNotFoundError) as info:
            await client.get_order_detail("1")
    assert info.value.http_status == 200


@pytest.mark.asyncio
async def test_rate_limited_error_carries_retry_after(fake: FakeWeex) -> None:
    fake.on(
        "/capi/v2/market/ticker", error("429", "Too many requests", status=429, headers={"Retry-After": "7"})
    )
    async with make_client(fake, max_retries=0) as client:
        with pytest.raises(RateLimitedError) as info:
            await client.get_market_ticker("cmt_btcusdt")
    assert info.value.retry_after == 7.0


@pytest.mark.parametrize("exc_type", [httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout])
@pytest.mark.asyncio
async def test_connection_failure_before_sending_is_network_error(
    exc_type: type[httpx.TransportError], fake: FakeWeex
) -> None:
    fake.on("/capi/v2/order/placeOrder", fail(exc_type))
    async with make_client(fake, time_sync=False) as client:
        with pytest.raises(NetworkError) as info:
            await client.post_order_place_order("cmt_btcusdt", "c1", "0.001", 1, 0, 0, "90000")
    assert isinstance(info.value.__cause__, exc_type)
    assert len(fake.calls("/capi/v2/order/placeOrder")) == 1


@pytest.mark.parametrize(
    "exc_type", [httpx.ReadTimeout, httpx.WriteTimeout, httpx.RemoteProtocolError, httpx.ReadError]
)
@pytest.mark.asyncio
async def test_lost_answer_on_money_moving_post_is_unknown_outcome(
    exc_type: type[httpx.TransportError], fake: FakeWeex
) -> None:
    fake.on("/capi/v2/order/placeOrder", fail(exc_type))
    async with make_client(fake, time_sync=False) as client:
        with pytest.raises(UnknownOrderOutcomeError) as info:
            await client.post_order_place_order("cmt_btcusdt", "c1", "0.001", 1, 0, 0, "90000")
    assert info.value.client_order_id == "c1"
    assert isinstance(info.value.__cause__, exc_type)
    assert len(fake.calls("/capi/v2/order/placeOrder")) == 1  # never re-sent


@pytest.mark.parametrize("status", [500, 502, 503, 504])
@pytest.mark.asyncio
async def test_5xx_on_money_moving_post_is_unknown_outcome(status: int, fake: FakeWeex) -> None:
    fake.on("/capi/v2/order/placeTpSlOrder", reply(text="bad gateway", status=status))
    async with make_client(fake, time_sync=False) as client:
        with pytest.raises(UnknownOrderOutcomeError) as info:
            await client.post_order_place_tp_sl_order(
                "cmt_btcusdt", "tp9", "loss_plan", "80000", "0.001", "long"
            )
    assert info.value.client_order_id == "tp9"
    assert info.value.http_status == status
    assert isinstance(info.value.__cause__, ExchangeUnavailableError)
    assert len(fake.sent) == 1


@pytest.mark.asyncio
async def test_5xx_on_a_get_is_retried_then_surfaces(fake: FakeWeex) -> None:
    fake.on("/capi/v2/market/ticker", reply(text="down", status=503))
    async with make_client(fake, max_retries=2) as client:
        with pytest.raises(ExchangeUnavailableError):
            await client.get_market_ticker("cmt_btcusdt")
    assert len(fake.sent) == 3
    assert fake.clock.sleeps == [0.5, 1.0]


@pytest.mark.asyncio
async def test_read_timeout_on_a_get_is_retried(fake: FakeWeex) -> None:
    fake.on("/capi/v2/market/ticker", fail(httpx.ReadTimeout), reply(fixture("ticker")))
    async with make_client(fake) as client:
        ticker = await client.get_market_ticker("cmt_btcusdt")
    assert ticker.symbol == "cmt_btcusdt"
    assert len(fake.sent) == 2


@pytest.mark.asyncio
async def test_non_json_answer_is_malformed_with_a_snippet(fake: FakeWeex) -> None:
    fake.on("/capi/v2/market/ticker", reply(text="<html>maintenance page</html>" + "x" * 500))
    async with make_client(fake) as client:
        with pytest.raises(MalformedResponseError, match="maintenance page") as info:
            await client.get_market_ticker("cmt_btcusdt")
    assert len(str(info.value)) < 400  # a snippet, not the whole page
    assert info.value.__cause__ is not None


@pytest.mark.asyncio
async def test_wrong_shape_is_malformed(fake: FakeWeex) -> None:
    fake.on("/capi/v2/market/ticker", reply({"symbol": "cmt_btcusdt"}))
    async with make_client(fake) as client:
        with pytest.raises(MalformedResponseError, match="last") as info:
            await client.get_market_ticker("cmt_btcusdt")
    assert "cmt_btcusdt" in str(info.value)


@pytest.mark.asyncio
async def test_unreadable_answer_to_a_placement_is_unknown_outcome(fake: FakeWeex) -> None:
    """The order may exist even though we could not read the answer."""
    fake.on("/capi/v2/order/placeOrder", reply({"unexpected": True}))
    async with make_client(fake, time_sync=False) as client:
        with pytest.raises(UnknownOrderOutcomeError) as info:
            await client.post_order_place_order("cmt_btcusdt", "c7", "0.001", 1, 0, 0, "90000")
    assert info.value.client_order_id == "c7"
    assert isinstance(info.value.__cause__, MalformedResponseError)


def test_substring_refines_only_broad_codes() -> None:
    # 50005 is exact: a message mentioning balance must not turn it into InsufficientFunds
    assert errors.error_class("50005", "Order does not exist (balance)", 400) is OrderNotFoundError
    assert errors.error_class("40020", "Parameter leverage is invalid", 400) is LeverageLimitError
    assert errors.error_class(None, "", 502) is ExchangeUnavailableError
    assert errors.error_class(None, "", None) is ExchangeRejectedError
