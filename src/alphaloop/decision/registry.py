"""Strategies and models selectable by name (`--strategy NAME`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alphaloop.decision.base import DecisionModel
from alphaloop.decision.rules import BuyAndHold, RandomEntries, SmaCross
from alphaloop.model.errors import ConfigurationError

RULE_STRATEGIES = ("sma", "hold", "random")
STRATEGIES = (*RULE_STRATEGIES, "ml", "llm")


@dataclass(frozen=True, slots=True)
class StrategyOptions:
    seed: int = 0
    #: `ml`: an artifact path; None = the latest in the models directory.
    model_path: Path | None = None
    models_dir: Path | None = None
    #: `random`: chance of an entry per symbol and bar, and the holding period in bars
    #: `ml`: p(up) needed to open long (1 - it: short); None = the thresholds learnt in training
    entry_threshold: float | None = None
    entry_rate: float = 0.01
    hold_bars: int = 24


def build_strategy(name: str, options: StrategyOptions | None = None) -> DecisionModel:
    """The model behind `--strategy NAME` (`llm` is built by `decision.llm`, it needs a config)."""
    options = options or StrategyOptions()
    if name == "sma":
        return SmaCross()
    if name == "hold":
        return BuyAndHold()
    if name == "random":
        return RandomEntries(seed=options.seed, entry_rate=options.entry_rate, hold_bars=options.hold_bars)
    if name == "ml":
        from alphaloop.decision.ml import load_model

        return load_model(
            options.model_path, models_dir=options.models_dir, entry_threshold=options.entry_threshold
        )
    raise ConfigurationError(f"unknown strategy {name!r}: choose one of {', '.join(STRATEGIES)}")
