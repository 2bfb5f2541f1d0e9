"""No secret (API key, secret key, passphrase) in any exception text, repr or log record --
even when the venue echoes one back."""

from __future__ import annotations

import logging
from decimal import Decimal

import httpx
import pytest

from alphaloop.model import AlphaloopError, OrderIntent, OrderRequest
from alphaloop.venues.weex import ServerClock, WeexAuth, WeexVenue

from .fakes import (
    API_KEY,
    CREDENTIALS,
    PASSPHRASE,
    SECRET,
    SECRETS,
    FakeClock,
    FakeWeex,
    error,
    fail,
    fixture,
    make_client,
    reply,
)


def texts_of(exc: BaseException) -> list[str]:
    """str and repr of an exception and of everything chained to it."""
    out: list[str] = []
    seen: BaseException | None = exc
    while seen is not None:
        out += [str(seen), repr(seen), *(str(arg) for arg in seen.args)]
        seen = seen.__cause__ or seen.__context__
    return out


def assert_clean(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


@pytest.mark.asyncio
async def test_no_secrets_anywhere(fake: FakeWeex, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    echo = f"Invalid ACCESS_KEY {API_KEY} with passphrase {PASSPHRASE} and sign key {SECRET}"
    fake.on("/capi/v2/account/assets", error("40006", echo))
    fake.on("/capi/v2/account/getAccounts", reply(text=f"<pre>{echo}</pre>"))
    fake.on("/capi/v2/account/settings", reply([echo]))
    fake.on("/capi/v2/account/position/allPosition", reply([{"id": PASSPHRASE}]))
    fake.on("/capi/v2/order/detail", reply(text=echo, status=500))
    fake.on("/capi/v2/order/placeOrder", fail(httpx.ReadTimeout, "The read operation timed out"))
    fake.on("/capi/v2/order/current", reply([]))
    fake.on("/capi/v2/order/history", reply([]))
    fake.on("/capi/v2/market/contracts", reply(fixture("contracts")))
    fake.on("/capi/v2/account/leverage", error("40008", echo))

    caught: list[BaseException] = []
    async with make_client(fake, max_retries=1) as client:
        venue = WeexVenue(client, outcome_checks=1)
        calls = [
            client.get_account_assets(),
            client.get_account_get_accounts(),
            client.get_account_settings(),
            client.get_account_position_all_position(),
            client.get_order_detail("1"),
            client.post_account_leverage("cmt_btcusdt", 1, 1, 1),
            venue.create_order(
                OrderRequest("BTC/USDT:USDT", OrderIntent.OPEN_LONG, Decimal("0.01"), price=Decimal("90000"))
            ),
        ]
        for call in calls:
            with pytest.raises(AlphaloopError) as info:
                await call
            caught.append(info.value)
        assert_clean(repr(client), repr(venue), str(client), repr(CREDENTIALS))
    assert len(caught) == 7
    for exc in caught:
        assert_clean(*texts_of(exc))
    assert_clean(
        caplog.text, *(repr(r.args) for r in caplog.records), *(r.getMessage() for r in caplog.records)
    )
    assert caplog.records  # the client did log at DEBUG; it just never logged a secret


def test_auth_repr_hides_credentials() -> None:
    auth = WeexAuth(CREDENTIALS, ServerClock(FakeClock()))
    assert_clean(repr(auth), str(auth), repr(auth.__dict__.keys()))
