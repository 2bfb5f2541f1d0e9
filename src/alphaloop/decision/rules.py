"""Rule-based strategies: examples of the decision port and the baselines every report shows.

* `sma`: SMA crossover with the exact semantics of `shared/benchmarks/sma-reference.md`
  (fast 20 / slow 50, a relative tie tolerance of 1e-10, always in the market after the first
  signal, a cross reverses the position);
* `hold`: buy and hold, one entry per symbol at its first bar;
* `random`: entries at random bars (a hash of seed, symbol and bar time, so `plan` and `decide`
  agree), random side, closed after `hold_bars`.

Each implements both `plan(frame)` (vectorised, for backtests) and `decide(snapshot)` (one bar,
for paper and live); `tests/unit/decision/test_rules.py` checks they agree and never look ahead.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import numpy as np

from alphaloop.decision.base import SymbolPlan
from alphaloop.features import sma
from alphaloop.model.decision import Action, Decision, ModelInfo, SymbolDecision
from alphaloop.model.frame import MarketFrame
from alphaloop.model.snapshot import FloatArray, Snapshot

RULES_VERSION = "1"


def _edges(state: np.ndarray) -> np.ndarray:
    """+1/-1 where `state` changes to a non-zero value, else 0."""
    previous = np.concatenate(([0], state[:-1]))
    return np.where((state != previous) & (state != 0), state, 0).astype(np.int8)


def _forward_fill_nonzero(raw: np.ndarray) -> np.ndarray:
    index = np.where(raw != 0, np.arange(len(raw)), 0)
    np.maximum.accumulate(index, out=index)
    return np.where((index > 0) | (raw[0] != 0), raw[index], 0)


class SmaCross:
    """SMA(fast) vs SMA(slow) of closes; long above, short below, a tie keeps the position."""

    def __init__(self, fast: int = 20, slow: int = 50, tolerance: float = 1e-10) -> None:
        if not 0 < fast < slow:
            raise ValueError("need 0 < fast < slow")
        self.fast, self.slow, self.tolerance = fast, slow, tolerance
        self.info = ModelInfo(name=f"sma-{fast}-{slow}", version=RULES_VERSION, provider="rules")
        # A few hundred bars make the "keep" state (after ties) and the edge decidable from a window.
        self.lookback = slow + 250

    def _state(self, close: FloatArray) -> np.ndarray:
        fast = sma(close, self.fast)
        slow = sma(close, self.slow)
        tol = self.tolerance * np.abs(slow)
        with np.errstate(invalid="ignore"):
            raw = np.where(fast - slow > tol, 1, np.where(slow - fast > tol, -1, 0))
        # The reference makes its first decision at the close of bar index `slow`.
        raw[: self.slow] = 0
        return _forward_fill_nonzero(raw)

    def plan(self, frame: MarketFrame) -> Mapping[str, SymbolPlan]:
        plans = {}
        for symbol, bars in frame.bars.items():
            n = len(frame.ts)
            valid = np.flatnonzero(~np.isnan(bars.close))
            plan = SymbolPlan.empty(n)
            if len(valid):
                # Bars are gap-free inside a series; signals run on the symbol's own bars.
                first, last = int(valid[0]), int(valid[-1]) + 1
                plan.entry[first:last] = _edges(self._state(bars.close[first:last]))
            plans[symbol] = plan
        return plans

    def decide(self, snapshot: Snapshot) -> Decision:
        decisions = []
        for symbol, view in snapshot.symbols.items():
            state = self._state(view.candles.close)
            if len(state) >= 2 and state[-1] != 0 and state[-1] != state[-2]:
                action = Action.OPEN_LONG if state[-1] > 0 else Action.OPEN_SHORT
                decisions.append(
                    SymbolDecision(symbol, action, reason=f"SMA{self.fast} crossed SMA{self.slow}")
                )
        return Decision(timestamp=snapshot.timestamp, decisions=tuple(decisions), model=self.info)


class BuyAndHold:
    """Long every symbol from its first bar to the end."""

    lookback = 1

    def __init__(self) -> None:
        self.info = ModelInfo(name="buy-and-hold", version=RULES_VERSION, provider="rules")

    def plan(self, frame: MarketFrame) -> Mapping[str, SymbolPlan]:
        plans = {}
        for symbol, bars in frame.bars.items():
            plan = SymbolPlan.empty(len(frame.ts))
            valid = np.flatnonzero(~np.isnan(bars.close))
            if len(valid):
                plan.entry[int(valid[0])] = 1
            plans[symbol] = plan
        return plans

    def decide(self, snapshot: Snapshot) -> Decision:
        decisions = tuple(
            SymbolDecision(symbol, Action.OPEN_LONG, reason="buy and hold")
            for symbol in snapshot.symbols
            if symbol not in snapshot.positions
        )
        return Decision(timestamp=snapshot.timestamp, decisions=decisions, model=self.info)


def _uniform(seed: int, symbol: str, ts: np.ndarray) -> np.ndarray:
    """Deterministic U[0,1) per (seed, symbol, bar time), the same in `plan` and `decide`."""
    key = int.from_bytes(hashlib.sha256(f"{seed}:{symbol}".encode()).digest()[:8], "little")
    x = ts.astype(np.uint64) ^ np.uint64(key)
    # splitmix64 finaliser: well mixed, vectorised and reproducible across platforms.
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        x = x ^ (x >> np.uint64(31))
    return (x >> np.uint64(11)).astype(np.float64) / float(1 << 53)


class RandomEntries:
    """Enter at random bars (probability `entry_rate`), random side, close after `hold_bars`."""

    def __init__(self, seed: int = 0, entry_rate: float = 0.01, hold_bars: int = 24) -> None:
        if not 0 < entry_rate <= 1 or hold_bars < 1:
            raise ValueError("entry_rate must be in (0, 1] and hold_bars >= 1")
        self.seed, self.entry_rate, self.hold_bars = seed, entry_rate, hold_bars
        self.info = ModelInfo(name=f"random-{seed}", version=RULES_VERSION, provider="rules")
        self.lookback = hold_bars + 1

    def _signals(self, symbol: str, ts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        u = _uniform(self.seed, symbol, ts)
        enter = u < self.entry_rate
        side = np.where(_uniform(self.seed + 1, symbol, ts) < 0.5, 1, -1).astype(np.int8)
        return np.where(enter, side, 0).astype(np.int8), enter

    def plan(self, frame: MarketFrame) -> Mapping[str, SymbolPlan]:
        plans = {}
        for symbol, bars in frame.bars.items():
            entry, _ = self._signals(symbol, frame.ts)
            entry[np.isnan(bars.close)] = 0
            plan = SymbolPlan.empty(len(frame.ts))
            plan.entry[:] = entry
            exits = np.flatnonzero(entry != 0) + self.hold_bars
            plan.exit[exits[exits < len(frame.ts)]] = True
            plans[symbol] = plan
        return plans

    def decide(self, snapshot: Snapshot) -> Decision:
        decisions = []
        for symbol, view in snapshot.symbols.items():
            ts = view.candles.ts[-(self.hold_bars + 1) :]
            entry, _ = self._signals(symbol, ts)
            if entry[-1]:
                action = Action.OPEN_LONG if entry[-1] > 0 else Action.OPEN_SHORT
                decisions.append(SymbolDecision(symbol, action, reason="random entry"))
            elif len(entry) > self.hold_bars and entry[-1 - self.hold_bars] and symbol in snapshot.positions:
                decisions.append(SymbolDecision(symbol, Action.CLOSE, reason="holding period over"))
        return Decision(timestamp=snapshot.timestamp, decisions=tuple(decisions), model=self.info)
