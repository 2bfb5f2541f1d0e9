"""WOO X wire conventions the simulator emits: the `{"success", "data", "timestamp"}` envelope, the
error envelope and its codes, number formatting (spec sections 2 and 3).

Messages follow the legacy docs and ccxt's exception map where they give one; the rest are worded
here (marked GUESS). Clients branch on the code, so the wording only has to be helpful.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Final

from alphaloop.model import format_decimal

# Gateway codes (spec 3.1): (code, message, HTTP status)
UNKNOWN: Final = (-1000, "An unknown error occurred while processing the request.", 500)
INVALID_SIGNATURE: Final = (-1001, "The api key or secret is in wrong format.", 401)
UNAUTHORIZED: Final = (
    -1002,
    "API key or secret is invalid, it may because key have insufficient permission or the key is "
    "expired/revoked.",
    401,
)
TOO_MANY_REQUESTS: Final = (-1003, "Rate limit exceed.", 429)
NOT_FOUND: Final = (-1006, "Your order and symbol are not valid or already canceled.", 400)


class WooxError(Exception):
    """A request refused with a WOO X error envelope; `status` is the HTTP status."""

    __slots__ = ("code", "message", "status")

    def __init__(self, code: int, message: str, status: int = 400) -> None:
        super().__init__(f"{code} {message}")
        self.code = code
        self.message = message
        self.status = status

    @classmethod
    def of(cls, triple: tuple[int, str, int], detail: str | None = None) -> WooxError:
        code, message, status = triple
        return cls(code, detail or message, status)


def unknown_param(name: str) -> WooxError:
    return WooxError(-1004, f"Unknown parameter: {name}")


def invalid(name: str, reason: str = "is invalid") -> WooxError:
    return WooxError(-1005, f"{name} {reason}")


def blank(name: str) -> WooxError:
    return WooxError(-1005, f"{name} must not be blank")


def success(data: Any, timestamp: int) -> dict[str, Any]:
    """The success envelope; `data` None leaves the key out (position mode answers that way)."""
    if data is None:
        return {"success": True, "timestamp": timestamp}
    return {"success": True, "data": data, "timestamp": timestamp}


def failure(code: int, message: str) -> dict[str, Any]:
    return {"success": False, "code": code, "message": message}


def dec(value: Decimal | None) -> str:
    """Decimal as WOO X text, `"0"` for None; no exponent notation."""
    return "0" if value is None else format_decimal(value)


def opt_dec(value: Decimal | None) -> str | None:
    return None if value is None else format_decimal(value)
