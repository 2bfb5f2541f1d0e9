"""Third-party proof for the WOO X dialect: an unmodified ccxt `woo` drives the simulator over a real
loopback socket with its default options, including the calls that used to fail: `load_markets()`
(V1 token lists), `edit_order` on a trigger order (price, trigger and quantity),
`fetch_order_trades` (V1, V1 signature) and `fetch_ledger` (wallet history)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from alphaloop.venues.sim.server import RunningServer
from tests.kit.woox_sim import API_KEY, SECRET, Admin

ccxt = pytest.importorskip("ccxt", reason="ccxt is not installed (it is in the dev extra)")

pytestmark = pytest.mark.integration

BTC = "BTC/USDT:USDT"


@pytest.fixture
def woo(server: RunningServer, admin: Admin) -> Iterator[Any]:
    exchange = ccxt.woo({"apiKey": API_KEY, "secret": SECRET, "enableRateLimit": False})
    exchange.urls["api"] = {k: server.base_url for k in ("pub", "public", "private")}
    try:
        yield exchange
    finally:
        exchange.session.close()


def test_load_markets_with_default_options_reads_the_token_lists(woo: Any) -> None:
    markets = woo.load_markets()
    assert markets[BTC]["id"] == "PERP_BTC_USDT"
    assert {"USDT", "BTC"} <= set(woo.currencies)
    assert woo.currencies["USDT"]["networks"]["SIM"]["withdraw"] is False


def test_order_trades_ledger_and_editing_a_trigger_order(woo: Any) -> None:
    woo.load_markets()
    bought = woo.create_order(BTC, "market", "buy", 0.01)
    trades = woo.fetch_order_trades(bought["id"], BTC)
    assert len(trades) == 1
    assert trades[0]["order"] == bought["id"]
    assert trades[0]["amount"] == 0.01
    assert trades[0]["price"] > 0
    assert trades[0]["takerOrMaker"] == "taker"

    ledger = woo.fetch_ledger("USDT")
    assert [(e["direction"], e["amount"], e["currency"]) for e in ledger] == [("in", 1000.0, "USDT")]

    stop = woo.create_order(BTC, "market", "sell", 0.01, None, {"triggerPrice": 95000, "reduceOnly": True})
    woo.edit_order(stop["id"], BTC, "market", "sell", 0.005, None, {"triggerPrice": 94000})
    (edited,) = woo.fetch_open_orders(BTC, None, None, {"trigger": True})
    assert edited["id"] == stop["id"]
    assert edited["amount"] == 0.005
    assert edited["triggerPrice"] == 94000

    limit_stop = woo.create_order(
        BTC, "limit", "sell", 0.01, 93000, {"triggerPrice": 93500, "reduceOnly": True}
    )
    woo.edit_order(limit_stop["id"], BTC, "limit", "sell", 0.002, 92900, {"triggerPrice": 93400})
    rows = {o["id"]: o for o in woo.fetch_open_orders(BTC, None, None, {"trigger": True})}
    assert rows[limit_stop["id"]]["amount"] == 0.002
    assert rows[limit_stop["id"]]["price"] == 92900
    assert rows[limit_stop["id"]]["triggerPrice"] == 93400


def test_order_trades_of_an_unknown_order_is_refused_with_minus_1006(woo: Any) -> None:
    woo.load_markets()
    # -1006 is WOO X's "order not found" answer; ccxt's woo table files it under BadRequest
    with pytest.raises(ccxt.BadRequest, match="-1006"):
        woo.fetch_order_trades("123456789", BTC)
