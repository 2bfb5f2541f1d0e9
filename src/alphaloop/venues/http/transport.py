"""`HttpTransport`: the one request pipeline under every venue dialect (WEEX v2, WOO X V3, ...).

One request goes: venue-time check (resync when stale or when the local clock jumped) -> rate limiter
(waits, never exceeds) -> `SigningAuth` signs the exact bytes being sent -> HTTP status checked ->
JSON decoded (floats as Decimal) -> envelope unwrapped -> payload validated against its pydantic
schema -> venue errors mapped by the dialect's `ErrorTable`.

Retry policy, by remedy (the same for every dialect):

* timestamp refused (`is_timestamp_refusal`): resync the clock and retry once, any method -- the venue
  rejected the request before acting on it.
* 429 (`RateLimitedError`): pause every budget (Retry-After if given, else capped exponential
  backoff); GETs retry up to `max_retries` times, the others raise.
* connection failed before sending: `NetworkError`; GETs retry, the others raise.
* timeout, disconnect, 5xx or an unreadable answer after a money-moving call: the venue may have
  acted, so `UnknownOrderOutcomeError` is raised (carrying the request's client order id) and the
  request is never re-sent; the domain client resolves it by client order id.

Hook interface -- a dialect subclasses `HttpTransport[EndpointT, LimiterT, CredentialsT]` (its
path-table row type, its limiter type, its credentials type) and supplies:

=========================  ===================================================================
class attributes
-----------------------------------------------------------------------------------------------
``venue``                  VENUE_NAME put on every error (``"weex"``)
``venue_label``            the name in log lines and messages (``"WEEX"``)
``endpoints``              path table: endpoint name -> `EndpointSpec` (name, method, path, private)
``errors``                 the dialect's `ErrorTable` (codes, substrings, HTTP statuses)
``sort_keys``              encode queries/bodies with sorted keys (default False: caller's order)
``body_methods``           methods that carry a JSON body (default POST and PUT)
``window_ms``              the venue's timestamp tolerance, for `ServerClock.outside_window`
``credentials_hint``       appended to the "needs credentials" error (which env vars to set)
``client_id_keys``         request fields holding a client order id, for unknown outcomes
``resync_invalidates``     drop the stored offset before the resync after a refused timestamp
``payload_name``           what an error calls the validated payload (``"body"``, ``"data"``)
=========================  ===================================================================

=========================================  ===============================================================
hook methods
------------------------------------------------------------------------------------------------------------
``make_auth()``                              signing: a `SigningAuth` over the dialect's header signer
                                             for ``self._credentials`` (None when they are None)
``secrets()``                                the credential values to redact from any text leaving us
``make_limiter(clock)``                      the default limiter (a constructor argument can replace it)
``meter(call)``                              rate-limit keys: wait on the limiter for this call
``request_headers(call)``                    extra headers (Content-Type, locale...)
``money_moving(endpoint)``                   whether a lost answer is an unknown order outcome
``is_timestamp_refusal(exc)``                the venue refused our timestamp (resync and retry once)
``unknown_on_status(status)``                a non-2xx status after which a money call is in doubt
``status_error(payload)``                    (code, message) of a non-2xx body (the error envelope)
``unwrap(call, payload)``                    envelope: raise on a failure envelope, else (data, stamp)
``server_time()``                            the venue's clock in ms, for time sync
``client_id(call)``                          the client order id a request carried (default: by keys)
=========================================  ===============================================================

Endpoint methods of a dialect (its `api_*` mixins) call ``self._call(name, adapter, params=...,
body=...)``; ``_call_stamped`` also returns the envelope's server timestamp when the dialect has one.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar, Generic, NoReturn, Protocol, Self, TypedDict, TypeVar, Unpack
from urllib.parse import parse_qsl

import httpx
from pydantic import SecretStr, TypeAdapter, ValidationError

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
from alphaloop.venues.http.auth import Redactor, SigningAuth
from alphaloop.venues.http.clock import DEFAULT_WINDOW_MS, SYSTEM_CLOCK, Clock, ServerClock
from alphaloop.venues.http.encoding import encode_body, encode_query
from alphaloop.venues.http.errors import ErrorTable

__all__ = [
    "SNIPPET_CHARS",
    "Call",
    "CallOptions",
    "EndpointSpec",
    "HttpTransport",
    "Limiter",
    "TransportOptions",
    "retry_after",
]

T = TypeVar("T")
_ANY: TypeAdapter[Any] = TypeAdapter(Any)

SNIPPET_CHARS = 200
# Connection-level failures after which the request cannot have reached the venue.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


class EndpointSpec(Protocol):
    """One row of a dialect's path table, as the transport reads it."""

    @property
    def name(self) -> str: ...
    @property
    def method(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def private(self) -> bool: ...


class Limiter(Protocol):
    """What the transport asks of a limiter itself; the dialect's `meter` hook does the acquiring."""

    def block_for(self, seconds: float) -> None: ...


class TransportOptions(TypedDict, total=False):
    """Keyword options every dialect's client accepts (defaults in `HttpTransport.__init__`)."""

    #: an httpx transport to send through (tests: `httpx.MockTransport`, an ASGI app)
    transport: httpx.AsyncBaseTransport | None
    #: a client to share; not closed by `aclose` (the caller owns it)
    http_client: httpx.AsyncClient | None
    timeout: float
    clock: Clock
    #: resync the venue-time offset before signed requests when stale
    time_sync: bool
    resync_interval: float
    #: retries of an idempotent GET after a 429, a failed connection or a 5xx
    max_retries: int
    backoff_base: float
    backoff_cap: float


EndpointT = TypeVar("EndpointT", bound=EndpointSpec)
LimiterT = TypeVar("LimiterT", bound=Limiter)
CredentialsT = TypeVar("CredentialsT")


class CallOptions(TypedDict, total=False):
    """Per-call options of `_call` / `_call_stamped`."""

    #: query parameters (None values dropped)
    params: Mapping[str, Any] | None
    #: JSON body of a POST/PUT
    body: Mapping[str, Any] | None
    #: replaces the table's path (a configurable endpoint such as WEEX's uploadAiLog)
    path: str | None
    #: the symbol of a per-symbol budget (taken from `body`/`params` when not given)
    symbol: str | None
    #: keep the whole envelope instead of its data (dialects that allow it)
    envelope: bool


@dataclass(frozen=True, slots=True)
class Call(Generic[EndpointT]):
    """One request as the hooks see it: the endpoint, the encoded bytes and the call's options."""

    endpoint: EndpointT
    path: str
    query: str
    content: bytes
    #: the symbol of a per-symbol budget (given, or the `symbol` of the body or query)
    symbol: str | None = None
    #: return the whole envelope instead of its `data` (dialects that allow it)
    envelope: bool = False

    @property
    def context(self) -> str:
        return f"{self.endpoint.method} {self.path}"


class HttpTransport(Generic[EndpointT, LimiterT, CredentialsT]):
    """Shared machinery of a venue's raw HTTP client; see the module docstring for the hooks."""

    venue: ClassVar[str]
    venue_label: ClassVar[str]
    endpoints: ClassVar[Mapping[str, Any]]
    errors: ClassVar[ErrorTable]
    sort_keys: ClassVar[bool] = False
    body_methods: ClassVar[frozenset[str]] = frozenset({"POST", "PUT"})
    window_ms: ClassVar[int] = DEFAULT_WINDOW_MS
    credentials_hint: ClassVar[str] = ""
    client_id_keys: ClassVar[tuple[str, ...]] = ()
    resync_invalidates: ClassVar[bool] = True
    payload_name: ClassVar[str] = "body"

    def __init__(
        self,
        base_url: str,
        credentials: CredentialsT | None,
        *,
        limiter: LimiterT | None = None,
        **options: Unpack[TransportOptions],
    ) -> None:
        """`credentials` None: public endpoints only. `limiter` None: `make_limiter`'s."""
        unknown = set(options) - TransportOptions.__optional_keys__
        if unknown:  # what a plain keyword signature would refuse, for untyped callers
            raise TypeError(f"{type(self).__name__}() got unexpected keyword arguments {sorted(unknown)}")
        self._credentials = credentials
        self.base_url = base_url.rstrip("/")
        self.time_sync = options.get("time_sync", True)
        self.max_retries = options.get("max_retries", 3)
        self.backoff_base = options.get("backoff_base", 0.5)
        self.backoff_cap = options.get("backoff_cap", 30.0)
        self._redact = Redactor(self.secrets())
        self._clock = clock = options.get("clock", SYSTEM_CLOCK)
        resync_interval = options.get("resync_interval", 300.0)
        self.server_clock = ServerClock(clock, resync_interval=resync_interval, window_ms=self.window_ms)
        self.limiter: LimiterT = limiter or self.make_limiter(clock)
        http_client = options.get("http_client")
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(
            transport=options.get("transport"), timeout=options.get("timeout", 10.0)
        )
        self._auth = self.make_auth()
        self._sync_lock = asyncio.Lock()
        # one logger per dialect, so log configuration can tell the venues apart
        self._log = logging.getLogger(f"alphaloop.venues.{self.venue}")

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

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # ------------------------------------------------------------ dialect hooks

    def make_auth(self) -> SigningAuth | None:
        """Signing hook: the auth flow that signs private requests with `self.server_clock` time,
        or None when the client has no credentials."""
        return None

    def secrets(self) -> tuple[SecretStr, ...]:
        """The credential values that must never leave the process (redacted from errors and logs)."""
        return ()

    def make_limiter(self, clock: Clock) -> LimiterT:
        """The limiter holding the venue's documented budgets."""
        raise NotImplementedError

    async def meter(self, call: Call[EndpointT]) -> None:
        """Rate-limit hook: wait until `call` fits the budgets it spends, and record it."""
        raise NotImplementedError

    def request_headers(self, call: Call[EndpointT]) -> dict[str, str]:
        """Headers besides authentication; by default a JSON Content-Type when there is a body."""
        return {"Content-Type": "application/json"} if call.content else {}

    def money_moving(self, endpoint: EndpointT) -> bool:
        """Whether the endpoint places, edits or cancels orders (a lost answer is then in doubt)."""
        return bool(getattr(endpoint, "money_moving", False))

    def is_timestamp_refusal(self, exc: AlphaloopError) -> bool:
        """The venue refused our timestamp: resync the clock and retry once."""
        return isinstance(exc, TimestampSkewError)

    def unknown_on_status(self, status: int) -> bool:
        """A non-2xx status after which a money-moving call may have been acted on."""
        return status >= 500

    def status_error(self, payload: Any) -> tuple[str | None, str]:
        """(code, message) carried by the body of a non-2xx answer; (None, "") if none."""
        return None, ""

    def unwrap(self, call: Call[EndpointT], payload: Any) -> tuple[Any, int | None]:
        """Envelope hook: raise the mapped error of a failure envelope (`raise_venue_error`), else
        return the payload to validate and the envelope's server time in ms (None if it has none)."""
        return payload, None

    async def server_time(self) -> int:
        """The venue's clock in ms (from its time endpoint)."""
        raise NotImplementedError

    # ------------------------------------------------------------ helpers for the hooks

    def raise_venue_error(self, call: Call[EndpointT], code: str | None, message: str) -> NoReturn:
        """Raise the mapped error of a failure envelope that came with HTTP 200."""
        raise self.errors.make_error(code, self._redact(message), http_status=200, context=call.context)

    def unreadable(self, call: Call[EndpointT], reason: str) -> AlphaloopError:
        """The error for an answer we cannot read: an unknown outcome after a money-moving call."""
        if self.money_moving(call.endpoint):
            return self._unknown(reason, call)
        return MalformedResponseError(reason, venue=self.venue)

    def snippet(self, text: str) -> str:
        """A redacted, bounded excerpt of an answer for an error message."""
        text = self._redact(text.strip())
        return text if len(text) <= SNIPPET_CHARS else text[:SNIPPET_CHARS] + "..."

    # ------------------------------------------------------------ venue time

    async def sync_time(self) -> int:
        """Measure the venue-clock offset with the `server_time` hook; returns the offset in ms."""
        before = self.server_clock.local_ms()
        server_ms = await self.server_time()
        after = self.server_clock.local_ms()
        self.server_clock.update(server_ms, before, after)
        offset = self.server_clock.offset_ms
        if self.server_clock.outside_window:
            self._log.warning(
                "local clock differs from %s by %d ms; correcting request timestamps",
                self.venue_label,
                offset,
            )
        else:
            self._log.debug("%s clock offset %d ms", self.venue_label, offset)
        return offset

    async def _ensure_time(self) -> None:
        if not self.server_clock.needs_sync():
            return
        async with self._sync_lock:
            if self.server_clock.needs_sync():
                await self.sync_time()

    # ------------------------------------------------------------ requests

    async def _call(self, name: str, adapter: TypeAdapter[T], **options: Unpack[CallOptions]) -> T:
        """Call endpoint `name` and validate the (unwrapped) answer with `adapter`."""
        value, _ = await self._call_stamped(name, adapter, **options)
        return value

    async def _call_stamped(
        self, name: str, adapter: TypeAdapter[T], **options: Unpack[CallOptions]
    ) -> tuple[T, int | None]:
        """`_call`, also returning the envelope's server time in ms (None if the dialect has none)."""
        params = options.get("params")
        body = options.get("body")
        symbol = options.get("symbol")
        endpoint: EndpointT = self.endpoints[name]
        if endpoint.private and self._auth is None:
            needs = f"needs {self.venue_label} credentials{self.credentials_hint}"
            raise ConfigurationError(f"{endpoint.method} {endpoint.path} {needs}", venue=self.venue)
        if symbol is None:
            found = (body or {}).get("symbol") or (params or {}).get("symbol")
            symbol = str(found) if found else None
        call = Call(
            endpoint,
            options.get("path") or endpoint.path,
            encode_query(params, sort_keys=self.sort_keys),
            encode_body(body or {}, sort_keys=self.sort_keys)
            if endpoint.method in self.body_methods
            else b"",
            symbol,
            options.get("envelope", False),
        )
        resynced = False
        attempt = 0
        while True:
            try:
                payload = await self._send(call)
                return self._decode(call, payload, adapter)
            except AlphaloopError as exc:
                if self.is_timestamp_refusal(exc) and endpoint.private and not resynced:
                    # refused before acting, so repeating it once with a fresh offset is safe
                    resynced = True
                    self._log.info(
                        "%s refused our timestamp (code %s); resyncing the clock", self.venue_label, exc.code
                    )
                    if self.resync_invalidates:
                        self.server_clock.invalidate()
                    await self.sync_time()
                    continue
                retry_in = self._retry_delay(endpoint, exc, attempt)
                if retry_in is None:
                    raise
                attempt += 1
                self._log.info(
                    "retrying %s in %.2f s after %s (%d/%d)",
                    call.context,
                    retry_in,
                    type(exc).__name__,
                    attempt,
                    self.max_retries,
                )
                if retry_in > 0:
                    await self._clock.sleep(retry_in)

    def _backoff(self, attempt: int) -> float:
        return float(min(self.backoff_cap, self.backoff_base * 2**attempt))

    def _retry_delay(self, endpoint: EndpointT, exc: AlphaloopError, attempt: int) -> float | None:
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

    async def _send(self, call: Call[EndpointT]) -> Any:
        endpoint = call.endpoint
        if endpoint.private and self.time_sync:
            await self._ensure_time()
        await self.meter(call)
        query = f"?{call.query}" if call.query else ""
        request = self._http.build_request(
            endpoint.method,
            f"{self.base_url}{call.path}{query}",
            content=call.content,
            headers=self.request_headers(call),
        )
        context = call.context
        self._log.debug("-> %s%s (%d body bytes)", context, query, len(call.content))
        try:
            response = await self._http.send(request, auth=self._auth if endpoint.private else None)
        except _NOT_SENT as exc:
            raise NetworkError(
                f"{context}: connection failed before sending ({type(exc).__name__})", venue=self.venue
            ) from exc
        except httpx.TransportError as exc:
            # the request may have reached the venue
            reason = f"{context}: no answer ({type(exc).__name__})"
            if self.money_moving(endpoint):
                raise self._unknown(reason, call) from exc
            raise ExchangeUnavailableError(reason, venue=self.venue) from exc
        self._log.debug("<- %s HTTP %d", context, response.status_code)
        return self._check_status(call, response)

    def _unknown(
        self, reason: str, call: Call[EndpointT], *, code: str | None = None, http_status: int | None = None
    ) -> UnknownOrderOutcomeError:
        return UnknownOrderOutcomeError(
            f"{reason}; outcome unknown, reconcile by client order id",
            client_order_id=self.client_id(call),
            venue=self.venue,
            code=code,
            http_status=http_status,
        )

    def _check_status(self, call: Call[EndpointT], response: httpx.Response) -> Any:
        status = response.status_code
        context = call.context
        money = self.money_moving(call.endpoint)
        if 200 <= status < 300:
            try:
                return json.loads(response.content, parse_float=Decimal)
            except ValueError as exc:
                if money:
                    raise self._unknown(f"{context}: unreadable answer", call, http_status=status) from exc
                raise MalformedResponseError(
                    f"{context}: answer is not JSON: {self.snippet(response.text)}",
                    venue=self.venue,
                    http_status=status,
                ) from exc
        try:
            payload: Any = json.loads(response.content)
        except ValueError:
            payload = None
        code, message = self.status_error(payload)
        if not message:
            message = response.reason_phrase or self.snippet(response.text) or "error"
        error = self.errors.make_error(
            code,
            self._redact(message),
            http_status=status,
            context=context,
            retry_after=retry_after(response),
        )
        if money and self.unknown_on_status(status):
            raise self._unknown(f"{context}: HTTP {status}", call, code=code, http_status=status) from error
        raise error

    def _decode(self, call: Call[EndpointT], payload: Any, adapter: TypeAdapter[T]) -> tuple[T, int | None]:
        data, stamp = self.unwrap(call, payload)
        try:
            return adapter.validate_python(data), stamp
        except ValidationError as exc:
            failure = exc
        # raised outside the except block so that a secret-bearing ValidationError is not even __context__
        first = failure.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(part) for part in first["loc"]) or self.payload_name
        context = call.context
        reason = (
            f"{context}: unexpected answer shape ({failure.error_count()} problem(s), first at {where}: "
            f"{first['msg']}): {self.snippet(json.dumps(data, default=str))}"
        )
        # pydantic's own text quotes the payload: keep it in the chain only if it holds no secret
        cause = failure if self._redact(str(failure)) == str(failure) else None
        malformed = MalformedResponseError(reason, venue=self.venue)
        if self.money_moving(call.endpoint):
            malformed.__cause__ = cause
            raise self._unknown(f"{context}: unreadable answer", call) from malformed
        raise malformed from cause

    def client_id(self, call: Call[EndpointT]) -> str | None:
        """Hook: the client order id the request carried (`client_id_keys` of the body, then the
        query; blank and "0" mean none), so an unknown outcome can be reconciled."""
        fields: dict[str, Any] = {}
        if call.content:
            try:
                body = json.loads(call.content)
            except ValueError:
                body = None
            if isinstance(body, dict):
                fields.update(body)
        if call.query:
            fields.update(parse_qsl(call.query))
        for key in self.client_id_keys:
            value = fields.get(key)
            text = "" if value is None or isinstance(value, bool) else str(value).strip()
            if text and text != "0":
                return text
        return None


def retry_after(response: httpx.Response) -> float | None:
    """Seconds from a Retry-After header, or None (absent, or an HTTP date: use our own backoff)."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
