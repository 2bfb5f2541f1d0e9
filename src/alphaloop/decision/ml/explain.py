"""Plain-language explanations from the model's own per-feature contributions (TreeSHAP).

LightGBM's `pred_contrib` splits each raw score (log-odds of "up") into one term per feature
plus a bias; the largest terms in the direction of the decision are its drivers, named with the
feature's meaning and value.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from alphaloop.features.matrix import FEATURE_SPECS, FeatureSpec
from alphaloop.features.rolling import FloatArray
from alphaloop.model.ailog import MAX_EXPLANATION_WORDS, word_count
from alphaloop.model.decision import Action

_VERB = {
    Action.OPEN_LONG: "open long",
    Action.OPEN_SHORT: "open short",
    Action.CLOSE: "close",
    Action.HOLD: "hold",
}


def _spec(name: str) -> FeatureSpec:
    return FEATURE_SPECS.get(name) or FeatureSpec(name, name, "number")


def top_drivers(
    names: Sequence[str], values: FloatArray, contributions: FloatArray, *, direction: int, count: int = 3
) -> list[tuple[str, float, float]]:
    """The `count` features pushing hardest toward `direction` (+1 up, -1 down; 0: by size),
    as (name, value, log-odds contribution); `contributions` has one term per name (no bias)."""
    terms = np.asarray(contributions[: len(names)], dtype=np.float64)
    strength = terms * direction if direction else np.abs(terms)
    order = np.argsort(-strength, kind="stable")
    chosen = [int(j) for j in order[:count] if strength[j] > 0] or [int(j) for j in order[:1]]
    return [(names[j], float(values[j]), float(terms[j])) for j in chosen]


def describe_drivers(drivers: Sequence[tuple[str, float, float]]) -> str:
    parts = [
        f"{_spec(name).description} {_spec(name).format(value)} ({term:+.3f})"
        for name, value, term in drivers
    ]
    return "; ".join(parts)


def symbol_sentence(
    symbol: str,
    action: Action,
    probability: float,
    horizon_bars: int,
    drivers: Sequence[tuple[str, float, float]],
    *,
    note: str = "",
) -> str:
    head = f"{symbol}: {_VERB[action]}, p(up over {horizon_bars} bars) = {probability:.2f}"
    if note:
        head += f", {note}"
    if not drivers:
        return head + "."
    return f"{head}. Drivers (log-odds): {describe_drivers(drivers)}."


def hold_summary(probabilities: dict[str, float], *, lead: str) -> str:
    if not probabilities:
        return ""
    listed = ", ".join(
        f"{symbol.split('/')[0]} {p:.2f}" if np.isfinite(p) else f"{symbol.split('/')[0]} n/a"
        for symbol, p in probabilities.items()
    )
    return f"{lead}; p(up): {listed}."


def clip_words(text: str, limit: int = MAX_EXPLANATION_WORDS) -> str:
    """`text` cut to `limit` words (the AI-log cap), marked with an ellipsis when cut."""
    if word_count(text) <= limit:
        return text
    return " ".join(text.split()[: limit - 1]) + " …"
