"""Order placement, matching against the synthetic book, fees and validation order (spec §10.3-10.6)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from alphaloop.model import Candle, MarginMode, OrderIntent, OrderRequest, OrderStatus, OrderType, TimeInForce
from alphaloop.venues.sim.core import ExchangeConfig, RejectReason, SimRejection

from .simkit import ACCOUNT, BTC, ETH, T0, btc_perp, eth_perp, limit, make_exchange, market

D = Decimal


def rejection(excinfo: pytest.ExceptionInfo[SimRejection]) -> RejectReason:
    return excinfo.value.reason


def test_market_buy_fills_at_ask_as_taker_and_is_recorded_as_ioc() -> None:
    exchange = make_exchange()
    order = exchange.place_order(ACCOUNT, market(OrderIntent.OPEN_LONG, "0.01"), now_ms=T0 + 1)
    assert order.status is OrderStatus.FILLED
    assert order.order_type is OrderType.MARKET
    assert order.time_in_force is TimeInForce.IOC
    assert order.price is None
    market_state = exchange.market(BTC)
    assert order.average_price == market_state.ask == D("100000.1")
    (fill,) = exchange.fills(ACCOUNT, order_id=order.id)
    assert not fill.is_maker
    assert fill.value == D("1000.001")
    assert fill.fee == D("0.80000080")  # exactly value * 0.0008


def test_market_sell_fills_at_bid_with_slippage_rounded_against_the_taker() -> None:
    exchange = make_exchange(config=ExchangeConfig(market_slippage=D("0.001")))
    order = exchange.place_order(ACCOUNT, market(OrderIntent.OPEN_SHORT, "0.01"), now_ms=T0 + 1)
    # bid 99999.9 * 0.999 = 99899.9001 -> floor to tick
    assert order.average_price == D("99899.9")


def test_synthetic_book_never_crosses_and_sits_on_the_tick() -> None:
    exchange = make_exchange(btc_price=D("100000.03"))
    state = exchange.market(BTC)
    assert state.bid < state.ask
    assert state.bid == D("99999.9")
    assert state.ask == D("100000.1")


def test_resting_limit_fills_only_when_price_trades_strictly_through_as_maker() -> None:
    exchange = make_exchange()
    order = exchange.place_order(ACCOUNT, limit(OrderIntent.OPEN_LONG, "0.01", "99500"), now_ms=T0 + 1)
    assert order.status is OrderStatus.OPEN
    assert exchange.update_price(BTC, D("99500"), now_ms=T0 + 2) == []  # a touch is not a fill
    assert exchange.order(ACCOUNT, order_id=order.id).status is OrderStatus.OPEN
    (fill,) = exchange.update_price(BTC, D("99499.9"), now_ms=T0 + 3)
    assert fill.is_maker
    assert fill.price == D("99500")
    assert fill.order_id == order.id
    assert fill.fee == D("0.19900000")  # 995 * 0.0002
    filled = exchange.order(ACCOUNT, order_id=order.id)
    assert filled.status is OrderStatus.FILLED
    assert filled.filled == D("0.01")
    assert filled.average_price == D("99500")


def test_marketable_limit_fills_at_once_as_taker_at_the_book_not_beyond_its_limit() -> None:
    exchange = make_exchange()
    order = exchange.place_order(ACCOUNT, limit(OrderIntent.OPEN_LONG, "0.01", "100500"), now_ms=T0 + 1)
    assert order.status is OrderStatus.FILLED
    assert order.average_price == D("100000.1")
    assert not exchange.fills(ACCOUNT)[0].is_maker


def test_post_only_that_would_cross_is_canceled_without_fill() -> None:
    exchange = make_exchange()
    order = exchange.place_order(
        ACCOUNT, limit(OrderIntent.OPEN_LONG, "0.01", "100100", tif=TimeInForce.POST_ONLY), now_ms=T0 + 1
    )
    assert order.status is OrderStatus.CANCELED
    assert order.filled == 0
    assert exchange.positions(ACCOUNT) == []
    passive = exchange.place_order(
        ACCOUNT, limit(OrderIntent.OPEN_LONG, "0.01", "99000", tif=TimeInForce.POST_ONLY), now_ms=T0 + 1
    )
    assert passive.status is OrderStatus.OPEN


@pytest.mark.parametrize("tif", [TimeInForce.FOK, TimeInForce.IOC])
def test_fok_and_ioc_fill_fully_when_marketable_else_cancel(tif: TimeInForce) -> None:
    exchange = make_exchange()
    passive = exchange.place_order(ACCOUNT, limit(OrderIntent.OPEN_LONG, "0.01", "99000", tif=tif), now_ms=T0)
    assert passive.status is OrderStatus.CANCELED
    assert passive.filled == 0
    crossing = exchange.place_order(
        ACCOUNT, limit(OrderIntent.OPEN_LONG, "0.01", "100200", tif=tif), now_ms=T0
    )
    assert crossing.status is OrderStatus.FILLED
    assert crossing.filled == D("0.01")


def test_open_limit_orders_freeze_margin_and_cancel_releases_it() -> None:
    exchange = make_exchange()
    order = exchange.place_order(ACCOUNT, limit(OrderIntent.OPEN_LONG, "0.01", "99000"), now_ms=T0)
    snapshot = exchange.account(ACCOUNT)
    # 990 / 20 + 990 * 0.0008
    assert snapshot.frozen == D("49.5") + D("0.792")
    assert snapshot.available == D(1000) - snapshot.frozen
    canceled = exchange.cancel_order(ACCOUNT, order_id=order.id, now_ms=T0 + 1)
    assert canceled.status is OrderStatus.CANCELED
    assert exchange.account(ACCOUNT).frozen == 0
    with pytest.raises(SimRejection) as excinfo:
        exchange.cancel_order(ACCOUNT, order_id=order.id, now_ms=T0 + 2)
    assert rejection(excinfo) is RejectReason.ORDER_NOT_FOUND


def test_cancel_by_client_order_id_and_cancel_all() -> None:
    exchange = make_exchange()
    exchange.place_order(
        ACCOUNT, limit(OrderIntent.OPEN_LONG, "0.01", "99000", client_order_id="a"), now_ms=T0
    )
    exchange.place_order(
        ACCOUNT, limit(OrderIntent.OPEN_LONG, "0.01", "98000", client_order_id="b"), now_ms=T0
    )
    assert exchange.cancel_order(ACCOUNT, client_order_id="a", now_ms=T0).client_order_id == "a"
    assert [o.client_order_id for o in exchange.cancel_all_orders(ACCOUNT, now_ms=T0)] == ["b"]
    assert exchange.orders(ACCOUNT, open_only=True) == []
    assert exchange.order(ACCOUNT, client_order_id="b").status is OrderStatus.CANCELED
    with pytest.raises(SimRejection) as excinfo:
        exchange.cancel_order(ACCOUNT, now_ms=T0)
    assert rejection(excinfo) is RejectReason.MISSING_PARAMETER


def test_duplicate_client_order_id_among_open_orders_is_rejected() -> None:
    exchange = make_exchange()
    exchange.place_order(
        ACCOUNT, limit(OrderIntent.OPEN_LONG, "0.01", "99000", client_order_id="x"), now_ms=T0
    )
    with pytest.raises(SimRejection) as excinfo:
        exchange.place_order(
            ACCOUNT, limit(OrderIntent.OPEN_LONG, "0.01", "98000", client_order_id="x"), now_ms=T0
        )
    assert rejection(excinfo) is RejectReason.DUPLICATE_CLIENT_ORDER_ID
    exchange.cancel_order(ACCOUNT, client_order_id="x", now_ms=T0)
    exchange.place_order(
        ACCOUNT, limit(OrderIntent.OPEN_LONG, "0.01", "98000", client_order_id="x"), now_ms=T0
    )


def test_ids_are_18_digit_increasing_strings_from_id_start() -> None:
    exchange = make_exchange()
    first = exchange.place_order(ACCOUNT, market(OrderIntent.OPEN_LONG, "0.01"), now_ms=T0)
    second = exchange.place_order(ACCOUNT, market(OrderIntent.OPEN_LONG, "0.01"), now_ms=T0)
    assert len(first.id) == 18
    assert first.id.isdigit()
    assert int(second.id) > int(first.id) >= 700000000000000000


@pytest.mark.parametrize(
    ("request_factory", "reason"),
    [
        (lambda: market(OrderIntent.OPEN_LONG, "0.01", symbol="FOO/USDT:USDT"), RejectReason.UNKNOWN_SYMBOL),
        (lambda: market(OrderIntent.OPEN_LONG, "0.01", symbol=ETH), RejectReason.SYMBOL_NOT_ALLOWED),
        (lambda: OrderRequest(BTC, OrderIntent.OPEN_LONG, D("0.01")), RejectReason.MISSING_PARAMETER),
        (lambda: market(OrderIntent.OPEN_LONG, "0"), RejectReason.INVALID_PARAMETER),
        (lambda: market(OrderIntent.OPEN_LONG, "0.00015"), RejectReason.PRECISION),
        (lambda: limit(OrderIntent.OPEN_LONG, "0.01", "99000.05"), RejectReason.PRECISION),
        (lambda: market(OrderIntent.OPEN_LONG, "1201"), RejectReason.SIZE_LIMIT),
        (lambda: market(OrderIntent.OPEN_LONG, "101"), RejectReason.SIZE_LIMIT),
        (lambda: limit(OrderIntent.OPEN_LONG, "0.01", "101000.1"), RejectReason.PRICE_BAND),
        (lambda: limit(OrderIntent.OPEN_SHORT, "0.01", "98999.9"), RejectReason.PRICE_BAND),
        (lambda: market(OrderIntent.CLOSE_LONG, "0.01"), RejectReason.CLOSE_EXCEEDS_POSITION),
        (lambda: market(OrderIntent.OPEN_LONG, "1"), RejectReason.INSUFFICIENT_MARGIN),
    ],
)
def test_each_validation_rule_rejects_with_its_reason(
    request_factory: Callable[[], OrderRequest], reason: RejectReason
) -> None:
    exchange = make_exchange(config=ExchangeConfig(allowed_symbols=frozenset({BTC})))
    before = exchange.state()
    with pytest.raises(SimRejection) as excinfo:
        exchange.place_order(ACCOUNT, request_factory(), now_ms=T0 + 1)
    assert rejection(excinfo) is reason
    assert exchange.state() == before  # a rejection changes nothing


def test_first_failing_rule_wins() -> None:
    exchange = make_exchange()
    # off-step size AND off-tick price AND over the margin: precision is checked first
    with pytest.raises(SimRejection) as excinfo:
        exchange.place_order(ACCOUNT, limit(OrderIntent.OPEN_LONG, "5.00001", "99000.05"), now_ms=T0)
    assert rejection(excinfo) is RejectReason.PRECISION
    assert excinfo.value.param == "size"
    # in band but too large for the margin
    with pytest.raises(SimRejection) as excinfo:
        exchange.place_order(ACCOUNT, limit(OrderIntent.OPEN_LONG, "5", "99000"), now_ms=T0)
    assert rejection(excinfo) is RejectReason.INSUFFICIENT_MARGIN


def test_price_band_can_be_disabled_and_is_skipped_without_ratios() -> None:
    exchange = make_exchange(config=ExchangeConfig(enforce_price_band=False))
    order = exchange.place_order(ACCOUNT, limit(OrderIntent.OPEN_SHORT, "0.01", "150000"), now_ms=T0)
    assert order.status is OrderStatus.OPEN
    no_band = make_exchange(instruments=[btc_perp(buy_limit_price_ratio=None, sell_limit_price_ratio=None)])
    assert no_band.place_order(ACCOUNT, limit(OrderIntent.OPEN_SHORT, "0.01", "150000"), now_ms=T0).is_open


def test_orders_need_a_price_first() -> None:
    exchange = make_exchange(btc_price=None)
    with pytest.raises(SimRejection) as excinfo:
        exchange.place_order(ACCOUNT, market(OrderIntent.OPEN_LONG, "0.01"), now_ms=T0)
    assert rejection(excinfo) is RejectReason.NO_PRICE
    with pytest.raises(SimRejection) as excinfo:
        exchange.market(BTC)
    assert rejection(excinfo) is RejectReason.NO_PRICE


def test_initial_margin_check_counts_the_taker_fee() -> None:
    # 1000 USDT at 20x: notional 20000 needs 1000 + 16 fee -> rejected; slightly less fits
    exchange = make_exchange(instruments=[btc_perp(max_leverage=20), eth_perp()], btc_price=D(100000))
    with pytest.raises(SimRejection) as excinfo:
        exchange.place_order(ACCOUNT, limit(OrderIntent.OPEN_LONG, "0.2", "99000"), now_ms=T0)
    assert rejection(excinfo) is RejectReason.INSUFFICIENT_MARGIN  # 990 + 15.84 > 1000
    exchange.place_order(ACCOUNT, limit(OrderIntent.OPEN_LONG, "0.19", "99000"), now_ms=T0)


def test_margin_mode_parameter_must_match_the_symbol_mode() -> None:
    exchange = make_exchange()
    with pytest.raises(SimRejection) as excinfo:
        exchange.place_order(
            ACCOUNT, market(OrderIntent.OPEN_LONG, "0.01"), now_ms=T0, margin_mode=MarginMode.ISOLATED
        )
    assert rejection(excinfo) is RejectReason.INVALID_PARAMETER
    order = exchange.place_order(
        ACCOUNT, market(OrderIntent.OPEN_LONG, "0.01"), now_ms=T0, margin_mode=MarginMode.CROSS
    )
    assert order.margin_mode is MarginMode.CROSS


def test_unknown_account_is_rejected() -> None:
    exchange = make_exchange()
    with pytest.raises(SimRejection) as excinfo:
        exchange.account("nobody")
    assert rejection(excinfo) is RejectReason.UNKNOWN_ACCOUNT


def test_24h_statistics_follow_prices_and_candles() -> None:
    exchange = make_exchange()
    exchange.apply_candle(
        BTC, Candle(T0 + 60_000, D(100000), D(101000), D(99000), D(100500), D(2)), now_ms=T0 + 60_000
    )
    state = exchange.market(BTC)
    assert (state.high_24h, state.low_24h, state.last) == (D(101000), D(99000), D(100500))
    assert state.volume_24h == D(2)
    assert state.quote_volume_24h == D(201000)
    exchange.update_price(BTC, D(100700), now_ms=T0 + 25 * 3600 * 1000)
    later = exchange.market(BTC)
    assert later.high_24h == later.low_24h == D(100700)
    assert later.volume_24h == 0
