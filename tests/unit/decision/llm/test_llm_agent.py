"""One LLM cycle: request, tolerant parse, validation, and the Decision the AI log records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alphaloop.decision.base import DecisionModel
from alphaloop.decision.llm import (
    CassetteMissError,
    ChatReply,
    LlmAgent,
    LlmError,
    LlmRateLimitedError,
    TokenUsage,
    make_transport,
)
from alphaloop.decision.llm.explanation import TRUNCATION_MARK
from alphaloop.model.ailog import AiLog
from alphaloop.model.decision import Action, ModelInfo, SymbolDecision

from .builders import BTC, ETH, ScriptedTransport, config, item, position, reply, reply_json, snapshot


def agent_with(*outcomes: ChatReply | LlmError, **overrides: object) -> tuple[LlmAgent, ScriptedTransport]:
    transport = ScriptedTransport(*outcomes)
    return LlmAgent(config(**overrides), transport), transport


def test_the_agent_is_a_decision_model_with_the_prompt_lookback() -> None:
    agent, _ = agent_with()
    assert isinstance(agent, DecisionModel)
    assert agent.lookback == 25
    assert agent.info == ModelInfo("fake-gpt", "fake-gpt", "openai")


def test_a_valid_answer_becomes_the_decision_with_everything_the_ai_log_needs() -> None:
    content = reply_json(item(), item(ETH, "hold", reason="flat"))
    agent, transport = agent_with(reply(content))
    decision = agent.decide(snapshot())
    [request] = transport.requests

    assert decision.timestamp == snapshot().timestamp
    assert decision.decisions == (
        SymbolDecision(
            BTC,
            Action.OPEN_LONG,
            confidence=0.7,
            stop_loss=98_000.0,
            take_profit=104_000.0,
            leverage=5,
            reason="4h return positive while funding is flat.",
        ),
        SymbolDecision(ETH, Action.HOLD, confidence=0.7, reason="flat"),
    )
    assert decision.model == ModelInfo("fake-gpt", "fake-gpt-2025-01-01", "openai")
    assert decision.explanation == "Momentum on BTC; the rest is flat."
    assert decision.input["messages"] == [dict(m) for m in request.messages]
    assert decision.input["params"]["model"] == "fake-gpt"
    assert decision.output["raw"] == content
    assert decision.output["parsed"]["decisions"][0]["action"] == "open_long"
    assert decision.output["usage"] == {
        "prompt_tokens": 1000,
        "completion_tokens": 200,
        "total_tokens": 1200,
        "estimated": False,
    }
    assert decision.output["request_key"] == request.key()
    assert decision.output["rejected"] == []
    AiLog("Decision Making", decision.model.label, decision.input, decision.output, decision.explanation)


def test_a_configured_version_is_named_instead_of_the_reported_one() -> None:
    agent, _ = agent_with(reply(reply_json()), model_version="2025-06")
    assert agent.decide(snapshot()).model == ModelInfo("fake-gpt", "2025-06", "openai")


def test_request_parameters_for_openai() -> None:
    agent, transport = agent_with(reply(reply_json()), seed=7, max_tokens=600)
    agent.decide(snapshot())
    params = transport.requests[0].params
    assert params["max_completion_tokens"] == 600
    assert params["temperature"] == 0.0
    assert params["seed"] == 7
    assert params["response_format"]["type"] == "json_schema"


def test_request_parameters_for_deepseek_and_an_unknown_server() -> None:
    agent, transport = agent_with(reply(reply_json()), provider="deepseek", temperature=None)
    agent.decide(snapshot())
    assert transport.requests[0].params == {"max_tokens": 800, "response_format": {"type": "json_object"}}
    agent, transport = agent_with(reply(reply_json()), provider="other")
    agent.decide(snapshot())
    assert "response_format" not in transport.requests[0].params


def test_a_rejected_symbol_decision_becomes_an_explicit_hold_and_the_rest_stands() -> None:
    wrong_side = item(ETH, stop_loss=4_100.0, take_profit=4_400.0)
    agent, _ = agent_with(reply(reply_json(item(), wrong_side)))
    decision = agent.decide(snapshot())
    reason = "long stop_loss 4100 must be below the last close 4000"
    assert decision.actionable == (decision.decisions[0],)
    assert decision.decisions[1] == SymbolDecision(ETH, Action.HOLD, reason=f"rejected open_long: {reason}")
    assert decision.explanation == f"Momentum on BTC; the rest is flat. Validator: {ETH} open_long: {reason}."
    assert decision.output["rejected"] == [{"symbol": ETH, "decision": wrong_side, "reason": reason}]
    assert [d["symbol"] for d in decision.output["parsed"]["decisions"]] == [BTC]


def test_over_leverage_and_a_close_without_position_are_rejected() -> None:
    agent, _ = agent_with(reply(reply_json(item(leverage=50), item(ETH, "close"))))
    decision = agent.decide(snapshot())
    assert decision.actionable == ()
    assert [d.reason for d in decision.decisions] == [
        "rejected open_long: leverage 50 is not a whole number from 1 to 20",
        "rejected close: close without an open position",
    ]


def test_a_close_of_an_open_position_passes() -> None:
    agent, _ = agent_with(reply(reply_json(item(action="close"))))
    decision = agent.decide(snapshot(positions=[position()]))
    assert [d.action for d in decision.actionable] == [Action.CLOSE]


def test_an_unreadable_entry_becomes_a_hold_with_the_reason() -> None:
    agent, _ = agent_with(reply(reply_json(item(action="buy"))))
    decision = agent.decide(snapshot())
    assert decision.decisions == (
        SymbolDecision(BTC, Action.HOLD, reason="unreadable: unknown action 'buy'"),
    )
    assert "Validator: BTC/USDT:USDT: unreadable (unknown action 'buy')." in decision.explanation
    assert decision.output["rejected"][0]["reason"] == "unknown action 'buy'"


@pytest.mark.parametrize(
    ("content", "finish", "reason"),
    [
        ("", "stop", "unusable LLM reply: the reply is empty"),
        ("   ", "stop", "unusable LLM reply: the reply is empty"),
        ('{"decisions": [', "length", "unusable LLM reply: no decision JSON found in the reply: "),
        ("I think BTC goes up", "stop", "unusable LLM reply: no decision JSON found in the reply: "),
    ],
)
def test_an_unusable_answer_is_an_explicit_hold_that_keeps_the_raw_text(
    content: str, finish: str, reason: str
) -> None:
    agent, _ = agent_with(ChatReply(content, "m-1", TokenUsage(900, 3), finish))
    attempt = agent.attempt(snapshot())
    decision = attempt.decision
    assert attempt.failure is not None
    assert attempt.failure.startswith(reason)
    assert decision.decisions == ()
    assert decision.explanation == f"{attempt.failure}; holding."
    assert decision.output["raw"] == content
    assert decision.output["parsed"] is None
    assert decision.output["error"] == attempt.failure
    assert attempt.usage == TokenUsage(900, 3)
    if finish == "length":
        assert "(the answer hit max_tokens)" in attempt.failure


def test_a_failed_call_is_an_explicit_hold_with_the_error() -> None:
    agent, _ = agent_with(LlmRateLimitedError("Rate limit reached", http_status=429))
    attempt = agent.attempt(snapshot())
    assert attempt.failure == "LLM call failed: HTTP 429: Rate limit reached"
    assert attempt.decision.explanation == "LLM call failed: HTTP 429: Rate limit reached; holding."
    assert attempt.decision.output["raw"] is None
    assert attempt.usage is None


def test_a_replay_miss_is_not_turned_into_a_hold(tmp_path: Path) -> None:
    cfg = config(mode="replay", cassette_dir=tmp_path)
    agent = LlmAgent(cfg, make_transport(cfg))
    with pytest.raises(CassetteMissError):
        agent.decide(snapshot())


def test_a_long_explanation_is_truncated_to_the_cap_at_a_word_boundary() -> None:
    agent, _ = agent_with(reply(reply_json(item(), explanation="because " * 300)), explanation_char_cap=200)
    decision = agent.decide(snapshot())
    assert len(decision.explanation) <= 200
    assert decision.explanation.endswith("because" + TRUNCATION_MARK)


def test_a_missing_explanation_is_built_from_the_reasons() -> None:
    content = json.dumps({"decisions": [item(reason="RSI 55 and 4h +0.4%")]})
    agent, _ = agent_with(reply(content))
    assert agent.decide(snapshot()).explanation == f"{BTC} open_long: RSI 55 and 4h +0.4%"


def test_missing_usage_is_estimated_from_the_text() -> None:
    agent, _ = agent_with(ChatReply(reply_json(), "m", None, "stop"))
    attempt = agent.attempt(snapshot())
    assert attempt.usage is not None
    assert attempt.usage.estimated
    assert attempt.usage.prompt_tokens > 100
    assert attempt.decision.output["usage"]["estimated"] is True


def test_symbols_not_in_the_snapshot_are_rejected_even_when_allowed() -> None:
    agent, _ = agent_with(reply(reply_json(item("SOL/USDT:USDT"))))
    decision = agent.decide(snapshot())
    assert (
        decision.decisions[0].reason
        == "rejected open_long: the snapshot has no market data for SOL/USDT:USDT"
    )


def test_the_transport_is_closed_with_the_agent() -> None:
    agent, transport = agent_with()
    agent.close()
    assert transport.closed
