"""Provenance guard: a model is never evaluated on the bars it learnt from without saying so.

A trained artifact records the range of bars it was fitted on, [train_start, train_end), and the
purge that follows it (the label horizon: rows near `train_end` looked that far ahead, so the
bars up to `train_end + purge` are still tainted). A backtest, replay or `alphaloop run` over a
period that overlaps [train_start, train_end + purge) is in-sample: its figures measure memory,
not skill. `check_out_of_sample` refuses such a period with one line naming both ranges, unless
the caller explicitly allows it (then the run is labelled IN-SAMPLE everywhere). Pure.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from alphaloop.model.errors import ConfigurationError

#: The label every table and report carries for a run that overlaps its model's training range.
IN_SAMPLE_LABEL = "IN-SAMPLE"


class InSampleError(ConfigurationError):
    """The tested period overlaps the model's training range (plus purge) and that was not allowed."""


@dataclass(frozen=True, slots=True)
class TrainingRange:
    """What a model was fitted on: bars in [start_ms, end_ms), tainted until end_ms + purge_ms."""

    version: str
    start_ms: int
    end_ms: int
    purge_ms: int = 0

    @property
    def tainted_until_ms(self) -> int:
        return self.end_ms + max(self.purge_ms, 0)

    def to_json(self) -> dict[str, object]:
        """The summary's `model` object."""
        return {
            "version": self.version,
            "train_start": _iso(self.start_ms),
            "train_end": _iso(self.end_ms),
            "purge_ms": self.purge_ms,
        }


def overlaps(trained: TrainingRange, start_ms: int, end_ms: int) -> bool:
    """Whether the period [start_ms, end_ms) shares a bar with the training range or its purge."""
    return start_ms < trained.tainted_until_ms and end_ms > trained.start_ms


def check_out_of_sample(
    trained: TrainingRange | None, start_ms: int, end_ms: int, *, allow_in_sample: bool = False
) -> bool:
    """True when the period is in-sample (and that was allowed); False when it is out of sample
    or the model learnt nothing from data (`trained` None: a rule). Raises `InSampleError`, one
    line naming both ranges, for an overlap that was not allowed."""
    if trained is None or not overlaps(trained, start_ms, end_ms):
        return False
    if allow_in_sample:
        return True
    purge = f" + {_duration(trained.purge_ms)} purge" if trained.purge_ms > 0 else ""
    raise InSampleError(
        f"tested period {_iso(start_ms)} → {_iso(end_ms)} overlaps the training range of model "
        f"{trained.version}, {_iso(trained.start_ms)} → {_iso(trained.end_ms)}{purge}: "
        "test after the training range, or pass --allow-in-sample to label the run IN-SAMPLE"
    )


def training_range_of(model: object) -> TrainingRange | None:
    """The training range of a decision model: an ML model's artifact, or the ML model an LLM
    hybrid consults; None for a rule that learnt nothing."""
    # The LLM guard keeps the ML model it consults (hybrid) or falls back on in private slots.
    for candidate in (model, getattr(model, "_offline", None), getattr(model, "_fallback", None)):
        artifact = getattr(candidate, "artifact", None)
        if artifact is None:
            continue
        recorded = getattr(artifact, "training_range", None)
        if isinstance(recorded, TrainingRange):
            return recorded
    return None


def _iso(ms: int) -> str:
    moment = dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC)
    return moment.isoformat().replace("+00:00", "Z")


def _duration(ms: int) -> str:
    return f"{ms / 3_600_000:g}h" if ms % 3_600_000 == 0 else f"{ms / 60_000:g}min"
