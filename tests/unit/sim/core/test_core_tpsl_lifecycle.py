"""A position's TP/SL triggers live and die with the position (WEEX cancels them when the position
is fully closed); free-standing PLAN orders are not tied to a position and survive."""

from __future__ import annotations

from decimal import Decimal

from alphaloop.model import OrderIntent
from alphaloop.venues.sim.core import Exchange, ExchangeConfig, SimTriggerOrder, TriggerKind

from .simkit import ACCOUNT, BTC, T0, limit, make_exchange, market

D = Decimal
NO_LAG = ExchangeConfig(spread_ticks=0, tpsl_registration_delay_ms=0)


def long_with_stop_and_take_profit(exchange: Exchange, size: str = "0.02") -> None:
    """A long with a preset stop-loss at 98000 plus a separate take-profit at 103000."""
    exchange.place_order(ACCOUNT, market(OrderIntent.OPEN_LONG, size, stop_loss_price=D(98000)), now_ms=T0)
    exchange.place_trigger_order(
        ACCOUNT,
        symbol=BTC,
        intent=OrderIntent.CLOSE_LONG,
        size=D(size),
        trigger_price=D(103000),
        execute_price=None,
        kind=TriggerKind.TAKE_PROFIT,
        now_ms=T0,
    )


def statuses(exchange: Exchange) -> dict[TriggerKind, str]:
    return {t.kind: t.status for t in exchange.trigger_orders(ACCOUNT, open_only=False)}


def plan(exchange: Exchange, trigger_price: str) -> SimTriggerOrder:
    return exchange.place_trigger_order(
        ACCOUNT,
        symbol=BTC,
        intent=OrderIntent.OPEN_LONG,
        size=D("0.01"),
        trigger_price=D(trigger_price),
        execute_price=None,
        now_ms=T0,
    )


def test_our_market_close_cancels_the_positions_tpsl_but_not_plan_orders() -> None:
    exchange = make_exchange(config=NO_LAG)
    long_with_stop_and_take_profit(exchange)
    breakout = plan(exchange, "105000")
    exchange.place_order(ACCOUNT, market(OrderIntent.CLOSE_LONG, "0.02"), now_ms=T0 + 1)
    assert exchange.positions(ACCOUNT) == []
    assert statuses(exchange) == {
        TriggerKind.STOP_LOSS: "canceled",
        TriggerKind.TAKE_PROFIT: "canceled",
        TriggerKind.PLAN: "untriggered",
    }
    assert [t.id for t in exchange.trigger_orders(ACCOUNT)] == [breakout.id]
    # the canceled stop does not come back to life: a later fall opens nothing and closes nothing
    assert exchange.update_price(BTC, D(97000), now_ms=T0 + 2) == []


def test_a_partial_close_keeps_them_and_a_resting_close_that_finishes_the_position_cancels_them() -> None:
    exchange = make_exchange(config=NO_LAG)
    long_with_stop_and_take_profit(exchange)
    exchange.place_order(ACCOUNT, market(OrderIntent.CLOSE_LONG, "0.01"), now_ms=T0 + 1)
    assert {t.kind for t in exchange.trigger_orders(ACCOUNT)} == {
        TriggerKind.STOP_LOSS,
        TriggerKind.TAKE_PROFIT,
    }
    exchange.place_order(ACCOUNT, limit(OrderIntent.CLOSE_LONG, "0.01", "100500"), now_ms=T0 + 2)
    (fill,) = exchange.update_price(BTC, D(100600), now_ms=T0 + 3)
    assert fill.is_maker
    assert exchange.positions(ACCOUNT) == []
    assert exchange.trigger_orders(ACCOUNT) == []


def test_close_positions_cancels_a_preset_stop_that_is_still_registering() -> None:
    exchange = make_exchange(config=ExchangeConfig(spread_ticks=0))  # 1.5 s registration lag
    exchange.place_order(ACCOUNT, market(OrderIntent.OPEN_LONG, "0.01", stop_loss_price=D(98000)), now_ms=T0)
    exchange.close_positions(ACCOUNT, now_ms=T0 + 100)
    assert statuses(exchange) == {TriggerKind.STOP_LOSS: "canceled"}
    assert exchange.trigger_orders(ACCOUNT, now_ms=T0 + 10_000) == []


def test_a_new_position_is_not_protected_by_the_old_positions_stop() -> None:
    """TP/SL belong to one position (by id), not to the symbol and side: reopening starts bare."""
    exchange = make_exchange(config=NO_LAG)
    exchange.place_order(ACCOUNT, market(OrderIntent.OPEN_LONG, "0.01", stop_loss_price=D(98000)), now_ms=T0)
    exchange.close_positions(ACCOUNT, now_ms=T0 + 1)
    exchange.place_order(ACCOUNT, market(OrderIntent.OPEN_LONG, "0.01"), now_ms=T0 + 2)
    assert exchange.trigger_orders(ACCOUNT) == []
    assert exchange.update_price(BTC, D(97000), now_ms=T0 + 3) == []
    assert exchange.positions(ACCOUNT)
