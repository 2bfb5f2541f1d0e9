"""WEEX contract API v2 facts as data: hosts, endpoints with rate weights, quotas, defaults.

Shared by the client (`http.py`) and the simulator's WEEX dialect, so both agree on one table.
Source: ../shared/spec/weex-contract-api.md sections 1, 3, 6, 7.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

VENUE_NAME = "weex"
PRODUCTION_BASE_URL = "https://api-contract.weex.com"
API_PREFIX = "/capi/v2"
#: The seed's path; later competition rounds moved it to /capi/v3/order/uploadAiLog.
DEFAULT_AI_LOG_PATH = "/capi/v2/order/uploadAiLog"

#: Requests are refused when |server time - ACCESS-TIMESTAMP| exceeds this (ms).
TIMESTAMP_WINDOW_MS = 30_000

#: Rolling weight budgets (spec section 3).
IP_WEIGHT_LIMIT = 1000
UID_WEIGHT_LIMIT = 1000
WEIGHT_WINDOW_SECONDS = 10.0
#: placeOrder, cancel_order, plan_order, cancel_plan: at most this many per second.
ORDER_CALLS_PER_SECOND = 10

SUCCESS_CODES = frozenset({"00000", "200", "0"})

Method = Literal["GET", "POST", "DELETE"]  # DELETE: contract API v3 cancels


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One REST endpoint: how it is called and what it costs against each budget."""

    name: str
    method: Method
    path: str
    private: bool
    ip_weight: int
    uid_weight: int
    #: counts toward the 10-per-second order-call limit
    order_call: bool = False


_E = Endpoint
ENDPOINTS: tuple[Endpoint, ...] = (
    _E("time", "GET", "/capi/v2/market/time", False, 1, 0),
    _E("contracts", "GET", "/capi/v2/market/contracts", False, 10, 0),
    _E("depth", "GET", "/capi/v2/market/depth", False, 1, 0),
    _E("tickers", "GET", "/capi/v2/market/tickers", False, 40, 0),
    _E("ticker", "GET", "/capi/v2/market/ticker", False, 1, 0),
    _E("trades", "GET", "/capi/v2/market/trades", False, 5, 0),
    _E("candles", "GET", "/capi/v2/market/candles", False, 1, 0),
    _E("historyCandles", "GET", "/capi/v2/market/historyCandles", False, 5, 0),
    _E("index", "GET", "/capi/v2/market/index", False, 1, 0),
    _E("open_interest", "GET", "/capi/v2/market/open_interest", False, 2, 0),
    _E("funding_time", "GET", "/capi/v2/market/funding_time", False, 1, 0),
    _E("getHistoryFundRate", "GET", "/capi/v2/market/getHistoryFundRate", False, 5, 0),
    _E("currentFundRate", "GET", "/capi/v2/market/currentFundRate", False, 1, 0),
    _E("getAccounts", "GET", "/capi/v2/account/getAccounts", True, 5, 5),
    _E("getAccount", "GET", "/capi/v2/account/getAccount", True, 1, 1),
    _E("assets", "GET", "/capi/v2/account/assets", True, 5, 10),
    _E("bills", "POST", "/capi/v2/account/bills", True, 2, 5),
    _E("settings", "GET", "/capi/v2/account/settings", True, 1, 1),
    _E("leverage", "POST", "/capi/v2/account/leverage", True, 10, 20),
    _E("adjustMargin", "POST", "/capi/v2/account/adjustMargin", True, 15, 30),
    _E("modifyAutoAppendMargin", "POST", "/capi/v2/account/modifyAutoAppendMargin", True, 15, 30),
    _E("allPosition", "GET", "/capi/v2/account/position/allPosition", True, 10, 15),
    _E("singlePosition", "GET", "/capi/v2/account/position/singlePosition", True, 2, 3),
    _E("changeHoldModel", "POST", "/capi/v2/account/position/changeHoldModel", True, 20, 50),
    _E("placeOrder", "POST", "/capi/v2/order/placeOrder", True, 2, 5, order_call=True),
    _E("batchOrders", "POST", "/capi/v2/order/batchOrders", True, 5, 10),
    _E("cancel_order", "POST", "/capi/v2/order/cancel_order", True, 2, 3, order_call=True),
    _E("cancel_batch_orders", "POST", "/capi/v2/order/cancel_batch_orders", True, 5, 10),
    _E("detail", "GET", "/capi/v2/order/detail", True, 2, 2),
    _E("history", "GET", "/capi/v2/order/history", True, 10, 10),
    _E("current", "GET", "/capi/v2/order/current", True, 2, 2),
    _E("fills", "GET", "/capi/v2/order/fills", True, 5, 5),
    _E("plan_order", "POST", "/capi/v2/order/plan_order", True, 2, 5, order_call=True),
    _E("cancel_plan", "POST", "/capi/v2/order/cancel_plan", True, 2, 3, order_call=True),
    _E("currentPlan", "GET", "/capi/v2/order/currentPlan", True, 3, 3),
    _E("historyPlan", "GET", "/capi/v2/order/historyPlan", True, 5, 10),
    _E("closePositions", "POST", "/capi/v2/order/closePositions", True, 40, 50),
    _E("cancelAllOrders", "POST", "/capi/v2/order/cancelAllOrders", True, 40, 50),
    _E("placeTpSlOrder", "POST", "/capi/v2/order/placeTpSlOrder", True, 2, 5),
    _E("modifyTpSlOrder", "POST", "/capi/v2/order/modifyTpSlOrder", True, 2, 5),
    _E("uploadAiLog", "POST", "/capi/v2/order/uploadAiLog", True, 1, 1),
)
ENDPOINTS_BY_NAME: dict[str, Endpoint] = {e.name: e for e in ENDPOINTS}
ENDPOINTS_BY_PATH: dict[str, Endpoint] = {e.path: e for e in ENDPOINTS}

