"""Private algo-order endpoints, `/v3/trade/algoOrder(s)` (spec 4.5): STOP, TRAILING_STOP, TP_SL,
POSITIONAL_TP_SL, BRACKET, OCO and STOP_BRACKET, with legs in `childOrders`.

Key on `algoOrderId`, never on `algoType`: the venue may re-label a STOP as TAKE_PROFIT/STOP_LOSS.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import TypeAdapter

from alphaloop.venues.woox.api_account import Numeric, compact, opt_number
from alphaloop.venues.woox.schemas import AlgoOrderWire, AlgoPlaceResult, Page, StatusAck
from alphaloop.venues.woox.transport import WooxTransport

_PLACE = TypeAdapter(AlgoPlaceResult)
_ACK = TypeAdapter(StatusAck)
_ALGO = TypeAdapter(AlgoOrderWire)
_ALGOS = TypeAdapter(Page[AlgoOrderWire])


class AlgoApi(WooxTransport):
    """Conditional orders."""

    async def post_trade_algo_order(
        self,
        symbol: str,
        algo_type: str,
        *,
        side: str | None = None,
        type: str | None = None,
        quantity: Numeric | None = None,
        price: Numeric | None = None,
        trigger_price: Numeric | None = None,
        trigger_price_type: str | None = None,
        reduce_only: bool | None = None,
        position_side: str | None = None,
        margin_mode: str | None = None,
        client_algo_order_id: int | None = None,
        callback_rate: Numeric | None = None,
        callback_value: Numeric | None = None,
        activated_price: Numeric | None = None,
        child_orders: Sequence[Mapping[str, Any]] | None = None,
    ) -> AlgoPlaceResult:
        """POST /v3/trade/algoOrder -- one row per created algo order (children included).
        `callback_rate` is a fraction (0.05 = 5 %); `child_orders` use the venue's field names."""
        body = compact(
            symbol=symbol,
            algoType=algo_type,
            side=side,
            type=type,
            quantity=opt_number(quantity),
            price=opt_number(price),
            triggerPrice=opt_number(trigger_price),
            triggerPriceType=trigger_price_type,
            reduceOnly=reduce_only,
            positionSide=position_side,
            marginMode=margin_mode,
            clientAlgoOrderId=client_algo_order_id,
            callbackRate=opt_number(callback_rate),
            callbackValue=opt_number(callback_value),
            activatedPrice=opt_number(activated_price),
            childOrders=None if child_orders is None else [dict(child) for child in child_orders],
        )
        return await self._call("placeAlgoOrder", _PLACE, body=body)

    async def put_trade_algo_order(
        self,
        *,
        algo_order_id: str | int | None = None,
        client_algo_order_id: int | None = None,
        quantity: Numeric | None = None,
        price: Numeric | None = None,
        trigger_price: Numeric | None = None,
        trigger_price_type: str | None = None,
        callback_rate: Numeric | None = None,
        callback_value: Numeric | None = None,
        activated_price: Numeric | None = None,
    ) -> StatusAck:
        """PUT /v3/trade/algoOrder -- edit an untriggered algo order (`EDIT_SENT`)."""
        body = compact(
            algoOrderId=None if algo_order_id is None else int(algo_order_id),
            clientAlgoOrderId=client_algo_order_id,
            quantity=opt_number(quantity),
            price=opt_number(price),
            triggerPrice=opt_number(trigger_price),
            triggerPriceType=trigger_price_type,
            callbackRate=opt_number(callback_rate),
            callbackValue=opt_number(callback_value),
            activatedPrice=opt_number(activated_price),
        )
        return await self._call("editAlgoOrder", _ACK, body=body)

    async def delete_trade_algo_order(
        self, *, algo_order_id: str | int | None = None, client_algo_order_id: int | None = None
    ) -> StatusAck:
        """DELETE /v3/trade/algoOrder -- cancel one algo order (and its legs)."""
        params = {"algoOrderId": algo_order_id, "clientAlgoOrderId": client_algo_order_id}
        return await self._call("cancelAlgoOrder", _ACK, params=params)

    async def delete_trade_algo_orders(self, symbol: str | None = None) -> StatusAck:
        """DELETE /v3/trade/algoOrders -- cancel the algo orders of a symbol (all when None)."""
        return await self._call("cancelAlgoOrders", _ACK, params={"symbol": symbol})

    async def get_trade_algo_order(
        self, *, algo_order_id: str | int | None = None, client_algo_order_id: int | None = None
    ) -> AlgoOrderWire:
        """GET /v3/trade/algoOrder -- one algo order with its `childOrders`."""
        params = {"algoOrderId": algo_order_id, "clientAlgoOrderId": client_algo_order_id}
        return await self._call("getAlgoOrder", _ALGO, params=params)

    async def get_trade_algo_orders(
        self,
        symbol: str | None = None,
        *,
        status: str | None = None,
        algo_type: str | None = None,
        side: str | None = None,
        is_triggered: bool | None = None,
        start_time: int | None = None,
        end_time: int | None = None,
        page: int | None = None,
        size: int | None = None,
    ) -> Page[AlgoOrderWire]:
        """GET /v3/trade/algoOrders -- `status` INCOMPLETE / COMPLETED bundles, paged."""
        params = {
            "symbol": symbol,
            "status": status,
            "algoType": algo_type,
            "side": side,
            "isTriggered": is_triggered,
            "startTime": start_time,
            "endTime": end_time,
            "page": page,
            "size": size,
        }
        return await self._call("getAlgoOrders", _ALGOS, params=params)
