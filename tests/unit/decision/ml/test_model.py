"""MlModel: vectorised plans, live decisions that agree with them, explanations from the model."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from alphaloop.backtest.runner import BacktestConfig, build_ledger, run_backtest
from alphaloop.backtest.stepwise import build_snapshot, run_stepwise
from alphaloop.decision.base import VectorizedModel
from alphaloop.decision.ml import MlArtifact, MlModel
from alphaloop.decision.ml.signals import entry_edges, signal_state, time_exits
from alphaloop.features import FEATURE_LOOKBACK, FEATURE_NAMES, funding_at
from alphaloop.model.ailog import MAX_EXPLANATION_WORDS, word_count
from alphaloop.model.decision import Action
from alphaloop.model.errors import ConfigurationError
from alphaloop.model.frame import Bars, MarketFrame
from alphaloop.model.snapshot import AccountView, PositionView, Snapshot


@pytest.fixture(scope="module")
def model(artifact: MlArtifact) -> MlModel:
    """The tiny model with its learnt thresholds (5% of out-of-fold bars beyond them)."""
    return MlModel(artifact)


def clone(model: MlModel) -> MlModel:
    """The same model without the memory of earlier decisions."""
    return MlModel(model.artifact)


def truncated(frame: MarketFrame, stop: int) -> MarketFrame:
    bars = {
        s: Bars(b.open[:stop], b.high[:stop], b.low[:stop], b.close[:stop], b.volume[:stop])
        for s, b in frame.bars.items()
    }
    return MarketFrame(frame.timeframe, frame.ts[:stop], bars, frame.funding)


def test_signal_helpers() -> None:
    state = signal_state(np.array([np.nan, 0.5, 0.7, 0.8, 0.5, 0.2, 0.1, 0.75]), 0.6, 0.4)
    np.testing.assert_array_equal(state, [0, 0, 1, 1, 0, -1, -1, 1])
    entry = entry_edges(state)
    np.testing.assert_array_equal(entry, [0, 0, 1, 0, 0, -1, 0, 1])
    np.testing.assert_array_equal(np.flatnonzero(time_exits(entry, 2)), [4])  # 2 bars after 2; 5 was replaced
    assert not time_exits(entry, 0).any()


def test_the_model_implements_the_vectorised_port(model: MlModel, artifact: MlArtifact) -> None:
    assert isinstance(model, VectorizedModel)
    assert (model.long_threshold, model.short_threshold) == artifact.thresholds
    manual = MlModel(artifact, entry_threshold=0.6)
    assert (manual.long_threshold, manual.short_threshold) == (0.6, pytest.approx(0.4))
    assert model.info.name == "alphaloop-lgbm"
    assert model.info.version == artifact.version
    assert model.lookback == FEATURE_LOOKBACK + artifact.horizon_bars + 1


def test_plan_entries_are_edges_with_atr_exits(model: MlModel, frame: MarketFrame) -> None:
    plans = model.plan(frame)
    probability, _ = model.probabilities(frame)
    assert set(plans) == set(frame.symbols)
    total = 0
    for symbol, plan in plans.items():
        assert plan.entry.dtype == np.int8
        assert len(plan.entry) == len(frame)
        assert not plan.entry[: FEATURE_LOOKBACK - 1].any()
        at = np.flatnonzero(plan.entry)
        total += len(at)
        close = frame.bars[symbol].close[at]
        direction = plan.entry[at]
        assert np.all((plan.stop_loss[at] - close) * direction < 0)
        assert np.all((plan.take_profit[at] - close) * direction > 0)
        assert np.isnan(plan.stop_loss[plan.entry == 0]).all()
        # Entries are the edges of the thresholded probability, nothing else.
        state = signal_state(probability[symbol], model.long_threshold, model.short_threshold)
        np.testing.assert_array_equal(plan.entry, entry_edges(state))
        exits = np.flatnonzero(plan.exit)
        for b in exits:
            assert plan.entry[b - model.hold_bars] != 0
            assert not plan.entry[b - model.hold_bars + 1 : b + 1].any()
        assert np.all(
            (plan.confidence[FEATURE_LOOKBACK:] >= 0.5) | np.isnan(plan.confidence[FEATURE_LOOKBACK:])
        )
    assert total >= 20


def test_a_plan_at_bar_t_uses_bars_up_to_t_only(model: MlModel, frame: MarketFrame) -> None:
    full = model.plan(frame)
    for stop in (FEATURE_LOOKBACK + 40, 1500, len(frame) - 5):
        part = model.plan(truncated(frame, stop))
        for symbol in frame.symbols:
            np.testing.assert_array_equal(part[symbol].entry, full[symbol].entry[:stop])
            np.testing.assert_array_equal(part[symbol].exit, full[symbol].exit[:stop])
            np.testing.assert_array_equal(part[symbol].stop_loss, full[symbol].stop_loss[:stop])


def funding_steady(frame: MarketFrame, b: int, bars: int) -> bool:
    """No symbol's known funding rate changed over the last `bars` closes up to bar b."""
    closes = frame.ts[b - bars + 1 : b + 1] + frame.step_ms
    return all(len({funding_at(series, int(t)) for t in closes}) == 1 for series in frame.funding.values())


