"""A restart soon after the last start: the venue's leverage budget (WOO X: 10 calls per 60 s, one
call per symbol at each start) is spent, so `set_leverage` answers 429 for up to a minute. The
trader must wait it out, not exit: the fault drill on WOO X died this way on its first SIGKILL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from alphaloop.model.errors import RateLimitedError
from alphaloop.venues.sim.venue import SimVenue
from tests.kit.trading import ScriptedModel, WallClock, start_rig, steps

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]

#: the window of WOO X's leverage budget, in wall seconds
WINDOW_S = 60.0


class SpentLeverageBudget:
    """The venue, with `set_leverage` refused (429, no Retry-After) until the window has passed."""

    def __init__(self, venue: SimVenue, wall: WallClock) -> None:
        self._venue, self._wall = venue, wall
        self._until = wall() + WINDOW_S - 5.0
        self.refused = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._venue, name)

    async def set_leverage(self, *args: Any, **kwargs: Any) -> None:
        if self._wall() < self._until:
            self.refused += 1
            raise RateLimitedError("HTTP 429 code -1003: PUT /v3/futures/leverage: Rate limit exceed.")
        await self._venue.set_leverage(*args, **kwargs)


async def test_a_spent_leverage_budget_at_start_up_is_waited_out(tmp_path: Path) -> None:
    rig = await start_rig(tmp_path, ScriptedModel(steps()), started=False)
    budget = SpentLeverageBudget(rig.replay.venue, rig.wall)
    rig.trader.venue = budget
    started = rig.wall()
    await rig.trader.start()  # raised RateLimitedError after ~4 s of retries
    assert budget.refused > 0
    assert rig.wall() - started >= WINDOW_S - 5.0
    assert rig.wall() - started < 2 * WINDOW_S, "waited far longer than the venue's window"
    rig.journal.close()
