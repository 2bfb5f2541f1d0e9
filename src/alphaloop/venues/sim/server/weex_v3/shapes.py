"""Core objects -> WEEX v3 response objects (spec 7.2.5, 7.3.6, 7.3.9, 7.3.14).

Ids are JSON numbers in order, trade, position and algo objects and strings in place/cancel
results, as the doc examples show; decimals are strings.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from alphaloop.model import MarginMode, OrderStatus, OrderType, TimeInForce
from alphaloop.venues.sim.core import AccountSnapshot, Bill, SimFill, SimOrder, SimPosition, SimTriggerOrder
from alphaloop.venues.sim.server.contracts import ContractInfo
from alphaloop.venues.sim.server.wire import dec, dec_places
from alphaloop.venues.weex.v3.constants import v3_symbol

TIME_IN_FORCE = {
    TimeInForce.GTC: "GTC",
    TimeInForce.IOC: "IOC",
    TimeInForce.FOK: "FOK",
    TimeInForce.POST_ONLY: "POST_ONLY",
}
#: Open orders show NEW even when partly filled: ccxt maps PARTIAL_FILL to "closed" (spec 11.4 rule 6).
STATUS = {
    OrderStatus.OPEN: "NEW",
    OrderStatus.PENDING: "NEW",
    OrderStatus.FILLED: "FILLED",
    OrderStatus.CANCELING: "CANCELING",
    OrderStatus.CANCELED: "CANCELED",
    OrderStatus.REJECTED: "REJECTED",
    OrderStatus.UNTRIGGERED: "UNTRIGGERED",
    OrderStatus.UNKNOWN: "NEW",
}
MARGIN_TYPE = {MarginMode.CROSS: "CROSSED", MarginMode.ISOLATED: "ISOLATED"}
INCOME_TYPE = {"fee": "order_fill_fee_income"}


def symbol_of(info: ContractInfo) -> str:
    return v3_symbol(info.instrument.symbol)


def order_json(order: SimOrder, info: ContractInfo, algo_type: str | None = None) -> dict[str, Any]:
    """Order object of GET order / openOrders / order/history (spec 7.3.6)."""
    market = order.order_type is OrderType.MARKET
    intent = order.intent
    avg = order.average_price
    status = STATUS[order.status]
    if (
        order.status is OrderStatus.CANCELED
        and order.filled == 0
        and order.time_in_force
        in (
            TimeInForce.IOC,
            TimeInForce.FOK,
        )
    ):
        status = "EXPIRED"
    return {
        "orderId": int(order.id),
        "clientOrderId": order.client_order_id or "",
        "symbol": symbol_of(info),
        "side": intent.side.value.upper(),
        "positionSide": intent.position_side.value.upper(),
        "type": algo_type or ("MARKET" if market else "LIMIT"),
        "timeInForce": "IOC" if market else TIME_IN_FORCE[order.time_in_force],
        "price": "0" if market else dec_places(order.price, info.price_places),
        "origQty": dec(order.amount),
        "executedQty": dec(order.filled),
        "cumQuote": dec(order.filled * avg if avg is not None else Decimal(0)),
        "avgPrice": dec(avg),
        "stopPrice": "0",
        "reduceOnly": intent.reduce_only,
        "status": status,
        "workingType": "UNKNOWN_PRICE_TYPE",
        "time": order.created_ms,
        "updateTime": order.updated_ms,
    }


def default_algo_type(trigger: SimTriggerOrder) -> str:
    limit = trigger.execute_price is not None
    if trigger.kind == "take_profit":
        return "TAKE_PROFIT" if limit else "TAKE_PROFIT_MARKET"
    return "STOP" if limit else "STOP_MARKET"


def algo_status(trigger: SimTriggerOrder, placed: SimOrder | None) -> str:
    if trigger.status == "untriggered":
        return "UNTRIGGERED"
    if trigger.status in ("canceled", "failed"):
        return "CANCELED"
    if placed is not None and placed.status is OrderStatus.FILLED:
        return "FILLED"
    return "TRIGGERED"


def algo_json(
    trigger: SimTriggerOrder, info: ContractInfo, placed: SimOrder | None, algo_type: str | None
) -> dict[str, Any]:
    """Conditional-order object of openAlgoOrders / allAlgoOrders (spec 7.3.14)."""
    intent = trigger.intent
    return {
        "algoId": int(trigger.id),
        "clientAlgoId": trigger.client_order_id or "",
        "algoType": "CONDITIONAL",
        "orderType": algo_type or default_algo_type(trigger),
        "symbol": symbol_of(info),
        "side": intent.side.value.upper(),
        "positionSide": intent.position_side.value.upper(),
        "timeInForce": "GTC",
        "quantity": dec(trigger.size),
        "algoStatus": algo_status(trigger, placed),
        "actualOrderId": int(trigger.triggered_order_id) if trigger.triggered_order_id else None,
        "actualPrice": dec(placed.average_price if placed else None),
        "triggerPrice": dec_places(trigger.trigger_price, info.price_places),
        "price": dec_places(trigger.execute_price, info.price_places),
        "tpTriggerPrice": None,
        "tpPrice": None,
        "slTriggerPrice": None,
        "slPrice": None,
        "tpOrderType": None,
        "workingType": "MARK_PRICE" if trigger.trigger_on_mark else "CONTRACT_PRICE",
        "closePosition": False,
        "reduceOnly": intent.reduce_only,
        "createTime": trigger.created_ms,
        "updateTime": trigger.updated_ms or trigger.created_ms,
        "triggerTime": trigger.triggered_ms or 0,
    }


def trade_json(fill: SimFill, info: ContractInfo) -> dict[str, Any]:
    """Own fill of userTrades (spec 7.3.9)."""
    side = fill.side.value.upper()
    return {
        "id": int(fill.id),
        "orderId": int(fill.order_id),
        "symbol": symbol_of(info),
        "buyer": side == "BUY",
        "maker": fill.is_maker,
        "side": side,
        "positionSide": fill.position_side.value.upper(),
        "price": dec(fill.price),
        "qty": dec(fill.amount),
        "quoteQty": dec(fill.value),
        "commission": dec(fill.fee),
        "commissionAsset": "USDT",
        "realizedPnl": dec(fill.realized_pnl),
        "time": fill.timestamp,
    }


def position_json(position: SimPosition, info: ContractInfo) -> dict[str, Any]:
    """Position row of allPosition / singlePosition (spec 7.2.5)."""
    isolated = position.margin_mode is MarginMode.ISOLATED
    close_fee = position.cum_fee - position.open_fee
    return {
        "id": int(position.id),
        "asset": "USDT",
        "symbol": symbol_of(info),
        "side": position.side.value.upper(),
        "marginType": MARGIN_TYPE[position.margin_mode],
        "separatedMode": "COMBINED",
        "separatedOpenOrderId": 0,
        "leverage": str(position.leverage),
        "size": dec(position.size),
        "openValue": dec(position.open_value),
        "openFee": dec(position.open_fee),
        "fundingFee": dec(position.funding_fee),
        "marginSize": dec(position.margin),
        "isolatedMargin": dec(position.margin) if isolated else "0",
        "isAutoAppendIsolatedMargin": position.auto_append_margin,
        "cumOpenSize": dec(position.cum_open_size),
        "cumOpenValue": dec(position.cum_open_value),
        "cumOpenFee": dec(position.open_fee),
        "cumCloseSize": dec(position.cum_close_size),
        "cumCloseValue": dec(position.cum_close_value),
        "cumCloseFee": dec(close_fee if close_fee > 0 else Decimal(0)),
        "cumFundingFee": dec(position.cum_funding),
        "cumLiquidateFee": "0",
        "createdMatchSequenceId": 1,
        "updatedMatchSequenceId": 1,
        "createdTime": position.created_ms,
        "updatedTime": position.updated_ms,
        "unrealizePnl": dec(position.unrealized_pnl),
        "liquidatePrice": dec(position.liquidation_price),
    }


def balance_json(snapshot: AccountSnapshot) -> dict[str, Any]:
    """Row of account/balance (spec 7.2.1)."""
    return {
        "asset": snapshot.currency,
        "balance": dec_places(snapshot.equity, 8),
        "availableBalance": dec_places(snapshot.available, 8),
        "frozen": dec_places(snapshot.frozen, 8),
        "unrealizePnl": dec_places(snapshot.unrealized_pnl, 8),
    }


def income_json(bill: Bill, symbol: str | None) -> dict[str, Any]:
    """Ledger item of account/income (spec 7.2.6)."""
    return {
        "billId": int(bill.id),
        "asset": "USDT",
        "symbol": symbol,
        "income": dec(bill.amount),
        "incomeType": INCOME_TYPE.get(bill.type.value, bill.type.value),
        "balance": dec(bill.balance_after),
        "fillFee": dec(bill.fee),
        "time": bill.timestamp,
        "transferReason": "UNKNOWN_TRANSFER_REASON",
    }


def exchange_info_json(info: ContractInfo) -> dict[str, Any]:
    """Symbol row of market/exchangeInfo (spec 6); decimals as strings like ccxt's live sample."""
    inst = info.instrument
    return {
        "symbol": symbol_of(info),
        "baseAsset": inst.base,
        "quoteAsset": inst.quote,
        "marginAsset": inst.settle,
        "pricePrecision": str(info.price_places),
        "quantityPrecision": str(info.size_places),
        "baseAssetPrecision": str(info.size_places),
        "quotePrecision": "8",
        "contractVal": dec(inst.contract_value),
        "delivery": list(inst.funding_times_utc),
        "forwardContractFlag": True,
        "minLeverage": str(inst.min_leverage),
        "maxLeverage": str(inst.max_leverage),
        "buyLimitPriceRatio": dec(inst.buy_limit_price_ratio),
        "sellLimitPriceRatio": dec(inst.sell_limit_price_ratio),
        "makerFeeRate": dec(inst.maker_fee),
        "takerFeeRate": dec(inst.taker_fee),
        "minOrderSize": dec(inst.min_size),
        "maxOrderSize": dec(inst.max_size),
        "maxPositionSize": dec(inst.max_position_size),
        "marketOpenLimitSize": dec(inst.max_market_open_size),
    }
