"""`alphaloop research final`: the chosen configuration, once, on the lockbox; then the artifact.

1. A lockbox evaluation row is written to the study database (before any lockbox bar is read).
2. The configuration walks forward over 2025-01-01..2025-09-30 with its own retraining schedule,
   net of fees and funding, with the nulls on every fold.
3. The shippable model is trained on the latest `train_days` of data and saved with its
   provenance: training range, study, trial, and the lockbox figures that justified it.
Nothing here feeds back into a search: the figures are for the record and the report.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from alphaloop.decision.ml.artifact import MlArtifact, model_version
from alphaloop.decision.ml.calibration import Calibrator
from alphaloop.model.errors import ConfigurationError
from alphaloop.model.market import TIMEFRAME_MS
from alphaloop.research.lockbox import LOCKBOX_END_MS, LOCKBOX_START_MS, day, load_lockbox_frame
from alphaloop.research.search import fold_row, load_spec, trial_config, winner
from alphaloop.research.spec import Study, TrialConfig
from alphaloop.research.store import EvaluationStore
from alphaloop.research.summary import aggregate, null_aggregates, null_comparison
from alphaloop.research.trial import (
    DAY_MS,
    FittedModel,
    Prepared,
    TrialResult,
    fit_target,
    fit_window,
    lead_start,
    prepare,
    run_trial,
)

RESEARCH_FILE = "research.json"


@dataclass(frozen=True, slots=True)
class FinalResult:
    evaluation_id: int
    trial_number: int
    #: Lockbox looks recorded for this study before this one.
    earlier_looks: int
    result: TrialResult
    figures: dict[str, Any]
    artifact: Path


def _sigmoid(x: float) -> float:
    return float(1.0 / (1.0 + np.exp(-x)))


def save_artifact(
    model: FittedModel,
    study: Study,
    config: TrialConfig,
    trial_number: int,
    out_dir: Path,
    lockbox: dict[str, Any],
) -> Path:
    """Write model.txt + research.json (config, thresholds, provenance); a classifier also gets
    the offline model's metadata.json, so `alphaloop backtest --strategy ml --model DIR` runs it."""
    settings = study.study
    provenance = {
        "study": settings.name,
        "trial": trial_number,
        "train_start": day(model.train_start_ms),
        "train_end": day(model.train_end_ms),
        "train_start_ms": model.train_start_ms,
        "train_end_ms": model.train_end_ms,
        "lockbox": {"start": day(LOCKBOX_START_MS), "end": day(LOCKBOX_END_MS), **lockbox},
    }
    params = {"rounds": model.rounds, **config.model_dump(mode="json")}
    version = model_version(
        timeframe=settings.timeframe,
        symbols=tuple(settings.symbols),
        start_ms=model.train_start_ms,
        end_ms=model.train_end_ms,
        horizon_bars=config.horizon_bars,
        feature_names=model.feature_names,
        params=params,
        settings={"research": settings.name, "trial": trial_number},
    )
    directory = out_dir / f"research-{settings.name}-t{trial_number}-{version}"
    long_p, short_p = _sigmoid(model.long_at), _sigmoid(model.short_at)
    ml_compatible = config.family == "classifier" and 0.0 < short_p < 0.5 < long_p < 1.0
    if config.family == "classifier":
        MlArtifact(
            booster=model.booster,
            version=version,
            timeframe=settings.timeframe,
            symbols=tuple(settings.symbols),
            start_ms=model.train_start_ms,
            end_ms=model.train_end_ms,
            horizon_bars=config.horizon_bars,
            feature_names=model.feature_names,
            params=params,
            settings={"research": settings.name, "trial": trial_number},
            # Raw score -> p(up) = sigmoid(raw): the thresholds below are in that space.
            calibration=Calibrator("identity"),
            metrics={"long_threshold": long_p, "short_threshold": short_p},
            created_ms=int(time.time() * 1000),
        ).save(directory)
    else:
        directory.mkdir(parents=True, exist_ok=True)
        model.booster.save_model(str(directory / "model.txt"), num_iteration=model.rounds)
    record = {
        "version": version,
        "config": config.model_dump(mode="json"),
        "rounds": model.rounds,
        "long_at_raw": model.long_at,
        "short_at_raw": model.short_at,
        "feature_names": list(model.feature_names),
        "ml_compatible": ml_compatible,
        "provenance": provenance,
    }
    (directory / RESEARCH_FILE).write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    return directory


def lockbox_figures(result: TrialResult) -> dict[str, Any]:
    strategy = aggregate(result.folds)
    nulls = null_aggregates(result.folds)
    return {
        "strategy": strategy.to_dict(),
        "nulls": null_comparison(strategy, nulls),
        "folds": [fold_row(f) for f in result.folds],
    }


def _lockbox_data(study: Study, config: TrialConfig, data_dir: Path | None) -> Prepared:
    step = TIMEFRAME_MS[study.study.timeframe]
    warmup = LOCKBOX_START_MS - lead_start(LOCKBOX_START_MS, config.train_days, config.horizon_bars, step)
    frame = load_lockbox_frame(
        study.study.symbols, study.study.timeframe, warmup_ms=warmup, data_dir=data_dir
    )
    return prepare(frame, lockbox=True)


def final_evaluation(
    url: str,
    name: str,
    *,
    out_dir: Path,
    trial_number: int | None = None,
    data_dir: Path | None = None,
    null_seeds: int = 10,
) -> FinalResult:
    handle, study = load_spec(url, name)
    if trial_number is None:
        trial = winner(handle)
    else:
        matches = [t for t in handle.get_trials(deepcopy=False) if t.number == trial_number]
        if not matches or "config" not in matches[0].user_attrs or matches[0].state.name != "COMPLETE":
            raise ConfigurationError(f"trial {trial_number} of {name!r} is not a completed trial")
        trial = matches[0]
    config = trial_config(trial)
    with EvaluationStore(url) as store:
        earlier = len(store.list(name))
        evaluation_id = store.start(name, trial.number)
        data = _lockbox_data(study, config, data_dir)
        result = run_trial(
            data, study.study, config, span=(LOCKBOX_START_MS, LOCKBOX_END_MS), null_seeds=null_seeds
        )
        figures = lockbox_figures(result)
        # The shipped model learns from the latest data, purged like every fold.
        step = data.frame.step_ms
        end = int(data.frame.ts[-1]) + step - (config.horizon_bars + 1) * step
        model = fit_window(data, config, fit_target(data, config), end - config.train_days * DAY_MS, end)
        lockbox = {"evaluation_id": evaluation_id, "earlier_looks": earlier, **figures["strategy"]}
        artifact = save_artifact(model, study, config, trial.number, out_dir, lockbox)
        store.finish(evaluation_id, figures, str(artifact))
    return FinalResult(evaluation_id, trial.number, earlier, result, figures, artifact)
