"""Private algo-order endpoints, `/v3/trade/algoOrder(s)` (spec 4.5), over `algo.AlgoBook`."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from alphaloop.venues.sim.server.woox import params as p
from alphaloop.venues.sim.server.woox.algo import AlgoRecord
from alphaloop.venues.sim.server.woox.call import Handler, WooxCall, instrument, require_instrument
from alphaloop.venues.sim.server.woox.routes_account import MARGIN
from alphaloop.venues.sim.server.woox.routes_public import page_of
from alphaloop.venues.sim.server.woox.shapes import venue_symbol
from alphaloop.venues.sim.server.woox.wire import NOT_FOUND, WooxError, dec
from alphaloop.venues.woox.constants import (
    ALGO_LEG_TYPES,
    ALGO_TYPES,
    MARGIN_MODES,
    POSITION_SIDES,
    SIDES,
    TRIGGER_PRICE_TYPES,
)

_CHILD_FIELDS = frozenset(
    {
        "symbol", "algoType", "side", "type", "quantity", "price", "triggerPrice", "triggerPriceType",
        "reduceOnly", "positionSide", "childOrders",
    }
)  # fmt: skip
_LEG_TYPES = ("LIMIT", "MARKET", "CLOSE_POSITION")


def _fields(params: Mapping[str, Any], *, algo_types: tuple[str, ...]) -> dict[str, Any]:
    """The order fields shared by a parent and its children, parsed."""
    return {
        "algoType": p.require_choice(params, "algoType", algo_types),
        "side": p.choice(params, "side", SIDES),
        "type": p.choice(params, "type", _LEG_TYPES),
        "quantity": p.decimal(params, "quantity", required=False),
        "price": p.decimal(params, "price", required=False),
        "triggerPrice": p.decimal(params, "triggerPrice", required=False),
        "triggerPriceType": p.choice(params, "triggerPriceType", TRIGGER_PRICE_TYPES),
        "reduceOnly": p.boolean(params, "reduceOnly"),
        "positionSide": p.choice(params, "positionSide", POSITION_SIDES, default="BOTH"),
    }


def _children(value: Any, symbol: str) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(child, dict) for child in value):
        raise WooxError(-1005, "childOrders must be a list of orders")
    children = []
    for child in value:
        p.check_known(child, _CHILD_FIELDS)
        if child.get("symbol") not in (None, symbol):
            raise WooxError(-1005, "childOrders must be of the parent's symbol")
        fields = _fields(child, algo_types=(*ALGO_TYPES, *ALGO_LEG_TYPES))
        fields["childOrders"] = _children(child.get("childOrders"), symbol)
        children.append(fields)
    return children


def place_algo_order(call: WooxCall) -> Any:
    inst = require_instrument(call)
    params = call.params
    body = _fields(params, algo_types=ALGO_TYPES)
    margin_word = p.choice(params, "marginMode", MARGIN_MODES)
    body.update(
        clientAlgoOrderId=p.client_id(params, "clientAlgoOrderId"),
        callbackRate=p.decimal(params, "callbackRate", required=False),
        callbackValue=p.decimal(params, "callbackValue", required=False),
        activatedPrice=p.decimal(params, "activatedPrice", required=False),
        childOrders=_children(params.get("childOrders"), inst.venue_symbol),
    )
    p.text(params, "algoOrderTag", required=False)
    p.decimal(params, "visibleQuantity", required=False, positive=False)
    body["marginMode"] = call.world.order_margin_mode(
        call.account_id, inst.symbol, None if margin_word is None else MARGIN[margin_word], call.sim_ms
    )
    created = call.world.algos.place(call.account_id, inst.symbol, body, call.sim_ms)
    return {
        "rows": [
            {
                "algoOrderId": int(r.id),
                "clientAlgoOrderId": int(r.client_id or 0),
                "algoType": r.algo_type,
                "quantity": dec(r.quantity),
            }
            for r in created
        ]
    }


def _record(call: WooxCall) -> AlgoRecord:
    algo_id = p.order_id(call.params, "algoOrderId")
    client_id = p.client_id(call.params, "clientAlgoOrderId")
    if algo_id is None and client_id is None:
        raise WooxError(-1005, "algoOrderId or clientAlgoOrderId must not be blank")
    return call.world.algos.find(call.account_id, algo_id, None if algo_id is not None else client_id)


def edit_algo_order(call: WooxCall) -> Any:
    record = _record(call)
    book = call.world.algos
    params = call.params
    if not book.is_open(record) or book.view(record).triggered:
        raise WooxError.of(NOT_FOUND)
    quantity = p.decimal(params, "quantity", required=False)
    if quantity is not None and (quantity <= 0 or record.quantity is None):
        # a positional TP/SL closes whatever is held: it has no quantity to edit
        raise WooxError(-1005, "quantity must be > 0 and the order must have a quantity")
    trigger = p.decimal(params, "triggerPrice", required=False)
    price = p.decimal(params, "price", required=False)
    on_mark = p.choice(params, "triggerPriceType", TRIGGER_PRICE_TYPES)
    rate = p.decimal(params, "callbackRate", required=False)
    value = p.decimal(params, "callbackValue", required=False)
    activated = p.decimal(params, "activatedPrice", required=False)
    if record.algo_type == "TRAILING_STOP":
        if rate is not None:
            record.callback_rate, record.callback_value = rate, None
        if value is not None:
            record.callback_rate, record.callback_value = None, value
        if activated is not None and not record.activated:
            record.activated_price = activated
        if quantity is not None:
            record.quantity = quantity
        return {"status": "EDIT_SENT"}
    if record.core_trigger_id is None:
        if quantity is not None and trigger is None and price is None:
            record.quantity = quantity  # a leg not armed yet: it is placed with the new quantity
            return {"status": "EDIT_SENT"}
        raise WooxError(-1005, f"the simulator cannot edit a {record.algo_type} order here")
    new_price = price if price is not None else (record.price if record.order_type == "LIMIT" else None)
    new_trigger = trigger if trigger is not None else record.trigger_price
    if new_trigger is None:  # every core-backed algo order has a trigger price; guards the type
        raise WooxError(-1005, "triggerPrice must not be blank")
    mark = None if on_mark is None else on_mark == "MARK_PRICE"
    if quantity is not None and quantity != record.quantity:
        _replace_core_trigger(call, record, quantity, new_trigger, new_price, mark)
    else:
        call.sim.exchange.modify_trigger_order(
            call.account_id,
            record.core_trigger_id,
            trigger_price=new_trigger,
            execute_price=new_price,
            trigger_on_mark=mark,
            now_ms=call.sim_ms,
        )
    record.trigger_price = new_trigger
    record.price = new_price if record.order_type == "LIMIT" else record.price
    record.updated_ms = call.sim_ms
    return {"status": "EDIT_SENT"}


def _replace_core_trigger(
    call: WooxCall,
    record: AlgoRecord,
    quantity: Decimal,
    trigger_price: Decimal,
    price: Decimal | None,
    on_mark: bool | None,
) -> None:
    """A new quantity: the core edits only prices, so the core trigger is replaced -- the new one
    placed first, so a refusal leaves the old order untouched."""
    exchange = call.sim.exchange
    assert record.core_trigger_id is not None
    old = exchange.trigger_order(call.account_id, record.core_trigger_id)
    new = exchange.place_trigger_order(
        call.account_id,
        symbol=old.symbol,
        intent=old.intent,
        size=quantity,
        trigger_price=trigger_price,
        execute_price=price,
        kind=old.kind,
        client_order_id=old.client_order_id,
        trigger_on_mark=old.trigger_on_mark if on_mark is None else on_mark,
        now_ms=call.sim_ms,
    )
    exchange.cancel_trigger_order(call.account_id, old.id, now_ms=call.sim_ms)
    record.core_trigger_id = new.id
    record.quantity = quantity


def cancel_algo_order(call: WooxCall) -> Any:
    instrument(call, required=False)
    record = _record(call)
    if not call.world.algos.cancel(record, call.sim_ms):
        raise WooxError.of(NOT_FOUND)
    return {"status": "CANCEL_SENT"}


def cancel_algo_orders(call: WooxCall) -> Any:
    inst = instrument(call, required=False)
    book = call.world.algos
    for record in list(book.roots(call.account_id, None if inst is None else inst.symbol)):
        book.cancel(record, call.sim_ms)
    return {"status": "CANCEL_ALL_SENT"}


def get_algo_order(call: WooxCall) -> Any:
    record = _record(call)
    return call.world.algos.render(record, venue_symbol(call.world, record.symbol))


def get_algo_orders(call: WooxCall) -> Any:
    params = call.params
    inst = instrument(call, required=False)
    status = p.choice(params, "status", ("INCOMPLETE", "COMPLETED", "NEW", "FILLED", "CANCELLED", "REJECTED"))
    algo_type = p.choice(params, "algoType", (*ALGO_TYPES, *ALGO_LEG_TYPES))
    side = p.choice(params, "side", SIDES)
    triggered = params.get("isTriggered")
    since = p.integer(params, "startTime", low=0)
    until = p.integer(params, "endTime", low=0)
    book = call.world.algos
    rows = []
    for record in sorted(
        book.roots(call.account_id, None if inst is None else inst.symbol), key=lambda r: -int(r.id)
    ):
        open_now = book.tree_open(record)
        if (status == "INCOMPLETE" and not open_now) or (status == "COMPLETED" and open_now):
            continue
        row = book.render(record, venue_symbol(call.world, record.symbol))
        if status not in (None, "INCOMPLETE", "COMPLETED") and row["algoStatus"] != status:
            continue
        if (algo_type and record.algo_type != algo_type) or (side and record.side != side):
            continue
        if triggered is not None and str(row["isTriggered"]).lower() != str(triggered).lower():
            continue
        if (since is not None and record.created_ms < since) or (
            until is not None and record.created_ms > until
        ):
            continue
        rows.append(row)
    return page_of(rows, call)


ROUTES: dict[str, tuple[Handler, frozenset[str]]] = {
    "placeAlgoOrder": (
        place_algo_order,
        frozenset(
            {
                "symbol", "algoType", "side", "type", "quantity", "price", "triggerPrice", "triggerPriceType",
                "reduceOnly", "positionSide", "clientAlgoOrderId", "algoOrderTag", "visibleQuantity",
                "marginMode", "callbackRate", "callbackValue", "activatedPrice", "childOrders", "brokerId",
            }
        ),
    ),
    "editAlgoOrder": (
        edit_algo_order,
        frozenset(
            {
                "algoOrderId", "clientAlgoOrderId", "quantity", "price", "triggerPrice", "triggerPriceType",
                "visibleQuantity", "activatedPrice", "callbackRate", "callbackValue",
            }
        ),
    ),
    "cancelAlgoOrder": (cancel_algo_order, frozenset({"algoOrderId", "clientAlgoOrderId", "symbol"})),
    "cancelAlgoOrders": (cancel_algo_orders, frozenset({"symbol"})),
    "getAlgoOrder": (get_algo_order, frozenset({"algoOrderId", "clientAlgoOrderId"})),
    "getAlgoOrders": (
        get_algo_orders,
        frozenset(
            {
                "symbol", "side", "positionSide", "algoType", "orderType", "isTriggered", "algoOrderTag",
                "realizedPnl", "status", "startTime", "endTime", "page", "size",
            }
        ),
    ),
}  # fmt: skip
