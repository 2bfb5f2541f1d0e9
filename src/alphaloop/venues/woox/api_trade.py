"""Private ordinary-order and fill endpoints, `/v3/trade/*` (spec 4.3, 4.4).

Place, edit and cancel answer an acknowledgement, not a final state (`CANCEL_SENT`...): read the
order back with `get_trade_order`. Money-moving calls are never retried by the transport; a lost
answer surfaces as `UnknownOrderOutcomeError` carrying the client order id that was sent.
"""

from __future__ import annotations

from pydantic import TypeAdapter

from alphaloop.venues.woox.api_account import Numeric, compact, opt_number
from alphaloop.venues.woox.schemas import (
    CancelAllAfterResult,
    OrderWire,
    Page,
    PlaceOrderResult,
    StatusAck,
    TransactionWire,
)
from alphaloop.venues.woox.transport import WooxTransport

_PLACE = TypeAdapter(PlaceOrderResult)
_ACK = TypeAdapter(StatusAck)
_ORDER = TypeAdapter(OrderWire)
_ORDERS = TypeAdapter(Page[OrderWire])
_FILL = TypeAdapter(TransactionWire)
_FILLS = TypeAdapter(Page[TransactionWire])
_CANCEL_AFTER = TypeAdapter(CancelAllAfterResult)


class TradeApi(WooxTransport):
    """Ordinary orders and fills."""

    async def post_trade_order(
        self,
        symbol: str,
        side: str,
        type: str,
        *,
        quantity: Numeric | None = None,
        price: Numeric | None = None,
        amount: Numeric | None = None,
        client_order_id: int | None = None,
        reduce_only: bool | None = None,
        position_side: str | None = None,
        margin_mode: str | None = None,
        order_tag: str | None = None,
        visible_quantity: Numeric | None = None,
    ) -> PlaceOrderResult:
        """POST /v3/trade/order -- `type` LIMIT / MARKET / IOC / FOK / POST_ONLY / ASK / BID (time in
        force lives in the type); `positionSide` LONG/SHORT in hedge mode, `reduceOnly` in one-way."""
        body = compact(
            symbol=symbol,
            side=side,
            type=type,
            quantity=opt_number(quantity),
            price=opt_number(price),
            amount=opt_number(amount),
            clientOrderId=client_order_id,
            reduceOnly=reduce_only,
            positionSide=position_side,
            marginMode=margin_mode,
            orderTag=order_tag,
            visibleQuantity=opt_number(visible_quantity),
        )
        return await self._call("placeOrder", _PLACE, body=body)

    async def put_trade_order(
        self,
        *,
        order_id: str | int | None = None,
        client_order_id: int | None = None,
        price: Numeric | None = None,
        quantity: Numeric | None = None,
    ) -> StatusAck:
        """PUT /v3/trade/order -- edit price/quantity (`EDIT_SENT`; `orderId` wins over the client id)."""
        body = compact(
            orderId=None if order_id is None else int(order_id),
            clientOrderId=client_order_id,
            price=opt_number(price),
            quantity=opt_number(quantity),
        )
        return await self._call("editOrder", _ACK, body=body)

    async def delete_trade_order(
        self, symbol: str, *, order_id: str | int | None = None, client_order_id: int | None = None
    ) -> StatusAck:
        """DELETE /v3/trade/order -- cancel by id or client id (`CANCEL_SENT`; finished -> -1006)."""
        params = {"symbol": symbol, "orderId": order_id, "clientOrderId": client_order_id}
        return await self._call("cancelOrder", _ACK, params=params)

    async def delete_trade_orders(self, symbol: str | None = None) -> StatusAck:
        """DELETE /v3/trade/orders -- cancel the ordinary open orders of a symbol (all when None)."""
        return await self._call("cancelOrders", _ACK, params={"symbol": symbol})

    async def delete_trade_all_orders(self, symbol: str) -> StatusAck:
        """DELETE /v3/trade/allOrders -- cancel ordinary and algo orders of a symbol."""
        return await self._call("cancelAllOrders", _ACK, params={"symbol": symbol})

    async def get_trade_order(
        self,
        *,
        order_id: str | int | None = None,
        client_order_id: int | None = None,
        with_realized_pnl: bool | None = None,
    ) -> OrderWire:
        """GET /v3/trade/order -- one order by id or client id."""
        params = {"orderId": order_id, "clientOrderId": client_order_id, "withRealizedPnl": with_realized_pnl}
        return await self._call("getOrder", _ORDER, params=params)

    async def get_trade_orders(
        self,
        symbol: str | None = None,
        *,
        status: str | None = None,
        side: str | None = None,
        position_side: str | None = None,
        type: str | None = None,
        start_time: int | None = None,
        end_time: int | None = None,
        page: int | None = None,
        size: int | None = None,
        with_realized_pnl: bool | None = None,
    ) -> Page[OrderWire]:
        """GET /v3/trade/orders -- `status` INCOMPLETE (open) / COMPLETED (history) / a single status."""
        params = {
            "symbol": symbol,
            "status": status,
            "side": side,
            "positionSide": position_side,
            "type": type,
            "startTime": start_time,
            "endTime": end_time,
            "page": page,
            "size": size,
            "withRealizedPnl": with_realized_pnl,
        }
        return await self._call("getOrders", _ORDERS, params=params)

    async def get_trade_transaction(self, trade_id: str | int) -> TransactionWire:
        """GET /v3/trade/transaction -- one fill (last 3 months; hedge-mode sides read `OPEN LONG`...)."""
        return await self._call("transaction", _FILL, params={"tradeId": trade_id})

    async def get_trade_transaction_history(
        self,
        symbol: str | None = None,
        *,
        start_time: int | None = None,
        end_time: int | None = None,
        from_id: str | int | None = None,
        limit: int | None = None,
        page: int | None = None,
    ) -> Page[TransactionWire]:
        """GET /v3/trade/transactionHistory -- our fills (2 per second: page, do not poll)."""
        params = {
            "symbol": symbol,
            "startTime": start_time,
            "endTime": end_time,
            "fromId": from_id,
            "limit": limit,
            "page": page,
        }
        return await self._call("transactionHistory", _FILLS, params=params)

    async def post_trade_cancel_all_after(self, trigger_after_ms: int) -> CancelAllAfterResult:
        """POST /v3/trade/cancelAllAfter -- dead-man switch; 0 disables it (VIP-only per the docs)."""
        return await self._call("cancelAllAfter", _CANCEL_AFTER, body={"triggerAfter": int(trigger_after_ms)})
