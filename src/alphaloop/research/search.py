"""The search: an Optuna study in a database, trials run in this process, in N local processes,
or as Ray tasks. Every process reads the same study (SQLite file or PostgreSQL URL), so TPE sees
every finished trial whoever ran it, and `optuna-dashboard URL` can open it.

The study record keeps the spec (`user_attrs["spec"]`), so `report` and `final` need only the
storage URL and the study name. Each trial keeps its configuration, fold table and daily
returns (`user_attrs`), the inputs of the overfitting statistics.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any, Literal

import numpy as np
import optuna
from sqlalchemy.pool import NullPool

from alphaloop.model.errors import ConfigurationError
from alphaloop.model.frame import MarketFrame
from alphaloop.model.market import TIMEFRAME_MS
from alphaloop.research.lockbox import load_search_frame
from alphaloop.research.spec import FloatRange, IntRange, Study, TrialConfig, parse_study, sample_config
from alphaloop.research.trial import FoldResult, Prepared, TrialResult, prepare, run_trial, search_span

logger = logging.getLogger(__name__)

#: Trials' scalar objective in user_attrs (also for multi-objective studies, to pick a winner).
OBJECTIVE_ATTR = "objective"


def default_storage(name: str, folder: Path = Path("studies")) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / name}.db"


def open_storage(url: str) -> optuna.storages.RDBStorage:
    """Optuna's RDB storage; SQLite waits for the lock instead of failing when processes share it."""
    if not url.startswith(("sqlite:", "postgresql")):
        raise ConfigurationError(
            f"storage must be a sqlite:/// or postgresql:// URL, not {url.split(':')[0]!r}"
        )
    # NullPool: a connection per operation, closed after it; trials take seconds, so pooling saves
    # nothing, and no idle connection outlives its use (or a worker process).
    kwargs: dict[str, Any] = {"poolclass": NullPool}
    if url.startswith("sqlite:"):
        kwargs["connect_args"] = {"timeout": 120}
    try:
        return optuna.storages.RDBStorage(url, engine_kwargs=kwargs)
    except Exception as error:  # SQLAlchemy raises many kinds; the remedy is the same
        raise ConfigurationError(f"cannot open study storage: {type(error).__name__}: {error}") from None


def _sampler(study: Study, offset: int) -> optuna.samplers.BaseSampler:
    seed = study.study.seed + offset
    if study.study.sampler == "nsga2":
        return optuna.samplers.NSGAIISampler(seed=seed)
    if study.study.sampler == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    return optuna.samplers.TPESampler(seed=seed, n_startup_trials=8)


def _multi(study: Study) -> bool:
    return study.study.sampler == "nsga2"


def _quiet() -> None:
    # Failed trials keep their reason in user_attrs["error"]; the CLI prints the summary.
    optuna.logging.set_verbosity(optuna.logging.ERROR)


def create_study(study: Study, url: str) -> optuna.Study:
    """The Optuna study for `study` (created, or reopened with the same spec)."""
    _quiet()
    storage = open_storage(url)
    directions: list[Literal["minimize", "maximize"]] = (
        ["maximize", "minimize"] if _multi(study) else ["maximize"]
    )
    created = optuna.create_study(
        study_name=study.study.name, storage=storage, directions=directions, load_if_exists=True
    )
    spec = study.model_dump(mode="json")
    known = created.user_attrs.get("spec")
    if known is not None and known != spec:
        raise ConfigurationError(
            f"study {study.study.name!r} already exists in this storage with another spec: pick a new name"
        )
    created.set_user_attr("spec", spec)
    return created


def load_spec(url: str, name: str) -> tuple[optuna.Study, Study]:
    storage = open_storage(url)
    try:
        found = optuna.load_study(study_name=name, storage=storage)
    except KeyError:
        names = [s.study_name for s in optuna.get_all_study_summaries(storage)]
        raise ConfigurationError(
            f"no study {name!r} in the storage (found: {', '.join(names) or 'none'})"
        ) from None
    return found, parse_study(found.user_attrs["spec"])


