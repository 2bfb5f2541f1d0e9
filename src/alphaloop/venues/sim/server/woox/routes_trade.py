"""Private ordinary-order and fill endpoints, `/v3/trade/*` (spec 4.3, 4.4).

Place answers ids at once and the core has already matched a marketable order, so a following
GET shows it FILLED (spec 4.7). Cancel and edit answer acknowledgements (`CANCEL_SENT`...). An edit
is carried out as cancel-and-replace in the core under the same public order id; only orders
without fills can be edited here.
"""

from __future__ import annotations

from typing import Any

from alphaloop.model import OrderRequest, OrderType, TimeInForce
from alphaloop.venues.sim.core import SimOrder, SimRejection
from alphaloop.venues.sim.server.woox import params as p
from alphaloop.venues.sim.server.woox.call import Handler, WooxCall, instrument, require_instrument
from alphaloop.venues.sim.server.woox.routes_account import MARGIN
from alphaloop.venues.sim.server.woox.routes_public import page_of
from alphaloop.venues.sim.server.woox.shapes import order_json, transaction_json
from alphaloop.venues.sim.server.woox.wire import NOT_FOUND, WooxError, dec
from alphaloop.venues.woox.constants import MARGIN_MODES, ORDER_TYPES, POSITION_SIDES, SIDES

TIME_IN_FORCE = {
    "LIMIT": TimeInForce.GTC,
    "IOC": TimeInForce.IOC,
    "FOK": TimeInForce.FOK,
    "POST_ONLY": TimeInForce.POST_ONLY,
}
MAX_CANCEL_AFTER_MS = 900_000
_HEDGE_SIDE_WORDS = {
    ("BUY", "LONG"): "OPEN LONG",
    ("SELL", "LONG"): "CLOSE LONG",
    ("SELL", "SHORT"): "OPEN SHORT",
    ("BUY", "SHORT"): "CLOSE SHORT",
}


def place_order(call: WooxCall) -> Any:
    inst = require_instrument(call)
    params = call.params
    side = p.require_choice(params, "side", SIDES)
    kind = p.require_choice(params, "type", ORDER_TYPES)
    if kind in ("ASK", "BID"):
        raise WooxError(-1005, f"type {kind} is not simulated: send LIMIT, MARKET, IOC, FOK or POST_ONLY")
    if p.text(params, "amount", required=False) is not None:
        raise WooxError(-1005, "amount (quote quantity) is not simulated for perpetuals: send quantity")
    quantity = p.require_decimal(params, "quantity")
    market = kind == "MARKET"
    price = None if market else p.require_decimal(params, "price")
    client_id = p.client_id(params, "clientOrderId")
    reduce_only = p.boolean(params, "reduceOnly")
    position_side = p.choice(params, "positionSide", POSITION_SIDES, default="BOTH")
    margin_word = p.choice(params, "marginMode", MARGIN_MODES)
    tag = p.text(params, "orderTag", required=False)
    if tag is not None and len(tag) > 64:
        raise WooxError(-1005, "orderTag must be at most 64 characters")
    p.decimal(params, "visibleQuantity", required=False, positive=False)
    assert position_side is not None
    world = call.world
    intent = world.resolve_intent(call.account_id, inst.symbol, side, position_side, reduce_only, quantity)
    margin = world.order_margin_mode(
        call.account_id, inst.symbol, None if margin_word is None else MARGIN[margin_word], call.sim_ms
    )
    request = OrderRequest(
        symbol=inst.symbol,
        intent=intent,
        amount=quantity,
        order_type=OrderType.MARKET if market else OrderType.LIMIT,
        price=price,
        time_in_force=TIME_IN_FORCE.get(kind, TimeInForce.GTC),
        client_order_id=client_id,
    )
    order = call.sim.exchange.place_order(call.account_id, request, now_ms=call.sim_ms, margin_mode=margin)
    return {
        "orderId": int(order.id),
        "clientOrderId": int(client_id or 0),
        "type": kind,
        "price": None if price is None else dec(price),
        "quantity": dec(quantity),
        "amount": None,
        "bidAskLevel": None,
    }


