"""WEEX's error table: business codes (spec 2.5, 4.3), message substrings and HTTP statuses (spec
4.1) mapped onto alphaloop's error hierarchy, resolved in the order `venues/http/errors.py` states.

Substrings refine broad codes such as 40020 "Parameter symbol is invalid" and catch undocumented
ones; `envelope_code` reads `{"code", "msg"}` error bodies.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from alphaloop.model import errors as err
from alphaloop.venues.http.errors import COMMON_HTTP_STATUSES, ErrorClass, ErrorTable
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
    "40001": err.AuthenticationError,  # ACCESS_KEY header missing
    "40002": err.AuthenticationError,  # ACCESS_SIGN header missing
    "40003": err.AuthenticationError,  # ACCESS_TIMESTAMP header missing
    "40005": err.AuthenticationError,  # timestamp not a ms integer (resynced and retried once first)
    "40006": err.AuthenticationError,  # unknown key
    "40007": err.ConfigurationError,  # Content-Type: a client bug, not a credential problem
    "40008": err.TimestampSkewError,  # outside the 30 s window: resync the clock
    "40009": err.AuthenticationError,  # signature mismatch
    "40011": err.AuthenticationError,  # passphrase header missing
    "40012": err.AuthenticationError,  # wrong key/passphrase pair
    # permissions: valid key, but not allowed to do this
    "40013": err.PermissionDeniedError,  # account frozen
    "40014": err.PermissionDeniedError,  # key lacks the permission
    "40016": err.PermissionDeniedError,  # must bind phone / Google Authenticator
    "40018": err.PermissionDeniedError,  # IP not on the allow-list
    "40022": err.PermissionDeniedError,  # HTTP 403 operation not allowed
    "40753": err.PermissionDeniedError,  # API permission disabled
    "50004": err.PermissionDeniedError,  # endpoint not allowed for this key
    # rate limit
    "429": err.RateLimitedError,
    # definitive rejections
    # 40015 "System error" is also what the venue answers for a preset TP/SL on the wrong side of the
    # entry price (FIELD), so it is treated as a rejection: re-sending the same order is not safe.
    "40015": err.ExchangeRejectedError,
    "40017": err.InvalidOrderError,  # parameter validation failed
    "40019": err.InvalidOrderError,  # parameter cannot be empty
    "40020": err.InvalidOrderError,  # parameter invalid (refined by SUBSTRINGS, e.g. symbol)
    "40912": err.InvalidOrderError,  # batch cancel above 50
    "40913": err.InvalidOrderError,  # neither orderId nor clientOid
    "50003": err.SymbolNotAllowedError,  # no permission to trade this pair
    "50005": err.OrderNotFoundError,
    "50007": err.LeverageLimitError,
}

#: (substring of the lower-cased msg, class); first match wins.
SUBSTRINGS: tuple[tuple[str, ErrorClass], ...] = (
    ("parameter symbol", err.SymbolNotAllowedError),
    ("permission to trade this pair", err.SymbolNotAllowedError),
    ("insufficient", err.InsufficientFundsError),
    ("not enough", err.InsufficientFundsError),
    ("balance", err.InsufficientFundsError),
    ("margin is not", err.InsufficientFundsError),
    ("leverage", err.LeverageLimitError),
    ("order does not exist", err.OrderNotFoundError),
    ("order not exist", err.OrderNotFoundError),
    ("too many requests", err.RateLimitedError),
    ("too frequent", err.RateLimitedError),
    ("timestamp expired", err.TimestampSkewError),
    ("timestamp has expired", err.TimestampSkewError),
    ("ip request", err.PermissionDeniedError),
    ("whitelist", err.PermissionDeniedError),
)

#: HTTP statuses when no business code decides (spec 4.1).
HTTP_STATUSES: Mapping[int, ErrorClass] = {
    **COMMON_HTTP_STATUSES,
    521: err.PermissionDeniedError,  # "Web Server is Down - IP not whitelisted"
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
