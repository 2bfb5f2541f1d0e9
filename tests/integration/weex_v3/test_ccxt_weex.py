"""Third-party proof: an unmodified ccxt `weex` (v3-only) drives the simulator's `weex-v3` dialect
over a real loopback socket, through every call a trading bot makes (spec 11.2). Each call must
succeed and answer with what was done, not merely not raise."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from alphaloop.venues.sim.server import RunningServer
from tests.kit.sim_server import no_limits
from tests.kit.weex_v3_sim import API_KEY, PASSPHRASE, SECRET, V3Admin, live_v3_sim

ccxt = pytest.importorskip("ccxt", reason="ccxt is not installed (it is in the dev extra)")

BTC = "BTC/USDT:USDT"
PRICE = Decimal("100000")


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with live_v3_sim(rate_limits=no_limits(), tpsl_lag_ms=0) as running:
        yield running


@pytest.fixture
def exchange(server: RunningServer) -> Iterator[Any]:
    admin = V3Admin(server.base_url)
    admin.reset()
    admin.price(PRICE)
    weex = ccxt.weex(
        {
            "apiKey": API_KEY,
            "secret": SECRET,
            "password": PASSPHRASE,
            "options": {"defaultType": "swap"},
            # ccxt meters itself (ticker/24hr costs 200 x 20 ms); the simulator meters too, off here
            "enableRateLimit": False,
        }
    )
    weex.urls["api"] = {k: server.base_url for k in ("public", "private", "contract", "contractPrivate")}
    try:
        yield weex
    finally:
        weex.session.close()


def test_ccxt_reads_markets_time_and_market_data(exchange: Any, server: RunningServer) -> None:
    markets = exchange.load_markets()
    btc = markets[BTC]
    assert btc["id"] == "BTCUSDT"
    assert btc["swap"]
    assert btc["linear"]
    assert btc["precision"]["price"] == 0.1
    assert btc["precision"]["amount"] == 0.0001
    # the simulator's serverTime is its simulated market clock (one clock for every time it
    # reports); ccxt signs with local time, which the simulator also accepts
    assert abs(exchange.fetch_time() - server.sim.reported_ms()) < 5_000

    ticker = exchange.fetch_ticker(BTC)
    assert ticker["symbol"] == BTC
    assert ticker["last"] == float(PRICE)
    book = exchange.fetch_order_book(BTC)
    assert book["bids"][0][0] < book["asks"][0][0]
    assert len(book["asks"]) == 15
    candles = exchange.fetch_ohlcv(BTC, "1h", limit=5)
    assert len(candles) == 5
    assert [c[0] for c in candles] == sorted(c[0] for c in candles)
    assert all(len(c) == 6 and c[2] >= c[3] for c in candles)
    funding = exchange.fetch_funding_rate(BTC)
    assert funding["symbol"] == BTC
    assert funding["fundingRate"] is not None
    assert funding["nextFundingTimestamp"] > 0


def test_ccxt_trades_a_whole_session(exchange: Any) -> None:
    exchange.load_markets()
    balance = exchange.fetch_balance()
    assert balance["USDT"]["total"] == 1000.0

    leverage = exchange.set_leverage(10, BTC)
    assert leverage["crossLeverage"] == "10"
    assert exchange.fetch_leverage(BTC)["longLeverage"] == 10

    # market buy with our own client id opens a long
    bought = exchange.create_order(BTC, "market", "buy", 0.01, None, {"clientOrderId": "proof-mkt-1"})
    assert bought["clientOrderId"] == "proof-mkt-1"
    fetched = exchange.fetch_order(bought["id"], BTC)
    assert fetched["status"] == "closed"
    assert fetched["filled"] == 0.01
    assert fetched["side"] == "buy"
    positions = exchange.fetch_positions([BTC])
    assert len(positions) == 1
    assert positions[0]["side"] == "long"
    assert positions[0]["contracts"] == 0.01

    # a resting limit sell far above the market, fetched open, then cancelled
    limit = exchange.create_order(BTC, "limit", "sell", 0.01, 101000, {"clientOrderId": "proof-lmt-1"})
    opened = exchange.fetch_open_orders(BTC)
    assert [o["id"] for o in opened] == [limit["id"]]
    assert opened[0]["clientOrderId"] == "proof-lmt-1"
    assert opened[0]["price"] == 101000
    exchange.cancel_order(limit["id"], BTC)
    assert exchange.fetch_open_orders(BTC) == []
    assert exchange.fetch_order(limit["id"], BTC)["status"] == "canceled"

    # cancel by client id
    exchange.create_order(BTC, "limit", "buy", 0.01, 99000, {"clientOrderId": "proof-lmt-2"})
    exchange.cancel_order(None, BTC, {"clientOrderId": "proof-lmt-2"})
    assert exchange.fetch_open_orders(BTC) == []

    closed = exchange.fetch_closed_orders(BTC)
    assert bought["id"] in {o["id"] for o in closed}
    trades = exchange.fetch_my_trades(BTC)
    assert len(trades) == 1
    assert trades[0]["order"] == bought["id"]
    assert trades[0]["amount"] == 0.01
    assert trades[0]["fee"]["cost"] > 0

    # a stop-market protecting the long: visible as an open trigger order, then cancelled
    stop = exchange.create_order(BTC, "market", "sell", 0.01, None, {"stopLossPrice": 95000})
    triggers = exchange.fetch_open_orders(BTC, None, None, {"trigger": True})
    assert [t["id"] for t in triggers] == [stop["id"]]
    assert triggers[0]["triggerPrice"] == 95000
    exchange.cancel_order(stop["id"], BTC, {"trigger": True})
    assert exchange.fetch_open_orders(BTC, None, None, {"trigger": True}) == []

    # close the long at market: flat afterwards, two fills in all
    exchange.close_position(BTC)
    assert exchange.fetch_positions([BTC]) == []
    assert len(exchange.fetch_my_trades(BTC)) == 2


def test_ccxt_maps_v3_refusals_to_its_exception_classes(exchange: Any, server: RunningServer) -> None:
    exchange.load_markets()
    with pytest.raises(ccxt.BadSymbol):
        exchange.contractGetCapiV3MarketDepth({"symbol": "NOPEUSDT"})
    with pytest.raises(ccxt.InsufficientFunds):
        exchange.create_order(BTC, "market", "buy", 1, None)  # 100k USDT of BTC on 1000 USDT at 20x
    with pytest.raises(ccxt.ArgumentsRequired):
        exchange.contractPrivatePostCapiV3Order({"symbol": "BTCUSDT", "side": "BUY", "positionSide": "LONG"})
    wrong = ccxt.weex({"apiKey": API_KEY, "secret": "not-the-secret", "password": PASSPHRASE})
    wrong.urls["api"] = dict(exchange.urls["api"])
    try:
        with pytest.raises(ccxt.AuthenticationError):
            wrong.fetch_balance({"type": "swap"})
    finally:
        wrong.session.close()
    V3Admin(server.base_url).faults("v3_balance:429")
    with pytest.raises(ccxt.RateLimitExceeded):
        exchange.fetch_balance()
