"""Numbers from the wire, for every simulator dialect: what a request may carry as a price, size,
leverage or integer parameter.

`Decimal("1e999999")` is finite, so a plain parse lets it through: the core's arithmetic then
overflows (a 500, which a client reads as "the venue may have acted") and `int()` of it takes
minutes on the server's only event loop. `"²".isdigit()` is True while `int("²")` raises, and
Python refuses to convert more than 4300 digits. Here such values are simply not numbers, and each
dialect answers its own parameter error.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

#: the largest decimal exponent a parameter may have either way: prices, sizes, leverages and
#: amounts live far inside 1e-30..1e30
MAX_EXPONENT = 30
#: an integer parameter (ids, times in ms, limits) has at most this many digits
MAX_DIGITS = 30


def wire_decimal(raw: str) -> Decimal | None:
    """`raw` as a finite Decimal of sane magnitude, or None when it is not one."""
    text = raw.strip()
    if len(text) > 100:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if not value.is_finite():
        return None
    if not value.is_zero() and abs(value.adjusted()) > MAX_EXPONENT:
        return None
    return value


def wire_int(raw: str) -> int | None:
    """`raw` as an int when it is ASCII digits with an optional minus sign, else None."""
    text = raw.strip()
    digits = text[1:] if text.startswith("-") else text
    if not digits or len(digits) > MAX_DIGITS or not (digits.isascii() and digits.isdigit()):
        return None
    return int(text)
