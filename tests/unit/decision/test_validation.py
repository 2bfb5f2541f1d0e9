"""Semantic validation of decisions against their snapshot (shared by the LLM and offline models)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from alphaloop.decision.validation import validate_decision
from alphaloop.model.decision import Action, Decision, ModelInfo, SymbolDecision
from alphaloop.model.errors import ConfigurationError
from alphaloop.model.instruments import COMPETITION_SYMBOLS
from alphaloop.model.snapshot import AccountView, CandleWindow, PositionView, Snapshot, SymbolView

BTC, ETH, SOL = "BTC/USDT:USDT", "ETH/USDT:USDT", "SOL/USDT:USDT"
MODEL = ModelInfo("test-model", "1")


def candles(last: float) -> CandleWindow:
    close = np.array([last * 0.99, last * 1.01, last])
    return CandleWindow(
        ts=np.array([0, 3_600_000, 7_200_000], dtype=np.int64),
        open=close,
        high=close,
        low=close,
        close=close,
        volume=np.ones(3),
    )


def snapshot(*, positions: dict[str, int] | None = None, prices: dict[str, float] | None = None) -> Snapshot:
    prices = prices or {BTC: 100.0, ETH: 50.0}
    return Snapshot(
        timestamp=10_800_000,
        timeframe="1h",
        symbols={s: SymbolView(s, candles(p)) for s, p in prices.items()},
        account=AccountView(equity=1000, wallet=1000, available=1000, used_margin=0),
        positions={
            s: PositionView(s, direction, size=1, entry_price=prices[s], opened_ms=0, unrealized_pnl=0)
            for s, direction in (positions or {}).items()
        },
    )


def check(*decisions: SymbolDecision, snap: Snapshot | None = None, **options: Any) -> list[str | None]:
    """The verdict (None = accepted, else the reason) of each decision, in order."""
    values: dict[str, Any] = {"leverage_cap": 20, "allowed_symbols": COMPETITION_SYMBOLS}
    values.update(options)
    outcome = validate_decision(Decision(1, decisions, MODEL), snap or snapshot(), **values)
    return [reason for _, reason in outcome.verdicts]


def long(
    symbol: str = BTC, stop: float | None = 95.0, target: float | None = 110.0, **extra: Any
) -> SymbolDecision:
    return SymbolDecision(symbol, Action.OPEN_LONG, stop_loss=stop, take_profit=target, **extra)


def short(
    symbol: str = BTC, stop: float | None = 105.0, target: float | None = 90.0, **extra: Any
) -> SymbolDecision:
    return SymbolDecision(symbol, Action.OPEN_SHORT, stop_loss=stop, take_profit=target, **extra)


def test_a_long_and_a_short_with_sound_exit_plans_are_accepted() -> None:
    assert check(long(), short(ETH, stop=52.0, target=45.0)) == [None, None]


def test_a_hold_is_accepted_even_without_levels() -> None:
    assert check(SymbolDecision(BTC, Action.HOLD)) == [None]


def test_a_symbol_outside_the_allowed_list_is_rejected() -> None:
    [reason] = check(long(), allowed_symbols=[ETH])
    assert reason == "BTC/USDT:USDT is not an allowed symbol"


def test_an_allowed_symbol_missing_from_the_snapshot_is_rejected() -> None:
    [reason] = check(long(SOL))
    assert reason == "the snapshot has no market data for SOL/USDT:USDT"


def test_an_action_that_is_not_of_the_enum_is_rejected() -> None:
    raw = SymbolDecision(BTC, "buy", stop_loss=95.0, take_profit=110.0)  # type: ignore[arg-type]
    [reason] = check(raw)
    assert reason == "action 'buy' is not one of hold, open_long, open_short, close"


@pytest.mark.parametrize(
    ("leverage", "accepted"), [(1, True), (20, True), (21, False), (0, False), (True, False)]
)
def test_leverage_must_be_a_whole_number_up_to_the_cap(leverage: int, accepted: bool) -> None:
    [reason] = check(long(leverage=leverage))
    assert (reason is None) is accepted
    if not accepted:
        assert reason == f"leverage {leverage} is not a whole number from 1 to 20"


def test_a_lowered_cap_is_enforced() -> None:
    assert check(long(leverage=10), leverage_cap=5) == ["leverage 10 is not a whole number from 1 to 5"]


@pytest.mark.parametrize(
    ("decision", "expected"),
    [
        (long(stop=101.0), "long stop_loss 101 must be below the last close 100"),
        (long(stop=100.0), "long stop_loss 100 must be below the last close 100"),
        (long(target=99.0), "long take_profit 99 must be above the last close 100"),
        (short(stop=99.0), "short stop_loss 99 must be above the last close 100"),
        (short(target=101.0), "short take_profit 101 must be below the last close 100"),
    ],
)
def test_stop_and_target_must_sit_on_the_right_side_of_the_last_close(
    decision: SymbolDecision, expected: str
) -> None:
    assert check(decision) == [expected]


def test_round_trip_fees_turn_an_even_reward_risk_into_a_rejection() -> None:
    even = long(stop=99.0, target=101.0)  # 1:1 before fees
    assert check(even, taker_fee_rate=0.0) == [None]
    [reason] = check(even, taker_fee_rate=0.0008)
    # fees 2 * 0.0008 * 100 = 0.16: reward 0.84, risk 1.16
    assert reason == "reward/risk 0.72 after round-trip fees is below 1 (reward 0.84, risk 1.16 per unit)"


def test_a_target_inside_the_fees_is_rejected_as_not_covering_them() -> None:
    [reason] = check(long(stop=99.0, target=100.1))
    assert reason == "take_profit 100.1 does not cover the round-trip fees (0.16 per unit)"


def test_the_minimum_reward_risk_is_configurable() -> None:
    trade = long(stop=98.0, target=104.0)  # ~1.85 after fees
    assert check(trade, min_reward_risk=1.5) == [None]
    assert check(trade, min_reward_risk=2.0)[0] is not None


def test_close_needs_an_open_position() -> None:
    close = SymbolDecision(BTC, Action.CLOSE)
    assert check(close) == ["close without an open position"]
    assert check(close, snap=snapshot(positions={BTC: 1})) == [None]


def test_opening_both_sides_of_a_symbol_in_one_answer_rejects_both() -> None:
    assert check(long(), short(), SymbolDecision(BTC, Action.HOLD)) == [
        "opens both sides in one answer",
        "opens both sides in one answer",
        None,
    ]


def test_two_actions_for_one_symbol_are_rejected() -> None:
    reasons = check(long(), SymbolDecision(BTC, Action.CLOSE), snap=snapshot(positions={BTC: 1}))
    assert reasons == ["more than one action for the symbol in one answer (open_long, close)"] * 2


def test_an_open_against_an_opposite_position_is_a_valid_reversal() -> None:
    assert check(short(), snap=snapshot(positions={BTC: 1})) == [None]


@pytest.mark.parametrize(
    ("confidence", "accepted"), [(0.0, True), (1.0, True), (1.5, False), (math.nan, False)]
)
def test_confidence_must_lie_in_zero_to_one(confidence: float, accepted: bool) -> None:
    assert (check(long(confidence=confidence))[0] is None) is accepted


def test_an_entry_without_an_exit_plan_is_rejected_unless_exits_are_managed_elsewhere() -> None:
    bare = long(stop=None, target=None)
    assert check(bare) == ["an entry needs both stop_loss and take_profit"]
    assert check(bare, require_exit_plan=False) == [None]
    assert check(long(stop=101.0, target=None), require_exit_plan=False) == [
        "long stop_loss 101 must be below the last close 100"
    ]


def test_non_finite_levels_are_rejected() -> None:
    assert check(long(stop=math.inf)) == ["stop_loss inf is not a positive price"]
    assert check(long(target=-5.0)) == ["take_profit -5 is not a positive price"]


def test_risk_fraction_must_lie_in_zero_to_one() -> None:
    assert check(long(risk_fraction=0.02)) == [None]
    assert check(long(risk_fraction=0.0)) == ["risk fraction 0 is outside (0, 1]"]


def test_apply_replaces_each_rejection_by_an_explicit_hold_in_place() -> None:
    decision = Decision(
        7, (long(stop=101.0), long(ETH, stop=45.0, target=60.0)), MODEL, explanation="why", input={"a": 1}
    )
    outcome = validate_decision(decision, snapshot(), leverage_cap=20, allowed_symbols=COMPETITION_SYMBOLS)
    applied = outcome.apply(decision)
    assert not outcome.ok
    assert [r.describe() for r in outcome.rejected] == [
        "BTC/USDT:USDT open_long: long stop_loss 101 must be below the last close 100"
    ]
    assert applied.decisions == (
        SymbolDecision(
            BTC, Action.HOLD, reason="rejected open_long: long stop_loss 101 must be below the last close 100"
        ),
        long(ETH, stop=45.0, target=60.0),
    )
    assert (applied.explanation, applied.input, applied.model) == ("why", {"a": 1}, MODEL)
    assert applied.actionable == (long(ETH, stop=45.0, target=60.0),)


@pytest.mark.parametrize(
    "options",
    [{"leverage_cap": 0}, {"taker_fee_rate": -0.1}, {"taker_fee_rate": math.nan}, {"min_reward_risk": -1.0}],
)
def test_impossible_settings_are_configuration_errors(options: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        check(long(), **options)


@given(
    stop=st.floats(min_value=50, max_value=150, allow_nan=False),
    target=st.floats(min_value=50, max_value=150, allow_nan=False),
    direction=st.sampled_from([1, -1]),
)
def test_every_accepted_entry_pays_at_least_its_risk_after_fees(
    stop: float, target: float, direction: int
) -> None:
    decision = long(stop=stop, target=target) if direction > 0 else short(stop=stop, target=target)
    [reason] = check(decision)
    if reason is None:
        fees = 2 * 0.0008 * 100
        assert (stop < 100 < target) if direction > 0 else (target < 100 < stop)
        assert abs(target - 100) - fees >= abs(100 - stop) + fees
