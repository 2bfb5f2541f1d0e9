"""`WeexVenue`: the WEEX domain client, implementing the `Venue` port (venues/base.py).

Speaks unified symbols (`BTC/USDT:USDT`) and domain types; below it `WeexHttpClient` speaks the wire.
Competition rules are enforced here before any request: trading only the allowed symbols, leverage
at most the configured cap (<= 20). Order sizes are floored to the contract step and prices rounded
to the tick (buys down, sells up) before the venue's limits are checked.

A placement whose answer was lost (timeout, disconnect, 5xx) is never re-sent: the order is looked
up by its client id in open and finished orders (and trigger orders) a bounded number of times;
found -> returned, not found -> `UnknownOrderOutcomeError` carrying the client id for reconciliation.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from alphaloop.model import (
    COMPETITION_MAX_LEVERAGE,
    COMPETITION_SYMBOLS,
    AiLog,
    Balance,
    CancelResult,
    Candle,
    ExchangeRejectedError,
    FundingRate,
    InvalidOrderError,
    MarginMode,
    Order,
    OrderBook,
    OrderIntent,
    OrderNotFoundError,
    OrderRequest,
    OrderStatus,
    OrderType,
    Position,
    PositionSide,
    Side,
    SymbolNotAllowedError,
    Ticker,
    TimeInForce,
    Trade,
    TriggerKind,
    UnknownOrderOutcomeError,
)
from alphaloop.model.instruments import to_unified_symbol, to_weex_symbol
from alphaloop.model.market import TIMEFRAME_MS
from alphaloop.venues.weex.constants import (
    DEFAULT_AI_LOG_PATH,
    GRANULARITIES,
    PRODUCTION_BASE_URL,
    VENUE_NAME,
)
from alphaloop.venues.weex.parse import (
    INTENT_TO_TYPE,
    TIF_TO_ORDER_TYPE,
    PositionCloseResult,
    parse_balance,
    parse_candles,
    parse_funding_history,
    parse_funding_rate,
    parse_order,
    parse_order_book,
    parse_plan_order,
    parse_position,
    parse_ticker,
    parse_trade,
)
from alphaloop.venues.weex.schemas import PlanOrderWire
from alphaloop.venues.weex.venue_core import (
    MARGIN_MODE_CODES,
    MARGIN_MODE_WIRE_NAMES,
    MAX_PAGES,
    PAGE_SIZE,
    WeexVenueCore,
    cancel_result,
    make_client,
)

if TYPE_CHECKING:
    # alphaloop.config imports this package's constants: a runtime import would be circular
    from alphaloop.config import WeexCredentials

#: currentPlan `type` codes of rows that open a position (spec 5.3); every other code closes one.
_OPENING_PLAN_TYPES = frozenset(
    {INTENT_TO_TYPE[OrderIntent.OPEN_LONG], INTENT_TO_TYPE[OrderIntent.OPEN_SHORT]}
)


class WeexVenue(WeexVenueCore):
    """WEEX USDT-M perpetuals as a `Venue`."""

    @classmethod
    def create(
        cls,
        base_url: str = PRODUCTION_BASE_URL,
        credentials: WeexCredentials | None = None,
        *,
        timeout: float = 10.0,
        locale: str = "en-US",
        ai_log_path: str = DEFAULT_AI_LOG_PATH,
        allowed_symbols: Iterable[str] = COMPETITION_SYMBOLS,
        max_leverage: int = COMPETITION_MAX_LEVERAGE,
        api: str = "v2",
    ) -> WeexVenue:
        """A venue over a fresh raw client of contract API `api` ("v2" or "v3") with the real clock
        and network."""
        client = make_client(
            api, base_url, credentials, timeout=timeout, locale=locale, ai_log_path=ai_log_path
        )
        return cls(client, allowed_symbols=allowed_symbols, max_leverage=max_leverage)

    # ------------------------------------------------------------ market data

    async def fetch_time(self) -> int:
        return (await self.client.get_market_time()).timestamp

    async def fetch_ohlcv(
        self,
        symbol: str,
        timeframe: str = "1h",
        *,
        since: int | None = None,
        until: int | None = None,
        limit: int | None = None,
    ) -> list[Candle]:
        if timeframe not in GRANULARITIES:
            raise ValueError(f"timeframe {timeframe!r} is not one of {', '.join(GRANULARITIES)}")
        venue_symbol = self._venue_symbol(symbol)
        if since is None and until is None:
            rows = await self.client.get_market_candles(
                venue_symbol, timeframe, limit=min(limit or 100, 1000)
            )
        else:
            # historyCandles returns at most 100 rows ending at endTime (startTime is ignored then)
            count = min(limit or 100, 100)
            end = until if until is not None else (since or 0) + count * TIMEFRAME_MS[timeframe] - 1
            rows = await self.client.get_market_history_candles(
                venue_symbol, timeframe, start_time=since, end_time=end, limit=count
            )
        candles = [
            c
            for c in parse_candles(rows)
            if (since is None or c.timestamp >= since) and (until is None or c.timestamp <= until)
        ]
        if limit is not None:
            candles = candles[:limit] if since is not None else candles[-limit:]
        return candles

    async def fetch_ticker(self, symbol: str) -> Ticker:
        return parse_ticker(await self.client.get_market_ticker(self._venue_symbol(symbol)))

    async def fetch_order_book(self, symbol: str, *, limit: int | None = None) -> OrderBook:
        depth_limit = 15 if limit is None or limit <= 15 else 200  # the only two depths WEEX serves
        depth = await self.client.get_market_depth(self._venue_symbol(symbol), limit=depth_limit)
        return parse_order_book(to_unified_symbol(symbol), depth, limit=limit)

    async def fetch_funding_rate(self, symbol: str) -> FundingRate:
        venue_symbol = self._venue_symbol(symbol)
        rows = await self.client.get_market_current_fund_rate(venue_symbol)
        row = next((r for r in rows if r.symbol == venue_symbol), None)
        if row is None:
            raise SymbolNotAllowedError(f"WEEX reports no funding rate for {venue_symbol}", venue=VENUE_NAME)
        next_time = (await self.client.get_market_funding_time(venue_symbol)).fundingTime
        return parse_funding_rate(row, next_funding_time=next_time)

    async def fetch_funding_rate_history(self, symbol: str, *, limit: int | None = None) -> list[FundingRate]:
        rows = await self.client.get_market_get_history_fund_rate(
            self._venue_symbol(symbol), limit=None if limit is None else min(limit, 100)
        )
        return parse_funding_history(rows)

    # ------------------------------------------------------------ account

    async def fetch_balance(self) -> Balance:
        return parse_balance(await self.client.get_account_assets())

    async def fetch_positions(self, symbols: Sequence[str] | None = None) -> list[Position]:
        wanted = None if symbols is None else {to_unified_symbol(s) for s in symbols}
        if wanted is not None and len(wanted) == 1:
            (only,) = wanted
            rows = await self.client.get_account_position_single_position(to_weex_symbol(only))
        else:
            rows = await self.client.get_account_position_all_position()
        positions = [parse_position(row) for row in rows if row.size > 0]
        return [p for p in positions if wanted is None or p.symbol in wanted]

    async def set_leverage(
        self, symbol: str, leverage: int, *, margin_mode: MarginMode = MarginMode.CROSS
    ) -> None:
        """Set both sides' leverage, switching the symbol's margin mode first when it differs."""
        unified = self._leverage_allowed(symbol, leverage)
        venue_symbol = to_weex_symbol(unified)
        code = MARGIN_MODE_CODES[margin_mode]
        # WEEX refuses a leverage whose marginMode is not the symbol's current mode (spec 7.19):
        # switch first, as the simulator venue does for the same port call
        modes = (await self.client.get_account_get_accounts()).account.modeSetting
        current = next((m.marginMode for m in modes if m.symbol == venue_symbol), None)
        if (current or "SHARED").upper() != MARGIN_MODE_WIRE_NAMES[margin_mode]:
            await self.client.post_account_position_change_hold_model(venue_symbol, code)
        await self.client.post_account_leverage(venue_symbol, code, leverage, leverage)

    # ------------------------------------------------------------ orders

    async def create_order(self, request: OrderRequest) -> Order:
        unified = self._tradable(request.symbol)
        client_oid = self._client_oid(request.client_order_id)
        instrument = await self.instrument(unified)
        market = request.order_type is OrderType.MARKET
        size = self._round_size(
            instrument, request.amount, market_open=market and not request.intent.reduce_only
        )
        if market:
            # the venue marks price required even for market orders: send the last price (spec 7.25)
            reference = (await self.fetch_ticker(unified)).last
            price = self._round_price(instrument, reference, request.side)
        elif request.price is None:
            raise InvalidOrderError(f"{unified}: a limit order needs a price", venue=VENUE_NAME)
        else:
            price = self._round_price(instrument, request.price, request.side)
        # TP/SL close the position: a TP of a long sells, an SL of a long sells too
        exit_side = Side.SELL if request.intent.position_side is PositionSide.LONG else Side.BUY
        take_profit = (
            None
            if request.take_profit_price is None
            else self._round_price(instrument, request.take_profit_price, exit_side)
        )
        stop_loss = (
            None
            if request.stop_loss_price is None
            else self._round_price(instrument, request.stop_loss_price, exit_side)
        )
        try:
            placed = await self.client.post_order_place_order(
                instrument.venue_symbol,
                client_oid,
                size,
                INTENT_TO_TYPE[request.intent],
                "0" if market else TIF_TO_ORDER_TYPE[request.time_in_force],
                "1" if market else "0",
                price,
                preset_take_profit_price=take_profit,
                preset_stop_loss_price=stop_loss,
                margin_mode=MARGIN_MODE_CODES[self.margin_mode],
            )
        except UnknownOrderOutcomeError as exc:
            return await self._resolve_outcome(instrument.venue_symbol, client_oid, exc, plan=False)
        fallback = Order(
            id=placed.order_id,
            symbol=unified,
            intent=request.intent,
            order_type=request.order_type,
            status=OrderStatus.PENDING,
            amount=size,
            price=None if market else price,
            client_order_id=client_oid,
            time_in_force=TimeInForce.IOC if market else request.time_in_force,
            take_profit_price=take_profit,
            stop_loss_price=stop_loss,
            raw=placed.model_dump(mode="json"),
        )
        return await self._detail_or(placed.order_id, fallback)

    async def cancel_order(
        self, symbol: str, *, order_id: str | None = None, client_order_id: str | None = None
    ) -> CancelResult:
        if order_id is None and client_order_id is None:
            raise InvalidOrderError("cancel_order needs order_id or client_order_id", venue=VENUE_NAME)
        venue_symbol = self._venue_symbol(symbol)
        try:
            result = await self.client.post_order_cancel_order(
                order_id=order_id, client_oid=client_order_id, symbol=venue_symbol
            )
        except UnknownOrderOutcomeError:
            order = await self.fetch_order(symbol, order_id=order_id, client_order_id=client_order_id)
            if order.status is OrderStatus.CANCELED:
                return CancelResult(order.id, order.client_order_id, True, "confirmed after a lost answer")
            raise
        return cancel_result(result, order_id, client_order_id)

    async def fetch_order(
        self, symbol: str, *, order_id: str | None = None, client_order_id: str | None = None
    ) -> Order:
        venue_symbol = self._venue_symbol(symbol)
        if order_id is not None:
            return parse_order(await self.client.get_order_detail(order_id))
        if client_order_id is None:
            raise InvalidOrderError("fetch_order needs order_id or client_order_id", venue=VENUE_NAME)
        found = await self._find_by_client_oid(venue_symbol, client_order_id, plan=False)
        if found is None:
            raise OrderNotFoundError(
                f"{venue_symbol}: no open or recent order with client id {client_order_id}", venue=VENUE_NAME
            )
        return found

    async def fetch_open_orders(self, symbol: str | None = None) -> list[Order]:
        venue_symbol = None if symbol is None else self._venue_symbol(symbol)
        orders: list[Order] = []
        for page in range(MAX_PAGES):
            rows = await self.client.get_order_current(venue_symbol, limit=PAGE_SIZE, page=page)
            orders.extend(parse_order(row) for row in rows)
            if len(rows) < PAGE_SIZE:
                break
        return orders

    async def fetch_my_trades(
        self,
        symbol: str,
        *,
        order_id: str | None = None,
        since: int | None = None,
        limit: int | None = None,
    ) -> list[Trade]:
        page = await self.client.get_order_fills(
            self._venue_symbol(symbol),
            order_id=order_id,
            start_time=since,
            limit=None if limit is None else min(limit, 100),
        )
        # fills of one instant (a frozen clock, one order sweeping levels) keep their venue sequence
        trades = sorted(
            (parse_trade(f) for f in page.fills),
            key=lambda t: (t.timestamp or 0, int(t.id) if t.id.isdigit() else 0),
        )
        return trades if limit is None else trades[-limit:]

    async def upload_ai_log(self, log: AiLog) -> None:
        await self.client.post_order_upload_ai_log(
            log.stage, log.model, log.input, log.output, log.explanation, order_id=log.order_id
        )

    # ------------------------------------------------------------ extras a bot needs

    async def close_positions(self, *, symbol: str | None = None) -> list[PositionCloseResult]:
        """Market-close every position of `symbol` (all symbols when None). A lost answer raises
        `UnknownOrderOutcomeError`: check `fetch_positions` before doing anything else."""
        venue_symbol = None if symbol is None else self._venue_symbol(symbol)
        rows = await self.client.post_order_close_positions(venue_symbol)
        return [
            PositionCloseResult(
                position_id=row.positionId,
                order_id=row.successOrderId if row.successOrderId not in (None, "0") else None,
                success=row.success,
                message=row.errorMessage or "",
            )
            for row in rows
        ]

    async def cancel_all_orders(
        self, *, symbol: str | None = None, trigger: bool = False
    ) -> list[CancelResult]:
        """Cancel all normal orders (or, with `trigger=True`, all trigger and TP/SL orders)."""
        venue_symbol = None if symbol is None else self._venue_symbol(symbol)
        rows = await self.client.post_order_cancel_all_orders("plan" if trigger else "normal", venue_symbol)
        return [CancelResult(row.orderId, None, row.success) for row in rows]

    async def create_trigger_order(
        self,
        *,
        symbol: str,
        intent: OrderIntent,
        amount: Decimal,
        trigger_price: Decimal,
        price: Decimal | None = None,
        client_order_id: str | None = None,
    ) -> Order:
        """A plan order: when the last price reaches `trigger_price`, place a limit order at `price`
        (a market order when `price` is None)."""
        unified = self._tradable(symbol)
        client_oid = self._client_oid(client_order_id)
        instrument = await self.instrument(unified)
        market = price is None
        size = self._round_size(instrument, amount, market_open=market and not intent.reduce_only)
        trigger = self._round_price(instrument, trigger_price, intent.side)
        execute = trigger if price is None else self._round_price(instrument, price, intent.side)
        try:
            placed = await self.client.post_order_plan_order(
                instrument.venue_symbol,
                client_oid,
                size,
                INTENT_TO_TYPE[intent],
                "1" if market else "0",
                execute,
                trigger,
                margin_mode=MARGIN_MODE_CODES[self.margin_mode],
            )
        except UnknownOrderOutcomeError as exc:
            found = await self._resolve_outcome(instrument.venue_symbol, client_oid, exc, plan=True)
            return replace(found, trigger_kind=TriggerKind.PLAN)
        return Order(
            id=placed.order_id,
            symbol=unified,
            intent=intent,
            order_type=OrderType.MARKET if market else OrderType.LIMIT,
            status=OrderStatus.UNTRIGGERED,
            amount=size,
            price=None if market else execute,
            client_order_id=client_oid,
            trigger_price=trigger,
            trigger_kind=TriggerKind.PLAN,
            raw={**placed.model_dump(mode="json"), "triggerPrice": str(trigger)},
        )

    async def create_tpsl_order(
        self,
        *,
        symbol: str,
        position_side: PositionSide,
        kind: Literal["take_profit", "stop_loss"],
        trigger_price: Decimal,
        amount: Decimal,
        price: Decimal | None = None,
        client_order_id: str | None = None,
    ) -> Order:
        """Take-profit or stop-loss protecting the `position_side` position (market when no `price`)."""
        unified = self._tradable(symbol)
        client_oid = self._client_oid(client_order_id)
        instrument = await self.instrument(unified)
        intent = OrderIntent.closing(position_side)
        trigger_kind = TriggerKind.TAKE_PROFIT if kind == "take_profit" else TriggerKind.STOP_LOSS
        size = self._round_size(instrument, amount, market_open=False)
        trigger = self._round_price(instrument, trigger_price, intent.side)
        execute = None if price is None else self._round_price(instrument, price, intent.side)
        try:
            rows = await self.client.post_order_place_tp_sl_order(
                instrument.venue_symbol,
                client_oid,
                "profit_plan" if kind == "take_profit" else "loss_plan",
                trigger,
                size,
                position_side.value,
                execute_price=execute,
                margin_mode=MARGIN_MODE_CODES[self.margin_mode],
            )
        except UnknownOrderOutcomeError as exc:
            found = await self._resolve_outcome(instrument.venue_symbol, client_oid, exc, plan=True)
            return replace(found, trigger_kind=trigger_kind)
        row = rows[0] if rows else None
        if row is None or not row.success or row.orderId in (None, "0"):
            raise ExchangeRejectedError(f"{unified}: WEEX did not accept the {kind} order", venue=VENUE_NAME)
        return Order(
            id=row.orderId,
            symbol=unified,
            intent=intent,
            order_type=OrderType.MARKET if execute is None else OrderType.LIMIT,
            status=OrderStatus.UNTRIGGERED,
            amount=size,
            price=execute,
            client_order_id=client_oid,
            trigger_price=trigger,
            trigger_kind=trigger_kind,
            raw={**row.model_dump(mode="json"), "triggerPrice": str(trigger)},
        )

    # ------------------------------------------------------------ venue-side exits (the port)

    async def create_stop_loss(
        self,
        symbol: str,
        position_side: PositionSide,
        *,
        trigger_price: Decimal,
        amount: Decimal,
        client_order_id: str | None = None,
    ) -> Order:
        """A market `loss_plan` on the position (`placeTpSlOrder`); WEEX cancels it when the
        position is closed. The trigger is rounded on the exit side (a long's stop up, a short's
        down) and the size floored to the step."""
        return await self.create_tpsl_order(
            symbol=symbol,
            position_side=position_side,
            kind="stop_loss",
            trigger_price=trigger_price,
            amount=amount,
            client_order_id=client_order_id,
        )

    async def cancel_trigger_order(self, symbol: str, order_id: str) -> CancelResult:
        """Cancel a plan or TP/SL order by id (`cancel_plan`; WEEX needs no symbol, it is only
        checked for spelling)."""
        self._venue_symbol(symbol)
        result = await self.client.post_order_cancel_plan(order_id)
        return cancel_result(result, order_id, None)

    async def fetch_trigger_orders(self, symbol: str | None = None) -> list[Order]:
        """Open trigger orders, preset and position TP/SL included, with `trigger_price` and
        `trigger_kind`. WEEX does not say which rows are TP/SL (spec 7.35): a closing row is
        classified against its symbol's last price (`parse.trigger_kind_of`), which costs one
        ticker request per symbol that has closing rows."""
        venue_symbol = None if symbol is None else self._venue_symbol(symbol)
        rows: list[PlanOrderWire] = []
        for page in range(MAX_PAGES):
            batch = await self.client.get_order_current_plan(venue_symbol, limit=PAGE_SIZE, page=page)
            rows.extend(batch)
            if len(batch) < PAGE_SIZE:
                break
        closing = sorted({row.symbol for row in rows if row.type not in _OPENING_PLAN_TYPES})
        last_prices = {s: (await self.client.get_market_ticker(s)).last for s in closing}
        return [parse_plan_order(row, last_price=last_prices.get(row.symbol)) for row in rows]
