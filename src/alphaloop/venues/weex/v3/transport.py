"""The WEEX contract API v3 hooks of the shared request pipeline (`venues/http/transport.py`).

What differs from v2 (`venues/weex/transport.py`) and is v3's own: the path table (`constants.py`),
bare JSON answers instead of the `{code, msg, data}` envelope, errors as `{"code": -1xxx, "msg"}`
(`errors.py`), per-order failures inside HTTP 200 (`success:false` + `errorCode`), `-1043`/`-1046`
as refused timestamps, `serverTime` as the clock, DELETE for cancels and v3 weights. Signing is
v2's algorithm unchanged (spec 2.2), so the v2 `WeexAuth` is reused. Retry, resync and the
unknown-outcome policy are the shared transport's.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Unpack

from pydantic import BaseModel, Field, SecretStr, TypeAdapter

from alphaloop.model.errors import AlphaloopError
from alphaloop.venues.http.auth import SigningAuth
from alphaloop.venues.http.clock import Clock
from alphaloop.venues.http.errors import ErrorTable
from alphaloop.venues.http.ratelimit import AsyncRateLimiter, Quota
from alphaloop.venues.http.transport import Call, HttpTransport, TransportOptions
from alphaloop.venues.weex.constants import (
    ORDER_CALLS_PER_SECOND,
    VENUE_NAME,
    WEIGHT_WINDOW_SECONDS,
    Endpoint,
)
from alphaloop.venues.weex.transport import WeexAuth, endpoint_costs
from alphaloop.venues.weex.v3 import errors
from alphaloop.venues.weex.v3.constants import (
    AI_LOG_PATH,
    ENDPOINTS_BY_NAME,
    TIMESTAMP_WINDOW_MS,
    WEIGHT_LIMIT,
)

if TYPE_CHECKING:
    from alphaloop.config import WeexCredentials

__all__ = ["MONEY_MOVING", "WeexV3Transport", "default_quotas"]

_CLIENT_ID_KEYS = ("newClientOrderId", "clientAlgoId", "origClientOrderId")


class _ServerTime(BaseModel):
    """`GET /capi/v3/market/time`: `{"serverTime": ms}`; a time before 2001 or after 5138 is no clock."""

    serverTime: Annotated[Decimal, Field(ge=10**12, lt=10**14, decimal_places=0)]


_SERVER_TIME: TypeAdapter[_ServerTime] = TypeAdapter(_ServerTime)
#: a lost answer of these is an unknown outcome, never re-sent
MONEY_MOVING = frozenset(
    {
        "v3_placeOrder",
        "v3_cancelOrder",
        "v3_batchCancel",
        "v3_cancelAllOpen",
        "v3_closePositions",
        "v3_placeAlgo",
        "v3_cancelAlgo",
        "v3_cancelAllAlgo",
        "v3_placeTpSl",
        "v3_modifyTpSl",
        "v3_leverage",
        "v3_marginType",
        "v3_positionMargin",
    }
)


def default_quotas() -> tuple[Quota, ...]:
    """500 weight per 10 s per IP and per key (spec 3: JK and ccxt agree), v2's order-call budget."""
    return (
        Quota("ip", WEIGHT_LIMIT, WEIGHT_WINDOW_SECONDS),
        Quota("uid", WEIGHT_LIMIT, WEIGHT_WINDOW_SECONDS),
        Quota("orders", ORDER_CALLS_PER_SECOND, 1.0),
    )


def error_of(payload: Any) -> tuple[str | None, str]:
    """(code, msg) of a v3 error body, or (None, "") when it is not one."""
    if not isinstance(payload, Mapping):
        return None, ""
    code = payload.get("code")
    msg = payload.get("msg") or payload.get("message") or payload.get("error") or ""
    return (str(code) if code is not None else None), str(msg)


class WeexV3Transport(HttpTransport[Endpoint, AsyncRateLimiter, "WeexCredentials"]):
    """Shared machinery of `WeexV3Client`; the raw endpoint methods live in `api.py`."""

    venue: ClassVar[str] = VENUE_NAME
    venue_label: ClassVar[str] = "WEEX v3"
    endpoints: ClassVar[Mapping[str, Any]] = ENDPOINTS_BY_NAME
    errors: ClassVar[ErrorTable] = errors.TABLE
    window_ms: ClassVar[int] = TIMESTAMP_WINDOW_MS
    client_id_keys: ClassVar[tuple[str, ...]] = _CLIENT_ID_KEYS
    # single cancels carry their parameters in the query; no body on DELETE (spec 1)
    body_methods: ClassVar[frozenset[str]] = frozenset({"POST"})
    resync_invalidates: ClassVar[bool] = False

    def __init__(
        self,
        base_url: str,
        credentials: WeexCredentials | None,
        *,
        locale: str = "en-US",
        ai_log_path: str = AI_LOG_PATH,
        limiter: AsyncRateLimiter | None = None,
        **options: Unpack[TransportOptions],
    ) -> None:
        """`locale` is sent as a header; `ai_log_path` is where AI logs go (spec 7.4); see
        `TransportOptions` for the rest."""
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
        return endpoint.name in MONEY_MOVING

    def is_timestamp_refusal(self, exc: AlphaloopError) -> bool:
        return exc.code in errors.TIMESTAMP_ERROR_CODES

    def unknown_on_status(self, status: int) -> bool:
        return status >= 500

    def status_error(self, payload: Any) -> tuple[str | None, str]:
        return error_of(payload)

    def unwrap(self, call: Call[Endpoint], payload: Any) -> tuple[Any, int | None]:
        """Bare payloads pass; `{code, msg}` with a code other than 200/00000 is an error (spec 1.1),
        and a single order result with `success: false` is the venue's refusal (spec 4.4)."""
        if isinstance(payload, dict):
            code, msg = error_of(payload)
            if code is not None and "msg" in payload and code not in ("200", "00000", "0"):
                self.raise_venue_error(call, code, msg)
            if payload.get("success") is False:
                failure = payload.get("errorCode") or None
                self.raise_venue_error(
                    call, str(failure) if failure else None, str(payload.get("errorMessage") or "refused")
                )
        return payload, None

    async def server_time(self) -> int:
        return int((await self._call("v3_time", _SERVER_TIME)).serverTime)
