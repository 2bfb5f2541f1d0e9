"""Study files: valid ones parse, bad ones fail in one line naming the key; the lockbox is refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from alphaloop.model.frame import Bars, FundingSeries, MarketFrame
from alphaloop.research.lockbox import (
    LOCKBOX_END_MS,
    LOCKBOX_START_MS,
    LockboxError,
    assert_outside_lockbox,
    check_search_range,
    clip_search_range,
    load_search_frame,
)
from alphaloop.research.spec import StudyError, TrialConfig, load_study_file, parse_study, sample_config
from alphaloop.research.trial import prepare

DAY = 86_400_000
HOUR = 3_600_000

GOOD = """
[study]
name = "ls-1h"
drawdown_penalty = 1.5

[space]
family = ["classifier", "regressor"]
horizon_bars = { low = 4, high = 24, step = 4 }
learning_rate = { low = 0.01, high = 0.1, log = true }
feature_set = ["all", "price_cross", "price_carry"]
leverage = 2
"""


def test_a_study_file_parses_into_ranges_choices_and_fixed_values(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text(GOOD)
    study = load_study_file(path)
    assert study.study.name == "ls-1h"
    assert study.study.folds_start == "2023-07-01"
    assert len(study.study.symbols) == 8
    assert study.fixed() == {"leverage": 2}


class _Fake:
    """Picks the low end of ranges and the last choice, recording what was asked."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def suggest_int(self, name: str, low: int, high: int, *, step: int = 1, log: bool = False) -> int:
        self.asked.append(name)
        return high

    def suggest_float(self, name: str, low: float, high: float, *, log: bool = False) -> float:
        self.asked.append(name)
        return low

    def suggest_categorical(self, name: str, choices: Any) -> Any:
        self.asked.append(name)
        return choices[-1]


def test_sampling_suggests_only_the_searched_keys_and_keeps_defaults() -> None:
    space = {"horizon_bars": {"low": 4, "high": 24}, "family": ["classifier", "regressor"], "leverage": 3}
    study = parse_study({"study": {"name": "x"}, "space": space})
    fake = _Fake()
    config = sample_config(study, fake)
    assert fake.asked == ["horizon_bars", "family"]
    assert (config.horizon_bars, config.family, config.leverage) == (24, "regressor", 3)
    assert config.num_leaves == TrialConfig().num_leaves


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"study": {"name": "x"}, "space": {"horizon": 8}}, "unknown parameter 'horizon'"),
        ({"study": {"name": "x"}, "space": {"leverage": {"low": 1, "high": 50}}}, "leverage = 50"),
        ({"study": {"name": "x"}, "space": {"feature_set": ["all", "magic"]}}, "unknown feature set 'magic'"),
        ({"study": {"name": "x"}, "space": {"family": []}}, "empty list"),
        ({"study": {"name": "x"}, "space": {"num_leaves": {"low": 30, "high": 3}}}, "high 3 < low 30"),
        ({"study": {"name": "x", "folds_end": "2025-03-01"}}, "lockbox"),
        ({"study": {"name": "x", "folds_start": "2024-02-01", "folds_end": "2024-01-01"}}, "empty range"),
        ({"study": {"name": "x", "folds_start": "2024-13-01"}}, "not a date"),
        ({"study": {"name": "bad name"}}, "study.name"),
        ({"study": {"name": "x", "timeframe": "7m"}}, "unknown timeframe"),
        ({"study": {"name": "x", "colour": "red"}}, "colour"),
    ],
)
def test_bad_studies_fail_in_one_line_naming_the_problem(data: dict[str, Any], message: str) -> None:
    with pytest.raises(StudyError) as caught:
        parse_study(data)
    text = str(caught.value)
    assert message in text
    assert "\n" not in text


def test_a_file_that_is_not_toml_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text("[study\nname=")
    with pytest.raises(StudyError, match="not valid TOML"):
        load_study_file(path)
    with pytest.raises(StudyError, match="cannot read"):
        load_study_file(tmp_path / "missing.toml")


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (LOCKBOX_START_MS - DAY, LOCKBOX_START_MS + 1),  # ends one ms inside
        (LOCKBOX_START_MS + 10 * DAY, LOCKBOX_START_MS + 20 * DAY),  # wholly inside
        (LOCKBOX_START_MS - DAY, LOCKBOX_END_MS + DAY),  # spans it
        (LOCKBOX_END_MS - 1, LOCKBOX_END_MS + DAY),  # starts on its last ms
    ],
)
def test_search_ranges_touching_the_lockbox_are_refused(start: int, end: int) -> None:
    with pytest.raises(LockboxError, match="lockbox"):
        check_search_range(start, end)


def test_ranges_beside_the_lockbox_pass_and_open_ends_are_clipped() -> None:
    check_search_range(LOCKBOX_START_MS - 30 * DAY, LOCKBOX_START_MS)  # half-open: ends right before
    check_search_range(LOCKBOX_END_MS, LOCKBOX_END_MS + DAY)
    assert clip_search_range(LOCKBOX_START_MS - DAY, None) == (LOCKBOX_START_MS - DAY, LOCKBOX_START_MS)
    assert clip_search_range(LOCKBOX_START_MS - DAY, LOCKBOX_END_MS)[1] == LOCKBOX_START_MS
    with pytest.raises(LockboxError):
        clip_search_range(LOCKBOX_START_MS, None)


def test_the_search_loader_refuses_before_reading_any_file(tmp_path: Path) -> None:
    # An empty data folder: were the range allowed, the error would be "no candles", not the lockbox.
    with pytest.raises(LockboxError, match="lockbox"):
        load_search_frame(
            ["BTC/USDT:USDT"], "1h", start_ms=LOCKBOX_START_MS - DAY, end_ms=LOCKBOX_START_MS + HOUR,
            data_dir=tmp_path,
        )  # fmt: skip


def _frame(start_ms: int, bars: int) -> MarketFrame:
    ts = start_ms + HOUR * np.arange(bars, dtype=np.int64)
    price = 100.0 + np.cumsum(np.ones(bars))
    b = Bars(open=price, high=price + 1, low=price - 1, close=price, volume=np.ones(bars))
    return MarketFrame("1h", ts, {"BTC/USDT:USDT": b}, {"BTC/USDT:USDT": FundingSeries.empty()})


def test_a_frame_holding_one_lockbox_bar_cannot_be_prepared_for_a_search() -> None:
    clean = _frame(LOCKBOX_START_MS - 300 * HOUR, 300)  # last bar closes exactly at the lockbox start
    assert_outside_lockbox(clean)
    prepare(clean)
    leaky = _frame(LOCKBOX_START_MS - 300 * HOUR, 301)
    with pytest.raises(LockboxError):
        assert_outside_lockbox(leaky)
    with pytest.raises(LockboxError):
        prepare(leaky)
    prepare(leaky, lockbox=True)  # only the final evaluation asks for it


def test_every_named_feature_set_uses_features_the_matrix_computes() -> None:
    from alphaloop.features.matrix import FEATURE_NAMES
    from alphaloop.research.spec import FEATURE_SETS

    for name, features in FEATURE_SETS.items():
        assert features, name
        assert set(features) <= set(FEATURE_NAMES), name
        assert len(set(features)) == len(features), name
    assert "funding_rate" not in FEATURE_SETS["price"]
    assert "rank_ret_24" in FEATURE_SETS["price_cross"]
