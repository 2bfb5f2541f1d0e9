"""Per-symbol account settings: leverage (with re-margining) and isolated margin moves."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from alphaloop.model import MarginMode, PositionSide
from alphaloop.venues.sim.core.accounts import AccountState, post
from alphaloop.venues.sim.core.book import money
from alphaloop.venues.sim.core.state import CoreState
from alphaloop.venues.sim.core.types import BillType, RejectReason, SimOrder, SimRejection
from alphaloop.venues.sim.core.validation import initial_margin


def check_leverage(
    core: CoreState,
    account: AccountState,
    symbol: str,
    long_leverage: int,
    short_leverage: int,
    mode: MarginMode,
) -> None:
    instrument = core.instrument(symbol)
    current = account.margin_mode(symbol)
    if mode is not current:
        raise SimRejection(
            RejectReason.INVALID_PARAMETER,
            f"Parameter marginMode is invalid: {symbol} is in {current.value} mode",
            param="marginMode",
        )
    if mode is MarginMode.CROSS and long_leverage != short_leverage:
        raise SimRejection(
            RejectReason.INVALID_PARAMETER,
            "Parameter shortLeverage is invalid: cross mode needs equal long and short leverage",
            param="shortLeverage",
        )
    cap = core.leverage_cap(symbol)
    for name, value in (("longLeverage", long_leverage), ("shortLeverage", short_leverage)):
        if value < max(1, instrument.min_leverage):
            raise SimRejection(RejectReason.INVALID_PARAMETER, f"Parameter {name} is invalid", param=name)
        if value > cap:
            raise SimRejection(
                RejectReason.LEVERAGE_LIMIT, f"Leverage cannot exceed the limit {cap}", param=name
            )


def apply_leverage(
    core: CoreState, account: AccountState, symbol: str, long_leverage: int, short_leverage: int, now_ms: int
) -> None:
    """Re-margin open positions and re-freeze open opening orders at the new leverage, or
    refuse (INSUFFICIENT_MARGIN, nothing changed) when that leaves negative available margin.

    Open orders are re-frozen because they open at the leverage in force when they fill.
    """

    def leverage_of(side: PositionSide) -> int:
        return long_leverage if side is PositionSide.LONG else short_leverage

    saved_positions = [(p, p.leverage, p.isolated_margin) for p in account.sorted_positions(symbol)]
    saved_orders: list[SimOrder] = []
    for position, old_leverage, old_margin in saved_positions:
        position.leverage = leverage_of(position.side)
        if position.is_isolated:
            delta = money(position.open_value / position.leverage) - money(position.open_value / old_leverage)
            position.isolated_margin = old_margin + delta
    taker_fee = core.instruments[symbol].taker_fee
    for order in list(core.account_open_orders(account, symbol)):
        if order.intent.reduce_only or order.price is None:
            continue
        saved_orders.append(order)
        leverage = leverage_of(order.intent.position_side)
        required = initial_margin(order.price * order.remaining, leverage, taker_fee)
        core.store_order(dataclasses.replace(order, frozen_margin=required), account, new=False)
    summary = core.summary(account)
    if summary.wallet + summary.cross_unrealized_pnl - summary.used_margin - summary.frozen < 0:
        for position, old_leverage, old_margin in saved_positions:
            position.leverage, position.isolated_margin = old_leverage, old_margin
        for order in saved_orders:
            core.store_order(order, account, new=False)
        raise SimRejection(
            RejectReason.INSUFFICIENT_MARGIN, "insufficient margin for the new leverage", param="leverage"
        )
    for position, _, _ in saved_positions:
        position.updated_ms = now_ms
    account.leverage[symbol] = (long_leverage, short_leverage)


def adjust_isolated_margin(
    core: CoreState, account: AccountState, position_id: str, amount: Decimal, now_ms: int
) -> None:
    position = account.find_position(position_id)
    if position is None:
        raise SimRejection(
            RejectReason.POSITION_NOT_FOUND,
            f"position {position_id} does not exist",
            param="isolatedPositionId",
        )
    if not position.is_isolated or amount == 0:
        raise SimRejection(
            RejectReason.INVALID_PARAMETER,
            "margin can only be moved into or out of an isolated position, by a non-zero amount",
            param="collateralAmount",
        )
    if amount > 0 and amount > core.summary(account).available:
        raise SimRejection(
            RejectReason.INSUFFICIENT_MARGIN, "not enough available margin to add", param="collateralAmount"
        )
    if amount < 0 and position.isolated_margin + amount < money(position.open_value / position.leverage):
        raise SimRejection(
            RejectReason.INSUFFICIENT_MARGIN,
            "cannot remove margin below the initial margin",
            param="collateralAmount",
        )
    position.isolated_margin += amount
    position.updated_ms = now_ms
    post(
        account,
        core.new_id(),
        symbol=position.symbol,
        bill_type=BillType.MARGIN_MOVE_IN if amount > 0 else BillType.MARGIN_MOVE_OUT,
        amount=amount,
        now_ms=now_ms,
    )
