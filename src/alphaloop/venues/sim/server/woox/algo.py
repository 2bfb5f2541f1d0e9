"""WOO X algo orders over the venue-neutral core: the dialect keeps the algo tree, the core does the
triggering and matching.

* STOP -> one core PLAN trigger (market, or limit at `price`; last or mark price).
* TP_SL / POSITIONAL_TP_SL -> a parent plus TAKE_PROFIT / STOP_LOSS legs, each a core TP/SL
  trigger; when one leg fires the others are cancelled (they protect the same position). A new
  POSITIONAL_TP_SL replaces the open one of the same symbol and side (spec 4.5).
* BRACKET -> the entry as a core order plus a POSITIONAL_TP_SL child whose legs arm once the
  entry has filled.
* TRAILING_STOP -> a core PLAN trigger that this book moves after the best price seen since
  activation. The book sees prices when it observes (every request, every admin price), so
  between two observations the stop stays where it was: the simulation is coarser than the venue.
* OCO and STOP_BRACKET are refused with 317167 "unsupported algoType" (not simulated).

Ids come from this book (`ALGO_ID_START`...), distinct from the core's order ids.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from alphaloop.model import MarginMode, OrderIntent, OrderRequest, OrderStatus, OrderType
from alphaloop.venues.sim.core import Exchange, RejectReason, SimOrder, SimRejection, TriggerKind
from alphaloop.venues.sim.server.woox.wire import WooxError, dec, opt_dec

ALGO_ID_START = 800_000_000_000_000_000
SIMULATED_TYPES = ("STOP", "TRAILING_STOP", "TP_SL", "POSITIONAL_TP_SL", "BRACKET")
LEG_KINDS = {"TAKE_PROFIT": TriggerKind.TAKE_PROFIT, "STOP_LOSS": TriggerKind.STOP_LOSS}
OPEN = ("NEW", "PARTIAL_FILLED")

#: (account, unified symbol, side BUY/SELL, positionSide, reduceOnly, quantity) -> core intent
IntentResolver = Callable[[str, str, str, str, bool, Decimal | None], OrderIntent]


def order_status(order: SimOrder) -> str:
    """A core order's status in WOO X words."""
    if order.status is OrderStatus.OPEN or order.status is OrderStatus.PENDING:
        return "PARTIAL_FILLED" if order.filled > 0 else "NEW"
    if order.status is OrderStatus.FILLED:
        return "FILLED"
    if order.status is OrderStatus.CANCELED:
        return "CANCELLED"
    return "REJECTED"


@dataclass
class AlgoRecord:
    """One algo order as the venue shows it, and the core objects that carry it out."""

    id: str
    client_id: str | None
    account_id: str
    symbol: str
    algo_type: str
    side: str | None
    position_side: str
    intent: OrderIntent | None
    order_type: str
    quantity: Decimal | None
    price: Decimal | None
    trigger_price: Decimal | None
    on_mark: bool
    reduce_only: bool
    margin_mode: MarginMode
    root_id: str
    parent_id: str | None
    created_ms: int
    updated_ms: int
    children: list[str] = field(default_factory=list)
    core_trigger_id: str | None = None
    core_order_id: str | None = None
    callback_rate: Decimal | None = None
    callback_value: Decimal | None = None
    activated_price: Decimal | None = None
    activated: bool = False
    extreme: Decimal | None = None
    #: a final status decided by the book itself (cancelled or rejected before the core took over)
    final: str | None = None
    triggered_ms: int | None = None


@dataclass(frozen=True, slots=True)
class AlgoView:
    """What the venue reports for a record right now."""

    status: str
    triggered: bool
    filled: Decimal = Decimal(0)
    average: Decimal | None = None
    fee: Decimal = Decimal(0)
    realized_pnl: Decimal = Decimal(0)


