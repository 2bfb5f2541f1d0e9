"""`WooxVenue` (the port) over a scripted venue: guards, position mode, intents on the wire, client
ids, lost answers, brackets, cancels, candle paging, fills by order, AI logs."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from alphaloop.model import (
    AiLog,
    LeverageLimitError,
    MarginMode,
    OrderIntent,
    OrderNotFoundError,
    OrderRequest,
    OrderStatus,
    OrderType,
    SymbolNotAllowedError,
    UnknownOrderOutcomeError,
)
from alphaloop.venues.base import Venue
from alphaloop.venues.woox import WooxVenue, wire_client_id

from .fakes import FakeWoox, data, error, fail, make_venue, ok

pytestmark = pytest.mark.asyncio

BTC = "BTC/USDT:USDT"
HOUR = 3_600_000
#: 2025-09-01T00:00:00Z: candle times must look like ms times (tiny numbers read as seconds)
T0 = 1_756_684_800_000
NOT_FOUND = "Your order and symbol are not valid or already canceled."


def order_row(**fields: Any) -> dict[str, Any]:
    row = {
        "orderId": 555, "clientOrderId": 0, "symbol": "PERP_BTC_USDT", "side": "BUY", "quantity": "0.01",
        "type": "LIMIT", "status": "NEW", "price": "100000", "executed": "0", "positionSide": "LONG",
        "createdTime": 1000, "reduceOnly": False,
    }  # fmt: skip
    row.update(fields)
    return row


def script_trading(fake: FakeWoox, position_mode: str = "ONE_WAY") -> FakeWoox:
    fake.on("GET /v3/public/instruments", ok(data("instruments")))
    fake.on("GET /v3/account/info", ok({**data("account_info"), "positionMode": position_mode}))
    fake.on("PUT /v3/futures/positionMode", ok())
    fake.on("PUT /v3/futures/leverage", ok())
    fake.on("POST /v3/trade/order", ok({"orderId": 555, "clientOrderId": 0}))
    fake.on("GET /v3/trade/order", ok(order_row()))
    return fake


def limit_buy(**fields: Any) -> OrderRequest:
    values: dict[str, Any] = {
        "symbol": BTC,
        "intent": OrderIntent.OPEN_LONG,
        "amount": Decimal("0.01234"),
        "price": Decimal("100000.07"),
    }
    values.update(fields)
    return OrderRequest(**values)


async def test_it_is_a_venue_and_guards_refuse_before_any_request(fake: FakeWoox) -> None:
    venue = make_venue(fake, max_leverage=10)
    assert isinstance(venue, Venue)
    with pytest.raises(SymbolNotAllowedError):
        await venue.create_order(limit_buy(symbol="PEPE/USDT:USDT"))
    with pytest.raises(LeverageLimitError):
        await venue.set_leverage(BTC, 11)
    assert fake.sent == []


async def test_hedge_mode_order_switches_the_account_once_and_sends_position_side(fake: FakeWoox) -> None:
    script_trading(fake, position_mode="ONE_WAY")
    venue = make_venue(fake)
    await venue.set_leverage(BTC, 5, margin_mode=MarginMode.ISOLATED)
    first = await venue.create_order(limit_buy(client_order_id="decision-42"))
    await venue.create_order(limit_buy(client_order_id="1001", amount=Decimal("0.02")))
    assert [s.body for s in fake.calls("PUT /v3/futures/positionMode")] == [{"positionMode": "HEDGE_MODE"}]
    assert len(fake.calls("GET /v3/account/info")) == 1
    bodies = [s.body for s in fake.calls("POST /v3/trade/order")]
    assert bodies[0] == {
        "symbol": "PERP_BTC_USDT", "side": "BUY", "positionSide": "LONG", "type": "LIMIT",
        "quantity": "0.0123",  # floored to the 0.0001 step
        "price": "100000",  # a buy rounds down to the 0.1 tick
        "clientOrderId": wire_client_id("decision-42"), "marginMode": "ISOLATED",
    }  # fmt: skip
    assert bodies[1]["clientOrderId"] == 1001
    assert "reduceOnly" not in bodies[0]
    assert fake.calls("PUT /v3/futures/leverage")[0].body == {
        "leverage": 5, "marginMode": "ISOLATED", "symbol": "PERP_BTC_USDT",
    }  # fmt: skip
    # the venue reports a number; this process shows the caller's own text again
    fake.on("GET /v3/trade/order", ok(order_row(clientOrderId=wire_client_id("decision-42"))))
    again = await venue.fetch_order(BTC, order_id="555")
    assert (first.id, again.client_order_id) == ("555", "decision-42")


async def test_one_way_mode_sends_reduce_only_closes_without_position_side(fake: FakeWoox) -> None:
    script_trading(fake, position_mode="ONE_WAY")
    venue = make_venue(fake, position_mode="ONE_WAY")
    close = OrderRequest(BTC, OrderIntent.CLOSE_LONG, Decimal("0.01"), OrderType.MARKET)
    await venue.create_order(close)
    (sent,) = fake.calls("POST /v3/trade/order")
    assert sent.body["side"] == "SELL"
    assert sent.body["reduceOnly"] is True
    assert sent.body["type"] == "MARKET"
    assert "positionSide" not in sent.body
    assert "price" not in sent.body
    assert fake.calls("PUT /v3/futures/positionMode") == []  # already one-way


async def test_a_lost_placement_is_found_by_client_id_not_resent(fake: FakeWoox) -> None:
    script_trading(fake, position_mode="HEDGE_MODE")
    fake.on("POST /v3/trade/order", fail(httpx.ReadTimeout))
    fake.on("GET /v3/trade/order", error(-1006, NOT_FOUND), ok(order_row(status="FILLED", executed="0.01")))
    order = await make_venue(fake).create_order(limit_buy(client_order_id="abc"))
    assert (order.id, order.status, order.client_order_id) == ("555", OrderStatus.FILLED, "abc")
    assert len(fake.calls("POST /v3/trade/order")) == 1
    lookups = fake.calls("GET /v3/trade/order")
    assert [s.query for s in lookups] == [
        {"clientOrderId": str(wire_client_id("abc")), "withRealizedPnl": "true"}
    ] * 2
    assert fake.clock.sleeps == [0.5]


async def test_a_placement_not_found_after_the_checks_stays_unknown(fake: FakeWoox) -> None:
    script_trading(fake, position_mode="HEDGE_MODE")
    fake.on("POST /v3/trade/order", error(-1000, "An unknown error occurred.", status=500))
    fake.on("GET /v3/trade/order", error(-1006, NOT_FOUND))
    with pytest.raises(UnknownOrderOutcomeError) as caught:
        await make_venue(fake).create_order(limit_buy(client_order_id="xyz"))
    assert caught.value.client_order_id == "xyz"
    assert len(fake.calls("GET /v3/trade/order")) == 3


async def test_take_profit_and_stop_loss_make_a_bracket(fake: FakeWoox) -> None:
    script_trading(fake, position_mode="HEDGE_MODE")
    fake.on("POST /v3/trade/algoOrder", ok(data("algo_place")))
    fake.on("GET /v3/trade/algoOrder", error(-1006, NOT_FOUND))
    request = limit_buy(take_profit_price=Decimal("110000.04"), stop_loss_price=Decimal("95000.06"))
    order = await make_venue(fake).create_order(request)
    (sent,) = fake.calls("POST /v3/trade/algoOrder")
    assert sent.body["algoType"] == "BRACKET"
    assert sent.body["side"] == "BUY"
    assert sent.body["type"] == "LIMIT"
    (child,) = sent.body["childOrders"]
    assert child["algoType"] == "POSITIONAL_TP_SL"
    legs = [(leg["algoType"], leg["type"], leg["side"], leg["positionSide"]) for leg in child["childOrders"]]
    assert legs == [
        ("TAKE_PROFIT", "CLOSE_POSITION", "SELL", "LONG"),
        ("STOP_LOSS", "CLOSE_POSITION", "SELL", "LONG"),
    ]
    # exits of a long are sells, and a sell rounds up to the tick
    assert [leg["triggerPrice"] for leg in child["childOrders"]] == ["110000.1", "95000.1"]
    assert fake.calls("POST /v3/trade/order") == []
    # the algo row of the requested type is unknown here (the capture is a TP/SL), so the lowest id wins
    assert (order.id, order.status) == ("432131", OrderStatus.UNTRIGGERED)


async def test_cancel_tells_finished_from_unknown(fake: FakeWoox) -> None:
    venue = make_venue(fake)
    fake.on("DELETE /v3/trade/order", error(-1006, NOT_FOUND))
    fake.on("GET /v3/trade/order", ok(order_row(status="FILLED", executed="0.01")))
    result = await venue.cancel_order(BTC, order_id="555")
    assert (result.success, result.message) == (False, "order already filled")
    fake.on("GET /v3/trade/order", error(-1006, NOT_FOUND))
    fake.on("GET /v3/trade/algoOrder", error(-1006, NOT_FOUND))
    with pytest.raises(OrderNotFoundError):
        await venue.cancel_order(BTC, order_id="404")
    fake.on("DELETE /v3/trade/order", ok({"status": "CANCEL_SENT"}))
    assert (await venue.cancel_order(BTC, order_id="555")).message == "CANCEL_SENT"


def kline_server(candles: list[int], page_cap: int = 100) -> Any:
    """klineHistory over candles opening at `candles`: strictly before/after the cursor, at most
    `page_cap` rows (like the venue far in the past), newest first."""

    def answer(request: httpx.Request) -> httpx.Response:
        query = dict(request.url.params)
        limit = min(int(query.get("limit", 100)), page_cap)
        if "before" in query:
            rows = [t for t in candles if t < int(query["before"])][-limit:]
        else:
            rows = [t for t in candles if t > int(query["after"])][:limit]
        body = [
            {"open": "1", "close": "2", "high": "3", "low": "0.5", "volume": "10", "startTimestamp": t}
            for t in reversed(rows)
        ]
        return httpx.Response(200, json={"success": True, "data": {"rows": body}, "timestamp": 1})

    return answer


async def test_ohlcv_pages_forward_from_since_and_backward_from_until(fake: FakeWoox) -> None:
    stamps = [T0 + i * HOUR for i in range(1000)]
    fake.on("GET /v3/public/klineHistory", kline_server(stamps))
    venue = make_venue(fake)
    forward = await venue.fetch_ohlcv(BTC, "1h", since=stamps[10], limit=250)
    assert [c.timestamp for c in forward] == stamps[10:260]
    assert len(fake.calls("GET /v3/public/klineHistory")) == 3  # 100 + 100 + 50
    window = await venue.fetch_ohlcv(BTC, "1h", since=stamps[0], until=stamps[149])
    assert [c.timestamp for c in window] == stamps[:150]
    backward = await venue.fetch_ohlcv(BTC, "1h", until=stamps[499], limit=120)
    assert [c.timestamp for c in backward] == stamps[380:500]
    tail = await venue.fetch_ohlcv(BTC, "1h", since=stamps[995], limit=50)
    assert [c.timestamp for c in tail] == stamps[995:]  # the data ends: fewer than asked, no loop
    with pytest.raises(ValueError, match="timeframe"):
        await venue.fetch_ohlcv(BTC, "7m")


async def test_fills_of_one_order_start_at_its_creation_and_are_filtered(fake: FakeWoox) -> None:
    fake.on("GET /v3/trade/order", ok(order_row(orderId=65902165422, createdTime=1752049000000)))
    fake.on("GET /v3/trade/transactionHistory", ok(data("transaction_history_numbers")))
    trades = await make_venue(fake).fetch_my_trades("LTC/USDT:USDT", order_id="65902165422")
    assert [t.id for t in trades] == ["1202"]
    (sent,) = fake.calls("GET /v3/trade/transactionHistory")
    assert sent.query == {"symbol": "PERP_LTC_USDT", "startTime": "1752049000000", "limit": "500"}


async def test_balance_is_wallet_plus_unrealised_pnl(fake: FakeWoox) -> None:
    fake.on("GET /v3/asset/balances", ok(data("balances")))
    fake.on("GET /v3/futures/positions", ok(data("positions")))
    balance = await make_venue(fake).fetch_balance()
    upnl = (Decimal("96.83793449") - Decimal("96.87")) * Decimal("0.1")
    assert (balance.total, balance.free, balance.unrealized_pnl) == (1000 + upnl, Decimal(1000), upnl)


async def test_ai_logs_are_appended_locally_as_json_lines(fake: FakeWoox, tmp_path: Path) -> None:
    path = tmp_path / "logs" / "woox.jsonl"
    venue = make_venue(fake, ai_log_file=path)
    log = AiLog("decision", "gpt-x", {"price": 1}, {"action": "buy"}, "momentum up", order_id="555")
    await venue.upload_ai_log(log)
    await venue.upload_ai_log(log.with_order_id("556"))
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(r["order_id"], r["stage"], r["output"], r["venue"]) for r in lines] == [
        ("555", "decision", {"action": "buy"}, "woox"),
        ("556", "decision", {"action": "buy"}, "woox"),
    ]
    assert fake.sent == []  # nothing goes to the venue
    await WooxVenue(venue.client, ai_log_file=None).upload_ai_log(log)  # no file: stored nowhere, no error
