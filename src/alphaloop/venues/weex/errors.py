"""WEEX error codes and HTTP statuses mapped onto alphaloop's error hierarchy (model/errors.py).

Resolution order, most specific first:

1. the business ``code`` in the error envelope (`EXACT_CODES`, spec sections 2.5 and 4.3);
2. a substring of the (lower-cased) ``msg`` (`SUBSTRINGS`), which refines broad codes such as
   40020 "Parameter symbol is invalid" and catches undocumented codes;
3. the HTTP status (`HTTP_STATUSES`, spec section 4.1).

Clients branch on the code, never on the wording (it varies by locale); substrings only refine.
The venue's code, message and HTTP status stay on the raised exception.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from alphaloop.model.errors import (
    AuthenticationError,
    ConfigurationError,
    ExchangeRejectedError,
    InsufficientFundsError,
    InvalidOrderError,
    LeverageLimitError,
    OrderNotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    SymbolNotAllowedError,
    TimestampSkewError,
)
from alphaloop.venues.http.errors import ErrorClass, ErrorTable
from alphaloop.venues.weex.constants import VENUE_NAME

__all__ = [
    "EXACT_CODES",
    "HTTP_STATUSES",
    "SUBSTRINGS",
    "TABLE",
    "ErrorClass",
    "envelope_code",
    "error_class",
    "make_error",
]

#: Business codes (spec 2.5, 4.3). Every code the spec documents is listed.
EXACT_CODES: Mapping[str, ErrorClass] = {
    # authentication: our key, signature or headers are wrong; retrying cannot help
    "40001": AuthenticationError,  # ACCESS_KEY header missing
    "40002": AuthenticationError,  # ACCESS_SIGN header missing
    "40003": AuthenticationError,  # ACCESS_TIMESTAMP header missing
    "40005": AuthenticationError,  # timestamp not a ms integer (the client resyncs and retries once first)
    "40006": AuthenticationError,  # unknown key
    "40007": ConfigurationError,  # Content-Type: a client bug, not a credential problem
    "40008": TimestampSkewError,  # outside the 30 s window: resync the clock
    "40009": AuthenticationError,  # signature mismatch
    "40011": AuthenticationError,  # passphrase header missing
    "40012": AuthenticationError,  # wrong key/passphrase pair
    # permissions: valid key, but not allowed to do this
    "40013": PermissionDeniedError,  # account frozen
    "40014": PermissionDeniedError,  # key lacks the permission
    "40016": PermissionDeniedError,  # must bind phone / Google Authenticator
    "40018": PermissionDeniedError,  # IP not on the allow-list
    "40022": PermissionDeniedError,  # HTTP 403 operation not allowed
    "40753": PermissionDeniedError,  # API permission disabled
    "50004": PermissionDeniedError,  # endpoint not allowed for this key
    # rate limit
    "429": RateLimitedError,
    # definitive rejections
    # 40015 "System error" is also what the venue answers for a preset TP/SL on the wrong side of the
    # entry price (FIELD), so it is treated as a rejection: re-sending the same order is not safe.
    "40015": ExchangeRejectedError,
    "40017": InvalidOrderError,  # parameter validation failed
    "40019": InvalidOrderError,  # parameter cannot be empty
    "40020": InvalidOrderError,  # parameter invalid (refined by SUBSTRINGS, e.g. symbol)
    "40912": InvalidOrderError,  # batch cancel above 50
    "40913": InvalidOrderError,  # neither orderId nor clientOid
    "50003": SymbolNotAllowedError,  # no permission to trade this pair
    "50005": OrderNotFoundError,
    "50007": LeverageLimitError,
}

#: (substring of the lower-cased msg, class); first match wins.
SUBSTRINGS: tuple[tuple[str, ErrorClass], ...] = (
    ("parameter symbol", SymbolNotAllowedError),
    ("permission to trade this pair", SymbolNotAllowedError),
    ("insufficient", InsufficientFundsError),
    ("not enough", InsufficientFundsError),
    ("balance", InsufficientFundsError),
    ("margin is not", InsufficientFundsError),
    ("leverage", LeverageLimitError),
    ("order does not exist", OrderNotFoundError),
    ("order not exist", OrderNotFoundError),
    ("too many requests", RateLimitedError),
    ("too frequent", RateLimitedError),
    ("timestamp expired", TimestampSkewError),
    ("timestamp has expired", TimestampSkewError),
    ("ip request", PermissionDeniedError),
    ("whitelist", PermissionDeniedError),
)

#: HTTP statuses when no business code decides (spec 4.1).
HTTP_STATUSES: Mapping[int, ErrorClass] = {
    400: ExchangeRejectedError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: ConfigurationError,  # wrong path: the endpoint table or base URL is wrong
    429: RateLimitedError,
    521: PermissionDeniedError,  # "Web Server is Down - IP not whitelisted"
}


TABLE = ErrorTable(VENUE_NAME, EXACT_CODES, SUBSTRINGS, HTTP_STATUSES)
#: The alphaloop exception class for one venue error (see the module docstring for the order).
error_class = TABLE.error_class
#: Build (not raise) the mapped exception, `context` prefixing the venue's message.
make_error = TABLE.make_error


def envelope_code(payload: Any) -> tuple[str | None, str]:
    """(code, msg) from an error envelope, or (None, "") when the body is not one."""
    if isinstance(payload, Mapping) and "code" in payload:
        code = payload.get("code")
        msg = payload.get("msg") or payload.get("message") or payload.get("error") or ""
        return (str(code) if code is not None else None), str(msg)
    if isinstance(payload, Mapping):
        msg = payload.get("msg") or payload.get("message") or payload.get("error") or ""
        return None, str(msg)
    return None, ""
