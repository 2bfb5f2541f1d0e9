"""The LLM agent through the official `openai` SDK against our fake OpenAI-compatible server on a
real loopback socket: valid, fenced, malformed, empty, slow, 429, 5xx and 401 answers."""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest

from alphaloop.decision.llm import GuardedLlmAgent, LlmConfig, build_llm_agent
from alphaloop.model.decision import Action, Decision, ModelInfo
from alphaloop.model.snapshot import Snapshot
from tests.kit.fake_llm import DEFAULT_REPORTED_MODEL, FakeLlm, steps

from .market import SEPT_1, Book

pytestmark = pytest.mark.integration

API_KEY = "sk-test-never-logged-0123456789"


def btc_long(snapshot: Snapshot, **extra: Any) -> dict[str, Any]:
    price = snapshot.symbols["BTC/USDT:USDT"].candles.last_close
    values = {
        "symbol": "BTC/USDT:USDT",
        "action": "open_long",
        "confidence": 0.66,
        "leverage": 3,
        "stop_loss": round(price * 0.985, 1),
        "take_profit": round(price * 1.03, 1),
        "reason": "close above the 24-bar low with flat funding",
    }
    values.update(extra)
    return values


class Sleeps:
    """Records the pauses the retry loop asks for instead of sleeping."""

    def __init__(self) -> None:
        self.pauses: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.pauses.append(seconds)


def agent_for(fake: FakeLlm, sleeps: Sleeps | None = None, **overrides: Any) -> GuardedLlmAgent:
    values: dict[str, Any] = {
        "base_url": fake.base_url,
        "model": "fake-gpt",
        "provider": "openai",
        "timeout_seconds": 3.0,  # generous: only the slow scenarios are meant to time out
        "max_retries": 1,
        "retry_backoff_seconds": 0.25,
    }
    values.update(overrides)
    return build_llm_agent(
        LlmConfig(**values), sleep=sleeps or Sleeps(), environ={"OPENAI_API_KEY": API_KEY}, env_file=None
    )


@pytest.fixture
def snapshot() -> Snapshot:
    return Book().snapshot(SEPT_1)


def decide(agent: GuardedLlmAgent, snapshot: Snapshot) -> Decision:
    try:
        return agent.decide(snapshot)
    finally:
        agent.close()


def test_a_valid_json_answer_becomes_the_decision(fake_llm: FakeLlm, snapshot: Snapshot) -> None:
    fake_llm.script(steps.valid_json({"decisions": [btc_long(snapshot)], "explanation": "BTC bounce."}))
    decision = decide(agent_for(fake_llm), snapshot)
    [request] = fake_llm.chat_requests
    assert [(d.symbol, d.action) for d in decision.actionable] == [("BTC/USDT:USDT", Action.OPEN_LONG)]
    assert decision.model == ModelInfo("fake-gpt", DEFAULT_REPORTED_MODEL, "openai")
    assert decision.explanation == "BTC bounce."
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert request.body["model"] == "fake-gpt"
    assert request.body["messages"] == decision.input["messages"]
    assert request.body["max_completion_tokens"] == 800
    assert request.body["temperature"] == 0
    assert request.body["response_format"]["json_schema"]["strict"] is True


def test_json_in_code_fences_with_prose_is_read(fake_llm: FakeLlm, snapshot: Snapshot) -> None:
    fake_llm.script(steps.fenced_json({"decisions": [btc_long(snapshot)], "explanation": "fenced"}))
    decision = decide(agent_for(fake_llm, provider="other"), snapshot)
    assert [d.action for d in decision.actionable] == [Action.OPEN_LONG]
    assert "response_format" not in fake_llm.chat_requests[0].body


def test_a_compatible_provider_gets_json_object_mode_and_max_tokens(
    fake_llm: FakeLlm, snapshot: Snapshot
) -> None:
    fake_llm.script(steps.valid_json({"decisions": [], "explanation": "hold"}))
    decide(agent_for(fake_llm, provider="deepseek", max_tokens=300), snapshot)
    body = fake_llm.chat_requests[0].body
    assert body["response_format"] == {"type": "json_object"}
    assert body["max_tokens"] == 300
    assert "max_completion_tokens" not in body


def test_malformed_json_is_a_logged_hold_and_not_asked_again(fake_llm: FakeLlm, snapshot: Snapshot) -> None:
    fake_llm.script(steps.malformed_json())
    decision = decide(agent_for(fake_llm), snapshot)
    assert decision.decisions == ()
    assert decision.explanation.startswith("unusable LLM reply: no decision JSON found in the reply")
    assert decision.output["raw"].startswith('{"decisions": [{"symbol"')
    assert len(fake_llm.chat_requests) == 1


@pytest.mark.parametrize("content", ["", None, "   "], ids=["empty", "null", "blank"])
def test_empty_content_is_a_logged_hold(fake_llm: FakeLlm, snapshot: Snapshot, content: str | None) -> None:
    fake_llm.script(steps.reply(content))
    decision = decide(agent_for(fake_llm), snapshot)
    assert decision.decisions == ()
    assert decision.explanation == "unusable LLM reply: the reply is empty; holding."


