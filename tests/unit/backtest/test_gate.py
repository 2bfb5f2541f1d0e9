"""The trader's risk gate inside the backtest: limits, kill switches and the summary's `risk`."""

from __future__ import annotations

import numpy as np
import pytest

from alphaloop.backtest.gate import KillSwitchTrack
from alphaloop.backtest.runner import BacktestConfig, run_plans
from alphaloop.backtest.summary import run_labels
from alphaloop.decision.rules import RandomEntries
from alphaloop.engine.sizing import SizingPolicy
from alphaloop.model.instruments import COMPETITION_SYMBOLS
from alphaloop.risk import Baseline, RiskLimits, TradingState, evaluate, update_baseline
from tests.kit.backtest import real_frame

HOUR = 3_600_000


def reference_states(times: np.ndarray, equity: np.ndarray, limits: RiskLimits) -> list[tuple[int, str]]:
    """What the trader does: update_baseline then evaluate at every reading."""
    state, reason, since = TradingState.ACTIVE, "started", 0
    baseline: Baseline | None = None
    changes = []
    for t, e in zip(times.tolist(), equity.tolist(), strict=True):
        baseline = update_baseline(baseline, e, t)
        change = evaluate(state, baseline, e, t, limits, reason=reason, since_ms=since)
        if change is not None:
            state, reason, since = change.state, change.reason, t
            changes.append((t, change.state.value))
    return changes


@pytest.mark.parametrize("seed", range(6))
def test_the_bulk_kill_switch_changes_state_exactly_where_the_trader_would(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 24 * 60
    times = 1_700_000_000_000 // HOUR * HOUR + np.arange(n, dtype=np.int64) * HOUR
    equity = 10_000 * np.exp(np.cumsum(rng.normal(0, 0.012, n)))
    limits = RiskLimits(daily_drawdown=0.04, total_drawdown=0.3 if seed % 2 else 0.12)
    want = reference_states(times, equity, limits)
    track = KillSwitchTrack(limits)
    cuts = np.sort(rng.choice(np.arange(1, n), size=25, replace=False))
    for part_t, part_e in zip(np.split(times, cuts), np.split(equity, cuts), strict=True):
        track.observe(part_t, part_e)
    assert [(c.at_ms, c.state.value) for c in track.changes] == want
    assert any(state == "reducing" for _, state in want)


def test_the_gate_holds_open_positions_to_the_limit_that_the_plain_replay_exceeds() -> None:
    frame = real_frame(COMPETITION_SYMBOLS, "1h", "2024-01-01", "2024-03-01")
    plans = dict(RandomEntries(seed=5, entry_rate=0.05, hold_bars=40).plan(frame))
    sizing = SizingPolicy(mode="slot")
    limits = RiskLimits(max_open_positions=3)
    gated = run_plans(frame, plans, BacktestConfig(leverage=2, sizing=sizing, limits=limits), strategy="r")
    plain = run_plans(frame, plans, BacktestConfig(leverage=2, sizing=sizing, risk_gate=False), strategy="r")
    assert max_open(plain.result.fills) > 3
    assert max_open(gated.result.fills) <= 3
    denials = gated.risk["denials"]
    assert isinstance(denials, dict)
    assert denials["max_positions"] > 0
    assert plain.risk == {"enabled": False}
    assert run_labels({"risk": plain.risk}) == ["NO RISK GATE"]
    assert run_labels({"risk": gated.risk}) == []


def test_after_the_total_drawdown_halt_no_order_is_sent() -> None:
    frame = real_frame(COMPETITION_SYMBOLS[:4], "1h", "2024-01-01", "2024-06-01")
    plans = dict(RandomEntries(seed=1, entry_rate=0.08, hold_bars=10).plan(frame))
    limits = RiskLimits(total_drawdown=0.03, daily_drawdown=0.5, max_risk_per_trade=0.05)
    config = BacktestConfig(leverage=5, sizing=SizingPolicy(mode="risk", risk_fraction=0.02), limits=limits)
    run = run_plans(frame, plans, config, strategy="r")
    halted_at = run.risk["halted_at"]
    assert isinstance(halted_at, str)
    from alphaloop.ops.backtest import parse_day

    halt_ms = parse_day(halted_at)
    # HALTED stops every entry; exits still go through (the trader's rule), but only of positions
    # already held when the halt fired
    entries_after = [f for f in run.result.fills if f.timestamp > halt_ms and f.reason == "open"]
    assert entries_after == []
    held: set[str] = set()
    for f in run.result.fills:
        if f.timestamp > halt_ms:
            break
        if f.reason == "open":
            held.add(f.symbol)
        else:
            held.discard(f.symbol)
    closes_after = {f.symbol for f in run.result.fills if f.timestamp > halt_ms and f.reason == "close"}
    assert closes_after <= held
    assert run.risk["denials"]["trading_halted"] > 0  # type: ignore[index]
    plain = run_plans(frame, plans, BacktestConfig(leverage=5, risk_gate=False), strategy="r")
    assert [f for f in plain.result.fills if f.timestamp > halt_ms and f.reason == "open"]


def max_open(fills: object) -> int:
    held: set[str] = set()
    most = 0
    for f in fills:  # type: ignore[attr-defined]
        if f.reason == "open":
            held.add(f.symbol)
        else:
            held.discard(f.symbol)
        most = max(most, len(held))
    return most


def test_leverage_above_the_limit_is_refused_unless_the_gate_is_off() -> None:
    from alphaloop.model.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="--no-risk"):
        BacktestConfig(leverage=20)
    assert BacktestConfig(leverage=20, risk_gate=False).leverage == 20
