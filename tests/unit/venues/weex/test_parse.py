"""Wire -> domain on the spec's example payloads (tests/fixtures/weex)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import TypeAdapter, ValidationError

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
from alphaloop.venues.weex import parse, schemas

from .fixtures_util import load

D = Decimal


def test_instrument_from_the_seed_btc_contract() -> None:
    (contract,) = load("contracts", list[schemas.Contract])
    inst = parse.parse_instrument(contract)
    assert inst.symbol == "BTC/USDT:USDT"
    assert inst.venue_symbol == "cmt_btcusdt"
    assert (inst.base, inst.quote, inst.settle) == ("BTC", "USDT", "USDT")
    assert inst.price_tick == D("0.1")
    assert inst.size_step == D("0.0001")
    assert inst.min_size == D("0.0001")
    assert inst.max_size == D("1200")
    assert inst.max_market_open_size == D("100")
    assert inst.max_position_size == D("1000000")
    assert (inst.min_leverage, inst.max_leverage) == (1, 400)
    assert (inst.maker_fee, inst.taker_fee) == (D("0.0002"), D("0.0008"))
    assert inst.buy_limit_price_ratio == D("0.01")
    assert inst.funding_times_utc == ("00:00:00", "08:00:00", "16:00:00")


@pytest.mark.parametrize(
    ("tick_size", "end_step", "size_increment", "contract_val", "tick", "step"),
    [
        ("1", 1, "4", "0.0001", "0.1", "0.0001"),
        ("1", 5, "4", "0", "0.5", "0.0001"),  # priceEndStep 5: only 0 or 5 as the last digit
        ("5", 1, "0", "100", "0.00001", "100"),  # DOGE: contract value coarser than the decimals
        ("2", 1, "3", "0.01", "0.01", "0.01"),  # contract value wins over 10^-size_increment
        ("4", 1, "0", None, "0.0001", "1"),
    ],
)
def test_instrument_precision_rules(
    tick_size: str, end_step: int, size_increment: str, contract_val: str | None, tick: str, step: str
) -> None:
    contract = schemas.Contract.model_validate(
        {
            "symbol": "cmt_dogeusdt",
            "tick_size": tick_size,
            "priceEndStep": end_step,
            "size_increment": size_increment,
            "contract_val": contract_val,
        }
    )
    inst = parse.parse_instrument(contract)
    assert inst.price_tick == D(tick)
    assert inst.size_step == D(step)
    assert inst.min_size == D(step)  # defaults to one step when the venue omits it


def test_ticker() -> None:
    ticker = parse.parse_ticker(load("ticker", schemas.TickerWire))
    assert ticker.symbol == "BTC/USDT:USDT"
    assert (ticker.last, ticker.bid, ticker.ask) == (D("90755.3"), D("90755.3"), D("90755.4"))
    assert (ticker.high, ticker.low) == (D("91130.0"), D("90097.3"))
    assert ticker.base_volume == D("25615.0755")
    assert ticker.quote_volume == D("2321170547.37995")
    assert ticker.percentage == D("0.0474")  # the venue's fraction, as percent
    assert (ticker.mark_price, ticker.index_price) == (D("90755.2"), D("90797.161"))
    assert ticker.timestamp == 1764482511864
    assert ticker.raw["symbol"] == "cmt_btcusdt"


def test_candles_are_sorted_oldest_first() -> None:
    candles = parse.parse_candles(load("candles", list[schemas.Kline]))
    assert [c.timestamp for c in candles] == [1716707460000, 1716707520000]
    first = candles[0]
    assert (first.open, first.high, first.low, first.close) == (
        D("69174.3"),
        D("69174.4"),
        D("69174.1"),
        D("69174.3"),
    )
    assert first.volume == D("0")
    assert first.quote_volume == D("0.011")


def test_candle_rows_accept_numbers_and_the_websocket_spelling() -> None:
    rows = TypeAdapter(list[schemas.Kline]).validate_python(
        [
            [1716707520000, 1.5, 2, 1, 1.25, 10],
            {
                "klineTime": "1716707460000",
                "open": "1",
                "high": "2",
                "low": "0.5",
                "close": "1.5",
                "size": "3",
            },
        ]
    )
    candles = parse.parse_candles(rows)
    assert [c.timestamp for c in candles] == [1716707460000, 1716707520000]
    assert candles[1].open == D("1.5")
    assert candles[1].quote_volume is None
    assert candles[0].volume == D("3")


def test_order_book_sorted_best_first_and_null_book_is_empty() -> None:
    book = parse.parse_order_book("BTC/USDT:USDT", load("depth", schemas.Depth))
    assert book.bids[0] == (D("90755.3"), D("2.0010"))
    assert book.asks[0] == (D("90755.4"), D("1.2340"))
    assert [p for p, _ in book.bids] == sorted((p for p, _ in book.bids), reverse=True)
    assert book.timestamp == 1764482511864
    empty = parse.parse_order_book(
        "BTC/USDT:USDT", schemas.Depth.model_validate({"asks": None, "bids": None})
    )
    assert empty.bids == ()
    assert empty.asks == ()


def test_funding() -> None:
    (current,) = load("current_fund_rate", list[schemas.CurrentFundRate])
    rate = parse.parse_funding_rate(current, next_funding_time=1716595200000)
    assert rate.symbol == "BTC/USDT:USDT"
    assert rate.rate == D("-0.0001036")
    assert rate.interval_minutes == 480
    assert rate.next_funding_time == 1716595200000
    history = parse.parse_funding_history(load("history_fund_rate", list[schemas.HistoryFundRate]))
    assert [r.timestamp for r in history] == [1716566400000, 1716595200000]


def test_balance() -> None:
    balance = parse.parse_balance(load("assets", list[schemas.Asset]))
    assert balance.currency == "USDT"
    assert balance.total == D("5696.49288823")
    assert balance.free == D("5413.06877369")
    assert balance.used == D("5696.49288823") - D("5413.06877369")
    assert balance.unrealized_pnl == D("-34.55300000")
    assert parse.parse_balance([]).total == 0


def test_position_entry_price_is_open_value_over_size() -> None:
    (wire,) = load("all_position", list[schemas.PositionWire])
    position = parse.parse_position(wire)
    assert position.symbol == "BTC/USDT:USDT"
    assert position.side is PositionSide.LONG
    assert position.size == D("0.0010")
    assert position.entry_price == D("90755.3")
    assert position.leverage == D("20")
    assert position.margin_mode is MarginMode.CROSS
    assert position.margin == D("4.537765")
    assert position.unrealized_pnl == D("0.0012")
    assert position.liquidation_price is None  # "0" means none
    assert position.id == "690800371848708186"  # > 2^53, kept exact


def test_market_order_detail() -> None:
    order = parse.parse_order(load("order_detail", schemas.OrderWire))
    assert order.id == "686643264626885530"
    assert order.symbol == "BTC/USDT:USDT"
    assert order.intent is OrderIntent.OPEN_LONG
    assert order.side is Side.BUY
    assert order.order_type is OrderType.MARKET  # price "0.0"
    assert order.time_in_force is TimeInForce.IOC
    assert order.status is OrderStatus.FILLED
    assert order.amount == D("0.010000")
    assert order.filled == D("0.010000")
    assert order.price is None
    assert order.average_price == D("85596.5")
    assert order.fee == D("0.51357900")
    assert order.client_order_id == "1763604184027_122"
    assert order.timestamp == 1763708511502
    assert (order.take_profit_price, order.stop_loss_price) == (D("100000.0"), D("10000.0"))


def test_open_limit_order() -> None:
    (order,) = [parse.parse_order(o) for o in load("order_current", list[schemas.OrderWire])]
    assert order.status is OrderStatus.OPEN
    assert order.order_type is OrderType.LIMIT
    assert order.price == D("88888.0")
    assert order.average_price is None
    assert order.remaining == D("0.01")
    assert order.take_profit_price is None


@pytest.mark.parametrize(
    ("wire_type", "intent"),
    [
        ("open_short", OrderIntent.OPEN_SHORT),
        ("close_long", OrderIntent.CLOSE_LONG),
        ("offset_liquidate_short", OrderIntent.CLOSE_SHORT),
        ("burst_liquidate_long", OrderIntent.CLOSE_LONG),
        ("agreement_close_short", OrderIntent.CLOSE_SHORT),
    ],
)
def test_order_types(wire_type: str, intent: OrderIntent) -> None:
    wire = load("order_detail", schemas.OrderWire).model_copy(update={"type": wire_type})
    assert parse.parse_order(wire).intent is intent


def test_unknown_order_type_is_malformed() -> None:
    wire = load("order_detail", schemas.OrderWire).model_copy(update={"type": "teleport"})
    with pytest.raises(MalformedResponseError, match="teleport"):
        parse.parse_order(wire)


def test_trade_price_is_fill_value_over_fill_size() -> None:
    page = load("fills", schemas.FillsPage)
    (trade,) = [parse.parse_trade(f) for f in page.fills]
    assert trade.id == "0"
    assert trade.order_id == "0"
    assert trade.side is Side.BUY
    assert trade.position_side is PositionSide.LONG
    assert trade.amount == D("67")
    assert trade.price == D("12") / D("67")
    assert trade.cost == D("12")
    assert trade.fee == D("67")
    assert trade.realized_pnl == D("83")
    assert trade.timestamp == 1716712170527
    assert trade.is_maker is None  # OPEN_LONG says nothing about maker/taker


def test_plan_orders() -> None:
    (current,) = [parse.parse_plan_order(o) for o in load("current_plan", list[schemas.PlanOrderWire])]
    assert current.status is OrderStatus.OPEN  # "1" partially filled
    assert current.intent is OrderIntent.OPEN_LONG
    assert current.price == D("50000.00")
    assert current.filled == D("0.5")
    assert current.raw["triggerPrice"] == "48000.00"
    history = load("history_plan", schemas.HistoryPlanPage)
    (done,) = [parse.parse_plan_order(o) for o in history.orders]
    assert done.status is OrderStatus.FILLED
    assert done.intent is OrderIntent.CLOSE_SHORT
    assert done.order_type is OrderType.MARKET


def test_other_shapes_validate() -> None:
    accounts = load("get_accounts", schemas.AccountInfo)
    assert accounts.account.leverageSetting[0].cross_leverage == D("20.00")
    assert accounts.collateral[0].amount == D("4663.20125463")
    one = load("get_account", schemas.AccountInfo)
    assert one.account.modeSetting[0].separatedMode == "COMBINED"  # the doc's *Enum spelling
    assert one.collateral[0].isolatedPositionId == "0"
    bills = load("bills", schemas.BillsPage)
    assert bills.items[0].billId == "686960019383517338"
    assert bills.items[0].ctime == 1763784031721
    settings = load("settings", dict[str, schemas.LeverageSetting])
    assert settings["cmt_ethusdt"].cross_leverage == D("20.00")
    (closed,) = load("close_positions", list[schemas.ClosePositionResult])
    assert closed.successOrderId == "696023766399976282"
    assert load("batch_orders", schemas.BatchOrdersResult).order_info[0].client_oid == "order12346"
    assert load("cancel_batch_orders", schemas.CancelBatchResult).orderIds == ["596471064624628269"]
    assert load("time", schemas.ServerTime).timestamp == 1765423487896
    assert load("index", schemas.IndexPrice).index == D("90797.161")
    assert load("open_interest", list[schemas.OpenInterest])[0].base_volume == D("12345.678")
    assert load("trades", list[schemas.PublicTrade])[0].isBuyerMaker is True


def test_numbers_never_pass_through_float() -> None:
    ticker = schemas.TickerWire.model_validate({"symbol": "cmt_btcusdt", "last": 0.1})
    assert ticker.last == D("0.1")
    with pytest.raises(ValidationError):
        schemas.TickerWire.model_validate({"symbol": "cmt_btcusdt", "last": "n/a"})
    with pytest.raises(ValidationError):
        schemas.TickerWire.model_validate({"symbol": "cmt_btcusdt", "last": True})
