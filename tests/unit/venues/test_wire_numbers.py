"""Absurd numbers in a venue's answer (`1e999999`, `NaN`, text where a number belongs) are a
`MalformedResponseError` / validation error, found at once: never a bare `decimal` or `KeyError`
exception past the typed errors, never minutes spent in `int(Decimal("1e999999"))`, never a
`Decimal` that overflows the first multiplication the trader does with it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest
from pydantic import TypeAdapter, ValidationError

from alphaloop.model.errors import AlphaloopError
from alphaloop.venues.weex import schemas as weex
from alphaloop.venues.weex.v3.client import WeexV3Client
from alphaloop.venues.woox import schemas as woox
from tests.unit.venues.weex.fakes import CREDENTIALS, FakeClock

HUGE = ["1e999999", "-1e999999", "1e-999999", Decimal("1e999999")]
TYPES: list[tuple[str, Any]] = [
    ("weex.Num", weex.Num),
    ("weex.Int", weex.Int),
    ("woox.Num", woox.Num),
    ("woox.Int", woox.Int),
    ("woox.Ms", woox.Ms),
]


@pytest.mark.timeout(10)
@pytest.mark.parametrize("value", HUGE, ids=str)
@pytest.mark.parametrize(("name", "kind"), TYPES, ids=[t[0] for t in TYPES])
def test_absurd_magnitudes_are_validation_errors(name: str, kind: Any, value: Any) -> None:
    with pytest.raises(ValidationError):
        TypeAdapter(kind).validate_python(value)


@pytest.mark.timeout(10)
def test_an_id_sent_as_an_absurd_number_is_a_validation_error() -> None:
    # ids are opaque text when they arrive as text; a JSON number is turned into digits first
    with pytest.raises(ValidationError):
        TypeAdapter(woox.Id).validate_python(Decimal("1e999999"))


@pytest.mark.parametrize("value", ["abc", "NaN", "", " "])
def test_text_where_an_integer_belongs_is_a_validation_error(value: str) -> None:
    with pytest.raises(ValidationError):
        TypeAdapter(weex.Int).validate_python(value)


def test_ordinary_numbers_still_pass() -> None:
    assert TypeAdapter(weex.Num).validate_python("0.00000123") == Decimal("0.00000123")
    assert TypeAdapter(weex.Num).validate_python("0E-60") == 0
    assert TypeAdapter(weex.Int).validate_python("1765423487896") == 1765423487896
    assert TypeAdapter(woox.Ms).validate_python("1752049062.496") == 1752049062496
    assert TypeAdapter(woox.Id).validate_python(Decimal("702345678901234567")) == "702345678901234567"


@pytest.mark.asyncio
@pytest.mark.timeout(10)
@pytest.mark.parametrize(
    "body",
    [
        b"{}",
        b'{"serverTime":"abc"}',
        b'{"serverTime":NaN}',
        b'{"serverTime":1e999999}',
        b'{"serverTime":null}',
        b'{"serverTime":-5}',
        b'{"serverTime":1.5}',
    ],
)
async def test_a_bad_v3_server_time_is_a_typed_error(body: bytes) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body if request.url.path.endswith("/market/time") else b"[]")

    client = WeexV3Client(
        "https://api-contract.weex.test",
        CREDENTIALS,
        transport=httpx.MockTransport(answer),
        clock=FakeClock(),
    )
    async with client:
        with pytest.raises(AlphaloopError):
            await client.raw.get_account_balance()
