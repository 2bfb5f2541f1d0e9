"""Request encoding: the exact query text and body bytes that are both signed and sent.

Serialised once, so the signature covers byte for byte what goes on the wire. Decimals are written
in plain notation (`format_decimal`), booleans as `true`/`false`, `None` values are dropped. A dialect
picks insertion order (WEEX v2) or sorted keys (WOO X, byte-identical to ccxt) with `sort_keys`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from alphaloop.model.instruments import format_decimal

__all__ = ["encode_body", "encode_query", "wire_text"]


def encode_query(params: Mapping[str, Any] | None, *, sort_keys: bool = False) -> str:
    """Query text, `None` values dropped, in the given order (or sorted by key)."""
    if not params:
        return ""
    pairs = [(key, wire_text(value)) for key, value in params.items() if value is not None]
    return urlencode(sorted(pairs) if sort_keys else pairs)


def encode_body(body: Mapping[str, Any], *, sort_keys: bool = False) -> bytes:
    """Compact JSON (no whitespace, UTF-8, Decimals as plain text), optionally with sorted keys."""
    return json.dumps(
        body, separators=(",", ":"), sort_keys=sort_keys, ensure_ascii=False, default=_json_default
    ).encode()


def wire_text(value: Any) -> str:
    """One query value as the venue expects it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format_decimal(value)
    return str(value)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format_decimal(value)
    raise TypeError(f"cannot serialise {type(value).__name__} to JSON")
