"""One v3 request as a handler sees it, the v3 error type, and v2/core refusals -> v3 codes."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from alphaloop.model import OrderIntent
from alphaloop.venues.sim.core import RejectReason, SimRejection
from alphaloop.venues.sim.server.config import ApiAccount
from alphaloop.venues.sim.server.contracts import ContractInfo
from alphaloop.venues.sim.server.state import Simulator
from alphaloop.venues.sim.server.wire import WeexError
from alphaloop.venues.weex.v3 import constants as c

CLIENT_ID = re.compile(c.CLIENT_ID_PATTERN)


class V3Error(Exception):
    """A request refused with the v3 envelope `{"code": <negative int>, "msg": ...}`."""

    def __init__(self, pair: tuple[int, str], msg: str | None = None, status: int = 400) -> None:
        self.code = pair[0]
        self.msg = msg or pair[1]
        self.status = status
        super().__init__(f"{self.code} {self.msg}")


#: The v2 helpers and authenticator raise v2 codes; v3 clients see the v3 code of the same refusal.
_FROM_V2: dict[str, tuple[int, str]] = {
    "40001": c.ACCESS_KEY_EMPTY,
    "40002": c.ACCESS_SIGN_EMPTY,
    "40003": c.ACCESS_TIMESTAMP_EMPTY,
    "40005": c.INVALID_ACCESS_TIMESTAMP,
    "40006": c.INVALID_ACCESS_KEY,
    "40007": c.INVALID_CONTENT_TYPE,
    "40008": c.ACCESS_TIMESTAMP_EXPIRED,
    "40009": c.API_AUTH_ERROR,
    # no v3 code for a missing passphrase (spec 2.6): -1049 like a wrong one
    "40011": c.KEY_OR_PASSPHRASE_INCORRECT,
    "40012": c.KEY_OR_PASSPHRASE_INCORRECT,
    "40013": c.USER_STATUS_FORBIDDEN,
    "40014": c.INSUFFICIENT_PERMISSIONS,
    "40018": c.ILLEGAL_IP,
    "40753": c.INSUFFICIENT_PERMISSIONS,
    "40015": c.SYSTEM_ERROR,
    "40017": c.PARAM_VALIDATE_ERROR,
    "40019": c.PARAM_EMPTY,
    "40020": c.PARAM_ERROR,
    "50003": c.NO_PERMISSION_TRADE_PAIR,
    "50004": c.INSUFFICIENT_PERMISSIONS,
    "50005": c.ORDER_NOT_EXIST,
    "50007": c.LEVERAGE_ERROR,
}


def from_v2(error: WeexError) -> V3Error:
    pair = _FROM_V2.get(error.code, c.PARAM_ERROR)
    # keep the v2 text when it names the parameter ("Parameter size is invalid")
    msg = error.msg if error.code in ("40019", "40020") else pair[1]
    return V3Error(pair, msg, 400 if error.status in (200, 400) else error.status)


def rejection_error(rejection: SimRejection) -> V3Error:
    """A core refusal as the v3 request-level error a client would see (spec 4.3, 12.6)."""
    reason, text = rejection.reason, rejection.message
    param = rejection.param or "parameter"
    if reason is RejectReason.UNKNOWN_SYMBOL:
        return V3Error(c.INVALID_SYMBOL)
    if reason is RejectReason.SYMBOL_NOT_ALLOWED:
        return V3Error(c.NO_PERMISSION_TRADE_PAIR)
    if reason is RejectReason.MISSING_PARAMETER:
        return V3Error(c.PARAM_EMPTY, f"Parameter {param} is empty")
    if reason is RejectReason.PRECISION:
        return V3Error(c.DECIMAL_PRECISION_ERROR, f"{param}: {text}")
    if reason is RejectReason.SIZE_LIMIT:
        return V3Error(c.MAX_ORDER_QUANTITY_EXCEEDED if "max" in text.lower() else c.PARAM_ERROR, text)
    if reason is RejectReason.ORDER_NOT_FOUND:
        return V3Error(c.ORDER_NOT_EXIST)
    if reason is RejectReason.LEVERAGE_LIMIT:
        return V3Error(c.LEVERAGE_ERROR)
    if reason is RejectReason.UNKNOWN_ACCOUNT:
        return V3Error(c.INVALID_ACCESS_KEY)
    if reason is RejectReason.INSUFFICIENT_MARGIN:
        # "amount not enough" is what ccxt maps to InsufficientFunds (spec 4.3)
        return V3Error(c.SYSTEM_ERROR, f"FAILED_PRECONDITION: margin amount not enough: {text}")
    return V3Error(c.PARAM_ERROR, text)


#: Refusals reported inside a 200 answer as `success:false` rather than as a request error (spec 4.4).
PER_ORDER_REASONS = frozenset(
    {
        RejectReason.INSUFFICIENT_MARGIN,
        RejectReason.CLOSE_EXCEEDS_POSITION,
        RejectReason.DUPLICATE_CLIENT_ORDER_ID,
        RejectReason.PRICE_BAND,
    }
)


def per_order_failure(rejection: SimRejection) -> tuple[str, str]:
    """(errorCode, errorMessage) of a per-order failure."""
    if rejection.reason is RejectReason.INSUFFICIENT_MARGIN:
        # A symbolic code (the doc shows `ORDER_NOT_FOUND` in this field): with "-1054" ccxt's exact
        # code table would win over its "amount not enough" -> InsufficientFunds rule.
        return "FAILED_PRECONDITION", f"FAILED_PRECONDITION: amount not enough ({rejection.message})"
    if rejection.reason is RejectReason.DUPLICATE_CLIENT_ORDER_ID:
        return str(c.CLIENT_OID_LENGTH_ERROR[0]), "duplicate client order id among open orders"
    return str(c.PARAM_ERROR[0]), rejection.message


@dataclass(slots=True)
class V3Call:
    sim: Simulator
    params: dict[str, Any]
    account: ApiAccount | None
    #: simulated market time (what the core calls now_ms)
    sim_ms: int
    #: the time the simulator reports incl. skew (serverTime, requestTime): its simulated clock
    wall_ms: int
    raw_body: bytes
    by_v3: dict[str, ContractInfo]
    #: algo id -> the v3 conditional type it was placed as (STOP_MARKET...); kept by the app
    algo_types: dict[str, str]

    @property
    def account_id(self) -> str:
        assert self.account is not None, "private handler called without an account"
        return self.account.core_id


Handler = Callable[[V3Call], Any]


def text(call: V3Call, name: str, *, required: bool = True) -> str | None:
    value = call.params.get(name)
    if value is None or value == "":
        if required:
            raise V3Error(c.PARAM_EMPTY, f"Parameter {name} is empty")
        return None
    if isinstance(value, (bool, dict, list)):
        raise V3Error(c.PARAM_ERROR, f"Parameter {name} is invalid")
    return str(value)


def require_text(call: V3Call, name: str) -> str:
    value = text(call, name)
    assert value is not None
    return value


def contract(call: V3Call, *, required: bool = True, name: str = "symbol") -> ContractInfo | None:
    """The contract a v3 `symbol` names (`BTCUSDT`); unknown -> -1121."""
    value = text(call, name, required=required)
    if value is None:
        return None
    info = call.by_v3.get(value.upper())
    if info is None:
        raise V3Error(c.INVALID_SYMBOL, f"Invalid symbol: {value}")
    return info


def require_contract(call: V3Call) -> ContractInfo:
    info = contract(call)
    assert info is not None
    return info


def client_id(call: V3Call, name: str, *, required: bool = False) -> str | None:
    value = text(call, name, required=required)
    if value is not None and not CLIENT_ID.match(value):
        raise V3Error(c.CLIENT_OID_LENGTH_ERROR, f"Parameter {name} must match {c.CLIENT_ID_PATTERN}")
    return value


def intent_of(side: str, position_side: str) -> OrderIntent:
    """`side` x `positionSide` -> hedge-mode intent (spec 5.1)."""
    side, position_side = side.upper(), position_side.upper()
    if side not in ("BUY", "SELL"):
        raise V3Error((-1117, "Invalid side"))
    if position_side == "LONG":
        return OrderIntent.OPEN_LONG if side == "BUY" else OrderIntent.CLOSE_LONG
    if position_side == "SHORT":
        return OrderIntent.OPEN_SHORT if side == "SELL" else OrderIntent.CLOSE_SHORT
    raise V3Error(c.PARAM_ERROR, "Parameter positionSide must be LONG or SHORT")


def truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")
