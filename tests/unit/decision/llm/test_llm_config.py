"""LLM settings: provider detection, structured-output choice, strictness and where the key comes from."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr, ValidationError

from alphaloop.decision.llm import LlmConfig, Provider, detect_provider, resolve_api_key
from alphaloop.decision.llm.config import LOCAL_PLACEHOLDER_KEY
from alphaloop.decision.llm.schema import SCHEMA_NAME, decision_schema, response_format
from alphaloop.model.errors import ConfigurationError
from alphaloop.model.instruments import COMPETITION_SYMBOLS


@pytest.mark.parametrize(
    ("base_url", "provider"),
    [
        ("https://api.openai.com/v1", Provider.OPENAI),
        ("https://api.deepseek.com", Provider.DEEPSEEK),
        ("https://api.deepseek.com/v1", Provider.DEEPSEEK),
        ("https://dashscope.aliyuncs.com/compatible-mode/v1", Provider.DASHSCOPE),
        ("https://dashscope-intl.aliyuncs.com/compatible-mode/v1", Provider.DASHSCOPE),
        ("https://openrouter.ai/api/v1", Provider.OPENROUTER),
        ("http://localhost:11434/v1", Provider.OLLAMA),
        ("http://ollama.internal:8080/v1", Provider.OLLAMA),
        ("http://vllm-gpu:8000/v1", Provider.VLLM),
        ("http://127.0.0.1:8000/v1", Provider.OTHER),
        ("https://evil-openai.com.example/v1", Provider.OTHER),
    ],
)
def test_the_provider_is_detected_from_the_base_url(base_url: str, provider: Provider) -> None:
    assert detect_provider(base_url) is provider
    assert LlmConfig(base_url=base_url, model="m").provider is provider


def test_an_explicit_provider_wins_and_qwen_means_dashscope() -> None:
    assert (
        LlmConfig(base_url="http://127.0.0.1:8000/v1", model="m", provider="vllm").provider is Provider.VLLM
    )
    assert (
        LlmConfig(base_url="http://gateway/v1", model="qwen-plus", provider="qwen").provider
        is Provider.DASHSCOPE
    )


def test_the_default_endpoint_is_openai() -> None:
    config = LlmConfig(model="gpt-4o-mini")
    assert (config.base_url, config.provider, config.api_key_env) == (
        "https://api.openai.com/v1",
        Provider.OPENAI,
        "OPENAI_API_KEY",
    )


@pytest.mark.parametrize(
    ("provider", "mode"),
    [
        ("openai", "json_schema"),
        ("vllm", "json_schema"),
        ("ollama", "json_schema"),
        ("deepseek", "json_object"),
        ("dashscope", "json_object"),
        ("openrouter", "json_object"),
        ("other", "none"),
    ],
)
def test_auto_structured_output_follows_what_the_provider_supports(provider: str, mode: str) -> None:
    assert LlmConfig(model="m", provider=provider).response_mode == mode
    assert (
        LlmConfig(model="m", provider=provider, structured_output="json_object").response_mode
        == "json_object"
    )


def test_response_formats_have_the_shapes_the_api_expects() -> None:
    schema = decision_schema(COMPETITION_SYMBOLS, 20)
    assert response_format("json_schema", schema) == {
        "type": "json_schema",
        "json_schema": {"name": SCHEMA_NAME, "strict": True, "schema": schema},
    }
    assert response_format("json_object", schema) == {"type": "json_object"}
    assert response_format("none", schema) is None


def test_the_strict_schema_requires_every_property_and_forbids_others() -> None:
    schema = decision_schema(["BTC/USDT:USDT"], 5)
    entry = schema["properties"]["decisions"]["items"]
    assert set(entry["required"]) == set(entry["properties"])
    assert entry["additionalProperties"] is False
    assert schema["additionalProperties"] is False
    assert entry["properties"]["symbol"]["enum"] == ["BTC/USDT:USDT"]


def test_openai_gets_max_completion_tokens_and_the_others_max_tokens() -> None:
    assert LlmConfig(model="m", provider="openai").token_limit_parameter == "max_completion_tokens"
    assert LlmConfig(model="m", provider="deepseek").token_limit_parameter == "max_tokens"


@pytest.mark.parametrize("mode", ["record", "replay"])
def test_cassette_modes_need_a_directory(mode: str, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="needs cassette_dir"):
        LlmConfig(model="m", mode=mode)
    assert LlmConfig(model="m", mode=mode, cassette_dir=tmp_path).mode == mode


@pytest.mark.parametrize(
    "bad",
    [
        {"leverage_cap": 21},
        {"leverage_cap": 0},
        {"symbols": ("PEPE/USDT:USDT",)},
        {"symbols": ()},
        {"max_retries": 50},
        {"timeout_seconds": 0},
        {"base_url": "ftp://x"},
        {"model": "  "},
        {"return_horizons": (0,)},
        {"unknown_setting": 1},
    ],
)
def test_invalid_settings_are_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        LlmConfig(**{"model": "m", **bad})


def test_symbols_are_normalised_and_deduplicated() -> None:
    config = LlmConfig(model="m", symbols=("cmt_btcusdt", "BTC/USDT:USDT", "PERP_ETH_USDT"))
    assert config.symbols == ("BTC/USDT:USDT", "ETH/USDT:USDT")


def test_the_config_is_frozen() -> None:
    config = LlmConfig(model="m")
    with pytest.raises(ValidationError):
        config.model = "other"


def test_the_lookback_covers_the_longest_return_horizon() -> None:
    assert LlmConfig(model="m").lookback == 25
    assert LlmConfig(model="m", return_horizons=(1, 48), recent_closes=6).lookback == 49


def test_the_key_comes_from_the_named_environment_variable() -> None:
    config = LlmConfig(
        base_url="https://api.deepseek.com", model="deepseek-chat", api_key_env="DEEPSEEK_API_KEY"
    )
    key = resolve_api_key(config, environ={"DEEPSEEK_API_KEY": "sk-env"}, env_file=None)
    assert key.get_secret_value() == "sk-env"


def test_the_key_falls_back_to_the_dotenv_file(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("OTHER=1\nMY_LLM_KEY=sk-from-dotenv\n")
    config = LlmConfig(model="m", api_key_env="MY_LLM_KEY")
    assert resolve_api_key(config, environ={}, env_file=env_file).get_secret_value() == "sk-from-dotenv"


def test_an_explicit_key_wins_and_never_shows_in_repr() -> None:
    config = LlmConfig(model="m", api_key=SecretStr("sk-secret-123"))
    assert resolve_api_key(
        config, environ={"OPENAI_API_KEY": "sk-env"}, env_file=None
    ).get_secret_value() == ("sk-secret-123")
    assert "sk-secret-123" not in repr(config)
    assert "sk-secret-123" not in config.model_dump_json()


def test_local_servers_get_a_placeholder_key() -> None:
    for base_url in ("http://localhost:11434/v1", "http://127.0.0.1:8000/v1", "http://vllm-box:8000/v1"):
        key = resolve_api_key(LlmConfig(base_url=base_url, model="m"), environ={}, env_file=None)
        assert key.get_secret_value() == LOCAL_PLACEHOLDER_KEY


def test_a_remote_endpoint_without_a_key_is_a_configuration_error() -> None:
    config = LlmConfig(base_url="https://openrouter.ai/api/v1", model="m", api_key_env="OPENROUTER_API_KEY")
    with pytest.raises(ConfigurationError, match="OPENROUTER_API_KEY is not set"):
        resolve_api_key(config, environ={}, env_file=None)
