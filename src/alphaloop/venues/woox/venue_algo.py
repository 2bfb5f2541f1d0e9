"""Algo orders of `WooxVenue`: STOP, TRAILING_STOP, TP_SL, POSITIONAL_TP_SL and BRACKET (an entry
with take-profit / stop-loss, which is how `create_order` places an `OrderRequest` that carries
`take_profit_price` or `stop_loss_price`).

Every algo order comes back as an `Order` whose `id` is the `algoOrderId` and whose status is
UNTRIGGERED until it fires; trigger, callback and activation prices stay in `raw`.

The port's venue-side exits see the same orders as triggers: `fetch_trigger_orders` lists every
algo order that fires at a price of its own -- a STOP or TRAILING_STOP (PLAN), a TAKE_PROFIT /
STOP_LOSS leg of a TP_SL, POSITIONAL_TP_SL or filled BRACKET (under the leg's own `algoOrderId`)
-- and `create_stop_loss` places a TP_SL with one STOP_LOSS leg and returns that leg, so its id is
the one listed and the one `cancel_trigger_order` takes. A TP/SL protects its position and goes
with it when the position closes (the simulator cancels it then, as WEEX does).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any, Literal

from alphaloop.model import (
    CancelResult,
    Instrument,
    InvalidOrderError,
    Order,
    OrderIntent,
    OrderNotFoundError,
    OrderRequest,
    OrderStatus,
    OrderType,
    PositionSide,
    Side,
    TransientError,
    TriggerKind,
    UnknownOrderOutcomeError,
)
from alphaloop.model.instruments import format_decimal
from alphaloop.venues.woox.constants import MAX_PAGE_SIZE, VENUE_NAME
from alphaloop.venues.woox.parse import (
    order_fields,
    parse_algo_order,
    parse_positions,
    parse_trigger_orders,
    side_fields,
)
from alphaloop.venues.woox.schemas import AlgoOrderWire, AlgoPlaceRow
from alphaloop.venues.woox.venue_core import MAX_PAGES, WooxVenueCore

logger = logging.getLogger("alphaloop.venues.woox")

TriggerPriceType = Literal["MARKET_PRICE", "MARK_PRICE"]


def _root(rows: Sequence[AlgoPlaceRow], algo_type: str) -> AlgoPlaceRow | None:
    """The row of the order we asked for: children are listed too, in no documented order."""
    for row in rows:
        if row.algoType.upper() == algo_type:
            return row
    return min(rows, key=lambda r: int(r.algoOrderId) if r.algoOrderId.isdigit() else 0, default=None)


class WooxAlgoOrders(WooxVenueCore):
    """Conditional orders; see the module docstring."""

    # ------------------------------------------------------------ placing

    def _leg(
        self,
        kind: Literal["TAKE_PROFIT", "STOP_LOSS"],
        position_side: PositionSide,
        trigger_price: Decimal,
        *,
        quantity: Decimal | None,
        symbol: str,
    ) -> dict[str, Any]:
        """One TP/SL leg closing `position_side`: the whole position (CLOSE_POSITION) or `quantity`."""
        leg: dict[str, Any] = {
            "symbol": symbol,
            "algoType": kind,
            "type": "CLOSE_POSITION" if quantity is None else "MARKET",
            "triggerPrice": format_decimal(trigger_price),
            **order_fields(OrderIntent.closing(position_side), self.position_mode),
        }
        if quantity is not None:
            leg["quantity"] = format_decimal(quantity)
        return leg

    def _exit_price(self, instrument: Instrument, position_side: PositionSide, price: Decimal) -> Decimal:
        exit_side = Side.SELL if position_side is PositionSide.LONG else Side.BUY
        return self._round_price(instrument, price, exit_side)

    async def _place_algo(
        self,
        unified: str,
        client_id: int,
        algo_type: str,
        fallback: Order,
        **fields: Any,
    ) -> Order:
        await self.ensure_position_mode()
        venue_symbol = self._venue_symbol(unified)
        try:
            result = await self.client.post_trade_algo_order(
                venue_symbol, algo_type, client_algo_order_id=client_id, **fields
            )
        except UnknownOrderOutcomeError as exc:
            return await self._resolve_outcome(venue_symbol, client_id, exc, self._algo_by_client_id)
        root = _root(result.rows, algo_type)
        if root is None:
            raise InvalidOrderError(f"{unified}: WOO X created no {algo_type} order", venue=VENUE_NAME)
        placed = replace(fallback, id=root.algoOrderId, raw=root.model_dump(mode="json"))
        try:
            return await self.fetch_algo_order(root.algoOrderId)
        except (TransientError, OrderNotFoundError) as exc:
            logger.warning("algo order %s placed but not readable yet (%s)", root.algoOrderId, exc)
            return placed

    async def _algo_by_client_id(self, client_id: int) -> Order:
        wire = await self.client.get_trade_algo_order(client_algo_order_id=client_id)
        order = parse_algo_order(wire)
        return replace(order, client_order_id=self._client_texts.get(str(client_id), str(client_id)))

    async def create_stop_order(
        self,
        *,
        symbol: str,
        intent: OrderIntent,
        amount: Decimal,
        trigger_price: Decimal,
        price: Decimal | None = None,
        trigger_price_type: TriggerPriceType = "MARKET_PRICE",
        client_order_id: str | None = None,
    ) -> Order:
        """STOP: when the last (or mark) price reaches `trigger_price`, place a market order, or a
        limit order at `price`."""
        unified = self._tradable(symbol)
        instrument = await self.instrument(unified)
        client_id = self._client_id(client_order_id)
        size = self._round_size(instrument, amount)
        trigger = self._round_price(instrument, trigger_price, intent.side)
        limit = None if price is None else self._round_price(instrument, price, intent.side)
        fallback = self._pending(unified, intent, size, limit, client_order_id, client_id)
        return await self._place_algo(
            unified,
            client_id,
            "STOP",
            fallback,
            type="MARKET" if limit is None else "LIMIT",
            quantity=size,
            price=limit,
            trigger_price=trigger,
            trigger_price_type=trigger_price_type,
            margin_mode=self._margin_wire(unified),
            **self._side_fields(intent),
        )

    async def create_trailing_stop_order(
        self,
        *,
        symbol: str,
        intent: OrderIntent,
        amount: Decimal,
        callback_rate: Decimal | None = None,
        callback_value: Decimal | None = None,
        activated_price: Decimal | None = None,
        client_order_id: str | None = None,
    ) -> Order:
        """TRAILING_STOP: a market order once the price retraces `callback_rate` (a fraction,
        0.05 = 5 %) or `callback_value` (a price distance) from its best level since activation
        (from placement, or from when the price reaches `activated_price`)."""
        if (callback_rate is None) == (callback_value is None):
            raise InvalidOrderError("a trailing stop needs exactly one of callback_rate, callback_value")
        if callback_rate is not None and not 0 < callback_rate < 1:
            raise InvalidOrderError(f"callback_rate {callback_rate} must be a fraction between 0 and 1")
        if callback_value is not None and callback_value <= 0:
            raise InvalidOrderError(f"callback_value {callback_value} must be positive")
        unified = self._tradable(symbol)
        instrument = await self.instrument(unified)
        client_id = self._client_id(client_order_id)
        size = self._round_size(instrument, amount)
        activation = None
        if activated_price is not None:
            activation = self._round_price(instrument, activated_price, intent.side)
        fallback = self._pending(unified, intent, size, None, client_order_id, client_id)
        return await self._place_algo(
            unified,
            client_id,
            "TRAILING_STOP",
            fallback,
            type="MARKET",
            quantity=size,
            callback_rate=callback_rate,
            callback_value=callback_value,
            activated_price=activation,
            margin_mode=self._margin_wire(unified),
            **self._side_fields(intent),
        )

    async def create_tpsl_order(
        self,
        *,
        symbol: str,
        position_side: PositionSide,
        take_profit_price: Decimal | None = None,
        stop_loss_price: Decimal | None = None,
        amount: Decimal | None = None,
        client_order_id: str | None = None,
    ) -> Order:
        """Take-profit and/or stop-loss protecting the `position_side` position: for `amount`
        (TP_SL), or for the whole position when `amount` is None (POSITIONAL_TP_SL, at most one per
        symbol and side: a new one replaces the old)."""
        if take_profit_price is None and stop_loss_price is None:
            raise InvalidOrderError("a TP/SL order needs take_profit_price or stop_loss_price")
        unified = self._tradable(symbol)
        instrument = await self.instrument(unified)
        client_id = self._client_id(client_order_id)
        size = None if amount is None else self._round_size(instrument, amount)
        venue_symbol = instrument.venue_symbol
        legs = []
        if take_profit_price is not None:
            price = self._exit_price(instrument, position_side, take_profit_price)
            legs.append(self._leg("TAKE_PROFIT", position_side, price, quantity=size, symbol=venue_symbol))
        if stop_loss_price is not None:
            price = self._exit_price(instrument, position_side, stop_loss_price)
            legs.append(self._leg("STOP_LOSS", position_side, price, quantity=size, symbol=venue_symbol))
        intent = OrderIntent.closing(position_side)
        algo_type = "POSITIONAL_TP_SL" if size is None else "TP_SL"
        fallback = self._pending(unified, intent, size or Decimal(0), None, client_order_id, client_id)
        extra: dict[str, Any] = {} if size is None else {"quantity": size, **self._side_fields(intent)}
        return await self._place_algo(
            unified,
            client_id,
            algo_type,
            fallback,
            margin_mode=self._margin_wire(unified),
            child_orders=legs,
            **extra,
        )

    async def _create_bracket(
        self,
        request: OrderRequest,
        instrument: Instrument,
        size: Decimal,
        price: Decimal | None,
        client_id: int,
    ) -> Order:
        """BRACKET: the entry order with a POSITIONAL_TP_SL child, as ccxt builds it from
        `stopLoss` / `takeProfit`; the TP/SL arm when the entry fills."""
        side = request.intent.position_side
        venue_symbol = instrument.venue_symbol
        legs = []
        if request.take_profit_price is not None:
            tp = self._exit_price(instrument, side, request.take_profit_price)
            legs.append(self._leg("TAKE_PROFIT", side, tp, quantity=None, symbol=venue_symbol))
        if request.stop_loss_price is not None:
            sl = self._exit_price(instrument, side, request.stop_loss_price)
            legs.append(self._leg("STOP_LOSS", side, sl, quantity=None, symbol=venue_symbol))
        child = {"symbol": venue_symbol, "algoType": "POSITIONAL_TP_SL", "childOrders": legs}
        market = request.order_type is OrderType.MARKET
        fallback = self._pending(
            instrument.symbol, request.intent, size, price, request.client_order_id, client_id
        )
        return await self._place_algo(
            instrument.symbol,
            client_id,
            "BRACKET",
            fallback,
            type="MARKET" if market else "LIMIT",
            quantity=size,
            price=price,
            margin_mode=self._margin_wire(instrument.symbol),
            child_orders=[child],
            **self._side_fields(request.intent),
        )

    def _side_fields(self, intent: OrderIntent) -> dict[str, Any]:
        side, position_side, reduce_only = side_fields(intent, self.position_mode)
        return {"side": side, "position_side": position_side, "reduce_only": reduce_only}

    def _pending(
        self,
        unified: str,
        intent: OrderIntent,
        size: Decimal,
        price: Decimal | None,
        client_text: str | None,
        client_id: int,
    ) -> Order:
        return Order(
            id="",
            symbol=unified,
            intent=intent,
            order_type=OrderType.MARKET if price is None else OrderType.LIMIT,
            status=OrderStatus.UNTRIGGERED,
            amount=size,
            price=price,
            client_order_id=client_text if client_text is not None else str(client_id),
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
        """A TP_SL algo order with one market STOP_LOSS leg closing `amount` of the position;
        returns the leg (see the module docstring). The trigger is rounded on the exit side (a
        long's stop up, a short's down) and the size floored to the step."""
        unified = self._tradable(symbol)
        instrument = await self.instrument(unified)
        venue_symbol = instrument.venue_symbol
        client_id = self._client_id(client_order_id)
        size = self._round_size(instrument, amount)
        trigger = self._exit_price(instrument, position_side, trigger_price)
        intent = OrderIntent.closing(position_side)
        leg = self._leg("STOP_LOSS", position_side, trigger, quantity=size, symbol=venue_symbol)
        await self.ensure_position_mode()
        try:
            result = await self.client.post_trade_algo_order(
                venue_symbol,
                "TP_SL",
                client_algo_order_id=client_id,
                quantity=size,
                margin_mode=self._margin_wire(unified),
                child_orders=[leg],
                **self._side_fields(intent),
            )
        except UnknownOrderOutcomeError as exc:
            return await self._resolve_outcome(venue_symbol, client_id, exc, self._stop_leg_by_client_id)
        leg_row = next((r for r in result.rows if r.algoType.upper() == "STOP_LOSS"), None)
        parent_row = _root(result.rows, "TP_SL")
        if leg_row is None or parent_row is None:
            raise InvalidOrderError(f"{unified}: WOO X created no STOP_LOSS leg", venue=VENUE_NAME)
        fallback = replace(
            self._pending(unified, intent, size, None, client_order_id, client_id),
            id=leg_row.algoOrderId,
            trigger_price=trigger,
            trigger_kind=TriggerKind.STOP_LOSS,
            raw=leg_row.model_dump(mode="json"),
        )
        try:
            parent = await self.client.get_trade_algo_order(algo_order_id=parent_row.algoOrderId)
        except (TransientError, OrderNotFoundError) as exc:
            logger.warning("stop-loss %s placed but not readable yet (%s)", leg_row.algoOrderId, exc)
            return fallback
        return self._stop_leg(parent) or fallback

    async def _stop_leg_by_client_id(self, client_id: int) -> Order:
        """The STOP_LOSS leg of the TP_SL placed with `client_id` (a leg has no client id of its own)."""
        parent = await self.client.get_trade_algo_order(client_algo_order_id=client_id)
        leg = self._stop_leg(parent)
        if leg is None:
            raise OrderNotFoundError(
                f"algo order {parent.algoOrderId} has no resting STOP_LOSS leg", venue=VENUE_NAME
            )
        return leg

    def _stop_leg(self, parent: AlgoOrderWire) -> Order | None:
        legs = [o for o in parse_trigger_orders(parent) if o.trigger_kind is TriggerKind.STOP_LOSS]
        return self._restore(legs[0]) if legs else None

    async def fetch_trigger_orders(self, symbol: str | None = None) -> list[Order]:
        """Resting trigger orders of open algo orders (see the module docstring), oldest first.
        A CLOSE_POSITION leg (POSITIONAL_TP_SL, BRACKET) closes the whole position: its `amount` is
        the current size of that position (one positions request, only when such legs exist)."""
        venue_symbol = None if symbol is None else self._venue_symbol(symbol)
        triggers: list[Order] = []
        for page in range(1, MAX_PAGES + 1):
            result = await self.client.get_trade_algo_orders(
                venue_symbol, status="INCOMPLETE", page=page, size=MAX_PAGE_SIZE
            )
            for row in result.rows:
                triggers.extend(self._restore(order) for order in parse_trigger_orders(row))
            if len(result.rows) < MAX_PAGE_SIZE:
                break
        if any(order.amount == 0 for order in triggers):
            positions = parse_positions((await self.client.get_futures_positions()).positions)
            sizes = {(p.symbol, p.side): p.size for p in positions}
            triggers = [
                replace(o, amount=sizes.get((o.symbol, o.intent.position_side), Decimal(0)))
                if o.amount == 0
                else o
                for o in triggers
            ]
        return sorted(triggers, key=lambda o: (o.timestamp or 0, int(o.id) if o.id.isdigit() else 0))

    async def cancel_trigger_order(self, symbol: str, order_id: str) -> CancelResult:
        """Cancel one trigger: an algo order, or one TP/SL leg of one, by `algoOrderId` (WOO X needs
        no symbol; it is only checked for spelling)."""
        self._venue_symbol(symbol)
        return await self.cancel_algo_order(order_id)

    # ------------------------------------------------------------ reading and cancelling

    async def fetch_algo_order(self, order_id: str) -> Order:
        """One algo order by `algoOrderId` (its legs' prices in take_profit/stop_loss_price)."""
        return self._restore(parse_algo_order(await self.client.get_trade_algo_order(algo_order_id=order_id)))

    async def fetch_algo_orders(self, symbol: str | None = None, *, open_only: bool = True) -> list[Order]:
        """Algo orders (open ones by default) of a symbol, or of every symbol."""
        venue_symbol = None if symbol is None else self._venue_symbol(symbol)
        orders: list[Order] = []
        for page in range(1, MAX_PAGES + 1):
            result = await self.client.get_trade_algo_orders(
                venue_symbol,
                status="INCOMPLETE" if open_only else None,
                page=page,
                size=MAX_PAGE_SIZE,
            )
            orders.extend(self._restore(parse_algo_order(row)) for row in result.rows)
            if len(result.rows) < MAX_PAGE_SIZE:
                break
        return orders

    async def cancel_algo_order(self, order_id: str, *, symbol: str | None = None) -> CancelResult:
        """Cancel one algo order (and its legs); `symbol` is accepted for symmetry, unused by WOO X."""
        ack = await self.client.delete_trade_algo_order(algo_order_id=order_id)
        return CancelResult(order_id, None, True, ack.status or "CANCEL_SENT")
