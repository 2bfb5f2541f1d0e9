"""The simulator's WEEX contracts: `model.Instrument`s from the constants table and their wire shape.

Precision rules of spec section 6: price tick = priceEndStep * 10^-tick_size, size step =
max(10^-size_increment, contract_val). Fees 0.0002 / 0.0008 and 1 % price bands as in the SEED
BTC example.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from alphaloop.model import Instrument, from_weex_symbol
from alphaloop.model.instruments import decimal_step
from alphaloop.venues.sim.server.wire import dec
from alphaloop.venues.weex.constants import (
    DEFAULT_CONTRACTS,
    DEFAULT_MAKER_FEE,
    DEFAULT_TAKER_FEE,
    ContractDefaults,
)

PRICE_LIMIT_RATIO = Decimal("0.01")
MAX_POSITION_SIZE = Decimal("1000000")
FUNDING_TIMES = ("00:00:00", "08:00:00", "16:00:00")
#: WEEX's internal contract unit behind `contracts` / `filledQtyContracts` (spec 6 rule 5):
#: 0.000001 BTC for a 0.0001 BTC contract_val, i.e. contract_val / 100 (applied to every symbol).
INTERNAL_UNITS_PER_CONTRACT = 100


def instrument_from_defaults(c: ContractDefaults) -> Instrument:
    """One `Instrument` (unified symbol, base-coin sizes) from a row of DEFAULT_CONTRACTS."""
    symbol = from_weex_symbol(c.symbol)
    base = symbol.split("/")[0]
    return Instrument(
        symbol=symbol,
        venue_symbol=c.symbol,
        base=base,
        quote="USDT",
        settle="USDT",
        price_tick=c.price_end_step * decimal_step(c.tick_size),
        size_step=max(decimal_step(c.size_increment), c.contract_val),
        min_size=c.min_order_size,
        max_size=c.max_order_size,
        max_market_open_size=c.market_open_limit_size,
        max_position_size=MAX_POSITION_SIZE,
        min_leverage=1,
        max_leverage=c.max_leverage,
        maker_fee=DEFAULT_MAKER_FEE,
        taker_fee=DEFAULT_TAKER_FEE,
        contract_value=c.contract_val,
        buy_limit_price_ratio=PRICE_LIMIT_RATIO,
        sell_limit_price_ratio=PRICE_LIMIT_RATIO,
        funding_times_utc=FUNDING_TIMES,
    )


def default_instruments(symbols: Iterable[str] | None = None) -> dict[str, Instrument]:
    """Instruments keyed by unified symbol; `symbols` (WEEX or unified spelling) filters them."""
    rows = {c.symbol: c for c in DEFAULT_CONTRACTS}
    out: dict[str, Instrument] = {}
    for c in rows.values():
        instrument = instrument_from_defaults(c)
        out[instrument.symbol] = instrument
    if symbols is None:
        return out
    wanted = {s.lower() if s.lower().startswith("cmt_") else s for s in symbols}
    return {k: v for k, v in out.items() if k in wanted or v.venue_symbol in wanted}


def _places(step: Decimal) -> int:
    exponent = step.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


class ContractInfo:
    """Wire facts of one served contract, precomputed once (the hot path only reads them)."""

    __slots__ = ("contract_id", "instrument", "internal_unit", "json", "price_places", "size_places")

    def __init__(self, instrument: Instrument, contract_id: int, defaults: ContractDefaults | None) -> None:
        self.instrument = instrument
        self.contract_id = contract_id
        self.price_places = defaults.tick_size if defaults else _places(instrument.price_tick)
        self.size_places = defaults.size_increment if defaults else _places(instrument.size_step)
        self.internal_unit = (instrument.contract_value or instrument.size_step) / INTERNAL_UNITS_PER_CONTRACT
        end_step = int(instrument.price_tick / decimal_step(self.price_places))
        self.json: dict[str, Any] = {
            "symbol": instrument.venue_symbol,
            "underlying_index": instrument.base,
            "quote_currency": instrument.quote,
            "coin": instrument.settle,
            "contract_val": dec(instrument.contract_value),
            "delivery": list(instrument.funding_times_utc),
            "size_increment": str(self.size_places),
            "tick_size": str(self.price_places),
            "forwardContractFlag": True,
            "priceEndStep": end_step,
            "minLeverage": instrument.min_leverage,
            "maxLeverage": instrument.max_leverage,
            "buyLimitPriceRatio": dec(instrument.buy_limit_price_ratio),
            "sellLimitPriceRatio": dec(instrument.sell_limit_price_ratio),
            "makerFeeRate": dec(instrument.maker_fee),
            "takerFeeRate": dec(instrument.taker_fee),
            "minOrderSize": dec(instrument.min_size),
            "maxOrderSize": dec(instrument.max_size),
            "maxPositionSize": dec(instrument.max_position_size),
            "marketOpenLimitSize": dec(instrument.max_market_open_size),
        }

    def contracts(self, size: Decimal) -> int:
        """Size in WEEX's internal contract units (informational `contracts` field)."""
        return int(size / self.internal_unit)


def contract_infos(instruments: Iterable[Instrument]) -> dict[str, ContractInfo]:
    """ContractInfo keyed by WEEX symbol, with stable internal contract ids (10000001, ...)."""
    defaults = {c.symbol: c for c in DEFAULT_CONTRACTS}
    return {
        inst.venue_symbol: ContractInfo(inst, 10_000_001 + n, defaults.get(inst.venue_symbol))
        for n, inst in enumerate(instruments)
    }