def test_an_answer_slower_than_the_timeout_is_retried_then_held(
    fake_llm: FakeLlm, snapshot: Snapshot
) -> None:
    fake_llm.script(steps.slow(5.0), steps.slow(5.0))
    sleeps = Sleeps()
    decision = decide(agent_for(fake_llm, sleeps, timeout_seconds=0.2), snapshot)
    assert len(fake_llm.chat_requests) == 2
    assert sleeps.pauses == [0.25]
    assert decision.decisions == ()
    assert decision.explanation == (
        f"LLM call failed: no answer from {fake_llm.base_url} within the timeout; holding."
    )


def test_a_slow_answer_within_the_retry_budget_is_used(fake_llm: FakeLlm, snapshot: Snapshot) -> None:
    fake_llm.script(
        steps.slow(5.0), steps.valid_json({"decisions": [btc_long(snapshot)], "explanation": "ok"})
    )
    decision = decide(agent_for(fake_llm, timeout_seconds=0.5), snapshot)
    assert [d.action for d in decision.actionable] == [Action.OPEN_LONG]


def test_429_waits_as_long_as_retry_after_says_then_succeeds(fake_llm: FakeLlm, snapshot: Snapshot) -> None:
    fake_llm.script(
        steps.rate_limited(retry_after=1.5),
        steps.valid_json({"decisions": [btc_long(snapshot)], "explanation": "x"}),
    )
    sleeps = Sleeps()
    decision = decide(agent_for(fake_llm, sleeps), snapshot)
    assert sleeps.pauses == [1.5]
    assert [d.action for d in decision.actionable] == [Action.OPEN_LONG]
    assert len(fake_llm.chat_requests) == 2


def test_429_beyond_the_retries_is_a_logged_hold(fake_llm: FakeLlm, snapshot: Snapshot) -> None:
    fake_llm.script(*[steps.rate_limited(retry_after=100)] * 3)
    sleeps = Sleeps()
    decision = decide(agent_for(fake_llm, sleeps, max_retries=2, max_retry_wait_seconds=3), snapshot)
    assert len(fake_llm.chat_requests) == 3
    assert sleeps.pauses == [3, 3]  # Retry-After capped by max_retry_wait_seconds
    assert decision.explanation == "LLM call failed: HTTP 429: Rate limit reached; holding."


def test_a_server_error_is_retried_with_backoff(fake_llm: FakeLlm, snapshot: Snapshot) -> None:
    fake_llm.script(steps.server_error(500), steps.server_error(503), steps.valid_json({"decisions": []}))
    sleeps = Sleeps()
    decision = decide(agent_for(fake_llm, sleeps, max_retries=2), snapshot)
    assert sleeps.pauses == [0.25, 0.5]
    assert len(fake_llm.chat_requests) == 3
    assert "error" not in decision.output
    assert decision.output["parsed"] == {"decisions": [], "explanation": ""}


def test_an_html_page_instead_of_a_completion_is_retried_then_held(
    fake_llm: FakeLlm, snapshot: Snapshot
) -> None:
    fake_llm.script(steps.html_page(), steps.html_page())
    decision = decide(agent_for(fake_llm), snapshot)
    assert len(fake_llm.chat_requests) == 2
    assert decision.explanation.startswith(
        f"LLM call failed: the answer from {fake_llm.base_url} is not a chat"
    )


def test_a_refused_key_is_not_retried(fake_llm: FakeLlm, snapshot: Snapshot) -> None:
    fake_llm.script(steps.unauthorized())
    decision = decide(agent_for(fake_llm, max_retries=3), snapshot)
    assert len(fake_llm.chat_requests) == 1
    assert decision.explanation == "LLM call failed: HTTP 401: Incorrect API key provided; holding."


def test_the_api_key_never_reaches_the_decision(fake_llm: FakeLlm, snapshot: Snapshot) -> None:
    fake_llm.script(steps.unauthorized(), steps.valid_json({"decisions": [btc_long(snapshot)]}))
    agent = agent_for(fake_llm)
    try:
        decisions = [agent.decide(snapshot), agent.decide(snapshot)]
    finally:
        agent.close()
    for decision in decisions:
        dumped = json.dumps([decision.input, decision.output, decision.explanation, repr(decision)])
        assert API_KEY not in dumped


def test_repeated_failures_over_the_wire_reach_safe_mode(fake_llm: FakeLlm, snapshot: Snapshot) -> None:
    fake_llm.script(
        steps.server_error(), steps.malformed_json(), steps.valid_json({"decisions": [btc_long(snapshot)]})
    )
    agent = agent_for(fake_llm, max_retries=0, safe_mode_after_failures=2)
    try:
        agent.decide(snapshot)
        agent.decide(snapshot)
        assert agent.safe_mode
        blocked = agent.decide(snapshot)
    finally:
        agent.close()
    assert blocked.actionable == ()
    assert blocked.decisions[0].reason.endswith("open_long not allowed")


def test_the_fake_lists_its_model_to_the_sdk(fake_llm: FakeLlm) -> None:
    client = openai.OpenAI(base_url=fake_llm.base_url, api_key=API_KEY, max_retries=0)
    try:
        assert [m.id for m in client.models.list()] == ["fake-gpt"]
    finally:
        client.close()
