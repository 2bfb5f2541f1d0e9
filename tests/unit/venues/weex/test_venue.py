"""`WeexVenue`: competition guards, precision, order placement and unknown-outcome resolution,
and the port's read methods -- all through the scripted fake venue."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import httpx
import pytest

from alphaloop.model import (
    AiLog,
    ConfigurationError,
    ExchangeRejectedError,
    InvalidOrderError,
    LeverageLimitError,
    MarginMode,
    NetworkError,
    OrderIntent,
    OrderNotFoundError,
    OrderRequest,
    OrderStatus,
    OrderType,
    PositionSide,
    SymbolNotAllowedError,
    TimeInForce,
    UnknownOrderOutcomeError,
)
from alphaloop.venues.base import Venue
from alphaloop.venues.weex import WeexVenue

from .fakes import FakeWeex, fail, fixture, make_client, reply

D = Decimal
O = "/capi/v2/order/"  # noqa: E741
PLACE = O + "placeOrder"
BTC = "BTC/USDT:USDT"


def contracts() -> list[dict[str, Any]]:
    btc = fixture("contracts")[0]
    doge = {
        **btc,
        "symbol": "cmt_dogeusdt",
        "underlying_index": "DOGE",
        "contract_val": "100",
        "size_increment": "0",
        "tick_size": "5",
        "minOrderSize": "100",
        "maxOrderSize": "50000000",
        "marketOpenLimitSize": "5000000",
        "maxLeverage": 200,
    }
    pepe = {**btc, "symbol": "cmt_pepeusdt", "underlying_index": "PEPE"}
    odd = {**btc, "symbol": "cmt_btcusd"}  # not a USDT contract: skipped
    return [btc, doge, pepe, odd]


def detail(**overrides: Any) -> dict[str, Any]:
    return {**fixture("order_current")[0], **overrides}


@asynccontextmanager
async def venue_for(fake: FakeWeex, **kwargs: Any) -> AsyncIterator[WeexVenue]:
    fake.routes.setdefault("/capi/v2/market/contracts", [reply(contracts())])
    fake.routes.setdefault("/capi/v2/market/ticker", [reply(fixture("ticker"))])
    async with make_client(fake, time_sync=False) as client:
        yield WeexVenue(client, outcome_check_interval=2.0, **kwargs)


def order_calls(fake: FakeWeex) -> list[str]:
    return [p for p in fake.paths() if p.startswith(O)]


# ---------------------------------------------------------------- competition guards


@pytest.mark.asyncio
async def test_venue_satisfies_the_port(fake: FakeWeex) -> None:
    async with venue_for(fake) as venue:
        assert isinstance(venue, Venue)
        assert venue.name == "weex"


@pytest.mark.parametrize("symbol", ["PEPE/USDT:USDT", "cmt_pepeusdt", "BTC/USD:USD", "nonsense"])
@pytest.mark.asyncio
async def test_disallowed_symbol_is_refused_before_any_request(symbol: str, fake: FakeWeex) -> None:
    async with venue_for(fake) as venue:
        with pytest.raises(SymbolNotAllowedError):
            await venue.create_order(OrderRequest(symbol, OrderIntent.OPEN_LONG, D("1"), price=D("1")))
        with pytest.raises(SymbolNotAllowedError):
            await venue.set_leverage(symbol, 5)
        with pytest.raises(SymbolNotAllowedError):
            await venue.create_trigger_order(
                symbol=symbol, intent=OrderIntent.OPEN_LONG, amount=D("1"), trigger_price=D("1")
            )
    assert fake.sent == []


@pytest.mark.asyncio
async def test_allowed_set_can_be_narrowed(fake: FakeWeex) -> None:
    async with venue_for(fake, allowed_symbols=["cmt_btcusdt"]) as venue:
        with pytest.raises(SymbolNotAllowedError, match="ETH/USDT:USDT"):
            await venue.create_order(
                OrderRequest("ETH/USDT:USDT", OrderIntent.OPEN_LONG, D("1"), price=D("1"))
            )
    assert fake.sent == []


@pytest.mark.parametrize("leverage", [21, 0, 100])
@pytest.mark.asyncio
async def test_leverage_above_the_cap_is_refused_before_any_request(leverage: int, fake: FakeWeex) -> None:
    async with venue_for(fake) as venue:
        with pytest.raises(LeverageLimitError):
            await venue.set_leverage(BTC, leverage)
    assert fake.sent == []


@pytest.mark.asyncio
async def test_configured_cap_below_20_is_enforced(fake: FakeWeex) -> None:
    async with venue_for(fake, max_leverage=5) as venue:
        with pytest.raises(LeverageLimitError, match=r"1\.\.5"):
            await venue.set_leverage(BTC, 6)
    assert fake.sent == []


@pytest.mark.asyncio
async def test_cap_above_20_is_a_configuration_error(fake: FakeWeex) -> None:
    async with make_client(fake) as client:
        with pytest.raises(ConfigurationError):
            WeexVenue(client, max_leverage=21)


@pytest.mark.asyncio
async def test_set_leverage_sends_both_sides(fake: FakeWeex) -> None:
    fake.on("/capi/v2/account/getAccounts", reply(fixture("get_accounts")))  # cmt_btcusdt is SHARED
    fake.on("/capi/v2/account/leverage", reply(fixture("ack_200")))
    async with venue_for(fake) as venue:
        await venue.set_leverage("cmt_btcusdt", 20)
    assert fake.paths() == ["/capi/v2/account/getAccounts", "/capi/v2/account/leverage"]
    assert fake.sent[-1].body == {
        "symbol": "cmt_btcusdt",
        "marginMode": 1,
        "longLeverage": "20",
        "shortLeverage": "20",
    }


@pytest.mark.asyncio
async def test_set_leverage_switches_the_margin_mode_first_when_it_differs(fake: FakeWeex) -> None:
    # WEEX refuses a leverage call whose marginMode is not the symbol's current mode (spec 7.19)
    fake.on("/capi/v2/account/getAccounts", reply(fixture("get_accounts")))  # cmt_btcusdt is SHARED
    fake.on("/capi/v2/account/position/changeHoldModel", reply(fixture("ack_200")))
    fake.on("/capi/v2/account/leverage", reply(fixture("ack_200")))
    async with venue_for(fake) as venue:
        await venue.set_leverage("cmt_btcusdt", 20, margin_mode=MarginMode.ISOLATED)
    switch, leverage = fake.sent[-2:]
    assert switch.body == {"symbol": "cmt_btcusdt", "marginMode": 3}
    assert leverage.body == {
        "symbol": "cmt_btcusdt",
        "marginMode": 3,
        "longLeverage": "20",
        "shortLeverage": "20",
    }


# ---------------------------------------------------------------- precision and limits


@pytest.mark.parametrize(
    ("intent", "amount", "price", "sent_size", "sent_price"),
    [
        (OrderIntent.OPEN_LONG, "0.00129", "90000.37", "0.0012", "90000.3"),  # buy: price down
        (OrderIntent.OPEN_SHORT, "0.00129", "90000.31", "0.0012", "90000.4"),  # sell: price up
        (OrderIntent.CLOSE_LONG, "0.5", "90000.30", "0.5", "90000.3"),  # on tick stays
        (OrderIntent.CLOSE_SHORT, "2.00009", "89999.99", "2", "89999.9"),  # close short buys
    ],
)
@pytest.mark.asyncio
async def test_limit_order_rounding(
    intent: OrderIntent, amount: str, price: str, sent_size: str, sent_price: str, fake: FakeWeex
) -> None:
    fake.on(PLACE, reply(fixture("place_order")))
    fake.on(O + "detail", reply(detail()))
    async with venue_for(fake) as venue:
        await venue.create_order(OrderRequest(BTC, intent, D(amount), price=D(price), client_order_id="abc"))
    (sent,) = fake.calls(PLACE)
    assert sent.body["size"] == sent_size
    assert sent.body["price"] == sent_price
    assert sent.body["match_price"] == "0"
    assert (
        sent.body["type"]
        == {"open_long": "1", "open_short": "2", "close_long": "3", "close_short": "4"}[intent]
    )


@pytest.mark.asyncio
async def test_doge_size_floors_to_the_contract_value(fake: FakeWeex) -> None:
    fake.on(PLACE, reply(fixture("place_order")))
    fake.on(O + "detail", reply(detail()))
    async with venue_for(fake) as venue:
        await venue.create_order(
            OrderRequest("DOGE/USDT:USDT", OrderIntent.OPEN_LONG, D("1299"), price=D("0.123456"))
        )
    (sent,) = fake.calls(PLACE)
    assert sent.body["size"] == "1200"
    assert sent.body["price"] == "0.12345"


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (OrderRequest(BTC, OrderIntent.OPEN_LONG, D("0.00005"), price=D("90000")), "rounds down to 0"),
        (OrderRequest(BTC, OrderIntent.OPEN_LONG, D("1200.5"), price=D("90000")), "maximum order size 1200"),
        (
            OrderRequest(BTC, OrderIntent.OPEN_LONG, D("101"), order_type=OrderType.MARKET),
            "market-open limit 100",
        ),
        (OrderRequest(BTC, OrderIntent.OPEN_LONG, D("1")), "needs a price"),
        (OrderRequest(BTC, OrderIntent.OPEN_LONG, D("1"), price=D("0.01")), "must be positive"),
        (
            OrderRequest(BTC, OrderIntent.OPEN_LONG, D("1"), price=D("1"), client_order_id="bad id!"),
            "client order id",
        ),
        (
            OrderRequest(BTC, OrderIntent.OPEN_LONG, D("1"), price=D("1"), client_order_id="x" * 41),
            "client order id",
        ),
    ],
)
@pytest.mark.asyncio
async def test_limit_violations_raise_before_placing(
    request_: OrderRequest, message: str, fake: FakeWeex
) -> None:
    async with venue_for(fake) as venue:
        with pytest.raises(InvalidOrderError, match=message):
            await venue.create_order(request_)
    assert PLACE not in fake.paths()


@pytest.mark.asyncio
async def test_market_close_above_the_market_open_limit_is_allowed(fake: FakeWeex) -> None:
    fake.on(PLACE, reply(fixture("place_order")))
    fake.on(O + "detail", reply(fixture("order_detail")))
    async with venue_for(fake) as venue:
        await venue.create_order(
            OrderRequest(BTC, OrderIntent.CLOSE_LONG, D("150"), order_type=OrderType.MARKET)
        )
    assert len(fake.calls(PLACE)) == 1


# ---------------------------------------------------------------- placing


@pytest.mark.asyncio
async def test_market_order_sends_the_last_price_and_returns_the_detail(fake: FakeWeex) -> None:
    fake.on(PLACE, reply(fixture("place_order")))
    fake.on(O + "detail", reply(fixture("order_detail")))
    async with venue_for(fake) as venue:
        order = await venue.create_order(
            OrderRequest(
                BTC,
                OrderIntent.OPEN_LONG,
                D("0.01"),
                order_type=OrderType.MARKET,
                take_profit_price=D("100000.04"),
                stop_loss_price=D("80000.06"),
            )
        )
    (sent,) = fake.calls(PLACE)
    assert sent.body["match_price"] == "1"
    assert sent.body["price"] == "90755.3"  # the ticker's last
    assert sent.body["order_type"] == "0"
    assert sent.body["presetTakeProfitPrice"] == "100000.1"  # a long's exits sell: rounded up
    assert sent.body["presetStopLossPrice"] == "80000.1"
    assert sent.body["marginMode"] == 1
    client_oid = sent.body["client_oid"]
    assert client_oid.isalnum()
    assert len(client_oid) <= 40
    (detail_call,) = fake.calls(O + "detail")
    assert detail_call.request.url.params["orderId"] == "596471064624628269"
    assert order.id == "686643264626885530"
    assert order.status is OrderStatus.FILLED


@pytest.mark.asyncio
async def test_post_only_maps_to_order_type_1(fake: FakeWeex) -> None:
    fake.on(PLACE, reply(fixture("place_order")))
    fake.on(O + "detail", reply(detail()))
    async with venue_for(fake) as venue:
        await venue.create_order(
            OrderRequest(
                BTC, OrderIntent.OPEN_LONG, D("0.01"), price=D("88888"), time_in_force=TimeInForce.POST_ONLY
            )
        )
    assert fake.calls(PLACE)[0].body["order_type"] == "1"


@pytest.mark.asyncio
async def test_unreadable_detail_still_returns_the_pending_order(fake: FakeWeex) -> None:
    fake.on(PLACE, reply(fixture("place_order")))
    fake.on(O + "detail", reply({"code": "50005", "msg": "Order does not exist"}, status=400))
    async with venue_for(fake) as venue:
        order = await venue.create_order(
            OrderRequest(BTC, OrderIntent.OPEN_LONG, D("0.01"), price=D("88888"), client_order_id="mine1")
        )
    assert order.id == "596471064624628269"
    assert order.status is OrderStatus.PENDING
    assert order.client_order_id == "mine1"
    assert order.amount == D("0.01")
    assert order.price == D("88888")


# ---------------------------------------------------------------- unknown outcome


@pytest.mark.parametrize(
    "lost",
    [fail(httpx.ReadTimeout), fail(httpx.RemoteProtocolError), reply(text="oops", status=502)],
    ids=["timeout", "disconnect", "502"],
)
@pytest.mark.asyncio
async def test_lost_answer_then_found_by_client_oid(lost: Any, fake: FakeWeex) -> None:
    fake.on(PLACE, lost)
    fake.on(O + "current", reply([]), reply([detail(client_oid="other"), detail(client_oid="cid42")]))
    fake.on(O + "history", reply([]))
    async with venue_for(fake) as venue:
        order = await venue.create_order(
            OrderRequest(BTC, OrderIntent.OPEN_LONG, D("0.01"), price=D("88888"), client_order_id="cid42")
        )
    assert order.client_order_id == "cid42"
    assert order.status is OrderStatus.OPEN
    assert len(fake.calls(PLACE)) == 1  # sent exactly once
    assert order_calls(fake) == [PLACE, O + "current", O + "history", O + "current"]
    assert fake.clock.sleeps == [2.0]


@pytest.mark.asyncio
async def test_lost_answer_found_in_history(fake: FakeWeex) -> None:
    fake.on(PLACE, fail(httpx.ReadTimeout))
    fake.on(O + "current", reply([]))
    fake.on(O + "history", reply([detail(client_oid="cid43", status="filled", filled_qty="0.01")]))
    async with venue_for(fake) as venue:
        order = await venue.create_order(
            OrderRequest(BTC, OrderIntent.OPEN_LONG, D("0.01"), price=D("88888"), client_order_id="cid43")
        )
    assert order.status is OrderStatus.FILLED
    assert len(fake.calls(PLACE)) == 1


@pytest.mark.asyncio
async def test_lost_answer_not_found_is_unknown_outcome(fake: FakeWeex) -> None:
    fake.on(PLACE, fail(httpx.ReadTimeout))
    fake.on(O + "current", reply([]))
    fake.on(O + "history", reply([]))
    async with venue_for(fake, outcome_checks=3) as venue:
        with pytest.raises(UnknownOrderOutcomeError) as info:
            await venue.create_order(
                OrderRequest(BTC, OrderIntent.OPEN_LONG, D("0.01"), price=D("88888"), client_order_id="cid44")
            )
    assert info.value.client_order_id == "cid44"
    assert "cid44" in str(info.value)
    assert len(fake.calls(PLACE)) == 1
    assert len(fake.calls(O + "current")) == 3
    assert len(fake.calls(O + "history")) == 3
    assert fake.clock.sleeps == [2.0, 2.0]


@pytest.mark.asyncio
async def test_failing_lookups_end_in_unknown_outcome_not_in_their_own_error(fake: FakeWeex) -> None:
    fake.on(PLACE, fail(httpx.ReadTimeout))
    fake.on(O + "current", reply(text="down", status=503))
    async with venue_for(fake, outcome_checks=2) as venue:
        with pytest.raises(UnknownOrderOutcomeError) as info:
            await venue.create_order(
                OrderRequest(BTC, OrderIntent.OPEN_LONG, D("0.01"), price=D("88888"), client_order_id="cid45")
            )
    assert info.value.client_order_id == "cid45"
    assert len(fake.calls(PLACE)) == 1


@pytest.mark.asyncio
async def test_connection_refused_is_a_network_error_without_lookups(fake: FakeWeex) -> None:
    fake.on(PLACE, fail(httpx.ConnectError))
    async with venue_for(fake) as venue:
        with pytest.raises(NetworkError):
            await venue.create_order(OrderRequest(BTC, OrderIntent.OPEN_LONG, D("0.01"), price=D("88888")))
    assert order_calls(fake) == [PLACE]


@pytest.mark.asyncio
async def test_tpsl_lost_answer_is_resolved_in_trigger_orders(fake: FakeWeex) -> None:
    fake.on(O + "placeTpSlOrder", fail(httpx.ReadTimeout))
    fake.on(O + "current", reply([]))
    fake.on(O + "history", reply([]))
    plan = {**fixture("current_plan")[0], "client_oid": "tp1", "status": "0", "type": "3"}
    fake.on(O + "currentPlan", reply([plan]))
    async with venue_for(fake) as venue:
        order = await venue.create_tpsl_order(
            symbol=BTC,
            position_side=PositionSide.LONG,
            kind="take_profit",
            trigger_price=D("99000"),
            amount=D("0.01"),
            client_order_id="tp1",
        )
    assert order.status is OrderStatus.UNTRIGGERED
    assert order.intent is OrderIntent.CLOSE_LONG
    assert len(fake.calls(O + "placeTpSlOrder")) == 1


@pytest.mark.asyncio
async def test_cancel_with_lost_answer_confirms_by_status(fake: FakeWeex) -> None:
    fake.on(O + "cancel_order", fail(httpx.ReadTimeout))
    fake.on(O + "detail", reply(detail(status="canceled")))
    async with venue_for(fake) as venue:
        result = await venue.cancel_order(BTC, order_id="689987455633326746")
    assert result.success
    assert len(fake.calls(O + "cancel_order")) == 1


# ---------------------------------------------------------------- reads


@pytest.mark.asyncio
async def test_load_instruments_skips_foreign_symbols_and_caches(fake: FakeWeex) -> None:
    async with venue_for(fake) as venue:
        instruments = await venue.load_instruments()
        await venue.load_instruments()
        assert set(instruments) == {BTC, "DOGE/USDT:USDT", "PEPE/USDT:USDT"}
        assert len(fake.calls("/capi/v2/market/contracts")) == 1
        await venue.load_instruments(reload=True)
    assert len(fake.calls("/capi/v2/market/contracts")) == 2


@pytest.mark.asyncio
async def test_fetch_ohlcv_latest_uses_candles(fake: FakeWeex) -> None:
    fake.on("/capi/v2/market/candles", reply(fixture("candles")))
    async with venue_for(fake) as venue:
        candles = await venue.fetch_ohlcv(BTC, "1m", limit=2)
    assert [c.timestamp for c in candles] == [1716707460000, 1716707520000]
    (sent,) = fake.sent
    assert sent.request.url.query.decode() == "symbol=cmt_btcusdt&granularity=1m&limit=2"


@pytest.mark.asyncio
async def test_fetch_ohlcv_with_a_range_uses_history_candles(fake: FakeWeex) -> None:
    fake.on("/capi/v2/market/historyCandles", reply(fixture("candles")))
    async with venue_for(fake) as venue:
        candles = await venue.fetch_ohlcv(BTC, "1m", since=1716707500000, limit=10)
    assert [c.timestamp for c in candles] == [1716707520000]  # the earlier row is before `since`
    (sent,) = fake.sent
    params = sent.request.url.params
    assert params["startTime"] == "1716707500000"
    assert params["endTime"] == str(1716707500000 + 10 * 60_000 - 1)
    assert params["limit"] == "10"


@pytest.mark.asyncio
async def test_fetch_ohlcv_rejects_unknown_timeframes(fake: FakeWeex) -> None:
    async with venue_for(fake) as venue:
        with pytest.raises(ValueError, match="2h"):
            await venue.fetch_ohlcv(BTC, "2h")
    assert fake.sent == []


@pytest.mark.asyncio
async def test_reads(fake: FakeWeex) -> None:
    fake.on("/capi/v2/market/depth", reply(fixture("depth")))
    fake.on("/capi/v2/market/currentFundRate", reply(fixture("current_fund_rate")))
    fake.on("/capi/v2/market/funding_time", reply(fixture("funding_time")))
    fake.on("/capi/v2/market/getHistoryFundRate", reply(fixture("history_fund_rate")))
    fake.on("/capi/v2/account/assets", reply(fixture("assets")))
    fake.on("/capi/v2/account/position/allPosition", reply(fixture("all_position")))
    fake.on(O + "fills", reply(fixture("fills")))
    async with venue_for(fake) as venue:
        ticker = await venue.fetch_ticker(BTC)
        book = await venue.fetch_order_book(BTC, limit=1)
        funding = await venue.fetch_funding_rate(BTC)
        history = await venue.fetch_funding_rate_history(BTC, limit=2)
        balance = await venue.fetch_balance()
        positions = await venue.fetch_positions()
        none = await venue.fetch_positions(["ETH/USDT:USDT", "SOL/USDT:USDT"])
        trades = await venue.fetch_my_trades(BTC, order_id="0")
    assert ticker.last == D("90755.3")
    assert ticker.symbol == BTC
    assert book.bids == ((D("90755.3"), D("2.0010")),)
    assert len(book.asks) == 1
    assert fake.calls("/capi/v2/market/depth")[0].request.url.params["limit"] == "15"
    assert funding.rate == D("-0.0001036")
    assert funding.next_funding_time == 1716595200000
    assert len(history) == 2
    assert balance.total == D("5696.49288823")
    assert [p.symbol for p in positions] == [BTC]
    assert none == []
    assert trades[0].price == D("12") / D("67")
    assert fake.calls(O + "fills")[0].request.url.query.decode() == "symbol=cmt_btcusdt&orderId=0"


@pytest.mark.asyncio
async def test_fills_of_one_instant_come_back_in_venue_sequence(fake: FakeWeex) -> None:
    # the venue lists newest first; equal timestamps must not leave the close before the open
    row = fixture("fills")["list"][0]
    newest_first = [{**row, "tradeId": 700000000000000012}, {**row, "tradeId": 700000000000000009}]
    fake.on(O + "fills", reply({"list": newest_first, "nextFlag": False, "totals": 2}))
    async with venue_for(fake) as venue:
        trades = await venue.fetch_my_trades(BTC)
    assert [t.id for t in trades] == ["700000000000000009", "700000000000000012"]


@pytest.mark.asyncio
async def test_fetch_positions_for_one_symbol_uses_single_position(fake: FakeWeex) -> None:
    fake.on("/capi/v2/account/position/singlePosition", reply(fixture("all_position")))
    async with venue_for(fake) as venue:
        positions = await venue.fetch_positions([BTC])
    assert positions[0].entry_price == D("90755.3")
    assert fake.sent[0].request.url.query.decode() == "symbol=cmt_btcusdt"


@pytest.mark.asyncio
async def test_fetch_order_by_id_and_by_client_id(fake: FakeWeex) -> None:
    fake.on(O + "detail", reply(fixture("order_detail")))
    fake.on(O + "current", reply(fixture("order_current")))
    fake.on(O + "history", reply([]))
    async with venue_for(fake) as venue:
        by_id = await venue.fetch_order(BTC, order_id="686643264626885530")
        by_cid = await venue.fetch_order(BTC, client_order_id="175287228528278")
        with pytest.raises(OrderNotFoundError):
            await venue.fetch_order(BTC, client_order_id="nope")
    assert by_id.status is OrderStatus.FILLED
    assert by_cid.id == "689987455633326746"


@pytest.mark.asyncio
async def test_fetch_open_orders_pages(fake: FakeWeex) -> None:
    page = [detail(order_id=str(i)) for i in range(100)]
    fake.on(O + "current", reply(page), reply(page[:3]))
    async with venue_for(fake) as venue:
        orders = await venue.fetch_open_orders(BTC)
    assert len(orders) == 103
    assert [s.request.url.params["page"] for s in fake.calls(O + "current")] == ["0", "1"]


@pytest.mark.asyncio
async def test_upload_ai_log_sends_order_id_as_a_number(fake: FakeWeex) -> None:
    fake.on(O + "uploadAiLog", reply(fixture("upload_ai_log")))
    log = AiLog("Decision Making", "gbm-v3", {"features": [1, 2]}, {"signal": "long"}, "momentum up")
    async with venue_for(fake) as venue:
        await venue.upload_ai_log(log)
        await venue.upload_ai_log(log.with_order_id("596471064624628269"))
    first, second = fake.sent
    assert first.body["orderId"] is None
    assert second.body["orderId"] == 596471064624628269
    assert b'"orderId":596471064624628269' in second.request.content
    assert second.body["input"] == {"features": [1, 2]}


# ---------------------------------------------------------------- extras


@pytest.mark.asyncio
async def test_close_positions_and_cancel_all(fake: FakeWeex) -> None:
    fake.on(O + "closePositions", reply(fixture("close_positions")))
    fake.on(O + "cancelAllOrders", reply(fixture("cancel_all_orders")))
    async with venue_for(fake) as venue:
        (closed,) = await venue.close_positions(symbol=BTC)
        (canceled,) = await venue.cancel_all_orders(trigger=True)
    assert closed.success
    assert closed.order_id == "696023766399976282"
    assert canceled.order_id == "696026685023191898"
    assert canceled.success
    assert fake.calls(O + "closePositions")[0].body == {"symbol": "cmt_btcusdt"}
    assert fake.calls(O + "cancelAllOrders")[0].body == {"cancelOrderType": "plan"}


@pytest.mark.asyncio
async def test_trigger_orders(fake: FakeWeex) -> None:
    fake.on(O + "plan_order", reply(fixture("plan_order")))
    fake.on(O + "currentPlan", reply(fixture("current_plan")))
    fake.on(O + "cancel_plan", reply(fixture("cancel_plan")))
    async with venue_for(fake) as venue:
        order = await venue.create_trigger_order(
            symbol=BTC,
            intent=OrderIntent.OPEN_SHORT,
            amount=D("0.01"),
            trigger_price=D("95000.05"),
            price=D("94999.91"),
        )
        listed = await venue.fetch_trigger_orders(symbol=BTC)
        result = await venue.cancel_trigger_order(BTC, order.id)
    body = fake.calls(O + "plan_order")[0].body
    assert body["type"] == "2"
    assert body["match_type"] == "0"
    assert body["trigger_price"] == "95000.1"
    assert body["execute_price"] == "95000"
    assert order.status is OrderStatus.UNTRIGGERED
    assert order.id == "596480271352594989"
    assert listed[0].raw["triggerPrice"] == "48000.00"
    assert result.success
    assert result.order_id == "596480271352594989"


@pytest.mark.asyncio
async def test_tpsl_rejected_row_raises(fake: FakeWeex) -> None:
    fake.on(O + "placeTpSlOrder", reply([{"orderId": 0, "success": False}]))
    async with venue_for(fake) as venue:
        with pytest.raises(ExchangeRejectedError, match="stop_loss"):
            await venue.create_tpsl_order(
                symbol=BTC,
                position_side=PositionSide.SHORT,
                kind="stop_loss",
                trigger_price=D("99000"),
                amount=D("1"),
            )
    body = fake.calls(O + "placeTpSlOrder")[0].body
    assert body["planType"] == "loss_plan"
    assert body["positionSide"] == "short"
    assert "executePrice" not in body
