"""The trading service facade: `alphaloop run` (the embedded default), `paper` and `live`.

Everything here wires parts together (settings, data, model, venue, journal, lock, trader); the
behaviour lives in `engine/`, `risk/` and `journal/`.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from alphaloop import __version__
from alphaloop.config import Settings
from alphaloop.decision.base import DecisionModel
from alphaloop.decision.registry import StrategyOptions, build_strategy
from alphaloop.engine import ids
from alphaloop.engine.approval import APPROVAL_MODES, ApprovalPolicy
from alphaloop.engine.clock import EngineClock, VenueClock, WallClock
from alphaloop.engine.loop import LoopStats, run_replay, run_wall_clock
from alphaloop.engine.replay import REPLAY_ACCOUNT, FrameReplay
from alphaloop.engine.sizing import SizingPolicy
from alphaloop.engine.trader import CycleReport, Trader, TraderConfig
from alphaloop.journal import InstanceLock, Journal, account_lock_path
from alphaloop.journal.db import sqlite_file
from alphaloop.model import COMPETITION_SYMBOLS, TIMEFRAME_MS, ConfigurationError, TransientError
from alphaloop.model.errors import ModelError
from alphaloop.model.frame import MarketFrame
from alphaloop.ops.model_fit import MIN_CYCLES_FOR_RATE, ModelErrorGuard, pick_artifact
from alphaloop.risk import RiskLimits
from alphaloop.venues.base import Venue

logger = logging.getLogger("alphaloop.ops")
DAY_MS = 86_400_000


@dataclass(frozen=True, slots=True)
class TradingOptions:
    """What `run`, `paper` and `live` share."""

    strategy: str = "ml"
    model_path: Path | None = None
    symbols: tuple[str, ...] = COMPETITION_SYMBOLS
    timeframe: str = "1h"
    leverage: int = 5
    sizing: str = "risk"
    risk_fraction: float = 0.01
    limits: RiskLimits = field(default_factory=RiskLimits)
    explanation_max_chars: int | None = 1000
    seed: int = 0
    #: `--strategy random` only (rehearsals and fault drills): entry chance per bar, holding bars
    entry_rate: float = 0.01
    hold_bars: int = 24
    #: `--strategy ml`: p(up) that opens a long (1 - it a short); None = the learnt thresholds
    entry_threshold: float | None = None
    #: semi-automatic mode (engine/approval.py): auto | entries | manual; expiry None = bar / 4
    approval: str = "auto"
    approval_expiry_s: float | None = None

    def sizing_policy(self) -> SizingPolicy:
        return SizingPolicy(
            mode=self.sizing,  # type: ignore[arg-type]
            risk_fraction=self.risk_fraction,
            leverage=self.leverage,
            slots=len(self.symbols),
        )

    def approval_policy(self) -> ApprovalPolicy:
        if self.approval not in APPROVAL_MODES:
            raise ConfigurationError(f"--approval {self.approval!r}: one of {', '.join(APPROVAL_MODES)}")
        expiry = None if self.approval_expiry_s is None else int(self.approval_expiry_s * 1000)
        return ApprovalPolicy(self.approval, expiry)  # type: ignore[arg-type]

    def config_snapshot(self) -> dict[str, Any]:
        """What the journal keeps of this run's settings (nothing secret is part of them)."""
        return {
            "strategy": self.strategy,
            "model_path": None if self.model_path is None else str(self.model_path),
            "symbols": list(self.symbols),
            "timeframe": self.timeframe,
            "leverage": self.leverage,
            "sizing": self.sizing,
            "risk_fraction": self.risk_fraction,
            "entry_threshold": self.entry_threshold,
            "explanation_max_chars": self.explanation_max_chars,
            "risk": self.limits.model_dump(mode="json"),
            "approval": self.approval,
        }


def build_model(options: TradingOptions, models_dir: Path | None = None) -> DecisionModel:
    """The run's decision model; for `ml`, only an artifact that fits the run's timeframe, symbols
    and features (see `ops.model_fit`): the newest fitting one unless --model names one."""
    model_path = options.model_path
    if options.strategy == "ml":
        from alphaloop.decision.ml import models_dir as default_models_dir

        model_path = pick_artifact(
            options.model_path, models_dir or default_models_dir(), options.timeframe, options.symbols
        )
    return build_strategy(
        options.strategy,
        StrategyOptions(
            seed=options.seed,
            model_path=model_path,
            models_dir=models_dir,
            entry_rate=options.entry_rate,
            hold_bars=options.hold_bars,
            entry_threshold=options.entry_threshold,
        ),
    )