# -- data, cached per process (a Ray worker or a pool process runs many trials) ----------------

_DATA: dict[tuple[Any, ...], Prepared] = {}


def _max_of(study: Study, key: str) -> int:
    dim = study.space.get(key, TrialConfig.model_fields[key].default)
    if isinstance(dim, IntRange | FloatRange):
        return int(dim.high)
    if isinstance(dim, list):
        return int(max(float(v) for v in dim))
    return int(float(dim))


def study_frame(study: Study, data_dir: Path | None) -> MarketFrame:
    settings = study.study
    step = TIMEFRAME_MS[settings.timeframe]
    lo, hi = search_span(settings, _max_of(study, "train_days"), _max_of(study, "horizon_bars"), step)
    return load_search_frame(settings.symbols, settings.timeframe, start_ms=lo, end_ms=hi, data_dir=data_dir)


def prepared(study: Study, data_dir: Path | None) -> Prepared:
    key = (
        study.study.model_dump_json(),
        _max_of(study, "train_days"),
        _max_of(study, "horizon_bars"),
        data_dir,
    )
    if key not in _DATA:
        _DATA[key] = prepare(study_frame(study, data_dir))
    return _DATA[key]


# -- the objective ---------------------------------------------------------------------------


def fold_row(result: FoldResult) -> dict[str, Any]:
    f = result.figures
    return {
        "test_start_ms": result.fold.test_start_ms,
        "test_end_ms": result.fold.test_end_ms,
        "train_start_ms": result.fold.train_start_ms,
        "train_end_ms": result.fold.train_end_ms,
        "sharpe": f.sharpe,
        "total_return": f.total_return,
        "max_drawdown": f.max_drawdown,
        "trades": f.trades,
        "longs": f.longs,
        "shorts": f.shorts,
        "fees": f.fees,
        "funding": f.funding,
        "long_at": result.long_at,
        "short_at": result.short_at,
        "rounds": result.rounds,
    }


def record(trial: optuna.Trial, result: TrialResult, seconds: float) -> None:
    days, returns = result.daily_returns()
    trial.set_user_attr("config", result.config.model_dump(mode="json"))
    trial.set_user_attr("folds", [fold_row(f) for f in result.folds])
    trial.set_user_attr("daily_ms", [int(d) for d in days])
    trial.set_user_attr("daily_returns", [float(r) for r in returns])
    trial.set_user_attr(OBJECTIVE_ATTR, result.objective)
    trial.set_user_attr("seconds", seconds)
    trial.set_user_attr("seconds_by_stage", result.extra)
    # Which process ran it: shows the work spread over workers / Ray tasks.
    trial.set_user_attr("pid", os.getpid())


def make_objective(study: Study, data_dir: Path | None) -> Callable[[optuna.Trial], Any]:
    multi = _multi(study)
    prune = study.study.pruning and not multi
    penalty = study.study.drawdown_penalty

    def objective(trial: optuna.Trial) -> Any:
        started = time.perf_counter()
        config = sample_config(study, trial)
        data = prepared(study, data_dir)

        def on_fold(k: int, _: FoldResult, done: list[FoldResult]) -> None:
            if not prune:
                return
            from alphaloop.research.trial import objective_value

            trial.report(objective_value(done, penalty), k)
            if trial.should_prune():
                trial.set_user_attr("folds", [fold_row(f) for f in done])
                raise optuna.TrialPruned(f"pruned after fold {k + 1}")

        try:
            result = run_trial(data, study.study, config, on_fold=on_fold)
        except ConfigurationError as error:
            # This point of the space cannot be evaluated (e.g. too few rows): a failed trial with
            # its reason, not a dead sweep.
            trial.set_user_attr("error", str(error))
            raise
        record(trial, result, time.perf_counter() - started)
        if multi:
            return float(np.median([f.figures.sharpe for f in result.folds])), max(
                f.figures.max_drawdown for f in result.folds
            )
        return result.objective

    return objective


