"""Token accounting and the per-day spend budget of the LLM agent.

Every answer is charged: the provider's reported usage, or an estimate from the text length when
it reports none. Replayed answers are charged their recorded usage too (no money moves), so a
replay hits the budget at the same cycle as the recording did. A call starts only while the
day's spend is below the budget, so one day overshoots by at most one call.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from alphaloop.decision.llm.transport import TokenUsage


def utc_day(timestamp_ms: int) -> str:
    return datetime.fromtimestamp(timestamp_ms / 1000, UTC).strftime("%Y-%m-%d")


@dataclass(frozen=True, slots=True)
class Prices:
    """USD per 1,000 tokens (0 when unknown)."""

    prompt_per_1k: float = 0.0
    completion_per_1k: float = 0.0

    def cost(self, usage: TokenUsage) -> float:
        return (
            usage.prompt_tokens * self.prompt_per_1k + usage.completion_tokens * self.completion_per_1k
        ) / 1000


@dataclass(frozen=True, slots=True)
class DaySpend:
    day: str
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "day": self.day,
            "calls": self.calls,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "cost_usd": round(self.cost_usd, 8),
        }


@dataclass
class SpendLedger:
    """Spend per UTC day (mutable; owned by one guarded agent)."""

    limit_usd: float | None
    prices: Prices = field(default_factory=Prices)
    _days: dict[str, DaySpend] = field(default_factory=dict)

    def spent(self, day: str) -> DaySpend:
        return self._days.get(day, DaySpend(day))

    def exhausted(self, day: str) -> bool:
        return self.limit_usd is not None and self.spent(day).cost_usd >= self.limit_usd

    def charge(self, day: str, usage: TokenUsage) -> DaySpend:
        before = self.spent(day)
        after = replace(
            before,
            calls=before.calls + 1,
            prompt_tokens=before.prompt_tokens + usage.prompt_tokens,
            completion_tokens=before.completion_tokens + usage.completion_tokens,
            cost_usd=before.cost_usd + self.prices.cost(usage),
        )
        self._days[day] = after
        return after
