"""Hybrid mode: the offline model's answer becomes part of the LLM's snapshot.

The offline model decides first; its per-symbol direction and confidence are added to each
symbol's `signal` (kept beside any signal already there) and its label, actions and explanation
(which names its top drivers) to the snapshot's `notes`. The LLM then sees them in its prompt
and makes the final call; both models are named in the resulting decision.
"""

from __future__ import annotations

from dataclasses import replace

from alphaloop.decision.llm.explanation import fit_explanation
from alphaloop.model.decision import Action, Decision, SymbolDecision
from alphaloop.model.snapshot import Snapshot

#: Characters of the offline model's explanation passed on (the prompt stays small).
OFFLINE_EXPLANATION_CHARS = 400


def with_offline_signal(snapshot: Snapshot, offline: Decision) -> Snapshot:
    symbols = {}
    for symbol, view in snapshot.symbols.items():
        decided = offline.for_symbol(symbol)
        signal = dict(view.signal)
        signal["offline_direction"] = float(decided.action.direction) if decided is not None else 0.0
        if decided is not None and decided.confidence is not None:
            signal["offline_confidence"] = decided.confidence
        symbols[symbol] = replace(view, signal=signal)
    notes = dict(snapshot.notes)
    notes["offline_model"] = offline.model.label
    notes["offline_actions"] = _actions(offline.decisions)
    if offline.explanation.strip():
        notes["offline_explanation"] = fit_explanation(
            offline.explanation, char_cap=OFFLINE_EXPLANATION_CHARS
        )
    return replace(snapshot, symbols=symbols, notes=notes)


def _actions(decisions: tuple[SymbolDecision, ...]) -> str:
    parts = []
    for d in decisions:
        if d.action is Action.HOLD:
            continue
        levels = []
        if d.stop_loss is not None:
            levels.append(f"stop {d.stop_loss:.8g}")
        if d.take_profit is not None:
            levels.append(f"target {d.take_profit:.8g}")
        if d.confidence is not None:
            levels.append(f"confidence {d.confidence:.2f}")
        parts.append(f"{d.symbol} {d.action}" + (f" ({', '.join(levels)})" if levels else ""))
    return "; ".join(parts) or "hold everything"
