"""Fault injection for the simulator server: a compact spec language and a seeded decision engine.

Syntax (`--faults SPEC`, admin `POST /__admin/faults {"spec": SPEC}`)::

    SPEC     := RULE (";" RULE)*                      blanks around tokens are ignored
    RULE     := TARGETS ":" ACTION ["@" TRIGGER ("," TRIGGER)*]
    TARGETS  := "*" | NAME ("," NAME)*                NAME: endpoint name of spec 7.0 (placeOrder, ticker...)
    ACTION   := "latency=" DURATION                   answer late (still executes)
              | "5xx" | "500".."599"                  answer that HTTP status instead ("5xx" = 500); 521 = IP
                                                      not whitelisted; nothing executes
              | "429"                                 answer the rate-limit envelope; nothing executes
              | "ipdeny"                              answer 40018 "Invalid IP request"; nothing executes
              | "timeout" ["=" DURATION]              hang (default 60s) without executing, then drop the
                                                      connection; pick longer than the client timeout
              | "drop"                                execute the request, then close the connection with
                                                      no answer (the unknown-outcome case)
              | "skew=" ("+"|"-") DURATION            shift the server clock (market/time and the 30 s
                                                      signature window); target must be "*", no trigger
    TRIGGER  := "p=" FLOAT                            with probability FLOAT (seeded RNG)
              | "n=" INT                              only the INT-th matching call (1-based)
              | "every=" INT                          every INT-th matching call
              | "first=" INT                          the first INT matching calls
    DURATION := INT ["ms" | "s" | "m"]                bare numbers are milliseconds

Without a trigger a rule fires on every matching call; several triggers must all hold.
Example: ``placeOrder:5xx@p=0.2; ticker:latency=200ms; placeOrder:drop@n=3; *:skew=+40s``.
Each rule counts its own matching calls; latencies add up, the first firing terminal rule
(status / 429 / ipdeny / timeout) wins, and `drop` is applied after the request executed.
"""

from __future__ import annotations

import random
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from enum import StrEnum

from alphaloop.venues.weex.constants import ENDPOINTS_BY_NAME

DEFAULT_TIMEOUT_MS = 60_000


class FaultSpecError(ValueError):
    """A fault spec that does not parse; the message names the rule and the problem."""


class FaultKind(StrEnum):
    LATENCY = "latency"
    STATUS = "status"
    RATE_LIMIT = "429"
    IP_DENY = "ipdeny"
    TIMEOUT = "timeout"
    DROP = "drop"
    SKEW = "skew"


@dataclass(frozen=True, slots=True)
class FaultRule:
    """One parsed rule; `targets` None means every endpoint."""

    text: str
    targets: frozenset[str] | None
    kind: FaultKind
    status: int = 0
    duration_ms: int = 0
    probability: float | None = None
    nth: int | None = None
    every: int | None = None
    first: int | None = None

    def matches(self, endpoint: str) -> bool:
        return self.targets is None or endpoint in self.targets


@dataclass(frozen=True, slots=True)
class FaultDecision:
    """What to do to one request: delay, replace the answer (`terminal`), drop after executing."""

    latency_ms: int = 0
    terminal: FaultRule | None = None
    drop: bool = False


NO_FAULT = FaultDecision()

_DURATION = re.compile(r"^(\d+)(ms|s|m)?$")
_UNIT_MS = {None: 1, "ms": 1, "s": 1000, "m": 60_000}


def _duration(text: str, rule: str) -> int:
    match = _DURATION.match(text.strip())
    if not match:
        raise FaultSpecError(f"fault rule '{rule}': '{text}' is not a duration like 200ms, 5s or 1m")
    return int(match.group(1)) * _UNIT_MS[match.group(2)]