def optimize(study: Study, url: str, n_trials: int, *, data_dir: Path | None, offset: int = 0) -> int:
    """Run `n_trials` trials of the stored study in this process; returns how many ran."""
    _quiet()
    pruner: optuna.pruners.BasePruner = (
        optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=1)
        if study.study.pruning and not _multi(study)
        else optuna.pruners.NopPruner()
    )
    handle = optuna.load_study(
        study_name=study.study.name, storage=open_storage(url), sampler=_sampler(study, offset), pruner=pruner
    )
    # A bad config (too few rows...) is a failed trial, not a dead sweep; the error is kept.
    handle.optimize(make_objective(study, data_dir), n_trials=n_trials, catch=(ConfigurationError,))
    return n_trials


def _worker(spec: dict[str, Any], url: str, n_trials: int, data_dir: str | None, offset: int) -> int:
    return optimize(
        parse_study(spec), url, n_trials, data_dir=Path(data_dir) if data_dir else None, offset=offset
    )


def _shares(n_trials: int, workers: int) -> list[int]:
    base, extra = divmod(n_trials, workers)
    return [base + (1 if i < extra else 0) for i in range(workers) if base + (1 if i < extra else 0)]


def _run_processes(name: str, url: str, shares: list[int], data_dir: str | None) -> None:
    """One worker process per share (fresh interpreters: LightGBM's threads and SQLAlchemy pools
    do not survive a fork, and the caller's main module need not be importable)."""
    procs = []
    for i, share in enumerate(shares):
        args = [sys.executable, "-m", "alphaloop.research.worker", url, name, str(share), str(1000 * (i + 1))]
        procs.append(subprocess.Popen([*args, *([data_dir] if data_dir else [])]))
    failed = [p.args for p in procs if p.wait() != 0]
    if failed:
        raise ConfigurationError(
            f"{len(failed)} of {len(procs)} search workers failed (see their errors above)"
        )


def run_search(
    study: Study,
    url: str,
    *,
    n_trials: int,
    workers: int = 1,
    ray_address: str | None = None,
    data_dir: Path | None = None,
) -> optuna.Study:
    """Add `n_trials` trials to the study: here (workers = 1), in `workers` local processes, or
    as Ray tasks (`ray_address`: a cluster address, or "local" to start one with `workers` CPUs)."""
    if n_trials < 1 or workers < 1:
        raise ConfigurationError("trials and workers must be >= 1")
    handle = create_study(study, url)
    # Load the bars once up front: missing data stops here with one line, not in every trial.
    data = prepared(study, data_dir)
    del data
    spec = study.model_dump(mode="json")
    folder = str(data_dir) if data_dir else None
    if ray_address is not None:
        from alphaloop.research.ray_exec import run_on_ray

        run_on_ray(spec, url, n_trials, workers=workers, address=ray_address, data_dir=folder)
    elif workers == 1:
        optimize(study, url, n_trials, data_dir=data_dir)
    else:
        _run_processes(study.study.name, url, _shares(n_trials, workers), folder)
    return handle


def completed(handle: optuna.Study) -> list[optuna.trial.FrozenTrial]:
    return [t for t in handle.get_trials(deepcopy=False) if t.state == optuna.trial.TrialState.COMPLETE]


def winner(handle: optuna.Study) -> optuna.trial.FrozenTrial:
    done = [t for t in completed(handle) if OBJECTIVE_ATTR in t.user_attrs]
    if not done:
        errors = [t.user_attrs["error"] for t in handle.get_trials(deepcopy=False) if "error" in t.user_attrs]
        reason = f" (last failure: {errors[-1]})" if errors else ""
        raise ConfigurationError(f"study {handle.study_name!r} has no completed trial yet{reason}")
    return max(done, key=lambda t: (float(t.user_attrs[OBJECTIVE_ATTR]), -t.number))


def trial_config(trial: optuna.trial.FrozenTrial) -> TrialConfig:
    return TrialConfig.model_validate(trial.user_attrs["config"])


def as_json(value: Any) -> str:
    return json.dumps(asdict(value) if hasattr(value, "__dataclass_fields__") else value, default=str)
