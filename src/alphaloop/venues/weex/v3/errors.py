"""WEEX v3 error codes (`-1xxx`, `-3xxx`, spec 2.6 and 4.3) mapped onto alphaloop's error hierarchy
through the shared `ErrorTable` (venues/http/errors.py: code, then message substring, then HTTP status).
"""

from __future__ import annotations

from collections.abc import Mapping

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

EXACT_CODES: Mapping[str, ErrorClass] = {
    "-1040": AuthenticationError,  # key header missing
    "-1041": AuthenticationError,  # signature header missing
    "-1042": AuthenticationError,  # timestamp header missing
    "-1043": AuthenticationError,  # timestamp not valid (resynced and retried once first)
    "-1044": AuthenticationError,  # unknown key
    "-1045": ConfigurationError,  # Content-Type: a client bug
    "-1046": TimestampSkewError,  # outside the window: resync the clock
    "-1047": AuthenticationError,  # signature mismatch
    "-1049": AuthenticationError,  # key/passphrase pair wrong
    "-1050": PermissionDeniedError,
    "-1051": PermissionDeniedError,
    "-1052": PermissionDeniedError,
    "-1053": PermissionDeniedError,
    "-1055": PermissionDeniedError,
    "-1056": PermissionDeniedError,  # IP not on the allow-list
    "-1057": PermissionDeniedError,
    "-1058": SymbolNotAllowedError,
    "-1190": PermissionDeniedError,
    "-1003": RateLimitedError,  # the simulator's guess (spec 3); the HTTP 429 decides anyway
    # -1054 "system error" is also how WEEX refuses a margin move ("amount not enough", CCXT-LIVE):
    # a rejection refined by SUBSTRINGS, never re-sent blindly
    "-1054": ExchangeRejectedError,
    "-1000": ExchangeRejectedError,
    "-1115": InvalidOrderError,
    "-1116": InvalidOrderError,
    "-1117": InvalidOrderError,
    "-1121": SymbolNotAllowedError,
    "-1128": InvalidOrderError,
    "-1135": ConfigurationError,  # we sent a body that is not JSON
    "-1140": InvalidOrderError,
    "-1141": InvalidOrderError,
    "-1142": InvalidOrderError,
    "-1150": ConfigurationError,  # wrong HTTP method: the path table is wrong
    "-1160": InvalidOrderError,
    "-1170": InvalidOrderError,
    "-1171": InvalidOrderError,
    "-1180": InvalidOrderError,
    "-3006": InvalidOrderError,
    "-3007": InvalidOrderError,
    "-3200": OrderNotFoundError,
    "-3235": SymbolNotAllowedError,
    "-3236": PermissionDeniedError,
    "-3313": LeverageLimitError,
    # symbolic per-order codes (spec 4.4)
    "ORDER_NOT_FOUND": OrderNotFoundError,
    "FAILED_ORDER_NOT_FOUND": OrderNotFoundError,
    "FAILED_PRECONDITION": ExchangeRejectedError,
}

SUBSTRINGS: tuple[tuple[str, ErrorClass], ...] = (
    ("amount not enough", InsufficientFundsError),
    ("insufficient", InsufficientFundsError),
    ("not enough", InsufficientFundsError),
    ("leverage", LeverageLimitError),
    ("order does not exist", OrderNotFoundError),
    ("order not exist", OrderNotFoundError),
    ("too many requests", RateLimitedError),
    ("timestamp expired", TimestampSkewError),
)

HTTP_STATUSES: Mapping[int, ErrorClass] = {
    400: ExchangeRejectedError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: ConfigurationError,  # wrong path: the endpoint table or base URL is wrong
    405: ConfigurationError,
    429: RateLimitedError,
}

TABLE = ErrorTable(VENUE_NAME, EXACT_CODES, SUBSTRINGS, HTTP_STATUSES)
TIMESTAMP_ERROR_CODES = frozenset({"-1043", "-1046"})
