"""Public market endpoints answer the documented SHAPE (spec 1.1 and section 7): bare array
vs bare object vs envelope, field names, strings vs numbers, ids as strings or numbers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from alphaloop.venues.sim.server import SimulatorApp
from alphaloop.venues.weex.constants import ENDPOINTS, NOT_ENDPOINTS
from tests.kit.sim_server import (
    START_MS,
    asgi_client,
    make_app,
    no_limits,
)

TEST_MODULES = ("test_endpoints_market.py", "test_endpoints_trading.py")

TICKER_KEYS = {
    "symbol", "last", "best_ask", "best_bid", "high_24h", "low_24h", "volume_24h", "timestamp",
    "priceChangePercent", "base_volume", "markPrice", "indexPrice",
}  # fmt: skip


@pytest_asyncio.fixture
async def world() -> AsyncIterator[tuple[SimulatorApp, httpx.AsyncClient]]:
    app = make_app(rate_limits=no_limits())
    async with asgi_client(app) as client:
        yield app, client


def all_strings(row: dict[str, Any], *names: str) -> None:
    for name in names:
        assert isinstance(row[name], str), f"{name} should be a string: {row[name]!r}"


# ------------------------------------------------------------------------------ market


@pytest.mark.asyncio
async def test_time(world: tuple[SimulatorApp, httpx.AsyncClient]) -> None:
    _, client = world
    body = (await client.get("/capi/v2/market/time")).json()
    assert set(body) == {"epoch", "iso", "timestamp"}
    assert isinstance(body["timestamp"], int)
    assert body["epoch"] == f"{body['timestamp'] // 1000}.{body['timestamp'] % 1000:03d}"
    assert body["iso"].endswith("Z")


@pytest.mark.asyncio
async def test_contracts_exact_shape(world: tuple[SimulatorApp, httpx.AsyncClient]) -> None:
    _, client = world
    one = (await client.get("/capi/v2/market/contracts?symbol=cmt_btcusdt")).json()
    assert one == [
        {
            "symbol": "cmt_btcusdt",
            "underlying_index": "BTC",
            "quote_currency": "USDT",
            "coin": "USDT",
            "contract_val": "0.0001",
            "delivery": ["00:00:00", "08:00:00", "16:00:00"],
            "size_increment": "4",
            "tick_size": "1",
            "forwardContractFlag": True,
            "priceEndStep": 1,
            "minLeverage": 1,
            "maxLeverage": 400,
            "buyLimitPriceRatio": "0.01",
            "sellLimitPriceRatio": "0.01",
            "makerFeeRate": "0.0002",
            "takerFeeRate": "0.0008",
            "minOrderSize": "0.0001",
            "maxOrderSize": "1200",
            "maxPositionSize": "1000000",
            "marketOpenLimitSize": "100",
        }
    ]
    every = (await client.get("/capi/v2/market/contracts")).json()
    assert sorted(c["symbol"] for c in every) == sorted(
        f"cmt_{b}usdt" for b in ("btc", "eth", "sol", "bnb", "ltc", "xrp", "ada", "doge")
    )
    doge = next(c for c in every if c["symbol"] == "cmt_dogeusdt")
    assert (doge["tick_size"], doge["size_increment"], doge["contract_val"]) == ("5", "0", "100")


@pytest.mark.asyncio
async def test_ticker_and_tickers(world: tuple[SimulatorApp, httpx.AsyncClient]) -> None:
    _, client = world
    ticker = (await client.get("/capi/v2/market/ticker?symbol=cmt_btcusdt")).json()
    assert set(ticker) == TICKER_KEYS
    all_strings(ticker, *TICKER_KEYS)
    assert float(ticker["best_bid"]) < float(ticker["best_ask"])
    assert ticker["timestamp"] == str(START_MS)
    tickers = (await client.get("/capi/v2/market/tickers")).json()
    assert isinstance(tickers, list)
    assert len(tickers) == 8
    assert all(set(t) == TICKER_KEYS for t in tickers)


@pytest.mark.asyncio
async def test_depth(world: tuple[SimulatorApp, httpx.AsyncClient]) -> None:
    _, client = world
    depth = (await client.get("/capi/v2/market/depth?symbol=cmt_btcusdt")).json()
    assert set(depth) == {"asks", "bids", "timestamp"}
    assert len(depth["asks"]) == 15
    assert all(isinstance(p, str) and isinstance(s, str) for p, s in depth["asks"] + depth["bids"])
    asks = [float(p) for p, _ in depth["asks"]]
    bids = [float(p) for p, _ in depth["bids"]]
    assert asks == sorted(asks)
    assert bids == sorted(bids, reverse=True)
    assert bids[0] < asks[0]
    assert len((await client.get("/capi/v2/market/depth?symbol=cmt_btcusdt&limit=200")).json()["asks"]) == 200
    bad = await client.get("/capi/v2/market/depth?symbol=cmt_btcusdt&limit=20")
    assert (bad.status_code, bad.json()["code"], bad.json()["msg"]) == (
        400,
        "40020",
        "Parameter limit is invalid",
    )


@pytest.mark.asyncio
async def test_trades(world: tuple[SimulatorApp, httpx.AsyncClient]) -> None:
    _, client = world
    trades = (await client.get("/capi/v2/market/trades?symbol=cmt_btcusdt&limit=5")).json()
    assert len(trades) == 5
    keys = {
        "ticketId",
        "time",
        "price",
        "size",
        "value",
        "symbol",
        "isBestMatch",
        "isBuyerMaker",
        "contractVal",
    }
    assert all(set(t) == keys for t in trades)
    assert isinstance(trades[0]["time"], int)
    assert trades[0]["time"] < START_MS
    assert trades[0]["time"] > trades[1]["time"]


@pytest.mark.asyncio
async def test_candles_newest_first_without_future_data(
    world: tuple[SimulatorApp, httpx.AsyncClient],
) -> None:
    _, client = world
    rows = (await client.get("/capi/v2/market/candles?symbol=cmt_btcusdt&granularity=1h&limit=3")).json()
    assert len(rows) == 3
    assert all(len(r) == 7 and all(isinstance(v, str) for v in r) for r in rows)
    times = [int(r[0]) for r in rows]
    assert times == sorted(times, reverse=True)
    assert times[0] + 3_600_000 <= START_MS, "only candles closed at simulated time"
    four = (await client.get("/capi/v2/market/candles?symbol=cmt_btcusdt&granularity=4h&limit=2")).json()
    assert int(four[0][0]) % (4 * 3_600_000) == 0
    bad = await client.get("/capi/v2/market/candles?symbol=cmt_btcusdt&granularity=60")
    assert bad.json()["code"] == "40020"
    missing = await client.get("/capi/v2/market/candles?symbol=cmt_btcusdt")
    assert (missing.json()["code"], missing.json()["msg"]) == (
        "40019",
        "Parameter granularity cannot be empty",
    )


@pytest.mark.asyncio
async def test_history_candles_end_time_wins(world: tuple[SimulatorApp, httpx.AsyncClient]) -> None:
    _, client = world
    end = START_MS - 10 * 3_600_000
    query = f"symbol=cmt_btcusdt&granularity=1h&limit=4&startTime=1&endTime={end}"
    rows = (await client.get(f"/capi/v2/market/historyCandles?{query}")).json()
    assert [int(r[0]) for r in rows] == [end - n * 3_600_000 for n in range(4)]
    future = (
        await client.get(
            f"/capi/v2/market/historyCandles?symbol=cmt_btcusdt&granularity=1h&endTime={START_MS * 2}"
        )
    ).json()
    assert int(future[0][0]) + 3_600_000 <= START_MS
    assert len(future) == 100
    too_many = await client.get("/capi/v2/market/historyCandles?symbol=cmt_btcusdt&granularity=1h&limit=101")
    assert too_many.json()["code"] == "40020"


@pytest.mark.asyncio
async def test_index_open_interest_funding(world: tuple[SimulatorApp, httpx.AsyncClient]) -> None:
    _, client = world
    index = (await client.get("/capi/v2/market/index?symbol=cmt_btcusdt")).json()
    assert set(index) == {"symbol", "index", "timestamp"}
    mark = (await client.get("/capi/v2/market/index?symbol=cmt_btcusdt&priceType=MARK")).json()
    assert mark["index"]
    oi = (await client.get("/capi/v2/market/open_interest?symbol=cmt_btcusdt")).json()
    assert isinstance(oi, list)
    assert set(oi[0]) == {"symbol", "base_volume", "target_volume", "timestamp"}
    funding_time = (await client.get("/capi/v2/market/funding_time?symbol=cmt_btcusdt")).json()
    assert funding_time == {"symbol": "cmt_btcusdt", "fundingTime": START_MS + 8 * 3_600_000}
    history = (await client.get("/capi/v2/market/getHistoryFundRate?symbol=cmt_btcusdt")).json()
    assert len(history) == 10
    assert all(set(h) == {"symbol", "fundingRate", "fundingTime"} for h in history)
    assert history[0]["fundingTime"] <= START_MS
    assert history[0]["fundingTime"] > history[1]["fundingTime"]
    current = (await client.get("/capi/v2/market/currentFundRate?symbol=cmt_btcusdt")).json()
    assert current[0]["collectCycle"] == 480
    assert set(current[0]) == {"symbol", "fundingRate", "collectCycle", "timestamp"}
    assert len((await client.get("/capi/v2/market/currentFundRate")).json()) == 8


@pytest.mark.asyncio
async def test_unknown_symbol_and_unknown_paths(world: tuple[SimulatorApp, httpx.AsyncClient]) -> None:
    _, client = world
    bad = await client.get("/capi/v2/market/ticker?symbol=cmt_trxusdt")
    assert bad.status_code == 400
    assert bad.json() == {
        "code": "40020",
        "msg": "Parameter symbol is invalid",
        "requestTime": bad.json()["requestTime"],
        "data": None,
    }
    for path in [*NOT_ENDPOINTS, "/capi/v2/nothing", "/api/v2/market/time"]:
        response = await client.get(path)
        assert response.status_code == 404, path
        body = response.json()
        assert set(body) == {"timestamp", "status", "error", "path"}
        assert (body["status"], body["error"], body["path"]) == (404, "Not Found", path)


def test_every_endpoint_is_covered_by_a_shape_test() -> None:
    # Guard: a new endpoint in the table must get a shape test in one of the two modules.
    here = Path(__file__).parent
    source = "".join((here / name).read_text(encoding="utf-8") for name in TEST_MODULES)
    uncovered = [e.path for e in ENDPOINTS if e.path not in source and e.path.rsplit("/", 1)[1] not in source]
    assert uncovered == []
