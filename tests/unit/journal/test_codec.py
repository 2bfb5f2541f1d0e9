from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from alphaloop.journal import JournalError
from alphaloop.journal.codec import decimal_text, json_object, json_safe, parse_decimal
from alphaloop.model import OrderIntent


def test_json_safe_turns_decimals_into_text_and_enums_into_plain_strings() -> None:
    value = {
        "price": Decimal("65000.50"),
        "intent": OrderIntent.OPEN_LONG,
        "levels": (Decimal("1E+1"), 2, 0.5),
    }

    converted = json_safe(value, field="input")

    assert converted == {"price": "65000.5", "intent": "open_long", "levels": ["10", 2, 0.5]}
    assert type(converted["intent"]) is str


def test_json_safe_keeps_booleans_and_none() -> None:
    assert json_safe({"ok": True, "n": None, "b": False}, field="x") == {"ok": True, "n": None, "b": False}


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ({"when": dt.datetime(2025, 1, 1)}, r"input\.when holds a datetime"),
        ({"tags": {"a", "b"}}, r"input\.tags holds a set"),
        ({"deep": [{"x": object()}]}, r"input\.deep\[0\]\.x holds a object"),
        ({"p": float("nan")}, r"input\.p is nan"),
        ({1: "one"}, r"input has a int key 1"),
        ({"p": Decimal("Infinity")}, r"input\.p must be a finite Decimal"),
    ],
)
def test_json_safe_refuses_what_json_cannot_hold_and_names_where(value: object, reason: str) -> None:
    with pytest.raises(JournalError, match=reason):
        json_safe(value, field="input")


def test_json_object_takes_none_as_empty_and_refuses_non_mappings() -> None:
    assert json_object(None, field="detail") == {}
    with pytest.raises(JournalError, match="detail must be a mapping"):
        json_object(["not", "a", "mapping"], field="detail")  # type: ignore[arg-type]


def test_decimal_text_is_plain_and_exact_both_ways() -> None:
    for text in ("0.00000001", "123456789.123456789", "-5", "0"):
        assert parse_decimal(decimal_text(Decimal(text), field="x")) == Decimal(text)
    assert decimal_text(Decimal("1.2E+3"), field="x") == "1200"
    with pytest.raises(JournalError, match="must be a Decimal"):
        decimal_text(1.5, field="x")  # type: ignore[arg-type]
