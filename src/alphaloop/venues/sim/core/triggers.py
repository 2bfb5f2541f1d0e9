"""Trigger orders: plan orders and position take-profit / stop-loss.

A trigger is armed from `visible_from_ms` on. It fires when the last price (or the mark when
`trigger_on_mark`) reaches the trigger price in its direction, and then places a normal market
(no execute price) or limit order. A last-price trigger whose level lies between the previous
and the new last price executes around its level, as the price path passed through it; one that
was already beyond its level (a gap, or armed late) executes at the current book, after
liquidations at the current price.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from alphaloop.model import OrderIntent, OrderRequest, OrderType, format_decimal
from alphaloop.venues.sim.core.accounts import AccountState
from alphaloop.venues.sim.core.matching import check_liquidations, place_order, tpsl_trigger_above
from alphaloop.venues.sim.core.state import CoreState
from alphaloop.venues.sim.core.types import RejectReason, SimRejection, SimTriggerOrder, TriggerKind
from alphaloop.venues.sim.core.validation import MAX_CLIENT_ORDER_ID_LENGTH, check_tpsl_side


def _check_prices(
    core: CoreState, symbol: str, trigger_price: Decimal, execute_price: Decimal | None
) -> None:
    instrument = core.instruments[symbol]
    for name, price in (("trigger_price", trigger_price), ("execute_price", execute_price)):
        if price is None:
            continue
        if price <= 0:
            raise SimRejection(RejectReason.INVALID_PARAMETER, f"Parameter {name} is invalid", param=name)
        if not instrument.is_price_on_tick(price):
            raise SimRejection(
                RejectReason.PRECISION,
                f"Parameter {name} is invalid: {format_decimal(price)} is not a multiple of "
                f"{format_decimal(instrument.price_tick)}",
                param=name,
            )


def _reference(core: CoreState, symbol: str, on_mark: bool) -> Decimal:
    market = core.markets.get(symbol)
    if market is None:
        raise SimRejection(RejectReason.NO_PRICE, f"no price for {symbol} yet", param="symbol")
    return market.mark if on_mark else market.last


def _check_tpsl(kind: TriggerKind, intent: OrderIntent, price: Decimal, ref: Decimal) -> None:
    side = intent.position_side
    if kind is TriggerKind.TAKE_PROFIT:
        check_tpsl_side(side, ref, price, None)
    else:
        check_tpsl_side(side, ref, None, price)


def place_trigger(
    core: CoreState,
    account: AccountState,
    *,
    symbol: str,
    intent: OrderIntent,
    size: Decimal,
    trigger_price: Decimal,
    execute_price: Decimal | None,
    kind: TriggerKind,
    client_order_id: str | None,
    trigger_on_mark: bool,
    now_ms: int,
) -> SimTriggerOrder:
    instrument = core.instrument(symbol)
    if size <= 0:
        raise SimRejection(RejectReason.INVALID_PARAMETER, "Parameter size is invalid", param="size")
    if client_order_id is not None:
        if not client_order_id or len(client_order_id) > MAX_CLIENT_ORDER_ID_LENGTH:
            raise SimRejection(
                RejectReason.INVALID_PARAMETER, "Parameter client_oid is invalid", param="client_oid"
            )
        for trigger_id in account.trigger_ids:
            other = core.triggers[trigger_id]
            if other.is_open and other.client_order_id == client_order_id:
                raise SimRejection(
                    RejectReason.DUPLICATE_CLIENT_ORDER_ID,
                    f"client_oid '{client_order_id}' is already used by an open trigger order",
                    param="client_oid",
                )
    _check_prices(core, symbol, trigger_price, execute_price)
    if not instrument.is_size_on_step(size):
        raise SimRejection(
            RejectReason.PRECISION, "Parameter size is invalid: not on the size step", param="size"
        )
    if size < instrument.min_size or size > instrument.max_size:
        raise SimRejection(
            RejectReason.SIZE_LIMIT, "Parameter size is invalid: outside the order limits", param="size"
        )
    reference = _reference(core, symbol, trigger_on_mark)
    position_id = None
    if kind is TriggerKind.PLAN:
        trigger_above = trigger_price >= reference
    else:
        if not intent.reduce_only:
            raise SimRejection(
                RejectReason.INVALID_PARAMETER,
                "take-profit / stop-loss orders must close a position",
                param="type",
            )
        position = core.position(account, symbol, intent.position_side)
        if position is None:
            raise SimRejection(
                RejectReason.POSITION_NOT_FOUND,
                f"no {intent.position_side.value} position in {symbol}",
                param="positionSide",
            )
        if size > position.size:
            raise SimRejection(
                RejectReason.CLOSE_EXCEEDS_POSITION,
                f"Parameter size is invalid: {format_decimal(size)} exceeds the position "
                f"{format_decimal(position.size)}",
                param="size",
            )
        _check_tpsl(kind, intent, trigger_price, reference)
        trigger_above = tpsl_trigger_above(kind, intent.position_side)
        position_id = position.id
    trigger = SimTriggerOrder(
        id=core.new_id(),
        client_order_id=client_order_id,
        account_id=account.id,
        symbol=symbol,
        kind=kind,
        intent=intent,
        size=size,
        trigger_price=trigger_price,
        execute_price=execute_price,
        trigger_on_mark=trigger_on_mark,
        status="untriggered",
        created_ms=now_ms,
        visible_from_ms=now_ms,
        triggered_order_id=None,
        position_side=intent.position_side,
        trigger_above=trigger_above,
        position_id=position_id,
        margin_mode=account.margin_mode(symbol),
        updated_ms=now_ms,
    )
    core.store_trigger(trigger, account, new=True)
    return trigger


def find_open_trigger(core: CoreState, account: AccountState, order_id: str) -> SimTriggerOrder:
    trigger = core.triggers.get(order_id)
    if trigger is None or trigger.account_id != account.id or not trigger.is_open:
        raise SimRejection(RejectReason.ORDER_NOT_FOUND, f"Order does not exist: {order_id}", param="orderId")
    return trigger


def cancel_trigger(
    core: CoreState, account: AccountState, trigger: SimTriggerOrder, now_ms: int
) -> SimTriggerOrder:
    canceled = dataclasses.replace(trigger, status="canceled", updated_ms=now_ms)
    core.store_trigger(canceled, account, new=False)
    return canceled


def modify_trigger(
    core: CoreState,
    account: AccountState,
    trigger: SimTriggerOrder,
    *,
    trigger_price: Decimal,
    execute_price: Decimal | None,
    trigger_on_mark: bool | None,
    now_ms: int,
) -> SimTriggerOrder:
    _check_prices(core, trigger.symbol, trigger_price, execute_price)
    on_mark = trigger.trigger_on_mark if trigger_on_mark is None else trigger_on_mark
    reference = _reference(core, trigger.symbol, on_mark)
    if trigger.kind is TriggerKind.PLAN:
        trigger_above = trigger_price >= reference
    else:
        _check_tpsl(trigger.kind, trigger.intent, trigger_price, reference)
        trigger_above = trigger.trigger_above
    modified = dataclasses.replace(
        trigger,
        trigger_price=trigger_price,
        execute_price=execute_price,
        trigger_on_mark=on_mark,
        trigger_above=trigger_above,
        updated_ms=now_ms,
    )
    core.store_trigger(modified, account, new=False)
    return modified


def _reached(trigger: SimTriggerOrder, price: Decimal) -> bool:
    return price >= trigger.trigger_price if trigger.trigger_above else price <= trigger.trigger_price


def fire_triggers(
    core: CoreState, symbol: str, previous_last: Decimal | None, now_ms: int, *, mark_follows_last: bool
) -> None:
    """Fire the armed triggers of `symbol` whose condition holds at the current price.

    Last-price triggers whose level lies between the previous and the current last price fire
    first, in the order the path meets them, each with the market moved to its level (and
    liquidations checked there first, since the account may already be under water at that
    level). Then liquidations are checked at the current price, and the remaining triggers
    (mark triggers, triggers already beyond their level) fire at the current book.
    """
    market = core.markets[symbol]
    final_last, final_mark = market.last, market.mark
    crossed: list[SimTriggerOrder] = []
    late: list[SimTriggerOrder] = []
    for trigger_id in core.open_triggers.get(symbol, {}):
        trigger = core.triggers[trigger_id]
        if now_ms < trigger.visible_from_ms:
            continue
        if not _reached(trigger, final_mark if trigger.trigger_on_mark else final_last):
            continue
        if not trigger.trigger_on_mark and previous_last is not None and not _reached(trigger, previous_last):
            crossed.append(trigger)
        else:
            late.append(trigger)
    rising = previous_last is not None and final_last > previous_last
    crossed.sort(key=lambda t: t.trigger_price, reverse=not rising)  # stable: oldest first on ties
    for trigger in crossed:
        if not core.triggers[trigger.id].is_open:
            continue
        core.set_last(symbol, trigger.trigger_price, now_ms)
        if mark_follows_last:
            market.mark = trigger.trigger_price
        check_liquidations(core, now_ms)
        if core.triggers[trigger.id].is_open:
            _fire(core, core.accounts[trigger.account_id], core.triggers[trigger.id], now_ms)
    if crossed:
        core.set_last(symbol, final_last, now_ms)
        market.mark = final_mark
    check_liquidations(core, now_ms)
    for trigger in late:
        if core.triggers[trigger.id].is_open:
            _fire(core, core.accounts[trigger.account_id], core.triggers[trigger.id], now_ms)


def _fire(core: CoreState, account: AccountState, trigger: SimTriggerOrder, now_ms: int) -> None:
    size = trigger.size
    if trigger.kind is not TriggerKind.PLAN:
        # TP/SL close what is left of the position, never more.
        position = core.position(account, trigger.symbol, trigger.position_side)
        closable = Decimal(0)
        if position is not None:
            closable = position.size - core.reserved_close(account, trigger.symbol, trigger.position_side)
        size = min(size, closable)
    request = OrderRequest(
        symbol=trigger.symbol,
        intent=trigger.intent,
        amount=size,
        order_type=OrderType.MARKET if trigger.execute_price is None else OrderType.LIMIT,
        price=trigger.execute_price,
    )
    try:
        if size <= 0:
            raise SimRejection(RejectReason.POSITION_NOT_FOUND, "no position left to close")
        order = place_order(core, account, request, now_ms=now_ms, trigger_order_id=trigger.id)
    except SimRejection as rejection:
        failed = dataclasses.replace(
            trigger, status="failed", updated_ms=now_ms, triggered_ms=now_ms, fail_reason=str(rejection)
        )
        core.store_trigger(failed, account, new=False)
        return
    triggered = dataclasses.replace(
        trigger, status="triggered", updated_ms=now_ms, triggered_ms=now_ms, triggered_order_id=order.id
    )
    core.store_trigger(triggered, account, new=False)
