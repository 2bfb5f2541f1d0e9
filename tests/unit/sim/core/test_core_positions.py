"""Positions, PnL, hedge mode, leverage, margin modes, funding and liquidation (spec §10.1, 10.7, 10.8)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from alphaloop.model import MarginMode, OrderIntent, OrderStatus, PositionSide
from alphaloop.venues.sim.core import BillType, ExchangeConfig, RejectReason, SimOrder, SimRejection

from .simkit import ACCOUNT, BTC, ETH, T0, btc_perp, eth_perp, limit, make_exchange, market

D = Decimal
ZERO_SPREAD = ExchangeConfig(spread_ticks=0)


def test_long_round_trip_realises_exit_minus_entry_times_size() -> None:
    exchange = make_exchange(config=ZERO_SPREAD)
    exchange.place_order(ACCOUNT, market(OrderIntent.OPEN_LONG, "0.02"), now_ms=T0)
    exchange.update_price(BTC, D(101000), now_ms=T0 + 1)
    close = exchange.place_order(ACCOUNT, market(OrderIntent.CLOSE_LONG, "0.02"), now_ms=T0 + 2)
    assert close.realized_pnl == D(20)  # (101000 - 100000) * 0.02
    assert exchange.positions(ACCOUNT) == []
    fees = D("1.6") + D("1.616")
    assert exchange.account(ACCOUNT).wallet_balance == D(1000) + D(20) - fees


def test_short_profit_is_entry_minus_exit() -> None:
    exchange = make_exchange(config=ZERO_SPREAD)
    exchange.place_order(ACCOUNT, market(OrderIntent.OPEN_SHORT, "0.01"), now_ms=T0)
    exchange.update_price(BTC, D(98000), now_ms=T0 + 1)
    (position,) = exchange.positions(ACCOUNT)
    assert position.unrealized_pnl == D(20)
    close = exchange.place_order(ACCOUNT, market(OrderIntent.CLOSE_SHORT, "0.01"), now_ms=T0 + 2)
    assert close.realized_pnl == D(20)


def test_partial_close_reduces_open_value_proportionally_and_keeps_entry() -> None:
    exchange = make_exchange(config=ZERO_SPREAD)
    exchange.place_order(ACCOUNT, market(OrderIntent.OPEN_LONG, "0.01"), now_ms=T0)
    exchange.update_price(BTC, D(102000), now_ms=T0 + 1)
    exchange.place_order(ACCOUNT, market(OrderIntent.OPEN_LONG, "0.02"), now_ms=T0 + 2)
    (position,) = exchange.positions(ACCOUNT)
    assert position.open_value == D(1000) + D(2040)
    assert position.entry_price == D(3040) / D("0.03")
    close = exchange.place_order(ACCOUNT, market(OrderIntent.CLOSE_LONG, "0.01"), now_ms=T0 + 3)
    (after,) = exchange.positions(ACCOUNT)
    assert after.size == D("0.02")
    closed_part = D("1013.33333333")  # 3040 / 3, quantized to 8 places
    assert after.open_value == D(3040) - closed_part
    assert close.realized_pnl == D(1020) - closed_part


def test_hedge_mode_keeps_long_and_short_side_by_side() -> None:
    exchange = make_exchange()
    exchange.place_order(ACCOUNT, market(OrderIntent.OPEN_LONG, "0.01"), now_ms=T0)
    exchange.place_order(ACCOUNT, market(OrderIntent.OPEN_SHORT, "0.005"), now_ms=T0)
    positions = exchange.positions(ACCOUNT)
    assert [(p.side, p.size) for p in positions] == [
        (PositionSide.LONG, D("0.01")),
        (PositionSide.SHORT, D("0.005")),
    ]


def test_close_cannot_exceed_the_position_nor_what_open_close_orders_reserve() -> None:
    exchange = make_exchange()
    exchange.place_order(ACCOUNT, market(OrderIntent.OPEN_LONG, "0.01"), now_ms=T0)
    with pytest.raises(SimRejection) as excinfo:
        exchange.place_order(ACCOUNT, market(OrderIntent.CLOSE_LONG, "0.0101"), now_ms=T0)
    assert excinfo.value.reason is RejectReason.CLOSE_EXCEEDS_POSITION
    exchange.place_order(ACCOUNT, limit(OrderIntent.CLOSE_LONG, "0.006", "100500"), now_ms=T0)
    with pytest.raises(SimRejection) as excinfo:
        exchange.place_order(ACCOUNT, market(OrderIntent.CLOSE_LONG, "0.005"), now_ms=T0)
    assert excinfo.value.reason is RejectReason.CLOSE_EXCEEDS_POSITION
    exchange.place_order(ACCOUNT, market(OrderIntent.CLOSE_LONG, "0.004"), now_ms=T0)


def test_resting_close_order_is_canceled_when_the_position_is_gone() -> None:
    exchange = make_exchange()
    exchange.place_order(ACCOUNT, market(OrderIntent.OPEN_LONG, "0.01"), now_ms=T0)
    resting = exchange.place_order(ACCOUNT, limit(OrderIntent.CLOSE_LONG, "0.01", "100500"), now_ms=T0)
    results = exchange.close_positions(ACCOUNT, now_ms=T0 + 1)
    (before, outcome) = results[0]
    assert before.size == D("0.01")
    assert isinstance(outcome, SimOrder)
    assert outcome.status is OrderStatus.FILLED
    assert exchange.order(ACCOUNT, order_id=resting.id).status is OrderStatus.CANCELED
    assert exchange.positions(ACCOUNT) == []


def test_close_positions_by_symbol_leaves_other_symbols() -> None:
    exchange = make_exchange(config=ExchangeConfig())
    exchange.update_price(ETH, D(3000), now_ms=T0)
    exchange.place_order(ACCOUNT, market(OrderIntent.OPEN_LONG, "0.01"), now_ms=T0)
    exchange.place_order(ACCOUNT, market(OrderIntent.OPEN_SHORT, "0.1", symbol=ETH), now_ms=T0)
    exchange.close_positions(ACCOUNT, symbol=ETH, now_ms=T0 + 1)
    assert [p.symbol for p in exchange.positions(ACCOUNT)] == [BTC]


def test_cross_margin_equity_and_available() -> None:
    exchange = make_exchange(config=ZERO_SPREAD)
    exchange.place_order(ACCOUNT, market(OrderIntent.OPEN_LONG, "0.1"), now_ms=T0)
    exchange.update_price(BTC, D(99000), now_ms=T0 + 1)
    snapshot = exchange.account(ACCOUNT)
    assert snapshot.wallet_balance == D(1000) - D(8)
    assert snapshot.unrealized_pnl == D(-100)
    assert snapshot.equity == D(892)
    assert snapshot.used_margin == D(500)  # open value 10000 / 20
    assert snapshot.available == D(392)


def test_set_leverage_rules() -> None:
    exchange = make_exchange()
    setting = exchange.set_leverage(
        ACCOUNT, BTC, long_leverage=5, short_leverage=5, margin_mode=MarginMode.CROSS, now_ms=T0
    )
    assert (setting.long_leverage, setting.short_leverage) == (5, 5)
    cases = [
        (
            dict(long_leverage=21, short_leverage=21, margin_mode=MarginMode.CROSS),
            RejectReason.LEVERAGE_LIMIT,
        ),
        (
            dict(long_leverage=5, short_leverage=6, margin_mode=MarginMode.CROSS),
            RejectReason.INVALID_PARAMETER,
        ),
        (
            dict(long_leverage=5, short_leverage=5, margin_mode=MarginMode.ISOLATED),
            RejectReason.INVALID_PARAMETER,
        ),
        (
            dict(long_leverage=0, short_leverage=0, margin_mode=MarginMode.CROSS),
            RejectReason.INVALID_PARAMETER,
        ),
    ]
    for kwargs, reason in cases:
        with pytest.raises(SimRejection) as excinfo:
            exchange.set_leverage(ACCOUNT, BTC, now_ms=T0, **kwargs)  # type: ignore[arg-type]
        assert excinfo.value.reason is reason
    uncapped = make_exchange(config=ExchangeConfig(leverage_cap=None))
    uncapped.set_leverage(
        ACCOUNT, BTC, long_leverage=100, short_leverage=100, margin_mode=MarginMode.CROSS, now_ms=T0
    )
    with pytest.raises(SimRejection):
        uncapped.set_leverage(
            ACCOUNT, BTC, long_leverage=401, short_leverage=401, margin_mode=MarginMode.CROSS, now_ms=T0
        )


def test_isolated_mode_allows_different_long_and_short_leverage() -> None:
    exchange = make_exchange()
    exchange.set_margin_mode(ACCOUNT, BTC, MarginMode.ISOLATED, now_ms=T0)
    exchange.set_leverage(
        ACCOUNT, BTC, long_leverage=3, short_leverage=10, margin_mode=MarginMode.ISOLATED, now_ms=T0
    )
    exchange.place_order(ACCOUNT, market(OrderIntent.OPEN_LONG, "0.015"), now_ms=T0)
    (position,) = exchange.positions(ACCOUNT)
    assert position.margin_mode is MarginMode.ISOLATED
    assert position.leverage == 3
    assert position.margin == D("500.00050000")  # 1500.0015 / 3


def test_leverage_change_remargins_open_positions_or_refuses() -> None:
    exchange = make_exchange(config=ZERO_SPREAD)
    exchange.place_order(ACCOUNT, market(OrderIntent.OPEN_LONG, "0.15"), now_ms=T0)
    assert exchange.positions(ACCOUNT)[0].margin == D(750)
    with pytest.raises(SimRejection) as excinfo:
        exchange.set_leverage(
            ACCOUNT, BTC, long_leverage=10, short_leverage=10, margin_mode=MarginMode.CROSS, now_ms=T0
        )
    assert excinfo.value.reason is RejectReason.INSUFFICIENT_MARGIN
    assert exchange.positions(ACCOUNT)[0].leverage == 20
    exchange.set_leverage(
        ACCOUNT, BTC, long_leverage=16, short_leverage=16, margin_mode=MarginMode.CROSS, now_ms=T0
    )
    assert exchange.positions(ACCOUNT)[0].margin == D("937.5")


def test_margin_mode_is_locked_with_positions_or_orders() -> None:
    exchange = make_exchange()
    exchange.place_order(ACCOUNT, limit(OrderIntent.OPEN_LONG, "0.01", "99000"), now_ms=T0)
    with pytest.raises(SimRejection) as excinfo:
        exchange.set_margin_mode(ACCOUNT, BTC, MarginMode.ISOLATED, now_ms=T0)
    assert excinfo.value.reason is RejectReason.MARGIN_MODE_LOCKED
    exchange.cancel_all_orders(ACCOUNT, now_ms=T0)
    exchange.set_margin_mode(ACCOUNT, BTC, MarginMode.ISOLATED, now_ms=T0)
    assert exchange.leverage_setting(ACCOUNT, BTC).margin_mode is MarginMode.ISOLATED


def test_adjust_isolated_margin_moves_collateral_without_changing_the_wallet() -> None:
    exchange = make_exchange()
    exchange.set_margin_mode(ACCOUNT, BTC, MarginMode.ISOLATED, now_ms=T0)
    exchange.place_order(ACCOUNT, market(OrderIntent.OPEN_LONG, "0.01"), now_ms=T0)
    (position,) = exchange.positions(ACCOUNT)
    wallet = exchange.account(ACCOUNT).wallet_balance
    added = exchange.adjust_isolated_margin(ACCOUNT, position.id, D(100), now_ms=T0 + 1)
    assert added.margin == position.margin + 100
    assert added.liquidation_price is not None
    assert position.liquidation_price is not None
    assert added.liquidation_price < position.liquidation_price
    assert exchange.account(ACCOUNT).wallet_balance == wallet
    assert exchange.bills(ACCOUNT)[-1].type is BillType.MARGIN_MOVE_IN
    exchange.adjust_isolated_margin(ACCOUNT, position.id, D(-100), now_ms=T0 + 2)
    with pytest.raises(SimRejection) as excinfo:
        exchange.adjust_isolated_margin(ACCOUNT, position.id, D(-1), now_ms=T0 + 3)
    assert excinfo.value.reason is RejectReason.INSUFFICIENT_MARGIN
    flagged = exchange.set_auto_append_margin(ACCOUNT, position.id, True, now_ms=T0 + 4)
    assert flagged.auto_append_margin
    with pytest.raises(SimRejection) as excinfo:
        exchange.adjust_isolated_margin(ACCOUNT, "1", D(1), now_ms=T0)
    assert excinfo.value.reason is RejectReason.POSITION_NOT_FOUND


def test_funding_longs_pay_shorts_receive_with_bills() -> None:
    exchange = make_exchange(config=ZERO_SPREAD)
    exchange.place_order(ACCOUNT, market(OrderIntent.OPEN_LONG, "0.02"), now_ms=T0)
    exchange.place_order(ACCOUNT, market(OrderIntent.OPEN_SHORT, "0.01"), now_ms=T0)
    wallet = exchange.account(ACCOUNT).wallet_balance
    bills = exchange.settle_funding(BTC, D("0.0001"), now_ms=T0 + 1)
    assert [(b.type, b.amount) for b in bills] == [
        (BillType.POSITION_FUNDING, D("-0.2")),
        (BillType.POSITION_FUNDING, D("0.1")),
    ]
    assert exchange.account(ACCOUNT).wallet_balance == wallet - D("0.1")
    long, short = exchange.positions(ACCOUNT)
    assert long.funding_fee == D("-0.2")
    assert short.cum_funding == D("0.1")
    assert exchange.funding_history(BTC)[0].rate == D("0.0001")
    assert exchange.market(BTC).funding_rate == D("0.0001")


def test_cross_liquidation_closes_everything_at_mark_and_never_leaves_a_negative_wallet() -> None:
    exchange = make_exchange(config=ZERO_SPREAD)
    exchange.place_order(ACCOUNT, market(OrderIntent.OPEN_LONG, "0.19"), now_ms=T0)
    exchange.place_order(ACCOUNT, limit(OrderIntent.OPEN_LONG, "0.001", "90000"), now_ms=T0)
    # Gap far below the liquidation price: the loss exceeds the wallet.
    fills = exchange.update_price(BTC, D(90000), now_ms=T0 + 1)
    assert [f.is_liquidation for f in fills] == [True]
    assert fills[0].price == D(90000)
    assert fills[0].fee == D(171)
    assert exchange.positions(ACCOUNT) == []
    assert exchange.orders(ACCOUNT, open_only=True) == []  # liquidation cancels the open orders
    snapshot = exchange.account(ACCOUNT)
    assert snapshot.wallet_balance == 0
    types = [b.type for b in exchange.bills(ACCOUNT)]
    assert types[-3:] == [BillType.START_LIQUIDATE, BillType.POSITION_CLOSE_LONG, BillType.FINISH_LIQUIDATE]
    liquidation_order = exchange.order(ACCOUNT, order_id=fills[0].order_id)
    assert liquidation_order.is_liquidation


def test_cross_liquidation_triggers_at_maintenance_margin() -> None:
    exchange = make_exchange(config=ZERO_SPREAD)
    exchange.place_order(ACCOUNT, market(OrderIntent.OPEN_LONG, "0.1"), now_ms=T0)
    (position,) = exchange.positions(ACCOUNT)
    assert position.liquidation_price is not None
    above = position.liquidation_price + D("0.1")
    assert exchange.update_price(BTC, above, now_ms=T0 + 1) == []
    fills = exchange.update_price(BTC, position.liquidation_price - D(1), now_ms=T0 + 2)
    assert fills
    assert fills[0].is_liquidation
    assert exchange.account(ACCOUNT).wallet_balance >= 0


def test_isolated_liquidation_loses_at_most_the_position_margin() -> None:
    exchange = make_exchange(config=ZERO_SPREAD, instruments=[btc_perp(), eth_perp()])
    exchange.set_margin_mode(ACCOUNT, BTC, MarginMode.ISOLATED, now_ms=T0)
    exchange.place_order(ACCOUNT, market(OrderIntent.OPEN_SHORT, "0.01"), now_ms=T0)
    (position,) = exchange.positions(ACCOUNT)
    wallet = exchange.account(ACCOUNT).wallet_balance
    fills = exchange.update_price(BTC, D(150000), now_ms=T0 + 1)
    assert [f.is_liquidation for f in fills] == [True]
    assert exchange.account(ACCOUNT).wallet_balance == wallet - position.margin
    finish = exchange.bills(ACCOUNT)[-1]
    assert finish.type is BillType.FINISH_LIQUIDATE
    assert finish.amount > 0


def test_leverage_change_refreezes_open_orders_at_the_new_leverage() -> None:
    """Regression (found by the property tests): an order frozen at 20x must not open at 1x."""
    exchange = make_exchange()
    order = exchange.place_order(ACCOUNT, limit(OrderIntent.OPEN_LONG, "0.0813", "100000"), now_ms=T0)
    assert order.frozen_margin < D(500)
    with pytest.raises(SimRejection) as excinfo:
        exchange.set_leverage(
            ACCOUNT, BTC, long_leverage=1, short_leverage=1, margin_mode=MarginMode.CROSS, now_ms=T0
        )
    assert excinfo.value.reason is RejectReason.INSUFFICIENT_MARGIN
    assert exchange.order(ACCOUNT, order_id=order.id).frozen_margin == order.frozen_margin
    exchange.set_leverage(
        ACCOUNT, BTC, long_leverage=10, short_leverage=10, margin_mode=MarginMode.CROSS, now_ms=T0
    )
    assert exchange.account(ACCOUNT).frozen == D("813") + D("6.504")  # 8130 / 10 + 8130 * 0.0008


def test_isolated_profit_does_not_count_as_available_margin() -> None:
    exchange = make_exchange(config=ZERO_SPREAD)
    exchange.set_margin_mode(ACCOUNT, BTC, MarginMode.ISOLATED, now_ms=T0)
    exchange.place_order(ACCOUNT, market(OrderIntent.OPEN_LONG, "0.1"), now_ms=T0)
    before = exchange.account(ACCOUNT)
    exchange.update_price(BTC, D(110000), now_ms=T0 + 1)
    after = exchange.account(ACCOUNT)
    assert after.equity == before.equity + D(1000)
    assert after.available == before.available
