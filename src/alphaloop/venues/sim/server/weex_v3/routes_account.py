"""Private v3 account endpoints (spec 7.2): balance, fees, modes, leverage, positions, ledger."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from alphaloop.model import MarginMode
from alphaloop.venues.sim.server.numbers import wire_decimal
from alphaloop.venues.sim.server.weex_v3.call import (
    Handler,
    V3Call,
    V3Error,
    contract,
    require_contract,
    text,
    truthy,
)
from alphaloop.venues.sim.server.weex_v3.routes_market import integer
from alphaloop.venues.sim.server.weex_v3.shapes import (
    MARGIN_TYPE,
    balance_json,
    income_json,
    position_json,
    symbol_of,
)
from alphaloop.venues.sim.server.wire import dec_places
from alphaloop.venues.weex.v3 import constants as c

MARGIN_MODE = {"CROSSED": MarginMode.CROSS, "ISOLATED": MarginMode.ISOLATED}


def success_200(call: V3Call) -> dict[str, Any]:
    """The `{code:"200", msg:"success"}` answer of marginType / positionMargin (spec 1.1)."""
    return {"code": "200", "msg": "success", "requestTime": call.wall_ms}


def balance(call: V3Call) -> Any:
    return [balance_json(call.sim.exchange.account(call.account_id))]


def commission_rate(call: V3Call) -> Any:
    info = require_contract(call)
    inst = info.instrument
    return {
        "symbol": symbol_of(info),
        "makerCommissionRate": str(inst.maker_fee),
        "takerCommissionRate": str(inst.taker_fee),
    }


def account_config(call: V3Call) -> Any:
    return {
        "canTrade": call.account is not None and call.account.can_trade,
        "canDeposit": False,
        "canWithdraw": False,
        # the core is a hedge-mode exchange (spec 12.1)
        "dualSidePosition": True,
        "updateTime": call.sim.start_ms,
    }


def _setting_json(call: V3Call, info: Any) -> dict[str, Any]:
    setting = call.sim.exchange.leverage_setting(call.account_id, info.instrument.symbol)
    cross = setting.margin_mode is MarginMode.CROSS
    return {
        "symbol": symbol_of(info),
        "marginType": MARGIN_TYPE[setting.margin_mode],
        "separatedType": "COMBINED",
        "crossLeverage": dec_places(Decimal(setting.long_leverage), 2) if cross else "0",
        "isolatedLongLeverage": dec_places(Decimal(setting.long_leverage), 2),
        "isolatedShortLeverage": dec_places(Decimal(setting.short_leverage), 2),
    }


def symbol_config(call: V3Call) -> Any:
    info = contract(call, required=False)
    infos = [info] if info is not None else list(call.by_v3.values())
    return [_setting_json(call, i) for i in infos]


def _positions(call: V3Call, symbol: str | None) -> list[dict[str, Any]]:
    return [
        position_json(p, call.sim.by_unified[p.symbol])
        for p in call.sim.exchange.positions(call.account_id, symbol=symbol)
        if p.size > 0
    ]


def all_position(call: V3Call) -> Any:
    return _positions(call, None)


def single_position(call: V3Call) -> Any:
    return _positions(call, require_contract(call).instrument.symbol)


def income(call: V3Call) -> Any:
    # ccxt's fetchLedger sends `currency` instead of `asset` (spec 11.5): accept both
    asset = text(call, "asset", required=False) or text(call, "currency", required=False)
    if asset is not None and asset.upper() != "USDT":
        return {"hasNextPage": False, "items": []}
    info = contract(call, required=False)
    kind = text(call, "incomeType", required=False)
    since = integer(call, "startTime", None, 0)
    until = integer(call, "endTime", None, 0)
    limit = integer(call, "limit", 20, 1, 100)
    assert limit is not None
    if since is not None and until is not None and since > until:
        raise V3Error((-1171, "startTime is after endTime"))
    symbol = info.instrument.symbol if info else None
    items = []
    for bill in reversed(
        call.sim.exchange.bills(call.account_id, symbol=symbol, since_ms=since, until_ms=until)
    ):
        row = income_json(bill, symbol_of(call.sim.by_unified[bill.symbol]) if bill.symbol else None)
        if kind is None or row["incomeType"] == kind:
            items.append(row)
    return {"hasNextPage": len(items) > limit, "items": items[:limit]}


def _margin_type(call: V3Call, *, required: bool) -> MarginMode | None:
    value = text(call, "marginType", required=required)
    if value is None:
        return None
    if value.upper() not in MARGIN_MODE:
        raise V3Error(c.PARAM_ERROR, "Parameter marginType must be CROSSED or ISOLATED")
    return MARGIN_MODE[value.upper()]


def margin_type(call: V3Call) -> Any:
    info = require_contract(call)
    mode = _margin_type(call, required=True)
    assert mode is not None
    separated = text(call, "separatedType", required=False)
    if separated not in (None, "COMBINED"):
        # the core keeps one position per leg; SEPARATED positions are not simulated
        raise V3Error((-1128, "separatedType SEPARATED is not supported by the simulator"))
    call.sim.exchange.set_margin_mode(call.account_id, info.instrument.symbol, mode, now_ms=call.sim_ms)
    return success_200(call)


def _leverage_value(call: V3Call, name: str) -> int | None:
    raw = call.params.get(name)
    if raw is None or raw == "":
        return None
    value = wire_decimal(str(raw))
    if value is None or value != value.to_integral_value() or value < 1:
        raise V3Error(c.PARAM_ERROR, f"Parameter {name} is invalid")
    return int(value)


def leverage(call: V3Call) -> Any:
    info = require_contract(call)
    symbol = info.instrument.symbol
    exchange = call.sim.exchange
    current = exchange.leverage_setting(call.account_id, symbol)
    mode = _margin_type(call, required=False) or current.margin_mode
    cross = _leverage_value(call, "crossLeverage")
    long = _leverage_value(call, "isolatedLongLeverage")
    short = _leverage_value(call, "isolatedShortLeverage")
    if cross is None and long is None and short is None:
        raise V3Error(
            c.PARAM_EMPTY, "One of crossLeverage, isolatedLongLeverage, isolatedShortLeverage is required"
        )
    if mode is MarginMode.CROSS:
        long_value = short_value = cross if cross is not None else (long or short or current.long_leverage)
    else:
        long_value = long if long is not None else (cross or current.long_leverage)
        short_value = short if short is not None else (cross or current.short_leverage)
    exchange.set_leverage(
        call.account_id,
        symbol,
        long_leverage=long_value,
        short_leverage=short_value,
        margin_mode=mode,
        now_ms=call.sim_ms,
    )
    return {
        "symbol": symbol_of(info),
        "marginType": MARGIN_TYPE[mode],
        "crossLeverage": str(long_value) if mode is MarginMode.CROSS else "0",
        "isolatedLongLeverage": str(long_value),
        "isolatedShortLeverage": str(short_value),
    }


def position_margin(call: V3Call) -> Any:
    position_id = text(call, "isolatedPositionId")
    assert position_id is not None
    amount = wire_decimal(str(call.params.get("amount")))
    if amount is None:
        raise V3Error(c.PARAM_ERROR, "Parameter amount is invalid")
    kind = str(call.params.get("type", ""))
    if kind not in ("1", "2") or amount <= 0:
        raise V3Error(c.PARAM_ERROR, "Parameter type must be 1 or 2 and amount > 0")
    signed = amount if kind == "1" else -amount
    call.sim.exchange.adjust_isolated_margin(call.account_id, position_id, signed, now_ms=call.sim_ms)
    return success_200(call)


def modify_auto_append_margin(call: V3Call) -> Any:
    position_id = text(call, "positionId")
    assert position_id is not None
    enabled = truthy(call.params.get("autoAppendMargin"))
    call.sim.exchange.set_auto_append_margin(call.account_id, position_id, enabled, now_ms=call.sim_ms)
    return success_200(call)


ROUTES: dict[str, Handler] = {
    "v3_balance": balance,
    "v3_commissionRate": commission_rate,
    "v3_accountConfig": account_config,
    "v3_symbolConfig": symbol_config,
    "v3_allPosition": all_position,
    "v3_singlePosition": single_position,
    "v3_income": income,
    "v3_marginType": margin_type,
    "v3_leverage": leverage,
    "v3_positionMargin": position_margin,
    "v3_modifyAutoAppendMargin": modify_auto_append_margin,
}
