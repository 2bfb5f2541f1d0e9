"""Recorded payloads (spec sections 2.2 and 4) -> domain types: the drift between captures (numbers vs
strings, ms vs seconds-with-fraction, 0/1 booleans, "0" client ids) must not matter."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pydantic import TypeAdapter

from alphaloop.model import (
    MalformedResponseError,
    MarginMode,
    OrderIntent,
    OrderStatus,
    OrderType,
    PositionSide,
    Side,
    TimeInForce,
)
from alphaloop.venues.woox import parse, schemas
from alphaloop.venues.woox.parse import intent_of, order_fields, side_fields, wire_client_id

from .fakes import data


def load(name: str, shape: Any) -> Any:
    return TypeAdapter(shape).validate_python(data(name))


def test_instruments_perp_row() -> None:
    rows = load("instruments", schemas.Page[schemas.InstrumentWire]).rows
    btc = parse.parse_instrument(rows[1])
    assert (btc.symbol, btc.venue_symbol) == ("BTC/USDT:USDT", "PERP_BTC_USDT")
    assert (btc.price_tick, btc.size_step, btc.min_size, btc.max_size) == (
        Decimal("0.1"), Decimal("0.0001"), Decimal("0.0001"), Decimal("500"),
    )  # fmt: skip
    assert btc.max_leverage == 50  # 1 / baseIMR 0.02
    # bidCapRatio 1.1 / askFloorRatio 0.9: buys at most 10 % above, sells at most 10 % below
    assert (btc.buy_limit_price_ratio, btc.sell_limit_price_ratio) == (Decimal("0.1"), Decimal("0.1"))
    assert btc.funding_times_utc == tuple(f"{h:02d}:00:00" for h in range(0, 24, 4))
    assert (btc.maker_fee, btc.taker_fee) == (Decimal("0.0002"), Decimal("0.0005"))


def test_spot_rows_are_not_perpetuals() -> None:
    spot = load("instruments", schemas.Page[schemas.InstrumentWire]).rows[0]
    with pytest.raises(Exception, match="not a WOO X perpetual"):
        parse.parse_instrument(spot)


def test_futures_row_is_the_ticker_with_book_top_added() -> None:
    row = load("futures", schemas.Page[schemas.FuturesWire]).rows[0]
    ticker = parse.parse_ticker(row, bid=Decimal("63004"), ask=Decimal("63005.5"), timestamp=1)
    assert (ticker.last, ticker.mark_price, ticker.index_price) == (
        Decimal(63005),
        Decimal(63006),
        Decimal(63034),
    )
    assert (ticker.high, ticker.low, ticker.base_volume) == (
        Decimal(64000),
        Decimal(62815),
        Decimal("30.64337"),
    )
    assert ticker.percentage == (Decimal(63005) - Decimal(63848)) / Decimal(63848) * 100
    assert (ticker.bid, ticker.ask) == (Decimal("63004"), Decimal("63005.5"))
    assert ticker.raw["24hClose"] == "63005"  # the venue's own spelling survives in raw


def test_klines_come_out_oldest_first_whatever_the_row_order() -> None:
    rows = load("kline", schemas.Page[schemas.KlineWire]).rows
    assert rows[0].startTimestamp > rows[1].startTimestamp  # the capture is newest first here
    candles = parse.parse_candles(rows)
    assert [c.timestamp for c in candles] == [1751616000000, 1751619600000]
    assert candles[1].close == Decimal("108995.4")
    assert candles[1].quote_volume == Decimal("2103316.08159279")


def test_order_book_levels_are_objects() -> None:
    book = parse.parse_order_book("LTC/USDT:USDT", load("orderbook", schemas.OrderbookWire), timestamp=7)
    assert book.asks == ((Decimal("87.97"), Decimal("3.410253")),)
    assert book.bids == ((Decimal("87.95"), Decimal("0.047358")),)


def test_funding_rate_is_the_estimate_with_its_interval() -> None:
    rate = parse.parse_funding_rate(load("funding_rate", schemas.Page[schemas.FundingRateWire]).rows[0])
    assert (rate.rate, rate.timestamp) == (Decimal("-0.00000441"), 1751623979022)
    assert (rate.next_funding_time, rate.interval_minutes) == (1751644800000, 480)
    history = parse.parse_funding_history(
        load("funding_rate_history", schemas.Page[schemas.FundingRateHistoryWire]).rows
    )
    assert [(h.rate, h.timestamp) for h in history] == [(Decimal("-0.00004953"), 1751616000000)]


def test_one_way_position_with_computed_unrealised_pnl() -> None:
    (position,) = parse.parse_positions(load("positions", schemas.PositionsWire).positions)
    assert (position.symbol, position.side, position.size) == (
        "LTC/USDT:USDT",
        PositionSide.LONG,
        Decimal("0.1"),
    )
    assert position.entry_price == Decimal("96.87")
    assert position.unrealized_pnl == (Decimal("96.83793449") - Decimal("96.87")) * Decimal("0.1")
    assert position.liquidation_price is None  # estLiqPrice "0" means none
    assert (position.leverage, position.margin_mode) == (Decimal(10), MarginMode.CROSS)


@pytest.mark.parametrize(
    ("holding", "position_side", "expected_side"),
    [("-0.5", "BOTH", PositionSide.SHORT), ("0.5", "SHORT", PositionSide.SHORT),
     ("-0.5", "SHORT", PositionSide.SHORT), ("0.5", "LONG", PositionSide.LONG)],
)  # fmt: skip
def test_position_side_trusts_position_side_then_the_sign(
    holding: str, position_side: str, expected_side: PositionSide
) -> None:
    row = schemas.PositionWire(
        symbol="PERP_BTC_USDT",
        holding=holding,
        positionSide=position_side,
        averageOpenPrice="100",
        markPrice="110",
    )
    position = parse.parse_position(row)
    assert position is not None
    assert (position.side, position.size) == (expected_side, Decimal("0.5"))
    # a short loses when the mark rises, whatever sign convention the holding used
    assert position.unrealized_pnl == (Decimal(5) if expected_side is PositionSide.LONG else Decimal(-5))


def test_flat_rows_are_dropped() -> None:
    assert parse.parse_position(schemas.PositionWire(symbol="PERP_BTC_USDT", holding="0")) is None


def test_balance_equity_adds_positions_unrealised_pnl() -> None:
    positions = parse.parse_positions(load("positions", schemas.PositionsWire).positions)
    balance = parse.parse_balance(load("balances", schemas.BalancesWire), positions)
    upnl = positions[0].unrealized_pnl
    assert (balance.total, balance.free, balance.unrealized_pnl) == (
        Decimal(1000) + upnl,
        Decimal(1000),
        upnl,
    )


def test_order_with_string_numbers_ms_string_time_and_zero_client_id() -> None:
    order = parse.parse_order(load("get_order", schemas.OrderWire))
    assert (order.id, order.symbol, order.intent) == ("65902165422", "LTC/USDT:USDT", OrderIntent.OPEN_LONG)
    assert (order.order_type, order.status, order.time_in_force) == (
        OrderType.MARKET,
        OrderStatus.FILLED,
        TimeInForce.IOC,
    )
    assert (order.amount, order.filled, order.average_price) == (
        Decimal("0.1"),
        Decimal("0.1"),
        Decimal("95.69"),
    )
    assert (order.price, order.client_order_id, order.timestamp) == (None, None, 1760973091453)
    assert order.fee == Decimal("0.0047845")


def test_place_order_answer_with_json_numbers() -> None:
    placed = load("place_order", schemas.PlaceOrderResult)
    assert (placed.orderId, placed.clientOrderId, placed.price) == ("60667653330", None, Decimal(60))


def test_fills_with_numbers_seconds_strings_and_zero_one_maker_flags() -> None:
    trades = parse.parse_trades(
        load("transaction_history_numbers", schemas.Page[schemas.TransactionWire]).rows
    )
    opened, closed = trades  # oldest first
    assert opened.timestamp == 1752049062496
    assert closed.timestamp == 1752055173630
    assert (opened.side, opened.position_side, opened.is_maker) == (Side.BUY, PositionSide.LONG, False)
    # one-way rows do not say which side they touched: realised PnL marks the closing sell
    assert (closed.side, closed.position_side, closed.is_maker) == (Side.SELL, PositionSide.LONG, True)
    assert (closed.price, closed.amount, closed.realized_pnl) == (
        Decimal("95.69"),
        Decimal("0.1"),
        Decimal("0.25"),
    )
    assert closed.cost == Decimal("95.69") * Decimal("0.1")


@pytest.mark.parametrize(
    ("side", "expected"),
    [("OPEN LONG", (Side.BUY, PositionSide.LONG)), ("CLOSE SHORT", (Side.BUY, PositionSide.SHORT)),
     ("CLOSE LONG", (Side.SELL, PositionSide.LONG)), ("OPEN SHORT", (Side.SELL, PositionSide.SHORT))],
)  # fmt: skip
def test_hedge_mode_fill_side_words(side: str, expected: tuple[Side, PositionSide]) -> None:
    row = schemas.TransactionWire(
        id=1,
        symbol="PERP_BTC_USDT",
        orderId=2,
        executedPrice="1",
        executedQuantity="1",
        side=side,
        executedTimestamp=1,
    )
    trade = parse.parse_trade(row)
    assert (trade.side, trade.position_side) == expected


def test_trailing_stop_algo_order() -> None:
    order = parse.parse_algo_order(load("algo_order", schemas.AlgoOrderWire))
    assert (order.id, order.status, order.intent) == (
        "792420",
        OrderStatus.UNTRIGGERED,
        OrderIntent.OPEN_SHORT,
    )
    assert order.amount == Decimal(1)
    assert order.raw["callbackRate"] == "0.03"
    assert order.raw["rebateCurrency"] == "USDT"  # undeclared venue fields survive in raw


def test_positional_tp_sl_takes_its_intent_and_prices_from_the_legs() -> None:
    wire = schemas.AlgoOrderWire.model_validate(
        {
            "algoOrderId": 432131, "symbol": "PERP_BTC_USDT", "algoType": "POSITIONAL_TP_SL",
            "algoStatus": "NEW",
            "childOrders": [
                {"algoOrderId": 432132, "symbol": "PERP_BTC_USDT", "algoType": "TAKE_PROFIT", "side": "SELL",
                 "positionSide": "LONG", "type": "CLOSE_POSITION", "triggerPrice": "72000"},
                {"algoOrderId": 432133, "symbol": "PERP_BTC_USDT", "algoType": "STOP_LOSS", "side": "SELL",
                 "positionSide": "LONG", "type": "CLOSE_POSITION", "triggerPrice": 65000},
            ],
        }
    )  # fmt: skip
    order = parse.parse_algo_order(wire)
    assert order.intent is OrderIntent.CLOSE_LONG
    assert (order.take_profit_price, order.stop_loss_price) == (Decimal(72000), Decimal(65000))
    assert order.order_type is OrderType.MARKET


def test_a_side_the_venue_never_documented_is_malformed() -> None:
    with pytest.raises(MalformedResponseError):
        intent_of("HOLD", "BOTH", False)


@pytest.mark.parametrize(
    ("intent", "hedge", "one_way"),
    [
        (OrderIntent.OPEN_LONG, ("BUY", "LONG", None), ("BUY", None, False)),
        (OrderIntent.CLOSE_LONG, ("SELL", "LONG", None), ("SELL", None, True)),
        (OrderIntent.OPEN_SHORT, ("SELL", "SHORT", None), ("SELL", None, False)),
        (OrderIntent.CLOSE_SHORT, ("BUY", "SHORT", None), ("BUY", None, True)),
    ],
)
def test_intents_round_trip_in_both_position_modes(
    intent: OrderIntent,
    hedge: tuple[str, str | None, bool | None],
    one_way: tuple[str, str | None, bool | None],
) -> None:
    assert side_fields(intent, "HEDGE_MODE") == hedge
    assert side_fields(intent, "ONE_WAY") == one_way
    assert intent_of(hedge[0], hedge[1], False) is intent
    assert intent_of(one_way[0], "BOTH", bool(one_way[2])) is intent
    assert order_fields(intent, "HEDGE_MODE") == {"side": hedge[0], "positionSide": hedge[1]}


def test_client_ids_numeric_text_passes_other_text_hashes_stably() -> None:
    assert wire_client_id("1001") == 1001
    assert wire_client_id("decision-42") == wire_client_id("decision-42")
    assert wire_client_id("decision-42") != wire_client_id("decision-43")
    assert 0 < wire_client_id("decision-42") < 2**63
    assert 0 < wire_client_id("99999999999999999999") < 2**63  # above int64: hashed, not truncated
    assert wire_client_id("0") != 0  # 0 means "none" on the venue


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1752049062496, 1752049062496), ("1760973091453", 1760973091453), ("1752049062.496", 1752049062496),
     (Decimal("1752049062.496"), 1752049062496), ("1752049062", 1752049062000), ("0", 0), (None, None)],
)  # fmt: skip
def test_times_in_every_observed_form(value: object, expected: int | None) -> None:
    assert schemas.to_ms(value) == expected
