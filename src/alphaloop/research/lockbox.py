"""The lockbox: 2025-01-01..2025-09-30, the period no search may read.

A search that sees the period it is judged on reports a number that means nothing. Every bar a
study reads goes through `load_search_frame`, which refuses a range that reaches into the lockbox
(and clips an open-ended one before it); only `load_lockbox_frame`, called by
`alphaloop research final`, reads it, and that evaluation is recorded in the study.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from alphaloop.data import load_frame
from alphaloop.model.errors import ConfigurationError
from alphaloop.model.frame import MarketFrame

LOCKBOX_START_MS = int(datetime(2025, 1, 1, tzinfo=UTC).timestamp() * 1000)
#: Exclusive: the lockbox is 2025-01-01 00:00 .. 2025-09-30 23:59:59 UTC.
LOCKBOX_END_MS = int(datetime(2025, 10, 1, tzinfo=UTC).timestamp() * 1000)


class LockboxError(ConfigurationError):
    """A search asked for bars inside the lockbox."""


def day(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d")


def check_search_range(start_ms: int, end_ms: int) -> None:
    """Raise `LockboxError` when [start_ms, end_ms) touches [LOCKBOX_START, LOCKBOX_END)."""
    if end_ms <= start_ms:
        raise ConfigurationError(f"empty range {day(start_ms)}..{day(end_ms)}")
    if start_ms < LOCKBOX_END_MS and end_ms > LOCKBOX_START_MS:
        raise LockboxError(
            f"range {day(start_ms)}..{day(end_ms)} reaches into the lockbox "
            f"{day(LOCKBOX_START_MS)}..{day(LOCKBOX_END_MS)}: searches may not read it"
        )


def clip_search_range(start_ms: int, end_ms: int | None) -> tuple[int, int]:
    """An open or overlapping end cut at the lockbox start; a start inside or after it refused."""
    if start_ms >= LOCKBOX_START_MS:
        raise LockboxError(f"search range starting {day(start_ms)} lies in or after the lockbox")
    end = LOCKBOX_START_MS if end_ms is None else min(end_ms, LOCKBOX_START_MS)
    check_search_range(start_ms, end)
    return start_ms, end


def load_search_frame(
    symbols: Sequence[str],
    timeframe: str,
    *,
    start_ms: int,
    end_ms: int,
    data_dir: Path | None = None,
) -> MarketFrame:
    """Bars for a search in [start_ms, end_ms); refuses any range touching the lockbox, and
    checks the loaded frame too (a loader bug must not leak a lockbox bar into a search)."""
    check_search_range(start_ms, end_ms)
    frame = load_frame(symbols, timeframe, start_ms=start_ms, end_ms=end_ms, data_dir=data_dir)
    assert_outside_lockbox(frame)
    return frame


def assert_outside_lockbox(frame: MarketFrame) -> None:
    if (
        len(frame.ts)
        and int(frame.ts[-1]) + frame.step_ms > LOCKBOX_START_MS
        and int(frame.ts[0]) < LOCKBOX_END_MS
    ):
        raise LockboxError(
            f"frame {day(int(frame.ts[0]))}..{day(int(frame.ts[-1]))} holds lockbox bars: a search may not"
        )


def load_lockbox_frame(
    symbols: Sequence[str], timeframe: str, *, warmup_ms: int, data_dir: Path | None = None
) -> MarketFrame:
    """The lockbox bars plus `warmup_ms` before them (indicator warm-up only). Only the final
    evaluation calls this; it records every call in the study."""
    return load_frame(
        symbols, timeframe, start_ms=LOCKBOX_START_MS - warmup_ms, end_ms=LOCKBOX_END_MS, data_dir=data_dir
    )
