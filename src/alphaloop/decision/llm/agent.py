"""The LLM agent: snapshot -> prompt -> one chat call -> tolerant parse -> validation -> Decision.

A usable answer becomes a `Decision` whose rejected symbol decisions are explicit HOLDs with the
validator's reason; an unusable one (call failed, empty, no decision JSON) becomes an explicit
HOLD whose explanation says why. Never a silent default, never an order. What the AI log needs
is recorded verbatim: `input` = {"messages", "params"}, `output` = {"raw", "parsed", "usage", ...}.

`LlmAgent` alone is a complete `DecisionModel`; `build_llm_agent` (guard.py) adds the fallback
chain, the daily budget and safe mode around it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from alphaloop.decision.llm.config import LlmConfig
from alphaloop.decision.llm.errors import LlmError
from alphaloop.decision.llm.explanation import compose_explanation, fit_explanation
from alphaloop.decision.llm.parse import ParsedReply, decision_json, parse_reply
from alphaloop.decision.llm.prompt import build_messages
from alphaloop.decision.llm.schema import decision_schema, response_format
from alphaloop.decision.llm.transport import ChatReply, ChatRequest, ChatTransport, TokenUsage
from alphaloop.decision.validation import ValidationOutcome, validate_decision
from alphaloop.model.decision import Action, Decision, ModelInfo, SymbolDecision
from alphaloop.model.snapshot import Snapshot

logger = logging.getLogger("alphaloop.decision.llm")


@dataclass(frozen=True, slots=True)
class LlmAttempt:
    """One cycle's outcome: always a Decision; `failure` says why the answer was unusable."""

    decision: Decision
    failure: str | None = None
    usage: TokenUsage | None = None

    @property
    def failed(self) -> bool:
        return self.failure is not None


class LlmAgent:
    """A `DecisionModel` backed by any OpenAI-compatible chat endpoint (through a `ChatTransport`)."""

    def __init__(self, config: LlmConfig, transport: ChatTransport) -> None:
        self.config = config
        self.info = ModelInfo(
            name=config.model, version=config.model_version or config.model, provider=config.provider.value
        )
        self.lookback = config.lookback
        self._transport = transport
        self._params = _request_params(config)

    def request_for(self, snapshot: Snapshot) -> ChatRequest:
        return ChatRequest(self.config.model, build_messages(snapshot, self.config), self._params)

    def decide(self, snapshot: Snapshot) -> Decision:
        return self.attempt(snapshot).decision

    def attempt(self, snapshot: Snapshot) -> LlmAttempt:
        """Ask once (the transport retries transient failures); `CassetteMissError` propagates."""
        request = self.request_for(snapshot)
        sent = {
            "messages": [dict(m) for m in request.messages],
            "params": {"model": request.model, **request.params},
        }
        key = request.key()
        try:
            reply = self._transport.complete(request)
        except LlmError as exc:
            return self._unusable(snapshot, f"LLM call failed: {exc}", sent, key, None, None)
        usage = reply.usage or TokenUsage.estimate(request.prompt_chars, len(reply.content))
        try:
            parsed = parse_reply(reply.content, self.config.symbols)
        except LlmError as exc:
            hint = " (the answer hit max_tokens)" if reply.finish_reason == "length" else ""
            return self._unusable(snapshot, f"unusable LLM reply: {exc}{hint}", sent, key, reply, usage)
        return LlmAttempt(self._decision(snapshot, parsed, sent, key, reply, usage), None, usage)

    def close(self) -> None:
        self._transport.close()

    def info_for(self, reply: ChatReply | None) -> ModelInfo:
        """The model named in the AI log: the configured version, else the one the provider reported."""
        if self.config.model_version is not None or reply is None or not reply.model:
            return self.info
        return ModelInfo(self.info.name, reply.model, self.info.provider)

    def _decision(
        self,
        snapshot: Snapshot,
        parsed: ParsedReply,
        sent: dict[str, Any],
        key: str,
        reply: ChatReply,
        usage: TokenUsage,
    ) -> Decision:
        config = self.config
        draft = Decision(timestamp=snapshot.timestamp, decisions=parsed.decisions, model=self.info_for(reply))
        outcome = validate_decision(
            draft,
            snapshot,
            leverage_cap=config.leverage_cap,
            allowed_symbols=config.symbols,
            taker_fee_rate=config.taker_fee_rate,
            min_reward_risk=config.min_reward_risk,
        )
        unreadable_holds = tuple(
            SymbolDecision(symbol=u.symbol, action=Action.HOLD, reason=f"unreadable: {u.reason}")
            for u in parsed.unreadable
            if u.symbol is not None and u.symbol in snapshot.symbols
        )
        problems = [r.describe() for r in outcome.rejected]
        problems += [f"{u.symbol or '?'}: unreadable ({u.reason})" for u in parsed.unreadable]
        for problem in problems:
            logger.warning("LLM decision rejected: %s", problem)
        note = ("Validator: " + "; ".join(problems) + ".") if problems else ""
        decided = outcome.apply(draft)
        return Decision(
            timestamp=snapshot.timestamp,
            decisions=decided.decisions + unreadable_holds,
            model=draft.model,
            explanation=compose_explanation(
                _model_explanation(parsed), note, char_cap=config.explanation_char_cap
            ),
            input=sent,
            output={
                "raw": reply.content,
                "parsed": {
                    "decisions": [decision_json(d) for d in outcome.accepted],
                    "explanation": parsed.explanation,
                },
                "rejected": _rejected_json(outcome) + [u.to_json() for u in parsed.unreadable],
                "usage": usage.to_json(),
                "provider_model": reply.model,
                "finish_reason": reply.finish_reason,
                "request_key": key,
            },
        )

    def _unusable(
        self,
        snapshot: Snapshot,
        reason: str,
        sent: dict[str, Any],
        key: str,
        reply: ChatReply | None,
        usage: TokenUsage | None,
    ) -> LlmAttempt:
        logger.warning("%s; holding", reason)
        decision = Decision(
            timestamp=snapshot.timestamp,
            decisions=(),
            model=self.info_for(reply),
            explanation=fit_explanation(f"{reason}; holding.", char_cap=self.config.explanation_char_cap),
            input=sent,
            output={
                "raw": None if reply is None else reply.content,
                "parsed": None,
                "error": reason,
                "usage": None if usage is None else usage.to_json(),
                "provider_model": None if reply is None else reply.model,
                "finish_reason": None if reply is None else reply.finish_reason,
                "request_key": key,
            },
        )
        return LlmAttempt(decision, reason, usage)


def _request_params(config: LlmConfig) -> dict[str, Any]:
    params: dict[str, Any] = {config.token_limit_parameter: config.max_tokens}
    if config.temperature is not None:
        params["temperature"] = config.temperature
    if config.seed is not None:
        params["seed"] = config.seed
    fmt = response_format(config.response_mode, decision_schema(config.symbols, config.leverage_cap))
    if fmt is not None:
        params["response_format"] = fmt
    return params


def _model_explanation(parsed: ParsedReply) -> str:
    if parsed.explanation:
        return parsed.explanation
    reasons = [f"{d.symbol} {d.action}: {d.reason}" for d in parsed.decisions if d.reason]
    return "; ".join(reasons) or "The model gave no explanation."


def _rejected_json(outcome: ValidationOutcome) -> list[dict[str, Any]]:
    return [
        {"symbol": r.decision.symbol, "decision": decision_json(r.decision), "reason": r.reason}
        for r in outcome.rejected
    ]
