"""Turning domain values into what the journal's columns hold, and back.

Decimals on the order path are stored as plain text (`1E+1` -> `"10"`), exact on every database.
JSON columns receive only JSON-safe data: mappings with text keys, lists, text, finite numbers,
booleans and None; a Decimal becomes its text; anything else is refused with a `JournalError` at
store time, so a bad value fails loudly where it was written, not later in the uploader or audit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from alphaloop.journal.errors import JournalError
from alphaloop.model.instruments import format_decimal


def decimal_text(value: Decimal, *, field: str) -> str:
    if not isinstance(value, Decimal):
        raise JournalError(f"{field} must be a Decimal, got {type(value).__name__} {value!r}")
    if not value.is_finite():
        raise JournalError(f"{field} must be a finite Decimal, got {value}")
    return format_decimal(value)


def optional_decimal_text(value: Decimal | None, *, field: str) -> str | None:
    return None if value is None else decimal_text(value, field=field)


def parse_decimal(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise JournalError(f"the journal holds {text!r} where a decimal number belongs") from exc


def parse_optional_decimal(text: str | None) -> Decimal | None:
    return None if text is None else parse_decimal(text)


def json_safe(value: Any, *, field: str) -> Any:
    """A copy of `value` made of plain JSON types; Decimal -> text; anything else: JournalError."""
    return _convert(value, field)


def json_object(value: Mapping[str, Any] | None, *, field: str) -> dict[str, Any]:
    """`json_safe` for a mapping (None -> {})."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise JournalError(f"{field} must be a mapping, got {type(value).__name__}")
    converted: dict[str, Any] = _convert(value, field)
    return converted


def _convert(value: Any, path: str) -> Any:
    # bool before int: bool is an int subclass and must stay a JSON boolean.
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return str.__str__(value)  # a str subclass (StrEnum) becomes its plain text value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise JournalError(f"{path} is {value}: JSON has no NaN or infinity")
        return value
    if isinstance(value, Decimal):
        return decimal_text(value, field=path)
    if isinstance(value, Mapping):
        result: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise JournalError(f"{path} has a {type(key).__name__} key {key!r}: JSON keys are text")
            result[str.__str__(key)] = _convert(item, f"{path}.{key}")
        return result
    if isinstance(value, list | tuple):
        return [_convert(item, f"{path}[{index}]") for index, item in enumerate(value)]
    raise JournalError(
        f"{path} holds a {type(value).__name__} ({value!r}), which is not JSON data: "
        "give text, numbers, booleans, None, lists or mappings (Decimals are stored as text)"
    )
