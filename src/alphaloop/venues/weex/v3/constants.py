"""WEEX contract API v3 facts as data: paths, methods, weights, symbols, codes.

Shared by the v3 client hooks and the simulator's `weex-v3` dialect, so both agree on one table.
Source: ../shared/spec/weex-v3-api.md sections 1-7 (weights: the DOC IP/UID columns of 7.0).
"""

from __future__ import annotations

from typing import Final

from alphaloop.venues.weex.constants import Endpoint

API_PREFIX = "/capi/v3"
SPOT_PREFIX = "/api/v3"
#: v3 path of the competition AI log (spec 7.4: unconfirmed on WEEX's own pages; the simulator serves both).
AI_LOG_PATH = "/capi/v3/order/uploadAiLog"
#: Not stated by any v3 source; v2 documented 30 s (spec 2.4).
TIMESTAMP_WINDOW_MS = 30_000
#: Budget per 10 s window (JK and ccxt agree on 500, spec 3).
WEIGHT_LIMIT = 500

_E = Endpoint
#: Every contract endpoint the client or ccxt uses (spec 7.0), plus ccxt's spot load_markets reads (7.6).
ENDPOINTS: tuple[Endpoint, ...] = (
    _E("v3_time", "GET", "/capi/v3/market/time", False, 1, 0),
    _E("v3_exchangeInfo", "GET", "/capi/v3/market/exchangeInfo", False, 1, 0),
    _E("v3_depth", "GET", "/capi/v3/market/depth", False, 1, 0),
    _E("v3_ticker24hr", "GET", "/capi/v3/market/ticker/24hr", False, 40, 0),
    _E("v3_bookTicker", "GET", "/capi/v3/market/ticker/bookTicker", False, 1, 0),
    _E("v3_trades", "GET", "/capi/v3/market/trades", False, 5, 0),
    _E("v3_klines", "GET", "/capi/v3/market/klines", False, 1, 0),
    _E("v3_indexPriceKlines", "GET", "/capi/v3/market/indexPriceKlines", False, 1, 0),
    _E("v3_markPriceKlines", "GET", "/capi/v3/market/markPriceKlines", False, 1, 0),
    _E("v3_historyKlines", "GET", "/capi/v3/market/historyKlines", False, 5, 0),
    _E("v3_symbolPrice", "GET", "/capi/v3/market/symbolPrice", False, 1, 0),
    _E("v3_openInterest", "GET", "/capi/v3/market/openInterest", False, 2, 0),
    _E("v3_premiumIndex", "GET", "/capi/v3/market/premiumIndex", False, 1, 0),
    _E("v3_fundingRate", "GET", "/capi/v3/market/fundingRate", False, 5, 0),
    _E("v3_apiTradingSymbols", "GET", "/capi/v3/market/apiTradingSymbols", False, 5, 0),
    _E("v3_balance", "GET", "/capi/v3/account/balance", True, 5, 10),
    _E("v3_commissionRate", "GET", "/capi/v3/account/commissionRate", True, 5, 10),
    _E("v3_accountConfig", "GET", "/capi/v3/account/accountConfig", True, 5, 10),
    _E("v3_symbolConfig", "GET", "/capi/v3/account/symbolConfig", True, 5, 10),
    _E("v3_allPosition", "GET", "/capi/v3/account/position/allPosition", True, 10, 15),
    _E("v3_singlePosition", "GET", "/capi/v3/account/position/singlePosition", True, 2, 3),
    _E("v3_income", "POST", "/capi/v3/account/income", True, 2, 5),
    _E("v3_marginType", "POST", "/capi/v3/account/marginType", True, 20, 50),
    _E("v3_leverage", "POST", "/capi/v3/account/leverage", True, 10, 20),
    _E("v3_positionMargin", "POST", "/capi/v3/account/positionMargin", True, 15, 30),
    _E("v3_modifyAutoAppendMargin", "POST", "/capi/v3/account/modifyAutoAppendMargin", True, 15, 30),
    _E("v3_placeOrder", "POST", "/capi/v3/order", True, 2, 5, order_call=True),
    _E("v3_cancelOrder", "DELETE", "/capi/v3/order", True, 2, 3, order_call=True),
    _E("v3_getOrder", "GET", "/capi/v3/order", True, 2, 3),
    _E("v3_batchCancel", "DELETE", "/capi/v3/batchOrders", True, 5, 10, order_call=True),
    _E("v3_cancelAllOpen", "DELETE", "/capi/v3/allOpenOrders", True, 5, 10, order_call=True),
    _E("v3_openOrders", "GET", "/capi/v3/openOrders", True, 2, 3),
    _E("v3_orderHistory", "GET", "/capi/v3/order/history", True, 10, 10),
    _E("v3_userTrades", "GET", "/capi/v3/userTrades", True, 5, 5),
    _E("v3_closePositions", "POST", "/capi/v3/closePositions", True, 40, 50),
    _E("v3_placeAlgo", "POST", "/capi/v3/algoOrder", True, 2, 5, order_call=True),
    _E("v3_cancelAlgo", "DELETE", "/capi/v3/algoOrder", True, 2, 3, order_call=True),
    _E("v3_cancelAllAlgo", "DELETE", "/capi/v3/algoOpenOrders", True, 5, 10, order_call=True),
    _E("v3_openAlgoOrders", "GET", "/capi/v3/openAlgoOrders", True, 3, 3),
    _E("v3_allAlgoOrders", "GET", "/capi/v3/allAlgoOrders", True, 5, 10),
    _E("v3_placeTpSl", "POST", "/capi/v3/placeTpSlOrder", True, 2, 5, order_call=True),
    _E("v3_modifyTpSl", "POST", "/capi/v3/modifyTpSlOrder", True, 2, 5, order_call=True),
    _E("v3_uploadAiLog", "POST", AI_LOG_PATH, True, 1, 1),
    # v2's AI-log path, still the only one WEEX's own pages document (spec 7.4)
    _E("v3_uploadAiLogV2", "POST", "/capi/v2/order/uploadAiLog", True, 1, 1),
    # spot reads ccxt's load_markets / fetch_time make (spec 7.6): minimal, honest answers
    _E("spot_coins", "GET", "/api/v3/coins", False, 1, 0),
    _E("spot_exchangeInfo", "GET", "/api/v3/exchangeInfo", False, 1, 0),
    _E("spot_time", "GET", "/api/v3/time", False, 1, 0),
    _E("spot_ping", "GET", "/api/v3/ping", False, 1, 0),
)
ENDPOINTS_BY_NAME: dict[str, Endpoint] = {e.name: e for e in ENDPOINTS}
ENDPOINTS_BY_ROUTE: dict[tuple[str, str], Endpoint] = {(e.method, e.path): e for e in ENDPOINTS}

