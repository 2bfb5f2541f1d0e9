"""Venue-neutral, pure exchange simulator core (no I/O, no clock): see `Exchange`."""

from alphaloop.venues.sim.core.exchange import Exchange
from alphaloop.venues.sim.core.types import (
    AccountSnapshot,
    Bill,
    BillType,
    DepthModel,
    ExchangeConfig,
    FundingRecord,
    LeverageSetting,
    MarketState,
    RejectReason,
    SimFill,
    SimOrder,
    SimPosition,
    SimRejection,
    SimTriggerOrder,
    TriggerKind,
    TriggerStatus,
)

__all__ = [
    "AccountSnapshot",
    "Bill",
    "BillType",
    "DepthModel",
    "Exchange",
    "ExchangeConfig",
    "FundingRecord",
    "LeverageSetting",
    "MarketState",
    "RejectReason",
    "SimFill",
    "SimOrder",
    "SimPosition",
    "SimRejection",
    "SimTriggerOrder",
    "TriggerKind",
    "TriggerStatus",
]
