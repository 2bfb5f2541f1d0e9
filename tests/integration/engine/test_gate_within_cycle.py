"""The risk gate inside one cycle: every order is gated against the state projected by the orders
already sent in that cycle (issue 12, observed defect 1: eight entries through a four-position
limit, 3.58x notional, 72% margin in one cycle)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from alphaloop.model import PositionSide
from alphaloop.model.decision import Action, SymbolDecision
from alphaloop.risk import RiskLimits
from tests.kit.trading import SYMBOLS, ScriptedModel, open_long, start_rig, steps, table_rows

pytestmark = pytest.mark.integration


def every_symbol_long(confidences: list[float] | None = None) -> list[SymbolDecision]:
    wishes = [open_long(s) for s in SYMBOLS]
    if confidences is None:
        return wishes
    return [
        SymbolDecision(w.symbol, w.action, confidence=c, reason=w.reason)
        for w, c in zip(wishes, confidences, strict=True)
    ]


async def _exposure(rig: object) -> tuple[int, Decimal, Decimal, Decimal]:
    venue = rig.replay.venue  # type: ignore[attr-defined]
    positions = [p for p in await venue.fetch_positions() if p.size > 0]
    balance = await venue.fetch_balance()
    notional = sum((p.size * p.entry_price for p in positions), Decimal(0))
    return len(positions), notional, balance.total, balance.total - balance.free


@pytest.mark.asyncio
async def test_eight_entries_in_one_cycle_respect_the_position_limit(tmp_path: Path) -> None:
    rig = await start_rig(tmp_path, ScriptedModel(steps(every_symbol_long())))
    [report] = await rig.step()
    count, _, _, _ = await _exposure(rig)
    assert count == 4
    assert report.sent == 4
    denials = table_rows(rig.journal, "denials")
    assert [d["rule"] for d in denials] == ["max_positions"] * 4
    snapshots = table_rows(rig.journal, "position_snapshots")
    assert max(sum(1 for s in snapshots if s["at_ms"] == at) for at in {s["at_ms"] for s in snapshots}) <= 4


@pytest.mark.asyncio
async def test_notional_and_margin_limits_hold_on_the_projected_state(tmp_path: Path) -> None:
    """Sized at 90% of the notional cap each, eight entries: the total and margin caps must stop
    the cycle, measured at the venue after it."""
    limits = RiskLimits(
        max_open_positions=8, max_total_notional=1.5, max_margin_use=0.25, max_risk_per_trade=0.05
    )
    rig = await start_rig(tmp_path, ScriptedModel(steps(every_symbol_long())), limits=limits)
    await rig.step()
    count, notional, equity, used = await _exposure(rig)
    assert 0 < count < 8
    assert notional <= Decimal("1.5") * equity * Decimal("1.01")  # fills slip from the reference price
    assert used <= Decimal("0.25") * equity * Decimal("1.01")
    rules = {d["rule"] for d in table_rows(rig.journal, "denials")}
    assert rules & {"total_notional", "margin_use"}


@pytest.mark.asyncio
async def test_the_strongest_signals_get_the_room(tmp_path: Path) -> None:
    confidences = [0.51, 0.9, 0.52, 0.8, 0.53, 0.95, 0.54, 0.85]
    rig = await start_rig(tmp_path, ScriptedModel(steps(every_symbol_long(confidences))))
    await rig.step()
    positions = [p for p in await rig.replay.venue.fetch_positions() if p.size > 0]
    strongest = {SYMBOLS[i] for i in sorted(range(8), key=lambda i: -confidences[i])[:4]}
    assert {p.symbol for p in positions} == strongest
    assert all(p.side is PositionSide.LONG for p in positions)


@pytest.mark.asyncio
async def test_entries_exits_and_stops_share_one_pace_of_eight_calls_a_second(tmp_path: Path) -> None:
    """Eight entries, then eight exits and new entries: every money call the journal recorded
    (send times) fits 8 per sliding second."""
    limits = RiskLimits(
        max_open_positions=8, max_total_notional=8.0, max_margin_use=1.0, min_entry_interval_s=0
    )
    closes = [SymbolDecision(s, Action.CLOSE, confidence=0.6, reason="exit") for s in SYMBOLS]
    rig = await start_rig(
        tmp_path, ScriptedModel(steps(every_symbol_long(), closes, every_symbol_long())), limits=limits
    )
    await rig.step(3)
    sent = sorted(c["at_ms"] for c in table_rows(rig.journal, "api_calls"))
    assert len(sent) >= 20
    assert max(sum(1 for u in sent if t <= u < t + 1000) for t in sent) == 8
