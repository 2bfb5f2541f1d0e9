"""The request pipeline under every WEEX endpoint method: sign, meter, send, decode, map errors.

One request goes: venue-time check (resync when stale or when the local clock jumped) -> rate
limiter (waits, never exceeds) -> `WeexAuth` signs the exact bytes being sent -> response decoded,
envelope unwrapped, validated against its pydantic schema -> venue errors mapped by `errors.py`.

Retry policy, by remedy:

* 40008 / 40005 (timestamp refused): resync the clock and retry once, any method -- the venue
  rejected the request before acting on it.
* 429: pause the limiter (Retry-After if given, else capped exponential backoff); idempotent GETs
  retry up to `max_retries` times, POSTs raise `RateLimitedError`.
* connection failed before sending: `NetworkError`; GETs retry, POSTs raise.
* timeout, disconnect, 5xx or an unreadable answer after a money-moving POST: the venue may have
  acted, so `UnknownOrderOutcomeError` is raised and the request is never re-sent; the domain
  client resolves it by client id.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Generator, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlencode

import httpx
from pydantic import TypeAdapter, ValidationError

from alphaloop.model.errors import (
    AlphaloopError,
    ConfigurationError,
    ExchangeUnavailableError,
    MalformedResponseError,
    NetworkError,
    RateLimitedError,
    UnknownOrderOutcomeError,
)
from alphaloop.model.instruments import format_decimal
from alphaloop.venues.ratelimit import AsyncRateLimiter, Quota
from alphaloop.venues.weex import signing
from alphaloop.venues.weex.clock import SYSTEM_CLOCK, Clock, ServerClock
from alphaloop.venues.weex.constants import (
    DEFAULT_AI_LOG_PATH,
    ENDPOINTS_BY_NAME,
    IP_WEIGHT_LIMIT,
    MONEY_MOVING_ENDPOINTS,
    ORDER_CALLS_PER_SECOND,
    SUCCESS_CODES,
    TIMESTAMP_ERROR_CODES,
    UID_WEIGHT_LIMIT,
    VENUE_NAME,
    WEIGHT_WINDOW_SECONDS,
    Endpoint,
)
from alphaloop.venues.weex.errors import envelope_code, make_error
from alphaloop.venues.weex.schemas import ServerTime

if TYPE_CHECKING:
    # config imports this package's constants; importing it at runtime here would be circular
    from alphaloop.config import WeexCredentials

T = TypeVar("T")

logger = logging.getLogger("alphaloop.venues.weex")

SNIPPET_CHARS = 200
_CLIENT_ID_KEYS = ("client_oid", "clientOid", "clientOrderId")
_TIME_ADAPTER = TypeAdapter(ServerTime)

# Connection-level failures after which the request cannot have reached the venue.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


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


def encode_query(params: Mapping[str, Any] | None) -> str:
    """Query text in the given order, `None` values dropped; this exact text is signed and sent."""
    if not params:
        return ""
    pairs = [(key, _wire_text(value)) for key, value in params.items() if value is not None]
    return urlencode(pairs)


def encode_body(body: Mapping[str, Any]) -> bytes:
    """Serialise once, compactly; the same bytes are signed and sent."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False, default=_json_default).encode()


def _wire_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format_decimal(value)
    return str(value)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format_decimal(value)
    raise TypeError(f"cannot serialise {type(value).__name__} to JSON")


class Redactor:
    """Removes our secrets from any text that might leave the process (errors, logs)."""

    def __init__(self, credentials: WeexCredentials | None) -> None:
        self._secrets: tuple[str, ...] = ()
        if credentials is not None:
            values = (credentials.api_key, credentials.secret_key, credentials.passphrase)
            self._secrets = tuple(s for s in (v.get_secret_value() for v in values) if len(s) >= 4)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def __repr__(self) -> str:
        return "Redactor(***)"


class WeexAuth(httpx.Auth):
    """Signs a request from the bytes it will send: ACCESS-KEY/SIGN/TIMESTAMP/PASSPHRASE (spec 2.1)."""

    def __init__(self, credentials: WeexCredentials, server_clock: ServerClock) -> None:
        self._credentials = credentials
        self._server_clock = server_clock

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        timestamp = str(self._server_clock.now_ms())
        path, _, query = request.url.raw_path.decode("ascii").partition("?")
        body = request.content.decode("utf-8")
        creds = self._credentials
        signature = signing.sign(
            creds.secret_key.get_secret_value(), timestamp, request.method, path, query, body
        )
        request.headers["ACCESS-KEY"] = creds.api_key.get_secret_value()
        request.headers["ACCESS-SIGN"] = signature
        request.headers["ACCESS-TIMESTAMP"] = timestamp
        request.headers["ACCESS-PASSPHRASE"] = creds.passphrase.get_secret_value()
        yield request

    def __repr__(self) -> str:
        return "WeexAuth(***)"


