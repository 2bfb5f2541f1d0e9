"""Small pure helpers every dialect's `parse.py` uses to turn wire shapes into domain types."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel

__all__ = ["MAX_EXPONENT", "positive", "raw", "sane", "symbol_parts"]

#: no price, size, balance, rate or time any venue reports is outside 1e-50..1e50; `1e999999` is a
#: finite Decimal that overflows the first product it enters and takes minutes to become an int
MAX_EXPONENT = 50


def sane(value: Decimal) -> Decimal:
    """`value` when it is a finite number of plausible magnitude; else ValueError (which pydantic
    reports as a validation error, and the transport as a malformed answer)."""
    if not value.is_finite():
        raise ValueError("not a finite number")
    if not value.is_zero() and abs(value.adjusted()) > MAX_EXPONENT:
        raise ValueError(f"number out of range: {value:.3E}")
    return value


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