# Error codes (spec 2.6, 4.3): numbers on the wire.
ACCESS_KEY_EMPTY: Final = (-1040, "ACCESS_KEY header is required")
ACCESS_SIGN_EMPTY: Final = (-1041, "ACCESS_SIGN header is required")
ACCESS_TIMESTAMP_EMPTY: Final = (-1042, "ACCESS_TIMESTAMP header is required")
INVALID_ACCESS_TIMESTAMP: Final = (-1043, "Invalid ACCESS_TIMESTAMP")
INVALID_ACCESS_KEY: Final = (-1044, "Invalid ACCESS_KEY")
INVALID_CONTENT_TYPE: Final = (-1045, "Invalid Content-Type, use application/json")
ACCESS_TIMESTAMP_EXPIRED: Final = (-1046, "Request timestamp expired")
API_AUTH_ERROR: Final = (-1047, "API signature verification failed")
KEY_OR_PASSPHRASE_INCORRECT: Final = (-1049, "API key or passphrase incorrect")
USER_STATUS_FORBIDDEN: Final = (-1050, "User status forbidden")
INSUFFICIENT_PERMISSIONS: Final = (-1052, "Insufficient permissions")
SYSTEM_ERROR: Final = (-1054, "System error")
ILLEGAL_IP: Final = (-1056, "Illegal IP")
NO_PERMISSION_TRADE_PAIR: Final = (-1058, "No permission to trade this pair")
#: Rate limiting has no documented v3 code (spec 3: -1003 is a GUESS); ccxt needs a body without `msg`.
TOO_MANY_REQUESTS: Final = (-1003, "Too many requests")
INVALID_JSON: Final = (-1135, "Invalid JSON")
PARAM_VALIDATE_ERROR: Final = (-1140, "Parameter validation failed")
PARAM_EMPTY: Final = (-1141, "Parameter is empty")
PARAM_ERROR: Final = (-1142, "Parameter error")
METHOD_NOT_SUPPORTED: Final = (-1150, "Request method not supported")
DECIMAL_PRECISION_ERROR: Final = (-1160, "Decimal precision error")
CLIENT_OID_LENGTH_ERROR: Final = (-1180, "Client order id length error")
INVALID_SYMBOL: Final = (-1121, "Invalid symbol")
MAX_ORDER_QUANTITY_EXCEEDED: Final = (-3007, "Max order quantity exceeded")
ORDER_NOT_EXIST: Final = (-3200, "Order does not exist")
LEVERAGE_ERROR: Final = (-3313, "Leverage exceeds the maximum")

#: `newClientOrderId` / `clientAlgoId`: 1-36 of `[.A-Za-z:/0-9_-]` (spec 5.2).
CLIENT_ID_PATTERN = r"^[\.A-Z\:/a-z0-9_-]{1,36}$"


def v3_symbol(unified: str) -> str:
    """`BTC/USDT:USDT` -> `BTCUSDT` (spec 6: drop `cmt_`, upper-case)."""
    base, rest = unified.split("/", 1)
    return base + rest.split(":", 1)[0]
