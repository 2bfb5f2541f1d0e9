"""Small pure helpers every dialect's `parse.py` uses to turn wire shapes into domain types."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel

__all__ = ["positive", "raw", "symbol_parts"]


def positive(value: Decimal | None) -> Decimal | None:
    """Venues write 0 (or null) for "none": the price of a market order, the average of an unfilled one."""
    return value if value is not None and value != 0 else None


def raw(wire: BaseModel, *, by_alias: bool) -> dict[str, object]:
    """The venue payload kept on a domain object (`raw`), as JSON-ready values."""
    return wire.model_dump(mode="json", by_alias=by_alias)


def symbol_parts(unified: str) -> tuple[str, str, str]:
    """(base, quote, settle) of a unified symbol `BASE/QUOTE:SETTLE`."""
    base, rest = unified.split("/")
    quote, settle = rest.split(":")
    return base, quote, settle
