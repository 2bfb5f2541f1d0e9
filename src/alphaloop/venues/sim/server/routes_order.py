"""Private order endpoints (spec 7.25-7.41): normal orders, trigger orders, TP/SL, AI logs.

Each handler checks parameters in the spec 10.5 order (symbol, required, enums) before the core
validates the rest; core rejections propagate as `SimRejection` and the app maps them.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import orjson

from alphaloop.model import OrderIntent, OrderRequest, OrderType, PositionSide, TimeInForce
from alphaloop.model.ailog import MAX_EXPLANATION_WORDS, word_count
from alphaloop.venues.sim.core import SimOrder, SimRejection, SimTriggerOrder, TriggerKind
from alphaloop.venues.sim.server import wire
from alphaloop.venues.sim.server.dialect import (
    INTENT_BY_TYPE,
    Call,
    Params,
    choice,
    contract,
    decimal,
    integer,
    margin_mode,
    order_id,
    rejection_to_error,
    require_contract,
    require_decimal,
    require_text,
    text,
)
from alphaloop.venues.sim.server.shapes import fill_json, order_json, plan_json
from alphaloop.venues.sim.server.state import StoredAiLog
from alphaloop.venues.sim.server.wire import WeexError, param_empty, param_invalid, success_00000

Handler = Callable[[Call], Any]

TIME_IN_FORCE = {"0": TimeInForce.GTC, "1": TimeInForce.POST_ONLY, "2": TimeInForce.FOK, "3": TimeInForce.IOC}
MATCH_PRICE = {"0": OrderType.LIMIT, "1": OrderType.MARKET}
PLAN_TYPES = {"profit_plan": TriggerKind.TAKE_PROFIT, "loss_plan": TriggerKind.STOP_LOSS}
POSITION_SIDES = {"long": PositionSide.LONG, "short": PositionSide.SHORT}
CANCEL_TYPES = {"normal": "normal", "plan": "plan"}
TRIGGER_PRICE_TYPES = {"1": False, "3": True}
MAX_BATCH_ORDERS = 20
MAX_BATCH_CANCELS = 50
MAX_CLIENT_OID = 40
DAY_MS = 86_400_000


def _order_request(symbol: str, params: Params) -> tuple[OrderRequest, Any]:
    """placeOrder / batchOrders item parameters -> OrderRequest (required, then enums, spec 10.5)."""
    client_oid = require_text(params, "client_oid")
    size = require_decimal(params, "size")
    intent = choice(params, "type", INTENT_BY_TYPE)
    tif = choice(params, "order_type", TIME_IN_FORCE)
    kind = choice(params, "match_price", MATCH_PRICE)
    price = decimal(params, "price", required=kind is OrderType.LIMIT)
    take_profit = decimal(params, "presetTakeProfitPrice", required=False)
    stop_loss = decimal(params, "presetStopLossPrice", required=False)
    mode = margin_mode(params)
    if len(client_oid) > MAX_CLIENT_OID:
        raise param_invalid("client_oid")
    request = OrderRequest(
        symbol=symbol,
        intent=intent,
        amount=size,
        order_type=kind,
        price=price if kind is OrderType.LIMIT else None,
        time_in_force=tif,
        client_order_id=client_oid,
        take_profit_price=take_profit,
        stop_loss_price=stop_loss,
    )
    return request, mode


def place_order(call: Call) -> Any:
    info = require_contract(call.sim, call.params)
    request, mode = _order_request(info.instrument.symbol, call.params)
    order = call.sim.exchange.place_order(call.account_id, request, now_ms=call.sim_ms, margin_mode=mode)
    # Every doc example echoes client_oid as null even when one was sent (spec 7.25).
    return {"client_oid": None, "order_id": order.id}


def batch_orders(call: Call) -> Any:
    info = require_contract(call.sim, call.params)
    items = call.params.get("orderDataList")
    if items is None or items == "":
        raise param_empty("orderDataList")
    if not isinstance(items, list) or not items or len(items) > MAX_BATCH_ORDERS:
        raise param_invalid("orderDataList")
    batch_mode = margin_mode(call.params)
    results = []
    for item in items:
        client_oid = item.get("client_oid") if isinstance(item, dict) else None
        try:
            if not isinstance(item, dict):
                raise param_invalid("orderDataList")
            request, mode = _order_request(info.instrument.symbol, item)
            order = call.sim.exchange.place_order(
                call.account_id, request, now_ms=call.sim_ms, margin_mode=mode or batch_mode
            )
            results.append(
                {
                    "order_id": order.id,
                    "client_oid": client_oid,
                    "result": True,
                    "error_code": "",
                    "error_message": "",
                }
            )
        except (WeexError, SimRejection) as exc:
            error = exc if isinstance(exc, WeexError) else _map(call, exc)
            results.append(
                {
                    "order_id": "",
                    "client_oid": client_oid,
                    "result": False,
                    "error_code": error.code,
                    "error_message": error.msg,
                }
            )
    return {"order_info": results, "result": all(r["result"] for r in results)}


def _map(call: Call, rejection: SimRejection) -> WeexError:
    return rejection_to_error(rejection, insufficient_margin_code=call.sim.config.insufficient_margin_code)


def _cancel_one(call: Call, oid: str | None, coid: str | None) -> dict[str, Any]:
    """Cancel by id; unknown -> 50005, already final -> result false with err_msg (spec 7.27)."""
    exchange = call.sim.exchange
    existing = exchange.order(call.account_id, order_id=oid, client_order_id=coid)
    if not existing.is_open:
        return {"order_id": existing.id, "client_oid": None, "result": False, "err_msg": "Order status error"}
    order = exchange.cancel_order(call.account_id, order_id=existing.id, now_ms=call.sim_ms)
    return {"order_id": order.id, "client_oid": None, "result": True, "err_msg": None}


def cancel_order(call: Call) -> Any:
    oid = order_id(call.params, "orderId", required=False)
    coid = text(call.params, "clientOid", required=False)
    if oid is None and coid is None:
        raise param_empty("orderId")
    return _cancel_one(call, oid, coid)


def cancel_batch_orders(call: Call) -> Any:
    ids, cids = call.params.get("ids"), call.params.get("cids")
    if not ids and not cids:
        raise param_empty("ids")
    for name, value in (("ids", ids), ("cids", cids)):
        if value and (not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value)):
            raise param_invalid(name)
    wanted = [(str(v), None) for v in ids or []] + [(None, str(v)) for v in cids or []]
    if len(wanted) > MAX_BATCH_CANCELS:
        raise WeexError("40912", "Single cancellation cannot exceed 50")
    rows: list[dict[str, Any]] = []
    fails: list[dict[str, Any]] = []
    order_ids: list[str] = []
    client_oids: list[str] = []
    for oid, coid in wanted:
        try:
            row = _cancel_one(call, oid, coid)
        except SimRejection as rejection:
            row = {
                "order_id": oid or "",
                "client_oid": coid or "",
                "result": False,
                "err_msg": rejection.message,
            }
        row = {
            "err_msg": row["err_msg"] or "",
            "order_id": row["order_id"],
            "client_oid": coid or "",
            "result": row["result"],
        }
        rows.append(row)
        if row["result"]:
            if oid:
                order_ids.append(oid)
            elif coid:
                client_oids.append(coid)
        else:
            fails.append({"order_id": oid or "", "client_oid": coid or "", "err_msg": row["err_msg"]})
    return {
        "result": not fails,
        "orderIds": order_ids,
        "clientOids": client_oids,
        "cancelOrderResultList": rows,
        "failInfos": fails,
    }


def detail(call: Call) -> Any:
    oid = order_id(call.params, "orderId")
    order = call.sim.exchange.order(call.account_id, order_id=oid)
    return order_json(order, call.sim.by_unified[order.symbol])


def _symbol_filter(call: Call) -> str | None:
    info = contract(call.sim, call.params, required=False)
    return info.instrument.symbol if info else None


def history(call: Call) -> Any:
    symbol = _symbol_filter(call)
    page_size = integer(call.params, "pageSize", default=100, low=1, high=100)
    create_date = integer(call.params, "createDate", low=0)
    assert page_size is not None
    since: int | None = None
    if create_date is not None:
        # Ambiguous doc (spec 7.30): <= 90 means "last N days", larger values a ms lower bound.
        since = call.sim_ms - create_date * DAY_MS if create_date <= 90 else create_date
    orders = [
        o
        for o in call.sim.exchange.orders(call.account_id, symbol=symbol)
        if not o.is_open and (since is None or o.created_ms >= since)
    ]
    return [order_json(o, call.sim.by_unified[o.symbol]) for o in reversed(orders)][:page_size]


def _window(call: Call) -> tuple[int, int, int | None, int | None, str | None]:
    limit = integer(call.params, "limit", default=100, low=1, high=100)
    page = integer(call.params, "page", default=0, low=0)
    since = integer(call.params, "startTime", low=0)
    until = integer(call.params, "endTime", low=0)
    # currentPlan: "invalid orderId characters bypass the filter" (spec 7.35); same here.
    raw = call.params.get("orderId")
    oid = str(raw) if raw is not None and str(raw).isdigit() else None
    assert limit is not None
    assert page is not None
    return limit, page, since, until, oid


def _in_window(created: int, since: int | None, until: int | None) -> bool:
    return (since is None or created >= since) and (until is None or created <= until)


def current(call: Call) -> Any:
    symbol = _symbol_filter(call)
    limit, page, since, until, oid = _window(call)
    orders = [
        o
        for o in call.sim.exchange.orders(call.account_id, symbol=symbol, open_only=True)
        if _in_window(o.created_ms, since, until) and (oid is None or o.id == oid)
    ]
    rows = [order_json(o, call.sim.by_unified[o.symbol]) for o in reversed(orders)]
    return rows[page * limit : (page + 1) * limit]


def fills(call: Call) -> Any:
    symbol = _symbol_filter(call)
    oid = order_id(call.params, "orderId", required=False)
    since = integer(call.params, "startTime", low=0)
    until = integer(call.params, "endTime", low=0)
    limit = integer(call.params, "limit", default=100, low=1, high=100)
    assert limit is not None
    rows = call.sim.exchange.fills(
        call.account_id, symbol=symbol, order_id=oid, since_ms=since, until_ms=until
    )
    items = [fill_json(f, call.sim.by_unified[f.symbol]) for f in reversed(rows)]
    return {"list": items[:limit], "nextFlag": len(items) > limit, "totals": len(items)}


def plan_order(call: Call) -> Any:
    info = require_contract(call.sim, call.params)
    client_oid = text(call.params, "client_oid", required=False, max_len=MAX_CLIENT_OID)
    size = require_decimal(call.params, "size")
    intent = choice(call.params, "type", INTENT_BY_TYPE)
    match_type = choice(call.params, "match_type", MATCH_PRICE)
    execute_price = require_decimal(call.params, "execute_price")
    trigger_price = require_decimal(call.params, "trigger_price")
    margin_mode(call.params)
    trigger = call.sim.exchange.place_trigger_order(
        call.account_id,
        symbol=info.instrument.symbol,
        intent=intent,
        size=size,
        trigger_price=trigger_price,
        execute_price=execute_price if match_type is OrderType.LIMIT else None,
        kind=TriggerKind.PLAN,
        client_order_id=client_oid,
        now_ms=call.sim_ms,
    )
    return {"client_oid": None, "order_id": trigger.id}


def cancel_plan(call: Call) -> Any:
    oid = order_id(call.params, "orderId")
    assert oid is not None
    trigger = call.sim.exchange.cancel_trigger_order(call.account_id, oid, now_ms=call.sim_ms)
    return {"order_id": trigger.id, "client_oid": None, "result": True, "err_msg": None}


def _plan_rows(call: Call, triggers: list[SimTriggerOrder]) -> list[dict[str, Any]]:
    rows = []
    for trigger in reversed(triggers):
        placed: SimOrder | None = None
        if trigger.triggered_order_id is not None:
            try:
                placed = call.sim.exchange.order(call.account_id, order_id=trigger.triggered_order_id)
            except SimRejection:
                placed = None
        rows.append(plan_json(trigger, call.sim.by_unified[trigger.symbol], placed))
    return rows


def current_plan(call: Call) -> Any:
    symbol = _symbol_filter(call)
    limit, page, since, until, oid = _window(call)
    # now_ms hides preset TP/SL still "registering" (FIELD: ~1-2 s lag, spec 7.25).
    triggers = [
        t
        for t in call.sim.exchange.trigger_orders(
            call.account_id, symbol=symbol, open_only=True, now_ms=call.sim_ms
        )
        if _in_window(t.created_ms, since, until) and (oid is None or t.id == oid)
    ]
    return _plan_rows(call, triggers)[page * limit : (page + 1) * limit]


def history_plan(call: Call) -> Any:
    info = require_contract(call.sim, call.params)
    since = integer(call.params, "startTime", low=0)
    until = integer(call.params, "endTime", low=0)
    delegate = choice(call.params, "delegateType", INTENT_BY_TYPE, required=False)
    page_size = integer(call.params, "pageSize", default=100, low=1, high=100)
    assert page_size is not None
    triggers = [
        t
        for t in call.sim.exchange.trigger_orders(
            call.account_id, symbol=info.instrument.symbol, open_only=False
        )
        if not t.is_open
        and _in_window(t.created_ms, since, until)
        and (delegate is None or t.intent is delegate)
    ]
    rows = _plan_rows(call, triggers)
    return {"list": rows[:page_size], "nextPage": len(rows) > page_size}


def close_positions(call: Call) -> Any:
    symbol = _symbol_filter(call)
    results = call.sim.exchange.close_positions(call.account_id, symbol=symbol, now_ms=call.sim_ms)
    rows = []
    for position, outcome in results:
        if isinstance(outcome, SimRejection):
            row = {"positionId": int(position.id), "successOrderId": 0, "errorMessage": outcome.message}
        else:
            row = {"positionId": int(position.id), "successOrderId": int(outcome.id), "errorMessage": ""}
        rows.append({**row, "success": not isinstance(outcome, SimRejection)})
    return rows


def cancel_all_orders(call: Call) -> Any:
    kind = choice(call.params, "cancelOrderType", CANCEL_TYPES)
    symbol = _symbol_filter(call)
    exchange = call.sim.exchange
    if kind == "normal":
        canceled: list[SimOrder | SimTriggerOrder] = list(
            exchange.cancel_all_orders(call.account_id, symbol=symbol, now_ms=call.sim_ms)
        )
    else:
        canceled = list(
            exchange.cancel_all_trigger_orders(call.account_id, symbol=symbol, now_ms=call.sim_ms)
        )
    return [{"orderId": int(o.id), "success": True} for o in canceled]


def place_tpsl_order(call: Call) -> Any:
    info = require_contract(call.sim, call.params)
    client_oid = require_text(call.params, "clientOrderId", max_len=MAX_CLIENT_OID)
    kind = choice(call.params, "planType", PLAN_TYPES)
    trigger_price = require_decimal(call.params, "triggerPrice")
    execute_price = decimal(call.params, "executePrice", required=False)
    size = require_decimal(call.params, "size")
    side = choice(call.params, "positionSide", POSITION_SIDES)
    margin_mode(call.params)
    try:
        trigger = call.sim.exchange.place_trigger_order(
            call.account_id,
            symbol=info.instrument.symbol,
            intent=OrderIntent.closing(side),
            size=size,
            trigger_price=trigger_price,
            execute_price=execute_price if execute_price else None,
            kind=kind,
            client_order_id=client_oid,
            now_ms=call.sim_ms,
        )
    except SimRejection as rejection:
        if rejection.reason.value in ("unknown_symbol", "missing_parameter"):
            raise
        # Documented failure shape: a 200 row with orderId 0 (spec 7.39).
        return [{"orderId": 0, "success": False}]
    return [{"orderId": int(trigger.id), "success": True}]


def modify_tpsl_order(call: Call) -> Any:
    oid = order_id(call.params, "orderId")
    assert oid is not None
    trigger_price = require_decimal(call.params, "triggerPrice")
    execute_price = decimal(call.params, "executePrice", required=False)
    on_mark = choice(call.params, "triggerPriceType", TRIGGER_PRICE_TYPES, required=False)
    call.sim.exchange.modify_trigger_order(
        call.account_id,
        oid,
        trigger_price=trigger_price,
        execute_price=execute_price if execute_price else None,
        trigger_on_mark=on_mark,
        now_ms=call.sim_ms,
    )
    return success_00000(call.wall_ms, "")


def upload_ai_log(call: Call) -> Any:
    account = call.account
    assert account is not None
    if not account.ai_log_allowed:
        raise WeexError.of(wire.NO_API_PERMISSION)
    params = call.params
    for name in ("stage", "model", "input", "output", "explanation"):
        value = params.get(name)
        if value is None or value == "":
            raise param_empty(name)
    for name in ("stage", "model", "explanation"):
        if not isinstance(params[name], str):
            raise param_invalid(name)
    for name in ("input", "output"):
        if not isinstance(params[name], dict):
            raise param_invalid(name)
    if word_count(params["explanation"]) > MAX_EXPLANATION_WORDS:
        raise param_invalid("explanation")
    order_id(params, "orderId", required=False)
    call.sim.ai_logs.append(
        StoredAiLog(
            received_ms=call.wall_ms,
            sim_ms=call.sim_ms,
            api_key=account.api_key,
            body=call.raw_body.decode("utf-8", "replace"),
            parsed=orjson.loads(orjson.dumps(dict(params))),
        )
    )
    return success_00000(call.wall_ms, "upload success")


ROUTES: dict[str, Handler] = {
    "placeOrder": place_order,
    "batchOrders": batch_orders,
    "cancel_order": cancel_order,
    "cancel_batch_orders": cancel_batch_orders,
    "detail": detail,
    "history": history,
    "current": current,
    "fills": fills,
    "plan_order": plan_order,
    "cancel_plan": cancel_plan,
    "currentPlan": current_plan,
    "historyPlan": history_plan,
    "closePositions": close_positions,
    "cancelAllOrders": cancel_all_orders,
    "placeTpSlOrder": place_tpsl_order,
    "modifyTpSlOrder": modify_tpsl_order,
    "uploadAiLog": upload_ai_log,
}

__all__ = ["ROUTES", "Decimal"]
