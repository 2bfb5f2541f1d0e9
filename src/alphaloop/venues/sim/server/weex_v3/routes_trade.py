"""Private v3 trading endpoints (spec 7.3, 7.4): orders, cancels, fills, algo and TP/SL orders,
close positions, the AI log.

Request-level problems answer `{"code": -1xxx}`; refusals a venue reports per order (margin,
close size, duplicate client id, price band) answer 200 with `success:false` (spec 4.4, 12.6).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from alphaloop.model import OrderIntent, OrderRequest, OrderType, PositionSide, TimeInForce
from alphaloop.venues.sim.core import SimOrder, SimRejection, TriggerKind
from alphaloop.venues.sim.server import routes_order
from alphaloop.venues.sim.server.dialect import Call
from alphaloop.venues.sim.server.numbers import wire_decimal
from alphaloop.venues.sim.server.weex_v3.call import (
    PER_ORDER_REASONS,
    Handler,
    V3Call,
    V3Error,
    client_id,
    contract,
    intent_of,
    per_order_failure,
    require_contract,
    require_text,
    text,
    truthy,
)
from alphaloop.venues.sim.server.weex_v3.routes_market import integer
from alphaloop.venues.sim.server.weex_v3.shapes import algo_json, order_json, trade_json
from alphaloop.venues.weex.v3 import constants as c

TIME_IN_FORCE = {
    "GTC": TimeInForce.GTC,
    "GOOD_TIL_CANCEL": TimeInForce.GTC,
    "IOC": TimeInForce.IOC,
    "FOK": TimeInForce.FOK,
    "POST_ONLY": TimeInForce.POST_ONLY,
}
ALGO_TYPES = ("STOP", "TAKE_PROFIT", "STOP_MARKET", "TAKE_PROFIT_MARKET")
WORKING_TYPES = {"CONTRACT_PRICE": False, "MARK_PRICE": True}
MAX_BATCH_CANCEL = 10


def decimal(call: V3Call, name: str, *, required: bool = True) -> Decimal | None:
    raw = call.params.get(name)
    if raw is None or raw == "":
        if required:
            raise V3Error(c.PARAM_EMPTY, f"Parameter {name} is empty")
        return None
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        raise V3Error(c.PARAM_ERROR, f"Parameter {name} is invalid")
    value = wire_decimal(str(raw))
    if value is None or value < 0:
        raise V3Error(c.PARAM_ERROR, f"Parameter {name} is invalid")
    return value


def _require_decimal(call: V3Call, name: str) -> Decimal:
    value = decimal(call, name)
    assert value is not None
    if value <= 0:
        raise V3Error(c.PARAM_ERROR, f"Parameter {name} must be > 0")
    return value


def _intent(call: V3Call) -> OrderIntent:
    intent = intent_of(require_text(call, "side"), require_text(call, "positionSide"))
    if truthy(call.params.get("reduceOnly")) and not intent.reduce_only:
        # spec 12.2: reduceOnly on an opening leg fails instead of opening
        raise V3Error((-1128, "reduceOnly needs a closing side/positionSide combination"))
    return intent


def _result(order_id: str, client: str | None) -> dict[str, Any]:
    return {
        "orderId": order_id,
        "clientOrderId": client or "",
        "success": True,
        "errorCode": "",
        "errorMessage": "",
    }


def _failure(client: str | None, rejection: SimRejection) -> dict[str, Any]:
    code, message = per_order_failure(rejection)
    # `errorMsg` repeats the text under the name ccxt reads (spec 11.5), so its message rules apply
    return {
        "orderId": "",
        "clientOrderId": client or "",
        "success": False,
        "errorCode": code,
        "errorMessage": message,
        "errorMsg": message,
    }


def _order_type(call: V3Call, order: SimOrder) -> str | None:
    return call.algo_types.get(order.trigger_order_id) if order.trigger_order_id else None


def _order_row(call: V3Call, order: SimOrder) -> dict[str, Any]:
    row = order_json(order, call.sim.by_unified[order.symbol], _order_type(call, order))
    if order.trigger_order_id:
        trigger = call.sim.exchange.trigger_order(call.account_id, order.trigger_order_id)
        row["stopPrice"] = str(trigger.trigger_price)
    return row


def place_order(call: V3Call) -> Any:
    info = require_contract(call)
    intent = _intent(call)
    kind = require_text(call, "type").upper()
    if kind not in ("LIMIT", "MARKET"):
        raise V3Error((-1116, "Invalid order type"))
    quantity = _require_decimal(call, "quantity")
    tif_text = text(call, "timeInForce", required=kind == "LIMIT")
    tif = TIME_IN_FORCE.get(tif_text.upper()) if tif_text else TimeInForce.GTC
    if tif is None:
        raise V3Error((-1115, "Invalid timeInForce"))
    price = _require_decimal(call, "price") if kind == "LIMIT" else None
    client = client_id(call, "newClientOrderId")
    request = OrderRequest(
        symbol=info.instrument.symbol,
        intent=intent,
        amount=quantity,
        order_type=OrderType.LIMIT if kind == "LIMIT" else OrderType.MARKET,
        price=price,
        time_in_force=tif if kind == "LIMIT" else TimeInForce.IOC,
        client_order_id=client,
        take_profit_price=decimal(call, "tpTriggerPrice", required=False) or None,
        stop_loss_price=decimal(call, "slTriggerPrice", required=False) or None,
    )
    try:
        order = call.sim.exchange.place_order(call.account_id, request, now_ms=call.sim_ms)
    except SimRejection as rejection:
        if rejection.reason in PER_ORDER_REASONS:
            return _failure(client, rejection)
        raise
    return _result(order.id, client)


def _cancel_row(call: V3Call, oid: str | None, coid: str | None) -> dict[str, Any]:
    try:
        order = call.sim.exchange.cancel_order(
            call.account_id, order_id=oid, client_order_id=coid, now_ms=call.sim_ms
        )
    except SimRejection as rejection:
        # unknown or already final: a per-order failure (spec 7.3.3 GUESS, 7.3.4 doc example)
        return {
            "orderId": oid or "",
            "origClientOrderId": coid or "",
            "success": False,
            "errorCode": str(c.ORDER_NOT_EXIST[0]),
            "errorMessage": rejection.message,
        }
    return {
        "orderId": order.id,
        "origClientOrderId": order.client_order_id or "",
        "success": True,
        "errorCode": "",
        "errorMessage": "",
    }


def _order_id(call: V3Call, name: str = "orderId", *, required: bool = False) -> str | None:
    value = text(call, name, required=required)
    if value is not None and not value.isdigit():
        raise V3Error(c.PARAM_ERROR, f"Parameter {name} is invalid")
    return value


def cancel_order(call: V3Call) -> Any:
    oid = _order_id(call)
    coid = text(call, "origClientOrderId", required=False)
    if oid is None and coid is None:
        raise V3Error(c.PARAM_VALIDATE_ERROR, "Either orderId or origClientOrderId must be sent")
    return _cancel_row(call, oid, coid)


def batch_cancel(call: V3Call) -> Any:
    ids, cids = call.params.get("orderIdList"), call.params.get("origClientOrderIdList")
    if not ids and not cids:
        raise V3Error(c.PARAM_EMPTY, "orderIdList or origClientOrderIdList is required")
    wanted: list[tuple[str | None, str | None]] = []
    for name, value, by_id in (("orderIdList", ids, True), ("origClientOrderIdList", cids, False)):
        if not value:
            continue
        if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
            raise V3Error(c.PARAM_ERROR, f"Parameter {name} is invalid")
        wanted += [(str(v), None) if by_id else (None, str(v)) for v in value]
    if len(wanted) > MAX_BATCH_CANCEL:
        raise V3Error(c.PARAM_VALIDATE_ERROR, f"at most {MAX_BATCH_CANCEL} orders per batch")
    return [_cancel_row(call, oid, coid) for oid, coid in wanted]


def _symbol(call: V3Call) -> str | None:
    info = contract(call, required=False)
    return info.instrument.symbol if info else None


def cancel_all_open(call: V3Call) -> Any:
    canceled = call.sim.exchange.cancel_all_orders(call.account_id, symbol=_symbol(call), now_ms=call.sim_ms)
    return [{"orderId": int(o.id), "success": True, "errorCode": "", "errorMessage": ""} for o in canceled]


def get_order(call: V3Call) -> Any:
    oid = _order_id(call, required=True)
    try:
        order = call.sim.exchange.order(call.account_id, order_id=oid)
    except SimRejection:
        raise V3Error(c.ORDER_NOT_EXIST) from None
    return _order_row(call, order)


def _window(call: V3Call, high: int, default: int) -> tuple[int | None, int | None, int, int]:
    since = integer(call, "startTime", None, 0)
    until = integer(call, "endTime", None, 0)
    if since is not None and until is not None and since > until:
        raise V3Error((-1171, "startTime is after endTime"))
    limit = integer(call, "limit", default, 1, high)
    page = integer(call, "page", 0, 0)
    assert limit is not None
    assert page is not None
    return since, until, limit, page


def _within(ms: int, since: int | None, until: int | None) -> bool:
    return (since is None or ms >= since) and (until is None or ms <= until)


def open_orders(call: V3Call) -> Any:
    since, until, limit, page = _window(call, 100, 100)
    after = _order_id(call)
    orders = [
        o
        for o in call.sim.exchange.orders(call.account_id, symbol=_symbol(call), open_only=True)
        if _within(o.created_ms, since, until) and (after is None or int(o.id) > int(after))
    ]
    rows = [_order_row(call, o) for o in reversed(orders)]
    return rows[page * limit : (page + 1) * limit]


def order_history(call: V3Call) -> Any:
    since, until, limit, page = _window(call, 1000, 500)
    orders = [
        o
        for o in call.sim.exchange.orders(call.account_id, symbol=_symbol(call))
        if not o.is_open and _within(o.created_ms, since, until)
    ]
    rows = [_order_row(call, o) for o in reversed(orders)]
    return rows[page * limit : (page + 1) * limit]


def user_trades(call: V3Call) -> Any:
    since, until, limit, _ = _window(call, 100, 100)
    oid = _order_id(call)
    fills = call.sim.exchange.fills(
        call.account_id, symbol=_symbol(call), order_id=oid, since_ms=since, until_ms=until
    )
    return [trade_json(f, call.sim.by_unified[f.symbol]) for f in fills][-limit:]


def close_positions(call: V3Call) -> Any:
    results = call.sim.exchange.close_positions(call.account_id, symbol=_symbol(call), now_ms=call.sim_ms)
    rows = []
    for position, outcome in results:
        if isinstance(outcome, SimRejection):
            row = {
                "positionId": int(position.id),
                "success": False,
                "successOrderId": 0,
                "errorMessage": outcome.message,
            }
        else:
            row = {
                "positionId": int(position.id),
                "success": True,
                "successOrderId": int(outcome.id),
                "errorMessage": "",
            }
        rows.append(row)
    return rows


def place_algo(call: V3Call) -> Any:
    info = require_contract(call)
    intent = _intent(call)
    kind = require_text(call, "type").upper()
    if kind not in ALGO_TYPES:
        raise V3Error((-1116, "Invalid algo order type"))
    quantity = _require_decimal(call, "quantity")
    trigger_price = _require_decimal(call, "triggerPrice")
    price = _require_decimal(call, "price") if kind in ("STOP", "TAKE_PROFIT") else None
    client = client_id(call, "clientAlgoId")
    # the trigger's own price source is undocumented (spec 13 Q14): honour the working type ccxt sends
    working = text(call, "workingType", required=False) or text(
        call, "SlWorkingType" if kind.startswith("STOP") else "TpWorkingType", required=False
    )
    on_mark = WORKING_TYPES.get((working or "CONTRACT_PRICE").upper())
    if on_mark is None:
        raise V3Error(c.PARAM_ERROR, "Parameter workingType must be CONTRACT_PRICE or MARK_PRICE")
    try:
        trigger = call.sim.exchange.place_trigger_order(
            call.account_id,
            symbol=info.instrument.symbol,
            intent=intent,
            size=quantity,
            trigger_price=trigger_price,
            execute_price=price,
            kind=TriggerKind.PLAN,
            client_order_id=client,
            trigger_on_mark=on_mark,
            now_ms=call.sim_ms,
        )
    except SimRejection as rejection:
        if rejection.reason in PER_ORDER_REASONS:
            return _failure(client, rejection)
        raise
    call.algo_types[trigger.id] = kind
    return _result(trigger.id, client)


def _algo_cancel_row(call: V3Call, algo_id: str) -> dict[str, Any]:
    try:
        trigger = call.sim.exchange.cancel_trigger_order(call.account_id, algo_id, now_ms=call.sim_ms)
    except SimRejection as rejection:
        return {
            "orderId": algo_id,
            "origClientOrderId": "",
            "success": False,
            "errorCode": str(c.ORDER_NOT_EXIST[0]),
            "errorMessage": rejection.message,
        }
    return {
        "orderId": trigger.id,
        "origClientOrderId": trigger.client_order_id or "",
        "success": True,
        "errorCode": "",
        "errorMessage": "",
    }


def cancel_algo(call: V3Call) -> Any:
    algo_id = _order_id(call, required=True)
    assert algo_id is not None
    return _algo_cancel_row(call, algo_id)


def cancel_all_algo(call: V3Call) -> Any:
    canceled = call.sim.exchange.cancel_all_trigger_orders(
        call.account_id, symbol=_symbol(call), now_ms=call.sim_ms
    )
    return [{"orderId": int(t.id), "success": True, "errorCode": "", "errorMessage": ""} for t in canceled]


def _algo_rows(call: V3Call, *, open_only: bool) -> list[dict[str, Any]]:
    since, until, limit, page = _window(call, 1000 if not open_only else 100, 500 if not open_only else 100)
    page = max(page, 1) - 1  # algo pages count from 1 (spec 7.3.14)
    rows = []
    for trigger in reversed(
        call.sim.exchange.trigger_orders(
            call.account_id, symbol=_symbol(call), open_only=open_only, now_ms=call.sim_ms
        )
    ):
        if not _within(trigger.created_ms, since, until):
            continue
        placed = None
        if trigger.triggered_order_id is not None:
            try:
                placed = call.sim.exchange.order(call.account_id, order_id=trigger.triggered_order_id)
            except SimRejection:
                placed = None
        rows.append(
            algo_json(trigger, call.sim.by_unified[trigger.symbol], placed, call.algo_types.get(trigger.id))
        )
    return rows[page * limit : (page + 1) * limit]


def open_algo_orders(call: V3Call) -> Any:
    return _algo_rows(call, open_only=True)


def all_algo_orders(call: V3Call) -> Any:
    rows = _algo_rows(call, open_only=False)
    return {"orders": rows, "hasMore": False}


PLAN_TYPES = {"TAKE_PROFIT": TriggerKind.TAKE_PROFIT, "STOP_LOSS": TriggerKind.STOP_LOSS}
POSITION_SIDES = {"LONG": PositionSide.LONG, "SHORT": PositionSide.SHORT}


def place_tpsl(call: V3Call) -> Any:
    info = require_contract(call)
    client = client_id(call, "clientAlgoId", required=True)
    plan = PLAN_TYPES.get(require_text(call, "planType").upper())
    side = POSITION_SIDES.get(require_text(call, "positionSide").upper())
    if plan is None or side is None:
        raise V3Error(c.PARAM_ERROR, "planType must be TAKE_PROFIT/STOP_LOSS and positionSide LONG/SHORT")
    trigger_price = _require_decimal(call, "triggerPrice")
    execute = decimal(call, "executePrice", required=False)
    quantity = decimal(call, "quantity", required=False)
    on_mark = WORKING_TYPES.get((text(call, "triggerPriceType", required=False) or "CONTRACT_PRICE").upper())
    if on_mark is None:
        raise V3Error(c.PARAM_ERROR, "Parameter triggerPriceType is invalid")
    if not quantity:
        # R3: 0 or absent = the whole position (spec 7.3.16)
        held = [
            p
            for p in call.sim.exchange.positions(call.account_id, symbol=info.instrument.symbol)
            if p.side is side
        ]
        quantity = held[0].size if held else Decimal(0)
    try:
        trigger = call.sim.exchange.place_trigger_order(
            call.account_id,
            symbol=info.instrument.symbol,
            intent=OrderIntent.closing(side),
            size=quantity,
            trigger_price=trigger_price,
            execute_price=execute or None,
            kind=plan,
            client_order_id=client,
            trigger_on_mark=on_mark,
            now_ms=call.sim_ms,
        )
    except SimRejection as rejection:
        if rejection.reason.value in ("unknown_symbol", "missing_parameter"):
            raise
        code, message = per_order_failure(rejection)
        return [{"success": False, "orderId": 0, "errorCode": code, "errorMessage": message}]
    call.algo_types[trigger.id] = "TAKE_PROFIT_MARKET" if plan is TriggerKind.TAKE_PROFIT else "STOP_MARKET"
    if execute:
        call.algo_types[trigger.id] = call.algo_types[trigger.id].removesuffix("_MARKET")
    return [{"success": True, "orderId": int(trigger.id), "errorCode": "", "errorMessage": ""}]


def modify_tpsl(call: V3Call) -> Any:
    oid = _order_id(call, required=True)
    assert oid is not None
    trigger_price = _require_decimal(call, "triggerPrice")
    execute = decimal(call, "executePrice", required=False)
    working = text(call, "triggerPriceType", required=False)
    on_mark = WORKING_TYPES.get(working.upper()) if working else None
    if working and on_mark is None:
        raise V3Error(c.PARAM_ERROR, "Parameter triggerPriceType is invalid")
    call.sim.exchange.modify_trigger_order(
        call.account_id,
        oid,
        trigger_price=trigger_price,
        execute_price=execute or None,
        trigger_on_mark=on_mark,
        now_ms=call.sim_ms,
    )
    return {"success": True}


def upload_ai_log(call: V3Call) -> Any:
    """Same handler and answer as v2 (spec 7.4: served on both paths, v2 envelope)."""
    v2 = Call(call.sim, call.params, call.account, call.sim_ms, call.wall_ms, call.raw_body)
    return routes_order.upload_ai_log(v2)


ROUTES: dict[str, Handler] = {
    "v3_placeOrder": place_order,
    "v3_cancelOrder": cancel_order,
    "v3_getOrder": get_order,
    "v3_batchCancel": batch_cancel,
    "v3_cancelAllOpen": cancel_all_open,
    "v3_openOrders": open_orders,
    "v3_orderHistory": order_history,
    "v3_userTrades": user_trades,
    "v3_closePositions": close_positions,
    "v3_placeAlgo": place_algo,
    "v3_cancelAlgo": cancel_algo,
    "v3_cancelAllAlgo": cancel_all_algo,
    "v3_openAlgoOrders": open_algo_orders,
    "v3_allAlgoOrders": all_algo_orders,
    "v3_placeTpSl": place_tpsl,
    "v3_modifyTpSl": modify_tpsl,
    "v3_uploadAiLog": upload_ai_log,
    "v3_uploadAiLogV2": upload_ai_log,
}
