"""`WooxVenue`: the WOO X domain client, implementing the `Venue` port (venues/base.py).

Speaks unified symbols (`BTC/USDT:USDT`) and domain types; below it `WooxHttpClient` speaks the wire.
The same competition rules as on WEEX are enforced here before any request: only the allowed
symbols, leverage at most the configured cap (<= 20). Sizes are floored to the lot step and prices
rounded to the tick (buys down, sells up) before the venue's limits are checked.

The port's hedge-mode intents map one to one onto WOO X's HEDGE_MODE (`side` + `positionSide`), the
default; in ONE_WAY mode closes become reduce-only orders. The account is switched to the configured
mode before the first order (`ensure_position_mode`).

Client order ids are integers on WOO X: a decimal id is sent as it is, any other text as a stable
63-bit hash of it (`parse.wire_client_id`); orders placed by this object report the caller's text.

A placement whose answer was lost (timeout, disconnect, 5xx) is never re-sent: the order is looked up
by its client order id a bounded number of times; found -> returned, not found ->
`UnknownOrderOutcomeError` carrying the client id for reconciliation.

WOO X has no AI-log endpoint: `upload_ai_log` appends the log as one JSON line to `ai_log_file`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from alphaloop.model import (
    COMPETITION_MAX_LEVERAGE,
    COMPETITION_SYMBOLS,
    AiLog,
    Balance,
    CancelResult,
    Candle,
    FundingRate,
    InvalidOrderError,
    MarginMode,
    Order,
    OrderBook,
    OrderNotFoundError,
    OrderRequest,
    OrderStatus,
    OrderType,
    Position,
    SymbolNotAllowedError,
    Ticker,
    TimeInForce,
    Trade,
    UnknownOrderOutcomeError,
)
from alphaloop.model.instruments import to_unified_symbol
from alphaloop.venues.woox.constants import (
    DEFAULT_AI_LOG_FILE,
    KLINE_DEFAULT_LIMIT,
    KLINE_MAX_LIMIT,
    MAX_PAGE_SIZE,
    PRODUCTION_BASE_URL,
    VENUE_NAME,
)
from alphaloop.venues.woox.http import WooxHttpClient
from alphaloop.venues.woox.parse import (
    TIF_TO_TYPE,
    TIMEFRAME_TO_KLINE,
    PositionMode,
    parse_balance,
    parse_candles,
    parse_funding_history,
    parse_funding_rate,
    parse_order,
    parse_order_book,
    parse_positions,
    parse_ticker,
    parse_trades,
    side_fields,
)
from alphaloop.venues.woox.venue_algo import WooxAlgoOrders
from alphaloop.venues.woox.venue_core import MAX_PAGES

if TYPE_CHECKING:
    # alphaloop.config imports this package's constants: a runtime import would be circular
    from alphaloop.config import WooxCredentials, WooxSettings

#: Book depths clients use with `maxLevel` (spec 4.1); the smallest one covering a request is asked.
BOOK_DEPTHS = (25, 50, 200, 500)
#: Pages of klineHistory one fetch_ohlcv may read (1000 candles each).
MAX_KLINE_PAGES = 50


class WooxVenue(WooxAlgoOrders):
    """WOO X USDT-margined perpetuals as a `Venue`."""

    @classmethod
    def create(
        cls,
        base_url: str = PRODUCTION_BASE_URL,
        credentials: WooxCredentials | None = None,
        *,
        timeout: float = 10.0,
        position_mode: PositionMode = "HEDGE_MODE",
        ai_log_file: Path | None = Path(DEFAULT_AI_LOG_FILE),
        allowed_symbols: Iterable[str] = COMPETITION_SYMBOLS,
        max_leverage: int = COMPETITION_MAX_LEVERAGE,
    ) -> WooxVenue:
        """A venue over a fresh `WooxHttpClient` with the real clock and network."""
        client = WooxHttpClient(base_url, credentials, timeout=timeout)
        return cls(
            client,
            allowed_symbols=allowed_symbols,
            max_leverage=max_leverage,
            position_mode=position_mode,
            ai_log_file=ai_log_file,
        )

    @classmethod
    def from_settings(
        cls,
        settings: WooxSettings,
        credentials: WooxCredentials | None,
        *,
        base_url: str | None = None,
        allowed_symbols: Iterable[str] = COMPETITION_SYMBOLS,
        max_leverage: int = COMPETITION_MAX_LEVERAGE,
    ) -> WooxVenue:
        """A venue configured by the `[woox]` settings section (`base_url` overrides its host)."""
        return cls.create(
            base_url or settings.base_url,
            credentials,
            timeout=settings.timeout_seconds,
            position_mode=settings.position_mode,
            ai_log_file=settings.ai_log_file,
            allowed_symbols=allowed_symbols,
            max_leverage=max_leverage,
        )

    # ------------------------------------------------------------ market data

    async def fetch_time(self) -> int:
        return await self.client.server_time()

    async def fetch_ohlcv(
        self,
        symbol: str,
        timeframe: str = "1h",
        *,
        since: int | None = None,
        until: int | None = None,
        limit: int | None = None,
    ) -> list[Candle]:
        """Candles oldest first. No bounds: the latest `limit` (default 100). `since`: the first
        `limit` candles opening at or after it (all up to `until` when only `until` bounds them).
        `until` alone: the last `limit` opening at or before it. Pages through klineHistory, so any
        range can be asked; a data downloader may call it repeatedly with `since` = last + 1."""
        kline_type = TIMEFRAME_TO_KLINE.get(timeframe)
        if kline_type is None:
            raise ValueError(f"timeframe {timeframe!r} is not one of {', '.join(TIMEFRAME_TO_KLINE)}")
        if limit is not None and limit < 1:
            raise ValueError("limit must be at least 1")
        venue_symbol = self._venue_symbol(symbol)
        if since is None and until is None:
            wanted = min(limit or KLINE_DEFAULT_LIMIT, KLINE_MAX_LIMIT)
            page = await self.client.get_public_kline(venue_symbol, kline_type, limit=wanted)
            return parse_candles(page.rows)[-wanted:]
        if since is not None:
            forward = limit if limit is not None else (None if until is not None else KLINE_DEFAULT_LIMIT)
            return await self._ohlcv_forward(venue_symbol, kline_type, since, until, forward)
        assert until is not None
        return await self._ohlcv_backward(venue_symbol, kline_type, until, limit or KLINE_DEFAULT_LIMIT)

    async def _ohlcv_forward(
        self, venue_symbol: str, kline_type: str, since: int, until: int | None, wanted: int | None
    ) -> list[Candle]:
        collected: dict[int, Candle] = {}
        cursor = since - 1  # `after` is exclusive
        for _ in range(MAX_KLINE_PAGES):
            size = KLINE_MAX_LIMIT if wanted is None else min(wanted - len(collected), KLINE_MAX_LIMIT)
            page = await self.client.get_public_kline_history(
                venue_symbol, kline_type, after=cursor, limit=size
            )
            fresh = [c for c in parse_candles(page.rows) if c.timestamp > cursor]
            if not fresh:
                break
            for candle in fresh:
                if until is None or candle.timestamp <= until:
                    collected[candle.timestamp] = candle
            cursor = fresh[-1].timestamp
            if (wanted is not None and len(collected) >= wanted) or (until is not None and cursor >= until):
                break
        candles = [collected[ts] for ts in sorted(collected)]
        return candles if wanted is None else candles[:wanted]

    async def _ohlcv_backward(
        self, venue_symbol: str, kline_type: str, until: int, wanted: int
    ) -> list[Candle]:
        collected: dict[int, Candle] = {}
        cursor = until + 1  # `before` is exclusive
        for _ in range(MAX_KLINE_PAGES):
            size = min(wanted - len(collected), KLINE_MAX_LIMIT)
            page = await self.client.get_public_kline_history(
                venue_symbol, kline_type, before=cursor, limit=size
            )
            fresh = [c for c in parse_candles(page.rows) if c.timestamp < cursor]
            if not fresh:
                break
            collected.update((c.timestamp, c) for c in fresh)
            cursor = fresh[0].timestamp
            if len(collected) >= wanted:
                break
        return [collected[ts] for ts in sorted(collected)][-wanted:]

    async def fetch_ticker(self, symbol: str) -> Ticker:
        """`/v3/public/futures` (last = 24hClose, mark, index, 24 h stats) plus the order book's top
        level for bid/ask, which the futures row does not carry."""
        venue_symbol = self._venue_symbol(symbol)
        futures, book = await asyncio.gather(
            self.client.get_public_futures(venue_symbol),
            self.client.get_public_orderbook(venue_symbol, BOOK_DEPTHS[0]),
        )
        row = next((r for r in futures.rows if r.symbol == venue_symbol), None)
        if row is None:
            raise SymbolNotAllowedError(f"WOO X reports no ticker for {venue_symbol}", venue=VENUE_NAME)
        top = parse_order_book(to_unified_symbol(symbol), book, limit=1)
        return parse_ticker(
            row,
            bid=top.bids[0][0] if top.bids else None,
            ask=top.asks[0][0] if top.asks else None,
            timestamp=book.timestamp,
        )

    async def fetch_order_book(self, symbol: str, *, limit: int | None = None) -> OrderBook:
        wanted = limit or 50
        depth = next((d for d in BOOK_DEPTHS if d >= wanted), BOOK_DEPTHS[-1])
        book = await self.client.get_public_orderbook(self._venue_symbol(symbol), depth)
        return parse_order_book(to_unified_symbol(symbol), book, timestamp=book.timestamp, limit=limit)

    async def fetch_funding_rate(self, symbol: str) -> FundingRate:
        venue_symbol = self._venue_symbol(symbol)
        rows = (await self.client.get_public_funding_rate(venue_symbol)).rows
        row = next((r for r in rows if r.symbol == venue_symbol), None)
        if row is None:
            raise SymbolNotAllowedError(f"WOO X reports no funding rate for {venue_symbol}", venue=VENUE_NAME)
        return parse_funding_rate(row)

    async def fetch_funding_rate_history(self, symbol: str, *, limit: int | None = None) -> list[FundingRate]:
        """The latest settled rates, oldest first."""
        size = min(limit or 25, MAX_PAGE_SIZE)
        page = await self.client.get_public_funding_rate_history(
            self._venue_symbol(symbol), page=1, size=size
        )
        return parse_funding_history(page.rows)[-size:]

    # ------------------------------------------------------------ account

    async def fetch_balance(self) -> Balance:
        """USDT wallet and availability from `/v3/asset/balances`; equity adds the positions'
        unrealised PnL (read in the same breath from `/v3/futures/positions`)."""
        balances, positions = await asyncio.gather(
            self.client.get_asset_balances(), self.client.get_futures_positions()
        )
        return parse_balance(balances, parse_positions(positions.positions))

    async def fetch_positions(self, symbols: Sequence[str] | None = None) -> list[Position]:
        wanted = None if symbols is None else {to_unified_symbol(s) for s in symbols}
        only = self._venue_symbol(next(iter(wanted))) if wanted is not None and len(wanted) == 1 else None
        rows = (await self.client.get_futures_positions(only)).positions
        return [p for p in parse_positions(rows) if wanted is None or p.symbol in wanted]

    async def set_leverage(
        self, symbol: str, leverage: int, *, margin_mode: MarginMode = MarginMode.CROSS
    ) -> None:
        """Set the symbol's leverage for `margin_mode`; later orders of the symbol use that margin
        mode (WOO X chooses it per order, so nothing has to be switched first)."""
        unified = self._leverage_allowed(symbol, leverage)
        self._margin_modes[unified] = margin_mode
        await self.client.put_futures_leverage(
            self._venue_symbol(unified), leverage, margin_mode.value.upper()
        )

    async def set_position_mode(self, position_mode: PositionMode) -> None:
        """Switch the account between HEDGE_MODE and ONE_WAY now (refused with open positions/orders)."""
        await self.client.put_futures_position_mode(position_mode)
        self.position_mode = position_mode
        self._mode_checked = True

    # ------------------------------------------------------------ orders

    async def create_order(self, request: OrderRequest) -> Order:
        """Place an ordinary order; with `take_profit_price` / `stop_loss_price` a BRACKET algo order
        (entry + positional TP/SL), returned with its `algoOrderId` as `id`."""
        unified = self._tradable(request.symbol)
        instrument = await self.instrument(unified)
        client_id = self._client_id(request.client_order_id)
        size = self._round_size(instrument, request.amount)
        market = request.order_type is OrderType.MARKET
        if market:
            price = None
        elif request.price is None:
            raise InvalidOrderError(f"{unified}: a limit order needs a price", venue=VENUE_NAME)
        else:
            price = self._round_price(instrument, request.price, request.side)
        if request.take_profit_price is not None or request.stop_loss_price is not None:
            if request.intent.reduce_only:
                raise InvalidOrderError("take-profit / stop-loss go with opening orders", venue=VENUE_NAME)
            return await self._create_bracket(request, instrument, size, price, client_id)
        await self.ensure_position_mode()
        side, position_side, reduce_only = side_fields(request.intent, self.position_mode)
        try:
            placed = await self.client.post_trade_order(
                instrument.venue_symbol,
                side,
                "MARKET" if market else TIF_TO_TYPE[request.time_in_force],
                quantity=size,
                price=price,
                client_order_id=client_id,
                reduce_only=reduce_only,
                position_side=position_side,
                margin_mode=self._margin_wire(unified),
            )
        except UnknownOrderOutcomeError as exc:
            return await self._resolve_outcome(
                instrument.venue_symbol, client_id, exc, self._order_by_client_id
            )
        fallback = Order(
            id=placed.orderId,
            symbol=unified,
            intent=request.intent,
            order_type=request.order_type,
            status=OrderStatus.PENDING,
            amount=size,
            price=price,
            client_order_id=request.client_order_id or str(client_id),
            time_in_force=TimeInForce.IOC if market else request.time_in_force,
            raw=placed.model_dump(mode="json"),
        )
        return await self._detail_or(placed.orderId, fallback)

    async def _order_by_client_id(self, client_id: int) -> Order:
        order = parse_order(
            await self.client.get_trade_order(client_order_id=client_id, with_realized_pnl=True)
        )
        return replace(order, client_order_id=self._client_texts.get(str(client_id), str(client_id)))

    async def cancel_order(
        self, symbol: str, *, order_id: str | None = None, client_order_id: str | None = None
    ) -> CancelResult:
        """Cancel an ordinary order (or, by id, an algo order such as a bracket). A finished order
        gives `success=False`; an unknown one raises `OrderNotFoundError`."""
        if order_id is None and client_order_id is None:
            raise InvalidOrderError("cancel_order needs order_id or client_order_id", venue=VENUE_NAME)
        venue_symbol = self._venue_symbol(symbol)
        client_id = None if client_order_id is None else self._client_id(client_order_id)
        try:
            ack = await self.client.delete_trade_order(
                venue_symbol, order_id=order_id, client_order_id=client_id
            )
        except UnknownOrderOutcomeError:
            order = await self.fetch_order(symbol, order_id=order_id, client_order_id=client_order_id)
            if order.status is OrderStatus.CANCELED:
                return CancelResult(order.id, order.client_order_id, True, "confirmed after a lost answer")
            raise
        except OrderNotFoundError:
            # -1006 means "not found or already finished": tell the two apart
            order = await self.fetch_order(symbol, order_id=order_id, client_order_id=client_order_id)
            if order.status.is_final:
                return CancelResult(order.id, order.client_order_id, False, f"order already {order.status}")
            if order.status is OrderStatus.UNTRIGGERED:
                return await self.cancel_algo_order(order.id)
            raise
        return CancelResult(order_id, client_order_id, True, ack.status or "CANCEL_SENT")

    async def fetch_order(
        self, symbol: str, *, order_id: str | None = None, client_order_id: str | None = None
    ) -> Order:
        """An ordinary order by id or client id; an id that is no ordinary order is looked up among
        the algo orders (the ids `create_order` returns for brackets)."""
        self._venue_symbol(symbol)  # validates the symbol spelling
        if order_id is None and client_order_id is None:
            raise InvalidOrderError("fetch_order needs order_id or client_order_id", venue=VENUE_NAME)
        client_id = None if client_order_id is None else self._client_id(client_order_id)
        try:
            wire = await self.client.get_trade_order(
                order_id=order_id, client_order_id=client_id, with_realized_pnl=True
            )
            order = self._restore(parse_order(wire))
        except OrderNotFoundError:
            if order_id is None:
                if client_id is None:
                    raise
                # an entry with a stop-loss is a BRACKET algo order: known by its client algo id
                found = await self._algo_by_client_id(client_id)
                return replace(found, client_order_id=client_order_id)
            try:
                return await self.fetch_algo_order(order_id)
            except OrderNotFoundError:
                pass
            raise
        if client_order_id is not None:
            order = replace(order, client_order_id=client_order_id)
        return order

    async def fetch_open_orders(self, symbol: str | None = None) -> list[Order]:
        return await self._orders(symbol, "INCOMPLETE")

    async def fetch_closed_orders(
        self, symbol: str | None = None, *, since: int | None = None, limit: int | None = None
    ) -> list[Order]:
        """Finished orders (filled, cancelled, rejected), oldest first."""
        orders = await self._orders(symbol, "COMPLETED", since=since)
        orders.sort(key=lambda o: o.timestamp or 0)
        return orders if limit is None else orders[-limit:]

    async def _orders(self, symbol: str | None, status: str, *, since: int | None = None) -> list[Order]:
        venue_symbol = None if symbol is None else self._venue_symbol(symbol)
        orders: list[Order] = []
        for page in range(1, MAX_PAGES + 1):
            result = await self.client.get_trade_orders(
                venue_symbol,
                status=status,
                start_time=since,
                page=page,
                size=MAX_PAGE_SIZE,
                with_realized_pnl=True,
            )
            orders.extend(self._restore(parse_order(row)) for row in result.rows)
            if len(result.rows) < MAX_PAGE_SIZE:
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
        """Our fills, oldest first. WOO X cannot filter fills by order: with `order_id` the window
        starts at the order's creation and the rows are filtered here. Fills carry ordinary order
        ids: those of a bracket's entry are not found by the bracket's algo id."""
        venue_symbol = self._venue_symbol(symbol)
        start = since
        if order_id is not None and start is None:
            try:
                start = (await self.client.get_trade_order(order_id=order_id)).createdTime
            except OrderNotFoundError:
                start = None
        page = await self.client.get_trade_transaction_history(
            venue_symbol, start_time=start, limit=min(limit or MAX_PAGE_SIZE, MAX_PAGE_SIZE)
        )
        trades = [t for t in parse_trades(page.rows) if order_id is None or t.order_id == order_id]
        return trades if limit is None else trades[-limit:]

    async def upload_ai_log(self, log: AiLog) -> None:
        """WOO X has no AI-log endpoint (the spec documents none): the log is appended as one JSON
        line to `ai_log_file` (settings `woox.ai_log_file`), nothing is sent to the venue."""
        await self._append_ai_log(log)

    # ------------------------------------------------------------ extras a bot needs

    async def edit_order(
        self, symbol: str, order_id: str, *, price: Decimal | None = None, amount: Decimal | None = None
    ) -> CancelResult:
        """Change price and/or size of an open order; the venue only acknowledges (`EDIT_SENT`)."""
        instrument = await self.instrument(symbol)
        current = await self.fetch_order(symbol, order_id=order_id)
        new_price = None if price is None else self._round_price(instrument, price, current.side)
        new_size = None if amount is None else self._round_size(instrument, amount)
        ack = await self.client.put_trade_order(order_id=order_id, price=new_price, quantity=new_size)
        return CancelResult(order_id, current.client_order_id, True, ack.status or "EDIT_SENT")

    async def cancel_all_orders(self, *, symbol: str | None = None, include_algo: bool = False) -> None:
        """Cancel open ordinary orders (and algo orders with `include_algo`) of a symbol or of all."""
        venue_symbol = None if symbol is None else self._venue_symbol(symbol)
        if include_algo and venue_symbol is not None:
            await self.client.delete_trade_all_orders(venue_symbol)
            return
        await self.client.delete_trade_orders(venue_symbol)
        if include_algo:
            await self.client.delete_trade_algo_orders(venue_symbol)

    async def set_cancel_all_after(self, milliseconds: int) -> int | None:
        """Dead-man switch: cancel everything unless called again within `milliseconds` (0 = off).
        Returns the venue's expected trigger time (VIP-only per the docs)."""
        return (await self.client.post_trade_cancel_all_after(milliseconds)).expectedTriggerTime


__all__ = ["BOOK_DEPTHS", "WooxVenue"]
