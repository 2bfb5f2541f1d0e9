"""WOO X request parameters -> typed values, with the venue's errors.

Rules (spec 2.2, 3.1): an undeclared parameter is -1004 UNKNOWN_PARAM (clients must not guess
parameters), a missing or malformed one is -1005 INVALID_PARAM; decimals and ids are accepted as
JSON numbers or strings, booleans as true/false in either form.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from decimal import Decimal
from typing import Any

from alphaloop.venues.sim.server.numbers import bounded_decimal, wire_int
from alphaloop.venues.sim.server.woox.wire import blank, invalid, unknown_param
from alphaloop.venues.woox.constants import MAX_CLIENT_ORDER_ID

Params = Mapping[str, Any]


def check_known(params: Params, allowed: Collection[str]) -> None:
    for name in params:
        if name not in allowed:
            raise unknown_param(name)


def _missing(value: Any) -> bool:
    return value is None or value == ""


def text(params: Params, name: str, *, required: bool = True) -> str | None:
    value = params.get(name)
    if _missing(value):
        if required:
            raise blank(name)
        return None
    if isinstance(value, bool | dict | list):
        raise invalid(name)
    return str(value)


def require_text(params: Params, name: str) -> str:
    value = text(params, name)
    assert value is not None
    return value


def decimal(params: Params, name: str, *, required: bool = True, positive: bool = True) -> Decimal | None:
    value = params.get(name)
    if _missing(value):
        if required:
            raise blank(name)
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise invalid(name, "must be a number")
    result = bounded_decimal(value)  # 1e999999 is a parameter error, not a 500
    if result is None:
        raise invalid(name, "must be a number")
    if positive and result <= 0:
        raise invalid(name, "must be a positive number")
    return result


def require_decimal(params: Params, name: str) -> Decimal:
    value = decimal(params, name)
    assert value is not None
    return value


def integer(
    params: Params,
    name: str,
    *,
    required: bool = False,
    default: int | None = None,
    low: int | None = None,
    high: int | None = None,
) -> int | None:
    value = params.get(name)
    if _missing(value):
        if required:
            raise blank(name)
        return default
    if isinstance(value, bool):
        raise invalid(name, "must be an integer")
    if isinstance(value, int):
        result = value
    elif isinstance(value, str) and (number := wire_int(value)) is not None:
        result = number
    else:
        raise invalid(name, "must be an integer")
    if (low is not None and result < low) or (high is not None and result > high):
        raise invalid(name, "is out of range")
    return result


def boolean(params: Params, name: str, *, default: bool = False) -> bool:
    value = params.get(name)
    if _missing(value):
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise invalid(name, "must be true or false")


def choice(params: Params, name: str, allowed: Collection[str], *, default: str | None = None) -> str | None:
    """An upper-case enum; absent -> `default` (None = required when no default is given)."""
    value = params.get(name)
    if _missing(value):
        return default
    text_value = str(value).upper() if isinstance(value, str) else ""
    if text_value not in allowed:
        raise invalid(name, f"must be one of {', '.join(allowed)}")
    return text_value


def require_choice(params: Params, name: str, allowed: Collection[str]) -> str:
    value = choice(params, name, allowed)
    if value is None:
        raise blank(name)
    return value


def client_id(params: Params, name: str) -> str | None:
    """clientOrderId / clientAlgoOrderId: an integer 0..2^63-1 (a digit string is accepted too);
    0 means none."""
    value = params.get(name)
    if _missing(value):
        return None
    if isinstance(value, bool):
        raise invalid(name)
    text_value = str(value).strip()
    if not text_value.isdigit() or int(text_value) > MAX_CLIENT_ORDER_ID:
        raise invalid(name, "must be an integer between 0 and 9223372036854775807")
    return None if int(text_value) == 0 else str(int(text_value))


def order_id(params: Params, name: str) -> str | None:
    value = params.get(name)
    if _missing(value):
        return None
    if isinstance(value, bool) or not str(value).strip().isdigit():
        raise invalid(name, "must be an integer")
    return str(int(str(value).strip()))