def test_decide_on_a_fresh_snapshot_agrees_with_the_plan(frame: MarketFrame, artifact: MlArtifact) -> None:
    # A fresh model re-scores the last hold_bars + 2 bars with the snapshot's current funding
    # rate, so the check takes bars with no settlement in that stretch; bar by bar (next test)
    # the model remembers earlier bars and agrees everywhere.
    reference = MlModel(artifact, entry_threshold=0.52)
    plans = reference.plan(frame)
    ledger = build_ledger(frame, BacktestConfig())
    entries = sorted({int(i) for p in plans.values() for i in np.flatnonzero(p.entry)[3:60:4]})
    quiet = list(range(reference.lookback, len(frame), 211))
    chosen = [b for b in sorted(set(entries + quiet)) if funding_steady(frame, b, reference.hold_bars + 2)]
    assert sum(b in entries for b in chosen) >= 10
    for b in chosen:
        fresh = MlModel(artifact, entry_threshold=0.52)  # no memory of earlier bars
        snapshot = build_snapshot(frame, b, ledger, list(frame.bars), fresh.lookback, [0] * len(frame.bars))
        decision = fresh.decide(snapshot)
        for symbol, plan in plans.items():
            item = decision.for_symbol(symbol)
            got = item.action if item else Action.HOLD
            assert got.direction == plan.entry[b], (symbol, b)
            if got.direction:
                assert item is not None
                assert item.stop_loss == pytest.approx(plan.stop_loss[b], rel=1e-12)
                assert item.take_profit == pytest.approx(plan.take_profit[b], rel=1e-12)
                assert item.confidence == pytest.approx(plan.confidence[b], rel=1e-12)


def test_decide_bar_by_bar_trades_exactly_like_the_plan(model: MlModel, frame: MarketFrame) -> None:
    part = frame.slice(int(frame.ts[1900]), None)
    part = MarketFrame(
        part.timeframe, part.ts, part.bars, frame.slice(None, int(part.ts[-1]) + 2 * 3_600_000).funding
    )
    config = BacktestConfig()
    planned = run_backtest(part, model, config).result
    stepped = run_stepwise(part, clone(model), config).result
    assert len(planned.trades) >= 10
    assert stepped.trades == planned.trades
    np.testing.assert_array_equal(stepped.equity, planned.equity)


def snapshot_with_position(frame: MarketFrame, b: int, model: MlModel, symbol: str) -> Snapshot:
    base = build_snapshot(
        frame, b, build_ledger(frame, BacktestConfig()), list(frame.bars), model.lookback, [0] * 8
    )
    position = PositionView(symbol, 1, 1.0, float(frame.bars[symbol].close[b]), int(frame.ts[b]), 0.0)
    return replace(base, positions={symbol: position})


def test_time_exit_closes_an_open_position(model: MlModel, frame: MarketFrame) -> None:
    plans = model.plan(frame)
    symbol, plan = next((s, p) for s, p in plans.items() if p.exit[model.lookback :].any())
    b = int(np.flatnonzero(plan.exit[model.lookback :])[0]) + model.lookback
    fresh = clone(model)
    decision = fresh.decide(snapshot_with_position(frame, b, fresh, symbol))
    item = decision.for_symbol(symbol)
    assert item is not None
    assert item.action is Action.CLOSE
    assert f"held {model.hold_bars} bars" in item.reason


def test_explanations_name_the_top_drivers_and_stay_short(model: MlModel, frame: MarketFrame) -> None:
    plans = model.plan(frame)
    b = max(int(np.flatnonzero(p.entry)[-1]) for p in plans.values())
    snapshot = build_snapshot(
        frame, b, build_ledger(frame, BacktestConfig()), list(frame.bars), model.lookback, [0] * 8
    )
    decision = model.decide(snapshot)
    assert decision.model == model.info
    assert decision.actionable
    assert word_count(decision.explanation) <= MAX_EXPLANATION_WORDS
    for item in decision.actionable:
        assert item.symbol in decision.explanation
        assert "Drivers (log-odds)" in item.reason
        assert item.reason in decision.explanation
    assert "p(up)" in decision.explanation
    assert set(decision.input["features"]) == set(frame.symbols)
    assert set(decision.input["features"]["BTC/USDT:USDT"]) == set(FEATURE_NAMES)
    assert decision.output["actions"]["BTC/USDT:USDT"] in {a.value for a in Action}
    p_up = decision.output["p_up"]
    assert all(0 < v < 1 for v in p_up.values() if v is not None)


def test_an_empty_snapshot_holds_and_a_wrong_timeframe_is_refused(model: MlModel, frame: MarketFrame) -> None:
    empty = Snapshot(0, "1h", {}, AccountView(1.0, 1.0, 1.0, 0.0))
    assert model.decide(empty).decisions == ()
    with pytest.raises(ConfigurationError, match="trained on 1h"):
        model.plan(MarketFrame("5m", frame.ts[:10], {}, {}))
    with pytest.raises(ConfigurationError, match="threshold"):
        MlModel(model.artifact, entry_threshold=0.5)
    with pytest.raises(ConfigurationError, match="features"):
        MlModel(replace(model.artifact, feature_names=("ret_1", "gamma_exposure")))
