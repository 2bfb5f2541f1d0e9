"""Build the LLM agent from `alphaloop backtest --strategy llm` options."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from alphaloop.decision.base import DecisionModel
from alphaloop.model.errors import ConfigurationError


def build_cli_llm_agent(
    base_url: str | None,
    model: str | None,
    mode: str,
    cassettes: Path | None,
    ml_model: Path | None,
    *,
    hybrid: bool = False,
    symbols: tuple[str, ...] | None = None,
) -> DecisionModel:
    """The guarded agent (budget, safe mode, fallback); `hybrid` puts the offline ML model in
    front of it (its signal and drivers in the prompt) and makes it the fallback."""
    from alphaloop.decision.llm import LlmConfig, build_llm_agent

    if not model:
        raise ConfigurationError("--strategy llm needs --llm-model (the provider's model id)")
    fields: dict[str, object] = {"model": model, "mode": mode, "cassette_dir": cassettes}
    if base_url:
        fields["base_url"] = base_url
    if symbols:
        fields["symbols"] = symbols
    try:
        config = LlmConfig.model_validate(fields)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        raise ConfigurationError(f"invalid LLM options: {problems}") from error
    offline = None
    if hybrid:
        from alphaloop.decision.registry import StrategyOptions, build_strategy

        offline = build_strategy("ml", StrategyOptions(model_path=ml_model))
    return build_llm_agent(config, offline=offline)
