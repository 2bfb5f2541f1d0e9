"""Explanations: the strongest contributions toward the decision, named with their values, capped."""

from __future__ import annotations

import numpy as np

from alphaloop.decision.ml.explain import clip_words, describe_drivers, symbol_sentence, top_drivers
from alphaloop.model.ailog import word_count
from alphaloop.model.decision import Action

NAMES = ("ret_24", "rsi_14", "funding_rate", "hour")
VALUES = np.array([0.021, 28.4, 0.0001, 14.0])
TERMS = np.array([0.08, -0.05, 0.02, 0.11, -0.6])  # the last term is the bias, never a driver


def test_drivers_push_toward_the_decision_strongest_first() -> None:
    up = top_drivers(NAMES, VALUES, TERMS, direction=1, count=2)
    assert [name for name, _, _ in up] == ["hour", "ret_24"]
    down = top_drivers(NAMES, VALUES, TERMS, direction=-1, count=3)
    assert [name for name, _, _ in down] == ["rsi_14"]  # only one feature pushes down
    assert [name for name, _, _ in top_drivers(NAMES, VALUES, TERMS, direction=0, count=1)] == ["hour"]


def test_sentences_name_features_in_words_with_their_values() -> None:
    drivers = top_drivers(NAMES, VALUES, TERMS, direction=1, count=2)
    assert describe_drivers(drivers) == "hour of day 14:00 UTC (+0.110); 24-bar return +2.10% (+0.080)"
    sentence = symbol_sentence("ETH/USDT:USDT", Action.OPEN_LONG, 0.613, 8, drivers)
    assert sentence.startswith("ETH/USDT:USDT: open long, p(up over 8 bars) = 0.61. Drivers (log-odds): hour")


def test_explanations_are_cut_to_the_word_limit() -> None:
    text = " ".join(["word"] * 600)
    clipped = clip_words(text, 500)
    assert word_count(clipped) == 500
    assert clipped.endswith("…")
    assert clip_words("short text", 500) == "short text"
