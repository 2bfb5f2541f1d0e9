"""WEEX wire conventions the server emits: error envelopes, the 404 body, number formatting.

Spec sections 1.1 (shapes), 4 (errors) and 2.5 (auth messages, verbatim). Kept free of ASGI so
the auth and rate-limit modules can raise `WeexError` without knowing how it is sent.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Final

from alphaloop.model import format_decimal

# Auth errors, official English texts of spec section 2.5 (clients branch on the code, we copy both).
MISSING_KEY: Final = ("40001", 'Header "ACCESS_KEY" is required')
MISSING_SIGN: Final = ("40002", 'Header "ACCESS_SIGN" is required')
MISSING_TIMESTAMP: Final = ("40003", 'Header "ACCESS_TIMESTAMP" is required')
INVALID_TIMESTAMP: Final = ("40005", "Invalid ACCESS_TIMESTAMP")
INVALID_KEY: Final = ("40006", "Invalid ACCESS_KEY")
INVALID_CONTENT_TYPE: Final = ("40007", 'Invalid Content_Type, use "application/json" format')
TIMESTAMP_EXPIRED: Final = ("40008", "Request timestamp expired")
VERIFICATION_FAILED: Final = ("40009", "API verification failed")
MISSING_PASSPHRASE: Final = ("40011", 'Header "ACCESS_PASSPHRASE" is required')
WRONG_PASSPHRASE: Final = ("40012", "Incorrect API key/Passphrase")
ACCOUNT_FROZEN: Final = ("40013", "Account frozen")
INVALID_PERMISSIONS: Final = ("40014", "Invalid permissions")
INVALID_IP: Final = ("40018", "Invalid IP request")
PERMISSION_DISABLED: Final = ("40753", "API permission disabled")
# Business errors (spec section 4.3).
SYSTEM_ERROR: Final = ("40015", "System error")
VALIDATION_FAILED: Final = ("40017", "Parameter validation failed")
NO_PAIR_PERMISSION: Final = ("50003", "Not have permission to trade this pair.")
NO_API_PERMISSION: Final = ("50004", "Not have permission to access this API.")
ORDER_NOT_FOUND: Final = ("50005", "Order does not exist")
LEVERAGE_LIMIT: Final = ("50007", "Leverage cannot exceed the limit")
TOO_MANY_REQUESTS: Final = ("429", "Too many requests")


class WeexError(Exception):
    """A request refused with a WEEX error envelope; `status` is the HTTP status."""

    __slots__ = ("code", "msg", "status")

    def __init__(self, code: str, msg: str, status: int = 400) -> None:
        super().__init__(f"{code} {msg}")
        self.code = code
        self.msg = msg
        self.status = status

    @classmethod
    def of(cls, pair: tuple[str, str], status: int = 400) -> WeexError:
        return cls(pair[0], pair[1], status)


def param_invalid(name: str) -> WeexError:
    return WeexError("40020", f"Parameter {name} is invalid")


def param_empty(name: str) -> WeexError:
    return WeexError("40019", f"Parameter {name} cannot be empty")


def envelope(code: str, msg: str, request_time: int, data: Any = None) -> dict[str, Any]:
    """The `{code,msg,requestTime,data}` envelope of spec 4.2 (code is a string)."""
    return {"code": code, "msg": msg, "requestTime": request_time, "data": data}


def success_200(request_time: int) -> dict[str, Any]:
    """Envelope of leverage / adjustMargin / modifyAutoAppendMargin / changeHoldModel (no data key)."""
    return {"msg": "success", "requestTime": request_time, "code": "200"}


def success_00000(request_time: int, data: Any) -> dict[str, Any]:
    """Envelope of modifyTpSlOrder (`data:""`) and uploadAiLog (`data:"upload success"`)."""
    return {"code": "00000", "msg": "success", "requestTime": request_time, "data": data}


def not_found_body(path: str, wall_ms: int, status: int = 404, error: str = "Not Found") -> dict[str, Any]:
    """Spring-style body for unknown paths (spec 4.1: v3 shape, GUESS for v2)."""
    stamp = datetime.fromtimestamp(wall_ms / 1000, tz=UTC).isoformat(timespec="milliseconds")
    return {"timestamp": stamp, "status": status, "error": error, "path": path}


def dec(value: Decimal | None) -> str:
    """Decimal as WEEX text (`"90755.3"`), `"0"` for None; no exponent notation."""
    return "0" if value is None else format_decimal(value)


def dec_places(value: Decimal | None, places: int) -> str:
    """Decimal with a fixed number of places, like WEEX's `"0.010000"` sizes and `"20.00"` leverages."""
    if value is None:
        value = Decimal(0)
    return f"{value:.{places}f}"


def opt_dec(value: Decimal | None) -> str | None:
    return None if value is None else format_decimal(value)
