"""Settings of the LLM agent: which endpoint, how to call it, what it may spend and decide.

Any OpenAI-compatible endpoint works through the official `openai` SDK and a `base_url`:
OpenAI, DeepSeek, Qwen (DashScope compatible mode), OpenRouter, Ollama, vLLM. The provider is
detected from the URL when not given; it picks the structured-output mode and the name of the
token-limit parameter. The API key is never stored here unless given explicitly: it is read from
the environment variable named by `api_key_env` (or a `.env` file) when the agent is built.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from dotenv import dotenv_values
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from alphaloop.model.errors import ConfigurationError
from alphaloop.model.instruments import COMPETITION_MAX_LEVERAGE, COMPETITION_SYMBOLS, to_unified_symbol

StructuredOutput = Literal["auto", "json_schema", "json_object", "none"]
CassetteMode = Literal["live", "record", "replay"]
Leverage = Annotated[int, Field(ge=1, le=COMPETITION_MAX_LEVERAGE)]

OPENAI_BASE_URL = "https://api.openai.com/v1"
#: What the SDK gets as a key for local servers that ignore it (it refuses an empty one).
LOCAL_PLACEHOLDER_KEY = "not-needed"


class Provider(StrEnum):
    OPENAI = "openai"
    DEEPSEEK = "deepseek"
    DASHSCOPE = "dashscope"
    OPENROUTER = "openrouter"
    OLLAMA = "ollama"
    VLLM = "vllm"
    OTHER = "other"


#: What each provider reliably supports (DeepSeek and DashScope: `json_object` only for most
#: models; OpenRouter: depends on the routed model, so the safe one). Unknown servers get no
#: `response_format` at all: the tolerant parser copes, an unsupported parameter would not.
AUTO_STRUCTURED_OUTPUT: Mapping[Provider, StructuredOutput] = {
    Provider.OPENAI: "json_schema",
    Provider.VLLM: "json_schema",
    Provider.OLLAMA: "json_schema",
    Provider.DEEPSEEK: "json_object",
    Provider.DASHSCOPE: "json_object",
    Provider.OPENROUTER: "json_object",
    Provider.OTHER: "none",
}

_PROVIDER_ALIASES = {"qwen": Provider.DASHSCOPE, "aliyun": Provider.DASHSCOPE}


def detect_provider(base_url: str) -> Provider:
    """The provider behind an OpenAI-compatible base URL (OTHER when it cannot be told)."""
    parts = urlsplit(base_url)
    host = (parts.hostname or "").lower()
    if host == "api.openai.com":
        return Provider.OPENAI
    if host == "deepseek.com" or host.endswith(".deepseek.com"):
        return Provider.DEEPSEEK
    if "dashscope" in host:
        return Provider.DASHSCOPE
    if host == "openrouter.ai" or host.endswith(".openrouter.ai"):
        return Provider.OPENROUTER
    if parts.port == 11434 or "ollama" in host:
        return Provider.OLLAMA
    if "vllm" in host:
        return Provider.VLLM
    return Provider.OTHER


def is_local_url(base_url: str) -> bool:
    host = (urlsplit(base_url).hostname or "").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class LlmConfig(BaseModel):
    """One LLM agent's settings (frozen; unknown keys are errors)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    base_url: str = OPENAI_BASE_URL
    #: The provider's model id, e.g. "gpt-4o-mini", "deepseek-chat", "qwen-plus", "llama3.1:8b".
    model: str
    #: Version named in the AI log; None = the exact model string the provider reports.
    model_version: str | None = None
    provider: Provider = Provider.OTHER  # replaced by the detected one when not given
    api_key_env: str = "OPENAI_API_KEY"
    #: An explicit key (wins over `api_key_env`); prefer the environment.
    api_key: SecretStr | None = None

    #: Per attempt: connecting and each read of the answer (retries come on top).
    timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    max_tokens: int = Field(default=800, ge=16, le=32_768)
    #: None: do not send (some reasoning models accept only their default).
    temperature: float | None = Field(default=0.0, ge=0, le=2)
    seed: int | None = None
    #: Extra attempts after a timeout, 429, 5xx or connection failure (0 = one attempt only).
    max_retries: int = Field(default=2, ge=0, le=5)
    retry_backoff_seconds: float = Field(default=1.0, ge=0, le=60)
    #: Longest pause honoured from a Retry-After header or the backoff.
    max_retry_wait_seconds: float = Field(default=20.0, ge=0, le=300)
    structured_output: StructuredOutput = "auto"

    #: USD per UTC day; None = no limit. Tokens are counted either way.
    daily_budget_usd: float | None = Field(default=None, ge=0)
    #: Prices per 1,000 tokens; unknown prices are 0 (the spend then stays 0, tokens are still counted).
    prompt_price_per_1k: float = Field(default=0.0, ge=0)
    completion_price_per_1k: float = Field(default=0.0, ge=0)
    #: Consecutive unusable answers after which no new entries are allowed until one succeeds.
    safe_mode_after_failures: int = Field(default=3, ge=1, le=100)

    #: Where cassettes live; required for record and replay.
    cassette_dir: Path | None = None
    #: live: always ask the endpoint, no cassettes. record: replay what is recorded, ask and record
    #: the rest. replay: recorded answers only; a miss raises `CassetteMissError`.
    mode: CassetteMode = "live"

    explanation_char_cap: int = Field(default=1000, ge=80, le=20_000)
    leverage_cap: Leverage = COMPETITION_MAX_LEVERAGE
    symbols: tuple[str, ...] = COMPETITION_SYMBOLS
    taker_fee_rate: float = Field(default=0.0008, ge=0, lt=0.01)
    min_reward_risk: float = Field(default=1.0, gt=0, le=20)

    #: Closes listed per symbol in the prompt (no raw candle dumps).
    recent_closes: int = Field(default=6, ge=0, le=48)
    #: Return horizons in bars; the longest also sets the high/low range shown.
    return_horizons: tuple[int, ...] = (1, 4, 24)

    @model_validator(mode="before")
    @classmethod
    def _detect_provider(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            values = dict(data)
            provider = values.get("provider")
            if provider is None:
                values["provider"] = detect_provider(str(values.get("base_url") or OPENAI_BASE_URL))
            elif isinstance(provider, str) and provider.lower() in _PROVIDER_ALIASES:
                values["provider"] = _PROVIDER_ALIASES[provider.lower()]
            return values
        return data

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("model", "api_key_env")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value.strip()

    @field_validator("symbols")
    @classmethod
    def _competition_symbols(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unified = []
        for raw in value:
            try:
                symbol = to_unified_symbol(raw)
            except Exception as exc:
                raise ValueError(str(exc)) from None
            if symbol not in COMPETITION_SYMBOLS:
                raise ValueError(f"{raw} is not one of the competition's 8 symbols")
            unified.append(symbol)
        if not unified:
            raise ValueError("at least one symbol is required")
        return tuple(dict.fromkeys(unified))

    @field_validator("return_horizons")
    @classmethod
    def _horizons(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if not value or any(h < 1 or h > 500 for h in value):
            raise ValueError("needs at least one horizon, each from 1 to 500 bars")
        return tuple(sorted(set(value)))

    @model_validator(mode="after")
    def _cassettes_need_a_directory(self) -> LlmConfig:
        if self.mode != "live" and self.cassette_dir is None:
            raise ValueError(f"mode '{self.mode}' needs cassette_dir")
        return self

    @property
    def response_mode(self) -> StructuredOutput:
        """The structured-output mode actually used (auto resolved by provider)."""
        if self.structured_output == "auto":
            return AUTO_STRUCTURED_OUTPUT[self.provider]
        return self.structured_output

    @property
    def token_limit_parameter(self) -> str:
        # OpenAI's newer models reject `max_tokens`; the compatible servers know only `max_tokens`.
        return "max_completion_tokens" if self.provider is Provider.OPENAI else "max_tokens"

    @property
    def lookback(self) -> int:
        """Closed bars the prompt needs: the longest return horizon plus one, or the closes shown."""
        return max(max(self.return_horizons) + 1, self.recent_closes)


def resolve_api_key(
    config: LlmConfig, *, environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
) -> SecretStr:
    """The key for `config`'s endpoint: explicit, else `$api_key_env`, else `.env`; local servers
    that ignore keys get a placeholder. Raises `ConfigurationError` when a remote endpoint has none."""
    if config.api_key is not None and config.api_key.get_secret_value():
        return config.api_key
    env = os.environ if environ is None else environ
    value = env.get(config.api_key_env)
    if not value and env_file is not None and env_file.is_file():
        value = dotenv_values(env_file).get(config.api_key_env)
    if value:
        return SecretStr(value)
    if config.provider in (Provider.OLLAMA, Provider.VLLM) or is_local_url(config.base_url):
        return SecretStr(LOCAL_PLACEHOLDER_KEY)
    raise ConfigurationError(
        f"{config.api_key_env} is not set: the {config.provider} endpoint {config.base_url} needs an API key "
        "(set it in the environment or in .env)"
    )
