"""The decision port: `decide(snapshot) -> Decision`, and the vectorised extension backtests use.

Every strategy and AI model implements `DecisionModel`. A model that can compute its signals
for a whole history at once (rule-based strategies, the offline ML model) also implements
`VectorizedModel.plan`, so a backtest does Python work only where something happens; a test
checks that `plan` and `decide` agree bar for bar (and that neither looks ahead).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from alphaloop.model.decision import Decision, ModelInfo
from alphaloop.model.frame import MarketFrame
from alphaloop.model.snapshot import FloatArray, Snapshot

Int8Array = npt.NDArray[np.int8]
BoolArray = npt.NDArray[np.bool_]


@runtime_checkable
class DecisionModel(Protocol):
    info: ModelInfo
    #: Closed bars a snapshot must hold for this model (the engine builds windows this long).
    lookback: int

    def decide(self, snapshot: Snapshot) -> Decision: ...


@dataclass(frozen=True, slots=True)
class SymbolPlan:
    """One symbol's signals on the frame's grid, each decided at the close of its bar.

    entry[i] = +1 / -1: open long / short (reversing an opposite position) at the next bar's
    open; 0: nothing new. Entries are edges: a strategy emits one when its view changes, so a
    position closed by its stop is not reopened until the next signal.
    exit[i] = True: close any open position at the next bar's open.
    stop_loss / take_profit: absolute price levels for an entry at i (NaN: none).
    confidence: optional, for sizing or the AI log (NaN: none).
    """

    entry: Int8Array
    exit: BoolArray
    stop_loss: FloatArray
    take_profit: FloatArray
    confidence: FloatArray

    @staticmethod
    def empty(n: int) -> SymbolPlan:
        nan = np.full(n, np.nan)
        return SymbolPlan(np.zeros(n, dtype=np.int8), np.zeros(n, dtype=bool), nan, nan.copy(), nan.copy())


@runtime_checkable
class VectorizedModel(DecisionModel, Protocol):
    def plan(self, frame: MarketFrame) -> Mapping[str, SymbolPlan]:
        """Signals for every bar of `frame`; the value at bar i may use bars <= i only."""
        ...
