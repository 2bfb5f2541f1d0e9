"""The provenance guard: a model is not backtested on the bars it learnt from without saying so."""

from __future__ import annotations

from pathlib import Path

import pytest

from alphaloop.backtest.runner import BacktestConfig
from alphaloop.backtest.summary import render_summary_table, run_labels
from alphaloop.decision.ml import (
    InSampleError,
    MlArtifact,
    MlModel,
    TrainingRange,
    check_out_of_sample,
    training_range_of,
)
from alphaloop.decision.rules import SmaCross
from alphaloop.model.frame import MarketFrame
from alphaloop.ops.backtest import BacktestRequest, parse_day, run_backtest_report
from tests.kit.data import data_dir
from tests.unit.decision.ml.conftest import HORIZON, TRAIN_END, TRAIN_START

HOUR = 3_600_000
TRAINED = TrainingRange("abc123", parse_day("2024-01-01"), parse_day("2024-04-01"), 8 * HOUR)


def test_a_period_after_the_training_range_and_its_purge_is_out_of_sample() -> None:
    after = TRAINED.end_ms + TRAINED.purge_ms
    assert check_out_of_sample(TRAINED, after, after + 30 * 24 * HOUR) is False
    assert check_out_of_sample(TRAINED, parse_day("2023-01-01"), TRAINED.start_ms) is False
    assert check_out_of_sample(None, TRAINED.start_ms, TRAINED.end_ms) is False  # a rule learnt nothing


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2024-02-01", "2024-03-01"),  # inside
        ("2023-12-01", "2024-01-02"),  # touches the start
        ("2024-03-31", "2024-06-01"),  # straddles the end
    ],
)
def test_an_overlap_is_refused_with_one_line_naming_both_ranges(start: str, end: str) -> None:
    with pytest.raises(InSampleError) as refused:
        check_out_of_sample(TRAINED, parse_day(start), parse_day(end))
    text = str(refused.value)
    assert "\n" not in text
    assert start in text
    assert "2024-01-01" in text
    assert "2024-04-01" in text
    assert "abc123" in text
    assert "--allow-in-sample" in text
    assert check_out_of_sample(TRAINED, parse_day(start), parse_day(end), allow_in_sample=True) is True


def test_the_purge_after_the_training_end_is_in_sample_too() -> None:
    # The last training labels looked 8 h past the end: a test starting at the end is tainted.
    inside_purge = TRAINED.end_ms + 4 * HOUR
    with pytest.raises(InSampleError, match="8h purge"):
        check_out_of_sample(TRAINED, TRAINED.end_ms, inside_purge + 24 * HOUR)
    without_purge = TrainingRange("abc123", TRAINED.start_ms, TRAINED.end_ms, 0)
    assert check_out_of_sample(without_purge, TRAINED.end_ms, inside_purge) is False


def test_the_artifact_records_its_range_and_purge_and_keeps_them_on_disk(
    artifact: MlArtifact, frame: MarketFrame, tmp_path: Path
) -> None:
    trained = artifact.training_range
    assert (trained.start_ms, trained.end_ms) == (TRAIN_START, TRAIN_END)
    assert trained.purge_ms == HORIZON * frame.step_ms
    assert artifact.metadata()["purge_ms"] == HORIZON * frame.step_ms
    loaded = MlArtifact.load(artifact.save(tmp_path / "m"))
    assert loaded.training_range == trained
    assert training_range_of(MlModel(loaded)) == trained
    assert training_range_of(SmaCross()) is None


def test_a_backtest_inside_the_training_range_exits_unless_allowed_then_says_in_sample(
    artifact: MlArtifact,
) -> None:
    model = MlModel(artifact)
    request = BacktestRequest(
        symbols=["BTC/USDT:USDT", "ETH/USDT:USDT"],
        timeframe="1h",
        start_ms=parse_day("2024-03-01"),
        end_ms=parse_day("2024-04-15"),
        config=BacktestConfig(),
        seeds=2,
        data_dir=data_dir(),
    )
    with pytest.raises(InSampleError, match="2024-03-01"):
        run_backtest_report(request, model)
    allowed = run_backtest_report(BacktestRequest(**{**_fields(request), "allow_in_sample": True}), model)
    summary = allowed.summary
    assert summary["in_sample"] is True
    assert summary["model"] == {
        "version": artifact.version,
        "train_start": "2024-01-08T00:00:00Z",
        "train_end": "2024-04-01T00:00:00Z",
        "purge_ms": HORIZON * HOUR,
    }
    assert run_labels(summary) == ["IN-SAMPLE"]
    assert "IN-SAMPLE" in str(render_summary_table(summary).title)

    clean = run_backtest_report(
        BacktestRequest(**{**_fields(request), "start_ms": parse_day("2024-04-02")}), model
    )
    assert clean.summary["in_sample"] is False
    assert "IN-SAMPLE" not in str(render_summary_table(clean.summary).title)


def _fields(request: BacktestRequest) -> dict[str, object]:
    return {name: getattr(request, name) for name in BacktestRequest.__dataclass_fields__}
