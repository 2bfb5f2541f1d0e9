"""One WOO X request as a handler sees it, the symbol lookup, and core rejections -> WOO X codes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from alphaloop.model import Instrument
from alphaloop.venues.sim.core import RejectReason, SimRejection
from alphaloop.venues.sim.server.config import ApiAccount
from alphaloop.venues.sim.server.state import Simulator
from alphaloop.venues.sim.server.woox import params as p
from alphaloop.venues.sim.server.woox.wire import NOT_FOUND, UNAUTHORIZED, WooxError
from alphaloop.venues.sim.server.woox.world import WooxWorld


@dataclass(slots=True)
class WooxCall:
    world: WooxWorld
    params: dict[str, Any]
    account: ApiAccount | None
    #: simulated market time (what the core calls now_ms)
    sim_ms: int
    #: server wall clock incl. skew (the envelope `timestamp`)
    wall_ms: int

    @property
    def sim(self) -> Simulator:
        return self.world.sim

    @property
    def account_id(self) -> str:
        assert self.account is not None, "private handler called without an account"
        return self.account.core_id


Handler = Callable[[WooxCall], Any]


def instrument(call: WooxCall, name: str = "symbol", *, required: bool = True) -> Instrument | None:
    """The perpetual a `symbol` parameter names (`PERP_BTC_USDT`); unknown -> -1005."""
    value = p.text(call.params, name, required=required)
    if value is None:
        return None
    info = call.sim.contracts.get(value.upper())
    if info is None:
        raise WooxError(-1005, f"{name} is invalid: {value} does not exist")
    return info.instrument


def require_instrument(call: WooxCall, name: str = "symbol") -> Instrument:
    found = instrument(call, name)
    assert found is not None
    return found


def rejection_error(rejection: SimRejection) -> WooxError:
    """A core refusal as the WOO X code a client would see (spec 3)."""
    reason, text, param = rejection.reason, rejection.message, rejection.param or "parameter"
    if reason is RejectReason.UNKNOWN_SYMBOL:
        return WooxError(302101, "symbol does not exist")
    if reason is RejectReason.SYMBOL_NOT_ALLOWED:
        return WooxError(317155, "unsupported symbol")
    if reason is RejectReason.MISSING_PARAMETER:
        return WooxError(-1005, f"{param} must not be blank")
    if reason is RejectReason.PRECISION:
        if "price" in param:
            return WooxError(-1103, f"price filter: {text}")
        return WooxError(-1104, f"quantity filter: {text}")
    if reason is RejectReason.SIZE_LIMIT:
        return WooxError(-1005, f"quantity is out of the allowed range: {text}")
    if reason is RejectReason.PRICE_BAND:
        return WooxError(-1105, f"price is too far from the market: {text}")
    if reason is RejectReason.CLOSE_EXCEEDS_POSITION:
        return WooxError(302138, "Insufficient position for reduce-only order.")
    if reason is RejectReason.INSUFFICIENT_MARGIN:
        return WooxError(302102, "margin is insufficient")
    if reason is RejectReason.LEVERAGE_LIMIT:
        return WooxError(-1101, f"leverage exceeds the limit: {text}")
    if reason is RejectReason.ORDER_NOT_FOUND:
        return WooxError.of(NOT_FOUND)
    if reason is RejectReason.DUPLICATE_CLIENT_ORDER_ID:
        return WooxError(302117, "duplicate clientOrderId among open orders")
    if reason is RejectReason.POSITION_NOT_FOUND:
        return WooxError(302137, f"not enough position: {text}")
    if reason is RejectReason.MARGIN_MODE_LOCKED:
        return WooxError(302189, text)
    if reason is RejectReason.NO_PRICE:
        return WooxError(-1011, "no market price yet; try again")
    if reason is RejectReason.UNKNOWN_ACCOUNT:
        return WooxError.of(UNAUTHORIZED)
    return WooxError(-1005, text)
