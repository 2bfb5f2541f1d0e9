"""The LLM agent as the engine gets it: fallback chain, daily budget, safe mode, hybrid input.

Per cycle:
1. hybrid: the offline model decides first and its answer is added to the LLM's snapshot;
2. budget spent for the day: no call; the fallback decides (or an explicit HOLD), no new entries;
3. otherwise the LLM is asked; an unusable answer counts as a failure and the fallback decides
   (the offline model's answer in hybrid mode), else an explicit HOLD with the reason;
4. after `safe_mode_after_failures` consecutive failures the agent is in safe mode: no new
   entries (CLOSE and HOLD pass; a reversal is cut to a CLOSE) until the LLM answers usably again.
Each restriction is written into the decision's explanation and `output["restrictions"]`.

The budget's day is the UTC day of the snapshot (deterministic in backtests and replays) unless
a wall `clock` is injected.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from alphaloop.decision.base import DecisionModel
from alphaloop.decision.llm.agent import LlmAgent, LlmAttempt
from alphaloop.decision.llm.budget import DaySpend, Prices, SpendLedger, utc_day
from alphaloop.decision.llm.cassette import CassetteStore, CassetteTransport
from alphaloop.decision.llm.config import LlmConfig, resolve_api_key
from alphaloop.decision.llm.explanation import compose_explanation
from alphaloop.decision.llm.hybrid import with_offline_signal
from alphaloop.decision.llm.transport import ChatTransport, OpenAIChatTransport, TokenUsage
from alphaloop.model.decision import Action, Decision, SymbolDecision
from alphaloop.model.snapshot import Snapshot

logger = logging.getLogger("alphaloop.decision.llm")

ENTRIES = (Action.OPEN_LONG, Action.OPEN_SHORT)


@dataclass(frozen=True, slots=True)
class GuardStatus:
    safe_mode: bool
    consecutive_failures: int
    today: DaySpend
    daily_budget_usd: float | None


class GuardedLlmAgent:
    """A `DecisionModel`: the LLM agent wrapped with fallback, budget, safe mode and hybrid input."""

    def __init__(
        self,
        agent: LlmAgent,
        *,
        ledger: SpendLedger,
        safe_mode_after_failures: int,
        fallback: DecisionModel | None = None,
        offline: DecisionModel | None = None,
        clock: Callable[[], int] | None = None,
    ) -> None:
        self.agent = agent
        self.info = agent.info
        self.lookback = max([agent.lookback] + [m.lookback for m in (fallback, offline) if m is not None])
        self._ledger = ledger
        self._safe_mode_after = safe_mode_after_failures
        self._fallback = fallback
        self._offline = offline
        self._clock = clock
        self._char_cap = agent.config.explanation_char_cap
        self._failures = 0
        self._safe_mode = False
        self._last_day = ""
        # The live engine calls decide() from a worker thread; keep the counters consistent.
        self._lock = threading.Lock()

    @property
    def safe_mode(self) -> bool:
        return self._safe_mode

    def status(self, day: str | None = None) -> GuardStatus:
        with self._lock:
            return GuardStatus(
                self._safe_mode,
                self._failures,
                self._ledger.spent(day or self._last_day),
                self._ledger.limit_usd,
            )

    def close(self) -> None:
        self.agent.close()

    def decide(self, snapshot: Snapshot) -> Decision:
        with self._lock:
            day = utc_day(self._clock() if self._clock is not None else snapshot.timestamp)
            self._last_day = day
            offline, offline_error = self._offline_decision(snapshot)
            restrictions = []
            if self._safe_mode:
                restrictions.append(
                    f"safe mode after {self._failures} consecutive unusable LLM answers: no new entries"
                )
            if self._ledger.exhausted(day):
                spent = self._ledger.spent(day)
                reason = (
                    f"daily LLM budget of {self._ledger.limit_usd:.2f} USD spent "
                    f"({spent.cost_usd:.4f} USD on {day}): no new entries"
                )
                logger.warning("%s", reason)
                restrictions.append(reason)
                decision = _with_output(
                    self._fall_back(snapshot, offline, reason, None), spend=spent.to_json()
                )
            else:
                llm_snapshot = snapshot if offline is None else with_offline_signal(snapshot, offline)
                attempt = self.agent.attempt(llm_snapshot)
                # A call that got no answer is counted with no tokens: providers do not bill those.
                spend = self._ledger.charge(day, attempt.usage or TokenUsage(0, 0))
                decision = _with_output(
                    self._after_attempt(snapshot, offline, attempt), spend=spend.to_json()
                )
            if offline_error is not None:
                decision = _with_output(decision, offline_error=offline_error)
            if restrictions:
                decision = self._without_entries(decision, snapshot, "; ".join(restrictions))
            return decision

    def _after_attempt(self, snapshot: Snapshot, offline: Decision | None, attempt: LlmAttempt) -> Decision:
        if attempt.failure is not None:
            self._failures += 1
            if not self._safe_mode and self._failures >= self._safe_mode_after:
                self._safe_mode = True
                logger.error(
                    "LLM safe mode: %d consecutive unusable answers; no new entries until one succeeds",
                    self._failures,
                )
            return self._fall_back(snapshot, offline, attempt.failure, attempt)
        if self._safe_mode:
            logger.warning("LLM answered usably again after %d failures; leaving safe mode", self._failures)
        self._failures = 0
        self._safe_mode = False
        if offline is None:
            return attempt.decision
        return replace(attempt.decision, models=(attempt.decision.model, *offline.contributors))

    def _offline_decision(self, snapshot: Snapshot) -> tuple[Decision | None, str | None]:
        if self._offline is None:
            return None, None
        try:
            return self._offline.decide(snapshot), None
        except Exception as exc:  # a broken offline model must not stop the LLM from deciding
            logger.exception(
                "offline model %s failed; the LLM decides without its signal", self._offline.info.label
            )
            return None, f"offline model {self._offline.info.label} failed: {exc}"

    def _fall_back(
        self, snapshot: Snapshot, offline: Decision | None, reason: str, attempt: LlmAttempt | None
    ) -> Decision:
        """The fallback's decision annotated with why the LLM's was not used; a HOLD when there is none."""
        source: Decision | None = offline
        problem = ""
        if self._fallback is not None:
            try:
                source = self._fallback.decide(snapshot)
            except Exception as exc:  # the chain ends in an explicit HOLD, not a crash
                logger.exception("fallback model %s failed", self._fallback.info.label)
                problem = f"; fallback {self._fallback.info.label} failed: {exc}"
                source = None
        if source is None:
            if attempt is not None and not problem:
                return attempt.decision
            explanation = compose_explanation(f"{reason}{problem}.", "Holding.", char_cap=self._char_cap)
            base = (
                attempt.decision if attempt is not None else Decision.hold(snapshot.timestamp, self.info, "")
            )
            return replace(
                base, explanation=explanation, output={**base.output, "error": f"{reason}{problem}"}
            )
        logger.warning("LLM not used (%s); %s decides", reason, source.model.label)
        note = f"[Decided by fallback {source.model.label}: {reason}]"
        output: dict[str, Any] = {
            **source.output,
            "fallback": {"reason": reason, "instead_of": self.info.label},
        }
        if attempt is not None:
            output["llm_attempt"] = {
                "input": dict(attempt.decision.input),
                "output": dict(attempt.decision.output),
            }
        return replace(
            source,
            explanation=compose_explanation(source.explanation, note, char_cap=self._char_cap),
            output=output,
        )

    def _without_entries(self, decision: Decision, snapshot: Snapshot, reason: str) -> Decision:
        kept = []
        for d in decision.decisions:
            if d.action not in ENTRIES:
                kept.append(d)
                continue
            position = snapshot.positions.get(d.symbol)
            if position is not None and position.direction == -d.action.direction:
                kept.append(
                    SymbolDecision(
                        d.symbol,
                        Action.CLOSE,
                        confidence=d.confidence,
                        reason=f"{reason}: {d.action} cut to a close",
                    )
                )
            else:
                kept.append(SymbolDecision(d.symbol, Action.HOLD, reason=f"{reason}: {d.action} not allowed"))
        previous = decision.output.get("restrictions")
        restrictions = [*previous, reason] if isinstance(previous, list) else [reason]
        explanation = decision.explanation
        if reason not in explanation:
            explanation = compose_explanation(explanation, f"[{reason}]", char_cap=self._char_cap)
        return replace(
            decision,
            decisions=tuple(kept),
            explanation=explanation,
            output={**decision.output, "restrictions": restrictions},
        )


def _with_output(decision: Decision, **extra: Any) -> Decision:
    return replace(decision, output={**decision.output, **extra})


def make_transport(
    config: LlmConfig,
    *,
    endpoint: ChatTransport | None = None,
    sleep: Callable[[float], None] = time.sleep,
    environ: Mapping[str, str] | None = None,
    env_file: Path | None = Path(".env"),
) -> ChatTransport:
    """The transport for `config.mode`: the endpoint (the `openai` SDK unless given), wrapped in
    the cassette layer for record and replay. Replay needs neither a key nor a network."""
    if config.mode == "replay":
        assert config.cassette_dir is not None  # LlmConfig enforces it
        return CassetteTransport(CassetteStore(config.cassette_dir), "replay")
    if endpoint is None:
        endpoint = OpenAIChatTransport(
            base_url=config.base_url,
            api_key=resolve_api_key(config, environ=environ, env_file=env_file),
            timeout_seconds=config.timeout_seconds,
            max_retries=config.max_retries,
            retry_backoff_seconds=config.retry_backoff_seconds,
            max_retry_wait_seconds=config.max_retry_wait_seconds,
            sleep=sleep,
        )
    if config.mode == "record":
        assert config.cassette_dir is not None
        return CassetteTransport(CassetteStore(config.cassette_dir), "record", endpoint)
    return endpoint


def build_llm_agent(
    config: LlmConfig,
    *,
    fallback: DecisionModel | None = None,
    offline: DecisionModel | None = None,
    clock: Callable[[], int] | None = None,
    endpoint: ChatTransport | None = None,
    sleep: Callable[[float], None] = time.sleep,
    environ: Mapping[str, str] | None = None,
    env_file: Path | None = Path(".env"),
) -> GuardedLlmAgent:
    """The LLM agent ready for the engine.

    fallback: decides when the LLM cannot (e.g. the offline model); nest guarded agents for a
        longer chain.
    offline: hybrid mode: this model decides first, the LLM sees its signal and makes the final
        call, and it is the fallback unless `fallback` is given.
    clock: ms UTC for the budget's day; None = the snapshot's time (deterministic replays).
    endpoint: the chat transport to the provider (default: the `openai` SDK on `config.base_url`).
    Raises `ConfigurationError` when a remote endpoint has no API key (not in replay mode).
    """
    transport = make_transport(config, endpoint=endpoint, sleep=sleep, environ=environ, env_file=env_file)
    ledger = SpendLedger(
        config.daily_budget_usd, Prices(config.prompt_price_per_1k, config.completion_price_per_1k)
    )
    return GuardedLlmAgent(
        LlmAgent(config, transport),
        ledger=ledger,
        safe_mode_after_failures=config.safe_mode_after_failures,
        fallback=fallback,
        offline=offline,
        clock=clock,
    )
