"""JSON-able rendering of the core state, stable down to the byte for determinism checks."""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Mapping
from decimal import Decimal
from enum import Enum

from alphaloop.venues.sim.core.state import CoreState


def to_jsonable(value: object) -> object:
    """Decimals as plain strings (no exponent), enums as values, dataclasses as dicts."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, Enum):
        return value.value
    if value is None or isinstance(value, bool | int | str):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(to_jsonable(k)): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, frozenset | set):
        return sorted(str(to_jsonable(item)) for item in value)
    if isinstance(value, list | tuple | deque):
        return [to_jsonable(item) for item in value]
    raise TypeError(f"cannot render {type(value).__name__} as JSON")


def render_state(core: CoreState) -> dict[str, object]:
    accounts: dict[str, object] = {}
    for account_id in sorted(core.accounts):
        account = core.accounts[account_id]
        summary = core.summary(account)
        accounts[account_id] = {
            "wallet": to_jsonable(account.wallet),
            "equity": to_jsonable(summary.equity),
            "available": to_jsonable(summary.available),
            "used_margin": to_jsonable(summary.used_margin),
            "frozen": to_jsonable(summary.frozen),
            "margin_modes": to_jsonable(dict(sorted(account.margin_modes.items()))),
            "leverage": {s: list(pair) for s, pair in sorted(account.leverage.items())},
            "positions": [to_jsonable(core.snapshot(account, p)) for p in account.sorted_positions()],
            "bills": to_jsonable(account.bills),
        }
    markets = {symbol: to_jsonable(core.markets[symbol].snapshot()) for symbol in sorted(core.markets)}
    funding = {symbol: to_jsonable(core.markets[symbol].funding) for symbol in sorted(core.markets)}
    return {
        "next_id": str(core.next_id),
        "config": to_jsonable(core.config),
        "instruments": sorted(core.instruments),
        "markets": markets,
        "funding": funding,
        "accounts": accounts,
        "orders": [to_jsonable(order) for order in core.orders.values()],
        "trigger_orders": [to_jsonable(trigger) for trigger in core.triggers.values()],
        "fills": [to_jsonable(fill) for fill in core.fills.values()],
    }
