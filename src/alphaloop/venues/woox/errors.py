"""WOO X error codes and HTTP statuses mapped onto alphaloop's error hierarchy (model/errors.py).

Error envelope (spec 2.1): `{"success": false, "code": -1005, "message": "..."}`; the code is a
number or a numeric string, negative for the gateway (-1000..-1105) and 6-digit positive for the
order service (3021xx, 3171xx). Resolution order, most specific first:

1. the ``code`` (`EXACT_CODES`, spec 3.1 and 3.2);
2. a substring of the lower-cased ``message``: `AUTH_SUBSTRINGS` refine the credential codes
   (-1002 covers a revoked key, a timestamp outside the window and a missing right), `SUBSTRINGS`
   refine broad rejections such as -1005 and catch undocumented codes;
3. the HTTP status (`HTTP_STATUSES`).

The venue's code, message and HTTP status stay on the raised exception.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from alphaloop.model.errors import (
    AuthenticationError,
    ConfigurationError,
    ExchangeRejectedError,
    ExchangeUnavailableError,
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
    "-1000": ExchangeUnavailableError,  # unknown error while processing (HTTP 500)
    "-1001": AuthenticationError,  # key/secret format, bad signature
    "-1002": AuthenticationError,  # key invalid, expired, revoked (refined by SUBSTRINGS)
    "-1003": RateLimitedError,
    "-1004": InvalidOrderError,  # unknown parameter: a client bug, never retry
    "-1005": InvalidOrderError,  # parameter format (refined: symbol, price...)
    "-1006": OrderNotFoundError,  # not found, or already cancelled
    "-1007": InvalidOrderError,  # duplicate request / clientOrderId
    "-1008": InvalidOrderError,  # quantity too high
    "-1011": ExchangeUnavailableError,  # internal network, maintenance: nothing was placed
    "-1012": ExchangeRejectedError,  # rejected internally (e.g. account in liquidation)
    "-1101": LeverageLimitError,  # risk too high / leverage too low
    "-1102": InvalidOrderError,  # min notional
    "-1103": InvalidOrderError,  # price not on tick
    "-1104": InvalidOrderError,  # quantity not on step
    "-1105": InvalidOrderError,  # price too far from mid
    # order-service codes (spec 3.2)
    "302101": SymbolNotAllowedError,
    "302102": InsufficientFundsError,
    "302104": InsufficientFundsError,
    "302111": PermissionDeniedError,  # account being liquidated: trading suspended
    "302114": InvalidOrderError,
    "302115": InvalidOrderError,
    "302117": InvalidOrderError,  # duplicate clientOrderId among open orders
    "302118": InsufficientFundsError,
    "302125": InvalidOrderError,  # quantity exceeds position
    "302127": OrderNotFoundError,  # order terminated
    "302129": OrderNotFoundError,
    "302131": PermissionDeniedError,  # futures trading not enabled for the account
    "302137": InvalidOrderError,
    "302138": InvalidOrderError,  # reduce-only would increase the position
    "302140": InvalidOrderError,
    "302141": InvalidOrderError,
    "302164": InvalidOrderError,  # below minNotional
    "302172": InvalidOrderError,  # max position size
    "302177": InvalidOrderError,  # pending-new orders cannot be edited
    "302185": ExchangeRejectedError,  # position mode switch in progress
    "302186": ConfigurationError,  # positionSide incompatible with the account's position mode
    "302188": InvalidOrderError,
    "302189": ExchangeRejectedError,  # isolated leverage change with pending orders
    "302195": ConfigurationError,
    "302303": InvalidOrderError,
    "302306": LeverageLimitError,  # leverage must be a positive integer
    "302314": InvalidOrderError,
    "317139": InvalidOrderError,
    "317140": InvalidOrderError,
    "317141": InvalidOrderError,
    "317142": InvalidOrderError,
    "317143": InvalidOrderError,
    "317150": InvalidOrderError,  # trigger price must be above a reference
    "317151": InvalidOrderError,  # trigger price must be below a reference
    "317152": OrderNotFoundError,
    "317155": SymbolNotAllowedError,
    "317156": SymbolNotAllowedError,
    "317157": ExchangeUnavailableError,  # trading temporarily suspended
    "317158": ExchangeUnavailableError,
    "317159": SymbolNotAllowedError,
    "317161": OrderNotFoundError,  # order completed
    "317164": InvalidOrderError,  # invalid client order id
    "317167": InvalidOrderError,  # unsupported algoType
    "317177": OrderNotFoundError,  # order terminated
    "317178": TimestampSkewError,  # receive window invalid
    "317179": TimestampSkewError,  # receive window exceeded
    "317184": OrderNotFoundError,  # already completed
}

#: Refinements of credential codes (-1001, -1002): the same code covers a revoked key, a timestamp
#: outside the window and a missing right, whose remedies differ. (substring, class); first match wins.
AUTH_SUBSTRINGS: tuple[tuple[str, ErrorClass], ...] = (
    ("timestamp expired", TimestampSkewError),
    ("timestamp is expired", TimestampSkewError),
    ("outside the window", TimestampSkewError),
    ("receive window", TimestampSkewError),
    ("ip not", PermissionDeniedError),
    ("ip address", PermissionDeniedError),
    ("whitelist", PermissionDeniedError),
    ("no permission", PermissionDeniedError),
    ("not allowed", PermissionDeniedError),
)

#: Refinements of broad rejection codes and of unknown codes.
SUBSTRINGS: tuple[tuple[str, ErrorClass], ...] = (
    ("symbol does not exist", SymbolNotAllowedError),
    ("symbol not exist", SymbolNotAllowedError),
    ("symbol is invalid", SymbolNotAllowedError),
    ("unsupported symbol", SymbolNotAllowedError),
    ("invalid symbol", SymbolNotAllowedError),
    ("insufficient", InsufficientFundsError),
    ("not enough", InsufficientFundsError),
    ("margin is not", InsufficientFundsError),
    ("leverage", LeverageLimitError),
    ("already canceled", OrderNotFoundError),
    ("not valid or already", OrderNotFoundError),
    ("does not exist", OrderNotFoundError),
    ("rate limit", RateLimitedError),
    ("maintenance", ExchangeUnavailableError),
    ("receive window", TimestampSkewError),
)

HTTP_STATUSES: Mapping[int, ErrorClass] = {
    400: ExchangeRejectedError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: ConfigurationError,  # wrong path: the endpoint table or base URL is wrong
    405: ConfigurationError,
    409: InvalidOrderError,
    429: RateLimitedError,
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