def trader_config(options: TradingOptions, model: DecisionModel) -> TraderConfig:
    if options.leverage > options.limits.max_leverage:
        raise ConfigurationError(
            f"--leverage {options.leverage} is above the risk limit "
            f"max_leverage={options.limits.max_leverage}"
        )
    return TraderConfig(
        symbols=options.symbols,
        timeframe=options.timeframe,
        leverage=options.leverage,
        sizing=options.sizing_policy(),
        limits=options.limits,
        lookback=max(int(getattr(model, "lookback", 100)), 2),
        explanation_max_chars=options.explanation_max_chars,
    )


def lock_path(journal_url: str, account: str) -> Path:
    """One lock per account and journal, beside a SQLite journal (or in data/ for a server one)."""
    path = sqlite_file(journal_url)
    if path is not None:
        return path.with_name(f"{path.name}.{account}.lock")
    digest = hashlib.sha256(journal_url.encode()).hexdigest()[:12]
    return Path("data") / f"journal-{digest}.{account}.lock"


def journal_label(journal_url: str) -> str:
    """The journal as a lock file may name it: the SQLite file, or the URL without its password."""
    path = sqlite_file(journal_url)
    if path is not None:
        return str(path)
    from sqlalchemy.engine import make_url

    return make_url(journal_url).render_as_string(hide_password=True)


def session_lock(plan: SessionPlan) -> InstanceLock:
    """A venue account has one process, whatever journal it writes (keyed by venue and the hash of
    its API key, in the runtime folder); an in-process paper account lives in its journal."""
    label = journal_label(plan.journal_url)
    if plan.venue_name.startswith("paper-"):
        return InstanceLock(lock_path(plan.journal_url, plan.account), journal=label)
    return InstanceLock(account_lock_path(plan.venue_name, plan.account), journal=label)


def session_clock(plan: SessionPlan) -> EngineClock:
    """The one clock of a session: the venue's time for a venue account (live: synced, then
    following the wall; paper against an endpoint such as `sim serve`: the simulator's own time,
    which may be advanced far faster than the wall), the wall for in-process paper."""
    if plan.venue_name.startswith("paper-"):
        return WallClock()
    return VenueClock(plan.venue.fetch_time, follow_wall=plan.mode == "live")


async def _first_sync(clock: EngineClock, attempts: int = 5) -> None:
    """The clock's first reading; a venue that is briefly unwell gets a few tries."""
    for attempt in range(attempts):
        try:
            await clock.sync()
            return
        except TransientError:
            if attempt == attempts - 1:
                raise
            await asyncio.sleep(0.5 * 2**attempt)


def new_run_id() -> str:
    return datetime.now(UTC).strftime("r%Y%m%d%H%M%S") + secrets.token_hex(3)


# ---------------------------------------------------------------------- the embedded default


@dataclass(frozen=True, slots=True)
class EmbeddedRunResult:
    journal_url: str
    report_dir: Path
    stats: LoopStats
    start_ms: int
    end_ms: int
    initial_equity: float
    final_equity: float
    ai_logs_uploaded: int
    orders_sent: int
    model_label: str
    #: decisions asked of the model, and how many failed (each one a logged HOLD)
    model_calls: int = 0
    model_errors: int = 0
    #: the error rate is above `MAX_MODEL_ERROR_RATE`: a failed run whatever the audit says
    model_failed: bool = False
    model_verdict: str = ""


async def run_embedded(
    frame: MarketFrame,
    model: DecisionModel,
    options: TradingOptions,
    *,
    start_ms: int,
    end_ms: int,
    journal_url: str,
    report_dir: Path,
    balance: Decimal = Decimal(1000),
    on_cycle: Callable[[CycleReport], None] | None = None,
) -> EmbeddedRunResult:
    """The full trading path offline: the simulator core replays `frame` from `start_ms`, the
    trader runs one cycle per bar close through gate, journal, orders and AI-log uploads."""
    config = trader_config(options, model)
    guard = ModelErrorGuard(model)
    replay = FrameReplay(frame, balance=balance, start_ms=start_ms)
    closes = replay.bar_closes(end_ms)
    if not closes:
        raise ConfigurationError("no bar closes in the replay period: the data ends before it")
    account = ids.account_key("sim", REPLAY_ACCOUNT)
    run_id = new_run_id()
    journal = Journal.open(journal_url)
    lock = InstanceLock(lock_path(journal_url, account), journal=journal_label(journal_url))
    lock.acquire()
    try:
        journal.start_run(
            run_id=run_id,
            started_ms=replay.now_ms,
            mode="replay",
            venue="sim",
            account=account,
            model=model.info.label,
            timeframe=options.timeframe,
            config=options.config_snapshot(),
            version=__version__,
        )
        trader = Trader(
            replay.venue, guard, journal, config, account=account, run_id=run_id, clock=lambda: replay.now_ms
        )
        stats = await run_replay(trader, replay, closes, on_cycle=on_cycle)
        await trader.shutdown("replay finished")
        counts = journal.ai_log_counts()
        return EmbeddedRunResult(
            journal_url=journal.url,
            report_dir=report_dir,
            stats=stats,
            start_ms=closes[0],
            end_ms=closes[-1],
            initial_equity=float(balance),
            final_equity=trader.last_equity if trader.last_equity is not None else float(balance),
            ai_logs_uploaded=counts.uploaded,
            orders_sent=counts.orders_sent,
            model_label=model.info.label,
            model_calls=guard.calls,
            model_errors=guard.errors,
            model_failed=guard.failed(),
            model_verdict=guard.verdict(),
        )
    finally:
        lock.release()
        journal.close()


