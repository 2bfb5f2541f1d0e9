"""The request pipeline under every WOO X endpoint method: meter, sign, send, unwrap, map errors.

One request goes: venue-time check (resync from `systemInfo` when stale or when the local clock
jumped) -> rate limiter (waits, never exceeds) -> `WooxAuth` signs the exact bytes being sent ->
response decoded, envelope `{"success", "data", "timestamp"}` unwrapped, `data` validated against
its pydantic schema -> venue errors mapped by `errors.py`.

Queries and JSON bodies are written with sorted keys and no whitespace, like ccxt: the signed text
is then byte-identical to what the reference implementation sends (spec 1.1).

Retry policy, by remedy (the same as the WEEX client's):

* timestamp refused (`TimestampSkewError`): resync the clock and retry once, any method -- the venue
  rejected the request before acting on it.
* 429 / -1003: pause every budget (Retry-After if given, else capped exponential backoff); GETs
  retry up to `max_retries` times, the others raise `RateLimitedError`.
* connection failed before sending: `NetworkError`; GETs retry, the others raise.
* timeout, disconnect, 5xx or an unreadable answer after a money-moving call (place, edit, cancel):
  the venue may have acted, so `UnknownOrderOutcomeError` is raised and the request is never
  re-sent; the domain client resolves it by client order id.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Generator, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import parse_qsl, urlencode

import httpx
from pydantic import TypeAdapter, ValidationError

from alphaloop.model.errors import (
    AlphaloopError,
    ConfigurationError,
    ExchangeUnavailableError,
    MalformedResponseError,
    NetworkError,
    RateLimitedError,
    TimestampSkewError,
    UnknownOrderOutcomeError,
)
from alphaloop.model.instruments import format_decimal
from alphaloop.venues.ratelimit import AsyncRateLimiter, Quota
from alphaloop.venues.weex.clock import SYSTEM_CLOCK, Clock, ServerClock
from alphaloop.venues.woox import signing
from alphaloop.venues.woox.constants import (
    ENDPOINTS_BY_NAME,
    TIMESTAMP_WINDOW_MS,
    VENUE_NAME,
    Endpoint,
)
from alphaloop.venues.woox.errors import envelope_error, make_error
from alphaloop.venues.woox.schemas import to_ms

if TYPE_CHECKING:
    # config imports this package's constants; importing it at runtime here would be circular
    from alphaloop.config import WooxCredentials

T = TypeVar("T")
_ANY: TypeAdapter[Any] = TypeAdapter(Any)

logger = logging.getLogger("alphaloop.venues.woox")

SNIPPET_CHARS = 200
_CLIENT_ID_KEYS = ("clientOrderId", "clientAlgoOrderId")
# Connection-level failures after which the request cannot have reached the venue.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


def encode_query(params: Mapping[str, Any] | None) -> str:
    """Query text with sorted keys and `None` dropped; this exact text is signed and sent."""
    if not params:
        return ""
    pairs = sorted((key, _wire_text(value)) for key, value in params.items() if value is not None)
    return urlencode(pairs)


def encode_body(body: Mapping[str, Any]) -> bytes:
    """Compact JSON with sorted keys, serialised once; the same bytes are signed and sent."""
    return json.dumps(
        body, separators=(",", ":"), sort_keys=True, ensure_ascii=False, default=_json_default
    ).encode()


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

    def __init__(self, credentials: WooxCredentials | None) -> None:
        self._secrets: tuple[str, ...] = ()
        if credentials is not None:
            values = (credentials.api_key, credentials.api_secret)
            self._secrets = tuple(s for s in (v.get_secret_value() for v in values) if len(s) >= 4)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def __repr__(self) -> str:
        return "Redactor(***)"


class WooxAuth(httpx.Auth):
    """Signs a request from the bytes it will send: x-api-key / x-api-timestamp / x-api-signature."""

    def __init__(self, credentials: WooxCredentials, server_clock: ServerClock) -> None:
        self._credentials = credentials
        self._server_clock = server_clock

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        timestamp = str(self._server_clock.now_ms())
        path, _, query = request.url.raw_path.decode("ascii").partition("?")
        body = request.content.decode("utf-8")
        secret = self._credentials.api_secret.get_secret_value()
        request.headers["x-api-key"] = self._credentials.api_key.get_secret_value()
        request.headers["x-api-timestamp"] = timestamp
        request.headers["x-api-signature"] = signing.sign(
            secret, timestamp, request.method, path, query, body
        )
        yield request

    def __repr__(self) -> str:
        return "WooxAuth(***)"


class WooxRateLimiter:
    """Client-side budgets of the endpoint table: one rolling window per quota, and per symbol for
    the per-symbol quotas (order placement), created on first use. Waits; never exceeds."""

    def __init__(self, *, clock: Callable[[], float], sleep: Callable[[float], Awaitable[None]]) -> None:
        self._clock = clock
        self._sleep = sleep
        self._limiters: dict[str, AsyncRateLimiter] = {}
        self._blocked_until = float("-inf")

    @staticmethod
    def scope_key(endpoint: Endpoint, symbol: str | None = None) -> str:
        name = endpoint.quota.name
        return f"{name}@{symbol}" if endpoint.per_symbol and symbol else name

    def _limiter(self, key: str, quota: Quota) -> AsyncRateLimiter:
        limiter = self._limiters.get(key)
        if limiter is None:
            limiter = AsyncRateLimiter([quota], clock=self._clock, sleep=self._sleep)
            self._limiters[key] = limiter
        return limiter

    async def acquire(self, endpoint: Endpoint, symbol: str | None = None) -> float:
        """Wait until one more call fits the endpoint's budget, record it, return the seconds waited."""
        waited = 0.0
        blocked = self._blocked_until - self._clock()
        if blocked > 0:
            await self._sleep(blocked)
            waited += blocked
        key = self.scope_key(endpoint, symbol)
        return waited + await self._limiter(key, endpoint.quota).acquire({endpoint.quota.name: 1})

    def used(self, endpoint: Endpoint, symbol: str | None = None) -> int:
        key = self.scope_key(endpoint, symbol)
        limiter = self._limiters.get(key)
        return 0 if limiter is None else limiter.used(endpoint.quota.name)

    def block_for(self, seconds: float) -> None:
        """Admit nothing for `seconds` (after a 429 our own accounting was evidently optimistic)."""
        self._blocked_until = max(self._blocked_until, self._clock() + seconds)