#: Paths participants used that are not v2 endpoints (the live server answers 404).
NOT_ENDPOINTS: tuple[str, ...] = (
    "/capi/v2/order/plan_orders",
    "/capi/v2/order/cancel",
    "/capi/v2/order/orders",
    "/capi/v2/order/trades",
    "/capi/v2/order/close-all",
    "/capi/v2/account/balance",
    "/capi/v2/account/accounts",
    "/capi/v2/account/account",
    "/capi/v2/account/setLeverage",
    "/capi/v2/public/contracts",
    "/capi/v2/market/funding_rate",
)

GRANULARITIES = ("1m", "5m", "15m", "30m", "1h", "4h", "12h", "1d", "1w")


@dataclass(frozen=True, slots=True)
class ContractDefaults:
    """Simulator defaults for `/market/contracts` (spec section 6; only BTC is from live data)."""

    symbol: str
    tick_size: int
    price_end_step: int
    size_increment: int
    contract_val: Decimal
    min_order_size: Decimal
    max_leverage: int
    max_order_size: Decimal
    market_open_limit_size: Decimal


DEFAULT_CONTRACTS: tuple[ContractDefaults, ...] = (
    ContractDefaults(
        "cmt_btcusdt", 1, 1, 4, Decimal("0.0001"), Decimal("0.0001"), 400, Decimal("1200"), Decimal("100")
    ),
    ContractDefaults(
        "cmt_ethusdt", 2, 1, 2, Decimal("0.01"), Decimal("0.01"), 400, Decimal("20000"), Decimal("2000")
    ),
    ContractDefaults(
        "cmt_solusdt", 2, 1, 1, Decimal("0.1"), Decimal("0.1"), 200, Decimal("200000"), Decimal("20000")
    ),
    ContractDefaults(
        "cmt_bnbusdt", 2, 1, 1, Decimal("0.1"), Decimal("0.1"), 200, Decimal("50000"), Decimal("5000")
    ),
    ContractDefaults(
        "cmt_ltcusdt", 2, 1, 1, Decimal("0.1"), Decimal("0.1"), 100, Decimal("200000"), Decimal("20000")
    ),
    ContractDefaults(
        "cmt_xrpusdt", 4, 1, 0, Decimal("10"), Decimal("10"), 200, Decimal("20000000"), Decimal("2000000")
    ),
    ContractDefaults(
        "cmt_adausdt", 4, 1, 0, Decimal("10"), Decimal("10"), 100, Decimal("20000000"), Decimal("2000000")
    ),
    ContractDefaults(
        "cmt_dogeusdt", 5, 1, 0, Decimal("100"), Decimal("100"), 200, Decimal("50000000"), Decimal("5000000")
    ),
)
DEFAULT_MAKER_FEE = Decimal("0.0002")
DEFAULT_TAKER_FEE = Decimal("0.0008")

#: POST endpoints that may create, cancel or close orders/positions. A timeout or 5xx on one of these
#: leaves the outcome unknown: it is resolved by client id and never re-sent (DESIGN.md rules).
MONEY_MOVING_ENDPOINTS = frozenset(
    {
        "placeOrder",
        "batchOrders",
        "cancel_order",
        "cancel_batch_orders",
        "plan_order",
        "cancel_plan",
        "closePositions",
        "cancelAllOrders",
        "placeTpSlOrder",
        "modifyTpSlOrder",
    }
)

#: Codes that mean "our timestamp was refused": resync the clock, then retry the request once.
TIMESTAMP_ERROR_CODES = frozenset({"40005", "40008"})

#: Longest client order id the venue accepts (placeOrder, plan_order, placeTpSlOrder).
MAX_CLIENT_OID_LENGTH = 40
