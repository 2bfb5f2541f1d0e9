"""Drivers of the trader: a replayed period (simulated clock) or the wall clock (paper, live).

The wall-clock loop asks the venue for the newest closed bar of a reference symbol every
`poll_seconds`; a new close runs one cycle. Between closes it keeps the house in order (stops,
fills, AI-log uploads) every `maintain_seconds` and logs a health line every `health_seconds`.
A stop request (SIGINT/SIGTERM) ends the loop between two steps, never inside an order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from alphaloop.engine.market import latest_bar_close
from alphaloop.engine.replay import FrameReplay
from alphaloop.engine.trader import CycleReport, Trader
from alphaloop.model import (
    AlphaloopError,
    ConfigurationError,
    PermissionDeniedError,
    TransientError,
    UnknownOrderOutcomeError,
)

logger = logging.getLogger("alphaloop.engine")


@dataclass(slots=True)
class LoopStats:
    cycles: int = 0
    sent: int = 0
    denied: int = 0
    rejected: int = 0
    unknown: int = 0
    stops_placed: int = 0
    errors: int = 0
    last_bar_ms: int | None = None
    reports: list[CycleReport] = field(default_factory=list)

    def add(self, report: CycleReport) -> None:
        self.cycles += 1
        self.sent += report.sent
        self.denied += report.denied
        self.rejected += report.rejected
        self.unknown += report.unknown
        self.stops_placed += report.stops_placed
        self.last_bar_ms = report.bar_close_ms


async def run_replay(
    trader: Trader,
    replay: FrameReplay,
    closes: list[int],
    *,
    on_cycle: Callable[[CycleReport], None] | None = None,
) -> LoopStats:
    """One cycle per bar close; the market moves between cycles (fills, stops, funding)."""
    stats = LoopStats()
    await trader.start()
    for close_ms in closes:
        replay.advance_to(close_ms)
        report = await trader.cycle(close_ms)
        stats.add(report)
        if on_cycle is not None:
            on_cycle(report)
    return stats


def health_line(trader: Trader, stats: LoopStats) -> str:
    counts = trader.journal.ai_log_counts()
    equity = "n/a" if trader.last_equity is None else f"{trader.last_equity:,.2f}"
    return (
        f"health: state={trader.state.value} equity={equity} cycles={stats.cycles} sent={stats.sent} "
        f"denied={stats.denied} unknown={stats.unknown} ai_log_backlog={counts.waiting + counts.pending} "
        f"errors={stats.errors} model_errors={getattr(trader.model, 'errors', 0)}"
    )


async def run_wall_clock(
    trader: Trader,
    *,
    reference_symbol: str,
    stop: asyncio.Event,
    poll_seconds: float = 5.0,
    maintain_seconds: float = 60.0,
    health_seconds: float = 60.0,
    max_cycles: int | None = None,
    now_ms: Callable[[], int] | None = None,
    on_cycle: Callable[[CycleReport], None] | None = None,
    max_consecutive_errors: int = 30,
) -> LoopStats:
    stats = LoopStats()
    # one clock: the trader's (venue-synced; the simulator's own time against `sim serve`)
    clock = now_ms or trader.clock
    await trader.start()
    last_bar = trader.journal.last_decision_bar()
    last_maintain = last_health = time.monotonic()
    consecutive_errors = 0
    while not stop.is_set():
        try:
            await trader.sync_clock()
            close_ms = await latest_bar_close(
                trader.venue, reference_symbol, trader.config.timeframe, clock()
            )
            if close_ms is not None and (last_bar is None or close_ms > last_bar):
                report = await trader.cycle(close_ms)
                last_bar = close_ms
                stats.add(report)
                last_maintain = time.monotonic()
                if on_cycle is not None:
                    on_cycle(report)
            elif time.monotonic() - last_maintain >= maintain_seconds:
                await trader.reconcile()
                await trader.maintain()
                last_maintain = time.monotonic()
            consecutive_errors = 0
        except PermissionDeniedError as exc:
            # WEEX answers 521 for a non-allow-listed IP, and proxies answer it when the origin is
            # down: keep trying, but a lasting refusal stops the loop below
            stats.errors += 1
            consecutive_errors += 1
            logger.warning("venue refused the request (%s)", exc)
            if consecutive_errors >= max_consecutive_errors:
                raise
        except ConfigurationError:
            raise
        except (TransientError, UnknownOrderOutcomeError, AlphaloopError) as exc:
            # the venue is unwell: keep the process alive, reconcile on the next step
            stats.errors += 1
            consecutive_errors += 1
            logger.warning("cycle step failed (%s: %s)", type(exc).__name__, exc)
            if consecutive_errors >= max_consecutive_errors:
                raise
        if time.monotonic() - last_health >= health_seconds:
            logger.info(health_line(trader, stats))
            last_health = time.monotonic()
        if max_cycles is not None and stats.cycles >= max_cycles:
            break
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=poll_seconds)
    return stats
