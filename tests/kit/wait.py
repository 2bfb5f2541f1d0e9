"""`eventually(cond)`: poll instead of sleeping a fixed time (STYLE 15)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


def eventually(condition: Callable[[], T], *, timeout: float = 5.0, interval: float = 0.02) -> T:
    """Call `condition` until it returns something truthy (returned) or `timeout` passes (AssertionError)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition still false after {timeout}s: last value {value!r}")
        time.sleep(interval)


async def eventually_async(
    condition: Callable[[], Awaitable[T]], *, within: float = 5.0, interval: float = 0.02
) -> T:
    """Async twin of `eventually` for conditions that await (e.g. an HTTP call); `within` seconds."""
    deadline = time.monotonic() + within
    while True:
        value = await condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition still false after {within}s: last value {value!r}")
        await asyncio.sleep(interval)
