"""`json_safe`: model inputs and outputs become plain JSON for the journal and the AI log."""

from __future__ import annotations

import json
import math
from decimal import Decimal
from enum import Enum
from typing import Any

import numpy as np
import pytest

from alphaloop.engine.jsonsafe import json_safe
from alphaloop.model.decision import Action


class Colour(Enum):
    RED = 1


def dumps(value: Any) -> str:
    """Strict JSON: NaN or infinity anywhere fails."""
    return json.dumps(value, allow_nan=False)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("0.00012300"), "0.00012300"),
        (Decimal("1E+3"), "1E+3"),
        (np.float64(1.5), 1.5),
        (np.float32(0.25), 0.25),
        (np.int64(7), 7),
        (np.bool_(True), True),
        (float("nan"), None),
        (float("inf"), None),
        (-math.inf, None),
        (np.float64("nan"), None),
        (Colour.RED, 1),
        (None, None),
        ("text", "text"),
        (3, 3),
    ],
)
def test_scalars(value: Any, expected: Any) -> None:
    result = json_safe(value)
    assert result == expected
    # np.float64 is a float subclass and may pass through as it is: JSON writes it as a float
    assert isinstance(result, type(expected))
    assert json.loads(dumps(result)) == expected


def test_numpy_arrays_become_lists_with_nan_as_null() -> None:
    result = json_safe({"closes": np.array([1.0, np.nan, 3.5]), "ids": np.arange(3, dtype=np.int64)})
    assert result == {"closes": [1.0, None, 3.5], "ids": [0, 1, 2]}
    assert all(type(v) is int for v in result["ids"])
    dumps(result)


def test_nested_containers_keys_and_enums() -> None:
    value = {
        1: (Decimal("2.5"), {np.int64(3)}),
        Action.OPEN_LONG: [np.float64(np.inf), {"deep": Decimal("NaN")}],
    }
    result = json_safe(value)
    assert result == {"1": ["2.5", [3]], "open_long": [None, {"deep": "NaN"}]}
    assert json.loads(dumps(result)) == result


def test_unknown_objects_become_their_text() -> None:
    class Opaque:
        def __str__(self) -> str:
            return "opaque!"

    assert json_safe({"x": Opaque()}) == {"x": "opaque!"}
    assert json_safe(b"\x00raw") == "b'\\x00raw'"


def test_deep_nesting_is_cut_not_recursed_forever() -> None:
    value: Any = "bottom"
    for _ in range(50):
        value = [value]
    result = json_safe(value)
    dumps(result)
    depth = 0
    while isinstance(result, list):
        result, depth = result[0], depth + 1
    assert isinstance(result, str)
    assert depth <= 13


def test_input_is_not_modified() -> None:
    closes = np.array([1.0, np.nan])
    value = {"closes": closes, "price": Decimal("1.10")}
    json_safe(value)
    assert isinstance(value["closes"], np.ndarray)
    assert value["price"] == Decimal("1.10")