class WooxTransport:
    """Shared machinery of `WooxHttpClient`; the endpoint methods live in the `api_*` mixins."""

    def __init__(
        self,
        base_url: str,
        credentials: WooxCredentials | None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        http_client: httpx.AsyncClient | None = None,
        timeout: float = 10.0,
        clock: Clock = SYSTEM_CLOCK,
        limiter: WooxRateLimiter | None = None,
        time_sync: bool = True,
        resync_interval: float = 300.0,
        max_retries: int = 3,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.time_sync = time_sync
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self._credentials = credentials
        self._redact = Redactor(credentials)
        self._clock = clock
        self.server_clock = ServerClock(clock, resync_interval=resync_interval)
        self.limiter = limiter or WooxRateLimiter(clock=clock.monotonic, sleep=clock.sleep)
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(transport=transport, timeout=timeout)
        self._auth = WooxAuth(credentials, self.server_clock) if credentials is not None else None
        self._sync_lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, authenticated={self._auth is not None})"

    @property
    def clock(self) -> Clock:
        return self._clock

    @property
    def authenticated(self) -> bool:
        return self._auth is not None

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    # ------------------------------------------------------------ venue time

    async def sync_time(self) -> int:
        """Measure the venue-clock offset with `systemInfo` (its envelope `timestamp`); returns ms."""
        before = self.server_clock.local_ms()
        server_ms = await self.server_time()
        after = self.server_clock.local_ms()
        self.server_clock.update(server_ms, before, after)
        offset = self.server_clock.offset_ms
        if abs(offset) > TIMESTAMP_WINDOW_MS:
            logger.warning("local clock differs from WOO X by %d ms; correcting request timestamps", offset)
        else:
            logger.debug("WOO X clock offset %d ms", offset)
        return offset

    async def server_time(self) -> int:
        """Server time in ms, from the envelope of `GET /v3/public/systemInfo`."""
        _, stamp = await self._call_stamped("systemInfo", _ANY)
        if stamp is None:
            raise MalformedResponseError("systemInfo answered without a timestamp", venue=VENUE_NAME)
        return stamp

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
        symbol: str | None = None,
    ) -> T:
        """Call endpoint `name` and validate its `data` with `adapter`; `symbol` picks the per-symbol
        budget of order placement (taken from `body`/`params` when not given)."""
        value, _ = await self._call_stamped(name, adapter, params=params, body=body, symbol=symbol)
        return value

    async def _call_stamped(
        self,
        name: str,
        adapter: TypeAdapter[T],
        *,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        symbol: str | None = None,
    ) -> tuple[T, int | None]:
        """`_call`, also returning the envelope `timestamp` (server time in ms, None if absent)."""
        endpoint = ENDPOINTS_BY_NAME[name]
        if endpoint.private and self._auth is None:
            raise ConfigurationError(
                f"{endpoint.method} {endpoint.path} needs WOO X credentials (WOOX_API_KEY, WOOX_API_SECRET)",
                venue=VENUE_NAME,
            )
        query = encode_query(params)
        content = encode_body(body or {}) if endpoint.method in ("POST", "PUT") else b""
        if symbol is None:
            found = (body or {}).get("symbol") or (params or {}).get("symbol")
            symbol = str(found) if found else None
        resynced = False
        attempt = 0
        while True:
            try:
                payload = await self._send(endpoint, query, content, symbol)
                return self._decode(endpoint, payload, adapter, content=content, query=query)
            except AlphaloopError as exc:
                if isinstance(exc, TimestampSkewError) and endpoint.private and not resynced:
                    # refused before acting, so repeating it once with a fresh offset is safe
                    resynced = True
                    logger.info("WOO X refused our timestamp (code %s); resyncing the clock", exc.code)
                    self.server_clock.invalidate()
                    await self.sync_time()
                    continue
                retry_in = self._retry_delay(endpoint, exc, attempt)
                if retry_in is None:
                    raise
                attempt += 1
                logger.info(
                    "retrying %s %s in %.2f s after %s (%d/%d)",
                    endpoint.method,
                    endpoint.path,
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
            self.limiter.block_for(delay)
            if endpoint.method != "GET" or attempt >= self.max_retries:
                return None
            return 0.0  # the limiter does the waiting
        if isinstance(exc, NetworkError | ExchangeUnavailableError):
            if endpoint.method != "GET" or attempt >= self.max_retries:
                return None
            return self._backoff(attempt)
        return None

    async def _send(self, endpoint: Endpoint, query: str, content: bytes, symbol: str | None) -> Any:
        if endpoint.private and self.time_sync:
            await self._ensure_time()
        await self.limiter.acquire(endpoint, symbol)
        url = f"{self.base_url}{endpoint.path}" + (f"?{query}" if query else "")
        headers = {"Content-Type": "application/json"} if content else {}
        request = self._http.build_request(endpoint.method, url, content=content, headers=headers)
        context = f"{endpoint.method} {endpoint.path}"
        logger.debug("-> %s%s (%d body bytes)", context, f"?{query}" if query else "", len(content))
        try:
            response = await self._http.send(request, auth=self._auth if endpoint.private else None)
        except _NOT_SENT as exc:
            raise NetworkError(
                f"{context}: connection failed before sending ({type(exc).__name__})", venue=VENUE_NAME
            ) from exc
        except httpx.TransportError as exc:
            reason = f"{context}: no answer ({type(exc).__name__})"
            if endpoint.money_moving:
                raise self._unknown(reason, content, query) from exc
            raise ExchangeUnavailableError(reason, venue=VENUE_NAME) from exc
        logger.debug("<- %s HTTP %d", context, response.status_code)
        return self._check_status(endpoint, context, response, content, query)

    def _unknown(
        self,
        reason: str,
        content: bytes,
        query: str,
        *,
        code: str | None = None,
        http_status: int | None = None,
    ) -> UnknownOrderOutcomeError:
        return UnknownOrderOutcomeError(
            f"{reason}; outcome unknown, reconcile by client order id",
            client_order_id=_client_id(content, query),
            venue=VENUE_NAME,
            code=code,
            http_status=http_status,
        )

    def _check_status(
        self, endpoint: Endpoint, context: str, response: httpx.Response, content: bytes, query: str
    ) -> Any:
        status = response.status_code
        if 200 <= status < 300:
            try:
                return json.loads(response.content, parse_float=Decimal)
            except ValueError as exc:
                if endpoint.money_moving:
                    raise self._unknown(
                        f"{context}: unreadable answer", content, query, http_status=status
                    ) from exc
                raise MalformedResponseError(
                    f"{context}: answer is not JSON: {self._snippet(response.text)}",
                    venue=VENUE_NAME,
                    http_status=status,
                ) from exc
        try:
            payload: Any = json.loads(response.content)
        except ValueError:
            payload = None
        found = envelope_error(payload)
        code, message = found if found is not None else (None, "")
        if not message:
            message = response.reason_phrase or self._snippet(response.text) or "error"
        error = make_error(
            code,
            self._redact(message),
            http_status=status,
            context=context,
            retry_after=_retry_after(response),
        )
        if endpoint.money_moving and status >= 500:
            raise self._unknown(
                f"{context}: HTTP {status}", content, query, code=code, http_status=status
            ) from error
        raise error

    def _decode(
        self, endpoint: Endpoint, payload: Any, adapter: TypeAdapter[T], *, content: bytes, query: str
    ) -> tuple[T, int | None]:
        context = f"{endpoint.method} {endpoint.path}"
        found = envelope_error(payload)
        if found is not None:
            code, message = found
            raise make_error(code, self._redact(message), http_status=200, context=context)
        if not isinstance(payload, dict) or payload.get("success") is not True:
            reason = f"{context}: not a WOO X envelope: {self._snippet(json.dumps(payload, default=str))}"
            if endpoint.money_moving:
                raise self._unknown(reason, content, query)
            raise MalformedResponseError(reason, venue=VENUE_NAME)
        try:
            stamp = to_ms(payload.get("timestamp"))
        except ValueError:
            stamp = None  # a server time we cannot read must not fail the call itself
        data = payload.get("data")
        try:
            return adapter.validate_python({} if data is None else data), stamp
        except ValidationError as exc:
            failure = exc
        # raised outside the except block so a secret-bearing ValidationError is not even __context__
        first = failure.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(part) for part in first["loc"]) or "data"
        reason = (
            f"{context}: unexpected answer shape ({failure.error_count()} problem(s), first at {where}: "
            f"{first['msg']}): {self._snippet(json.dumps(data, default=str))}"
        )
        cause = failure if self._redact(str(failure)) == str(failure) else None
        malformed = MalformedResponseError(reason, venue=VENUE_NAME)
        if endpoint.money_moving:
            malformed.__cause__ = cause
            raise self._unknown(f"{context}: unreadable answer", content, query) from malformed
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


def _client_id(content: bytes, query: str) -> str | None:
    """The client order id a request carried, so an unknown outcome can be reconciled."""
    fields: dict[str, Any] = {}
    if content:
        try:
            body = json.loads(content)
        except ValueError:
            body = None
        if isinstance(body, dict):
            fields.update(body)
    if query:
        fields.update(parse_qsl(query))
    for key in _CLIENT_ID_KEYS:
        value = fields.get(key)
        text = "" if value is None or isinstance(value, bool) else str(value).strip()
        if text and text != "0":
            return text
    return None
