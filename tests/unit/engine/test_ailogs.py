"""AI-log records: they describe the order actually sent, fit the competition's limits, name every
model that contributed and are plain JSON."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from alphaloop.engine.ailogs import DECISION_STAGE, RISK_STAGE, model_label, order_ai_log, stop_loss_ai_log
from alphaloop.engine.planning import PlannedOrder, plan_orders, positions_by_symbol
from alphaloop.engine.sizing import SizingPolicy
from alphaloop.model import AiLog, Instrument, Position, PositionSide
from alphaloop.model.ailog import MAX_EXPLANATION_WORDS, fit_explanation, word_count
from alphaloop.model.decision import Action, Decision, ModelInfo, SymbolDecision
from alphaloop.model.snapshot import AccountView, CandleWindow, Snapshot, SymbolView

BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"
BAR = 1_748_826_000_000
ML = ModelInfo("lgbm-direction", "2")
LLM = ModelInfo("deepseek-chat", "v3", "deepseek")
OID = "al0123456789abcde00e"


def instrument(symbol: str) -> Instrument:
    base = symbol.split("/")[0]
    return Instrument(
        symbol=symbol,
        venue_symbol=f"cmt_{base.lower()}usdt",
        base=base,
        quote="USDT",
        settle="USDT",
        price_tick=Decimal("0.1"),
        size_step=Decimal("0.001"),
        min_size=Decimal("0.001"),
        max_size=Decimal(10_000),
    )


def snapshot() -> Snapshot:
    closes = np.array([99.0, np.nan, 100.0])
    window = CandleWindow(
        ts=np.array([BAR - 3 * 3_600_000, BAR - 2 * 3_600_000, BAR - 3_600_000], dtype=np.int64),
        open=closes,
        high=closes + 1,
        low=closes - 1,
        close=closes,
        volume=np.ones(3),
    )
    views = {s: SymbolView(s, window, funding_rate=float(np.float64(0.0001))) for s in (BTC, ETH)}
    return Snapshot(BAR, "1h", views, AccountView(10_000.0, 10_000.0, 9_000.0, 1_000.0))


def decision(*wishes: SymbolDecision, models: tuple[ModelInfo, ...] = (), explanation: str = "") -> Decision:
    return Decision(
        BAR,
        wishes,
        LLM if models else ML,
        explanation=explanation or "Momentum and funding agree.",
        models=models,
        input={
            "features": {BTC: {"rsi": np.float64(61.5), "gap": np.nan}, ETH: {"rsi": np.float64(38.0)}},
            "prompt_tokens": np.int64(812),
            "last_price": Decimal("100.05"),
        },
        output={
            "p_up": {BTC: np.float32(0.625), ETH: 0.41},
            "closes": np.array([1.0, np.inf]),
            "actions": [w.action for w in wishes],
        },
    )


def planned(made: Decision, *, units: float = 0.0379, held: tuple[Position, ...] = ()) -> PlannedOrder:
    [order], _ = plan_orders(
        made,
        positions=positions_by_symbol(held),
        instruments={BTC: instrument(BTC), ETH: instrument(ETH)},
        prices={BTC: Decimal(100), ETH: Decimal(100)},
        account=AccountView(10_000.0, 10_000.0, 10_000.0, 0.0),
        sizing=SizingPolicy(mode="units", units=units),
        leverage=5,
    )
    return order


def log_for(made: Decision, order: PlannedOrder, max_chars: int | None = 1000) -> AiLog:
    return order_ai_log(made, order, client_oid=OID, snapshot=snapshot(), max_chars=max_chars)


def strict_json(value: Any) -> Any:
    return json.loads(json.dumps(value, allow_nan=False))


# ---------------------------------------------------------------------- the order actually sent


def test_log_describes_the_rounded_order_not_the_model_wish() -> None:
    made = decision(
        SymbolDecision(BTC, Action.OPEN_LONG, 0.7, stop_loss=97.26, take_profit=110.04, reason="Breakout.")
    )
    log = log_for(made, planned(made))
    assert log.stage == DECISION_STAGE
    assert log.output["order"] == {
        "client_oid": OID,
        "symbol": "cmt_btcusdt",
        "side": "buy",
        "intent": "open_long",
        "type": "market",
        "size": "0.037",
        "reference_price": "100",
        "stop_loss": "97.2",
        "take_profit": "110.1",
        "leverage": 5,
    }
    assert log.explanation.startswith(
        "Open long 0.037 BTC at market (about 100 USDT), stop-loss 97.2, take-profit 110.1, leverage 5x."
    )
    assert "0.0379" not in log.explanation
    assert "97.26" not in log.explanation
    assert "Breakout." in log.explanation
    assert "Momentum and funding agree." in log.explanation
    # the model's own wish stays visible as its output, beside the order
    assert log.output["model_stop_loss"] == 97.26
    assert log.order_id is None


def test_engine_default_stop_is_said_to_be_the_engines() -> None:
    made = decision(SymbolDecision(BTC, Action.OPEN_SHORT, 0.6))
    log = log_for(made, planned(made))
    assert log.output["order"]["side"] == "sell"
    assert log.output["order"]["stop_loss"] == "103"
    assert "stop-loss 103 (engine default" in log.explanation


@pytest.mark.parametrize(
    ("side", "verb", "venue_side"),
    [(PositionSide.LONG, "Close long", "sell"), (PositionSide.SHORT, "Close short", "buy")],
)
def test_exit_log_names_the_closing_side(side: PositionSide, verb: str, venue_side: str) -> None:
    made = decision(SymbolDecision(ETH, Action.CLOSE, 0.5))
    held = (Position(ETH, side, Decimal("1.25"), Decimal(95), Decimal(5)),)
    log = log_for(made, planned(made, held=held))
    assert log.output["order"]["symbol"] == "cmt_ethusdt"
    assert log.output["order"]["side"] == venue_side
    assert log.output["order"]["size"] == "1.25"
    assert log.output["order"]["stop_loss"] is None
    assert log.explanation.startswith(f"{verb} 1.25 ETH at market")


# ---------------------------------------------------------------------- limits


@pytest.mark.parametrize("max_chars", [1000, 300, None])
def test_explanation_fits_500_words_and_the_character_cap(max_chars: int | None) -> None:
    long_story = " ".join(f"reason{i}" for i in range(2_000))
    made = decision(
        SymbolDecision(BTC, Action.OPEN_LONG, 0.7, reason="Why: " + long_story), explanation=long_story
    )
    log = log_for(made, planned(made), max_chars=max_chars)
    assert word_count(log.explanation) <= MAX_EXPLANATION_WORDS
    if max_chars is not None:
        assert len(log.explanation) <= max_chars
    # what was cut is the model's prose, never the description of the order
    assert log.explanation.startswith("Open long 0.037 BTC at market")
    assert log.explanation.endswith("…")


# ---------------------------------------------------------------------- models


def test_hybrid_decision_names_every_contributor() -> None:
    made = decision(SymbolDecision(BTC, Action.OPEN_LONG, 0.7), models=(LLM, ML))
    log = log_for(made, planned(made))
    assert log.model == "deepseek-chat@v3 + lgbm-direction@2"
    assert log.extra["models"] == ["deepseek-chat@v3", "lgbm-direction@2"]
    assert model_label(made) == log.model


def test_single_model_decision_is_labelled_with_that_model() -> None:
    made = decision(SymbolDecision(BTC, Action.OPEN_LONG, 0.7))
    assert log_for(made, planned(made)).model == "lgbm-direction@2"


# ---------------------------------------------------------------------- JSON


def test_input_and_output_are_strict_json_cut_to_the_orders_symbol() -> None:
    made = decision(SymbolDecision(BTC, Action.OPEN_LONG, 0.7))
    log = log_for(made, planned(made))
    assert strict_json(log.input) == log.input
    assert strict_json(log.output) == log.output
    model_input = log.input["model_input"]
    assert model_input["features"] == {BTC: {"rsi": 61.5, "gap": None}}
    assert model_input["prompt_tokens"] == 812
    assert model_input["last_price"] == "100.05"
    assert log.output["model_output"]["p_up"] == {BTC: 0.625}
    assert log.output["model_output"]["closes"] == [1.0, None]
    assert log.output["model_output"]["actions"] == ["open_long"]
    assert log.input["market"]["recent_closes"] == [99.0, None, 100.0]
    assert log.input["account"] == {"equity": 10_000.0, "available": 9_000.0, "open_positions": 0}
    assert ETH not in json.dumps(log.input)


# ---------------------------------------------------------------------- engine-placed stops


def test_stop_loss_log_is_a_risk_management_record_of_the_trigger_order() -> None:
    log = stop_loss_ai_log(
        symbol=ETH,
        side=PositionSide.SHORT,
        amount=Decimal("1.250"),
        trigger_price=Decimal("2612.30"),
        client_oid="al0123456789abcde01s",
        model="alphaloop-risk@1",
        origin_decision="d0123456789abcde",
        max_chars=200,
    )
    assert log.stage == RISK_STAGE
    assert log.output["order"] == {
        "client_oid": "al0123456789abcde01s",
        "symbol": "cmt_ethusdt",
        "type": "stop_loss",
        "size": "1.25",
        "trigger_price": "2612.3",
    }
    assert len(log.explanation) <= 200
    assert "1.25 ETH at 2612.3" in log.explanation
    assert strict_json(log.input) == log.input


# ---------------------------------------------------------------------- fit_explanation


def test_fit_explanation_leaves_a_short_text_alone() -> None:
    assert fit_explanation("Trend up; funding neutral.", max_chars=26) == "Trend up; funding neutral."


def test_fit_explanation_cuts_on_a_word_boundary_and_marks_the_cut() -> None:
    assert fit_explanation("alpha beta gamma delta", max_chars=14) == "alpha beta …"
    assert fit_explanation("one two three four", max_words=3) == "one two …"


def test_fit_explanation_cuts_a_single_giant_word() -> None:
    fitted = fit_explanation("x" * 50, max_chars=10)
    assert fitted == "xxxxxxxx …"


@given(
    words=st.lists(st.text(alphabet=st.characters(exclude_categories=("Z", "C")), min_size=1, max_size=12)),
    max_words=st.integers(min_value=2, max_value=600),
    max_chars=st.one_of(st.none(), st.integers(min_value=3, max_value=1200)),
)
def test_fit_explanation_always_fits(words: list[str], max_words: int, max_chars: int | None) -> None:
    text = " ".join(words)
    fitted = fit_explanation(text, max_words=max_words, max_chars=max_chars)
    assert word_count(fitted) <= max_words
    if max_chars is not None:
        assert len(fitted) <= max_chars
    if fitted == text:
        return
    assert fitted.endswith(" …")
    # the kept part is a prefix of the text
    assert text.startswith(fitted[:-2])