def _order(call: WooxCall) -> SimOrder:
    order_id = p.order_id(call.params, "orderId")
    client_id = p.client_id(call.params, "clientOrderId")
    if order_id is None and client_id is None:
        raise WooxError(-1005, "orderId or clientOrderId must not be blank")
    # orderId wins when both are given (spec 4.3)
    return call.world.core_order(call.account_id, order_id, None if order_id is not None else client_id)


def edit_order(call: WooxCall) -> Any:
    old = _order(call)
    price = p.decimal(call.params, "price", required=False)
    quantity = p.decimal(call.params, "quantity", required=False)
    if price is None and quantity is None:
        raise WooxError(-1005, "price or quantity must not be blank")
    if not old.is_open:
        raise WooxError.of(NOT_FOUND)
    if old.filled > 0:
        raise WooxError(-1005, "the simulator edits only orders without fills")
    exchange, now = call.sim.exchange, call.sim_ms
    exchange.cancel_order(call.account_id, order_id=old.id, now_ms=now)
    request = OrderRequest(
        symbol=old.symbol,
        intent=old.intent,
        amount=quantity or old.amount,
        order_type=old.order_type,
        price=None if old.order_type is OrderType.MARKET else (price or old.price),
        time_in_force=old.time_in_force,
        client_order_id=old.client_order_id,
    )
    try:
        new = exchange.place_order(call.account_id, request, now_ms=now, margin_mode=old.margin_mode)
    except SimRejection:
        # the venue would reject the edit and keep the order: put the original back
        original = OrderRequest(
            old.symbol,
            old.intent,
            old.amount,
            old.order_type,
            old.price,
            old.time_in_force,
            old.client_order_id,
        )
        call.world.record_edit(old, exchange.place_order(call.account_id, original, now_ms=now))
        raise
    call.world.record_edit(old, new)
    return {"status": "EDIT_SENT"}


def cancel_order(call: WooxCall) -> Any:
    inst = require_instrument(call)
    order = _order(call)
    if not order.is_open or order.symbol != inst.symbol:
        raise WooxError.of(NOT_FOUND)
    call.sim.exchange.cancel_order(call.account_id, order_id=order.id, now_ms=call.sim_ms)
    return {"status": "CANCEL_SENT"}


def cancel_orders(call: WooxCall) -> Any:
    inst = instrument(call, required=False)
    symbol = None if inst is None else inst.symbol
    call.sim.exchange.cancel_all_orders(call.account_id, symbol=symbol, now_ms=call.sim_ms)
    return {"status": "CANCEL_ALL_SENT"}


def cancel_all_orders(call: WooxCall) -> Any:
    inst = require_instrument(call)
    call.world.cancel_everything(call.account_id, inst.symbol, call.sim_ms)
    return {"status": "CANCEL_ALL_SENT"}


def _order_row(call: WooxCall, order: SimOrder, with_pnl: bool) -> dict[str, Any]:
    row = order_json(call.world, order)
    if not with_pnl:
        row["realizedPnl"] = None
    return row


def get_order(call: WooxCall) -> Any:
    return _order_row(call, _order(call), p.boolean(call.params, "withRealizedPnl"))


def get_orders(call: WooxCall) -> Any:
    params = call.params
    inst = instrument(call, required=False)
    status = p.choice(
        params,
        "status",
        ("INCOMPLETE", "COMPLETED", "NEW", "PARTIAL_FILLED", "FILLED", "CANCELLED", "REJECTED"),
    )
    side = p.choice(params, "side", SIDES)
    position_side = p.choice(params, "positionSide", POSITION_SIDES)
    kind = p.choice(params, "type", ORDER_TYPES)
    since = p.integer(params, "startTime", low=0)
    until = p.integer(params, "endTime", low=0)
    with_pnl = p.boolean(params, "withRealizedPnl")
    p.text(params, "orderTag", required=False)
    orders = call.world.orders(call.account_id, None if inst is None else inst.symbol, open_only=False)
    rows = []
    for order in reversed(orders):  # newest first
        row = _order_row(call, order, with_pnl)
        if status == "INCOMPLETE" and row["status"] not in ("NEW", "PARTIAL_FILLED"):
            continue
        if status == "COMPLETED" and row["status"] not in ("FILLED", "CANCELLED", "REJECTED"):
            continue
        if status not in (None, "INCOMPLETE", "COMPLETED") and row["status"] != status:
            continue
        if (side and row["side"] != side) or (position_side and row["positionSide"] != position_side):
            continue
        if (kind and row["type"] != kind) or (since is not None and order.created_ms < since):
            continue
        if until is not None and order.created_ms > until:
            continue
        rows.append(row)
    return page_of(rows, call)


