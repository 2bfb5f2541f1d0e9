"""`WeexV3Api`: the raw WEEX contract API v3 endpoints, one method per endpoint (spec 7.0), sent
through a `WeexV3Transport` (the shared pipeline with the v3 hooks).

Methods are named `<method>_<path in snake_case>` after the venue path
(`GET /capi/v3/market/depth` -> `get_market_depth`), take v3 symbols (`BTCUSDT`) and return the
decoded JSON (floats as `Decimal`); `client.py` turns it into the shapes `WeexVenue` reads. Reach it
as `WeexV3Client(...).raw`.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from pydantic import TypeAdapter

from alphaloop.venues.weex.v3.transport import WeexV3Transport

Json = Any
_OBJECT: TypeAdapter[dict[str, Any]] = TypeAdapter(dict[str, Any])
_ARRAY: TypeAdapter[list[Any]] = TypeAdapter(list[Any])
Numeric = Decimal | int | str


def wire(value: Numeric | None) -> str | None:
    """Decimals as plain text (`Decimal("1E+1")` -> `"10"`); None stays None (dropped)."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    return str(value)


def compact(**fields: Any) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}


class WeexV3Api:
    """The v3 endpoints over one transport (which owns the connection pool, clock and limiter)."""

    def __init__(self, transport: WeexV3Transport) -> None:
        self.transport = transport
        self._call = transport._call
        self.ai_log_path = transport.ai_log_path

    # ------------------------------------------------------------ market (spec 7.1)

    async def get_market_time(self) -> dict[str, Any]:
        """GET /capi/v3/market/time"""
        return await self._call("v3_time", _OBJECT)

    async def get_market_exchange_info(self, symbol: str | None = None) -> dict[str, Any]:
        """GET /capi/v3/market/exchangeInfo"""
        return await self._call("v3_exchangeInfo", _OBJECT, params=compact(symbol=symbol))

    async def get_market_depth(self, symbol: str, limit: int | None = None) -> dict[str, Any]:
        """GET /capi/v3/market/depth (limit 15 or 200)"""
        return await self._call("v3_depth", _OBJECT, params=compact(symbol=symbol, limit=limit))

    async def get_market_ticker_24hr(self, symbol: str | None = None) -> list[Any]:
        """GET /capi/v3/market/ticker/24hr"""
        return await self._call("v3_ticker24hr", _ARRAY, params=compact(symbol=symbol))

    async def get_market_ticker_book_ticker(self, symbol: str | None = None) -> list[Any]:
        """GET /capi/v3/market/ticker/bookTicker"""
        return await self._call("v3_bookTicker", _ARRAY, params=compact(symbol=symbol))

    async def get_market_klines(self, symbol: str, interval: str, limit: int | None = None) -> list[Any]:
        """GET /capi/v3/market/klines"""
        params = compact(symbol=symbol, interval=interval, limit=limit)
        return await self._call("v3_klines", _ARRAY, params=params)

    async def get_market_history_klines(
        self,
        symbol: str,
        interval: str,
        start_time: int | None = None,
        end_time: int | None = None,
        limit: int | None = None,
    ) -> list[Any]:
        """GET /capi/v3/market/historyKlines (inclusive bounds, limit <= 100)"""
        params = compact(
            symbol=symbol, interval=interval, startTime=start_time, endTime=end_time, limit=limit
        )
        return await self._call("v3_historyKlines", _ARRAY, params=params)

    async def get_market_premium_index(self, symbol: str | None = None) -> list[Any]:
        """GET /capi/v3/market/premiumIndex"""
        return await self._call("v3_premiumIndex", _ARRAY, params=compact(symbol=symbol))

    async def get_market_funding_rate(self, symbol: str, limit: int | None = None) -> list[Any]:
        """GET /capi/v3/market/fundingRate"""
        return await self._call("v3_fundingRate", _ARRAY, params=compact(symbol=symbol, limit=limit))

    # ------------------------------------------------------------ account (spec 7.2)

    async def get_account_balance(self) -> list[Any]:
        """GET /capi/v3/account/balance"""
        return await self._call("v3_balance", _ARRAY)

    async def get_account_symbol_config(self, symbol: str | None = None) -> list[Any]:
        """GET /capi/v3/account/symbolConfig"""
        return await self._call("v3_symbolConfig", _ARRAY, params=compact(symbol=symbol))

    async def get_account_position_all_position(self) -> list[Any]:
        """GET /capi/v3/account/position/allPosition"""
        return await self._call("v3_allPosition", _ARRAY)

    async def get_account_position_single_position(self, symbol: str) -> list[Any]:
        """GET /capi/v3/account/position/singlePosition"""
        return await self._call("v3_singlePosition", _ARRAY, params={"symbol": symbol})

    async def post_account_leverage(
        self,
        symbol: str,
        margin_type: str | None = None,
        *,
        cross: int | None = None,
        isolated_long: int | None = None,
        isolated_short: int | None = None,
    ) -> dict[str, Any]:
        """POST /capi/v3/account/leverage"""
        # leverage as JSON numbers, as ccxt sends them (spec 7.2.8)
        body = compact(
            symbol=symbol,
            crossLeverage=cross,
            isolatedLongLeverage=isolated_long,
            isolatedShortLeverage=isolated_short,
            marginType=margin_type,
        )
        return await self._call("v3_leverage", _OBJECT, body=body)

    async def post_account_margin_type(
        self, symbol: str, margin_type: str, separated_type: str | None = None
    ) -> dict[str, Any]:
        """POST /capi/v3/account/marginType"""
        body = compact(symbol=symbol, marginType=margin_type, separatedType=separated_type)
        return await self._call("v3_marginType", _OBJECT, body=body)

    # ------------------------------------------------------------ trading (spec 7.3)

    async def post_order(
        self,
        symbol: str,
        side: str,
        position_side: str,
        type: str,
        quantity: Numeric,
        new_client_order_id: str,
        *,
        price: Numeric | None = None,
        time_in_force: str | None = None,
        tp_trigger_price: Numeric | None = None,
        sl_trigger_price: Numeric | None = None,
    ) -> dict[str, Any]:
        """POST /capi/v3/order"""
        # ccxt's key order (spec 11.3), so the same order signs to the same bytes as ccxt's
        body = compact(
            symbol=symbol,
            side=side,
            quantity=wire(quantity),
            type=type,
            price=wire(price),
            positionSide=position_side,
            timeInForce=time_in_force,
            newClientOrderId=new_client_order_id,
            tpTriggerPrice=wire(tp_trigger_price),
            slTriggerPrice=wire(sl_trigger_price),
        )
        return await self._call("v3_placeOrder", _OBJECT, body=body)

    async def delete_order(
        self, order_id: str | int | None = None, orig_client_order_id: str | None = None
    ) -> dict[str, Any]:
        """DELETE /capi/v3/order (query parameters)"""
        params = compact(
            orderId=None if order_id is None else str(order_id), origClientOrderId=orig_client_order_id
        )
        return await self._call("v3_cancelOrder", _OBJECT, params=params)

    async def delete_all_open_orders(self, symbol: str | None = None) -> list[Any]:
        """DELETE /capi/v3/allOpenOrders"""
        return await self._call("v3_cancelAllOpen", _ARRAY, params=compact(symbol=symbol))

    async def get_order(self, order_id: str | int) -> dict[str, Any]:
        """GET /capi/v3/order"""
        return await self._call("v3_getOrder", _OBJECT, params={"orderId": str(order_id)})

    async def get_open_orders(
        self, symbol: str | None = None, limit: int | None = None, page: int | None = None
    ) -> list[Any]:
        """GET /capi/v3/openOrders"""
        return await self._call(
            "v3_openOrders", _ARRAY, params=compact(symbol=symbol, limit=limit, page=page)
        )

    async def get_order_history(
        self, symbol: str | None = None, start_time: int | None = None, limit: int | None = None
    ) -> list[Any]:
        """GET /capi/v3/order/history"""
        params = compact(symbol=symbol, startTime=start_time, limit=limit)
        return await self._call("v3_orderHistory", _ARRAY, params=params)

    async def get_user_trades(
        self,
        symbol: str | None = None,
        order_id: str | int | None = None,
        start_time: int | None = None,
        limit: int | None = None,
    ) -> list[Any]:
        """GET /capi/v3/userTrades"""
        params = compact(
            symbol=symbol,
            orderId=None if order_id is None else str(order_id),
            startTime=start_time,
            limit=limit,
        )
        return await self._call("v3_userTrades", _ARRAY, params=params)

    async def post_close_positions(self, symbol: str | None = None) -> list[Any]:
        """POST /capi/v3/closePositions (body `{}` closes everything)"""
        return await self._call("v3_closePositions", _ARRAY, body=compact(symbol=symbol))

    async def post_algo_order(
        self,
        symbol: str,
        side: str,
        position_side: str,
        type: str,
        quantity: Numeric,
        trigger_price: Numeric,
        client_algo_id: str,
        *,
        price: Numeric | None = None,
    ) -> dict[str, Any]:
        """POST /capi/v3/algoOrder"""
        body = compact(
            symbol=symbol,
            side=side,
            quantity=wire(quantity),
            type=type,
            price=wire(price),
            positionSide=position_side,
            clientAlgoId=client_algo_id,
            triggerPrice=wire(trigger_price),
        )
        return await self._call("v3_placeAlgo", _OBJECT, body=body)

    async def delete_algo_order(self, order_id: str | int) -> dict[str, Any]:
        """DELETE /capi/v3/algoOrder"""
        return await self._call("v3_cancelAlgo", _OBJECT, params={"orderId": str(order_id)})

    async def delete_algo_open_orders(self, symbol: str | None = None) -> list[Any]:
        """DELETE /capi/v3/algoOpenOrders"""
        return await self._call("v3_cancelAllAlgo", _ARRAY, params=compact(symbol=symbol))

    async def get_open_algo_orders(self, symbol: str | None = None, limit: int | None = None) -> list[Any]:
        """GET /capi/v3/openAlgoOrders"""
        return await self._call("v3_openAlgoOrders", _ARRAY, params=compact(symbol=symbol, limit=limit))

    async def get_all_algo_orders(
        self,
        symbol: str | None = None,
        start_time: int | None = None,
        end_time: int | None = None,
        limit: int | None = None,
    ) -> dict[str, Any]:
        """GET /capi/v3/allAlgoOrders"""
        params = compact(symbol=symbol, startTime=start_time, endTime=end_time, limit=limit)
        return await self._call("v3_allAlgoOrders", _OBJECT, params=params)

    async def post_place_tp_sl_order(
        self,
        symbol: str,
        client_algo_id: str,
        plan_type: str,
        trigger_price: Numeric,
        quantity: Numeric,
        position_side: str,
        execute_price: Numeric | None = None,
    ) -> list[Any]:
        """POST /capi/v3/placeTpSlOrder"""
        body = compact(
            symbol=symbol,
            clientAlgoId=client_algo_id,
            planType=plan_type,
            triggerPrice=wire(trigger_price),
            executePrice=wire(execute_price),
            quantity=wire(quantity),
            positionSide=position_side,
        )
        return await self._call("v3_placeTpSl", _ARRAY, body=body)

    async def post_modify_tp_sl_order(
        self, order_id: str | int, trigger_price: Numeric, execute_price: Numeric | None = None
    ) -> dict[str, Any]:
        """POST /capi/v3/modifyTpSlOrder"""
        body = compact(
            orderId=str(order_id), triggerPrice=wire(trigger_price), executePrice=wire(execute_price)
        )
        return await self._call("v3_modifyTpSl", _OBJECT, body=body)

    async def post_order_upload_ai_log(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """POST /capi/v3/order/uploadAiLog (path configurable: spec 7.4 calls the v3 path unconfirmed)"""
        return await self._call("v3_uploadAiLog", _OBJECT, body=body, path=self.ai_log_path)
