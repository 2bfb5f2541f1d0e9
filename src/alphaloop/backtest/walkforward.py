"""Walk-forward splits: train on the past, test on the period right after it, move on.

For models that learn. Each window trains on [train_start, train_end) and tests on
[test_start, test_end) with test_start = train_end + gap: the gap purges the rows whose labels
(forward returns over a horizon) would reach into the test period. Times are ms UTC,
intervals half-open, and no test period overlaps another.

```
rolling:   |--train--|gap|test|
                |--train--|gap|test|
anchored:  |--train--|gap|test|
           |------train------|gap|test|
```
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from alphaloop.model.errors import ConfigurationError
from alphaloop.model.snapshot import IntArray


@dataclass(frozen=True, slots=True)
class WalkForwardWindow:
    train_start_ms: int
    train_end_ms: int
    test_start_ms: int
    test_end_ms: int

    def train_rows(self, ts: IntArray) -> slice:
        """The positions of sorted times `ts` inside the training period."""
        return _rows(ts, self.train_start_ms, self.train_end_ms)

    def test_rows(self, ts: IntArray) -> slice:
        return _rows(ts, self.test_start_ms, self.test_end_ms)

    def train_mask(self, ts: IntArray) -> np.ndarray:
        """Which of (unsorted) times `ts` fall in the training period."""
        return (ts >= self.train_start_ms) & (ts < self.train_end_ms)

    def test_mask(self, ts: IntArray) -> np.ndarray:
        return (ts >= self.test_start_ms) & (ts < self.test_end_ms)


def _rows(ts: IntArray, start: int, end: int) -> slice:
    return slice(int(np.searchsorted(ts, start, side="left")), int(np.searchsorted(ts, end, side="left")))


def walk_forward_windows(
    start_ms: int,
    end_ms: int,
    *,
    train_ms: int,
    test_ms: int,
    step_ms: int | None = None,
    gap_ms: int = 0,
    anchored: bool = False,
) -> list[WalkForwardWindow]:
    """Windows covering [start_ms, end_ms): the first trains on [start, start + train_ms), each next
    one moves forward by `step_ms` (default: `test_ms`, so test periods tile the span). `anchored`
    keeps every training period starting at `start_ms` (expanding). The last test period is cut
    at `end_ms`; a window whose test period would be empty is not produced."""
    step = test_ms if step_ms is None else step_ms
    if end_ms <= start_ms:
        raise ConfigurationError(f"walk-forward span is empty: start {start_ms} >= end {end_ms}")
    if train_ms <= 0 or test_ms <= 0 or step <= 0:
        raise ConfigurationError("walk-forward train, test and step lengths must be positive")
    if gap_ms < 0:
        raise ConfigurationError("walk-forward gap must be >= 0")
    if step < test_ms:
        raise ConfigurationError(
            f"step {step} ms is shorter than the test period {test_ms} ms: tests would overlap"
        )
    if start_ms + train_ms + gap_ms >= end_ms:
        raise ConfigurationError(
            "walk-forward span too short for one training period, the gap and a test period"
        )
    windows = []
    train_end = start_ms + train_ms
    while train_end + gap_ms < end_ms:
        test_start = train_end + gap_ms
        train_start = start_ms if anchored else train_end - train_ms
        windows.append(
            WalkForwardWindow(train_start, train_end, test_start, min(test_start + test_ms, end_ms))
        )
        train_end += step
    return windows


def expanding_folds(
    start_ms: int, end_ms: int, *, folds: int, first_train_fraction: float = 0.5, gap_ms: int = 0
) -> list[WalkForwardWindow]:
    """Up to `folds` anchored windows: the first trains on `first_train_fraction` of the span, the rest
    of the span is cut into `folds` equal consecutive test periods (out-of-fold predictions for
    every bar after the first training period)."""
    if folds < 1:
        raise ConfigurationError("need at least one fold")
    if not 0.0 < first_train_fraction < 1.0:
        raise ConfigurationError("first_train_fraction must be between 0 and 1")
    span = end_ms - start_ms
    train_ms = int(span * first_train_fraction)
    test_ms = -(-(span - train_ms - gap_ms) // folds)
    if test_ms <= 0:
        raise ConfigurationError("walk-forward span too short for the requested folds and gap")
    # Anchored with step = test period: the test periods tile the rest of the span, and every
    # training period ends `gap_ms` before its test starts (at most `folds` windows: rounding
    # can leave fewer on very short spans).
    return walk_forward_windows(
        start_ms, end_ms, train_ms=train_ms, test_ms=test_ms, gap_ms=gap_ms, anchored=True
    )
