"""Plan orders, preset and position TP/SL, and the intra-candle path (spec §10.9)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from alphaloop.model import Candle, OrderIntent, OrderStatus, OrderType
from alphaloop.venues.sim.core import ExchangeConfig, RejectReason, SimRejection, TriggerKind
from alphaloop.venues.sim.core.book import candle_path

from .simkit import ACCOUNT, BTC, T0, limit, make_exchange, market

D = Decimal
ZERO_SPREAD = ExchangeConfig(spread_ticks=0)


def open_long_with_presets(tp: str | None = "102000", sl: str | None = "98000") -> tuple[object, str]:
    exchange = make_exchange(config=ZERO_SPREAD)
    order = exchange.place_order(
        ACCOUNT,
        market(
            OrderIntent.OPEN_LONG,
            "0.01",
            take_profit_price=D(tp) if tp else None,
            stop_loss_price=D(sl) if sl else None,
        ),
        now_ms=T0,
    )
    return exchange, order.id


def test_preset_tpsl_become_triggers_visible_after_the_registration_lag() -> None:
    exchange = make_exchange(config=ZERO_SPREAD)
    exchange.place_order(
        ACCOUNT,
        market(OrderIntent.OPEN_LONG, "0.01", take_profit_price=D(102000), stop_loss_price=D(98000)),
        now_ms=T0,
    )
    assert exchange.trigger_orders(ACCOUNT, now_ms=T0 + 1499) == []
    visible = exchange.trigger_orders(ACCOUNT, now_ms=T0 + 1500)
    assert [(t.kind, t.intent, t.size, t.trigger_price) for t in visible] == [
        (TriggerKind.TAKE_PROFIT, OrderIntent.CLOSE_LONG, D("0.01"), D(102000)),
        (TriggerKind.STOP_LOSS, OrderIntent.CLOSE_LONG, D("0.01"), D(98000)),
    ]
    # Not armed while registering: a stop-loss level hit inside the lag does nothing.
    assert exchange.update_price(BTC, D(97000), now_ms=T0 + 1000) == []
    assert exchange.positions(ACCOUNT)


@pytest.mark.parametrize(
    ("intent", "tp", "sl"),
    [
        (OrderIntent.OPEN_LONG, "99000", None),
        (OrderIntent.OPEN_LONG, None, "101000"),
        (OrderIntent.OPEN_SHORT, "101000", None),
        (OrderIntent.OPEN_SHORT, None, "99000"),
    ],
)
def test_tpsl_on_the_wrong_side_of_the_fill_rejects_the_order(
    intent: OrderIntent, tp: str | None, sl: str | None
) -> None:
    exchange = make_exchange(config=ZERO_SPREAD)
    before = exchange.state()
    with pytest.raises(SimRejection) as excinfo:
        exchange.place_order(
            ACCOUNT,
            market(
                intent, "0.01", take_profit_price=D(tp) if tp else None, stop_loss_price=D(sl) if sl else None
            ),
            now_ms=T0,
        )
    assert excinfo.value.reason is RejectReason.INVALID_PARAMETER
    assert exchange.state() == before


def test_stop_loss_fires_at_its_level_when_the_path_crosses_it() -> None:
    exchange = make_exchange(config=ZERO_SPREAD)
    exchange.place_order(
        ACCOUNT,
        market(OrderIntent.OPEN_LONG, "0.01", take_profit_price=D(102000), stop_loss_price=D(98000)),
        now_ms=T0,
    )
    fills = exchange.update_price(BTC, D(97000), now_ms=T0 + 2000)
    (fill,) = fills
    assert fill.intent is OrderIntent.CLOSE_LONG
    assert fill.price == D(98000)
    assert not fill.is_maker
    assert fill.realized_pnl == D(-20)
    statuses = {t.kind: t.status for t in exchange.trigger_orders(ACCOUNT, open_only=False)}
    # the SL triggered; closing the position canceled its TP
    assert statuses == {TriggerKind.STOP_LOSS: "triggered", TriggerKind.TAKE_PROFIT: "canceled"}
    sl = next(t for t in exchange.trigger_orders(ACCOUNT, open_only=False) if t.kind is TriggerKind.STOP_LOSS)
    order = exchange.order(ACCOUNT, order_id=sl.triggered_order_id)
    assert order.trigger_order_id == sl.id
    assert order.order_type is OrderType.MARKET


def test_trigger_armed_beyond_its_level_executes_at_the_current_book() -> None:
    exchange = make_exchange(config=ZERO_SPREAD)
    exchange.place_order(ACCOUNT, market(OrderIntent.OPEN_LONG, "0.01", stop_loss_price=D(98000)), now_ms=T0)
    exchange.update_price(BTC, D(97000), now_ms=T0 + 100)  # gap while the SL is still registering
    (fill,) = exchange.update_price(BTC, D(96500), now_ms=T0 + 2000)
    assert fill.price == D(96500)


def test_position_tpsl_order_needs_a_position_and_the_right_side() -> None:
    exchange = make_exchange(config=ZERO_SPREAD)
    with pytest.raises(SimRejection) as excinfo:
        exchange.place_trigger_order(
            ACCOUNT,
            symbol=BTC,
            intent=OrderIntent.CLOSE_LONG,
            size=D("0.01"),
            trigger_price=D(105000),
            execute_price=None,
            kind=TriggerKind.TAKE_PROFIT,
            now_ms=T0,
        )
    assert excinfo.value.reason is RejectReason.POSITION_NOT_FOUND
    exchange.place_order(ACCOUNT, market(OrderIntent.OPEN_LONG, "0.01"), now_ms=T0)
    with pytest.raises(SimRejection) as excinfo:
        exchange.place_trigger_order(
            ACCOUNT,
            symbol=BTC,
            intent=OrderIntent.CLOSE_LONG,
            size=D("0.01"),
            trigger_price=D(95000),
            execute_price=None,
            kind=TriggerKind.TAKE_PROFIT,
            now_ms=T0,
        )
    assert excinfo.value.reason is RejectReason.INVALID_PARAMETER
    tp = exchange.place_trigger_order(
        ACCOUNT,
        symbol=BTC,
        intent=OrderIntent.CLOSE_LONG,
        size=D("0.01"),
        trigger_price=D(105000),
        execute_price=D(104900),
        kind=TriggerKind.TAKE_PROFIT,
        client_order_id="tp-1",
        now_ms=T0,
    )
    assert exchange.trigger_orders(ACCOUNT, now_ms=T0) == [tp]
    modified = exchange.modify_trigger_order(
        ACCOUNT, tp.id, trigger_price=D(103000), execute_price=None, now_ms=T0
    )
    assert modified.trigger_price == D(103000)
    assert modified.execute_price is None
    (fill,) = exchange.update_price(BTC, D(103500), now_ms=T0 + 1)
    assert fill.price == D(103000)


def test_plan_order_direction_follows_the_current_price_and_survives_position_close() -> None:
    exchange = make_exchange(config=ZERO_SPREAD)
    exchange.place_order(ACCOUNT, market(OrderIntent.OPEN_LONG, "0.01"), now_ms=T0)
    breakout = exchange.place_trigger_order(
        ACCOUNT,
        symbol=BTC,
        intent=OrderIntent.OPEN_LONG,
        size=D("0.01"),
        trigger_price=D(101000),
        execute_price=None,
        now_ms=T0,
    )
    dip = exchange.place_trigger_order(
        ACCOUNT,
        symbol=BTC,
        intent=OrderIntent.CLOSE_LONG,
        size=D("0.01"),
        trigger_price=D(99000),
        execute_price=D(98900),
        now_ms=T0,
    )
    assert breakout.trigger_above
    assert not dip.trigger_above
    exchange.close_positions(ACCOUNT, now_ms=T0 + 1)
    assert {t.id for t in exchange.trigger_orders(ACCOUNT)} == {breakout.id, dip.id}  # PLAN survives
    (fill,) = exchange.update_price(BTC, D(101500), now_ms=T0 + 2)
    assert fill.intent is OrderIntent.OPEN_LONG
    assert fill.price == D(101000)
    # The close-long plan finds a position again. Its sell limit at 98900 is marketable against
    # the book around the crossed level 99000, so it fills there (never below its limit).
    (close,) = exchange.update_price(BTC, D(98950), now_ms=T0 + 3)
    assert close.intent is OrderIntent.CLOSE_LONG
    assert close.price == D(99000)
    placed = exchange.order(ACCOUNT, order_id=close.order_id)
    assert placed.status is OrderStatus.FILLED
    assert placed.price == D(98900)


def test_failed_trigger_is_marked_failed() -> None:
    exchange = make_exchange(config=ZERO_SPREAD)
    plan = exchange.place_trigger_order(
        ACCOUNT,
        symbol=BTC,
        intent=OrderIntent.CLOSE_SHORT,
        size=D("0.01"),
        trigger_price=D(99000),
        execute_price=None,
        now_ms=T0,
    )
    exchange.update_price(BTC, D(98000), now_ms=T0 + 1)
    failed = exchange.trigger_orders(ACCOUNT, open_only=False)[0]
    assert failed.id == plan.id
    assert failed.status == "failed"
    assert failed.fail_reason
    assert "close_exceeds_position" in failed.fail_reason


def test_cancel_and_cancel_all_trigger_orders() -> None:
    exchange = make_exchange(config=ZERO_SPREAD)
    kwargs = dict(symbol=BTC, intent=OrderIntent.OPEN_LONG, size=D("0.01"), execute_price=None, now_ms=T0)
    first = exchange.place_trigger_order(ACCOUNT, trigger_price=D(101000), **kwargs)  # type: ignore[arg-type]
    exchange.place_trigger_order(ACCOUNT, trigger_price=D(102000), **kwargs)  # type: ignore[arg-type]
    assert exchange.cancel_trigger_order(ACCOUNT, first.id, now_ms=T0).status == "canceled"
    with pytest.raises(SimRejection) as excinfo:
        exchange.cancel_trigger_order(ACCOUNT, first.id, now_ms=T0)
    assert excinfo.value.reason is RejectReason.ORDER_NOT_FOUND
    assert len(exchange.cancel_all_trigger_orders(ACCOUNT, symbol=BTC, now_ms=T0)) == 1
    assert exchange.trigger_orders(ACCOUNT) == []


def test_mark_triggers_use_the_mark_price() -> None:
    exchange = make_exchange(config=ZERO_SPREAD)
    exchange.place_order(ACCOUNT, market(OrderIntent.OPEN_LONG, "0.01"), now_ms=T0)
    exchange.place_trigger_order(
        ACCOUNT,
        symbol=BTC,
        intent=OrderIntent.CLOSE_LONG,
        size=D("0.01"),
        trigger_price=D(99000),
        execute_price=None,
        kind=TriggerKind.STOP_LOSS,
        trigger_on_mark=True,
        now_ms=T0,
    )
    assert exchange.update_price(BTC, D(98000), mark=D(99500), now_ms=T0 + 1) == []
    (fill,) = exchange.update_price(BTC, D(99600), mark=D(98500), now_ms=T0 + 2)
    assert fill.price == D(99600)  # executes at the current book, not at the level


def test_limit_preset_tpsl_attach_when_the_resting_order_fills() -> None:
    exchange = make_exchange(config=ZERO_SPREAD)
    order = exchange.place_order(
        ACCOUNT, limit(OrderIntent.OPEN_LONG, "0.01", "99500", take_profit_price=D(101000)), now_ms=T0
    )
    assert exchange.trigger_orders(ACCOUNT) == []
    exchange.update_price(BTC, D(99400), now_ms=T0 + 10)
    (tp,) = exchange.trigger_orders(ACCOUNT)
    assert tp.visible_from_ms == T0 + 10 + 1500
    assert tp.position_id == exchange.positions(ACCOUNT)[0].id
    assert exchange.order(ACCOUNT, order_id=order.id).take_profit_price == D(101000)


def test_candle_path_visits_the_adverse_extreme_first() -> None:
    rising = Candle(T0, D(100), D(110), D(90), D(105), D(1))
    falling = Candle(T0, D(100), D(110), D(90), D(95), D(1))
    assert candle_path(rising) == [D(100), D(90), D(110), D(105)]
    assert candle_path(falling) == [D(100), D(110), D(90), D(95)]
    assert candle_path(Candle(T0, D(100), D(100), D(100), D(100), D(0))) == [D(100)]


def test_candle_with_both_levels_hits_the_stop_first_on_a_rising_candle() -> None:
    exchange = make_exchange(config=ZERO_SPREAD)
    exchange.place_order(
        ACCOUNT,
        market(OrderIntent.OPEN_LONG, "0.01", take_profit_price=D(102000), stop_loss_price=D(98000)),
        now_ms=T0,
    )
    candle = Candle(T0 + 60_000, D(100000), D(103000), D(97000), D(102500), D(5))
    (fill,) = exchange.apply_candle(BTC, candle)
    assert fill.price == D(98000)
    assert fill.realized_pnl == D(-20)
    assert exchange.positions(ACCOUNT) == []


def test_liquidation_comes_before_a_stop_armed_beyond_the_bankruptcy_price() -> None:
    exchange = make_exchange(config=ZERO_SPREAD)
    exchange.place_order(ACCOUNT, market(OrderIntent.OPEN_LONG, "0.19", stop_loss_price=D(97000)), now_ms=T0)
    exchange.update_price(BTC, D(96000), now_ms=T0 + 100)  # inside the registration lag, not liquidated
    assert exchange.positions(ACCOUNT)
    fills = exchange.update_price(BTC, D(90000), now_ms=T0 + 2000)
    assert [f.is_liquidation for f in fills] == [True]
    assert exchange.account(ACCOUNT).wallet_balance == 0
    (stop,) = exchange.trigger_orders(ACCOUNT, open_only=False)
    assert stop.status == "canceled"


def test_crossed_levels_fire_in_path_order_with_liquidation_checked_at_each_level() -> None:
    exchange = make_exchange(config=ZERO_SPREAD)
    exchange.place_order(ACCOUNT, market(OrderIntent.OPEN_LONG, "0.01", stop_loss_price=D(99000)), now_ms=T0)
    exchange.place_trigger_order(
        ACCOUNT,
        symbol=BTC,
        intent=OrderIntent.OPEN_SHORT,
        size=D("0.01"),
        trigger_price=D(99500),
        execute_price=None,
        now_ms=T0,
    )
    fills = exchange.update_price(BTC, D(98000), now_ms=T0 + 2000)
    assert [(f.intent, f.price) for f in fills] == [
        (OrderIntent.OPEN_SHORT, D(99500)),
        (OrderIntent.CLOSE_LONG, D(99000)),
    ]
    assert exchange.market(BTC).last == D(98000)
