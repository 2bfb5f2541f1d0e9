"""The WEEX v2 hooks of the shared request pipeline (`venues/http/transport.py`).

What is WEEX's own: the ACCESS-* signature headers (spec 2.1), the `{"code", "msg", "data"}`
envelope and its success codes, the error table (`errors.py`), three weight budgets (IP, UID and
order calls per second, spec 3), the `locale` header, `/market/time` as the clock, 40005 / 40008 as
refused timestamps, and no unknown outcome on HTTP 521 (the IP allow-list page: nothing was done).
The retry, resync and unknown-outcome policy is the shared transport's.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Unpack

from pydantic import SecretStr, TypeAdapter

from alphaloop.model.errors import AlphaloopError
from alphaloop.venues.http.auth import SigningAuth
from alphaloop.venues.http.clock import Clock, ServerClock
from alphaloop.venues.http.errors import ErrorTable
from alphaloop.venues.http.ratelimit import AsyncRateLimiter, Quota
from alphaloop.venues.http.transport import Call, HttpTransport, TransportOptions
from alphaloop.venues.weex import errors, signing
from alphaloop.venues.weex.constants import (
    DEFAULT_AI_LOG_PATH,
    ENDPOINTS_BY_NAME,
    IP_WEIGHT_LIMIT,
    MONEY_MOVING_ENDPOINTS,
    ORDER_CALLS_PER_SECOND,
    SUCCESS_CODES,
    TIMESTAMP_ERROR_CODES,
    TIMESTAMP_WINDOW_MS,
    UID_WEIGHT_LIMIT,
    VENUE_NAME,
    WEIGHT_WINDOW_SECONDS,
    Endpoint,
)
from alphaloop.venues.weex.schemas import ServerTime

if TYPE_CHECKING:
    # config imports this package's constants; importing it at runtime here would be circular
    from alphaloop.config import WeexCredentials

__all__ = ["WeexAuth", "WeexTransport", "default_quotas", "endpoint_costs", "sign_headers"]

_CLIENT_ID_KEYS = ("client_oid", "clientOid", "clientOrderId")
_TIME_ADAPTER = TypeAdapter(ServerTime)


def default_quotas() -> tuple[Quota, ...]:
    """The venue's documented budgets (spec section 3)."""
    return (
        Quota("ip", IP_WEIGHT_LIMIT, WEIGHT_WINDOW_SECONDS),
        Quota("uid", UID_WEIGHT_LIMIT, WEIGHT_WINDOW_SECONDS),
        Quota("orders", ORDER_CALLS_PER_SECOND, 1.0),
    )


def endpoint_costs(endpoint: Endpoint) -> dict[str, int]:
    return {
        "ip": endpoint.ip_weight,
        "uid": endpoint.uid_weight if endpoint.private else 0,
        "orders": 1 if endpoint.order_call else 0,
    }


def sign_headers(
    credentials: WeexCredentials, timestamp: str, method: str, path: str, query: str, body: str
) -> dict[str, str]:
    """ACCESS-KEY / SIGN / TIMESTAMP / PASSPHRASE of one request (spec 2.1)."""
    signature = signing.sign(credentials.secret_key.get_secret_value(), timestamp, method, path, query, body)
    return {
        "ACCESS-KEY": credentials.api_key.get_secret_value(),
        "ACCESS-SIGN": signature,
        "ACCESS-TIMESTAMP": timestamp,
        "ACCESS-PASSPHRASE": credentials.passphrase.get_secret_value(),
    }


class WeexAuth(SigningAuth):
    """Signs a request from the bytes it will send: ACCESS-KEY/SIGN/TIMESTAMP/PASSPHRASE (spec 2.1)."""

    def __init__(self, credentials: WeexCredentials, server_clock: ServerClock) -> None:
        def signer(timestamp: str, method: str, path: str, query: str, body: str) -> dict[str, str]:
            return sign_headers(credentials, timestamp, method, path, query, body)

        super().__init__(signer, server_clock)


class WeexTransport(HttpTransport[Endpoint, AsyncRateLimiter, "WeexCredentials"]):
    """Shared machinery of `WeexHttpClient`; the endpoint methods live in the `api_*` mixins."""

    venue: ClassVar[str] = VENUE_NAME
    venue_label: ClassVar[str] = "WEEX"
    endpoints: ClassVar[Mapping[str, Any]] = ENDPOINTS_BY_NAME
    errors: ClassVar[ErrorTable] = errors.TABLE
    window_ms: ClassVar[int] = TIMESTAMP_WINDOW_MS
    client_id_keys: ClassVar[tuple[str, ...]] = _CLIENT_ID_KEYS
    resync_invalidates: ClassVar[bool] = False

    def __init__(
        self,
        base_url: str,
        credentials: WeexCredentials | None,
        *,
        locale: str = "en-US",
        ai_log_path: str = DEFAULT_AI_LOG_PATH,
        limiter: AsyncRateLimiter | None = None,
        **options: Unpack[TransportOptions],
    ) -> None:
        """`locale` is sent as a header (error wording); `ai_log_path` is the uploadAiLog path of the
        competition round; see `TransportOptions` for the rest."""
        self.locale = locale
        self.ai_log_path = ai_log_path
        super().__init__(base_url, credentials, limiter=limiter, **options)

    # ------------------------------------------------------------ hooks

    def make_auth(self) -> SigningAuth | None:
        return None if self._credentials is None else WeexAuth(self._credentials, self.server_clock)

    def secrets(self) -> tuple[SecretStr, ...]:
        creds = self._credentials
        return () if creds is None else (creds.api_key, creds.secret_key, creds.passphrase)

    def make_limiter(self, clock: Clock) -> AsyncRateLimiter:
        return AsyncRateLimiter(default_quotas(), clock=clock.monotonic, sleep=clock.sleep)

    async def meter(self, call: Call[Endpoint]) -> None:
        await self.limiter.acquire(endpoint_costs(call.endpoint))

    def request_headers(self, call: Call[Endpoint]) -> dict[str, str]:
        return {"Content-Type": "application/json", "locale": self.locale}

    def money_moving(self, endpoint: Endpoint) -> bool:
        return endpoint.name in MONEY_MOVING_ENDPOINTS

    def is_timestamp_refusal(self, exc: AlphaloopError) -> bool:
        return exc.code in TIMESTAMP_ERROR_CODES

    def unknown_on_status(self, status: int) -> bool:
        # 521 is the IP allow-list page: the request never reached the trading engine
        return status >= 500 and status != 521

    def status_error(self, payload: Any) -> tuple[str | None, str]:
        return errors.envelope_code(payload)

    def unwrap(self, call: Call[Endpoint], payload: Any) -> tuple[Any, int | None]:
        if isinstance(payload, dict) and "code" in payload and ("msg" in payload or "data" in payload):
            code, msg = errors.envelope_code(payload)
            if code not in SUCCESS_CODES:
                self.raise_venue_error(call, code, msg)
            if not call.envelope and "data" in payload:
                payload = payload["data"]
        return payload, None

    async def server_time(self) -> int:
        return (await self._call("time", _TIME_ADAPTER)).timestamp

    def client_id(self, call: Call[Endpoint]) -> str | None:
        """The body's client order id (WEEX sends every money-moving call as a JSON body)."""
        if not call.content:
            return None
        try:
            body = json.loads(call.content)
        except ValueError:
            return None
        if not isinstance(body, dict):
            return None
        for key in _CLIENT_ID_KEYS:
            value = body.get(key)
            if value:
                return str(value)
        return None
