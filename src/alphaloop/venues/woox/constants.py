"""WOO X V3 API facts as data: hosts, endpoints with their rate limits, vocabularies, defaults.

Shared by the client (`http.py`) and the simulator's WOO X dialect, so both agree on one table.
Source: ../shared/spec/woox-v3-api.md sections 1-5 (the *new* V3 paths `/v3/public/*`, `/v3/trade/*`,
`/v3/futures/*`, `/v3/account/*`, `/v3/asset/*`; never the V1 or old-V3 ones).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from alphaloop.venues.http.ratelimit import Quota

VENUE_NAME = "woox"
PRODUCTION_BASE_URL = "https://api.woox.io"
STAGING_BASE_URL = "https://api.staging.woox.io"
#: WOO X has no AI-log endpoint (the spec documents none): `upload_ai_log` appends JSONL here.
DEFAULT_AI_LOG_FILE = "woox-ai-logs.jsonl"

#: The only documented tolerance between `x-api-timestamp` and server time (legacy docs, spec 1.1).
TIMESTAMP_WINDOW_MS = 300_000

Method = Literal["GET", "POST", "PUT", "DELETE"]
#: Whose budget a request spends: the caller's IP (public) or the account (private, all keys share it).
Scope = Literal["ip", "account"]


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One REST endpoint: how it is called and which rolling budget it spends (spec 2.3, 4)."""

    name: str
    method: Method
    path: str
    private: bool
    quota: Quota
    #: the budget is counted separately for each symbol (order placement)
    per_symbol: bool = False
    #: places, edits or cancels orders: a lost answer is an unknown outcome, never re-sent
    money_moving: bool = False

    @property
    def scope(self) -> Scope:
        return "account" if self.private else "ip"


# One budget for every public endpoint: the spec lists `/v3/public/*` as a group, so sharing it is the
# conservative reading (a client that never exceeds the group never exceeds any one endpoint either).
PUBLIC = Quota("public", 10, 1.0)


def _public(name: str, path: str) -> Endpoint:
    return Endpoint(name, "GET", path, False, PUBLIC)


def _private(
    name: str, method: Method, path: str, limit: int, period: float, *, per_symbol: bool = False
) -> Endpoint:
    """A private endpoint with its own budget of `limit` calls per `period` seconds; the calls that
    change `/v3/trade/*` (place, edit, cancel orders) are the money-moving ones."""
    money_moving = method != "GET" and path.startswith("/v3/trade/")
    return Endpoint(name, method, path, True, Quota(name, limit, period), per_symbol, money_moving)


