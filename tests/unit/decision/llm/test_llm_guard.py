"""The guarded agent: fallback chain, per-day budget, safe mode and hybrid mode."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from alphaloop.decision.base import DecisionModel
from alphaloop.decision.llm import (
    CassetteMissError,
    ChatReply,
    GuardedLlmAgent,
    LlmError,
    LlmTimeoutError,
    TokenUsage,
    build_llm_agent,
)
from alphaloop.model.decision import Action, Decision, ModelInfo, SymbolDecision
from alphaloop.model.snapshot import Snapshot

from .builders import (
    BTC,
    ETH,
    HOUR_MS,
    T0,
    FixedModel,
    ScriptedTransport,
    config,
    item,
    long_on,
    position,
    reply,
    reply_json,
    snapshot,
)

FAIL = LlmTimeoutError("no answer within the timeout")
LLM = ModelInfo("fake-gpt", "fake-gpt-2025-01-01", "openai")


def guarded(
    *outcomes: ChatReply | LlmError, fallback: Any = None, offline: Any = None, **overrides: Any
) -> tuple[GuardedLlmAgent, ScriptedTransport]:
    transport = ScriptedTransport(*outcomes)
    agent = build_llm_agent(config(**overrides), fallback=fallback, offline=offline, endpoint=transport)
    return agent, transport


def opened(decision: Decision) -> list[str]:
    return [d.symbol for d in decision.actionable if d.action in (Action.OPEN_LONG, Action.OPEN_SHORT)]


def test_build_returns_a_decision_model_whose_lookback_covers_every_model() -> None:
    agent, _ = guarded(fallback=FixedModel(lookback=200))
    assert isinstance(agent, DecisionModel)
    assert agent.lookback == 200
    assert agent.info == ModelInfo("fake-gpt", "fake-gpt", "openai")


def test_a_usable_answer_passes_through_with_the_day_spend() -> None:
    agent, _ = guarded(reply(reply_json(item())), prompt_price_per_1k=0.001, completion_price_per_1k=0.002)
    decision = agent.decide(snapshot())
    assert opened(decision) == [BTC]
    assert decision.model == LLM
    assert decision.output["spend"] == {
        "day": "2025-09-01",
        "calls": 1,
        "prompt_tokens": 1000,
        "completion_tokens": 200,
        "cost_usd": pytest.approx(0.0014),
    }
    assert agent.status().today.calls == 1


def test_an_unusable_answer_hands_over_to_the_fallback_and_says_so() -> None:
    fallback = FixedModel(long_on(ETH, 4_000.0))
    agent, _ = guarded(FAIL, fallback=fallback)
    decision = agent.decide(snapshot())
    assert decision.model == fallback.info
    assert opened(decision) == [ETH]
    assert decision.explanation == (
        "offline: trend up [Decided by fallback offline-rule@1: "
        "LLM call failed: no answer within the timeout]"
    )
    assert decision.output["signal"] == 1
    assert decision.output["fallback"] == {
        "reason": "LLM call failed: no answer within the timeout",
        "instead_of": "fake-gpt@fake-gpt",
    }
    assert decision.output["llm_attempt"]["input"]["messages"][0]["role"] == "system"
    assert decision.input == {"features": {"ret_4h": 0.01}}


def test_without_a_fallback_an_unusable_answer_is_an_explicit_hold() -> None:
    agent, _ = guarded(reply(""))
    decision = agent.decide(snapshot())
    assert decision.decisions == ()
    assert decision.explanation == "unusable LLM reply: the reply is empty; holding."


def test_a_failing_fallback_ends_the_chain_in_a_hold_with_both_reasons() -> None:
    class Broken:
        info = ModelInfo("broken", "0")
        lookback = 1

        def decide(self, snapshot: Snapshot) -> Decision:
            raise RuntimeError("model file missing")

    agent, _ = guarded(FAIL, fallback=Broken())
    decision = agent.decide(snapshot())
    assert decision.actionable == ()
    assert decision.explanation == (
        "LLM call failed: no answer within the timeout; "
        "fallback broken@0 failed: model file missing. Holding."
    )


def test_repeated_failures_enter_safe_mode_which_blocks_entries_until_an_answer_is_usable() -> None:
    llm_long = reply(reply_json(item()))
    agent, _ = guarded(FAIL, FAIL, llm_long, llm_long, safe_mode_after_failures=2)
    agent.decide(snapshot())
    assert not agent.status().safe_mode
    agent.decide(snapshot())
    assert agent.safe_mode
    assert agent.status().consecutive_failures == 2

    blocked = agent.decide(snapshot())  # usable, but safe mode was on when the cycle began
    reason = "safe mode after 2 consecutive unusable LLM answers: no new entries"
    assert blocked.decisions[0] == SymbolDecision(BTC, Action.HOLD, reason=f"{reason}: open_long not allowed")
    assert blocked.explanation.endswith(f"[{reason}]")
    assert blocked.output["restrictions"] == [reason]
    assert not agent.safe_mode

    assert opened(agent.decide(snapshot())) == [BTC]


def test_safe_mode_lets_closes_through_and_cuts_a_reversal_to_a_close() -> None:
    answer = reply(
        reply_json(item(action="open_short", stop_loss=102_000.0, take_profit=96_000.0), item(ETH, "close"))
    )
    agent, _ = guarded(FAIL, answer, safe_mode_after_failures=1)
    agent.decide(snapshot())
    held = snapshot(positions=[position(BTC, 1), position(ETH, 1, entry=3_900.0)])
    decision = agent.decide(held)
    assert [(d.symbol, d.action) for d in decision.decisions] == [(BTC, Action.CLOSE), (ETH, Action.CLOSE)]
    assert decision.decisions[0].reason.endswith("open_short cut to a close")


def test_safe_mode_also_strips_the_fallbacks_entries() -> None:
    agent, _ = guarded(FAIL, FAIL, fallback=FixedModel(long_on()), safe_mode_after_failures=1)
    assert opened(agent.decide(snapshot())) == [BTC]  # first failure: the fallback may still open
    second = agent.decide(snapshot())
    assert opened(second) == []
    assert second.model.name == "offline-rule"


def test_a_spent_budget_stops_calls_for_the_rest_of_the_day_and_blocks_entries() -> None:
    answer = reply(reply_json(item()), usage=TokenUsage(1000, 1000))  # 0.02 USD
    fallback = FixedModel(long_on(), SymbolDecision(ETH, Action.CLOSE))
    agent, transport = guarded(
        answer,
        answer,
        fallback=fallback,
        daily_budget_usd=0.01,
        prompt_price_per_1k=0.01,
        completion_price_per_1k=0.01,
    )
    assert opened(agent.decide(snapshot())) == [BTC]
    later = agent.decide(snapshot(timestamp=T0 + HOUR_MS, positions=[position(ETH, 1, entry=3_900.0)]))
    assert len(transport.requests) == 1
    assert later.model == fallback.info
    assert [(d.symbol, d.action) for d in later.decisions] == [(BTC, Action.HOLD), (ETH, Action.CLOSE)]
    assert (
        "daily LLM budget of 0.01 USD spent (0.0200 USD on 2025-09-01): no new entries" in later.explanation
    )
    next_day = agent.decide(snapshot(timestamp=T0 + 24 * HOUR_MS))
    assert len(transport.requests) == 2
    assert opened(next_day) == [BTC]


def test_a_spent_budget_without_fallback_is_an_explicit_hold() -> None:
    answer = reply(reply_json(item()), usage=TokenUsage(1000, 0))
    agent, transport = guarded(answer, daily_budget_usd=0.001, prompt_price_per_1k=0.01)
    agent.decide(snapshot())
    decision = agent.decide(snapshot())
    assert decision.decisions == ()
    assert len(transport.requests) == 1
    assert decision.explanation.startswith("daily LLM budget of 0.00 USD spent (0.0100 USD on 2025-09-01)")


def test_an_injected_clock_decides_the_budget_day() -> None:
    answer = reply(reply_json(), usage=TokenUsage(1000, 0))
    transport = ScriptedTransport(answer, answer)
    cfg = config(daily_budget_usd=0.001, prompt_price_per_1k=0.01)
    agent = build_llm_agent(cfg, endpoint=transport, clock=lambda: T0)
    agent.decide(snapshot())
    agent.decide(snapshot(timestamp=T0 + 48 * HOUR_MS))  # the snapshot is two days later, the clock is not
    assert len(transport.requests) == 1


def test_hybrid_mode_shows_the_offline_signal_to_the_llm_and_names_both_models() -> None:
    offline = FixedModel(long_on(), explanation="ret_4h and funding drive the long")
    agent, transport = guarded(reply(reply_json(item())), offline=offline)
    decision = agent.decide(snapshot())
    prompt = transport.requests[0].messages[1]["content"]
    assert "signal offline_confidence=0.6 offline_direction=1" in prompt
    assert "signal offline_direction=0" in prompt  # ETH: the offline model holds it
    assert "- offline_model: offline-rule@1" in prompt
    assert "- offline_actions: BTC/USDT:USDT open_long (stop 98000, target 105000, confidence 0.60)" in prompt
    assert "- offline_explanation: ret_4h and funding drive the long" in prompt
    assert decision.model == LLM
    assert decision.models == (LLM, offline.info)
    assert decision.contributors == (LLM, offline.info)


def test_in_hybrid_mode_the_offline_answer_is_the_fallback_without_asking_twice() -> None:
    offline = FixedModel(long_on())
    agent, _ = guarded(FAIL, offline=offline)
    decision = agent.decide(snapshot())
    assert offline.calls == 1
    assert decision.model == offline.info
    assert decision.contributors == (offline.info,)
    assert opened(decision) == [BTC]


def test_a_broken_offline_model_leaves_the_llm_deciding_alone() -> None:
    class Broken:
        info = ModelInfo("broken", "0")
        lookback = 1

        def decide(self, snapshot: Snapshot) -> Decision:
            raise ValueError("no features")

    agent, transport = guarded(reply(reply_json(item())), offline=Broken())
    decision = agent.decide(snapshot())
    assert opened(decision) == [BTC]
    assert decision.output["offline_error"] == "offline model broken@0 failed: no features"
    assert "offline_direction" not in transport.requests[0].messages[1]["content"]


def test_a_replay_miss_stops_the_run_instead_of_falling_back(tmp_path: Path) -> None:
    agent = build_llm_agent(config(mode="replay", cassette_dir=tmp_path), fallback=FixedModel(long_on()))
    with pytest.raises(CassetteMissError):
        agent.decide(snapshot())