def _fill_row(call: WooxCall, fill_row: dict[str, Any]) -> dict[str, Any]:
    if "positionSide" in fill_row:
        fill_row["side"] = _HEDGE_SIDE_WORDS[(fill_row["side"], fill_row["positionSide"])]
    return fill_row


def transaction(call: WooxCall) -> Any:
    trade_id = p.order_id(call.params, "tradeId")
    if trade_id is None:
        raise WooxError(-1005, "tradeId must not be blank")
    for fill in call.sim.exchange.fills(call.account_id):
        if fill.id == trade_id:
            # the single-fill endpoint spells hedge-mode sides `OPEN LONG`... (spec 4.4)
            return _fill_row(call, transaction_json(call.world, fill))
    raise WooxError.of(NOT_FOUND)


def transaction_history(call: WooxCall) -> Any:
    params = call.params
    inst = instrument(call, required=False)
    since = p.integer(params, "startTime", low=0)
    until = p.integer(params, "endTime", low=0)
    from_id = p.integer(params, "fromId", low=0)
    limit = p.integer(params, "limit", default=25, low=1, high=500)
    page = p.integer(params, "page", default=1, low=1)
    assert limit is not None
    assert page is not None
    fills = call.sim.exchange.fills(
        call.account_id, symbol=None if inst is None else inst.symbol, since_ms=since, until_ms=until
    )
    rows = [
        transaction_json(call.world, fill)
        for fill in reversed(fills)
        if from_id is None or int(fill.id) >= from_id
    ]
    chunk = rows[(page - 1) * limit : page * limit]
    return {"rows": chunk, "meta": {"total": len(rows), "recordsPerPage": limit, "currentPage": page}}


def cancel_all_after(call: WooxCall) -> Any:
    after = p.integer(call.params, "triggerAfter", required=True, low=0, high=MAX_CANCEL_AFTER_MS)
    assert after is not None
    settings = call.world.settings(call.account_id)
    settings.cancel_all_at_ms = None if after == 0 else call.wall_ms + after
    return {"expectedTriggerTime": settings.cancel_all_at_ms or 0}


ROUTES: dict[str, tuple[Handler, frozenset[str]]] = {
    "placeOrder": (
        place_order,
        frozenset(
            {
                "symbol", "side", "type", "price", "quantity", "amount", "clientOrderId", "reduceOnly",
                "positionSide", "marginMode", "orderTag", "visibleQuantity", "bidAskLevel",
                "postOnlyAdjusted", "broker_id",
            }
        ),
    ),
    "editOrder": (edit_order, frozenset({"orderId", "clientOrderId", "price", "quantity"})),
    "cancelOrder": (cancel_order, frozenset({"symbol", "orderId", "clientOrderId"})),
    "cancelOrders": (cancel_orders, frozenset({"symbol"})),
    "cancelAllOrders": (cancel_all_orders, frozenset({"symbol"})),
    "getOrder": (get_order, frozenset({"orderId", "clientOrderId", "withRealizedPnl"})),
    "getOrders": (
        get_orders,
        frozenset(
            {
                "symbol", "side", "positionSide", "type", "orderTag", "withRealizedPnl", "status",
                "startTime", "endTime", "page", "size",
            }
        ),
    ),
    "transaction": (transaction, frozenset({"tradeId"})),
    "transactionHistory": (
        transaction_history,
        frozenset({"symbol", "startTime", "endTime", "fromId", "limit", "page"}),
    ),
    "cancelAllAfter": (cancel_all_after, frozenset({"triggerAfter"})),
}  # fmt: skip
