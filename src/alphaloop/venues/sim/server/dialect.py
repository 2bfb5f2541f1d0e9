"""WEEX dialect helpers: wire parameters -> typed values, core rejections -> WEEX error codes.

Parameter rules (spec 7.0, 10.11): missing required -> 40019 "Parameter <name> cannot be empty",
bad value -> 40020 "Parameter <name> is invalid", unknown extra keys ignored, numbers accepted as
JSON strings or numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from alphaloop.model import MarginMode, OrderIntent
from alphaloop.venues.sim.core import RejectReason, SimRejection
from alphaloop.venues.sim.server import wire
from alphaloop.venues.sim.server.config import ApiAccount
from alphaloop.venues.sim.server.contracts import ContractInfo
from alphaloop.venues.sim.server.numbers import bounded_decimal, wire_int
from alphaloop.venues.sim.server.state import Simulator
from alphaloop.venues.sim.server.wire import WeexError, param_empty, param_invalid

Params = Mapping[str, Any]

INTENT_BY_TYPE = {
    "1": OrderIntent.OPEN_LONG,
    "2": OrderIntent.OPEN_SHORT,
    "3": OrderIntent.CLOSE_LONG,
    "4": OrderIntent.CLOSE_SHORT,
}
TYPE_BY_INTENT = {v: k for k, v in INTENT_BY_TYPE.items()}
MARGIN_MODE_BY_CODE = {1: MarginMode.CROSS, 3: MarginMode.ISOLATED}
MARGIN_MODE_NAME = {MarginMode.CROSS: "SHARED", MarginMode.ISOLATED: "ISOLATED"}


@dataclass(slots=True)
class Call:
    """One request as a handler sees it."""

    sim: Simulator
    params: Params
    account: ApiAccount | None
    #: simulated market time (what the core calls now_ms)
    sim_ms: int
    #: server wall clock incl. skew (requestTime, market/time)
    wall_ms: int
    raw_body: bytes = b""

    @property
    def account_id(self) -> str:
        assert self.account is not None, "private handler called without an account"
        return self.account.core_id


def present(params: Params, name: str) -> bool:
    value = params.get(name)
    return value is not None and value != ""


def text(params: Params, name: str, *, required: bool = True, max_len: int | None = None) -> str | None:
    value = params.get(name)
    if value is None or value == "":
        if required:
            raise param_empty(name)
        return None
    if isinstance(value, (bool, dict, list)):
        raise param_invalid(name)
    result = str(value)
    if max_len is not None and len(result) > max_len:
        raise param_invalid(name)
    return result


def require_text(params: Params, name: str, *, max_len: int | None = None) -> str:
    value = text(params, name, required=True, max_len=max_len)
    assert value is not None
    return value


def decimal(params: Params, name: str, *, required: bool = True) -> Decimal | None:
    value = params.get(name)
    if value is None or value == "":
        if required:
            raise param_empty(name)
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise param_invalid(name)
    # str() of a JSON float keeps what the client wrote for short decimals (0.1 -> "0.1");
    # bounded: 1e999999 is a parameter error, not a frozen server or a 500
    result = bounded_decimal(value)
    if result is None:
        raise param_invalid(name)
    return result


def require_decimal(params: Params, name: str) -> Decimal:
    value = decimal(params, name, required=True)
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
    if value is None or value == "":
        if required:
            raise param_empty(name)
        return default
    if isinstance(value, bool):
        raise param_invalid(name)
    if isinstance(value, int):
        result = value
    elif isinstance(value, str) and (number := wire_int(value)) is not None:
        result = number
    else:
        raise param_invalid(name)
    if (low is not None and result < low) or (high is not None and result > high):
        raise param_invalid(name)
    return result


def require_int(params: Params, name: str, *, low: int | None = None, high: int | None = None) -> int:
    value = integer(params, name, required=True, low=low, high=high)
    assert value is not None
    return value


def boolean(params: Params, name: str) -> bool:
    value = params.get(name)
    if value is None or value == "":
        raise param_empty(name)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise param_invalid(name)


def choice(params: Params, name: str, allowed: Mapping[str, Any], *, required: bool = True) -> Any:
    """A string enum given as a string or a number (`"1"` or `1`)."""
    value = params.get(name)
    if value is None or value == "":
        if required:
            raise param_empty(name)
        return None
    key = str(value) if not isinstance(value, bool) else ""
    if key not in allowed:
        raise param_invalid(name)
    return allowed[key]


def margin_mode(params: Params, name: str = "marginMode", *, required: bool = False) -> MarginMode | None:
    code = integer(params, name, required=required)
    if code is None:
        return None
    if code not in MARGIN_MODE_BY_CODE:
        raise param_invalid(name)
    return MARGIN_MODE_BY_CODE[code]


def contract(
    sim: Simulator, params: Params, name: str = "symbol", *, required: bool = True
) -> ContractInfo | None:
    """The contract a `symbol` parameter names; unknown -> 40020 (spec 7.0)."""
    value = text(params, name, required=required)
    if value is None:
        return None
    info = sim.contracts.get(value)
    if info is None:
        raise param_invalid(name)
    return info


def require_contract(sim: Simulator, params: Params, name: str = "symbol") -> ContractInfo:
    info = contract(sim, params, name, required=True)
    assert info is not None
    return info


def order_id(params: Params, name: str, *, required: bool = True) -> str | None:
    """An 18-19 digit id sent as a string or a JSON number; anything else is invalid."""
    value = params.get(name)
    if value is None or value == "":
        if required:
            raise param_empty(name)
        return None
    if isinstance(value, bool):
        raise param_invalid(name)
    result = str(value).strip()
    if not result.isdigit():
        raise param_invalid(name)
    return result


_PARAM_BY_REASON = {
    RejectReason.UNKNOWN_SYMBOL: "symbol",
    RejectReason.SYMBOL_NOT_ALLOWED: "symbol",
    RejectReason.PRECISION: "size",
    RejectReason.SIZE_LIMIT: "size",
    RejectReason.PRICE_BAND: "price",
    RejectReason.CLOSE_EXCEEDS_POSITION: "size",
    RejectReason.INSUFFICIENT_MARGIN: "size",
    RejectReason.DUPLICATE_CLIENT_ORDER_ID: "client_oid",
    RejectReason.POSITION_NOT_FOUND: "positionId",
    RejectReason.MARGIN_MODE_LOCKED: "marginMode",
    RejectReason.NO_PRICE: "symbol",
    RejectReason.INVALID_PARAMETER: "param",
}
_KNOWN_MESSAGES = {
    "40015": wire.SYSTEM_ERROR[1],
    "40017": wire.VALIDATION_FAILED[1],
    "50003": wire.NO_PAIR_PERMISSION[1],
    "50004": wire.NO_API_PERMISSION[1],
    "50005": wire.ORDER_NOT_FOUND[1],
    "50007": wire.LEVERAGE_LIMIT[1],
}


def rejection_to_error(
    rejection: SimRejection,
    *,
    insufficient_margin_code: str = "40020",
    rename: Mapping[str, str] | None = None,
) -> WeexError:
    """Map a core rejection onto the WEEX code of spec 4.3 / 10.5.

    `rename` translates the core's parameter names into this endpoint's wire names
    (e.g. `amount` -> `size`), so the message names what the client actually sent.
    """
    reason = rejection.reason
    param = rejection.param or _PARAM_BY_REASON.get(reason, "param")
    if rename:
        param = rename.get(param, param)
    if reason is RejectReason.SYMBOL_NOT_ALLOWED:
        return WeexError.of(wire.NO_PAIR_PERMISSION)
    if reason is RejectReason.MISSING_PARAMETER:
        return param_empty(param)
    if reason is RejectReason.ORDER_NOT_FOUND:
        return WeexError.of(wire.ORDER_NOT_FOUND)
    if reason is RejectReason.LEVERAGE_LIMIT:
        return WeexError.of(wire.LEVERAGE_LIMIT)
    if reason is RejectReason.UNKNOWN_ACCOUNT:
        return WeexError.of(wire.INVALID_PERMISSIONS)
    if reason is RejectReason.INSUFFICIENT_MARGIN and insufficient_margin_code != "40020":
        code = insufficient_margin_code
        return WeexError(code, _KNOWN_MESSAGES.get(code, rejection.message))
    return param_invalid(param)


#: Core parameter names -> placeOrder wire names.
ORDER_PARAM_NAMES = {
    "amount": "size",
    "client_order_id": "client_oid",
    "take_profit_price": "presetTakeProfitPrice",
    "stop_loss_price": "presetStopLossPrice",
    "time_in_force": "order_type",
    "order_type": "match_price",
    "intent": "type",
    "margin_mode": "marginMode",
}
