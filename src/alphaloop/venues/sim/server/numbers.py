"""Bounded number parsing for request parameters.

`Decimal("1e999999")` is a valid, finite number: a leverage of it became a million-digit integer
(the simulator froze for a minute) and a price of it overflowed the decimal context deep in the
matching core (`decimal.Overflow`, an HTTP 500). Venue parameters are short decimals, so anything
longer than `MAX_TEXT` characters, with more than `MAX_DIGITS` significant digits or a magnitude
outside 1e-`MAX_EXPONENT`..1e`MAX_EXPONENT` is refused as a parameter error, checked before any
arithmetic, in microseconds.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

MAX_TEXT = 64
MAX_DIGITS = 34
MAX_EXPONENT = 30


def bounded_decimal(value: object) -> Decimal | None:
    """The number `value` (text, int or float) holds, or None when it is not a plain, bounded,
    finite number."""
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        return None
    if isinstance(value, int) and abs(value) >= 10**MAX_EXPONENT:
        return None
    text = str(value).strip()
    if not text or len(text) > MAX_TEXT:
        return None
    try:
        result = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    if not result.is_finite():
        return None
    if result.is_zero():
        return Decimal(0)
    digits = result.as_tuple().digits
    if len(digits) > MAX_DIGITS or not -MAX_EXPONENT <= result.adjusted() <= MAX_EXPONENT:
        return None
    return result


def bounded_int_text(text: str) -> bool:
    """Whether `text` is a plain integer short enough to convert without cost."""
    body = text.strip()
    body = body[1:] if body.startswith("-") else body
    return body.isascii() and body.isdigit() and len(body) <= 18


def wire_decimal(raw: str) -> Decimal | None:
    """`raw` text as a bounded, finite Decimal (`bounded_decimal`), or None."""
    return bounded_decimal(raw)


def wire_int(raw: str) -> int | None:
    """`raw` as an int when it is ASCII digits with an optional minus sign (`"²".isdigit()` is True
    while `int("²")` raises), short enough to convert without cost; else None."""
    return int(raw.strip()) if bounded_int_text(raw) else None