# ---------------------------------------------------------------------- paper and live


@dataclass(frozen=True, slots=True)
class SessionPlan:
    """A wall-clock trading session, fully built and ready to run."""

    venue: Venue
    venue_name: str
    account: str
    model: DecisionModel
    options: TradingOptions
    journal_url: str
    mode: str
    poll_seconds: float = 5.0
    maintain_seconds: float = 60.0
    health_seconds: float = 60.0
    max_cycles: int | None = None


async def run_session(plan: SessionPlan, stop: asyncio.Event) -> LoopStats:
    config = trader_config(plan.options, plan.model)
    guard = ModelErrorGuard(plan.model)

    def judge(report: CycleReport) -> None:
        if guard.failed(min_cycles=MIN_CYCLES_FOR_RATE) and not stop.is_set():
            logger.error("ALERT: %s; stopping the session", guard.verdict())
            stop.set()

    run_id = new_run_id()
    # the lock first: a refused process leaves no trace, not even a new journal file
    lock = session_lock(plan)
    lock.acquire()
    try:
        journal = Journal.open(plan.journal_url)
    except BaseException:
        lock.release()
        raise
    reason = "stopped"
    try:
        clock = session_clock(plan)
        await _first_sync(clock)
        journal.start_run(
            run_id=run_id,
            started_ms=clock(),
            mode=plan.mode,
            venue=plan.venue_name,
            account=plan.account,
            model=plan.model.info.label,
            timeframe=plan.options.timeframe,
            config=plan.options.config_snapshot(),
            version=__version__,
        )
        trader = Trader(
            plan.venue,
            guard,
            journal,
            config,
            account=plan.account,
            run_id=run_id,
            clock=clock,
            approval=plan.options.approval_policy(),
        )
        try:
            stats = await run_wall_clock(
                trader,
                reference_symbol=plan.options.symbols[0],
                stop=stop,
                poll_seconds=plan.poll_seconds,
                maintain_seconds=plan.maintain_seconds,
                health_seconds=plan.health_seconds,
                max_cycles=plan.max_cycles,
                on_cycle=judge,
            )
            reason = "stop requested" if stop.is_set() else "cycle limit reached"
            if guard.failed(min_cycles=MIN_CYCLES_FOR_RATE):
                reason = guard.verdict()
        except BaseException as exc:
            reason = f"{type(exc).__name__}: {exc}"
            raise
        finally:
            try:
                await trader.shutdown(reason)
            except Exception as exc:  # the journal keeps what it has; the next start reconciles
                logger.warning("shutdown incomplete: %s", exc)
        if guard.failed(min_cycles=MIN_CYCLES_FOR_RATE):
            raise ModelError(f"{guard.verdict()} (journal {plan.journal_url})")
        return stats
    finally:
        lock.release()
        journal.close()
        await plan.venue.close()


def settings_symbols(settings: Settings) -> tuple[str, ...]:
    return tuple(settings.competition.symbols) if settings.competition.symbols else COMPETITION_SYMBOLS


def period_for(frame: MarketFrame, days: int, lookback: int) -> tuple[int, int]:
    """The last `days` of the frame's data, leaving `lookback` bars before it for the model."""
    if not len(frame.ts):
        raise ConfigurationError("no bars loaded")
    step = TIMEFRAME_MS[frame.timeframe]
    end = int(frame.ts[-1]) + step
    start = max(end - days * DAY_MS, int(frame.ts[0]) + (lookback + 1) * step)
    if start >= end:
        raise ConfigurationError(
            f"not enough data: {len(frame.ts)} bars, the model needs {lookback} before the first decision"
        )
    return start - start % step, end
