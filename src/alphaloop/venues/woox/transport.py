"""The WOO X V3 hooks of the shared request pipeline (`venues/http/transport.py`).

What is WOO X's own: the x-api-* signature headers, queries and JSON bodies written with sorted
keys and no whitespace like ccxt (the signed text is then byte-identical to the reference
implementation, spec 1.1), the `{"success", "data", "timestamp"}` envelope (its `timestamp` is the
venue clock: `systemInfo` serves as the time endpoint), the error table (`errors.py`), and one rolling
budget per endpoint group, per symbol for order placement (`WooxRateLimiter`). The retry, resync and
unknown-outcome policy is the shared transport's.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import SecretStr, TypeAdapter

from alphaloop.model.errors import MalformedResponseError
from alphaloop.venues.http.auth import SigningAuth
from alphaloop.venues.http.clock import Clock, ServerClock
from alphaloop.venues.http.errors import ErrorTable
from alphaloop.venues.http.ratelimit import KeyedRateLimiter
from alphaloop.venues.http.transport import Call, HttpTransport
from alphaloop.venues.woox import errors, signing
from alphaloop.venues.woox.constants import (
    ENDPOINTS_BY_NAME,
    TIMESTAMP_WINDOW_MS,
    VENUE_NAME,
    Endpoint,
)
from alphaloop.venues.woox.schemas import to_ms

if TYPE_CHECKING:
    # config imports this package's constants; importing it at runtime here would be circular
    from alphaloop.config import WooxCredentials

__all__ = ["WooxAuth", "WooxRateLimiter", "WooxTransport", "sign_headers"]

_ANY: TypeAdapter[Any] = TypeAdapter(Any)


def sign_headers(
    credentials: WooxCredentials, timestamp: str, method: str, path: str, query: str, body: str
) -> dict[str, str]:
    """x-api-key / x-api-timestamp / x-api-signature of one request."""
    secret = credentials.api_secret.get_secret_value()
    return {
        "x-api-key": credentials.api_key.get_secret_value(),
        "x-api-timestamp": timestamp,
        "x-api-signature": signing.sign(secret, timestamp, method, path, query, body),
    }


class WooxAuth(SigningAuth):
    """Signs a request from the bytes it will send: x-api-key / x-api-timestamp / x-api-signature."""

    def __init__(self, credentials: WooxCredentials, server_clock: ServerClock) -> None:
        def signer(timestamp: str, method: str, path: str, query: str, body: str) -> dict[str, str]:
            return sign_headers(credentials, timestamp, method, path, query, body)

        super().__init__(signer, server_clock)


class WooxRateLimiter(KeyedRateLimiter):
    """Client-side budgets of the endpoint table: one rolling window per quota, and per symbol for
    the per-symbol quotas (order placement), created on first use. Waits; never exceeds."""

    @staticmethod
    def scope_key(endpoint: Endpoint, symbol: str | None = None) -> str:
        name = endpoint.quota.name
        return f"{name}@{symbol}" if endpoint.per_symbol and symbol else name

    async def acquire(self, endpoint: Endpoint, symbol: str | None = None) -> float:
        """Wait until one more call fits the endpoint's budget, record it, return the seconds waited."""
        return await self.acquire_key(self.scope_key(endpoint, symbol), endpoint.quota)

    def used(self, endpoint: Endpoint, symbol: str | None = None) -> int:
        return self.used_key(self.scope_key(endpoint, symbol), endpoint.quota)


class WooxTransport(HttpTransport[Endpoint, WooxRateLimiter, "WooxCredentials"]):
    """Shared machinery of `WooxHttpClient`; the endpoint methods live in the `api_*` mixins.

    Construct with `(base_url, credentials, *, limiter=None, **TransportOptions)`."""

    venue: ClassVar[str] = VENUE_NAME
    venue_label: ClassVar[str] = "WOO X"
    endpoints: ClassVar[Mapping[str, Any]] = ENDPOINTS_BY_NAME
    errors: ClassVar[ErrorTable] = errors.TABLE
    sort_keys: ClassVar[bool] = True
    window_ms: ClassVar[int] = TIMESTAMP_WINDOW_MS
    credentials_hint: ClassVar[str] = " (WOOX_API_KEY, WOOX_API_SECRET)"
    client_id_keys: ClassVar[tuple[str, ...]] = ("clientOrderId", "clientAlgoOrderId")
    payload_name: ClassVar[str] = "data"

    # ------------------------------------------------------------ hooks

    def make_auth(self) -> SigningAuth | None:
        return None if self._credentials is None else WooxAuth(self._credentials, self.server_clock)

    def secrets(self) -> tuple[SecretStr, ...]:
        creds = self._credentials
        return () if creds is None else (creds.api_key, creds.api_secret)

    def make_limiter(self, clock: Clock) -> WooxRateLimiter:
        return WooxRateLimiter(clock=clock.monotonic, sleep=clock.sleep)

    async def meter(self, call: Call[Endpoint]) -> None:
        await self.limiter.acquire(call.endpoint, call.symbol)

    def status_error(self, payload: Any) -> tuple[str | None, str]:
        found = errors.envelope_error(payload)
        return found if found is not None else (None, "")

    def unwrap(self, call: Call[Endpoint], payload: Any) -> tuple[Any, int | None]:
        found = errors.envelope_error(payload)
        if found is not None:
            self.raise_venue_error(call, *found)
        if not isinstance(payload, dict) or payload.get("success") is not True:
            raise self.unreadable(
                call,
                f"{call.context}: not a WOO X envelope: {self.snippet(json.dumps(payload, default=str))}",
            )
        try:
            stamp = to_ms(payload.get("timestamp"))
        except ValueError:
            stamp = None  # a server time we cannot read must not fail the call itself
        data = payload.get("data")
        return ({} if data is None else data), stamp

    async def server_time(self) -> int:
        """Server time in ms, from the envelope of `GET /v3/public/systemInfo`."""
        _, stamp = await self._call_stamped("systemInfo", _ANY)
        if stamp is None:
            raise MalformedResponseError("systemInfo answered without a timestamp", venue=VENUE_NAME)
        return stamp
