"""The LLM agent inside a real backtest: recorded against the fake server, replayed without it.

The stepwise backtest asks the agent at every bar close with the engine's own snapshot (bars,
account, positions with their exit plans); the replay, with the server stopped, must give the
same decisions, the same fills and the same equity curve. A cassette miss in replay is an error.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from alphaloop.backtest.runner import BacktestConfig
from alphaloop.backtest.stepwise import run_stepwise
from alphaloop.decision.llm import CassetteMissError, LlmConfig, Provider, build_llm_agent
from alphaloop.decision.llm.config import CassetteMode
from alphaloop.engine.sizing import SizingPolicy
from tests.kit.backtest import real_frame
from tests.kit.fake_llm import fake_llm_server

from .test_llm_cassette_replay import ScriptedTrader

pytestmark = pytest.mark.integration
SYMBOLS = ("BTC/USDT:USDT", "ETH/USDT:USDT", "SOL/USDT:USDT")
CONFIG = BacktestConfig(
    initial_equity=10_000, leverage=3, sizing=SizingPolicy(mode="risk", risk_fraction=0.01)
)


def agent_config(cassettes: Path, mode: CassetteMode, base_url: str) -> LlmConfig:
    return LlmConfig(
        base_url=base_url, model="fake-gpt", provider=Provider.OPENAI, mode=mode, cassette_dir=cassettes,
        max_retries=0, timeout_seconds=5, symbols=SYMBOLS, api_key_env="ALPHALOOP_TEST_NO_KEY",
    )  # fmt: skip


def test_replayed_backtest_equals_the_recorded_one(tmp_path: Path) -> None:
    frame = real_frame(SYMBOLS, "1h", "2025-09-01", "2025-09-03")
    cassettes = tmp_path / "cassettes"
    with fake_llm_server(ScriptedTrader()) as fake:
        recorder = build_llm_agent(
            agent_config(cassettes, "record", fake.base_url), environ={}, env_file=None
        )
        recorded = run_stepwise(frame, recorder, CONFIG)
        calls = len(fake.chat_requests)
        base_url = fake.base_url
    assert calls == len(frame.ts) - 1  # one question per bar close, the last bar's has no next open
    assert len(recorded.result.fills) >= 2
    replayer = build_llm_agent(agent_config(cassettes, "replay", base_url), environ={}, env_file=None)
    replayed = run_stepwise(frame, replayer, CONFIG)
    assert replayed.result.fills == recorded.result.fills
    np.testing.assert_array_equal(replayed.result.equity, recorded.result.equity)
    assert [d.decisions for d in replayed.decisions] == [d.decisions for d in recorded.decisions]
    assert [d.explanation for d in replayed.decisions] == [d.explanation for d in recorded.decisions]

    longer = real_frame(SYMBOLS, "1h", "2025-09-01", "2025-09-04")
    with pytest.raises(CassetteMissError):
        run_stepwise(
            longer,
            build_llm_agent(agent_config(cassettes, "replay", base_url), environ={}, env_file=None),
            CONFIG,
        )