ENDPOINTS: tuple[Endpoint, ...] = (
    # public market data (4.1)
    _public("systemInfo", "/v3/public/systemInfo"),
    _public("instruments", "/v3/public/instruments"),
    _public("kline", "/v3/public/kline"),
    _public("klineHistory", "/v3/public/klineHistory"),
    _public("orderbook", "/v3/public/orderbook"),
    _public("marketTrades", "/v3/public/marketTrades"),
    _public("futures", "/v3/public/futures"),
    _public("fundingRate", "/v3/public/fundingRate"),
    _public("fundingRateHistory", "/v3/public/fundingRateHistory"),
    # account, balances, positions, leverage (4.2)
    _private("accountInfo", "GET", "/v3/account/info", 10, 60.0),
    _private("balances", "GET", "/v3/asset/balances", 10, 1.0),
    _private("positions", "GET", "/v3/futures/positions", 30, 10.0),
    _private("getLeverage", "GET", "/v3/futures/leverage", 10, 60.0),
    _private("setLeverage", "PUT", "/v3/futures/leverage", 10, 60.0),
    _private("positionMode", "PUT", "/v3/futures/positionMode", 5, 60.0),
    _private("getDefaultMarginMode", "GET", "/v3/futures/defaultMarginMode", 10, 60.0),
    _private("setDefaultMarginMode", "PUT", "/v3/futures/defaultMarginMode", 10, 60.0),
    _private("fundingFeeHistory", "GET", "/v3/futures/fundingFee/history", 20, 60.0),
    _private("tradingFee", "GET", "/v3/trade/tradingFee", 2, 1.0),
    # ordinary orders and fills (4.3, 4.4)
    _private("placeOrder", "POST", "/v3/trade/order", 5, 1.0, per_symbol=True),
    _private("editOrder", "PUT", "/v3/trade/order", 5, 1.0),
    _private("cancelOrder", "DELETE", "/v3/trade/order", 10, 1.0),
    _private("cancelOrders", "DELETE", "/v3/trade/orders", 10, 1.0),
    _private("cancelAllOrders", "DELETE", "/v3/trade/allOrders", 10, 1.0),
    _private("getOrder", "GET", "/v3/trade/order", 5, 1.0),
    _private("getOrders", "GET", "/v3/trade/orders", 10, 1.0),
    _private("transaction", "GET", "/v3/trade/transaction", 10, 1.0),
    _private("transactionHistory", "GET", "/v3/trade/transactionHistory", 2, 1.0),
    _private("cancelAllAfter", "POST", "/v3/trade/cancelAllAfter", 10, 1.0),
    # algo orders (4.5)
    _private("placeAlgoOrder", "POST", "/v3/trade/algoOrder", 2, 1.0, per_symbol=True),
    _private("editAlgoOrder", "PUT", "/v3/trade/algoOrder", 5, 1.0),
    _private("cancelAlgoOrder", "DELETE", "/v3/trade/algoOrder", 10, 1.0),
    _private("cancelAlgoOrders", "DELETE", "/v3/trade/algoOrders", 10, 1.0),
    _private("getAlgoOrder", "GET", "/v3/trade/algoOrder", 10, 1.0),
    _private("getAlgoOrders", "GET", "/v3/trade/algoOrders", 10, 1.0),
)
ENDPOINTS_BY_NAME: dict[str, Endpoint] = {e.name: e for e in ENDPOINTS}
ENDPOINTS_BY_ROUTE: dict[tuple[str, str], Endpoint] = {(e.method, e.path): e for e in ENDPOINTS}
#: Every quota of the table, one per name (the public one is shared by all public endpoints).
QUOTAS: tuple[Quota, ...] = tuple({e.quota.name: e.quota for e in ENDPOINTS}.values())

#: REST kline `type` values (spec 4.1); alphaloop's timeframes map onto them one to one.
KLINE_TYPES = ("1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "12h", "1d", "1w", "1mon", "1y")
KLINE_MAX_LIMIT = 1000
KLINE_DEFAULT_LIMIT = 100
#: `GET /v3/trade/orders` and `transactionHistory` accept at most this page size.
MAX_PAGE_SIZE = 500

SIDES = ("BUY", "SELL")
ORDER_TYPES = ("LIMIT", "MARKET", "IOC", "FOK", "POST_ONLY", "ASK", "BID")
ORDER_STATUSES = ("NEW", "PARTIAL_FILLED", "FILLED", "CANCELLED", "REJECTED")
ALGO_TYPES = ("STOP", "OCO", "TRAILING_STOP", "POSITIONAL_TP_SL", "TP_SL", "BRACKET", "STOP_BRACKET")
ALGO_LEG_TYPES = ("TAKE_PROFIT", "STOP_LOSS")
POSITION_SIDES = ("BOTH", "LONG", "SHORT")
POSITION_MODES = ("ONE_WAY", "HEDGE_MODE")
MARGIN_MODES = ("CROSS", "ISOLATED")
TRIGGER_PRICE_TYPES = ("MARKET_PRICE", "MARK_PRICE")

#: clientOrderId / clientAlgoOrderId range (0 means "none").
MAX_CLIENT_ORDER_ID = 9_223_372_036_854_775_807

#: Default perpetual fees (spec 4.7): maker 0.02 %, taker 0.05 %.
DEFAULT_MAKER_FEE = Decimal("0.0002")
DEFAULT_TAKER_FEE = Decimal("0.0005")
DEFAULT_FUNDING_INTERVAL_HOURS = 8
