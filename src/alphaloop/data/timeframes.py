"""Timeframe arithmetic: bar lengths, bucket alignment and which finer bars build a coarser one."""

from __future__ import annotations

from alphaloop.model import TIMEFRAME_MS, ConfigurationError

DAY_MS = 86_400_000
#: Weekly bars open on Monday 00:00 UTC (Binance and WEEX); the Unix epoch was a Thursday.
WEEK_OFFSET_MS = 4 * DAY_MS


def step_ms(timeframe: str) -> int:
    """Bar length in ms; an unknown timeframe is a configuration error naming the valid ones."""
    try:
        return TIMEFRAME_MS[timeframe]
    except KeyError:
        raise ConfigurationError(f"timeframe '{timeframe}' is not one of {', '.join(TIMEFRAME_MS)}") from None


def offset_ms(timeframe: str) -> int:
    """Where the bars of `timeframe` are anchored relative to the epoch."""
    return WEEK_OFFSET_MS if timeframe == "1w" else 0


def align_down(ts: int, timeframe: str) -> int:
    """Open time of the `timeframe` bar containing `ts`."""
    step, offset = step_ms(timeframe), offset_ms(timeframe)
    return (ts - offset) // step * step + offset


def align_up(ts: int, timeframe: str) -> int:
    """The first bar open time at or after `ts`."""
    down = align_down(ts, timeframe)
    return down if down == ts else down + step_ms(timeframe)


def finer_timeframes(timeframe: str) -> list[str]:
    """Timeframes whose bars tile `timeframe` exactly, finest first (`1h` -> 1m, 5m, 15m, 30m)."""
    target = step_ms(timeframe)
    finer = [
        tf
        for tf, step in TIMEFRAME_MS.items()
        if step < target and target % step == 0 and (offset_ms(timeframe) - offset_ms(tf)) % step == 0
    ]
    return sorted(finer, key=TIMEFRAME_MS.__getitem__)
