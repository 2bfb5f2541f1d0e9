"""Deterministic identifiers: the same bar always gets the same decision id, and each order of a
decision the same `client_oid`, so a restarted process recognises work it already did and the
venue can tell us whether an order it may or may not have received exists."""

from __future__ import annotations

import hashlib

#: Order legs: entry, exit, venue-side stop-loss.
LEGS = ("e", "x", "s")


def account_key(venue: str, api_key: str) -> str:
    """A stable, non-reversible name for an account: never the key itself."""
    return hashlib.sha256(f"{venue}|{api_key}".encode()).hexdigest()[:16]


def decision_id(account: str, timeframe: str, bar_close_ms: int) -> str:
    digest = hashlib.sha256(f"{account}|{timeframe}|{bar_close_ms}".encode()).hexdigest()
    return "d" + digest[:15]


#: first character of the id of a decision that is not a bar's (a protective stop between bars)
PROTECT_PREFIX = "p"


def protect_decision_id(account: str, now_ms: int) -> str:
    """The decision behind a protective stop placed at `now_ms` (upkeep, not a bar's cycle)."""
    digest = hashlib.sha256(f"{account}|protect|{now_ms}".encode()).hexdigest()
    return PROTECT_PREFIX + digest[:15]


def client_oid(decision: str, symbol_index: int, leg: str, repeat: int = 0) -> str:
    """`al` + the decision's hash + symbol index + leg (+ repeat): alphanumeric, well under the
    40-character limit of WEEX `client_oid`."""
    if leg not in LEGS:
        raise ValueError(f"unknown order leg {leg!r}")
    if not 0 <= symbol_index < 100:
        raise ValueError("symbol_index must be in 0..99")
    suffix = f"{repeat}" if repeat else ""
    return f"al{decision[1:]}{symbol_index:02d}{leg}{suffix}"
