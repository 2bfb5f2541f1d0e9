"""The shared transport driven by a toy dialect: what a new dialect gets by supplying only hooks.

The toy venue signs with one header, wraps answers in `{"ok", "result", "err"}`, has one weight budget
and a two-entry error table; every assertion is about the shared pipeline (signing from the sent bytes,
unwrapping, error mapping, retry, resync once, unknown outcome, redaction).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import httpx
import pytest
from pydantic import SecretStr, TypeAdapter

from alphaloop.model import (
    ExchangeUnavailableError,
    InvalidOrderError,
    MalformedResponseError,
    TimestampSkewError,
    UnknownOrderOutcomeError,
)
from alphaloop.venues.http import (
    COMMON_HTTP_STATUSES,
    AsyncRateLimiter,
    Call,
    Clock,
    ErrorTable,
    HttpTransport,
    Quota,
    SigningAuth,
)

from ..weex.fakes import FakeClock

SECRET = "toy-secret-value"


@dataclass(frozen=True, slots=True)
class ToyEndpoint:
    name: str
    method: str
    path: str
    private: bool
    money_moving: bool = False


ENDPOINTS = {
    e.name: e
    for e in (
        ToyEndpoint("time", "GET", "/time", False),
        ToyEndpoint("balance", "GET", "/balance", True),
        ToyEndpoint("order", "POST", "/order", True, money_moving=True),
    )
}
TABLE = ErrorTable(
    "toy",
    {"E1": InvalidOrderError, "E2": TimestampSkewError},
    (("price", InvalidOrderError),),
    COMMON_HTTP_STATUSES,
)


class ToyTransport(HttpTransport[ToyEndpoint, AsyncRateLimiter, SecretStr]):
    venue: ClassVar[str] = "toy"
    venue_label: ClassVar[str] = "TOY"
    endpoints: ClassVar[Mapping[str, Any]] = ENDPOINTS
    errors: ClassVar[ErrorTable] = TABLE
    sort_keys: ClassVar[bool] = True
    client_id_keys: ClassVar[tuple[str, ...]] = ("cid",)

    def make_auth(self) -> SigningAuth | None:
        secret = self._credentials
        if secret is None:
            return None

        def signer(timestamp: str, method: str, path: str, query: str, body: str) -> dict[str, str]:
            return {"X-Sig": f"{secret.get_secret_value()}|{timestamp}|{method}|{path}|{query}|{body}"}

        return SigningAuth(signer, self.server_clock)

    def secrets(self) -> tuple[SecretStr, ...]:
        return () if self._credentials is None else (self._credentials,)

    def make_limiter(self, clock: Clock) -> AsyncRateLimiter:
        return AsyncRateLimiter([Quota("w", 100, 1.0)], clock=clock.monotonic, sleep=clock.sleep)

    async def meter(self, call: Call[ToyEndpoint]) -> None:
        await self.limiter.acquire({"w": 1})

    def unwrap(self, call: Call[ToyEndpoint], payload: Any) -> tuple[Any, int | None]:
        if isinstance(payload, dict) and payload.get("ok") is False:
            self.raise_venue_error(call, payload.get("err"), str(payload.get("msg", "")))
        if not isinstance(payload, dict) or "result" not in payload:
            raise self.unreadable(call, f"{call.context}: not a toy envelope")
        return payload["result"], payload.get("ts")

    async def server_time(self) -> int:
        _, stamp = await self._call_stamped("time", TypeAdapter(Any))
        assert stamp is not None
        return stamp


Handler = Callable[[httpx.Request], httpx.Response]


def toy(handler: Handler, clock: FakeClock, *, signed: bool = True) -> ToyTransport:
    return ToyTransport(
        "http://toy.test",
        SecretStr(SECRET) if signed else None,
        transport=httpx.MockTransport(handler),
        clock=clock,
        backoff_base=0.25,
    )


def ok(result: Any, ts: int | None = None) -> httpx.Response:
    return httpx.Response(200, json={"ok": True, "result": result, "ts": ts})


@pytest.mark.asyncio
async def test_a_private_call_is_time_synced_signed_from_its_sent_bytes_and_unwrapped() -> None:
    clock = FakeClock()
    seen: list[httpx.Request] = []
    server_ms = int(clock.time() * 1000) + 5_000

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/time":
            return ok(None, ts=server_ms)
        return ok({"id": "1"})

    client = toy(handler, clock)
    try:
        answer = await client._call(
            "order", TypeAdapter(dict[str, str]), body={"z": 1, "cid": "c1", "a": True}
        )
    finally:
        await client.aclose()
    assert answer == {"id": "1"}
    assert [r.url.path for r in seen] == ["/time", "/order"]
    order = seen[1]
    assert order.content == b'{"a":true,"cid":"c1","z":1}'  # sorted keys, compact
    assert order.headers["X-Sig"] == f"{SECRET}|{server_ms}|POST|/order||{order.content.decode()}"


@pytest.mark.asyncio
async def test_a_failure_envelope_maps_through_the_error_table_without_leaking_the_secret() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"ok": False, "err": "E1", "msg": f"bad price, key {SECRET}"})

    client = toy(handler, FakeClock())
    client.time_sync = False
    try:
        with pytest.raises(InvalidOrderError) as caught:
            await client._call("time", TypeAdapter(Any))
    finally:
        await client.aclose()
    assert caught.value.code == "E1"
    assert caught.value.venue == "toy"
    assert SECRET not in str(caught.value)


@pytest.mark.asyncio
async def test_a_refused_timestamp_resyncs_the_clock_and_retries_once() -> None:
    clock = FakeClock()
    paths: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.path)
        if request.url.path == "/time":
            return ok(None, ts=int(clock.time() * 1000))
        return httpx.Response(200, json={"ok": False, "err": "E2", "msg": "timestamp"})

    client = toy(handler, clock)
    try:
        with pytest.raises(TimestampSkewError):
            await client._call("balance", TypeAdapter(Any))
    finally:
        await client.aclose()
    assert paths == ["/time", "/balance", "/time", "/balance"]


@pytest.mark.asyncio
async def test_gets_retry_a_5xx_with_backoff_but_a_lost_order_answer_is_an_unknown_outcome() -> None:
    clock = FakeClock()
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if request.url.path == "/time":
            return httpx.Response(503) if calls.count("/time") < 3 else ok(None, ts=0)
        return httpx.Response(502)

    client = toy(handler, clock)
    client.time_sync = False
    try:
        await client._call("time", TypeAdapter(Any))
        assert clock.sleeps == [0.25, 0.5]
        with pytest.raises(UnknownOrderOutcomeError) as caught:
            await client._call("order", TypeAdapter(Any), body={"cid": "c-7"})
    finally:
        await client.aclose()
    assert caught.value.client_order_id == "c-7"
    assert isinstance(caught.value.__cause__, ExchangeUnavailableError)
    assert calls.count("/order") == 1  # never re-sent


@pytest.mark.asyncio
async def test_an_unreadable_answer_is_malformed_for_a_read_and_unknown_for_an_order() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=json.dumps({"nothing": 1}).encode())

    client = toy(handler, FakeClock())
    client.time_sync = False
    try:
        with pytest.raises(MalformedResponseError):
            await client._call("balance", TypeAdapter(Any))
        with pytest.raises(UnknownOrderOutcomeError):
            await client._call("order", TypeAdapter(Any), body={"cid": "c-8"})
    finally:
        await client.aclose()


def test_a_misspelt_option_is_refused_like_a_plain_keyword_signature() -> None:
    with pytest.raises(TypeError, match="timeot"):
        ToyTransport("http://toy.test", None, timeot=1.0)  # type: ignore[call-arg]
