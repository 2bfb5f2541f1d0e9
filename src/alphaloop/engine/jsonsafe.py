"""Turn model inputs and outputs into plain JSON (for the journal and the AI log)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from enum import Enum
from typing import Any

import numpy as np


def json_safe(value: Any, *, depth: int = 0) -> Any:
    """Decimals as strings, numpy scalars and arrays as Python values, NaN/inf as None, enums as
    their values; anything unknown as its `str`. Deeply nested input is cut at 12 levels."""
    if depth > 12:
        return str(value)
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return json_safe(value.value, depth=depth + 1)
    if isinstance(value, np.generic):
        return json_safe(value.item(), depth=depth + 1)
    if isinstance(value, np.ndarray):
        return [json_safe(v, depth=depth + 1) for v in value.tolist()]
    if isinstance(value, Mapping):
        return {str(k): json_safe(v, depth=depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(v, depth=depth + 1) for v in value]
    return str(value)
