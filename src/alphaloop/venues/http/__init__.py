"""The venue-neutral HTTP layer under every venue dialect: one request pipeline (`transport.py`),
request encoding, signing and redaction (`auth.py`), the error-table machinery (`errors.py`), the
client-side rate limiters (`ratelimit.py`) and the clocks (`clock.py`).

Imports only `alphaloop.model` and third-party libraries, never a dialect: WEEX v2 (`venues/weex`)
and WOO X V3 (`venues/woox`) sit on top of it by supplying hooks (see `transport.py`'s docstring and
docs/architecture.md).
"""

from alphaloop.venues.http.auth import HeaderSigner, Redactor, SigningAuth
from alphaloop.venues.http.clock import DEFAULT_WINDOW_MS, SYSTEM_CLOCK, Clock, ServerClock, SystemClock
from alphaloop.venues.http.encoding import encode_body, encode_query, wire_text
from alphaloop.venues.http.errors import COMMON_HTTP_STATUSES, ErrorClass, ErrorTable
from alphaloop.venues.http.ratelimit import AsyncRateLimiter, KeyedRateLimiter, Quota, SlidingWindow
from alphaloop.venues.http.transport import Call, EndpointSpec, HttpTransport, Limiter, retry_after

__all__ = [
    "COMMON_HTTP_STATUSES",
    "DEFAULT_WINDOW_MS",
    "SYSTEM_CLOCK",
    "AsyncRateLimiter",
    "Call",
    "Clock",
    "EndpointSpec",
    "ErrorClass",
    "ErrorTable",
    "HeaderSigner",
    "HttpTransport",
    "KeyedRateLimiter",
    "Limiter",
    "Quota",
    "Redactor",
    "ServerClock",
    "SigningAuth",
    "SlidingWindow",
    "SystemClock",
    "encode_body",
    "encode_query",
    "retry_after",
    "wire_text",
]
