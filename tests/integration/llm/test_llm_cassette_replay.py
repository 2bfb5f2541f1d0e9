"""A cassette replay reproduces a recorded run exactly.

A minimal decision loop of our own (the engine's full backtest gets its own version) walks real
hourly data for three symbols, keeps a position book whose state feeds the next snapshot, and
asks the LLM agent each hour. Recording runs against the fake OpenAI-compatible server (valid
answers, a rejected entry, a 5xx, a malformed reply, then the daily budget running out); replay
runs with the server stopped and must produce the same Decisions, inputs and outputs included.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from alphaloop.decision.llm import (
    CassetteMissError,
    CassetteStore,
    GuardedLlmAgent,
    LlmConfig,
    Provider,
    build_llm_agent,
)
from alphaloop.decision.llm.config import CassetteMode
from alphaloop.model.decision import Action, Decision, ModelInfo, SymbolDecision
from alphaloop.model.snapshot import Snapshot
from tests.kit.fake_llm import Step, fake_llm_server, steps

from .market import HOUR_MS, SEPT_1, SYMBOLS, Book, window

pytestmark = pytest.mark.integration

CYCLES = 14
_MARKET_LINE = re.compile(r"^- (\S+) close ([\d.]+); returns 1h ([+-][\d.]+)%", re.MULTILINE)


class ScriptedTrader:
    """The fake's answers: a rule on the prompt's own numbers, with a failure on the 4th and 7th request."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, body: Mapping[str, Any]) -> Step:
        self.calls += 1
        if self.calls == 4:
            return steps.server_error(502)
        if self.calls == 7:
            return steps.malformed_json()
        user = body["messages"][-1]["content"]
        held = set(re.findall(r"^- (\S+) (?:long|short) size", user, re.MULTILINE))
        decisions = []
        for symbol, close_text, change_text in _MARKET_LINE.findall(user):
            close, change = float(close_text), float(change_text)
            if symbol in held:
                if abs(change) > 0.5:
                    decisions.append(
                        {"symbol": symbol, "action": "close", "reason": f"1h move {change:+.2f}%"}
                    )
                continue
            if abs(change) < 0.05:
                continue
            long = change > 0
            stop = close * (0.99 if long else 1.01)
            if symbol.startswith("SOL"):
                stop = close * (1.01 if long else 0.99)  # wrong side: the validator must reject it
            decisions.append(
                {
                    "symbol": symbol,
                    "action": "open_long" if long else "open_short",
                    "confidence": 0.55,
                    "leverage": 3,
                    "stop_loss": round(stop, 4),
                    "take_profit": round(close * (1.025 if long else 0.975), 4),
                    "reason": f"1h return {change:+.2f}% from close {close_text}",
                }
            )
        return steps.valid_json(
            {"decisions": decisions, "explanation": f"{len(decisions)} actions from the 1h returns."},
            prompt_tokens=len(user) // 4,
            completion_tokens=60 * len(decisions) + 20,
        )


class TrendFallback:
    """Offline stand-in: long BTC with a fixed plan unless already in it."""

    info = ModelInfo("trend-rule", "1", "local")
    lookback = 25

    def decide(self, snapshot: Snapshot) -> Decision:
        btc = "BTC/USDT:USDT"
        if btc in snapshot.positions:
            return Decision(snapshot.timestamp, (), self.info, "holding the BTC trend")
        price = snapshot.symbols[btc].candles.last_close
        long = SymbolDecision(
            btc, Action.OPEN_LONG, confidence=0.5, stop_loss=price * 0.98, take_profit=price * 1.04
        )
        return Decision(snapshot.timestamp, (long,), self.info, "BTC trend rule", input={"close": price})


def config(cassettes: Path, mode: CassetteMode, base_url: str) -> LlmConfig:
    return LlmConfig(
        base_url=base_url,
        model="fake-gpt",
        provider=Provider.OPENAI,
        mode=mode,
        cassette_dir=cassettes,
        max_retries=0,
        timeout_seconds=5,
        daily_budget_usd=0.05,
        prompt_price_per_1k=0.01,
        completion_price_per_1k=0.03,
        symbols=SYMBOLS,
    )


def run(agent: GuardedLlmAgent, start_ms: int = SEPT_1) -> tuple[list[Decision], Book]:
    book = Book()
    decisions = []
    try:
        for cycle in range(CYCLES):
            now = start_ms + cycle * HOUR_MS
            if cycle:
                book.run_exits({s: window(s, now, 1) for s in book.positions})
            snapshot = book.snapshot(now)
            decision = agent.decide(snapshot)
            book.apply(decision, snapshot)
            decisions.append(decision)
    finally:
        agent.close()
    return decisions, book


def test_a_replay_reproduces_the_recorded_run_exactly_without_a_server(tmp_path: Path) -> None:
    cassettes = tmp_path / "cassettes"
    trader = ScriptedTrader()
    with fake_llm_server(trader) as fake:
        recorded, recorded_book = run(
            build_llm_agent(
                config(cassettes, "record", fake.base_url),
                fallback=TrendFallback(),
                environ={"OPENAI_API_KEY": "sk-test-key-123"},
                env_file=None,
            )
        )
        served = len(fake.chat_requests)
        dead_url = fake.base_url
    # The run exercised what it claims to reproduce.
    explanations = " | ".join(d.explanation for d in recorded)
    assert any(d.model.name == "fake-gpt" and d.actionable for d in recorded)
    assert "Validator: SOL/USDT:USDT" in explanations
    assert "LLM call failed: HTTP 502" in explanations
    assert "unusable LLM reply" in explanations
    assert "daily LLM budget of 0.05 USD spent" in explanations
    assert 7 <= served < CYCLES
    assert len(CassetteStore(cassettes)) == served
    assert not any("sk-test-key-123" in path.read_text() for path in cassettes.glob("*.json"))

    replayed, replayed_book = run(
        build_llm_agent(config(cassettes, "replay", dead_url), fallback=TrendFallback())
    )

    assert len(replayed) == len(recorded) == CYCLES
    for before, after in zip(recorded, replayed, strict=True):
        assert after == before
        assert after.input == before.input
        assert after.output == before.output
    assert replayed_book == recorded_book


def test_a_replay_of_an_unrecorded_run_fails_on_the_first_miss(tmp_path: Path) -> None:
    cassettes = tmp_path / "cassettes"
    with fake_llm_server(ScriptedTrader()) as fake:
        agent = build_llm_agent(
            config(cassettes, "record", fake.base_url), environ={"OPENAI_API_KEY": "k"}, env_file=None
        )
        run(agent)
    replay = build_llm_agent(config(cassettes, "replay", "http://127.0.0.1:9/v1"))
    with pytest.raises(CassetteMissError, match="record it first"):
        run(replay, start_ms=SEPT_1 + 24 * HOUR_MS)
