"""Order placement, execution against the synthetic book, cancellation and liquidation.

Every fill goes through `execute`, which is the only place positions and the wallet change on
trading: opening fills add to the position and pay the fee, closing fills realise PnL, and a
position that reaches size 0 is removed together with its take-profit / stop-loss triggers.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from alphaloop.model import (
    MarginMode,
    OrderIntent,
    OrderRequest,
    OrderStatus,
    OrderType,
    PositionSide,
    TimeInForce,
)
from alphaloop.venues.sim.core.accounts import AccountState, PositionState, cross_equity, post
from alphaloop.venues.sim.core.book import ZERO, fee_for, traded_through
from alphaloop.venues.sim.core.state import CoreState
from alphaloop.venues.sim.core.types import (
    BillType,
    RejectReason,
    SimFill,
    SimOrder,
    SimRejection,
    SimTriggerOrder,
    TriggerKind,
)
from alphaloop.venues.sim.core.validation import plan_order

_OPEN_BILL = {
    PositionSide.LONG: BillType.POSITION_OPEN_LONG,
    PositionSide.SHORT: BillType.POSITION_OPEN_SHORT,
}
_CLOSE_BILL = {
    PositionSide.LONG: BillType.POSITION_CLOSE_LONG,
    PositionSide.SHORT: BillType.POSITION_CLOSE_SHORT,
}


def tpsl_trigger_above(kind: TriggerKind, position_side: PositionSide) -> bool:
    """Take-profit of a long and stop-loss of a short fire on a rise; the other two on a fall."""
    return (kind is TriggerKind.TAKE_PROFIT) == (position_side is PositionSide.LONG)


def place_order(
    core: CoreState,
    account: AccountState,
    request: OrderRequest,
    *,
    now_ms: int,
    margin_mode: MarginMode | None = None,
    trigger_order_id: str | None = None,
) -> SimOrder:
    """Validate and place one order; fills immediately when it is a market or marketable order."""
    instrument = core.instrument(request.symbol)
    mode = account.margin_mode(request.symbol)
    if margin_mode is not None and margin_mode is not mode:
        raise SimRejection(
            RejectReason.INVALID_PARAMETER,
            f"Parameter marginMode is invalid: {request.symbol} is in {mode.value} mode",
            param="marginMode",
        )
    side = request.intent.position_side
    position = core.position(account, request.symbol, side)
    position_size = position.size if position is not None else ZERO
    quote = core.quote(request.symbol)
    plan = plan_order(
        request,
        instrument=instrument,
        config=core.config,
        quote=quote,
        margin_mode=mode,
        leverage=core.leverage_for(account, request.symbol, side),
        position_size=position_size,
        closable_size=position_size - core.reserved_close(account, request.symbol, side),
        available=core.summary(account).available,
        open_client_ids={o.client_order_id for o in core.account_open_orders(account) if o.client_order_id},
    )
    is_market = request.order_type is OrderType.MARKET
    order = SimOrder(
        id=core.new_id(),
        client_order_id=request.client_order_id,
        account_id=account.id,
        symbol=request.symbol,
        intent=request.intent,
        order_type=request.order_type,
        # WEEX reports market orders as IOC with no price (spec §10.3).
        time_in_force=TimeInForce.IOC if is_market else request.time_in_force,
        price=None if is_market else request.price,
        amount=request.amount,
        filled=ZERO,
        average_price=None,
        fee=ZERO,
        realized_pnl=ZERO,
        status=OrderStatus.CANCELED if plan.cancel_now else OrderStatus.OPEN,
        created_ms=now_ms,
        updated_ms=now_ms,
        margin_mode=mode,
        take_profit_price=request.take_profit_price,
        stop_loss_price=request.stop_loss_price,
        trigger_order_id=trigger_order_id,
        frozen_margin=ZERO if plan.fill_now or plan.cancel_now else plan.required_margin,
    )
    core.store_order(order, account, new=True)
    if plan.fill_now:
        assert plan.fill_price is not None
        execute(core, account, order, plan.fill_price, is_maker=False, now_ms=now_ms)
    return core.orders[order.id]


def execute(
    core: CoreState,
    account: AccountState,
    order: SimOrder,
    price: Decimal,
    *,
    is_maker: bool,
    now_ms: int,
    is_liquidation: bool = False,
) -> SimFill:
    """Fill the whole remaining amount of `order` at `price` and book it."""
    instrument = core.instruments[order.symbol]
    amount = order.remaining
    value = price * amount
    if is_liquidation:
        rate = core.config.liquidation_fee_rate
    else:
        rate = instrument.maker_fee if is_maker else instrument.taker_fee
    fee = fee_for(value, rate)
    side = order.intent.position_side
    key = (order.symbol, side)
    fill_id = core.new_id()
    position: PositionState | None
    if not order.intent.reduce_only:
        position = account.positions.get(key)
        if position is None:
            position = PositionState(
                id=core.new_id(),
                account_id=account.id,
                symbol=order.symbol,
                side=side,
                leverage=core.leverage_for(account, order.symbol, side),
                margin_mode=order.margin_mode,
                created_ms=now_ms,
                updated_ms=now_ms,
            )
            account.positions[key] = position
        position.add(amount, value, fee, now_ms)
        pnl = ZERO
        post(
            account,
            core.new_id(),
            symbol=order.symbol,
            bill_type=_OPEN_BILL[side],
            amount=-fee,
            fee=fee,
            now_ms=now_ms,
        )
    else:
        position = account.positions[key]
        pnl, _released = position.reduce(amount, value, fee, now_ms)
        post(
            account,
            core.new_id(),
            symbol=order.symbol,
            bill_type=_CLOSE_BILL[side],
            amount=pnl - fee,
            fee=fee,
            now_ms=now_ms,
        )
        if position.size == 0:
            del account.positions[key]
            cancel_position_tpsl(core, account, position, now_ms)
    fill = SimFill(
        id=fill_id,
        order_id=order.id,
        account_id=account.id,
        symbol=order.symbol,
        intent=order.intent,
        side=order.intent.side,
        position_side=side,
        amount=amount,
        price=price,
        value=value,
        fee=fee,
        realized_pnl=pnl,
        is_maker=is_maker,
        is_liquidation=is_liquidation,
        timestamp=now_ms,
        margin_mode=order.margin_mode,
    )
    core.fills[fill.id] = fill
    account.fill_ids.append(fill.id)
    core.journal.append(fill)
    filled = dataclasses.replace(
        order,
        filled=order.filled + amount,
        average_price=price,
        fee=order.fee + fee,
        realized_pnl=order.realized_pnl + pnl,
        status=OrderStatus.FILLED,
        updated_ms=now_ms,
        frozen_margin=ZERO,
    )
    core.store_order(filled, account, new=False)
    if not order.intent.reduce_only:
        _register_presets(core, account, filled, position, amount, now_ms)
    return fill


def _register_presets(
    core: CoreState,
    account: AccountState,
    order: SimOrder,
    position: PositionState,
    amount: Decimal,
    now_ms: int,
) -> None:
    """Preset TP/SL become trigger orders on the position, armed after the registration lag."""
    for kind, price in (
        (TriggerKind.TAKE_PROFIT, order.take_profit_price),
        (TriggerKind.STOP_LOSS, order.stop_loss_price),
    ):
        if price is None:
            continue
        trigger = SimTriggerOrder(
            id=core.new_id(),
            client_order_id=None,
            account_id=account.id,
            symbol=order.symbol,
            kind=kind,
            intent=OrderIntent.closing(position.side),
            size=amount,
            trigger_price=price,
            execute_price=None,
            trigger_on_mark=False,
            status="untriggered",
            created_ms=now_ms,
            visible_from_ms=now_ms + core.config.tpsl_registration_delay_ms,
            triggered_order_id=None,
            position_side=position.side,
            trigger_above=tpsl_trigger_above(kind, position.side),
            position_id=position.id,
            margin_mode=position.margin_mode,
            updated_ms=now_ms,
        )
        core.store_trigger(trigger, account, new=True)


def cancel_position_tpsl(
    core: CoreState, account: AccountState, position: PositionState, now_ms: int
) -> None:
    """A closed position takes its TP/SL with it; PLAN orders survive (documented quirk)."""
    for trigger_id in list(core.open_triggers.get(position.symbol, {})):
        trigger = core.triggers[trigger_id]
        if trigger.position_id == position.id and trigger.kind is not TriggerKind.PLAN:
            core.store_trigger(
                dataclasses.replace(trigger, status="canceled", updated_ms=now_ms), account, new=False
            )


def cancel(core: CoreState, account: AccountState, order: SimOrder, now_ms: int) -> SimOrder:
    canceled = dataclasses.replace(order, status=OrderStatus.CANCELED, updated_ms=now_ms, frozen_margin=ZERO)
    core.store_order(canceled, account, new=False)
    return canceled


def fill_resting(core: CoreState, symbol: str, last: Decimal, now_ms: int) -> None:
    """Fill, as maker at their own price, the resting limits that `last` trades strictly through."""
    for order_id in list(core.open_orders.get(symbol, {})):
        order = core.orders[order_id]
        if not order.is_open or order.price is None or not traded_through(order.side, order.price, last):
            continue
        account = core.accounts[order.account_id]
        if order.intent.reduce_only:
            position = core.position(account, symbol, order.intent.position_side)
            if position is None or position.size < order.remaining:
                # The position shrank under the order (liquidation, another close): reduce-only
                # never opens the other way, so the order dies.
                cancel(core, account, order, now_ms)
                continue
        execute(core, account, order, order.price, is_maker=True, now_ms=now_ms)


def check_liquidations(core: CoreState, now_ms: int) -> None:
    """Liquidate isolated positions with margin + upnl <= maintenance margin, and all cross
    positions of an account whose cross equity <= their total maintenance margin."""
    rate = core.config.maintenance_margin_rate
    for account_id in sorted(core.accounts):
        account = core.accounts[account_id]
        if not account.positions:
            continue
        marks = core.marks()
        for position in account.sorted_positions():
            mark = marks.get(position.symbol)
            if not position.is_isolated or mark is None:
                continue
            if position.isolated_margin + position.unrealized_pnl(mark) <= position.maintenance_margin(
                mark, rate
            ):
                _liquidate(core, account, [position], now_ms, cross=False)
        cross = [p for p in account.sorted_positions() if not p.is_isolated and p.symbol in marks]
        if not cross:
            continue
        maintenance = sum((p.maintenance_margin(marks[p.symbol], rate) for p in cross), ZERO)
        if cross_equity(account, marks) <= maintenance:
            _liquidate(core, account, cross, now_ms, cross=True)


def _liquidate(
    core: CoreState, account: AccountState, positions: list[PositionState], now_ms: int, *, cross: bool
) -> None:
    """Close positions at mark with the liquidation fee; losses beyond the collateral backing
    them are absorbed (FINISH_LIQUIDATE bill with a positive amount) so no balance goes negative."""
    symbols = {p.symbol for p in positions}
    for order in list(core.account_open_orders(account)):
        same_side = any(order.symbol == p.symbol and order.intent.position_side is p.side for p in positions)
        if (cross and order.symbol in symbols) or same_side:
            cancel(core, account, order, now_ms)
    for index, position in enumerate(positions):
        mark = core.mark(position.symbol)
        assert mark is not None
        margin_before = position.isolated_margin
        post(
            account,
            core.new_id(),
            symbol=position.symbol,
            bill_type=BillType.START_LIQUIDATE,
            amount=ZERO,
            now_ms=now_ms,
        )
        order = SimOrder(
            id=core.new_id(),
            client_order_id=None,
            account_id=account.id,
            symbol=position.symbol,
            intent=OrderIntent.closing(position.side),
            order_type=OrderType.MARKET,
            time_in_force=TimeInForce.IOC,
            price=None,
            amount=position.size,
            filled=ZERO,
            average_price=None,
            fee=ZERO,
            realized_pnl=ZERO,
            status=OrderStatus.OPEN,
            created_ms=now_ms,
            updated_ms=now_ms,
            margin_mode=position.margin_mode,
            is_liquidation=True,
        )
        core.store_order(order, account, new=True)
        fill = execute(core, account, order, mark, is_maker=False, now_ms=now_ms, is_liquidation=True)
        if cross:
            last = index == len(positions) - 1
            # Cross collateral is the wallet minus isolated margins; it may not end below zero.
            shortfall = account.isolated_margin_total() - account.wallet if last else ZERO
        else:
            # The position loses at most its margin, and the wallet never ends below zero.
            shortfall = max(-(fill.realized_pnl - fill.fee) - margin_before, -account.wallet)
        post(
            account,
            core.new_id(),
            symbol=position.symbol,
            bill_type=BillType.FINISH_LIQUIDATE,
            amount=max(ZERO, shortfall),
            now_ms=now_ms,
        )
