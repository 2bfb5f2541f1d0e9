"""From a decision to concrete orders: which intent, how much, which stop, in which order."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from alphaloop.engine.planning import (
    PlannedOrder,
    Skipped,
    exit_price_levels,
    plan_orders,
    positions_by_symbol,
)
from alphaloop.engine.sizing import SizingPolicy
from alphaloop.model import Instrument, OrderIntent, Position, PositionSide
from alphaloop.model.decision import Action, Decision, ModelInfo, SymbolDecision
from alphaloop.model.snapshot import AccountView

BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"
PRICE = Decimal(100)
TICK = Decimal("0.1")
STEP = Decimal("0.001")
MODEL = ModelInfo("test", "1")
ACCOUNT = AccountView(equity=10_000.0, wallet=10_000.0, available=10_000.0, used_margin=0.0)
UNITS = SizingPolicy(mode="units", units=1.0)


def instrument(symbol: str, min_size: str = "0.01") -> Instrument:
    base = symbol.split("/")[0]
    return Instrument(
        symbol=symbol,
        venue_symbol=f"cmt_{base.lower()}usdt",
        base=base,
        quote="USDT",
        settle="USDT",
        price_tick=TICK,
        size_step=STEP,
        min_size=Decimal(min_size),
        max_size=Decimal(10_000),
    )


INSTRUMENTS = {BTC: instrument(BTC), ETH: instrument(ETH)}


def position(symbol: str, side: PositionSide, size: str, leverage: int = 3) -> Position:
    return Position(symbol, side, Decimal(size), entry_price=PRICE, leverage=Decimal(leverage))


def plan(
    *wishes: SymbolDecision,
    positions: Sequence[Position] = (),
    sizing: SizingPolicy = UNITS,
    leverage: int = 5,
    prices: dict[str, Decimal] | None = None,
) -> tuple[list[PlannedOrder], list[Skipped]]:
    return plan_orders(
        Decision(0, wishes, MODEL),
        positions=positions_by_symbol(positions),
        instruments=INSTRUMENTS,
        prices={BTC: PRICE, ETH: PRICE} if prices is None else prices,
        account=ACCOUNT,
        sizing=sizing,
        leverage=leverage,
        fallback_stop_fraction=0.03,
    )


def wish(action: Action, symbol: str = BTC, **extra: object) -> SymbolDecision:
    return SymbolDecision(symbol, action, **extra)  # type: ignore[arg-type]


# ---------------------------------------------------------------------- exits


@pytest.mark.parametrize(
    ("side", "intent"),
    [(PositionSide.LONG, OrderIntent.CLOSE_LONG), (PositionSide.SHORT, OrderIntent.CLOSE_SHORT)],
)
def test_close_closes_the_whole_open_position(side: PositionSide, intent: OrderIntent) -> None:
    orders, skipped = plan(wish(Action.CLOSE), positions=[position(BTC, side, "0.537")])
    assert skipped == []
    [order] = orders
    assert (order.symbol, order.intent, order.amount) == (BTC, intent, Decimal("0.537"))
    assert (order.purpose, order.leg) == ("exit", "x")
    assert order.stop_loss is None
    assert order.take_profit is None
    assert order.leverage == 3  # the position's own leverage
    assert order.price == PRICE


def test_close_without_a_position_is_skipped_with_a_reason() -> None:
    orders, skipped = plan(wish(Action.CLOSE), positions=[position(ETH, PositionSide.LONG, "1")])
    assert orders == []
    assert [s.symbol for s in skipped] == [BTC]
    assert "without an open position" in skipped[0].reason


# ---------------------------------------------------------------------- entries against a position


@pytest.mark.parametrize(
    ("side", "action"), [(PositionSide.LONG, Action.OPEN_LONG), (PositionSide.SHORT, Action.OPEN_SHORT)]
)
def test_entry_in_the_held_direction_does_nothing(side: PositionSide, action: Action) -> None:
    orders, skipped = plan(wish(action), positions=[position(BTC, side, "1")])
    assert orders == []
    assert len(skipped) == 1
    assert "already positioned" in skipped[0].reason


@pytest.mark.parametrize(
    ("side", "action", "closing"),
    [
        (PositionSide.LONG, Action.OPEN_SHORT, OrderIntent.CLOSE_LONG),
        (PositionSide.SHORT, Action.OPEN_LONG, OrderIntent.CLOSE_SHORT),
    ],
)
def test_reversal_only_closes_this_cycle(side: PositionSide, action: Action, closing: OrderIntent) -> None:
    orders, skipped = plan(wish(action, stop_loss=90.0), positions=[position(BTC, side, "2")])
    assert [(o.intent, o.amount, o.purpose) for o in orders] == [(closing, Decimal(2), "exit")]
    assert not any(o.intent.reduce_only is False for o in orders)
    assert len(skipped) == 1
    assert "reversal" in skipped[0].reason


# ---------------------------------------------------------------------- sizing


def test_entry_size_is_floored_to_the_step() -> None:
    [order], _ = plan(wish(Action.OPEN_LONG), sizing=SizingPolicy(mode="units", units=0.0379))
    assert order.amount == Decimal("0.037")
    assert order.intent is OrderIntent.OPEN_LONG
    assert (order.purpose, order.leg) == ("entry", "e")


def test_risk_sizing_uses_the_rounded_stop_and_floors() -> None:
    sizing = SizingPolicy(mode="risk", risk_fraction=0.01, leverage=5, slots=1)
    [order], _ = plan(wish(Action.OPEN_LONG, stop_loss=97.04), sizing=sizing)
    assert order.stop_loss == Decimal("97.0")
    # 1 % of 10 000 over (3 per unit to the stop + 2 x 0.08 % fees) = 31.6455... -> 31.645
    assert order.amount == Decimal("31.645")


@pytest.mark.parametrize("units", [0.004, 0.0099])
def test_entry_below_the_minimum_size_is_skipped_never_rounded_up(units: float) -> None:
    orders, skipped = plan(wish(Action.OPEN_LONG), sizing=SizingPolicy(mode="units", units=units))
    assert orders == []
    assert len(skipped) == 1
    assert "below the minimum order size 0.01" in skipped[0].reason


# ---------------------------------------------------------------------- stops and targets


@pytest.mark.parametrize(
    ("action", "model_stop", "stop", "source"),
    [
        (Action.OPEN_LONG, 97.26, Decimal("97.2"), "model"),  # a long's stop rounds down
        (Action.OPEN_SHORT, 102.74, Decimal("102.8"), "model"),  # a short's rounds up
        (Action.OPEN_LONG, None, Decimal("97.0"), "engine default"),
        (Action.OPEN_SHORT, None, Decimal("103.0"), "engine default"),
        (Action.OPEN_LONG, 101.0, Decimal("97.0"), "engine default"),  # wrong side: replaced
        (Action.OPEN_SHORT, 99.0, Decimal("103.0"), "engine default"),
        (Action.OPEN_LONG, 100.0, Decimal("97.0"), "engine default"),  # at the price: no protection
        (Action.OPEN_LONG, float("nan"), Decimal("97.0"), "engine default"),
        pytest.param(Action.OPEN_LONG, 0.0, Decimal("97.0"), "engine default"),
        pytest.param(Action.OPEN_LONG, -5.0, Decimal("97.0"), "engine default"),
    ],
)
def test_every_entry_has_a_stop_from_the_model_or_the_engine(
    action: Action, model_stop: float | None, stop: Decimal, source: str
) -> None:
    [order], _ = plan(wish(action, stop_loss=model_stop))
    assert order.stop_loss == stop
    assert order.stop_source == source


@pytest.mark.parametrize(
    ("action", "model_target", "target"),
    [
        (Action.OPEN_LONG, 110.04, Decimal("110.1")),  # a long's target rounds up
        (Action.OPEN_SHORT, 90.06, Decimal("90.0")),  # a short's rounds down
        (Action.OPEN_LONG, 95.0, None),  # wrong side: dropped
        (Action.OPEN_SHORT, 105.0, None),
        (Action.OPEN_LONG, None, None),
        pytest.param(Action.OPEN_SHORT, 0.0, None),
        pytest.param(Action.OPEN_SHORT, -3.0, None),
    ],
)
def test_take_profit_rounds_away_from_the_price_or_is_dropped(
    action: Action, model_target: float | None, target: Decimal | None
) -> None:
    [order], _ = plan(wish(action, take_profit=model_target))
    assert order.take_profit == target


@given(
    price=st.decimals(min_value=Decimal("1"), max_value=Decimal("100000"), places=1),
    distance=st.floats(min_value=0.0001, max_value=0.5),
    long=st.booleans(),
)
def test_rounding_never_moves_an_exit_towards_the_price(price: Decimal, distance: float, long: bool) -> None:
    direction = 1 if long else -1
    raw_stop = float(price) * (1 - direction * distance)
    raw_target = float(price) * (1 + direction * distance)
    decision = SymbolDecision(BTC, Action.OPEN_LONG, stop_loss=raw_stop, take_profit=raw_target)
    stop, target, source = exit_price_levels(decision, direction, price, INSTRUMENTS[BTC], 0.03)
    assert source == "model"
    assert target is not None
    for level in (stop, target):
        assert level % TICK == 0
    if long:
        assert stop <= Decimal(repr(raw_stop)) < stop + TICK
        assert target - TICK < Decimal(repr(raw_target)) <= target
    else:
        assert stop - TICK < Decimal(repr(raw_stop)) <= stop
        assert target <= Decimal(repr(raw_target)) < target + TICK


# ---------------------------------------------------------------------- order of orders, leverage, data


def test_exits_come_before_entries_whatever_order_the_model_used() -> None:
    orders, _ = plan(
        wish(Action.OPEN_LONG, ETH),
        wish(Action.CLOSE, BTC),
        positions=[position(BTC, PositionSide.SHORT, "1")],
    )
    assert [(o.symbol, o.purpose) for o in orders] == [(BTC, "exit"), (ETH, "entry")]


def test_hold_plans_nothing() -> None:
    assert plan(wish(Action.HOLD)) == ([], [])


@pytest.mark.parametrize(("wanted", "used"), [(2, 2), (10, 5), (None, 5)])
def test_the_model_may_lower_leverage_but_never_raise_it(wanted: int | None, used: int) -> None:
    [order], _ = plan(wish(Action.OPEN_LONG, leverage=wanted), leverage=5)
    assert order.leverage == used


def test_a_symbol_without_price_or_contract_terms_is_skipped() -> None:
    orders, skipped = plan(
        wish(Action.OPEN_LONG, ETH),
        wish(Action.OPEN_LONG, "SOL/USDT:USDT"),
        prices={BTC: PRICE, ETH: Decimal(0)},
    )
    assert orders == []
    assert sorted(s.symbol for s in skipped) == [ETH, "SOL/USDT:USDT"]


def test_positions_by_symbol_keeps_the_larger_side_and_ignores_empty_ones() -> None:
    held = positions_by_symbol(
        [
            position(BTC, PositionSide.LONG, "0.5"),
            position(BTC, PositionSide.SHORT, "2"),
            position(ETH, PositionSide.LONG, "0"),
        ]
    )
    assert list(held) == [BTC]
    assert held[BTC].side is PositionSide.SHORT
