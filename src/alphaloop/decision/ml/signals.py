"""From probabilities to trading signals, vectorised; `plan` and `decide` share these functions.

* state: +1 where p(up) >= long_at, -1 where p(up) <= short_at, else 0 (NaN p: 0).
* entries are the edges of the state: +1 / -1 on the bar the state turns long / short, so a
  position stopped out is not reopened until the view changes again.
* time exit: `hold_bars` bars after the last entry signal (with no newer entry), close: the
  label the model learnt is the move over that many bars.
"""

from __future__ import annotations

import numpy as np

from alphaloop.decision.base import BoolArray, Int8Array
from alphaloop.features.rolling import FloatArray


def signal_state(probability: FloatArray, long_at: float, short_at: float) -> Int8Array:
    p = np.asarray(probability, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        long = p >= long_at
        short = p <= short_at
    return np.where(long, 1, np.where(short, -1, 0)).astype(np.int8)


def entry_edges(state: Int8Array) -> Int8Array:
    """state[i] where it differs from state[i-1] and is not flat (before the first bar: flat)."""
    previous = np.concatenate([np.zeros(1, dtype=np.int8), state[:-1]])
    return np.where((state != 0) & (state != previous), state, 0).astype(np.int8)


def time_exits(entry: Int8Array, hold_bars: int) -> BoolArray:
    """True `hold_bars` bars after an entry signal that no later entry replaced (0: never)."""
    n = len(entry)
    if hold_bars <= 0 or n == 0:
        return np.zeros(n, dtype=bool)
    index = np.arange(n)
    last_entry = np.maximum.accumulate(np.where(entry != 0, index, -1))
    return np.asarray((last_entry >= 0) & (index - last_entry == hold_bars))