class AlgoBook:
    """The algo orders of every account of one simulator."""

    def __init__(self, exchange: Exchange, resolve_intent: IntentResolver) -> None:
        self.exchange = exchange
        self.resolve_intent = resolve_intent
        self.records: dict[str, AlgoRecord] = {}
        self._next_id = ALGO_ID_START

    # ------------------------------------------------------------------ views

    def view(self, record: AlgoRecord) -> AlgoView:
        if record.final is not None:
            return AlgoView(record.final, record.triggered_ms is not None)
        if record.core_order_id is not None:
            return self._order_view(record.account_id, record.core_order_id)
        if record.core_trigger_id is not None:
            trigger = self.exchange.trigger_order(record.account_id, record.core_trigger_id)
            if trigger.status == "untriggered":
                return AlgoView("NEW", False)
            if trigger.status == "canceled":
                return AlgoView("CANCELLED", False)
            if trigger.status == "failed" or trigger.triggered_order_id is None:
                return AlgoView("REJECTED", True)
            return self._order_view(record.account_id, trigger.triggered_order_id)
        if record.children and record.algo_type in ("TP_SL", "POSITIONAL_TP_SL"):
            views = [self.view(self.records[child]) for child in record.children]
            triggered = any(v.triggered for v in views)
            if any(v.status == "FILLED" for v in views):
                done = next(v for v in views if v.status == "FILLED")
                return AlgoView("FILLED", True, done.filled, done.average, done.fee, done.realized_pnl)
            if any(v.status in OPEN for v in views):
                return AlgoView("NEW", triggered)
            if all(v.status == "CANCELLED" for v in views):
                return AlgoView("CANCELLED", triggered)
            return AlgoView("REJECTED", triggered)
        return AlgoView("NEW", False)  # waiting: trailing stop not activated, bracket legs not armed

    def _order_view(self, account_id: str, order_id: str) -> AlgoView:
        order = self.exchange.order(account_id, order_id=order_id)
        return AlgoView(
            order_status(order), True, order.filled, order.average_price, order.fee, order.realized_pnl
        )

    def is_open(self, record: AlgoRecord) -> bool:
        return self.view(record).status in OPEN

    def tree_open(self, record: AlgoRecord) -> bool:
        """Open itself or through a leg: a filled bracket entry still has live TP/SL legs."""
        return self.is_open(record) or any(self.tree_open(self.records[c]) for c in record.children)

    def roots(self, account_id: str, symbol: str | None = None) -> Iterator[AlgoRecord]:
        for record in self.records.values():
            mine = record.account_id == account_id and record.parent_id is None
            if mine and (symbol is None or record.symbol == symbol):
                yield record

    def find(self, account_id: str, algo_id: str | None, client_id: str | None) -> AlgoRecord:
        if algo_id is not None:
            record = self.records.get(algo_id)
            if record is not None and record.account_id == account_id:
                return record
        elif client_id is not None:
            matches = [
                r for r in self.records.values() if r.account_id == account_id and r.client_id == client_id
            ]
            if matches:
                return max(matches, key=lambda r: int(r.id))
        raise WooxError(-1006, "The algo order does not exist or is already completed.")

    # ------------------------------------------------------------------ placing

    def _new(self, **fields: Any) -> AlgoRecord:
        self._next_id += 1
        record_id = str(self._next_id)
        fields.setdefault("root_id", record_id)
        record = AlgoRecord(id=record_id, **fields)
        self.records[record_id] = record
        if record.parent_id is not None:
            self.records[record.parent_id].children.append(record_id)
        return record

    def place(self, account_id: str, symbol: str, body: dict[str, Any], now_ms: int) -> list[AlgoRecord]:
        """Create one algo order (and its legs) from parsed fields; returns every record created,
        the requested one first. Core rejections propagate as `SimRejection`."""
        algo_type = body["algoType"]
        if algo_type not in SIMULATED_TYPES:
            raise WooxError(317167, f"algoType {algo_type} is not supported by the simulator")
        client_id = body.get("clientAlgoOrderId")
        if client_id is not None and any(
            r.client_id == client_id and r.account_id == account_id and self.is_open(r)
            for r in self.records.values()
        ):
            raise WooxError(-1007, "clientAlgoOrderId is already used by an open algo order", 409)
        created: list[AlgoRecord] = []
        try:
            if algo_type in ("TP_SL", "POSITIONAL_TP_SL"):
                self._place_tpsl(account_id, symbol, body, now_ms, created, parent=None)
            elif algo_type == "BRACKET":
                self._place_bracket(account_id, symbol, body, now_ms, created)
            else:
                self._place_single(account_id, symbol, body, now_ms, created)
        except (SimRejection, WooxError):
            for record in created:  # nothing may stay behind from a refused request
                self._cancel_core(record, now_ms)
                self.records.pop(record.id, None)
            raise
        return created

    def _base(self, account_id: str, symbol: str, body: dict[str, Any], now_ms: int) -> dict[str, Any]:
        side = body.get("side")
        position_side = body.get("positionSide") or "BOTH"
        quantity = body.get("quantity")
        reduce_only = bool(body.get("reduceOnly"))
        intent = None
        if side is not None:
            intent = self.resolve_intent(account_id, symbol, side, position_side, reduce_only, quantity)
        return {
            "client_id": body.get("clientAlgoOrderId"),
            "account_id": account_id,
            "symbol": symbol,
            "algo_type": body["algoType"],
            "side": side,
            "position_side": position_side,
            "intent": intent,
            "order_type": body.get("type") or "MARKET",
            "quantity": quantity,
            "price": body.get("price"),
            "trigger_price": body.get("triggerPrice"),
            "on_mark": body.get("triggerPriceType") == "MARK_PRICE",
            "reduce_only": reduce_only,
            "margin_mode": body["marginMode"],
            "created_ms": now_ms,
            "updated_ms": now_ms,
        }

    def _place_single(
        self, account_id: str, symbol: str, body: dict[str, Any], now_ms: int, created: list[AlgoRecord]
    ) -> None:
        fields = self._base(account_id, symbol, body, now_ms)
        if fields["intent"] is None or fields["quantity"] is None:
            raise WooxError(-1005, "side and quantity must not be blank")
        if body["algoType"] == "STOP":
            if fields["trigger_price"] is None:
                raise WooxError(-1005, "triggerPrice must not be blank")
            record = self._new(parent_id=None, **fields)
            created.append(record)
            limit = record.price if record.order_type == "LIMIT" else None
            trigger = self.exchange.place_trigger_order(
                account_id,
                symbol=symbol,
                intent=fields["intent"],
                size=fields["quantity"],
                trigger_price=fields["trigger_price"],
                execute_price=limit,
                trigger_on_mark=record.on_mark,
                now_ms=now_ms,
            )
            record.core_trigger_id = trigger.id
            return
        rate, value = body.get("callbackRate"), body.get("callbackValue")
        if (rate is None) == (value is None):
            raise WooxError(-1005, "exactly one of callbackRate and callbackValue is required")
        if rate is not None and not 0 < rate < 1:
            raise WooxError(-1005, "callbackRate must be a fraction between 0 and 1")
        fields.update(
            callback_rate=rate, callback_value=value, activated_price=body.get("activatedPrice"), price=None
        )
        record = self._new(parent_id=None, **fields)
        created.append(record)
        self._trail(record, now_ms, strict=True)

    def _place_tpsl(
        self,
        account_id: str,
        symbol: str,
        body: dict[str, Any],
        now_ms: int,
        created: list[AlgoRecord],
        *,
        parent: AlgoRecord | None,
        arm: bool = True,
    ) -> AlgoRecord:
        positional = body["algoType"] == "POSITIONAL_TP_SL"
        legs = body.get("childOrders") or []
        if not legs:
            raise WooxError(-1005, "childOrders must not be blank")
        if not positional and body.get("quantity") is None:
            raise WooxError(317140, "quantity is required for TP_SL orders")
        sides = {leg.get("side") for leg in legs}
        if len(sides) != 1 or None in sides:
            raise WooxError(317143, "TP/SL legs must have the same side")
        fields = self._base(account_id, symbol, {**body, "side": None}, now_ms)
        first = legs[0]
        position_side = first.get("positionSide") or "BOTH"
        leg_intent = self.resolve_intent(account_id, symbol, first["side"], position_side, True, None)
        fields.update(side=None, position_side=position_side, intent=leg_intent, order_type="")
        if parent is not None:
            fields.update(root_id=parent.root_id)
        record = self._new(parent_id=None if parent is None else parent.id, **fields)
        created.append(record)
        for leg in legs:
            kind = leg.get("algoType")
            if kind not in LEG_KINDS:
                raise WooxError(-1005, "childOrders algoType must be TAKE_PROFIT or STOP_LOSS")
            leg_type = leg.get("type") or "MARKET"
            if positional and leg_type != "CLOSE_POSITION":
                raise WooxError(-1005, "POSITIONAL_TP_SL legs must be of type CLOSE_POSITION")
            if not positional and leg_type == "CLOSE_POSITION":
                raise WooxError(317142, "TP_SL leg type must not be CLOSE_POSITION")
            if leg_type == "LIMIT" and leg.get("price") is None:
                raise WooxError(317141, "a LIMIT TP/SL leg needs a price")
            if leg.get("triggerPrice") is None:
                raise WooxError(-1005, "triggerPrice must not be blank")
            leg_fields = {
                **fields,
                "algo_type": kind,
                "side": leg["side"],
                "order_type": leg_type,
                "quantity": None if positional else body["quantity"],
                "price": leg.get("price"),
                "trigger_price": leg["triggerPrice"],
                "on_mark": leg.get("triggerPriceType") == "MARK_PRICE",
                "reduce_only": True,
                "client_id": None,
                "root_id": record.root_id,
            }
            created.append(self._new(parent_id=record.id, **leg_fields))
        if arm:
            self._arm(record, now_ms, strict=True)
        return record

    def _place_bracket(
        self, account_id: str, symbol: str, body: dict[str, Any], now_ms: int, created: list[AlgoRecord]
    ) -> None:
        fields = self._base(account_id, symbol, body, now_ms)
        intent = fields["intent"]
        if intent is None or fields["quantity"] is None:
            raise WooxError(-1005, "side and quantity must not be blank")
        children = body.get("childOrders") or []
        if len(children) != 1 or children[0].get("algoType") != "POSITIONAL_TP_SL":
            raise WooxError(-1005, "a BRACKET needs one POSITIONAL_TP_SL child order")
        root = self._new(parent_id=None, **fields)
        created.append(root)
        child = {**children[0], "marginMode": body["marginMode"]}
        self._place_tpsl(account_id, symbol, child, now_ms, created, parent=root, arm=False)
        market = root.order_type == "MARKET"
        entry = self.exchange.place_order(
            account_id,
            OrderRequest(
                symbol=symbol,
                intent=intent,
                amount=fields["quantity"],
                order_type=OrderType.MARKET if market else OrderType.LIMIT,
                price=None if market else root.price,
            ),
            now_ms=now_ms,
            margin_mode=root.margin_mode,
        )
        root.core_order_id = entry.id
        root.triggered_ms = now_ms

    # ------------------------------------------------------------------ arming and trailing

    def _arm(self, parent: AlgoRecord, now_ms: int, *, strict: bool) -> None:
        """Create the core TP/SL triggers of a TP_SL / POSITIONAL_TP_SL parent's legs."""
        legs = [self.records[child] for child in parent.children]
        intent = parent.intent
        assert intent is not None
        size = parent.quantity
        if parent.algo_type == "POSITIONAL_TP_SL":
            self._replace_positional(parent, now_ms)
            position = next(
                (
                    p
                    for p in self.exchange.positions(parent.account_id, symbol=parent.symbol)
                    if p.side is intent.position_side
                ),
                None,
            )
            size = None if position is None else position.size
        for leg in legs:
            try:
                if size is None:
                    raise _no_position(parent)
                trigger = self.exchange.place_trigger_order(
                    parent.account_id,
                    symbol=parent.symbol,
                    intent=intent,
                    size=size,
                    trigger_price=leg.trigger_price or Decimal(0),
                    execute_price=leg.price if leg.order_type == "LIMIT" else None,
                    kind=LEG_KINDS[leg.algo_type],
                    trigger_on_mark=leg.on_mark,
                    now_ms=now_ms,
                )
            except SimRejection:
                if strict:
                    raise
                leg.final = "REJECTED"
                continue
            leg.core_trigger_id = trigger.id
            leg.updated_ms = now_ms

    def _replace_positional(self, parent: AlgoRecord, now_ms: int) -> None:
        for other in list(self.records.values()):
            if (
                other is not parent
                and other.algo_type == "POSITIONAL_TP_SL"
                and other.account_id == parent.account_id
                and other.symbol == parent.symbol
                and other.intent == parent.intent
                and any(self.records[c].core_trigger_id for c in other.children)
                and self.tree_open(other)
            ):
                self.cancel(other, now_ms)

    def _trail(self, record: AlgoRecord, now_ms: int, *, strict: bool = False) -> None:
        """Activate, follow the best price, and move (or create) the core stop trigger."""
        market = self.exchange.market(record.symbol)
        price = market.mark if record.on_mark else market.last
        sell = record.side == "SELL"
        if not record.activated:
            level = record.activated_price
            if level is not None and (price < level if sell else price > level):
                return
            record.activated = True
            record.extreme = price
        assert record.extreme is not None
        record.extreme = max(record.extreme, price) if sell else min(record.extreme, price)
        if record.callback_rate is not None:
            distance = record.extreme * record.callback_rate
        else:
            distance = record.callback_value or Decimal(0)
        tick = self.exchange.instruments()[record.symbol].price_tick
        raw_stop = record.extreme - distance if sell else record.extreme + distance
        rounding = ROUND_FLOOR if sell else ROUND_CEILING
        stop = (raw_stop / tick).to_integral_value(rounding=rounding) * tick
        crossed = price <= stop if sell else price >= stop
        intent = record.intent
        assert intent is not None
        assert record.quantity is not None
        try:
            if crossed:
                self._cancel_core(record, now_ms)
                order = self.exchange.place_order(
                    record.account_id,
                    OrderRequest(record.symbol, intent, record.quantity, OrderType.MARKET),
                    now_ms=now_ms,
                    margin_mode=record.margin_mode,
                )
                record.core_order_id = order.id
                record.triggered_ms = now_ms
            elif record.core_trigger_id is None:
                trigger = self.exchange.place_trigger_order(
                    record.account_id,
                    symbol=record.symbol,
                    intent=intent,
                    size=record.quantity,
                    trigger_price=stop,
                    execute_price=None,
                    trigger_on_mark=record.on_mark,
                    now_ms=now_ms,
                )
                record.core_trigger_id = trigger.id
            else:
                current = self.exchange.trigger_order(record.account_id, record.core_trigger_id)
                better = stop > current.trigger_price if sell else stop < current.trigger_price
                if current.is_open and better:
                    self.exchange.modify_trigger_order(
                        record.account_id, current.id, trigger_price=stop, execute_price=None, now_ms=now_ms
                    )
        except SimRejection:
            if strict:
                raise
            record.final = "REJECTED"
        record.trigger_price = stop
        record.updated_ms = now_ms

    # ------------------------------------------------------------------ time passing

    def observe(self, now_ms: int) -> None:
        """Bring every open algo order up to date with the market (see module docstring)."""
        for record in list(self.records.values()):
            if record.final is not None:
                continue
            if record.algo_type == "TRAILING_STOP" and record.core_order_id is None:
                if self.is_open(record):
                    self._trail(record, now_ms)
            elif record.algo_type == "BRACKET":
                self._follow_bracket(record, now_ms)
            elif record.algo_type in ("TP_SL", "POSITIONAL_TP_SL"):
                self._one_cancels_the_others(record, now_ms)

    def _follow_bracket(self, root: AlgoRecord, now_ms: int) -> None:
        if root.core_order_id is None or not root.children:
            return
        entry = self.exchange.order(root.account_id, order_id=root.core_order_id)
        child = self.records[root.children[0]]
        armed = any(self.records[leg].core_trigger_id or self.records[leg].final for leg in child.children)
        if entry.filled > 0 and not armed and child.final is None:
            self._arm(child, now_ms, strict=False)
        elif entry.status.is_final and entry.filled == 0 and child.final is None:
            self.cancel(child, now_ms)

    def _one_cancels_the_others(self, parent: AlgoRecord, now_ms: int) -> None:
        legs = [self.records[child] for child in parent.children]
        if any(self.view(leg).triggered for leg in legs):
            for leg in legs:
                if self.view(leg).status == "NEW" and not self.view(leg).triggered:
                    self.cancel(leg, now_ms)

    # ------------------------------------------------------------------ cancelling

    def _cancel_core(self, record: AlgoRecord, now_ms: int) -> None:
        if record.core_trigger_id is not None:
            trigger = self.exchange.trigger_order(record.account_id, record.core_trigger_id)
            if trigger.is_open:
                self.exchange.cancel_trigger_order(record.account_id, trigger.id, now_ms=now_ms)
        if record.core_order_id is not None:
            order = self.exchange.order(record.account_id, order_id=record.core_order_id)
            if order.is_open:
                self.exchange.cancel_order(record.account_id, order_id=order.id, now_ms=now_ms)

    def cancel(self, record: AlgoRecord, now_ms: int) -> bool:
        """Cancel an algo order and its open legs; False when nothing of it was open."""
        changed = False
        for child in record.children:
            changed = self.cancel(self.records[child], now_ms) or changed
        if not self.is_open(record):
            return changed
        self._cancel_core(record, now_ms)
        if record.final is None and record.core_order_id is None and record.core_trigger_id is None:
            record.final = "CANCELLED"
        record.updated_ms = now_ms
        return True

    def reset(self) -> None:
        self.records.clear()
        self._next_id = ALGO_ID_START

    # ------------------------------------------------------------------ rendering

    def render(self, record: AlgoRecord, venue_symbol: str, *, with_children: bool = True) -> dict[str, Any]:
        """An algo order of `GET /v3/trade/algoOrder(s)` (spec 4.5), legs in `childOrders`."""
        view = self.view(record)
        root = self.records.get(record.root_id, record)
        row: dict[str, Any] = {
            "algoOrderId": int(record.id),
            "clientAlgoOrderId": int(record.client_id or 0),
            "rootAlgoOrderId": int(record.root_id),
            "parentAlgoOrderId": int(record.parent_id or 0),
            "symbol": venue_symbol,
            "algoOrderTag": "default",
            "algoType": record.algo_type,
            "side": record.side,
            "positionSide": record.position_side,
            "quantity": dec(record.quantity),
            "isTriggered": view.triggered,
            "triggerStatus": "SUCCESS" if view.triggered else "USELESS",
            "type": record.order_type or None,
            "rootAlgoStatus": view.status if root is record else self.view(root).status,
            "algoStatus": view.status,
            "triggerPriceType": "MARK_PRICE" if record.on_mark else "MARKET_PRICE",
            "triggerPrice": opt_dec(record.trigger_price),
            "price": opt_dec(record.price),
            "triggerTime": str(record.triggered_ms or 0),
            "totalExecutedQuantity": dec(view.filled),
            "averageExecutedPrice": dec(view.average),
            "totalFee": dec(view.fee),
            "feeAsset": "USDT",
            "totalRebate": "0",
            "rebateAsset": "USDT",
            "reduceOnly": record.reduce_only,
            "createdTime": record.created_ms,
            "updatedTime": record.updated_ms,
            "realizedPnl": dec(view.realized_pnl),
        }
        if record.algo_type == "TRAILING_STOP":
            row.update(
                isActivated=record.activated,
                callbackRate=opt_dec(record.callback_rate),
                callbackValue=opt_dec(record.callback_value),
                activatedPrice=opt_dec(record.activated_price),
            )
        if with_children and record.children:
            row["childOrders"] = [self.render(self.records[c], venue_symbol) for c in record.children]
        return row


def _no_position(parent: AlgoRecord) -> SimRejection:
    side = parent.intent.position_side.value if parent.intent else "?"
    return SimRejection(RejectReason.POSITION_NOT_FOUND, f"no {side} position in {parent.symbol}")
