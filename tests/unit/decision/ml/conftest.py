"""A tiny model trained once per session on a few months of real 1h bars (a second or two)."""

from __future__ import annotations

import pytest

from alphaloop.decision.ml import MlArtifact, TrainSettings, train
from alphaloop.model.frame import MarketFrame
from alphaloop.model.instruments import COMPETITION_SYMBOLS
from alphaloop.ops.backtest import parse_day
from tests.kit.backtest import real_frame

TRAIN_START = parse_day("2024-01-08")
TRAIN_END = parse_day("2024-04-01")
HORIZON = 4
#: Few rounds, two folds: a real model, small enough for unit tests.
TINY = TrainSettings(folds=2, max_rounds=40, early_stopping_rounds=10, min_rounds=5)
FIXED_NOW = 1_700_000_000_000


@pytest.fixture(scope="session")
def frame() -> MarketFrame:
    return real_frame(COMPETITION_SYMBOLS, "1h", "2024-01-01", "2024-05-01")


@pytest.fixture(scope="session")
def artifact(frame: MarketFrame) -> MlArtifact:
    return train(
        frame, start_ms=TRAIN_START, end_ms=TRAIN_END, horizon_bars=HORIZON, settings=TINY, now_ms=FIXED_NOW
    )
