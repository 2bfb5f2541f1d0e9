"""`alphaloop run` / `make run`: the embedded default, end to end and offline.

1. Data: the local store or `ALPHALOOP_DATA_DIR`; with neither, a recent month of 1h candles of
   the 8 pairs is downloaded from WEEX's public API (no key); with no network either, one clear
   line says how to get data.
2. Model: the offline ML model (the latest artifact; if none exists, one is trained on the bars
   before the replayed period, so it never sees what it trades).
3. The replayed period (the last `days` of the data) goes through the real trading cycle on the
   in-process simulator: risk gate, journal, orders, AI-log uploads.
4. A report folder (summary, CSVs, HTML) with the journal inside, and the compliance audit.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from alphaloop.config import Settings
from alphaloop.decision.base import DecisionModel
from alphaloop.decision.ml.provenance import IN_SAMPLE_LABEL, check_out_of_sample, training_range_of
from alphaloop.engine.trader import CycleReport
from alphaloop.model import TIMEFRAME_MS, AlphaloopError, ConfigurationError
from alphaloop.model.frame import MarketFrame
from alphaloop.ops.trading import EmbeddedRunResult, TradingOptions, build_model, period_for, run_embedded

DAY_MS = 86_400_000
#: the ML model wants this much history before the replay to train on (when none is trained yet)
MIN_TRAIN_DAYS = 120


class RunInterruptedError(Exception):
    """Ctrl-C during the replay: the report of what was traded so far is at `report` (None if the
    run was stopped before its journal existed)."""

    def __init__(self, report: Path | None, journal: Path) -> None:
        super().__init__("interrupted")
        self.report = report
        self.journal = journal


@dataclass(frozen=True, slots=True)
class EmbeddedRequest:
    options: TradingOptions
    days: int = 30
    balance: Decimal = Decimal(1000)
    report_dir: Path = Path("reports/run")
    #: Replay bars the model was trained on; the run is then labelled IN-SAMPLE.
    allow_in_sample: bool = False


@dataclass(frozen=True, slots=True)
class PreparedRun:
    request: EmbeddedRequest
    frame: MarketFrame
    model: DecisionModel
    start_ms: int
    end_ms: int
    closes: list[int]
    in_sample: bool = False


@dataclass(frozen=True, slots=True)
class EmbeddedOutcome:
    result: EmbeddedRunResult
    summary: dict[str, Any]
    lines: list[str] = field(default_factory=list)
    audit_passed: bool = True


def _load(options: TradingOptions, settings: Settings) -> MarketFrame:
    from alphaloop.data import load_frame

    return load_frame(
        list(options.symbols), options.timeframe, data_dir=settings.data_dir, store_dir=settings.store_dir
    )


def load_or_download(options: TradingOptions, settings: Settings, say: Callable[[str], None]) -> MarketFrame:
    from alphaloop.data.loader import MissingDataError

    try:
        return _load(options, settings)
    except MissingDataError as missing:  # a broken file is not missing: its error stands
        say(f"no stored {options.timeframe} candles ({missing}); downloading a recent month from WEEX")
    try:
        asyncio.run(_download_month(options, settings))
        return _load(options, settings)
    except Exception as exc:
        raise ConfigurationError(
            "no market data and no network: point ALPHALOOP_DATA_DIR at a folder of candle files "
            "(e.g. ../shared/data), or run `alphaloop data download --since YYYY-MM-DD` with network "
            f"access ({type(exc).__name__}: {exc})"
        ) from None


async def _download_month(options: TradingOptions, settings: Settings) -> None:
    import time

    from alphaloop.data.download import download
    from alphaloop.data.store import ParquetStore
    from alphaloop.venues.weex.venue import WeexVenue

    venue = WeexVenue.create(
        settings.weex.base_url, None, timeout=min(settings.weex.timeout_seconds, 10.0), api=settings.weex.api
    )
    try:
        since = int(time.time() * 1000) - 45 * DAY_MS
        report = await download(
            venue, ParquetStore(settings.store_dir), list(options.symbols), options.timeframe, since_ms=since
        )
    finally:
        await venue.close()
    if len(report.failed) == len(report.series):
        raise ConfigurationError(report.failed[0].error or "download failed")


def _ensure_model(
    options: TradingOptions, frame: MarketFrame, start_ms: int, say: Callable[[str], None]
) -> DecisionModel:
    try:
        return build_model(options)
    except ConfigurationError:
        if options.strategy != "ml" or options.model_path is not None:
            raise
    from alphaloop.decision.ml import models_dir, train_with_report

    first = int(frame.ts[0])
    if start_ms - first < MIN_TRAIN_DAYS * DAY_MS:
        raise ConfigurationError(
            f"no trained ML model and only {(start_ms - first) // DAY_MS} days of data before the replay: "
            "train one with `alphaloop model train --start ... --end ...` or use --strategy sma"
        )
    say(f"no trained ML model yet: training one on the bars before {_day(start_ms)} (once, ~10-30 s)")
    # The last labels look `horizon` bars ahead: stop that far before the replay (the purge), so
    # the model never learnt from a bar it then trades.
    from alphaloop.decision.ml import DEFAULT_HORIZON_BARS

    purge_ms = DEFAULT_HORIZON_BARS * frame.step_ms
    report = train_with_report(frame, start_ms=first, end_ms=start_ms - purge_ms)
    folder = models_dir() / report.artifact.default_dirname()
    report.artifact.save(folder)
    say(f"trained {report.artifact.label}, saved in {folder}")
    return build_model(replace(options, model_path=folder))


def _backtest_hint(start_ms: int, *, in_sample: bool) -> str:
    """The backtest to try next, over the run's own period: a bare `backtest --strategy ml` starts
    at the data's start, inside the model's training range, and is refused as in-sample."""
    hint = f"alphaloop backtest --strategy ml --start {_day(start_ms)}"
    return f"{hint} --allow-in-sample" if in_sample else hint


def _day(ms: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d")


def prepare_embedded(request: EmbeddedRequest, settings: Settings, say: Callable[[str], None]) -> PreparedRun:
    options = request.options
    frame = load_or_download(options, settings, say)
    step = TIMEFRAME_MS[options.timeframe]
    provisional_start, end_ms = period_for(frame, request.days, 0)
    model = _ensure_model(options, frame, provisional_start, say)
    start_ms, end_ms = period_for(frame, request.days, int(getattr(model, "lookback", 100)))
    closes = [int(t) + step for t in frame.ts if start_ms <= int(t) + step <= end_ms and int(t) >= start_ms]
    in_sample = check_out_of_sample(
        training_range_of(model), start_ms, end_ms, allow_in_sample=request.allow_in_sample
    )
    return PreparedRun(request, frame, model, start_ms, end_ms, closes, in_sample)


def run_and_report(
    prepared: PreparedRun,
    *,
    on_cycle: Callable[[CycleReport], None] | None = None,
    stop: threading.Event | None = None,
) -> EmbeddedOutcome:
    """Replay, report and audit. Setting `stop` (Ctrl-C) ends the replay after the current cycle:
    the in-process simulator never yields to the event loop, so a signal is seen between cycles."""

    def cycle_done(report: CycleReport) -> None:
        if on_cycle is not None:
            on_cycle(report)
        if stop is not None and stop.is_set():
            raise KeyboardInterrupt

    from alphaloop.ops.audit import audit_engine
    from alphaloop.ops.control import open_existing_journal
    from alphaloop.ops.run_report import write_run_report
    from alphaloop.ops.run_report_plots import buy_and_hold_curve

    request = prepared.request
    folder = request.report_dir
    folder.mkdir(parents=True, exist_ok=True)
    journal_path = folder / "journal.sqlite"
    if journal_path.exists():
        raise ConfigurationError(f"{journal_path} exists: pick another --out folder")
    try:
        result = asyncio.run(
            run_embedded(
                prepared.frame,
                prepared.model,
                request.options,
                start_ms=prepared.start_ms,
                end_ms=prepared.end_ms,
                journal_url=str(journal_path),
                report_dir=folder,
                balance=request.balance,
                on_cycle=cycle_done,
            )
        )
    except KeyboardInterrupt:
        # the journal is closed and the lock released by then (run_embedded's finally): report
        # what was traded so far rather than leave a folder with a bare journal
        partial = None
        if journal_path.is_file():
            partial = write_run_report(
                folder,
                str(journal_path),
                title="alphaloop run (interrupted)",
                initial_equity=float(request.balance),
            ).html_path
        raise RunInterruptedError(partial, journal_path) from None
    report = write_run_report(
        folder,
        str(journal_path),
        title=("IN-SAMPLE " if prepared.in_sample else "") + f"alphaloop run: {result.model_label}",
        initial_equity=float(request.balance),
        benchmark=buy_and_hold_curve(
            prepared.frame, prepared.start_ms, prepared.end_ms, float(request.balance)
        ),
    )
    try:
        journal = open_existing_journal(str(journal_path))
        try:
            audit = audit_engine(journal.engine, journal=journal.url)
        finally:
            journal.close()
        passed = audit.passed
        verdict = (
            f"audit: PASSED ({len(audit.checks)} checks, 0 violations)"
            if passed
            else f"audit: {audit.violations} VIOLATIONS (see `alphaloop audit --db {journal_path}`)"
        )
    except AlphaloopError as exc:
        passed, verdict = False, f"audit could not run: {exc}"
    ret = (result.final_equity / result.initial_equity - 1) * 100 if result.initial_equity else 0.0
    summary = {
        "failed": result.model_failed or not passed,
        "model_errors": result.model_errors,
        "model_error_verdict": result.model_verdict,
        "model": result.model_label,
        "period": [_day(result.start_ms), _day(result.end_ms)],
        "cycles": result.stats.cycles,
        "orders_sent": result.orders_sent,
        "denied": result.stats.denied,
        "stops_placed": result.stats.stops_placed,
        "ai_logs_uploaded": result.ai_logs_uploaded,
        "initial_equity": result.initial_equity,
        "final_equity": result.final_equity,
        "return_pct": ret,
        "journal": str(journal_path),
        "report": str(report.html_path),
        "audit_passed": passed,
        "in_sample": prepared.in_sample,
        "model_range": _model_range(prepared.model),
    }
    lines = [
        f"[bold]alphaloop run[/]: {result.model_label} traded {len(request.options.symbols)} pairs "
        f"({request.options.timeframe}) from {_day(result.start_ms)} to {_day(result.end_ms)} on the "
        "in-process simulator",
        f"{result.stats.cycles} decision cycles, {result.orders_sent} orders sent, "
        f"{result.stats.denied} denied by the risk gate, {result.ai_logs_uploaded} AI logs uploaded",
        f"equity {result.initial_equity:,.2f} -> {result.final_equity:,.2f} USDT ({ret:+.2f}%)",
        f"journal: {journal_path}   (check it: alphaloop audit --db {journal_path})",
        f"report:  {report.html_path}",
        verdict,
        f"next: open {report.html_path} in a browser; `alphaloop status --db {journal_path}`; "
        f"`{_backtest_hint(result.start_ms, in_sample=prepared.in_sample)}` (README: What to do next)",
    ]
    if result.model_errors:
        # first, not buried: a model that fails is the most likely reason for "0 orders"
        style = "bold red" if result.model_failed else "yellow"
        lines.insert(0, f"[{style}]{result.model_verdict}[/]")
    if prepared.in_sample:
        lines.insert(0, f"[bold red]{IN_SAMPLE_LABEL}[/]: the model was trained on (part of) this period")
    return EmbeddedOutcome(result, summary, lines, passed and not result.model_failed)


def _model_range(model: DecisionModel) -> dict[str, object]:
    trained = training_range_of(model)
    if trained is None:
        return {"version": model.info.label, "train_start": None, "train_end": None}
    return trained.to_json()