def _positive_int(key: str, text: str, rule: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise FaultSpecError(f"fault rule '{rule}': {key}= needs a positive integer, got '{text}'")
    return int(text)


def _parse_rule(text: str, names: Collection[str] = ENDPOINTS_BY_NAME) -> FaultRule:
    head, _, trigger_text = text.partition("@")
    targets_text, colon, action = head.partition(":")
    targets_text, action = targets_text.strip(), action.strip()
    if not colon or not targets_text or not action:
        raise FaultSpecError(
            f"fault rule '{text}': expected TARGETS:ACTION[@TRIGGER], e.g. placeOrder:5xx@p=0.2"
        )
    targets: frozenset[str] | None = None
    if targets_text != "*":
        targets_list = [n.strip() for n in targets_text.split(",")]
        unknown = [n for n in targets_list if n not in names]
        if unknown:
            raise FaultSpecError(
                f"fault rule '{text}': unknown endpoint {', '.join(repr(n) for n in unknown)} "
                f"(use names from the endpoint table, e.g. placeOrder, ticker, or *)"
            )
        targets = frozenset(targets_list)
    kind, status, duration = _parse_action(action, text)
    fields: dict[str, int | float] = {}
    if trigger_text.strip():
        for part in trigger_text.split(","):
            key, eq, value = (s.strip() for s in part.partition("="))
            if not eq or key not in ("p", "n", "every", "first"):
                raise FaultSpecError(
                    f"fault rule '{text}': trigger '{part.strip()}' is not p=, n=, every= or first="
                )
            if key in fields:
                raise FaultSpecError(f"fault rule '{text}': trigger {key}= given twice")
            if key == "p":
                try:
                    probability = float(value)
                except ValueError:
                    probability = -1.0
                if not 0.0 <= probability <= 1.0:
                    raise FaultSpecError(
                        f"fault rule '{text}': p= needs a probability in [0, 1], got '{value}'"
                    )
                fields["p"] = probability
            else:
                fields[key] = _positive_int(key, value, text)
    if kind is FaultKind.SKEW and (targets is not None or fields):
        raise FaultSpecError(f"fault rule '{text}': skew applies to the whole server: write *:skew=+40s")
    return FaultRule(
        text=text,
        targets=targets,
        kind=kind,
        status=status,
        duration_ms=duration,
        probability=float(fields["p"]) if "p" in fields else None,
        nth=int(fields["n"]) if "n" in fields else None,
        every=int(fields["every"]) if "every" in fields else None,
        first=int(fields["first"]) if "first" in fields else None,
    )


def _parse_action(action: str, rule: str) -> tuple[FaultKind, int, int]:
    name, eq, value = (s.strip() for s in action.partition("="))
    if name == "latency":
        if not eq:
            raise FaultSpecError(f"fault rule '{rule}': latency needs a duration, e.g. latency=200ms")
        return FaultKind.LATENCY, 0, _duration(value, rule)
    if name == "timeout":
        return FaultKind.TIMEOUT, 0, _duration(value, rule) if eq else DEFAULT_TIMEOUT_MS
    if name == "skew":
        if not eq or value[:1] not in ("+", "-"):
            raise FaultSpecError(f"fault rule '{rule}': skew needs a signed duration, e.g. skew=+40s")
        sign = -1 if value[0] == "-" else 1
        return FaultKind.SKEW, 0, sign * _duration(value[1:], rule)
    if eq:
        raise FaultSpecError(f"fault rule '{rule}': action '{name}' takes no value")
    if name == "drop":
        return FaultKind.DROP, 0, 0
    if name == "ipdeny":
        return FaultKind.IP_DENY, 0, 0
    if name == "429":
        return FaultKind.RATE_LIMIT, 429, 0
    if name.lower() == "5xx":
        return FaultKind.STATUS, 500, 0
    if len(name) == 3 and name.isdigit() and name.startswith("5"):
        return FaultKind.STATUS, int(name), 0
    raise FaultSpecError(
        f"fault rule '{rule}': unknown action '{name}' "
        "(latency=, 5xx, 500-599, 429, ipdeny, timeout[=], drop, skew=)"
    )


def parse_fault_spec(spec: str, names: Collection[str] = ENDPOINTS_BY_NAME) -> tuple[FaultRule, ...]:
    """Parse a SPEC (module docstring) into rules; raises `FaultSpecError` with the bad rule quoted.
    `names` are the endpoint names targets may use (default: WEEX's; the WOO X dialect passes its own)."""
    return tuple(_parse_rule(part.strip(), names) for part in spec.split(";") if part.strip())


class FaultInjector:
    """Applies rules to calls; the RNG is seeded so a run with the same calls fails the same way."""

    def __init__(self, rules: Iterable[FaultRule] = (), seed: int = 0) -> None:
        self._seed = seed
        self.set_rules(rules)

    def set_rules(self, rules: Iterable[FaultRule]) -> None:
        """Replace every rule, restart counters and the RNG (so a test sees a fresh sequence)."""
        self.rules = tuple(rules)
        self._active = tuple(r for r in self.rules if r.kind is not FaultKind.SKEW)
        self.skew_ms = sum(r.duration_ms for r in self.rules if r.kind is FaultKind.SKEW)
        self._counts = [0] * len(self._active)
        self._rng = random.Random(self._seed)
        self.fired: dict[str, int] = {}

    @property
    def spec(self) -> str:
        return "; ".join(r.text for r in self.rules)

    def decide(self, endpoint: str) -> FaultDecision:
        """Count this call against every matching rule and return the combined decision."""
        if not self._active:
            return NO_FAULT
        latency = 0
        terminal: FaultRule | None = None
        drop = False
        for index, rule in enumerate(self._active):
            if not rule.matches(endpoint):
                continue
            self._counts[index] += 1
            if not self._fires(rule, self._counts[index]):
                continue
            self.fired[rule.text] = self.fired.get(rule.text, 0) + 1
            if rule.kind is FaultKind.LATENCY:
                latency += rule.duration_ms
            elif rule.kind is FaultKind.DROP:
                drop = True
            elif terminal is None:
                terminal = rule
        if not latency and terminal is None and not drop:
            return NO_FAULT
        return FaultDecision(latency, terminal, drop)

    def _fires(self, rule: FaultRule, count: int) -> bool:
        if rule.nth is not None and count != rule.nth:
            return False
        if rule.every is not None and count % rule.every:
            return False
        if rule.first is not None and count > rule.first:
            return False
        # Draw last and only when the counters allow it, so adding n=/first= keeps draws meaningful.
        return rule.probability is None or self._rng.random() < rule.probability
