"""`alphaloop backtest` as a service: load data, run the strategy and both baselines, measure,
write the report. The CLI (and later the web UI) only render what this returns."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from alphaloop.backtest.metrics import compute_metrics, sharpe_significance
from alphaloop.backtest.nulls import average_exposure, buy_and_hold_at, shift_baselines, trend_baseline
from alphaloop.backtest.report import write_report
from alphaloop.backtest.result import BacktestResult
from alphaloop.backtest.runner import BacktestConfig, BacktestRun, run_plans
from alphaloop.backtest.summary import build_summary, iso_time, run_meta
from alphaloop.data import load_frame
from alphaloop.decision.base import DecisionModel, VectorizedModel
from alphaloop.decision.ml.provenance import check_out_of_sample, training_range_of
from alphaloop.features.funding import funding_coverage
from alphaloop.model.errors import ConfigurationError
from alphaloop.model.frame import MarketFrame

#: (stage, done, total): stages are "load", "plan", "simulate", "baselines", "report".
Progress = Callable[[str, int, int], None]


def parse_day(text: str) -> int:
    """`2024-01-01` (or a full ISO time) as ms UTC; naive times are UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise ConfigurationError(f"not a date: {text!r} (expected YYYY-MM-DD)") from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


@dataclass(frozen=True, slots=True)
class BacktestRequest:
    symbols: Sequence[str]
    timeframe: str
    start_ms: int | None
    end_ms: int | None
    config: BacktestConfig
    seeds: int = 20
    out_dir: Path | None = None
    data_dir: Path | None = None
    store_dir: Path | None = None
    #: Run a model over (part of) its own training range; the run is labelled IN-SAMPLE.
    allow_in_sample: bool = False
    #: Configurations tried before this one (a search) and the spread of their per-bar Sharpe
    #: ratios: the deflated Sharpe ratio accounts for picking the best.
    trials: int = 1
    trial_sharpe_std: float = 0.0


@dataclass(frozen=True, slots=True)
class BacktestOutcome:
    summary: dict[str, object]
    result: BacktestResult
    buy_and_hold: BacktestResult
    random: list[BacktestResult]
    report: Path | None
    skipped_entries: dict[str, int] = field(default_factory=dict)
    #: One line each: what makes these figures less trustworthy (funding gaps, in-sample...).
    warnings: list[str] = field(default_factory=list)


def default_report_dir(strategy: str, when: datetime | None = None) -> Path:
    stamp = (when or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    return Path("reports") / f"backtest-{strategy}-{stamp}"


def plan_or_replay(model: DecisionModel, frame: MarketFrame, config: BacktestConfig) -> BacktestRun:
    if isinstance(model, VectorizedModel):
        return run_plans(frame, model.plan(frame), config, strategy=model.info.name)
    from alphaloop.backtest.stepwise import run_stepwise

    return run_stepwise(frame, model, config)


def run_backtest_report(
    request: BacktestRequest, model: DecisionModel, *, progress: Progress | None = None
) -> BacktestOutcome:
    def tick(stage: str, done: int, total: int) -> None:
        if progress is not None:
            progress(stage, done, total)

    tick("load", 0, 1)
    frame = load_frame(
        request.symbols,
        request.timeframe,
        start_ms=request.start_ms,
        end_ms=request.end_ms,
        data_dir=request.data_dir,
        store_dir=request.store_dir,
    )
    if len(frame.ts) < 2:
        raise ConfigurationError("fewer than two bars in the requested period: widen --start/--end")
    tick("load", 1, 1)
    trained = training_range_of(model)
    in_sample = check_out_of_sample(
        trained,
        int(frame.ts[0]),
        int(frame.ts[-1]) + frame.step_ms,
        allow_in_sample=request.allow_in_sample,
    )
    tick("simulate", 0, 1)
    run = plan_or_replay(model, frame, request.config)
    tick("simulate", 1, 1)
    total = request.seeds + 3
    tick("baselines", 0, total)
    hold = buy_and_hold_at(frame, request.config, 1.0)
    exposure = average_exposure(run.result)
    matched = buy_and_hold_at(frame, request.config, exposure) if exposure > 0 else hold
    tick("baselines", 2, total)
    trend = trend_baseline(frame, request.config)
    tick("baselines", 3, total)
    randoms = shift_baselines(
        frame,
        run,
        request.config,
        seeds=request.seeds,
        on_seed=lambda seed: tick("baselines", seed + 4, total),
    )
    report_dir = request.out_dir
    report_path = report_dir / "report.html" if report_dir is not None else None
    meta = run_meta(run.result, report=report_path)
    meta["model"] = model.info.label
    meta["leverage"] = request.config.leverage
    meta["sizing"] = request.config.sizing.mode
    meta["skipped_entries"] = dict(run.stats.skip_reasons)
    strategy_metrics = compute_metrics(run.result)
    summary = build_summary(
        strategy_metrics,
        compute_metrics(hold),
        [compute_metrics(r) for r in randoms],
        meta,
        buy_and_hold_matched=compute_metrics(matched),
        matched_exposure=exposure,
        trend=compute_metrics(trend),
    )
    summary["sharpe_significance"] = sharpe_significance(
        run.result, trials=request.trials, trial_sharpe_std=request.trial_sharpe_std
    )
    summary["in_sample"] = in_sample
    summary["risk"] = dict(run.risk)
    summary["liquidation_shortfall"] = run.result.liquidation_shortfall
    coverage, warnings = funding_warnings(frame) if request.config.funding else ({}, [])
    summary["funding_uncovered_share"] = coverage
    summary["model"] = (
        trained.to_json()
        if trained is not None
        else {"version": model.info.label, "train_start": None, "train_end": None}
    )
    if trained is not None and in_sample:
        warnings.insert(
            0,
            f"IN-SAMPLE: model {trained.version} was trained on {iso_time(trained.start_ms)[:10]} → "
            f"{iso_time(trained.end_ms)[:10]}, which overlaps this period",
        )
    summary["warnings"] = warnings
    if report_dir is not None:
        tick("report", 0, 1)
        write_report(
            report_dir, run.result, summary, buy_and_hold=hold, random_equity=[r.equity for r in randoms]
        )
        tick("report", 1, 1)
    return BacktestOutcome(
        summary, run.result, hold, randoms, report_path, dict(run.stats.skip_reasons), warnings
    )


def funding_warnings(frame: MarketFrame) -> tuple[dict[str, float], list[str]]:
    """Per symbol, the share of the period without funding data (not charged in the backtest),
    and a warning line for each symbol with a gap."""
    start, end = int(frame.ts[0]), int(frame.ts[-1]) + frame.step_ms
    shares: dict[str, float] = {}
    lines = []
    for symbol in frame.bars:
        coverage = funding_coverage(frame.funding.get(symbol), start, end)
        shares[symbol] = round(coverage.uncovered_share, 6)
        if coverage.gaps:
            longest = max(coverage.gaps, key=lambda gap: gap[1] - gap[0])
            lines.append(
                f"{symbol}: no funding data for {coverage.uncovered_share:.1%} of the period "
                f"(longest gap {iso_time(longest[0])[:10]} → {iso_time(longest[1])[:10]}); "
                "funding there is not charged"
            )
    return shares, lines
