"""The LLM agent: any OpenAI-compatible endpoint as a decision model.

    config = LlmConfig(base_url="https://api.deepseek.com", model="deepseek-chat",
                       api_key_env="DEEPSEEK_API_KEY", daily_budget_usd=5)
    agent = build_llm_agent(config, offline=offline_model)   # hybrid; or fallback=...
    decision = agent.decide(snapshot)

Modules: `config` (settings, provider detection, API key), `prompt` (messages from a snapshot),
`schema` (the reply's JSON schema), `parse` (tolerant reading), `transport` (the `openai` SDK,
retries), `cassette` (record / replay), `budget` (tokens and spend), `agent` (one cycle),
`guard` (fallback chain, budget, safe mode, hybrid; `build_llm_agent`), `hybrid`, `explanation`.
Semantic validation lives in `alphaloop.decision.validation`, shared with every model.
"""

from alphaloop.decision.llm.agent import LlmAgent, LlmAttempt
from alphaloop.decision.llm.budget import DaySpend, Prices, SpendLedger
from alphaloop.decision.llm.cassette import Cassette, CassetteStore, CassetteTransport
from alphaloop.decision.llm.config import LlmConfig, Provider, detect_provider, resolve_api_key
from alphaloop.decision.llm.errors import (
    CassetteMissError,
    EmptyReplyError,
    LlmError,
    LlmRateLimitedError,
    LlmRequestRejectedError,
    LlmTimeoutError,
    LlmUnavailableError,
    MalformedReplyError,
)
from alphaloop.decision.llm.guard import GuardedLlmAgent, GuardStatus, build_llm_agent, make_transport
from alphaloop.decision.llm.transport import (
    ChatReply,
    ChatRequest,
    ChatTransport,
    OpenAIChatTransport,
    TokenUsage,
)

__all__ = [
    "Cassette",
    "CassetteMissError",
    "CassetteStore",
    "CassetteTransport",
    "ChatReply",
    "ChatRequest",
    "ChatTransport",
    "DaySpend",
    "EmptyReplyError",
    "GuardStatus",
    "GuardedLlmAgent",
    "LlmAgent",
    "LlmAttempt",
    "LlmConfig",
    "LlmError",
    "LlmRateLimitedError",
    "LlmRequestRejectedError",
    "LlmTimeoutError",
    "LlmUnavailableError",
    "MalformedReplyError",
    "OpenAIChatTransport",
    "Prices",
    "Provider",
    "SpendLedger",
    "TokenUsage",
    "build_llm_agent",
    "detect_provider",
    "make_transport",
    "resolve_api_key",
]
