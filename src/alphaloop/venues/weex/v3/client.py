"""`WeexV3Client`: the v3 raw client seen through the v2 client's methods, so one domain client
(`WeexVenue`) trades both API versions with the same guards, rounding and unknown-outcome rules.

Each method below has a v2 name and signature (`venues/weex/api_*.py`), calls the v3 endpoint that
replaced it (spec 10, the v2 -> v3 mapping) and answers with the v2 wire shape `parse.py` reads.
Symbols are translated at this seam (`cmt_btcusdt` <-> `BTCUSDT`). What v3 cannot say the v2 way is
listed in the README ("WEEX API versions"): no order fee field (fees come from fills), no separate
funding-time endpoint (premiumIndex carries it), no per-order margin mode.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Unpack

from alphaloop.model import ExchangeRejectedError
from alphaloop.model.instruments import from_weex_symbol, to_weex_symbol
from alphaloop.venues.http.ratelimit import AsyncRateLimiter
from alphaloop.venues.http.transport import TransportOptions
from alphaloop.venues.weex.constants import VENUE_NAME
from alphaloop.venues.weex.schemas import (
    AccountInfo,
    Ack,
    Asset,
    CancelOrderResult,
    ClosePositionResult,
    Contract,
    CurrentFundRate,
    Depth,
    FillsPage,
    FundingTime,
    HistoryFundRate,
    HistoryPlanPage,
    Kline,
    OrderIdResult,
    OrderWire,
    PlaceOrderResult,
    PlanOrderWire,
    PositionWire,
    ServerTime,
    TickerWire,
)
from alphaloop.venues.weex.v3.api import Numeric, WeexV3Api
from alphaloop.venues.weex.v3.constants import AI_LOG_PATH, v3_symbol

if TYPE_CHECKING:
    from alphaloop.config import WeexCredentials
from alphaloop.venues.weex.v3.transport import WeexV3Transport

#: v2 `type` 1-4 <-> v3 side x positionSide (spec 5.1)
LEGS = {"1": ("BUY", "LONG"), "2": ("SELL", "SHORT"), "3": ("SELL", "LONG"), "4": ("BUY", "SHORT")}
_TYPE_OF_LEG = {leg: code for code, leg in LEGS.items()}
_INTENT_WORDS = {"1": "open_long", "2": "open_short", "3": "close_long", "4": "close_short"}
_TIF = {"0": "GTC", "1": "POST_ONLY", "2": "FOK", "3": "IOC"}
_TIF_WORDS = {"GTC": "normal", "POST_ONLY": "post_only", "FOK": "fok", "IOC": "ioc"}
_MARGIN = {1: "CROSSED", 3: "ISOLATED"}
_MARGIN_V2 = {"CROSSED": "SHARED", "ISOLATED": "ISOLATED"}
_PLAN_STATUS = {
    "UNTRIGGERED": "0",
    "NEW": "0",
    "TRIGGERED": "1",
    "FILLED": "2",
    "CANCELED": "-1",
    "CANCELING": "-1",
}
_PLAN_TYPES = {"profit_plan": "TAKE_PROFIT", "loss_plan": "STOP_LOSS"}


def v3(symbol: str) -> str:
    """`cmt_btcusdt` -> `BTCUSDT`."""
    return v3_symbol(from_weex_symbol(symbol))


def v2(symbol: str) -> str:
    """`BTCUSDT` -> `cmt_btcusdt`."""
    return to_weex_symbol(f"{symbol[:-4]}/USDT:USDT") if symbol.upper().endswith("USDT") else symbol


def _order_status(row: Mapping[str, Any]) -> str:
    status = str(row.get("status", "")).upper()
    if status in ("NEW", "PARTIALLY_FILLED", "PARTIAL_FILL"):
        filled = Decimal(str(row.get("executedQty") or 0))
        return "partially_filled" if filled > 0 else "open"
    if status == "FILLED":
        return "filled"
    if status in ("CANCELED", "EXPIRED", "REJECTED"):
        return "canceled"
    return status.lower() or "pending"


def order_wire(row: Mapping[str, Any]) -> OrderWire:
    """A v3 order object (spec 7.3.6) as the v2 order object (spec v2 7.29)."""
    leg = (str(row.get("side", "")).upper(), str(row.get("positionSide", "")).upper())
    code = _TYPE_OF_LEG.get(leg)
    return OrderWire.model_validate(
        {
            "symbol": v2(str(row["symbol"])),
            "size": row.get("origQty"),
            "client_oid": row.get("clientOrderId"),
            "createTime": row.get("time"),
            "filled_qty": row.get("executedQty"),
            "order_id": row["orderId"],
            "price": row.get("price"),
            "price_avg": row.get("avgPrice"),
            "status": _order_status(row),
            "type": _INTENT_WORDS.get(code or "", f"{leg[0]}_{leg[1]}".lower()),
            "order_type": _TIF_WORDS.get(str(row.get("timeInForce", "GTC")).upper(), "normal"),
            "v3": dict(row),
        }
    )


def plan_wire(row: Mapping[str, Any]) -> PlanOrderWire:
    """A v3 conditional order (spec 7.3.14) as the v2 plan order (spec v2 7.35)."""
    leg = (str(row.get("side", "")).upper(), str(row.get("positionSide", "")).upper())
    return PlanOrderWire.model_validate(
        {
            "symbol": v2(str(row["symbol"])),
            "size": row.get("quantity"),
            "client_oid": row.get("clientAlgoId"),
            "createTime": row.get("createTime"),
            "order_id": row["algoId"],
            "price": row.get("price"),
            "price_avg": row.get("actualPrice"),
            "status": _PLAN_STATUS.get(str(row.get("algoStatus", "")).upper(), "0"),
            "type": _TYPE_OF_LEG.get(leg, "0"),
            "triggerPrice": row.get("triggerPrice"),
            "triggerTime": row.get("triggerTime"),
            "v3": dict(row),
        }
    )


def _cancel(
    result: Mapping[str, Any], order_id: str | int | None, client_oid: str | None
) -> CancelOrderResult:
    return CancelOrderResult.model_validate(
        {
            "order_id": result.get("orderId") or order_id,
            "client_oid": result.get("origClientOrderId") or client_oid,
            "result": bool(result.get("success")),
            "err_msg": result.get("errorMessage") or None,
            "err_code": result.get("errorCode") or None,
        }
    )


class WeexV3Client(WeexV3Transport):
    """The v3 transport; `raw` speaks the v3 endpoints, the methods below answer `WeexVenue`'s
    calls with v2 shapes. Construct like the v2 client: `(base_url, credentials, *, transport=...,
    timeout=..., locale=..., ai_log_path=..., clock=...)`."""

    def __init__(
        self,
        base_url: str,
        credentials: WeexCredentials | None,
        *,
        locale: str = "en-US",
        ai_log_path: str = AI_LOG_PATH,
        limiter: AsyncRateLimiter | None = None,
        **options: Unpack[TransportOptions],
    ) -> None:
        super().__init__(
            base_url, credentials, locale=locale, ai_log_path=ai_log_path, limiter=limiter, **options
        )
        self.raw = WeexV3Api(self)

    # ------------------------------------------------------------ market

    async def get_market_time(self) -> ServerTime:
        return ServerTime(timestamp=int((await self.raw.get_market_time())["serverTime"]))

    async def get_market_contracts(self, symbol: str | None = None) -> list[Contract]:
        info = await self.raw.get_market_exchange_info(None if symbol is None else v3(symbol))
        rows = []
        for row in info.get("symbols", []):
            rows.append(
                Contract.model_validate(
                    {
                        "symbol": v2(str(row["symbol"])),
                        "underlying_index": row.get("baseAsset", ""),
                        "quote_currency": row.get("quoteAsset", "USDT"),
                        "coin": row.get("marginAsset", "USDT"),
                        "contract_val": row.get("contractVal"),
                        "delivery": row.get("delivery") or [],
                        # v3 precisions are decimal places: price tick 10^-p, size step 10^-q (spec 6)
                        "size_increment": row.get("quantityPrecision"),
                        "tick_size": row.get("pricePrecision"),
                        "priceEndStep": 1,
                        **{
                            k: row.get(k)
                            for k in (
                                "forwardContractFlag",
                                "minLeverage",
                                "maxLeverage",
                                "buyLimitPriceRatio",
                                "sellLimitPriceRatio",
                                "makerFeeRate",
                                "takerFeeRate",
                                "minOrderSize",
                                "maxOrderSize",
                                "maxPositionSize",
                                "marketOpenLimitSize",
                            )
                        },
                    }
                )
            )
        return rows

    async def get_market_depth(self, symbol: str, limit: int | None = None) -> Depth:
        book = await self.raw.get_market_depth(v3(symbol), limit)
        return Depth.model_validate({"asks": book.get("asks"), "bids": book.get("bids")})

    async def get_market_ticker(self, symbol: str) -> TickerWire:
        (row,) = [
            r for r in await self.raw.get_market_ticker_24hr(v3(symbol)) if r.get("symbol") == v3(symbol)
        ]
        books = await self.raw.get_market_ticker_book_ticker(v3(symbol))
        book: Mapping[str, Any] = next((b for b in books if b.get("symbol") == v3(symbol)), {})
        return TickerWire.model_validate(
            {
                "symbol": symbol,
                "last": row["lastPrice"],
                "best_ask": book.get("askPrice"),
                "best_bid": book.get("bidPrice"),
                "high_24h": row.get("highPrice"),
                "low_24h": row.get("lowPrice"),
                "volume_24h": row.get("quoteVolume"),
                "base_volume": row.get("volume"),
                "priceChangePercent": row.get("priceChangePercent"),
                "timestamp": row.get("closeTime"),
                "markPrice": row.get("markPrice"),
                "indexPrice": row.get("indexPrice"),
            }
        )

    @staticmethod
    def _klines(rows: list[Any]) -> list[Kline]:
        # v3 rows: [openTime, o, h, l, c, volume, closeTime, quoteVolume, ...] (spec 7.1.7)
        return [
            Kline.model_validate([r[0], r[1], r[2], r[3], r[4], r[5], r[7] if len(r) > 7 else None])
            for r in rows
        ]

    async def get_market_candles(
        self, symbol: str, granularity: str, limit: int | None = None, price_type: str | None = None
    ) -> list[Kline]:
        return self._klines(await self.raw.get_market_klines(v3(symbol), granularity, limit))

    async def get_market_history_candles(
        self,
        symbol: str,
        granularity: str,
        start_time: int | None = None,
        end_time: int | None = None,
        limit: int | None = None,
        price_type: str | None = None,
    ) -> list[Kline]:
        rows = await self.raw.get_market_history_klines(v3(symbol), granularity, start_time, end_time, limit)
        return self._klines(rows)

    async def _premium(self, symbol: str) -> Mapping[str, Any]:
        rows = await self.raw.get_market_premium_index(v3(symbol))
        row = next((r for r in rows if r.get("symbol") == v3(symbol)), None)
        if row is None:
            raise ExchangeRejectedError(f"WEEX v3 reports no premium index for {symbol}", venue=VENUE_NAME)
        found: Mapping[str, Any] = row
        return found

    async def get_market_current_fund_rate(self, symbol: str | None = None) -> list[CurrentFundRate]:
        rows = await self.raw.get_market_premium_index(None if symbol is None else v3(symbol))
        return [
            CurrentFundRate.model_validate(
                {
                    "symbol": v2(str(r["symbol"])),
                    "fundingRate": r.get("lastFundingRate"),
                    "collectCycle": r.get("collectCycle"),
                    "timestamp": r.get("time"),
                }
            )
            for r in rows
        ]

    async def get_market_funding_time(self, symbol: str) -> FundingTime:
        row = await self._premium(symbol)
        return FundingTime(symbol=symbol, fundingTime=int(row["nextFundingTime"]))

    async def get_market_get_history_fund_rate(
        self, symbol: str, limit: int | None = None
    ) -> list[HistoryFundRate]:
        rows = await self.raw.get_market_funding_rate(v3(symbol), limit)
        return [
            HistoryFundRate.model_validate(
                {"symbol": symbol, "fundingRate": r["fundingRate"], "fundingTime": r.get("fundingTime")}
            )
            for r in rows
        ]

    # ------------------------------------------------------------ account

    async def get_account_assets(self) -> list[Asset]:
        return [
            Asset.model_validate(
                {
                    "coinName": r["asset"],
                    "available": r["availableBalance"],
                    "frozen": r.get("frozen"),
                    "equity": r["balance"],
                    "unrealizePnl": r.get("unrealizePnl"),
                }
            )
            for r in await self.raw.get_account_balance()
        ]

    @staticmethod
    def _position(r: Mapping[str, Any]) -> PositionWire:
        return PositionWire.model_validate(
            {
                "id": r["id"],
                "symbol": v2(str(r["symbol"])),
                "side": r["side"],
                "margin_mode": _MARGIN_V2.get(str(r.get("marginType", "CROSSED")).upper(), "SHARED"),
                "separated_mode": r.get("separatedMode"),
                "leverage": r["leverage"],
                "size": r["size"],
                "open_value": r["openValue"],
                "open_fee": r.get("openFee"),
                "funding_fee": r.get("fundingFee"),
                "marginSize": r.get("marginSize"),
                "isolated_margin": r.get("isolatedMargin"),
                "is_auto_append_isolated_margin": r.get("isAutoAppendIsolatedMargin"),
                "created_time": r.get("createdTime"),
                "updated_time": r.get("updatedTime"),
                "unrealizePnl": r.get("unrealizePnl"),
                "liquidatePrice": r.get("liquidatePrice"),
            }
        )

    async def get_account_position_all_position(self) -> list[PositionWire]:
        return [self._position(r) for r in await self.raw.get_account_position_all_position()]

    async def get_account_position_single_position(self, symbol: str) -> list[PositionWire]:
        return [self._position(r) for r in await self.raw.get_account_position_single_position(v3(symbol))]

    async def get_account_get_accounts(self) -> AccountInfo:
        """Only what `WeexVenue` reads from v2's getAccounts: the margin mode per symbol (symbolConfig)."""
        rows = await self.raw.get_account_symbol_config()
        modes = [
            {
                "symbol": v2(str(r["symbol"])),
                "marginMode": _MARGIN_V2.get(str(r.get("marginType")).upper(), "SHARED"),
            }
            for r in rows
        ]
        return AccountInfo.model_validate({"account": {"modeSetting": modes}, "collateral": []})

    async def post_account_leverage(
        self, symbol: str, margin_mode: int, long_leverage: Numeric, short_leverage: Numeric | None = None
    ) -> Ack:
        margin_type = _MARGIN.get(int(margin_mode), "CROSSED")
        if margin_type == "CROSSED":
            await self.raw.post_account_leverage(v3(symbol), margin_type, cross=int(long_leverage))
        else:
            short = int(short_leverage if short_leverage is not None else long_leverage)
            await self.raw.post_account_leverage(
                v3(symbol), margin_type, isolated_long=int(long_leverage), isolated_short=short
            )
        return Ack(code="200", msg="success")

    async def post_account_position_change_hold_model(
        self, symbol: str, margin_mode: int, separated_mode: int = 1
    ) -> Ack:
        answer = await self.raw.post_account_margin_type(v3(symbol), _MARGIN.get(int(margin_mode), "CROSSED"))
        return Ack.model_validate({"code": str(answer.get("code", "200")), "msg": str(answer.get("msg", ""))})

    # ------------------------------------------------------------ orders

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
        side, position_side = LEGS[str(type)]
        market = str(match_price) == "1"
        answer = await self.raw.post_order(
            v3(symbol),
            side,
            position_side,
            "MARKET" if market else "LIMIT",
            size,
            client_oid,
            price=None if market else price,
            time_in_force=None if market else _TIF[str(order_type)],
            tp_trigger_price=preset_take_profit_price,
            sl_trigger_price=preset_stop_loss_price,
        )
        return PlaceOrderResult.model_validate({"order_id": answer["orderId"], "client_oid": client_oid})

    async def post_order_cancel_order(
        self, order_id: str | int | None = None, client_oid: str | None = None, symbol: str | None = None
    ) -> CancelOrderResult:
        result = await self.raw.delete_order(order_id, None if order_id is not None else client_oid)
        return _cancel(result, order_id, client_oid)

    async def get_order_detail(self, order_id: str | int) -> OrderWire:
        return order_wire(await self.raw.get_order(order_id))

    async def get_order_current(
        self,
        symbol: str | None = None,
        order_id: str | int | None = None,
        start_time: int | None = None,
        end_time: int | None = None,
        limit: int | None = None,
        page: int | None = None,
    ) -> list[OrderWire]:
        rows = await self.raw.get_open_orders(None if symbol is None else v3(symbol), limit, page)
        return [order_wire(r) for r in rows]

    async def get_order_history(
        self, symbol: str | None = None, page_size: int | None = None, create_date: int | None = None
    ) -> list[OrderWire]:
        rows = await self.raw.get_order_history(None if symbol is None else v3(symbol), limit=page_size)
        return [order_wire(r) for r in rows]

    async def get_order_fills(
        self,
        symbol: str | None = None,
        order_id: str | int | None = None,
        start_time: int | None = None,
        end_time: int | None = None,
        limit: int | None = None,
    ) -> FillsPage:
        rows = await self.raw.get_user_trades(
            None if symbol is None else v3(symbol), order_id, start_time, limit
        )
        fills = [
            {
                "tradeId": r["id"],
                "orderId": r["orderId"],
                "symbol": v2(str(r["symbol"])),
                "positionSide": r["positionSide"],
                "orderSide": r["side"],
                "fillSize": r["qty"],
                "fillValue": r["quoteQty"],
                "fillFee": r.get("commission"),
                "realizePnl": r.get("realizedPnl"),
                "direction": "MAKER" if r.get("maker") else "TAKER",
                "createdTime": r.get("time"),
            }
            for r in rows
        ]
        # v3 lists fills oldest first; v2's page is newest first
        return FillsPage.model_validate({"list": list(reversed(fills))})

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
        side, position_side = LEGS[str(type)]
        market = str(match_type) == "1"
        answer = await self.raw.post_algo_order(
            v3(symbol),
            side,
            position_side,
            "STOP_MARKET" if market else "STOP",
            size,
            trigger_price,
            client_oid,
            price=None if market else execute_price,
        )
        return PlaceOrderResult.model_validate({"order_id": answer["orderId"], "client_oid": client_oid})

    async def post_order_cancel_plan(self, order_id: str | int) -> CancelOrderResult:
        return _cancel(await self.raw.delete_algo_order(order_id), order_id, None)

    async def get_order_current_plan(
        self,
        symbol: str | None = None,
        order_id: str | int | None = None,
        start_time: int | None = None,
        end_time: int | None = None,
        limit: int | None = None,
        page: int | None = None,
    ) -> list[PlanOrderWire]:
        rows = await self.raw.get_open_algo_orders(None if symbol is None else v3(symbol), limit)
        return [plan_wire(r) for r in rows]

    async def get_order_history_plan(
        self,
        symbol: str,
        start_time: int | None = None,
        end_time: int | None = None,
        delegate_type: int | None = None,
        page_size: int | None = None,
    ) -> HistoryPlanPage:
        page = await self.raw.get_all_algo_orders(v3(symbol), start_time, end_time, page_size)
        rows = [
            plan_wire(r) for r in page.get("orders", []) if str(r.get("algoStatus")).upper() != "UNTRIGGERED"
        ]
        return HistoryPlanPage.model_validate({"orders": rows, "nextPage": bool(page.get("hasMore"))})

    async def post_order_close_positions(self, symbol: str | None = None) -> list[ClosePositionResult]:
        rows = await self.raw.post_close_positions(None if symbol is None else v3(symbol))
        return [ClosePositionResult.model_validate(r) for r in rows]

    async def post_order_cancel_all_orders(
        self, cancel_order_type: str = "normal", symbol: str | None = None
    ) -> list[OrderIdResult]:
        wanted = None if symbol is None else v3(symbol)
        if cancel_order_type == "plan":
            rows = await self.raw.delete_algo_open_orders(wanted)
        else:
            rows = await self.raw.delete_all_open_orders(wanted)
        return [
            OrderIdResult.model_validate({"orderId": r.get("orderId"), "success": r.get("success")})
            for r in rows
        ]

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
        rows = await self.raw.post_place_tp_sl_order(
            v3(symbol),
            client_order_id,
            _PLAN_TYPES[plan_type],
            trigger_price,
            size,
            position_side.upper(),
            execute_price,
        )
        return [
            OrderIdResult.model_validate({"orderId": r.get("orderId"), "success": r.get("success")})
            for r in rows
        ]

    async def post_order_modify_tp_sl_order(
        self,
        order_id: str | int,
        trigger_price: Numeric,
        execute_price: Numeric | None = None,
        trigger_price_type: int | None = None,
    ) -> Ack:
        await self.raw.post_modify_tp_sl_order(order_id, trigger_price, execute_price)
        return Ack(code="200", msg="success")

    async def post_order_upload_ai_log(
        self,
        stage: str,
        model: str,
        input: Mapping[str, Any],
        output: Mapping[str, Any],
        explanation: str,
        order_id: str | int | None = None,
    ) -> Ack:
        body = {
            "orderId": None if order_id is None else int(order_id),
            "stage": stage,
            "model": model,
            "input": dict(input),
            "output": dict(output),
            "explanation": explanation,
        }
        answer = await self.raw.post_order_upload_ai_log(body)
        return Ack.model_validate(answer)
