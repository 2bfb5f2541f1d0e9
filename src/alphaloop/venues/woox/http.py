"""`WooxHttpClient`: the raw WOO X V3 client, one typed method per endpoint (spec section 4).

Methods are named `<method>_<path in snake case>` after the venue path
(`GET /v3/public/fundingRate` -> `get_public_funding_rate`, `DELETE /v3/trade/order` ->
`delete_trade_order`), take venue symbols (`PERP_BTC_USDT`) and return the pydantic wire shapes of
`schemas.py`. The request pipeline (signing, venue time, rate limits, retries, error mapping) is in
`transport.py`; the domain client is `venue.WooxVenue`.
"""

from __future__ import annotations

from alphaloop.venues.woox.api_account import AccountApi
from alphaloop.venues.woox.api_algo import AlgoApi
from alphaloop.venues.woox.api_public import PublicApi
from alphaloop.venues.woox.api_trade import TradeApi

__all__ = ["WooxHttpClient"]


class WooxHttpClient(PublicApi, AccountApi, TradeApi, AlgoApi):
    """Async raw client. Construct with `(base_url, credentials, *, transport=..., timeout=10.0,
    clock=SYSTEM_CLOCK, ...)`; see `WooxTransport`. Use as `async with WooxHttpClient(...) as client:`
    or call `aclose()`."""
