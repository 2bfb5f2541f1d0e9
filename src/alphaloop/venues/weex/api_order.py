"""Private order endpoints, `/capi/v2/order/*` (spec 7.25-7.41).

Money-moving calls here are never retried by the transport; a lost answer surfaces as
`UnknownOrderOutcomeError` carrying the client id that was sent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import TypeAdapter

from alphaloop.venues.weex.api_account import Numeric, compact, wire_number
from alphaloop.venues.weex.schemas import (
    Ack,
    BatchOrdersResult,
    CancelBatchResult,
    CancelOrderResult,
    ClosePositionResult,
    FillsPage,
    HistoryPlanPage,
    OrderIdResult,
    OrderWire,
    PlaceOrderResult,
    PlanOrderWire,
)
from alphaloop.venues.weex.transport import WeexTransport

_PLACE = TypeAdapter(PlaceOrderResult)
_BATCH = TypeAdapter(BatchOrdersResult)
_CANCEL = TypeAdapter(CancelOrderResult)
_CANCEL_BATCH = TypeAdapter(CancelBatchResult)
_ORDER = TypeAdapter(OrderWire)
_ORDERS = TypeAdapter(list[OrderWire])
_FILLS = TypeAdapter(FillsPage)
_PLANS = TypeAdapter(list[PlanOrderWire])
_PLAN_HISTORY = TypeAdapter(HistoryPlanPage)
_CLOSE = TypeAdapter(list[ClosePositionResult])
_ORDER_IDS = TypeAdapter(list[OrderIdResult])
_ACK = TypeAdapter(Ack)


def _opt_number(value: Numeric | None) -> str | None:
    return None if value is None else wire_number(value)


class OrderApi(WeexTransport):
    """Placing, cancelling and querying orders, trigger orders and TP/SL; the AI log."""

    async def post_order_place_order(
        self,
        symbol: str,
        client_oid: str,
        size: Numeric,
        type: str | int,
        order_type: str | int,
        match_price: str | int,
        price: Numeric,
        preset_take_profit_price: Numeric | None = None,
        preset_stop_loss_price: Numeric | None = None,
        margin_mode: int | None = None,
    ) -> PlaceOrderResult:
        """POST /capi/v2/order/placeOrder -- `type` 1-4 open/close long/short, `order_type` 0 normal /
        1 post-only / 2 FOK / 3 IOC, `match_price` 0 limit / 1 market (send a price anyway)."""
        body = compact(
            symbol=symbol,
            client_oid=client_oid,
            size=wire_number(size),
            type=str(type),
            order_type=str(order_type),
            match_price=str(match_price),
            price=wire_number(price),
            presetTakeProfitPrice=_opt_number(preset_take_profit_price),
            presetStopLossPrice=_opt_number(preset_stop_loss_price),
            marginMode=margin_mode,
        )
        return await self._call("placeOrder", _PLACE, body=body)

    async def post_order_batch_orders(
        self, symbol: str, order_data_list: Sequence[Mapping[str, Any]], margin_mode: int | None = None
    ) -> BatchOrdersResult:
        """POST /capi/v2/order/batchOrders -- up to 20 orders of one symbol; items use placeOrder keys."""
        body = compact(
            symbol=symbol, marginMode=margin_mode, orderDataList=[dict(o) for o in order_data_list]
        )
        return await self._call("batchOrders", _BATCH, body=body)

    async def post_order_cancel_order(
        self, order_id: str | int | None = None, client_oid: str | None = None, symbol: str | None = None
    ) -> CancelOrderResult:
        """POST /capi/v2/order/cancel_order -- cancel by `orderId` or `clientOid`."""
        body = compact(
            orderId=None if order_id is None else str(order_id), clientOid=client_oid, symbol=symbol
        )
        return await self._call("cancel_order", _CANCEL, body=body)

    async def post_order_cancel_batch_orders(
        self, ids: Sequence[str | int] | None = None, cids: Sequence[str] | None = None
    ) -> CancelBatchResult:
        """POST /capi/v2/order/cancel_batch_orders -- cancel by order ids or client ids."""
        body = compact(
            ids=None if ids is None else [str(i) for i in ids],
            cids=None if cids is None else list(cids),
        )
        return await self._call("cancel_batch_orders", _CANCEL_BATCH, body=body)

    async def get_order_detail(self, order_id: str | int) -> OrderWire:
        """GET /capi/v2/order/detail -- one order by id."""
        return await self._call("detail", _ORDER, params={"orderId": order_id})

    async def get_order_history(
        self, symbol: str | None = None, page_size: int | None = None, create_date: int | None = None
    ) -> list[OrderWire]:
        """GET /capi/v2/order/history -- finished orders."""
        params = {"symbol": symbol, "pageSize": page_size, "createDate": create_date}
        return await self._call("history", _ORDERS, params=params)

    async def get_order_current(
        self,
        symbol: str | None = None,
        order_id: str | int | None = None,
        start_time: int | None = None,
        end_time: int | None = None,
        limit: int | None = None,
        page: int | None = None,
    ) -> list[OrderWire]:
        """GET /capi/v2/order/current -- open orders (limit <= 100, `page` from 0)."""
        params = {
            "symbol": symbol,
            "orderId": order_id,
            "startTime": start_time,
            "endTime": end_time,
            "limit": limit,
            "page": page,
        }
        return await self._call("current", _ORDERS, params=params)

    async def get_order_fills(
        self,
        symbol: str | None = None,
        order_id: str | int | None = None,
        start_time: int | None = None,
        end_time: int | None = None,
        limit: int | None = None,
    ) -> FillsPage:
        """GET /capi/v2/order/fills -- our fills; price = fillValue / fillSize."""
        params = {
            "symbol": symbol,
            "orderId": order_id,
            "startTime": start_time,
            "endTime": end_time,
            "limit": limit,
        }
        return await self._call("fills", _FILLS, params=params)

    async def post_order_plan_order(
        self,
        symbol: str,
        client_oid: str,
        size: Numeric,
        type: str | int,
        match_type: str | int,
        execute_price: Numeric,
        trigger_price: Numeric,
        margin_mode: int | None = None,
    ) -> PlaceOrderResult:
        """POST /capi/v2/order/plan_order -- trigger order; `match_type` 0 limit at `execute_price`,
        1 market."""
        body = compact(
            symbol=symbol,
            client_oid=client_oid,
            size=wire_number(size),
            type=str(type),
            match_type=str(match_type),
            execute_price=wire_number(execute_price),
            trigger_price=wire_number(trigger_price),
            marginMode=margin_mode,
        )
        return await self._call("plan_order", _PLACE, body=body)

    async def post_order_cancel_plan(self, order_id: str | int) -> CancelOrderResult:
        """POST /capi/v2/order/cancel_plan -- cancel a trigger or TP/SL order."""
        return await self._call("cancel_plan", _CANCEL, body={"orderId": str(order_id)})

    async def get_order_current_plan(
        self,
        symbol: str | None = None,
        order_id: str | int | None = None,
        start_time: int | None = None,
        end_time: int | None = None,
        limit: int | None = None,
        page: int | None = None,
    ) -> list[PlanOrderWire]:
        """GET /capi/v2/order/currentPlan -- open trigger orders, TP/SL included."""
        params = {
            "symbol": symbol,
            "orderId": order_id,
            "startTime": start_time,
            "endTime": end_time,
            "limit": limit,
            "page": page,
        }
        return await self._call("currentPlan", _PLANS, params=params)

    async def get_order_history_plan(
        self,
        symbol: str,
        start_time: int | None = None,
        end_time: int | None = None,
        delegate_type: int | None = None,
        page_size: int | None = None,
    ) -> HistoryPlanPage:
        """GET /capi/v2/order/historyPlan -- finished trigger orders of one symbol."""
        params = {
            "symbol": symbol,
            "startTime": start_time,
            "endTime": end_time,
            "delegateType": delegate_type,
            "pageSize": page_size,
        }
        return await self._call("historyPlan", _PLAN_HISTORY, params=params)

    async def post_order_close_positions(self, symbol: str | None = None) -> list[ClosePositionResult]:
        """POST /capi/v2/order/closePositions -- market-close the symbol's positions (all when None)."""
        return await self._call("closePositions", _CLOSE, body=compact(symbol=symbol))

    async def post_order_cancel_all_orders(
        self, cancel_order_type: str = "normal", symbol: str | None = None
    ) -> list[OrderIdResult]:
        """POST /capi/v2/order/cancelAllOrders -- `cancel_order_type` is `normal` or `plan`."""
        body = compact(cancelOrderType=cancel_order_type, symbol=symbol)
        return await self._call("cancelAllOrders", _ORDER_IDS, body=body)

    async def post_order_place_tp_sl_order(
        self,
        symbol: str,
        client_order_id: str,
        plan_type: str,
        trigger_price: Numeric,
        size: Numeric,
        position_side: str,
        execute_price: Numeric | None = None,
        margin_mode: int | None = None,
    ) -> list[OrderIdResult]:
        """POST /capi/v2/order/placeTpSlOrder -- `plan_type` profit_plan / loss_plan protecting the
        `position_side` (long / short) position; no `execute_price` = market."""
        body = compact(
            symbol=symbol,
            clientOrderId=client_order_id,
            planType=plan_type,
            triggerPrice=wire_number(trigger_price),
            executePrice=_opt_number(execute_price),
            size=wire_number(size),
            positionSide=position_side,
            marginMode=margin_mode,
        )
        return await self._call("placeTpSlOrder", _ORDER_IDS, body=body)

    async def post_order_modify_tp_sl_order(
        self,
        order_id: str | int,
        trigger_price: Numeric,
        execute_price: Numeric | None = None,
        trigger_price_type: int | None = None,
    ) -> Ack:
        """POST /capi/v2/order/modifyTpSlOrder -- move a TP/SL (`orderId` is a JSON number here)."""
        body = compact(
            orderId=int(order_id),
            triggerPrice=wire_number(trigger_price),
            executePrice=_opt_number(execute_price),
            triggerPriceType=trigger_price_type,
        )
        return await self._call("modifyTpSlOrder", _ACK, body=body, envelope=True)

    async def post_order_upload_ai_log(
        self,
        stage: str,
        model: str,
        input: Mapping[str, Any],
        output: Mapping[str, Any],
        explanation: str,
        order_id: str | int | None = None,
    ) -> Ack:
        """POST /capi/v2/order/uploadAiLog (path configurable, see `ai_log_path`) -- the competition's
        AI log; `orderId` goes as a JSON number, or null."""
        body = {
            "orderId": None if order_id is None else int(order_id),
            "stage": stage,
            "model": model,
            "input": dict(input),
            "output": dict(output),
            "explanation": explanation,
        }
        return await self._call("uploadAiLog", _ACK, body=body, path=self.ai_log_path, envelope=True)
