"""Endpoints outside the client's table that third-party clients call: ccxt's `woo` class loads
currencies from the V1 token lists on its first `load_markets()`, reads an order's fills from
`GET /v1/order/{oid}/trades` (`fetch_order_trades`) and the wallet ledger from
`GET /v3/asset/wallet/history` (`fetch_ledger`).

V1 answers use V1's envelope (`{"success": true, "rows": [...]}`), not V3's `data` wrapper.
Token lists are honest about the simulator: one network ("SIM") per token it settles or lists.
"""

from __future__ import annotations

import re
from typing import Any

from alphaloop.venues.http.ratelimit import Quota
from alphaloop.venues.sim.core import BillType
from alphaloop.venues.sim.server.woox import params as p
from alphaloop.venues.sim.server.woox.call import Handler, WooxCall
from alphaloop.venues.sim.server.woox.routes_public import page_of
from alphaloop.venues.sim.server.woox.shapes import venue_symbol
from alphaloop.venues.sim.server.woox.wire import dec
from alphaloop.venues.woox.constants import PUBLIC, Endpoint

#: V1 order-trades path; the order id is a path segment
ORDER_TRADES = re.compile(r"^/v1/order/(\d+)/trades$")
ORDER_TRADES_PATH = "/v1/order/{oid}/trades"

EXTRA_ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("v1Token", "GET", "/v1/public/token", False, PUBLIC),
    Endpoint("v1TokenNetwork", "GET", "/v1/public/token_network", False, PUBLIC),
    Endpoint("v1OrderTrades", "GET", ORDER_TRADES_PATH, True, Quota("v1OrderTrades", 10, 1.0)),
    Endpoint("walletHistory", "GET", "/v3/asset/wallet/history", True, Quota("walletHistory", 10, 60.0)),
)
#: answered with V1's envelope
V1_ENDPOINTS = frozenset({"v1Token", "v1TokenNetwork", "v1OrderTrades"})
NETWORK = "SIM"


def _tokens(call: WooxCall) -> list[str]:
    bases = sorted({inst.base for inst in call.sim.exchange.instruments().values()})
    return ["USDT", *bases]


def token(call: WooxCall) -> Any:
    created = f"{call.sim.start_ms / 1000:.3f}"
    rows = [
        {
            "token": name,
            "fullname": name,
            "network": NETWORK,
            "decimals": "8",
            "delisted": False,
            "balance_token": name,
            "created_time": created,
            "updated_time": created,
            "can_collateral": name == "USDT",
            "can_short": name != "USDT",
        }
        for name in _tokens(call)
    ]
    return {"rows": rows}


def token_network(call: WooxCall) -> Any:
    rows = [
        {
            "protocol": NETWORK,
            "network": NETWORK,
            "token": name,
            "name": "simulator (no deposits or withdrawals)",
            "minimum_withdrawal": "0",
            "withdrawal_fee": "0",
            "allow_deposit": "0",
            "allow_withdraw": "0",
        }
        for name in _tokens(call)
    ]
    return {"rows": rows}


def order_trades(call: WooxCall) -> Any:
    oid = str(call.params["oid"])
    world = call.world
    world.core_order(call.account_id, oid, None)  # unknown order -> -1006, like GET /v3/trade/order
    rows = [
        {
            "id": int(fill.id),
            "symbol": venue_symbol(world, fill.symbol),
            "fee": dec(fill.fee),
            "fee_asset": "USDT",
            "side": fill.side.value.upper(),
            "order_id": int(oid),
            "executed_price": dec(fill.price),
            "executed_quantity": dec(fill.amount),
            "executed_timestamp": f"{fill.timestamp / 1000:.3f}",
            "is_maker": "1" if fill.is_maker else "0",
        }
        for fill in call.sim.exchange.fills(call.account_id)
        if world.public_id(fill.order_id) == oid
    ]
    return {"rows": rows}


def wallet_history(call: WooxCall) -> Any:
    """Deposits and withdrawals: the simulator's only one is the opening deposit (trading PnL and
    fees belong to the futures account, not to the wallet ledger)."""
    params = call.params
    wanted = p.text(params, "token", required=False)
    since = p.integer(params, "startTime", low=0)
    until = p.integer(params, "endTime", low=0)
    rows = [
        {
            "createdTime": f"{bill.timestamp / 1000:.3f}",
            "updatedTime": f"{bill.timestamp / 1000:.3f}",
            "id": f"sim-{bill.id}",
            "externalId": "",
            "applicationId": "",
            "token": "USDT",
            "targetAddress": "",
            "sourceAddress": "",
            "confirmingThreshold": 0,
            "confirmedNumber": 0,
            "extra": "",
            "type": "BALANCE",
            "tokenSide": "DEPOSIT",
            "amount": dec(bill.amount),
            "txId": "",
            "feeToken": "",
            "feeAmount": "0",
            "status": "COMPLETED",
            "confirmedTime": f"{bill.timestamp / 1000:.3f}",
            "network": NETWORK,
        }
        for bill in reversed(call.sim.exchange.bills(call.account_id, since_ms=since, until_ms=until))
        if bill.type is BillType.DEPOSIT and wanted in (None, "USDT")
    ]
    return page_of(rows, call, default_size=25, max_size=1000)


ROUTES: dict[str, tuple[Handler, frozenset[str]]] = {
    "v1Token": (token, frozenset()),
    "v1TokenNetwork": (token_network, frozenset()),
    "v1OrderTrades": (order_trades, frozenset({"oid"})),
    "walletHistory": (
        wallet_history,
        frozenset(
            {"token", "balanceToken", "type", "tokenSide", "status", "startTime", "endTime", "page", "size"}
        ),
    ),
}
