"""The pre-trade gate: one order proposal against the account's view and the limits.

`check_order` returns the first broken rule as a `Denial` (a rule and a sentence with the numbers)
or None when the order may be sent. It never raises: a denial is an event, not an exception.

Checks run in this order, and the first denial wins:

1. state: HALTED and REDUCING deny everything but exits (a halt must never trap a position: the
   operator may still close it, and its venue-side stop is kept, which is not an order of the gate);
2. every order: symbol, leverage, AI log stored, order-call rate, size (and an exit's size against
   its position);
3. wash trading: an entry against an open opposite position; an order crossing our own resting order;
4. entry frequency: interval since the symbol's last entry, orders in the last hour;
5. entry limits: open positions, symbol and total notional, margin use, stop loss, risk per trade.

Exposure is counted from positions at their entry price plus our resting limit entries (they may
fill) plus the order at its proposal price. Used margin is what the venue reports in use
(equity - available), so it already holds the margin frozen for resting orders.
Money is `Decimal`; float limits are converted through their shortest text (0.02 -> Decimal("0.02")).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from alphaloop.model import (
    COMPETITION_MAX_LEVERAGE,
    Order,
    OrderIntent,
    OrderStatus,
    OrderType,
    Position,
    PositionSide,
    Side,
    format_decimal,
)
from alphaloop.risk.limits import RiskLimits
from alphaloop.risk.state import TradingState

ORDER_RATE_WINDOW_MS = 1_000


class Rule(StrEnum):
    """The rule a denial names; the value is what the journal stores."""

    TRADING_HALTED = "trading_halted"
    REDUCE_ONLY = "reduce_only"
    SYMBOL_NOT_ALLOWED = "symbol_not_allowed"
    LEVERAGE = "leverage"
    ORDER_RATE = "order_rate"
    ENTRY_INTERVAL = "entry_interval"
    ORDERS_PER_HOUR = "orders_per_hour"
    OPPOSITE_POSITION = "opposite_position"
    SELF_CROSS = "self_cross"
    NO_AI_LOG = "no_ai_log"
    MAX_POSITIONS = "max_positions"
    SYMBOL_NOTIONAL = "symbol_notional"
    TOTAL_NOTIONAL = "total_notional"
    MARGIN_USE = "margin_use"
    RISK_PER_TRADE = "risk_per_trade"
    NO_STOP_LOSS = "no_stop_loss"
    STOP_WRONG_SIDE = "stop_wrong_side"
    INVALID_SIZE = "invalid_size"


@dataclass(frozen=True, slots=True)
class OrderProposal:
    """An order the engine wants to send. `price` is the limit price, or the reference price of a
    market order (the last trade), which sizes its notional, margin and risk."""

    symbol: str
    intent: OrderIntent
    amount: Decimal
    price: Decimal
    leverage: int
    client_oid: str
    ai_log_stored: bool
    stop_loss: Decimal | None = None
    take_profit: Decimal | None = None
    order_type: OrderType = OrderType.MARKET

    def to_json(self) -> dict[str, Any]:
        """JSON-safe form for the journal (decimals as strings)."""
        return {
            "symbol": self.symbol,
            "intent": self.intent.value,
            "amount": _text(self.amount),
            "price": _text(self.price),
            "leverage": self.leverage,
            "client_oid": self.client_oid,
            "ai_log_stored": self.ai_log_stored,
            "stop_loss": None if self.stop_loss is None else _text(self.stop_loss),
            "take_profit": None if self.take_profit is None else _text(self.take_profit),
            "order_type": self.order_type.value,
        }


@dataclass(frozen=True, slots=True)
class RiskView:
    """What the gate knows about the account at `now_ms`.

    `order_calls_ms`: times of order/cancel calls sent lately; `last_entry_ms`: per unified symbol,
    the time of its newest entry order; `orders_last_hour`: orders sent in the last hour."""

    now_ms: int
    state: TradingState
    equity: Decimal
    available: Decimal
    positions: Sequence[Position]
    resting_orders: Sequence[Order]
    order_calls_ms: Sequence[int]
    last_entry_ms: Mapping[str, int]
    orders_last_hour: int


@dataclass(frozen=True, slots=True)
class Denial:
    rule: Rule
    message: str

    def __str__(self) -> str:
        return f"{self.rule.value}: {self.message}"


def check_order(proposal: OrderProposal, view: RiskView, limits: RiskLimits) -> Denial | None:
    """The first rule the proposal breaks, or None when it may be sent."""
    checks = _ENTRY_CHECKS if not proposal.intent.reduce_only else _EXIT_CHECKS
    for check in checks:
        denial = check(proposal, view, limits)
        if denial is not None:
            return denial
    return None


def order_call_wait_ms(call_times_ms: Sequence[int], now_ms: int, limit_per_second: int) -> int:
    """Milliseconds to wait until fewer than `limit_per_second` calls remain in the trailing 1000 ms,
    so that with the next call at most that many fall in one second; 0 when it may go now.
    `check_order` denies ORDER_RATE exactly when this is positive."""
    recent = sorted(t for t in call_times_ms if t > now_ms - ORDER_RATE_WINDOW_MS)
    excess = len(recent) - max(limit_per_second, 1) + 1
    if excess <= 0:
        return 0
    # the call that must leave the window is the excess-th oldest; it leaves 1000 ms after it was made
    return recent[excess - 1] + ORDER_RATE_WINDOW_MS - now_ms


# --- checks: each returns a denial or None ---------------------------------------------------------

_Check = Callable[[OrderProposal, RiskView, RiskLimits], Denial | None]


def _check_state(p: OrderProposal, view: RiskView, _: RiskLimits) -> Denial | None:
    if view.state is TradingState.HALTED and not p.intent.reduce_only:
        return Denial(
            Rule.TRADING_HALTED,
            f"{p.symbol}: trading is halted; only exits are sent until resumed, not {_words(p.intent)}",
        )
    if view.state is TradingState.REDUCING and not p.intent.reduce_only:
        return Denial(
            Rule.REDUCE_ONLY,
            f"{p.symbol}: trading is reducing; only exits are allowed, not {_words(p.intent)}",
        )
    return None


def _check_symbol(p: OrderProposal, _: RiskView, limits: RiskLimits) -> Denial | None:
    if p.symbol not in limits.symbols:
        return Denial(
            Rule.SYMBOL_NOT_ALLOWED,
            f"{p.symbol}: not an allowed symbol (allowed: {', '.join(limits.symbols)})",
        )
    return None


def _check_leverage(p: OrderProposal, _: RiskView, limits: RiskLimits) -> Denial | None:
    ceiling = min(limits.max_leverage, COMPETITION_MAX_LEVERAGE)
    if not 1 <= p.leverage <= ceiling:
        return Denial(Rule.LEVERAGE, f"{p.symbol}: leverage {p.leverage}x, allowed 1x to {ceiling}x")
    return None


def _check_ai_log(p: OrderProposal, _: RiskView, __: RiskLimits) -> Denial | None:
    if not p.ai_log_stored:
        return Denial(
            Rule.NO_AI_LOG, f"{p.symbol}: no AI log stored for this order; one must be stored first"
        )
    return None


def _check_rate(p: OrderProposal, view: RiskView, limits: RiskLimits) -> Denial | None:
    limit = limits.max_order_calls_per_second
    wait = order_call_wait_ms(view.order_calls_ms, view.now_ms, limit)
    if wait > 0:
        recent = sum(1 for t in view.order_calls_ms if t > view.now_ms - ORDER_RATE_WINDOW_MS)
        return Denial(
            Rule.ORDER_RATE,
            f"{p.symbol}: {recent} order calls in the last second, limit {limit} per second; "
            f"next call in {wait} ms",
        )
    return None


def _check_size(p: OrderProposal, view: RiskView, _: RiskLimits) -> Denial | None:
    if not (p.amount.is_finite() and p.amount > 0):
        return Denial(Rule.INVALID_SIZE, f"{p.symbol}: amount {_text(p.amount)} must be a positive number")
    if not (p.price.is_finite() and p.price > 0):
        return Denial(Rule.INVALID_SIZE, f"{p.symbol}: price {_text(p.price)} must be a positive number")
    if p.intent.reduce_only:
        side = p.intent.position_side
        held = _position_size(view.positions, p.symbol, side)
        if p.amount > held:
            return Denial(
                Rule.INVALID_SIZE,
                f"{p.symbol}: {_words(p.intent)} amount {_text(p.amount)} exceeds the open {side.value} "
                f"position {_text(held)}",
            )
    return None


def _check_opposite_position(p: OrderProposal, view: RiskView, _: RiskLimits) -> Denial | None:
    opposite = _other(p.intent.position_side)
    held = _position_size(view.positions, p.symbol, opposite)
    if held > 0:
        return Denial(
            Rule.OPPOSITE_POSITION,
            f"{p.symbol}: {_words(p.intent)} while a {opposite.value} position of {_text(held)} is open; "
            f"close it first",
        )
    return None


def _check_self_cross(p: OrderProposal, view: RiskView, _: RiskLimits) -> Denial | None:
    side = p.intent.side
    for order in _resting(view.resting_orders, p.symbol):
        if order.side is side:
            continue
        if p.order_type is OrderType.LIMIT and order.price is not None:
            crosses = p.price >= order.price if side is Side.BUY else p.price <= order.price
        else:
            crosses = True
        if crosses:
            at = "" if order.price is None else f" at {_text(order.price)}"
            return Denial(
                Rule.SELF_CROSS,
                f"{p.symbol}: {side.value} {p.order_type.value} order at {_text(p.price)} would cross our "
                f"resting {order.side.value} order {order.id}{at}",
            )
    return None


def _check_entry_interval(p: OrderProposal, view: RiskView, limits: RiskLimits) -> Denial | None:
    last = view.last_entry_ms.get(p.symbol)
    if last is None:
        return None
    elapsed_ms = view.now_ms - last
    if elapsed_ms < limits.min_entry_interval_s * 1000:
        return Denial(
            Rule.ENTRY_INTERVAL,
            f"{p.symbol}: entry {elapsed_ms / 1000:g} s after the previous one, "
            f"minimum {limits.min_entry_interval_s:g} s",
        )
    return None


def _check_orders_per_hour(p: OrderProposal, view: RiskView, limits: RiskLimits) -> Denial | None:
    if view.orders_last_hour >= limits.max_orders_per_hour:
        return Denial(
            Rule.ORDERS_PER_HOUR,
            f"{p.symbol}: {view.orders_last_hour} orders in the last hour, "
            f"maximum {limits.max_orders_per_hour}",
        )
    return None


def _check_positions(p: OrderProposal, view: RiskView, limits: RiskLimits) -> Denial | None:
    open_keys = {(pos.symbol, pos.side) for pos in view.positions if pos.size > 0}
    if (p.symbol, p.intent.position_side) in open_keys:
        return None
    if len(open_keys) + 1 > limits.max_open_positions:
        return Denial(
            Rule.MAX_POSITIONS,
            f"{p.symbol}: a new {p.intent.position_side.value} position would make {len(open_keys) + 1} "
            f"open positions, maximum {limits.max_open_positions}",
        )
    return None


def _check_symbol_notional(p: OrderProposal, view: RiskView, limits: RiskLimits) -> Denial | None:
    equity = view.equity
    if not _positive(equity):
        return _no_equity(p, Rule.SYMBOL_NOTIONAL, equity)
    after = symbol_exposure(view, p.symbol) + p.amount * p.price
    if after > _dec(limits.max_symbol_notional) * equity:
        return Denial(
            Rule.SYMBOL_NOTIONAL,
            f"{p.symbol}: notional after the order {_money(after)} is {_times(after, equity)} equity "
            f"{_money(equity)}, maximum {limits.max_symbol_notional:g}x",
        )
    return None


def _check_total_notional(p: OrderProposal, view: RiskView, limits: RiskLimits) -> Denial | None:
    equity = view.equity
    if not _positive(equity):
        return _no_equity(p, Rule.TOTAL_NOTIONAL, equity)
    after = total_exposure(view) + p.amount * p.price
    if after > _dec(limits.max_total_notional) * equity:
        return Denial(
            Rule.TOTAL_NOTIONAL,
            f"{p.symbol}: total notional after the order {_money(after)} is {_times(after, equity)} equity "
            f"{_money(equity)}, maximum {limits.max_total_notional:g}x",
        )
    return None


def _check_margin(p: OrderProposal, view: RiskView, limits: RiskLimits) -> Denial | None:
    equity = view.equity
    if not _positive(equity):
        return _no_equity(p, Rule.MARGIN_USE, equity)
    used = max(equity - view.available, Decimal(0)) if view.available.is_finite() else equity
    needed = p.amount * p.price / p.leverage
    after = used + needed
    if after > _dec(limits.max_margin_use) * equity:
        return Denial(
            Rule.MARGIN_USE,
            f"{p.symbol}: margin use after the order {_share(after, equity)} of equity {_money(equity)} "
            f"(in use {_money(used)} + {_money(needed)} for this order), "
            f"maximum {_percent(limits.max_margin_use)}",
        )
    return None


def _check_stop_required(p: OrderProposal, _: RiskView, limits: RiskLimits) -> Denial | None:
    if limits.require_stop_loss and p.stop_loss is None:
        return Denial(
            Rule.NO_STOP_LOSS, f"{p.symbol}: {_words(p.intent)} without a stop loss; one is required"
        )
    return None


def _check_stop_side(p: OrderProposal, _: RiskView, __: RiskLimits) -> Denial | None:
    stop = p.stop_loss
    if stop is None:
        return None
    if not (stop.is_finite() and stop > 0):
        return Denial(Rule.STOP_WRONG_SIDE, f"{p.symbol}: stop loss {_text(stop)} must be a positive number")
    long = p.intent.position_side is PositionSide.LONG
    if stop >= p.price if long else stop <= p.price:
        where = "below" if long else "above"
        side = "long" if long else "short"
        return Denial(
            Rule.STOP_WRONG_SIDE,
            f"{p.symbol}: stop loss {_text(stop)} must be {where} the price {_text(p.price)} for a {side}",
        )
    return None


def _check_risk_per_trade(p: OrderProposal, view: RiskView, limits: RiskLimits) -> Denial | None:
    # Without a stop (allowed only when require_stop_loss is off) the loss has no level to measure.
    if p.stop_loss is None:
        return None
    equity = view.equity
    if not _positive(equity):
        return _no_equity(p, Rule.RISK_PER_TRADE, equity)
    loss = p.amount * abs(p.price - p.stop_loss)
    if loss > _dec(limits.max_risk_per_trade) * equity:
        return Denial(
            Rule.RISK_PER_TRADE,
            f"{p.symbol}: loss at the stop {_money(loss)} is {_share(loss, equity)} of equity "
            f"{_money(equity)}, maximum {_percent(limits.max_risk_per_trade)}",
        )
    return None


_PREAMBLE: tuple[_Check, ...] = (
    _check_state,
    _check_symbol,
    _check_leverage,
    _check_ai_log,
    _check_rate,
    _check_size,
)
_ENTRY_CHECKS: tuple[_Check, ...] = (
    *_PREAMBLE,
    _check_opposite_position,
    _check_self_cross,
    _check_entry_interval,
    _check_orders_per_hour,
    _check_positions,
    _check_symbol_notional,
    _check_total_notional,
    _check_margin,
    _check_stop_required,
    _check_stop_side,
    _check_risk_per_trade,
)
_EXIT_CHECKS: tuple[_Check, ...] = (*_PREAMBLE, _check_self_cross)


# --- exposure ----------------------------------------------------------------------------------------


def symbol_exposure(view: RiskView, symbol: str) -> Decimal:
    """Notional of one symbol: its positions at entry price plus our resting limit entries."""
    positions = sum(
        (pos.notional for pos in view.positions if pos.symbol == symbol and pos.size > 0), Decimal(0)
    )
    return positions + _resting_entry_notional(view.resting_orders, symbol)


def total_exposure(view: RiskView) -> Decimal:
    """Notional of all symbols, counted like `symbol_exposure`."""
    positions = sum((pos.notional for pos in view.positions if pos.size > 0), Decimal(0))
    return positions + _resting_entry_notional(view.resting_orders, None)


def _resting(orders: Sequence[Order], symbol: str | None) -> list[Order]:
    """Our orders in the book: not final, not a trigger order (those wait off the book), not filled."""
    return [
        o
        for o in orders
        if (symbol is None or o.symbol == symbol)
        and not o.status.is_final
        and o.status is not OrderStatus.UNTRIGGERED
        and o.trigger_kind is None
        and o.trigger_price is None
        and o.remaining > 0
    ]


def _resting_entry_notional(orders: Sequence[Order], symbol: str | None) -> Decimal:
    # A resting order without a price (a market order in flux) is left to the margin check, which
    # sees the margin the venue froze for it.
    return sum(
        (
            o.remaining * o.price
            for o in _resting(orders, symbol)
            if not o.intent.reduce_only and o.price is not None
        ),
        Decimal(0),
    )


def _position_size(positions: Sequence[Position], symbol: str, side: PositionSide) -> Decimal:
    return sum(
        (p.size for p in positions if p.symbol == symbol and p.side is side and p.size > 0), Decimal(0)
    )


def _other(side: PositionSide) -> PositionSide:
    return PositionSide.SHORT if side is PositionSide.LONG else PositionSide.LONG


# --- numbers and words -------------------------------------------------------------------------------


def _positive(equity: Decimal) -> bool:
    return equity.is_finite() and equity > 0


def _no_equity(p: OrderProposal, rule: Rule, equity: Decimal) -> Denial:
    # every cap is a share of equity: without equity no entry fits
    return Denial(rule, f"{p.symbol}: equity {_money(equity)} leaves no room for an entry")


def _dec(value: float) -> Decimal:
    return Decimal(repr(value))


def _text(value: Decimal) -> str:
    return format_decimal(value) if value.is_finite() else str(value)


def _money(value: Decimal) -> str:
    return f"{value:.2f}" if value.is_finite() else str(value)


def _times(part: Decimal, whole: Decimal) -> str:
    return f"{float(part / whole):.4g}x"


def _share(part: Decimal, whole: Decimal) -> str:
    return f"{float(part / whole) * 100:.4g}%"


def _percent(fraction: float) -> str:
    return f"{fraction * 100:.4g}%"


def _words(intent: OrderIntent) -> str:
    return intent.value.replace("_", " ")
