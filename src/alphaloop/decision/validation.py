"""Semantic validation of a `Decision` against the `Snapshot` it answers, for every model.

Pure: no I/O, no clock. Each symbol decision is accepted or rejected with a reason a human can
read in the journal and the AI log. The rules:

- the symbol is allowed and present in the snapshot;
- the action is one of the `Action` enum, and a symbol gets one action per answer (never an
  open on both sides);
- leverage, when given, is a whole number from 1 to the cap;
- an entry carries its exit plan on the right side of the price (the symbol's last close):
  long `stop < price < target`, short `target < price < stop`;
- its reward/risk after round-trip taker fees (`2 * fee * price`, added to the risk and taken
  from the reward) is at least `min_reward_risk`;
- CLOSE only for an open position;
- confidence, when given, lies in [0, 1]; risk_fraction in (0, 1].

`ValidationOutcome.apply` turns each rejected symbol decision into an explicit HOLD that keeps
the reason, so nothing invalid reaches the risk gate and nothing is silently dropped.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace

from alphaloop.model.decision import Action, Decision, SymbolDecision
from alphaloop.model.errors import ConfigurationError
from alphaloop.model.snapshot import Snapshot

DEFAULT_TAKER_FEE_RATE = 0.0008


@dataclass(frozen=True, slots=True)
class Rejection:
    decision: SymbolDecision
    reason: str

    def describe(self) -> str:
        return f"{self.decision.symbol} {self.decision.action}: {self.reason}"


@dataclass(frozen=True, slots=True)
class ValidationOutcome:
    """Every symbol decision of one answer, in order, with None (accepted) or the rejection reason."""

    verdicts: tuple[tuple[SymbolDecision, str | None], ...]

    @property
    def accepted(self) -> tuple[SymbolDecision, ...]:
        return tuple(d for d, reason in self.verdicts if reason is None)

    @property
    def rejected(self) -> tuple[Rejection, ...]:
        return tuple(Rejection(d, reason) for d, reason in self.verdicts if reason is not None)

    @property
    def ok(self) -> bool:
        return all(reason is None for _, reason in self.verdicts)

    def apply(self, decision: Decision) -> Decision:
        """`decision` with each rejected symbol decision replaced by a HOLD that states why."""
        kept = tuple(
            d
            if reason is None
            else SymbolDecision(symbol=d.symbol, action=Action.HOLD, reason=f"rejected {d.action}: {reason}")
            for d, reason in self.verdicts
        )
        return replace(decision, decisions=kept)


def validate_decision(
    decision: Decision,
    snapshot: Snapshot,
    *,
    leverage_cap: int,
    allowed_symbols: Iterable[str],
    taker_fee_rate: float = DEFAULT_TAKER_FEE_RATE,
    min_reward_risk: float = 1.0,
    require_exit_plan: bool = True,
) -> ValidationOutcome:
    """Check every symbol decision of `decision`; see the module docstring for the rules.

    `require_exit_plan=False` lets an entry without stop or target through (the side and
    reward/risk checks then apply only to the levels given), for models whose exits are managed
    elsewhere.
    """
    if leverage_cap < 1:
        raise ConfigurationError(f"leverage cap {leverage_cap} must be at least 1")
    if not (math.isfinite(taker_fee_rate) and 0 <= taker_fee_rate < 1):
        raise ConfigurationError(f"taker fee rate {taker_fee_rate} must be in [0, 1)")
    if not (math.isfinite(min_reward_risk) and min_reward_risk >= 0):
        raise ConfigurationError(f"minimum reward/risk {min_reward_risk} must be a non-negative number")
    allowed = frozenset(allowed_symbols)
    conflicts = _conflicting_symbols(decision.decisions)
    rules = _Rules(snapshot, allowed, leverage_cap, taker_fee_rate, min_reward_risk, require_exit_plan)
    return ValidationOutcome(
        tuple(
            (d, (conflicts.get(d.symbol) if d.action is not Action.HOLD else None) or rules.check(d))
            for d in decision.decisions
        )
    )


def _conflicting_symbols(decisions: Iterable[SymbolDecision]) -> dict[str, str]:
    """Symbols given more than one non-HOLD action in one answer, with the reason."""
    actions: defaultdict[str, list[Action]] = defaultdict(list)
    for d in decisions:
        if d.action is not Action.HOLD:
            actions[d.symbol].append(d.action)
    reasons = {}
    for symbol, found in actions.items():
        if Action.OPEN_LONG in found and Action.OPEN_SHORT in found:
            reasons[symbol] = "opens both sides in one answer"
        elif len(found) > 1:
            reasons[symbol] = "more than one action for the symbol in one answer (" + ", ".join(found) + ")"
    return reasons


def _num(value: float) -> str:
    return format(value, ".8g")


@dataclass(frozen=True, slots=True)
class _Rules:
    snapshot: Snapshot
    allowed: frozenset[str]
    leverage_cap: int
    fee_rate: float
    min_reward_risk: float
    require_exit_plan: bool

    def check(self, d: SymbolDecision) -> str | None:
        action: object = d.action  # typed as Action, but a model may have built it from raw text
        if not isinstance(action, Action):
            return f"action {action!r} is not one of " + ", ".join(a.value for a in Action)
        if d.symbol not in self.allowed:
            return f"{d.symbol} is not an allowed symbol"
        if d.symbol not in self.snapshot.symbols:
            return f"the snapshot has no market data for {d.symbol}"
        if d.action is Action.HOLD:
            return None
        if d.confidence is not None and not (math.isfinite(d.confidence) and 0 <= d.confidence <= 1):
            return f"confidence {_num(d.confidence)} is outside [0, 1]"
        if d.action is Action.CLOSE:
            if d.symbol not in self.snapshot.positions:
                return "close without an open position"
            return None
        return self._check_entry(d)

    def _check_entry(self, d: SymbolDecision) -> str | None:
        if d.leverage is not None and (
            isinstance(d.leverage, bool)
            or not isinstance(d.leverage, int)
            or not 1 <= d.leverage <= self.leverage_cap
        ):
            return f"leverage {d.leverage} is not a whole number from 1 to {self.leverage_cap}"
        if d.risk_fraction is not None and not (math.isfinite(d.risk_fraction) and 0 < d.risk_fraction <= 1):
            return f"risk fraction {_num(d.risk_fraction)} is outside (0, 1]"
        candles = self.snapshot.symbols[d.symbol].candles
        price = candles.last_close if len(candles) else math.nan
        if not (math.isfinite(price) and price > 0):
            return "the snapshot has no valid last close to check the exit plan against"
        stop, target = d.stop_loss, d.take_profit
        if self.require_exit_plan and (stop is None or target is None):
            return "an entry needs both stop_loss and take_profit"
        for name, level in (("stop_loss", stop), ("take_profit", target)):
            if level is not None and not (math.isfinite(level) and level > 0):
                return f"{name} {_num(level)} is not a positive price"
        long = d.action is Action.OPEN_LONG
        side = "long" if long else "short"
        if stop is not None and (stop >= price if long else stop <= price):
            where = "below" if long else "above"
            return f"{side} stop_loss {_num(stop)} must be {where} the last close {_num(price)}"
        if target is not None and (target <= price if long else target >= price):
            where = "above" if long else "below"
            return f"{side} take_profit {_num(target)} must be {where} the last close {_num(price)}"
        if stop is None or target is None:
            return None
        fees = 2 * self.fee_rate * price
        risk = abs(price - stop) + fees
        reward = abs(target - price) - fees
        if reward <= 0:
            return f"take_profit {_num(target)} does not cover the round-trip fees ({_num(fees)} per unit)"
        ratio = reward / risk
        if ratio < self.min_reward_risk:
            return (
                f"reward/risk {ratio:.2f} after round-trip fees is below {self.min_reward_risk:g} "
                f"(reward {_num(reward)}, risk {_num(risk)} per unit)"
            )
        return None
