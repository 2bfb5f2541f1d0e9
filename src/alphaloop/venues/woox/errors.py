"""WOO X's error table: gateway codes (spec 3.1), order-service codes (3.2), message substrings and
HTTP statuses mapped onto alphaloop's error hierarchy, resolved in the order `venues/http/errors.py`
states.

Error envelope (spec 2.1): `{"success": false, "code": -1005, "message": "..."}`; the code is a
number or a numeric string, negative for the gateway (-1000..-1105) and 6-digit positive for the
order service (3021xx, 3171xx). `AUTH_SUBSTRINGS` refine the credential codes (-1002 covers a revoked
key, a timestamp outside the window and a missing right), `SUBSTRINGS` refine broad rejections
such as -1005 and catch undocumented codes.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from alphaloop.model import errors as err
from alphaloop.venues.http.errors import COMMON_HTTP_STATUSES, ErrorClass, ErrorTable
from alphaloop.venues.woox.constants import VENUE_NAME

__all__ = [
    "AUTH_SUBSTRINGS",
    "EXACT_CODES",
    "HTTP_STATUSES",
    "SUBSTRINGS",
    "TABLE",
    "ErrorClass",
    "envelope_error",
    "error_class",
    "make_error",
    "normalize_code",
]

EXACT_CODES: Mapping[str, ErrorClass] = {
    # gateway codes (spec 3.1)
    "-1000": err.ExchangeUnavailableError,  # unknown error while processing (HTTP 500)
    "-1001": err.AuthenticationError,  # key/secret format, bad signature
    "-1002": err.AuthenticationError,  # key invalid, expired, revoked (refined by SUBSTRINGS)
    "-1003": err.RateLimitedError,
    "-1004": err.InvalidOrderError,  # unknown parameter: a client bug, never retry
    "-1005": err.InvalidOrderError,  # parameter format (refined: symbol, price...)
    "-1006": err.OrderNotFoundError,  # not found, or already cancelled
    "-1007": err.InvalidOrderError,  # duplicate request / clientOrderId
    "-1008": err.InvalidOrderError,  # quantity too high
    "-1011": err.ExchangeUnavailableError,  # internal network, maintenance: nothing was placed
    "-1012": err.ExchangeRejectedError,  # rejected internally (e.g. account in liquidation)
    "-1101": err.LeverageLimitError,  # risk too high / leverage too low
    "-1102": err.InvalidOrderError,  # min notional
    "-1103": err.InvalidOrderError,  # price not on tick
    "-1104": err.InvalidOrderError,  # quantity not on step
    "-1105": err.InvalidOrderError,  # price too far from mid
    # order-service codes (spec 3.2)
    "302101": err.SymbolNotAllowedError,
    "302102": err.InsufficientFundsError,
    "302104": err.InsufficientFundsError,
    "302111": err.PermissionDeniedError,  # account being liquidated: trading suspended
    "302114": err.InvalidOrderError,
    "302115": err.InvalidOrderError,
    "302117": err.InvalidOrderError,  # duplicate clientOrderId among open orders
    "302118": err.InsufficientFundsError,
    "302125": err.InvalidOrderError,  # quantity exceeds position
    "302127": err.OrderNotFoundError,  # order terminated
    "302129": err.OrderNotFoundError,
    "302131": err.PermissionDeniedError,  # futures trading not enabled for the account
    "302137": err.InvalidOrderError,
    "302138": err.InvalidOrderError,  # reduce-only would increase the position
    "302140": err.InvalidOrderError,
    "302141": err.InvalidOrderError,
    "302164": err.InvalidOrderError,  # below minNotional
    "302172": err.InvalidOrderError,  # max position size
    "302177": err.InvalidOrderError,  # pending-new orders cannot be edited
    "302185": err.ExchangeRejectedError,  # position mode switch in progress
    "302186": err.ConfigurationError,  # positionSide incompatible with the account's position mode
    "302188": err.InvalidOrderError,
    "302189": err.ExchangeRejectedError,  # isolated leverage change with pending orders
    "302195": err.ConfigurationError,
    "302303": err.InvalidOrderError,
    "302306": err.LeverageLimitError,  # leverage must be a positive integer
    "302314": err.InvalidOrderError,
    "317139": err.InvalidOrderError,
    "317140": err.InvalidOrderError,
    "317141": err.InvalidOrderError,
    "317142": err.InvalidOrderError,
    "317143": err.InvalidOrderError,
    "317150": err.InvalidOrderError,  # trigger price must be above a reference
    "317151": err.InvalidOrderError,  # trigger price must be below a reference
    "317152": err.OrderNotFoundError,
    "317155": err.SymbolNotAllowedError,
    "317156": err.SymbolNotAllowedError,
    "317157": err.ExchangeUnavailableError,  # trading temporarily suspended
    "317158": err.ExchangeUnavailableError,
    "317159": err.SymbolNotAllowedError,
    "317161": err.OrderNotFoundError,  # order completed
    "317164": err.InvalidOrderError,  # invalid client order id
    "317167": err.InvalidOrderError,  # unsupported algoType
    "317177": err.OrderNotFoundError,  # order terminated
    "317178": err.TimestampSkewError,  # receive window invalid
    "317179": err.TimestampSkewError,  # receive window exceeded
    "317184": err.OrderNotFoundError,  # already completed
}

#: Refinements of credential codes (-1001, -1002): the same code covers a revoked key, a timestamp
#: outside the window and a missing right, whose remedies differ. (substring, class); first match wins.
AUTH_SUBSTRINGS: tuple[tuple[str, ErrorClass], ...] = (
    ("timestamp expired", err.TimestampSkewError),
    ("timestamp is expired", err.TimestampSkewError),
    ("outside the window", err.TimestampSkewError),
    ("receive window", err.TimestampSkewError),
    ("ip not", err.PermissionDeniedError),
    ("ip address", err.PermissionDeniedError),
    ("whitelist", err.PermissionDeniedError),
    ("no permission", err.PermissionDeniedError),
    ("not allowed", err.PermissionDeniedError),
)

#: Refinements of broad rejection codes and of unknown codes.
SUBSTRINGS: tuple[tuple[str, ErrorClass], ...] = (
    ("symbol does not exist", err.SymbolNotAllowedError),
    ("symbol not exist", err.SymbolNotAllowedError),
    ("symbol is invalid", err.SymbolNotAllowedError),
    ("unsupported symbol", err.SymbolNotAllowedError),
    ("invalid symbol", err.SymbolNotAllowedError),
    ("insufficient", err.InsufficientFundsError),
    ("not enough", err.InsufficientFundsError),
    ("margin is not", err.InsufficientFundsError),
    ("leverage", err.LeverageLimitError),
    ("already canceled", err.OrderNotFoundError),
    ("not valid or already", err.OrderNotFoundError),
    ("does not exist", err.OrderNotFoundError),
    ("rate limit", err.RateLimitedError),
    ("maintenance", err.ExchangeUnavailableError),
    ("receive window", err.TimestampSkewError),
)

HTTP_STATUSES: Mapping[int, ErrorClass] = {
    **COMMON_HTTP_STATUSES,
    405: err.ConfigurationError,
    409: err.InvalidOrderError,
}


def normalize_code(code: Any) -> str | None:
    """`-1005`, `"-1005"` and `-1005.0` all become `"-1005"`; None stays None."""
    if code is None or isinstance(code, bool):
        return None
    text = str(code).strip()
    if not text:
        return None
    try:
        return str(int(Decimal(text)))
    except (InvalidOperation, ValueError):
        return text


TABLE = ErrorTable(
    VENUE_NAME,
    EXACT_CODES,
    SUBSTRINGS,
    HTTP_STATUSES,
    auth_substrings=AUTH_SUBSTRINGS,
    # no code at all: a gateway answer (404, 502...), whose wording is not the venue's
    refine_without_code=False,
)
#: The alphaloop exception class for one venue error (see the module docstring for the order).
error_class = TABLE.error_class
#: Build (not raise) the mapped exception, `context` prefixing the venue's message.
make_error = TABLE.make_error


def envelope_error(payload: Any) -> tuple[str | None, str] | None:
    """(code, message) when `payload` is a failure envelope, else None."""
    if not isinstance(payload, Mapping) or payload.get("success") is not False:
        return None
    message = payload.get("message") or payload.get("msg") or payload.get("error") or "request failed"
    return normalize_code(payload.get("code")), str(message)
