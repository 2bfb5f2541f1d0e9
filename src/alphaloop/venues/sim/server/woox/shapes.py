"""Core objects -> WOO X response objects, field for field as the spec's examples show them.

Ids are JSON numbers (orjson writes int64 exactly), decimals strings, times ms numbers except
`createdTime` of orders, a ms string as in the Oct-2025 capture (spec 4.4): clients must cope
with both, and this keeps them honest.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from alphaloop.model import MarginMode, OrderType, PositionSide, TimeInForce
from alphaloop.venues.sim.core import AccountSnapshot, SimFill, SimOrder, SimPosition
from alphaloop.venues.sim.server.woox.algo import order_status
from alphaloop.venues.sim.server.woox.wire import dec
from alphaloop.venues.sim.server.woox.world import WooxWorld

ORDER_TYPE = {
    TimeInForce.GTC: "LIMIT",
    TimeInForce.IOC: "IOC",
    TimeInForce.FOK: "FOK",
    TimeInForce.POST_ONLY: "POST_ONLY",
}
MARGIN_MODE = {MarginMode.CROSS: "CROSS", MarginMode.ISOLATED: "ISOLATED"}


def venue_symbol(world: WooxWorld, symbol: str) -> str:
    return world.sim.exchange.instruments()[symbol].venue_symbol


def order_json(world: WooxWorld, order: SimOrder) -> dict[str, Any]:
    """An ordinary order of `GET /v3/trade/order(s)` (spec 4.4)."""
    market = order.order_type is OrderType.MARKET
    hedge = world.settings(order.account_id).position_mode == "HEDGE_MODE"
    setting = world.sim.exchange.leverage_setting(order.account_id, order.symbol)
    side = order.intent.position_side
    leverage = setting.long_leverage if side is PositionSide.LONG else setting.short_leverage
    return {
        "orderId": int(world.public_id(order.id)),
        "clientOrderId": int(order.client_order_id or 0),
        "symbol": venue_symbol(world, order.symbol),
        "orderTag": "default",
        "side": order.side.value.upper(),
        "quantity": dec(order.amount),
        "amount": None,
        "type": "MARKET" if market else ORDER_TYPE[order.time_in_force],
        "status": order_status(order),
        "price": None if market else dec(order.price),
        "executed": dec(order.filled),
        "visible": dec(order.remaining if order.is_open else Decimal(0)),
        "averageExecutedPrice": dec(order.average_price),
        "totalFee": dec(order.fee),
        "feeAsset": "USDT",
        "totalRebate": "0",
        "rebateAsset": "USDT",
        "reduceOnly": False if hedge else order.intent.reduce_only,
        "createdTime": str(order.created_ms),
        "updatedTime": str(order.updated_ms),
        "realizedPnl": dec(order.realized_pnl),
        "positionSide": world.position_side_word(order.account_id, order.intent),
        "marginMode": MARGIN_MODE[order.margin_mode],
        "leverage": str(leverage),
    }


def transaction_json(world: WooxWorld, fill: SimFill) -> dict[str, Any]:
    """A fill of `transactionHistory` (spec 4.4). `positionSide` is added in hedge mode only (GUESS:
    the documented row has none; one-way clients must infer it)."""
    row: dict[str, Any] = {
        "id": int(fill.id),
        "symbol": venue_symbol(world, fill.symbol),
        "orderId": int(world.public_id(fill.order_id)),
        "orderTag": "default",
        "executedPrice": dec(fill.price),
        "executedQuantity": dec(fill.amount),
        "isMaker": 1 if fill.is_maker else 0,
        "side": fill.side.value.upper(),
        "fee": dec(fill.fee),
        "feeAsset": "USDT",
        "realizedPnl": dec(fill.realized_pnl) if fill.realized_pnl else None,
        "executedTimestamp": fill.timestamp,
        "isMatchRpi": False,
    }
    if world.settings(fill.account_id).position_mode == "HEDGE_MODE":
        row["positionSide"] = fill.position_side.value.upper()
    return row


def position_json(world: WooxWorld, position: SimPosition) -> dict[str, Any]:
    """A row of `/v3/futures/positions` (spec 4.2): signed holding, negative for shorts (the hedge
    mode sign is undocumented: GUESS, the same convention as one-way)."""
    hedge = world.settings(position.account_id).position_mode == "HEDGE_MODE"
    short = position.side is PositionSide.SHORT
    isolated = position.margin_mode is MarginMode.ISOLATED
    mark = position.mark_price or world.sim.exchange.market(position.symbol).mark
    return {
        "symbol": venue_symbol(world, position.symbol),
        "holding": dec(-position.size if short else position.size),
        "pendingLongQty": "0",
        "pendingShortQty": "0",
        "settlePrice": dec(position.entry_price),
        "averageOpenPrice": dec(position.entry_price),
        "pnl24H": dec(position.unrealized_pnl),
        "fee24H": dec(position.cum_fee),
        "markPrice": dec(mark),
        "estLiqPrice": dec(position.liquidation_price),
        "timestamp": position.updated_ms,
        "adlQuantile": 1,
        "positionSide": position.side.value.upper() if hedge else "BOTH",
        "marginMode": MARGIN_MODE[position.margin_mode],
        "isolatedMarginToken": "USDT" if isolated else "",
        "isolatedMarginAmount": dec(position.margin) if isolated else "0",
        "isolatedFrozenLong": "0",
        "isolatedFrozenShort": "0",
        "leverage": position.leverage,
    }


def balance_json(snapshot: AccountSnapshot, timestamp: int) -> dict[str, Any]:
    """The USDT row of `/v3/asset/balances`: `holding` is the wallet (unrealised PnL excluded)."""
    return {
        "token": snapshot.currency,
        "holding": dec(snapshot.wallet_balance),
        "frozen": dec(snapshot.frozen + snapshot.used_margin),
        "staked": "0",
        "unbonding": "0",
        "vault": "0",
        "interest": "0",
        "earn": "0",
        "pendingShortQty": "0",
        "pendingLongQty": "0",
        "availableBalance": dec(snapshot.available),
        "averageOpenPrice": "0",
        "markPrice": "1",
        "pnl24H": "0",
        "fee24H": "0",
        "timestamp": timestamp,
    }
