"""Request table: every one of the 41 endpoints -> method, path, query, body, headers and signature
at a fixed clock, answered with the spec's example payload (ccxt's static request tests, for WEEX)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from alphaloop.venues.weex import ENDPOINTS, WeexHttpClient, schemas, signing

from .fakes import API_KEY, PASSPHRASE, SECRET, T0_MS, FakeClock, FakeWeex, fixture, make_client, reply

Call = Callable[[WeexHttpClient], Awaitable[Any]]


@dataclass(frozen=True)
class Case:
    id: str
    call: Call
    method: str
    path: str
    query: str
    body: dict[str, Any] | None
    response: str
    returns: type | tuple[type, ...]


M = "/capi/v2/market/"
A = "/capi/v2/account/"
O = "/capi/v2/order/"  # noqa: E741

CASES = [
    Case("time", lambda c: c.get_market_time(), "GET", M + "time", "", None, "time", schemas.ServerTime),
    Case(
        "contracts", lambda c: c.get_market_contracts(), "GET", M + "contracts", "", None, "contracts", list
    ),
    Case(
        "contracts-one",
        lambda c: c.get_market_contracts("cmt_btcusdt"),
        "GET",
        M + "contracts",
        "symbol=cmt_btcusdt",
        None,
        "contracts",
        list,
    ),
    Case(
        "depth",
        lambda c: c.get_market_depth("cmt_btcusdt", 15),
        "GET",
        M + "depth",
        "symbol=cmt_btcusdt&limit=15",
        None,
        "depth",
        schemas.Depth,
    ),
    Case("tickers", lambda c: c.get_market_tickers(), "GET", M + "tickers", "", None, "tickers", list),
    Case(
        "ticker",
        lambda c: c.get_market_ticker("cmt_btcusdt"),
        "GET",
        M + "ticker",
        "symbol=cmt_btcusdt",
        None,
        "ticker",
        schemas.TickerWire,
    ),
    Case(
        "trades",
        lambda c: c.get_market_trades("cmt_btcusdt", limit=100),
        "GET",
        M + "trades",
        "symbol=cmt_btcusdt&limit=100",
        None,
        "trades",
        list,
    ),
    Case(
        "candles",
        lambda c: c.get_market_candles("cmt_btcusdt", "1m", limit=2, price_type="LAST"),
        "GET",
        M + "candles",
        "symbol=cmt_btcusdt&granularity=1m&limit=2&priceType=LAST",
        None,
        "candles",
        list,
    ),
    Case(
        "historyCandles",
        lambda c: c.get_market_history_candles("cmt_btcusdt", "1h", start_time=1, end_time=2, limit=100),
        "GET",
        M + "historyCandles",
        "symbol=cmt_btcusdt&granularity=1h&startTime=1&endTime=2&limit=100",
        None,
        "candles",
        list,
    ),
    Case(
        "index",
        lambda c: c.get_market_index("cmt_btcusdt", "MARK"),
        "GET",
        M + "index",
        "symbol=cmt_btcusdt&priceType=MARK",
        None,
        "index",
        schemas.IndexPrice,
    ),
    Case(
        "open_interest",
        lambda c: c.get_market_open_interest("cmt_btcusdt"),
        "GET",
        M + "open_interest",
        "symbol=cmt_btcusdt",
        None,
        "open_interest",
        list,
    ),
    Case(
        "funding_time",
        lambda c: c.get_market_funding_time("cmt_btcusdt"),
        "GET",
        M + "funding_time",
        "symbol=cmt_btcusdt",
        None,
        "funding_time",
        schemas.FundingTime,
    ),
    Case(
        "getHistoryFundRate",
        lambda c: c.get_market_get_history_fund_rate("cmt_btcusdt", limit=10),
        "GET",
        M + "getHistoryFundRate",
        "symbol=cmt_btcusdt&limit=10",
        None,
        "history_fund_rate",
        list,
    ),
    Case(
        "currentFundRate",
        lambda c: c.get_market_current_fund_rate("cmt_btcusdt"),
        "GET",
        M + "currentFundRate",
        "symbol=cmt_btcusdt",
        None,
        "current_fund_rate",
        list,
    ),
    Case(
        "getAccounts",
        lambda c: c.get_account_get_accounts(),
        "GET",
        A + "getAccounts",
        "",
        None,
        "get_accounts",
        schemas.AccountInfo,
    ),
    Case(
        "getAccount",
        lambda c: c.get_account_get_account("USDT"),
        "GET",
        A + "getAccount",
        "coin=USDT",
        None,
        "get_account",
        schemas.AccountInfo,
    ),
    Case("assets", lambda c: c.get_account_assets(), "GET", A + "assets", "", None, "assets", list),
    Case(
        "bills",
        lambda c: c.post_account_bills(coin="USDT", business_type="position_funding", limit=20),
        "POST",
        A + "bills",
        "",
        {"coin": "USDT", "businessType": "position_funding", "limit": 20},
        "bills",
        schemas.BillsPage,
    ),
    Case(
        "settings",
        lambda c: c.get_account_settings("cmt_ethusdt"),
        "GET",
        A + "settings",
        "symbol=cmt_ethusdt",
        None,
        "settings",
        dict,
    ),
    Case(
        "leverage",
        lambda c: c.post_account_leverage("cmt_btcusdt", 1, "1", "1"),
        "POST",
        A + "leverage",
        "",
        {"symbol": "cmt_btcusdt", "marginMode": 1, "longLeverage": "1", "shortLeverage": "1"},
        "ack_200",
        schemas.Ack,
    ),
    Case(
        "adjustMargin",
        lambda c: c.post_account_adjust_margin(690800371848708186, Decimal("-5.5"), coin_id=2),
        "POST",
        A + "adjustMargin",
        "",
        {"coinId": 2, "isolatedPositionId": 690800371848708186, "collateralAmount": "-5.5"},
        "ack_200",
        schemas.Ack,
    ),
    Case(
        "modifyAutoAppendMargin",
        lambda c: c.post_account_modify_auto_append_margin("690800371848708186", True),
        "POST",
        A + "modifyAutoAppendMargin",
        "",
        {"positionId": 690800371848708186, "autoAppendMargin": True},
        "ack_200",
        schemas.Ack,
    ),
    Case(
        "allPosition",
        lambda c: c.get_account_position_all_position(),
        "GET",
        A + "position/allPosition",
        "",
        None,
        "all_position",
        list,
    ),
    Case(
        "singlePosition",
        lambda c: c.get_account_position_single_position("cmt_btcusdt"),
        "GET",
        A + "position/singlePosition",
        "symbol=cmt_btcusdt",
        None,
        "all_position",
        list,
    ),
    Case(
        "changeHoldModel",
        lambda c: c.post_account_position_change_hold_model("cmt_btcusdt", 3, 1),
        "POST",
        A + "position/changeHoldModel",
        "",
        {"symbol": "cmt_btcusdt", "marginMode": 3, "separatedMode": 1},
        "ack_200",
        schemas.Ack,
    ),
    Case(
        "placeOrder",
        lambda c: c.post_order_place_order(
            "cmt_btcusdt",
            "abc123",
            Decimal("0.0010"),
            1,
            0,
            0,
            Decimal("90000.0"),
            preset_take_profit_price=Decimal("99000"),
            preset_stop_loss_price="80000",
            margin_mode=1,
        ),
        "POST",
        O + "placeOrder",
        "",
        {
            "symbol": "cmt_btcusdt",
            "client_oid": "abc123",
            "size": "0.001",
            "type": "1",
            "order_type": "0",
            "match_price": "0",
            "price": "90000",
            "presetTakeProfitPrice": "99000",
            "presetStopLossPrice": "80000",
            "marginMode": 1,
        },
        "place_order",
        schemas.PlaceOrderResult,
    ),
    Case(
        "batchOrders",
        lambda c: c.post_order_batch_orders(
            "cmt_btcusdt",
            [
                {
                    "client_oid": "order12346",
                    "size": "0.001",
                    "type": "1",
                    "order_type": "0",
                    "match_price": "0",
                    "price": "80000",
                }
            ],
            margin_mode=1,
        ),
        "POST",
        O + "batchOrders",
        "",
        {
            "symbol": "cmt_btcusdt",
            "marginMode": 1,
            "orderDataList": [
                {
                    "client_oid": "order12346",
                    "size": "0.001",
                    "type": "1",
                    "order_type": "0",
                    "match_price": "0",
                    "price": "80000",
                }
            ],
        },
        "batch_orders",
        schemas.BatchOrdersResult,
    ),
    Case(
        "cancel_order",
        lambda c: c.post_order_cancel_order(order_id=596476148997685805),
        "POST",
        O + "cancel_order",
        "",
        {"orderId": "596476148997685805"},
        "cancel_order",
        schemas.CancelOrderResult,
    ),
    Case(
        "cancel_batch_orders",
        lambda c: c.post_order_cancel_batch_orders(ids=["596471064624628269"]),
        "POST",
        O + "cancel_batch_orders",
        "",
        {"ids": ["596471064624628269"]},
        "cancel_batch_orders",
        schemas.CancelBatchResult,
    ),
    Case(
        "detail",
        lambda c: c.get_order_detail("686643264626885530"),
        "GET",
        O + "detail",
        "orderId=686643264626885530",
        None,
        "order_detail",
        schemas.OrderWire,
    ),
    Case(
        "history",
        lambda c: c.get_order_history("cmt_btcusdt", page_size=100, create_date=1764505828770),
        "GET",
        O + "history",
        "symbol=cmt_btcusdt&pageSize=100&createDate=1764505828770",
        None,
        "order_current",
        list,
    ),
    Case(
        "current",
        lambda c: c.get_order_current("cmt_btcusdt", limit=100, page=0),
        "GET",
        O + "current",
        "symbol=cmt_btcusdt&limit=100&page=0",
        None,
        "order_current",
        list,
    ),
    Case(
        "fills",
        lambda c: c.get_order_fills(symbol="cmt_btcusdt", order_id="596471064624628269"),
        "GET",
        O + "fills",
        "symbol=cmt_btcusdt&orderId=596471064624628269",
        None,
        "fills",
        schemas.FillsPage,
    ),
    Case(
        "plan_order",
        lambda c: c.post_order_plan_order(
            "cmt_btcusdt", "p1", "0.01", 1, 0, "81000.5", "81000", margin_mode=1
        ),
        "POST",
        O + "plan_order",
        "",
        {
            "symbol": "cmt_btcusdt",
            "client_oid": "p1",
            "size": "0.01",
            "type": "1",
            "match_type": "0",
            "execute_price": "81000.5",
            "trigger_price": "81000",
            "marginMode": 1,
        },
        "plan_order",
        schemas.PlaceOrderResult,
    ),
    Case(
        "cancel_plan",
        lambda c: c.post_order_cancel_plan("596480271352594989"),
        "POST",
        O + "cancel_plan",
        "",
        {"orderId": "596480271352594989"},
        "cancel_plan",
        schemas.CancelOrderResult,
    ),
    Case(
        "currentPlan",
        lambda c: c.get_order_current_plan("cmt_btcusdt"),
        "GET",
        O + "currentPlan",
        "symbol=cmt_btcusdt",
        None,
        "current_plan",
        list,
    ),
    Case(
        "historyPlan",
        lambda c: c.get_order_history_plan("cmt_btcusdt", delegate_type=4, page_size=50),
        "GET",
        O + "historyPlan",
        "symbol=cmt_btcusdt&delegateType=4&pageSize=50",
        None,
        "history_plan",
        schemas.HistoryPlanPage,
    ),
    Case(
        "closePositions",
        lambda c: c.post_order_close_positions("cmt_btcusdt"),
        "POST",
        O + "closePositions",
        "",
        {"symbol": "cmt_btcusdt"},
        "close_positions",
        list,
    ),
    Case(
        "closePositions-all",
        lambda c: c.post_order_close_positions(),
        "POST",
        O + "closePositions",
        "",
        {},
        "close_positions",
        list,
    ),
    Case(
        "cancelAllOrders",
        lambda c: c.post_order_cancel_all_orders("plan", "cmt_btcusdt"),
        "POST",
        O + "cancelAllOrders",
        "",
        {"cancelOrderType": "plan", "symbol": "cmt_btcusdt"},
        "cancel_all_orders",
        list,
    ),
    Case(
        "placeTpSlOrder",
        lambda c: c.post_order_place_tp_sl_order(
            "cmt_btcusdt", "tp1", "profit_plan", "99000", "0.001", "long"
        ),
        "POST",
        O + "placeTpSlOrder",
        "",
        {
            "symbol": "cmt_btcusdt",
            "clientOrderId": "tp1",
            "planType": "profit_plan",
            "triggerPrice": "99000",
            "size": "0.001",
            "positionSide": "long",
        },
        "place_tpsl",
        list,
    ),
    Case(
        "modifyTpSlOrder",
        lambda c: c.post_order_modify_tp_sl_order("696073048050107226", "98000", trigger_price_type=3),
        "POST",
        O + "modifyTpSlOrder",
        "",
        {"orderId": 696073048050107226, "triggerPrice": "98000", "triggerPriceType": 3},
        "modify_tpsl",
        schemas.Ack,
    ),
    Case(
        "uploadAiLog",
        lambda c: c.post_order_upload_ai_log(
            "Decision Making",
            "GPT-5-mini",
            {"prompt": "p"},
            {"response": "r"},
            "because",
            order_id="596471064624628269",
        ),
        "POST",
        O + "uploadAiLog",
        "",
        {
            "orderId": 596471064624628269,
            "stage": "Decision Making",
            "model": "GPT-5-mini",
            "input": {"prompt": "p"},
            "output": {"response": "r"},
            "explanation": "because",
        },
        "upload_ai_log",
        schemas.Ack,
    ),
]


def test_the_table_covers_all_41_endpoints() -> None:
    assert len(ENDPOINTS) == 41
    assert {case.path for case in CASES} == {endpoint.path for endpoint in ENDPOINTS}


def test_every_endpoint_has_a_client_method_named_after_its_path() -> None:
    methods = {name for name in dir(WeexHttpClient) if name.startswith(("get_", "post_"))}
    assert len(methods) == 41
    for required in (
        "get_market_time",
        "get_account_assets",
        "get_market_ticker",
        "post_account_leverage",
        "get_market_contracts",
        "post_order_place_order",
        "get_order_fills",
    ):
        assert required in methods
    for name in methods:
        doc = getattr(WeexHttpClient, name).__doc__ or ""
        method, _, path = doc.partition(" ")
        assert method in ("GET", "POST"), name
        assert path.startswith("/capi/v2/"), name
        assert name.startswith(method.lower() + "_"), name


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
@pytest.mark.asyncio
async def test_request(case: Case, clock: FakeClock) -> None:
    fake = FakeWeex(clock)
    fake.on(case.path, reply(fixture(case.response)))
    async with make_client(fake, time_sync=False, locale="zh-CN") as client:
        result = await case.call(client)

    assert isinstance(result, case.returns)
    (sent,) = fake.sent
    request = sent.request
    assert request.method == case.method
    assert request.url.path == case.path
    assert request.url.query.decode() == case.query
    content = request.content.decode()
    if case.body is None:
        assert content == ""
    else:
        assert json.loads(content) == case.body
        assert list(json.loads(content)) == list(case.body)  # key order as documented
    headers = request.headers
    assert headers["Content-Type"] == "application/json"
    assert headers["locale"] == "zh-CN"
    endpoint = next(e for e in ENDPOINTS if e.path == case.path)
    if endpoint.private:
        assert headers["ACCESS-KEY"] == API_KEY
        assert headers["ACCESS-PASSPHRASE"] == PASSPHRASE
        assert headers["ACCESS-TIMESTAMP"] == str(T0_MS)
        expected = signing.sign(SECRET, str(T0_MS), case.method, case.path, case.query, content)
        assert headers["ACCESS-SIGN"] == expected
    else:
        for name in ("ACCESS-KEY", "ACCESS-SIGN", "ACCESS-TIMESTAMP", "ACCESS-PASSPHRASE"):
            assert name not in headers


@pytest.mark.asyncio
async def test_ai_log_path_is_configurable(fake: FakeWeex) -> None:
    fake.on("/capi/v3/order/uploadAiLog", reply(fixture("upload_ai_log")))
    async with make_client(fake, time_sync=False, ai_log_path="/capi/v3/order/uploadAiLog") as client:
        ack = await client.post_order_upload_ai_log("s", "m", {}, {}, "e")
    assert ack.data == "upload success"
    (sent,) = fake.sent
    assert sent.path == "/capi/v3/order/uploadAiLog"
    assert sent.body["orderId"] is None
    expected = signing.sign(
        SECRET, str(T0_MS), "POST", "/capi/v3/order/uploadAiLog", "", sent.request.content.decode()
    )
    assert sent.request.headers["ACCESS-SIGN"] == expected


@pytest.mark.asyncio
async def test_private_call_without_credentials_is_refused_before_sending(fake: FakeWeex) -> None:
    from alphaloop.model import ConfigurationError

    async with make_client(fake, authenticated=False) as client:
        await client.get_market_time()  # public calls work
        with pytest.raises(ConfigurationError, match="needs WEEX credentials"):
            await client.get_account_assets()
    assert fake.paths() == ["/capi/v2/market/time"]


@pytest.mark.asyncio
async def test_success_envelope_is_unwrapped(fake: FakeWeex) -> None:
    """Defensive rule of spec 1.1: a `{"code":"00000","data":...}` envelope around a bare payload."""
    fake.on("/capi/v2/account/assets", reply({"code": "00000", "msg": "success", "data": fixture("assets")}))
    fake.on("/capi/v2/market/ticker", reply({"code": 0, "data": fixture("ticker")}))
    async with make_client(fake) as client:
        assets = await client.get_account_assets()
        ticker = await client.get_market_ticker("cmt_btcusdt")
    assert assets[0].equity == Decimal("5696.49288823")
    assert ticker.last == Decimal("90755.3")


@pytest.mark.asyncio
async def test_base_url_trailing_slash_does_not_double_the_path(fake: FakeWeex) -> None:
    from .fakes import BASE_URL, CREDENTIALS

    fake.on("/capi/v2/account/assets", reply(fixture("assets")))
    async with WeexHttpClient(
        BASE_URL + "/", CREDENTIALS, transport=fake.transport, clock=fake.clock, time_sync=False
    ) as client:
        await client.get_account_assets()
    (sent,) = fake.sent
    assert sent.request.url.raw_path == b"/capi/v2/account/assets"
