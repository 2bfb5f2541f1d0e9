"""A run only uses a model that fits it, and a model that keeps failing makes a failed run."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import pytest

from alphaloop.cli.model import base_rate_warning
from alphaloop.decision.ml.artifact import check_model_text
from alphaloop.features.matrix import FEATURE_NAMES
from alphaloop.model import ConfigurationError
from alphaloop.model.decision import ModelInfo
from alphaloop.ops.model_fit import MAX_MODEL_ERROR_RATE, ModelErrorGuard, pick_artifact

BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"


def artifact(root: Path, name: str, *, timeframe: str = "1h", symbols: tuple[str, ...] = (BTC, ETH),
             created_ms: int = 1, features: tuple[str, ...] = FEATURE_NAMES) -> Path:  # fmt: skip
    folder = root / name
    folder.mkdir(parents=True)
    meta = {"timeframe": timeframe, "symbols": list(symbols), "feature_names": list(features),
            "created_ms": created_ms}  # fmt: skip
    (folder / "metadata.json").write_text(json.dumps(meta))
    (folder / "model.txt").write_text("tree\n")
    return folder


def test_the_newest_fitting_model_is_picked_not_the_newest(tmp_path: Path) -> None:
    fits = artifact(tmp_path, "a-1h", created_ms=1)
    artifact(tmp_path, "b-4h", timeframe="4h", created_ms=2)
    assert pick_artifact(None, tmp_path, "1h", (BTC,)) == fits


def test_no_fitting_model_is_refused_with_the_reason(tmp_path: Path) -> None:
    artifact(tmp_path, "b-4h", timeframe="4h")
    with pytest.raises(ConfigurationError, match="trained on 4h bars and this run uses 1h"):
        pick_artifact(None, tmp_path, "1h", (BTC,))
    assert pick_artifact(None, tmp_path / "none", "1h", (BTC,)) is None  # nothing at all: train one


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        ({"timeframe": "15m"}, "trained on 15m bars"),
        ({"symbols": (ETH,)}, "not trained on BTC/USDT:USDT"),
        ({"features": ("a_feature_from_the_future",)}, "features this version does not compute"),
    ],
)
def test_a_named_model_that_does_not_fit_is_refused(
    tmp_path: Path, options: dict[str, Any], reason: str
) -> None:
    folder = artifact(tmp_path, "m", **options)
    with pytest.raises(ConfigurationError, match=reason):
        pick_artifact(folder, tmp_path, "1h", (BTC,))


class _Failing:
    info = ModelInfo("failing", "1")
    lookback = 2

    def __init__(self, fail_every: int) -> None:
        self.fail_every, self.calls = fail_every, 0

    def decide(self, snapshot: Any) -> Any:
        self.calls += 1
        if self.calls % self.fail_every == 0:
            raise ValueError("features do not match")
        return "decision"


def test_the_guard_counts_errors_and_judges_the_rate() -> None:
    always = ModelErrorGuard(_Failing(1))
    for _ in range(5):
        with pytest.raises(ValueError, match="features do not match"):
            always.decide(None)  # type: ignore[arg-type]
    assert (always.calls, always.errors, always.failed()) == (5, 5, True)
    assert "FAILED RUN" in always.verdict()
    assert "features do not match" in always.verdict()
    sometimes = ModelErrorGuard(_Failing(10))
    for _ in range(10):
        with contextlib.suppress(ValueError):
            sometimes.decide(None)  # type: ignore[arg-type]
    assert sometimes.error_rate == pytest.approx(0.1)
    assert sometimes.error_rate < MAX_MODEL_ERROR_RATE
    assert not sometimes.failed()
    assert sometimes.lookback == 2
    assert sometimes.info.name == "failing"


def test_a_truncated_model_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "model.txt"
    path.write_text("tree\nversion=v4\ntree_sizes=10 10\n\nTree=0\nnum_leaves=2\n")
    with pytest.raises(ConfigurationError, match="truncated or not a LightGBM model"):
        check_model_text(path)


def test_train_warns_when_no_better_than_the_base_rate() -> None:
    assert base_rate_warning({"oof_logloss": 0.70, "oof_logloss_base_rate": 0.69, "oof_auc": 0.55})
    assert base_rate_warning({"oof_logloss": 0.60, "oof_logloss_base_rate": 0.69, "oof_auc": 0.49})
    assert base_rate_warning({"oof_logloss": 0.60, "oof_logloss_base_rate": 0.69, "oof_auc": 0.56}) is None


def test_a_run_whose_model_fails_on_most_cycles_is_a_failed_run(tmp_path: Path) -> None:
    """The trader turns each failure into a logged HOLD; the run still ends flagged as failed."""
    import asyncio

    from alphaloop.ops.trading import TradingOptions, run_embedded
    from tests.kit.trading import HOUR_MS, START_MS, SYMBOLS, ScriptedModel, trading_frame

    broken = ScriptedModel(lambda n, _snapshot: ValueError("feature shape mismatch") if n % 4 else [])
    result = asyncio.run(
        run_embedded(
            trading_frame(),
            broken,
            TradingOptions(strategy="scripted", symbols=SYMBOLS),
            start_ms=START_MS,
            end_ms=START_MS + 12 * HOUR_MS,
            journal_url=str(tmp_path / "j.sqlite"),
            report_dir=tmp_path,
        )
    )
    assert result.model_calls == 12
    assert result.model_errors == 9
    assert result.model_failed
    assert "FAILED RUN" in result.model_verdict
