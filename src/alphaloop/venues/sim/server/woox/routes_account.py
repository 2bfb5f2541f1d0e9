"""Private account endpoints: account info, balances, positions, leverage, position and margin
mode, funding fees and the fee rate (spec 4.2)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from alphaloop.model import MarginMode
from alphaloop.venues.sim.core import BillType
from alphaloop.venues.sim.server.numbers import wire_int
from alphaloop.venues.sim.server.woox import params as p
from alphaloop.venues.sim.server.woox.call import Handler, WooxCall, instrument, require_instrument
from alphaloop.venues.sim.server.woox.routes_public import page_of
from alphaloop.venues.sim.server.woox.shapes import balance_json, position_json, venue_symbol
from alphaloop.venues.sim.server.woox.wire import WooxError, dec
from alphaloop.venues.woox.constants import MARGIN_MODES, POSITION_MODES

MARGIN = {"CROSS": MarginMode.CROSS, "ISOLATED": MarginMode.ISOLATED}
BASIS_POINTS = Decimal(10_000)


def account_info(call: WooxCall) -> Any:
    snapshot = call.sim.exchange.account(call.account_id)
    first = next(iter(call.sim.contracts.values())).instrument
    return {
        "applicationId": f"sim-{call.account_id}",
        "account": call.account_id,
        "alias": call.account_id,
        "otpauth": True,
        "accountMode": "FUTURES",
        "positionMode": call.world.settings(call.account_id).position_mode,
        "leverage": 0,
        "makerFeeRate": dec(first.maker_fee * BASIS_POINTS),
        "takerFeeRate": dec(first.taker_fee * BASIS_POINTS),
        "marginRatio": "10",
        "openMarginRatio": "10",
        "initialMarginRatio": "10",
        "maintenanceMarginRatio": "0.005",
        "totalCollateral": dec(snapshot.equity),
        "freeCollateral": dec(snapshot.available),
        "totalAccountValue": dec(snapshot.equity),
        "totalTradingValue": dec(snapshot.equity),
        "totalVaultValue": "0",
        "totalStakingValue": "0",
        "totalLaunchpadValue": "0",
        "totalEarnValue": "0",
        "referrerID": None,
        "accountType": "Main",
    }


def balances(call: WooxCall) -> Any:
    token = p.text(call.params, "token", required=False)
    snapshot = call.sim.exchange.account(call.account_id)
    if token is not None and token.upper() != snapshot.currency:
        return {"holding": []}
    return {"holding": [balance_json(snapshot, call.wall_ms)]}


def positions(call: WooxCall) -> Any:
    only = instrument(call, required=False)
    rows = call.sim.exchange.positions(call.account_id, symbol=None if only is None else only.symbol)
    return {"positions": [position_json(call.world, position) for position in rows]}


def _margin(call: WooxCall, *, required: bool) -> MarginMode | None:
    word = p.choice(call.params, "marginMode", MARGIN_MODES)
    if word is None and required:
        raise WooxError(-1005, "marginMode must not be blank")
    return None if word is None else MARGIN[word]


def get_leverage(call: WooxCall) -> Any:
    inst = require_instrument(call)
    mode = _margin(call, required=False) or MarginMode.CROSS
    p.choice(call.params, "positionMode", POSITION_MODES)
    long, short = call.world.leverage(call.account_id, inst.symbol, mode)
    position_mode = call.world.settings(call.account_id).position_mode
    if position_mode == "HEDGE_MODE":
        details = [{"positionSide": "LONG", "leverage": long}, {"positionSide": "SHORT", "leverage": short}]
    else:
        details = [{"positionSide": "BOTH", "leverage": long}]
    return {
        "symbol": inst.venue_symbol,
        "marginMode": mode.value.upper(),
        "positionMode": position_mode,
        "details": details,
    }


def set_leverage(call: WooxCall) -> Any:
    inst = require_instrument(call)
    value = call.params.get("leverage")
    # a positive integer (302306); "5" and 5 both pass, 2.5 and 0 do not
    leverage = value if isinstance(value, int) and not isinstance(value, bool) else None
    if isinstance(value, str):
        leverage = wire_int(value)
    if leverage is None or leverage < 1:
        raise WooxError(302306, "leverage must be a positive integer")
    mode = _margin(call, required=True)
    assert mode is not None
    position_side = p.choice(call.params, "positionSide", ("BOTH", "LONG", "SHORT"))
    p.choice(call.params, "positionMode", POSITION_MODES)
    call.world.set_leverage(call.account_id, inst.symbol, leverage, mode, position_side, call.sim_ms)
    return None


def position_mode(call: WooxCall) -> Any:
    mode = p.require_choice(call.params, "positionMode", POSITION_MODES)
    settings = call.world.settings(call.account_id)
    if mode == settings.position_mode:
        return None
    exchange = call.sim.exchange
    busy = exchange.positions(call.account_id) or exchange.orders(call.account_id, open_only=True)
    algos = any(call.world.algos.tree_open(r) for r in call.world.algos.roots(call.account_id))
    if busy or algos:
        # GUESS (spec 4.2): the venue refuses to switch with open positions or orders
        raise WooxError(302126, "position mode cannot be changed with open positions or orders")
    settings.position_mode = mode
    return None


def get_default_margin_mode(call: WooxCall) -> Any:
    inst = instrument(call, required=False)
    modes = call.world.settings(call.account_id).default_margin_mode
    mode = modes.get(inst.symbol, MarginMode.CROSS) if inst is not None else MarginMode.CROSS
    return {"symbol": None if inst is None else inst.venue_symbol, "marginMode": mode.value.upper()}


def set_default_margin_mode(call: WooxCall) -> Any:
    mode = _margin(call, required=True)
    assert mode is not None
    inst = instrument(call, required=False)
    modes = call.world.settings(call.account_id).default_margin_mode
    chosen = [inst] if inst is not None else [c.instrument for c in call.sim.contracts.values()]
    for each in chosen:
        modes[each.symbol] = mode
    return None


def funding_fee_history(call: WooxCall) -> Any:
    inst = instrument(call, required=False)
    since = p.integer(call.params, "startTime", low=0)
    until = p.integer(call.params, "endTime", low=0)
    bills = call.sim.exchange.bills(
        call.account_id, symbol=None if inst is None else inst.symbol, since_ms=since, until_ms=until
    )
    rows = [
        {
            "id": int(bill.id),
            "symbol": venue_symbol(call.world, bill.symbol),
            "fundingRate": None,
            "markPrice": None,
            "fundingFee": dec(abs(bill.amount)),
            "fundingIntervalHours": 8,
            "paymentType": "Pay" if bill.amount < 0 else "Receive",
            "status": "COMPLETED",
            "createdTime": bill.timestamp,
            "updatedTime": bill.timestamp,
        }
        for bill in reversed(bills)
        if bill.type is BillType.POSITION_FUNDING and bill.symbol is not None
    ]
    return page_of(rows, call)


def trading_fee(call: WooxCall) -> Any:
    inst = require_instrument(call)
    # basis points, as the capture suggests (spec 4.2: "5" = 0.05 %)
    return {
        "symbol": inst.venue_symbol,
        "takerFee": dec(inst.taker_fee * BASIS_POINTS),
        "makerFee": dec(inst.maker_fee * BASIS_POINTS),
    }


ROUTES: dict[str, tuple[Handler, frozenset[str]]] = {
    "accountInfo": (account_info, frozenset()),
    "balances": (balances, frozenset({"token"})),
    "positions": (positions, frozenset({"symbol"})),
    "getLeverage": (get_leverage, frozenset({"symbol", "marginMode", "positionMode"})),
    "setLeverage": (
        set_leverage,
        frozenset({"symbol", "leverage", "marginMode", "positionSide", "positionMode"}),
    ),
    "positionMode": (position_mode, frozenset({"positionMode"})),
    "getDefaultMarginMode": (get_default_margin_mode, frozenset({"symbol"})),
    "setDefaultMarginMode": (set_default_margin_mode, frozenset({"symbol", "marginMode"})),
    "fundingFeeHistory": (
        funding_fee_history,
        frozenset({"symbol", "startTime", "endTime", "page", "size"}),
    ),
    "tradingFee": (trading_fee, frozenset({"symbol"})),
}
