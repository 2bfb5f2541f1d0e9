"""Properties of check_order over random proposals, accounts and limits.

It never raises, and whatever it approves keeps the invariants the limits promise; the exposure
here is recomputed from the definition (positions at entry price + our resting priced entries).
"""

from __future__ import annotations

from dataclasses import replace
from decimal import ROUND_DOWN, Decimal
from typing import TypeVar

from hypothesis import event, given, settings
from hypothesis import strategies as st

from alphaloop.model import (
    COMPETITION_SYMBOLS,
    Order,
    OrderIntent,
    OrderStatus,
    OrderType,
    Position,
    PositionSide,
    TriggerKind,
)
from alphaloop.risk import OrderProposal, RiskLimits, RiskView, TradingState, check_order

NOW = 1_700_000_000_000
SPECIAL = st.sampled_from([Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity"), Decimal("-Infinity")])
symbols = st.sampled_from(COMPETITION_SYMBOLS)
T = TypeVar("T")
prices = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(100_000), places=2)
sizes = st.decimals(min_value=Decimal(0), max_value=Decimal(5), places=3)


@st.composite
def limits(draw: st.DrawFn) -> RiskLimits:
    return RiskLimits(
        symbols=tuple(draw(st.lists(symbols, min_size=1, max_size=8, unique=True))),
        max_leverage=draw(st.integers(1, 20)),
        max_order_calls_per_second=draw(st.integers(1, 10)),
        min_entry_interval_s=draw(st.sampled_from([0.0, 60.0, 300.0])),
        max_orders_per_hour=draw(st.integers(1, 40)),
        max_open_positions=draw(st.integers(1, 8)),
        max_symbol_notional=draw(st.floats(0.05, 3.0)),
        max_total_notional=draw(st.floats(0.05, 6.0)),
        max_margin_use=draw(st.floats(0.05, 1.0)),
        max_risk_per_trade=draw(st.floats(0.001, 0.2)),
        require_stop_loss=draw(st.booleans()),
    )


def _size_for(draw: st.DrawFn, equity: Decimal, price: Decimal, most: str) -> Decimal:
    """A size worth up to `most` x equity at `price` (any size when equity is not a number)."""
    if not (equity.is_finite() and equity > 0):
        return draw(sizes)
    share = draw(st.decimals(min_value=0, max_value=Decimal(most), places=3))
    return (equity * share / price).quantize(Decimal("0.001"), rounding=ROUND_DOWN)


@st.composite
def positions(draw: st.DrawFn, equity: Decimal) -> Position:
    entry_price = draw(prices)
    return Position(
        symbol=draw(symbols),
        side=draw(st.sampled_from(PositionSide)),
        size=_size_for(draw, equity, entry_price, "0.6"),
        entry_price=entry_price,
        leverage=Decimal(draw(st.integers(1, 20))),
    )


@st.composite
def orders(draw: st.DrawFn, symbol: str, equity: Decimal) -> Order:
    trigger = draw(st.booleans())
    price = draw(st.one_of(st.none(), prices))
    return Order(
        id=str(draw(st.integers(0, 10**6))),
        symbol=draw(st.one_of(st.just(symbol), symbols)),
        intent=draw(st.sampled_from(OrderIntent)),
        order_type=OrderType.LIMIT,
        status=draw(st.sampled_from(OrderStatus)),
        amount=_size_for(draw, equity, price or Decimal(1000), "0.3"),
        filled=draw(st.sampled_from([Decimal(0), Decimal("0.001")])),
        price=price,
        trigger_price=draw(prices) if trigger else None,
        trigger_kind=TriggerKind.STOP_LOSS if trigger else None,
    )


#: What can make a case fail an early gate; a case has none (half of them) or one or two.
FLAWS = ("state", "symbol", "leverage", "ai_log", "rate", "amount", "price", "equity", "available", "stop")


@st.composite
def cases(draw: st.DrawFn) -> tuple[OrderProposal, RiskView, RiskLimits]:
    """Limits, then an account and a proposal. Half the cases pass the early gates, so they reach the
    exposure, margin and stop rules, with sizes drawn as a share of equity; the others carry one or
    two flaws (bad symbol, NaN price, HALTED...)."""
    lim = draw(limits())
    flaws = set() if draw(st.booleans()) else draw(st.sets(st.sampled_from(FLAWS), min_size=1, max_size=2))
    # entries twice as often: they meet the most rules
    intent = draw(st.sampled_from([*OrderIntent, OrderIntent.OPEN_LONG, OrderIntent.OPEN_SHORT]))

    def pick(flaw: str, good: st.SearchStrategy[T], bad: st.SearchStrategy[T]) -> T:
        return draw(bad if flaw in flaws else good)

    symbol = pick(
        "symbol", st.sampled_from(lim.symbols), st.sampled_from([*COMPETITION_SYMBOLS, "cmt_btcusdt"])
    )
    equity = pick(
        "equity",
        st.decimals(min_value=100, max_value=200_000, places=2),
        st.one_of(SPECIAL, st.decimals(-100, 100, places=2)),
    )
    price = pick("price", prices, st.one_of(SPECIAL, st.decimals(min_value=-1, max_value=0, places=2)))
    usable = equity.is_finite() and price.is_finite() and price > 0
    if usable and "amount" not in flaws:
        share = draw(st.decimals(min_value=Decimal("0.001"), max_value=Decimal("1.5"), places=3))
        amount = max(
            (equity * share / price).quantize(Decimal("0.001"), rounding=ROUND_DOWN), Decimal("0.001")
        )
    else:
        amount = draw(st.one_of(sizes, st.decimals(min_value=-1, max_value=0, places=3), SPECIAL))
    near = st.decimals(min_value=Decimal("0.97"), max_value=Decimal("1.03"), places=4).map(
        lambda f: (price * f).quantize(Decimal("0.01")) if usable else Decimal(1)
    )
    p = OrderProposal(
        symbol=symbol,
        intent=intent,
        amount=amount,
        price=price,
        leverage=pick("leverage", st.integers(1, lim.max_leverage), st.integers(-2, 25)),
        client_oid="al0123456789abcde0e",
        ai_log_stored="ai_log" not in flaws,
        stop_loss=pick("stop", st.one_of(near, st.none()), st.one_of(prices, SPECIAL)),
        order_type=draw(st.sampled_from(OrderType)),
    )
    held = (
        [position_of(symbol, intent.position_side, amount + draw(sizes))]
        if intent.reduce_only and amount.is_finite()
        else []
    )
    calm_calls = st.lists(st.integers(NOW - 2_000, NOW), max_size=lim.max_order_calls_per_second - 1)
    view = RiskView(
        now_ms=NOW,
        state=pick(
            "state",
            st.sampled_from(list(TradingState) if intent.reduce_only else [TradingState.ACTIVE]),
            st.sampled_from(TradingState),
        ),
        equity=equity,
        available=pick(
            "available",
            st.decimals(min_value=Decimal("0.7"), max_value=1, places=3).map(
                lambda f: (equity * f).quantize(Decimal("0.01")) if equity.is_finite() else equity
            ),
            st.one_of(SPECIAL, st.decimals(-100, 200_000, places=2)),
        ),
        positions=held + draw(st.lists(positions(equity), max_size=4)),
        resting_orders=draw(st.lists(orders(symbol, equity), max_size=3)),
        order_calls_ms=pick(
            "rate", calm_calls, st.lists(st.integers(NOW - 999, NOW), min_size=lim.max_order_calls_per_second)
        ),
        last_entry_ms=draw(st.dictionaries(symbols, st.integers(NOW - 1_000_000, NOW), max_size=2)),
        orders_last_hour=draw(st.integers(0, lim.max_orders_per_hour)),
    )
    return p, view, lim


def position_of(symbol: str, side: PositionSide, size: Decimal) -> Position:
    return Position(symbol=symbol, side=side, size=size, entry_price=Decimal(100), leverage=Decimal(1))


def _is_resting_entry(o: Order) -> bool:
    return (
        o.status in (OrderStatus.PENDING, OrderStatus.OPEN, OrderStatus.CANCELING, OrderStatus.UNKNOWN)
        and o.trigger_price is None
        and not o.intent.reduce_only
        and o.price is not None
        and o.amount > o.filled
    )


def _exposure(view: RiskView, symbol: str | None) -> Decimal:
    held = sum(
        (p.size * p.entry_price for p in view.positions if symbol in (None, p.symbol)),
        Decimal(0),
    )
    resting = sum(
        (
            (o.amount - o.filled) * o.price
            for o in view.resting_orders
            if symbol in (None, o.symbol) and _is_resting_entry(o) and o.price is not None
        ),
        Decimal(0),
    )
    return held + resting


def _dec(x: float) -> Decimal:
    return Decimal(repr(x))


@settings(max_examples=300, deadline=None)
@given(case=cases())
def test_approved_orders_respect_the_limits(case: tuple[OrderProposal, RiskView, RiskLimits]) -> None:
    p, view, lim = case
    denial = check_order(p, view, lim)
    kind = "exit" if p.intent.reduce_only else "entry"
    event(f"{kind}: {'approved' if denial is None else denial.rule.value}")
    if denial is not None:
        assert denial.message.startswith(f"{p.symbol}: ")
        return
    # halted sends exits only (a halt never traps a position), reducing likewise
    assert view.state is TradingState.ACTIVE or p.intent.reduce_only
    assert p.ai_log_stored
    assert p.symbol in lim.symbols
    assert 1 <= p.leverage <= lim.max_leverage
    assert p.amount.is_finite()
    assert p.amount > 0
    assert p.price.is_finite()
    assert p.price > 0
    if p.intent.reduce_only:
        held = sum(
            (x.size for x in view.positions if (x.symbol, x.side) == (p.symbol, p.intent.position_side)),
            Decimal(0),
        )
        assert p.amount <= held
        return
    assert view.state is TradingState.ACTIVE
    equity = view.equity
    assert equity.is_finite()
    assert equity > 0
    notional = p.amount * p.price
    assert _exposure(view, p.symbol) + notional <= _dec(lim.max_symbol_notional) * equity
    assert _exposure(view, None) + notional <= _dec(lim.max_total_notional) * equity
    in_use = max(equity - view.available, Decimal(0))
    assert in_use + notional / p.leverage <= _dec(lim.max_margin_use) * equity
    assert sum(1 for t in view.order_calls_ms if t > NOW - 1000) < lim.max_order_calls_per_second
    assert view.orders_last_hour < lim.max_orders_per_hour
    if lim.require_stop_loss:
        assert p.stop_loss is not None
    if p.stop_loss is not None:
        assert p.amount * abs(p.price - p.stop_loss) <= _dec(lim.max_risk_per_trade) * equity
        assert (p.stop_loss < p.price) if p.intent is OrderIntent.OPEN_LONG else (p.stop_loss > p.price)
    opposite = PositionSide.SHORT if p.intent.position_side is PositionSide.LONG else PositionSide.LONG
    assert not any(x.symbol == p.symbol and x.side is opposite and x.size > 0 for x in view.positions)


@settings(max_examples=100, deadline=None)
@given(case=cases())
def test_raising_equity_never_turns_an_approval_into_a_denial(
    case: tuple[OrderProposal, RiskView, RiskLimits],
) -> None:
    """More equity (and as much more available) loosens every cap that is a share of equity."""
    p, view, lim = case
    if p.intent.reduce_only or check_order(p, view, lim) is not None:
        return
    event("approved entry")
    richer = replace(view, equity=view.equity * 2, available=view.available + view.equity)
    assert check_order(p, richer, lim) is None