class WeexTransport:
    """Shared machinery of `WeexHttpClient`; the endpoint methods live in the `api_*` mixins."""

    def __init__(
        self,
        base_url: str,
        credentials: WeexCredentials | None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        http_client: httpx.AsyncClient | None = None,
        timeout: float = 10.0,
        locale: str = "en-US",
        ai_log_path: str = DEFAULT_AI_LOG_PATH,
        clock: Clock = SYSTEM_CLOCK,
        limiter: AsyncRateLimiter | None = None,
        time_sync: bool = True,
        resync_interval: float = 300.0,
        max_retries: int = 3,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.locale = locale
        self.ai_log_path = ai_log_path
        self.time_sync = time_sync
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self._credentials = credentials
        self._redact = Redactor(credentials)
        self._clock = clock
        self.server_clock = ServerClock(clock, resync_interval=resync_interval)
        self.limiter = limiter or AsyncRateLimiter(default_quotas(), clock=clock.monotonic, sleep=clock.sleep)
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(transport=transport, timeout=timeout)
        self._auth = WeexAuth(credentials, self.server_clock) if credentials is not None else None
        self._sync_lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, authenticated={self._auth is not None})"

    @property
    def clock(self) -> Clock:
        return self._clock

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    # ------------------------------------------------------------ venue time

    async def sync_time(self) -> int:
        """Measure the venue-clock offset with `/market/time`; returns the offset in ms."""
        before = self.server_clock.local_ms()
        server = await self._call("time", _TIME_ADAPTER)
        after = self.server_clock.local_ms()
        self.server_clock.update(server.timestamp, before, after)
        offset = self.server_clock.offset_ms
        if self.server_clock.outside_window:
            logger.warning("local clock differs from WEEX by %d ms; correcting request timestamps", offset)
        else:
            logger.debug("WEEX clock offset %d ms", offset)
        return offset

    async def _ensure_time(self) -> None:
        if not self.server_clock.needs_sync():
            return
        async with self._sync_lock:
            if self.server_clock.needs_sync():
                await self.sync_time()

    # ------------------------------------------------------------ requests

    async def _call(
        self,
        name: str,
        adapter: TypeAdapter[T],
        *,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        path: str | None = None,
        envelope: bool = False,
    ) -> T:
        """Call endpoint `name` and validate the (unwrapped) answer with `adapter`."""
        endpoint = ENDPOINTS_BY_NAME[name]
        if endpoint.private and self._auth is None:
            raise ConfigurationError(
                f"{endpoint.method} {endpoint.path} needs WEEX credentials", venue=VENUE_NAME
            )
        path = path or endpoint.path
        query = encode_query(params)
        content = encode_body(body or {}) if endpoint.method == "POST" else b""
        resynced = False
        attempt = 0
        while True:
            try:
                payload = await self._send(endpoint, path, query, content)
                return self._decode(endpoint, path, payload, adapter, envelope=envelope, content=content)
            except AlphaloopError as exc:
                if exc.code in TIMESTAMP_ERROR_CODES and endpoint.private and not resynced:
                    # rejected before acting, so repeating it once with a fresh offset is safe
                    resynced = True
                    logger.info("WEEX refused our timestamp (code %s); resyncing the clock", exc.code)
                    await self.sync_time()
                    continue
                retry_in = self._retry_delay(endpoint, exc, attempt)
                if retry_in is None:
                    raise
                attempt += 1
                logger.info(
                    "retrying %s %s in %.2f s after %s (%d/%d)",
                    endpoint.method,
                    path,
                    retry_in,
                    type(exc).__name__,
                    attempt,
                    self.max_retries,
                )
                if retry_in > 0:
                    await self._clock.sleep(retry_in)

    def _backoff(self, attempt: int) -> float:
        return float(min(self.backoff_cap, self.backoff_base * 2**attempt))

    def _retry_delay(self, endpoint: Endpoint, exc: AlphaloopError, attempt: int) -> float | None:
        """Seconds to wait before retrying, or None when this failure must surface."""
        if isinstance(exc, RateLimitedError):
            delay = exc.retry_after if exc.retry_after is not None else self._backoff(attempt)
            # everyone waits, not just this call: our accounting was evidently optimistic
            self.limiter.block_for(delay)
            if endpoint.method != "GET" or attempt >= self.max_retries:
                return None
            return 0.0  # the limiter does the waiting
        if isinstance(exc, NetworkError | ExchangeUnavailableError):
            if endpoint.method != "GET" or attempt >= self.max_retries:
                return None
            return self._backoff(attempt)
        return None

    async def _send(self, endpoint: Endpoint, path: str, query: str, content: bytes) -> Any:
        if endpoint.private and self.time_sync:
            await self._ensure_time()
        await self.limiter.acquire(endpoint_costs(endpoint))
        url = f"{self.base_url}{path}" + (f"?{query}" if query else "")
        headers = {"Content-Type": "application/json", "locale": self.locale}
        request = self._http.build_request(endpoint.method, url, content=content, headers=headers)
        context = f"{endpoint.method} {path}"
        money = endpoint.name in MONEY_MOVING_ENDPOINTS
        logger.debug("-> %s%s (%d body bytes)", context, f"?{query}" if query else "", len(content))
        try:
            response = await self._http.send(request, auth=self._auth if endpoint.private else None)
        except _NOT_SENT as exc:
            raise NetworkError(
                f"{context}: connection failed before sending ({type(exc).__name__})", venue=VENUE_NAME
            ) from exc
        except httpx.TransportError as exc:
            # the request may have reached the venue
            reason = f"{context}: no answer ({type(exc).__name__})"
            if money:
                raise self._unknown(reason, content) from exc
            raise ExchangeUnavailableError(reason, venue=VENUE_NAME) from exc
        logger.debug("<- %s HTTP %d", context, response.status_code)
        return self._check_status(endpoint, context, response, content)

    def _unknown(
        self, reason: str, content: bytes, *, code: str | None = None, http_status: int | None = None
    ) -> UnknownOrderOutcomeError:
        return UnknownOrderOutcomeError(
            f"{reason}; outcome unknown, reconcile by client id",
            client_order_id=_client_id(content),
            venue=VENUE_NAME,
            code=code,
            http_status=http_status,
        )

    def _check_status(
        self, endpoint: Endpoint, context: str, response: httpx.Response, content: bytes
    ) -> Any:
        status = response.status_code
        money = endpoint.name in MONEY_MOVING_ENDPOINTS
        if 200 <= status < 300:
            try:
                return json.loads(response.content, parse_float=Decimal)
            except ValueError as exc:
                malformed = MalformedResponseError(
                    f"{context}: answer is not JSON: {self._snippet(response.text)}",
                    venue=VENUE_NAME,
                    http_status=status,
                )
                if money:
                    raise self._unknown(f"{context}: unreadable answer", content, http_status=status) from exc
                raise malformed from exc
        try:
            payload: Any = json.loads(response.content)
        except ValueError:
            payload = None
        code, msg = envelope_code(payload)
        if not msg:
            msg = response.reason_phrase or self._snippet(response.text) or "error"
        error = make_error(
            code,
            self._redact(msg),
            http_status=status,
            context=context,
            retry_after=_retry_after(response),
        )
        if money and status >= 500 and status != 521:
            raise self._unknown(
                f"{context}: HTTP {status}", content, code=code, http_status=status
            ) from error
        raise error

    def _decode(
        self,
        endpoint: Endpoint,
        path: str,
        payload: Any,
        adapter: TypeAdapter[T],
        *,
        envelope: bool,
        content: bytes,
    ) -> T:
        context = f"{endpoint.method} {path}"
        if isinstance(payload, dict) and "code" in payload and ("msg" in payload or "data" in payload):
            code, msg = envelope_code(payload)
            if code not in SUCCESS_CODES:
                raise make_error(code, self._redact(msg), http_status=200, context=context)
            if not envelope and "data" in payload:
                payload = payload["data"]
        try:
            return adapter.validate_python(payload)
        except ValidationError as exc:
            failure = exc
        # raised outside the except block so that a secret-bearing ValidationError is not even __context__
        first = failure.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        reason = (
            f"{context}: unexpected answer shape ({failure.error_count()} problem(s), first at {where}: "
            f"{first['msg']}): {self._snippet(json.dumps(payload, default=str))}"
        )
        # pydantic's own text quotes the payload: keep it in the chain only if it holds no secret
        cause = failure if self._redact(str(failure)) == str(failure) else None
        malformed = MalformedResponseError(reason, venue=VENUE_NAME)
        if endpoint.name in MONEY_MOVING_ENDPOINTS:
            malformed.__cause__ = cause
            raise self._unknown(f"{context}: unreadable answer", content) from malformed
        raise malformed from cause

    def _snippet(self, text: str) -> str:
        text = self._redact(text.strip())
        return text if len(text) <= SNIPPET_CHARS else text[:SNIPPET_CHARS] + "..."


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff


def _client_id(content: bytes) -> str | None:
    """The client order id of a request body, so an unknown outcome can be reconciled."""
    if not content:
        return None
    try:
        body = json.loads(content)
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    for key in _CLIENT_ID_KEYS:
        value = body.get(key)
        if value:
            return str(value)
    return None
