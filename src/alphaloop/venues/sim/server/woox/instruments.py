"""The simulator's WOO X perpetuals: the same contracts as its WEEX ones (tick, step, limits), under
WOO X symbols and fees, and their `/v3/public/instruments` rows.

The spec reproduces no tick, lot or notional values for these symbols (section 5), so the numbers
are the WEEX contracts' ones: PLACEHOLDERS, not WOO X facts. WOO X-specific: symbols
`PERP_<BASE>_USDT`, maker 0.02 % / taker 0.05 %, a 10 % price band (`bidCapRatio` 1.1,
`askFloorRatio` 0.9, as in the captured instrument row), 8-hour funding.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from alphaloop.model import Instrument, to_unified_symbol, to_woox_symbol
from alphaloop.venues.sim.server.contracts import default_instruments
from alphaloop.venues.sim.server.woox.wire import dec
from alphaloop.venues.woox.constants import (
    DEFAULT_FUNDING_INTERVAL_HOURS,
    DEFAULT_MAKER_FEE,
    DEFAULT_TAKER_FEE,
)

PRICE_BAND = Decimal("0.1")
#: Placeholder upper price limit (`quoteMax`): no order comes near it.
QUOTE_MAX = Decimal(100_000_000)


def woox_instruments(symbols: Iterable[str] | None = None) -> dict[str, Instrument]:
    """Instruments keyed by unified symbol; `symbols` (any spelling) filters them."""
    wanted = None if symbols is None else [to_unified_symbol(s) for s in symbols]
    return {
        symbol: dataclasses.replace(
            instrument,
            venue_symbol=to_woox_symbol(symbol),
            maker_fee=DEFAULT_MAKER_FEE,
            taker_fee=DEFAULT_TAKER_FEE,
            buy_limit_price_ratio=PRICE_BAND,
            sell_limit_price_ratio=PRICE_BAND,
            contract_value=Decimal(1),
        )
        for symbol, instrument in default_instruments(wanted).items()
    }


def instrument_row(instrument: Instrument) -> dict[str, Any]:
    """A row of `/v3/public/instruments` (field set of the spec's capture, plus the perp fields)."""
    buy_ratio = instrument.buy_limit_price_ratio
    sell_ratio = instrument.sell_limit_price_ratio
    return {
        "symbol": instrument.venue_symbol,
        "status": "TRADING",
        "baseAsset": instrument.base,
        "baseAssetMultiplier": 1,
        "quoteAsset": instrument.quote,
        "quoteMin": dec(instrument.price_tick),
        "quoteMax": dec(QUOTE_MAX),
        "quoteTick": dec(instrument.price_tick),
        "baseMin": dec(instrument.min_size),
        "baseMax": dec(instrument.max_size),
        "baseTick": dec(instrument.size_step),
        "minNotional": "0",
        "bidCapRatio": None if buy_ratio is None else dec(1 + buy_ratio),
        "bidFloorRatio": None,
        "askCapRatio": None,
        "askFloorRatio": None if sell_ratio is None else dec(1 - sell_ratio),
        "orderMode": "NORMAL",
        "impactNotional": None,
        "isAllowedRpi": False,
        "tickGranularity": None,
        "fundingIntervalHours": DEFAULT_FUNDING_INTERVAL_HOURS,
        "baseIMR": dec(Decimal(1) / instrument.max_leverage),
        "baseMMR": "0.005",
    }
