"""`WeexHttpClient`: the raw WEEX contract API v2 client, one typed method per endpoint (spec 7.0).

Methods are named `<method>_<group>_<path in snake_case>` after the venue path
(`GET /capi/v2/market/ticker` -> `get_market_ticker`), take venue symbols (`cmt_btcusdt`) and
return the pydantic wire shapes of `schemas.py`. The request pipeline (signing, venue time, rate
limits, retries, error mapping) is in `transport.py`; the domain client is `venue.WeexVenue`.
"""

from __future__ import annotations

from alphaloop.venues.weex.api_account import AccountApi
from alphaloop.venues.weex.api_market import MarketApi
from alphaloop.venues.weex.api_order import OrderApi

__all__ = ["WeexHttpClient"]


class WeexHttpClient(MarketApi, AccountApi, OrderApi):
    """Async raw client. Construct with `(base_url, credentials, *, transport=..., timeout=10.0,
    locale="en-US", ai_log_path=DEFAULT_AI_LOG_PATH, clock=SYSTEM_CLOCK, ...)`; see `WeexTransport`.

    Use as `async with WeexHttpClient(...) as client:` or call `aclose()`.
    """
