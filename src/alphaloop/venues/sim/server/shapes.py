"""Core objects -> WEEX response objects, field for field as the spec's examples show them.

Strings vs numbers follow each example: order ids are strings in order objects and numbers in
fills, positions, bills, closePositions and cancelAllOrders (orjson writes 64-bit ints exactly).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from alphaloop.model import MarginMode, OrderIntent, OrderStatus, OrderType, TimeInForce
from alphaloop.venues.sim.core import (
    AccountSnapshot,
    Bill,
    BillType,
    SimFill,
    SimOrder,
    SimPosition,
    SimTriggerOrder,
)
from alphaloop.venues.sim.server.contracts import ContractInfo
from alphaloop.venues.sim.server.dialect import MARGIN_MODE_NAME, TYPE_BY_INTENT
from alphaloop.venues.sim.server.wire import dec, dec_places, opt_dec

ORDER_TYPE_NAME = {
    TimeInForce.GTC: "normal",
    TimeInForce.POST_ONLY: "postOnly",
    TimeInForce.FOK: "fok",
    TimeInForce.IOC: "ioc",
}
ORDER_TYPE_CODE = {
    TimeInForce.GTC: "0",
    TimeInForce.POST_ONLY: "1",
    TimeInForce.FOK: "2",
    TimeInForce.IOC: "3",
}
#: Statuses outside WEEX's vocabulary (spec 5.3) shown as the nearest WEEX one.
STATUS_NAME = {OrderStatus.REJECTED: "canceled", OrderStatus.UNKNOWN: "pending"}
LIQUIDATION_TYPE = {
    OrderIntent.CLOSE_LONG: "burst_liquidate_long",
    OrderIntent.CLOSE_SHORT: "burst_liquidate_short",
}
#: The core's fee bills have no WEEX businessType of their own; WEEX books fees with the fill.
BILL_TYPE_NAME = {BillType.FEE: "order_fill_fee_income"}


def order_json(order: SimOrder, info: ContractInfo) -> dict[str, Any]:
    """Order object of detail / history / current (spec 7.29)."""
    is_market = order.order_type is OrderType.MARKET
    return {
        "symbol": info.instrument.venue_symbol,
        "size": dec_places(order.amount, 6),
        "client_oid": order.client_order_id,
        "createTime": str(order.created_ms),
        "filled_qty": dec_places(order.filled, 6),
        "fee": dec_places(order.fee, 8),
        "order_id": order.id,
        # Market orders show price "0.0" and order_type "ioc" on WEEX (spec 5.3, 10.3).
        "price": dec_places(None if is_market else order.price, info.price_places),
        "price_avg": dec(order.average_price),
        "status": STATUS_NAME.get(order.status, order.status.value),
        "type": LIQUIDATION_TYPE.get(order.intent, order.intent.value)
        if order.is_liquidation
        else order.intent.value,
        "order_type": "ioc" if is_market else ORDER_TYPE_NAME[order.time_in_force],
        "totalProfits": dec(order.realized_pnl),
        "contracts": info.contracts(order.amount),
        "filledQtyContracts": info.contracts(order.filled),
        "presetTakeProfitPrice": opt_dec(order.take_profit_price),
        "presetStopLossPrice": opt_dec(order.stop_loss_price),
    }


def plan_status(trigger: SimTriggerOrder, placed: SimOrder | None) -> str:
    """Plan vocabulary of spec 5.3: -1 canceled, 0 pending, 1 partially filled, 2 filled."""
    if trigger.status == "untriggered":
        return "0"
    if trigger.status in ("canceled", "failed"):
        return "-1"
    if placed is None or placed.status is OrderStatus.FILLED:
        return "2"
    if placed.filled > 0:
        return "1" if placed.status is OrderStatus.OPEN else "2"
    return "0" if placed.status is OrderStatus.OPEN else "-1"


def plan_json(trigger: SimTriggerOrder, info: ContractInfo, placed: SimOrder | None) -> dict[str, Any]:
    """Trigger-order object of currentPlan / historyPlan (spec 7.35)."""
    return {
        "symbol": info.instrument.venue_symbol,
        "size": dec(trigger.size),
        "client_oid": trigger.client_order_id,
        "createTime": str(trigger.created_ms),
        "filled_qty": dec(placed.filled if placed else Decimal(0)),
        "fee": dec(placed.fee if placed else Decimal(0)),
        "order_id": trigger.id,
        "price": dec_places(trigger.execute_price, info.price_places),
        "price_avg": dec(placed.average_price if placed else None),
        "status": plan_status(trigger, placed),
        "type": TYPE_BY_INTENT[trigger.intent],
        "order_type": "0",
        "totalProfits": dec(placed.realized_pnl if placed else Decimal(0)),
        "triggerPrice": dec_places(trigger.trigger_price, info.price_places),
        "triggerPriceType": "LIMIT" if trigger.execute_price is not None else "",
        "triggerTime": str(trigger.triggered_ms if trigger.triggered_ms is not None else 0),
        "presetTakeProfitPrice": None,
        "presetStopLossPrice": None,
    }


def fill_json(fill: SimFill, info: ContractInfo) -> dict[str, Any]:
    """Fill row of /order/fills (spec 7.32); ids are numbers there."""
    direction = fill.intent.value.upper()
    return {
        "tradeId": int(fill.id),
        "orderId": int(fill.order_id),
        "symbol": info.instrument.venue_symbol,
        "marginMode": MARGIN_MODE_NAME[fill.margin_mode],
        "separatedMode": "COMBINED",
        "positionSide": fill.position_side.value.upper(),
        "orderSide": fill.side.value.upper(),
        "fillSize": dec(fill.amount),
        "fillValue": dec(fill.value),
        "fillFee": dec(fill.fee),
        "liquidateFee": dec(fill.fee) if fill.is_liquidation else "0",
        "realizePnl": dec(fill.realized_pnl),
        "direction": direction,
        # Normal fills' liquidateType is undocumented; WEEX enums use UNKNOWN_* for "none" (GUESS).
        "liquidateType": "FORCE_LIQUIDATE" if fill.is_liquidation else "UNKNOWN_LIQUIDATE_TYPE",
        "legacyOrdeDirection": direction,
        "createdTime": fill.timestamp,
    }


def position_json(position: SimPosition, info: ContractInfo, account_number: int) -> dict[str, Any]:
    """Position row of allPosition / singlePosition (spec 7.22)."""
    isolated = position.margin_mode is MarginMode.ISOLATED
    close_fee = position.cum_fee - position.open_fee
    return {
        "id": int(position.id),
        "account_id": account_number,
        "coin_id": 2,
        "contract_id": info.contract_id,
        "symbol": info.instrument.venue_symbol,
        "side": position.side.value.upper(),
        "margin_mode": MARGIN_MODE_NAME[position.margin_mode],
        "separated_mode": "COMBINED",
        "separated_open_order_id": 0,
        "leverage": str(position.leverage),
        "size": dec(position.size),
        "open_value": dec(position.open_value),
        "open_fee": dec(position.open_fee),
        "funding_fee": dec(position.funding_fee),
        "marginSize": dec(position.margin),
        "isolated_margin": dec(position.margin) if isolated else "0",
        "is_auto_append_isolated_margin": position.auto_append_margin,
        "cum_open_size": dec(position.cum_open_size),
        "cum_open_value": dec(position.cum_open_value),
        "cum_open_fee": dec(position.open_fee),
        "cum_close_size": dec(position.cum_close_size),
        "cum_close_value": dec(position.cum_close_value),
        "cum_close_fee": dec(close_fee if close_fee > 0 else Decimal(0)),
        "cum_funding_fee": dec(position.cum_funding),
        "cum_liquidate_fee": "0",
        "created_match_sequence_id": 1,
        "updated_match_sequence_id": 1,
        "created_time": position.created_ms,
        "updated_time": position.updated_ms,
        "contractVal": dec(info.instrument.contract_value),
        "unrealizePnl": dec(position.unrealized_pnl),
        "liquidatePrice": dec(position.liquidation_price),
    }


def assets_json(snapshot: AccountSnapshot) -> dict[str, Any]:
    """Row of /account/assets (spec 7.16); 8 decimals like the live example."""
    return {
        "coinName": snapshot.currency,
        "available": dec_places(snapshot.available, 8),
        "equity": dec_places(snapshot.equity, 8),
        "frozen": dec_places(snapshot.frozen, 8),
        "unrealizePnl": dec_places(snapshot.unrealized_pnl, 8),
    }


def bill_json(bill: Bill, symbol: str | None) -> dict[str, Any]:
    """Ledger item of /account/bills (spec 7.17); the example spells the time `ctime`."""
    return {
        "billId": int(bill.id),
        "coin": "USDT",
        "symbol": symbol,
        "amount": dec(bill.amount),
        "businessType": BILL_TYPE_NAME.get(bill.type, bill.type.value),
        "balance": dec(bill.balance_after),
        "fillFee": dec(bill.fee),
        "transferReason": "UNKNOWN_TRANSFER_REASON",
        "ctime": bill.timestamp,
    }
