"""Which trained model a run may use, and when a run's model failures make it a failed run.

A model trained on other bars (timeframe), other pairs or features this version does not compute
fails on every cycle; the trader turns each failure into a logged HOLD, so without these checks a
run "passes" with zero orders. `pick_artifact` chooses the newest artifact that fits the run and
refuses with one line when none does; `ModelErrorGuard` counts failing decisions so that a run
whose error rate passes `MAX_MODEL_ERROR_RATE` ends as a failure.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alphaloop.decision.base import DecisionModel
from alphaloop.model import ConfigurationError
from alphaloop.model.decision import Decision, ModelInfo
from alphaloop.model.snapshot import Snapshot

#: above this share of cycles with a model error the run has failed (exit 1, alert, report top)
MAX_MODEL_ERROR_RATE = 0.2
#: a paper/live session judges the rate only after this many cycles (one early hiccup is not a verdict)
MIN_CYCLES_FOR_RATE = 5

_METADATA = "metadata.json"
_MODEL = "model.txt"


@dataclass(frozen=True, slots=True)
class ArtifactFacts:
    path: Path
    timeframe: str
    symbols: tuple[str, ...]
    feature_names: tuple[str, ...]
    created_ms: int


def _facts(folder: Path) -> ArtifactFacts | None:
    try:
        meta = json.loads((folder / _METADATA).read_text(encoding="utf-8"))
        return ArtifactFacts(
            path=folder,
            timeframe=str(meta["timeframe"]),
            symbols=tuple(str(s) for s in meta["symbols"]),
            feature_names=tuple(str(f) for f in meta["feature_names"]),
            created_ms=int(meta.get("created_ms", 0)),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def misfit(facts: ArtifactFacts, timeframe: str, symbols: tuple[str, ...]) -> str | None:
    """Why the artifact cannot serve a run of `timeframe` bars on `symbols`, or None if it can."""
    from alphaloop.features.matrix import FEATURE_NAMES

    if facts.timeframe != timeframe:
        return f"it was trained on {facts.timeframe} bars and this run uses {timeframe}"
    unknown = [name for name in facts.feature_names if name not in FEATURE_NAMES]
    if unknown:
        return f"it needs features this version does not compute ({', '.join(unknown[:3])})"
    missing = [s for s in symbols if s not in facts.symbols]
    if missing:
        return f"it was not trained on {', '.join(missing)}"
    return None


def pick_artifact(
    path: Path | None, models_dir: Path, timeframe: str, symbols: tuple[str, ...]
) -> Path | None:
    """`path` if it fits the run, else the newest fitting artifact under `models_dir`; None when
    there is none at all (the caller may train one); a one-line `ConfigurationError` otherwise."""
    if path is not None:
        facts = _facts(path.parent if path.is_file() else path)
        if facts is None:
            return path  # MlArtifact.load says what is wrong with it
        reason = misfit(facts, timeframe, symbols)
        if reason is not None:
            raise ConfigurationError(
                f"--model {path} does not fit this run: {reason}; train one with "
                f"`alphaloop model train --timeframe {timeframe}` or pick another with `alphaloop model list`"
            )
        return path
    if not models_dir.is_dir():
        return None
    found = [
        f
        for f in (
            _facts(p.parent) for p in models_dir.glob(f"*/{_METADATA}") if (p.parent / _MODEL).is_file()
        )
        if f is not None
    ]
    if not found:
        return None
    found.sort(key=lambda f: (f.created_ms, f.path.name), reverse=True)
    for facts in found:
        if misfit(facts, timeframe, symbols) is None:
            return facts.path
    newest = found[0]
    raise ConfigurationError(
        f"no trained model in {models_dir} fits this run ({timeframe}, {len(symbols)} symbols): the newest, "
        f"{newest.path.name}, does not because {misfit(newest, timeframe, symbols)}; train one with "
        f"`alphaloop model train --timeframe {timeframe}` or pass --model PATH"
    )


class ModelErrorGuard:
    """A decision model that counts its failures (then re-raises them for the trader to log)."""

    def __init__(self, inner: DecisionModel) -> None:
        self.inner = inner
        self.info: ModelInfo = inner.info
        self.lookback: int = inner.lookback
        self.calls = 0
        self.errors = 0
        self.last_error: str | None = None

    def decide(self, snapshot: Snapshot) -> Decision:
        self.calls += 1
        try:
            return self.inner.decide(snapshot)
        except Exception as exc:
            self.errors += 1
            self.last_error = f"{type(exc).__name__}: {exc}"
            raise

    def __getattr__(self, name: str) -> Any:
        # other attributes (an ML model's artifact, an LLM agent's stats) stay reachable
        return getattr(self.inner, name)

    @property
    def error_rate(self) -> float:
        return self.errors / self.calls if self.calls else 0.0

    def failed(self, *, min_cycles: int = 1) -> bool:
        return self.calls >= min_cycles and self.error_rate > MAX_MODEL_ERROR_RATE

    def verdict(self) -> str:
        """One line for the top of a summary."""
        text = f"model errors: {self.errors:,} of {self.calls:,} cycles ({self.error_rate:.0%})"
        if self.failed():
            text += f" - above {MAX_MODEL_ERROR_RATE:.0%}: FAILED RUN"
            if self.last_error:
                text += f"; last: {self.last_error[:200]}"
        return text
