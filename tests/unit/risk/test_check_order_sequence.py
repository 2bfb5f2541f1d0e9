"""The order of the checks: a proposal that breaks two rules is denied by the one checked first.

Each breaker changes a few named fields of a healthy case so that exactly one rule fails. Every
pair of breakers that touch different fields is combined; the earlier rule must win.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from alphaloop.model import OrderIntent, PositionSide
from alphaloop.risk import RiskLimits, Rule, TradingState, check_order

from .kit import BTC, DOGE, ETH, NOW_MS, SOL, XRP, calls_in_last_second, position, proposal, resting, view


@dataclass(frozen=True)
class Breaker:
    rule: Rule
    fields: Mapping[str, Any]


# In the order check_order must apply them (the contract's order).
ENTRY_BREAKERS = [
    Breaker(Rule.TRADING_HALTED, {"state": TradingState.HALTED}),
    Breaker(Rule.REDUCE_ONLY, {"state": TradingState.REDUCING}),
    Breaker(Rule.SYMBOL_NOT_ALLOWED, {"symbols": (ETH,)}),
    Breaker(Rule.LEVERAGE, {"leverage": 11}),
    Breaker(Rule.NO_AI_LOG, {"ai_log_stored": False}),
    Breaker(Rule.ORDER_RATE, {"order_calls_ms": calls_in_last_second(10)}),
    Breaker(Rule.INVALID_SIZE, {"amount": "0"}),
    Breaker(Rule.OPPOSITE_POSITION, {"positions": [position(BTC, PositionSide.SHORT)]}),
    Breaker(Rule.SELF_CROSS, {"resting_orders": [resting(OrderIntent.OPEN_SHORT, "50100")]}),
    Breaker(Rule.ENTRY_INTERVAL, {"last_entry_ms": {BTC: NOW_MS - 1_000}}),
    Breaker(Rule.ORDERS_PER_HOUR, {"orders_last_hour": 30}),
    Breaker(
        Rule.MAX_POSITIONS,
        {"positions": [position(s, size="0.001", entry_price="100") for s in (ETH, SOL, DOGE, XRP)]},
    ),
    Breaker(Rule.SYMBOL_NOTIONAL, {"max_symbol_notional": 0.4}),
    Breaker(Rule.TOTAL_NOTIONAL, {"max_total_notional": 0.4}),
    Breaker(Rule.MARGIN_USE, {"available": "1000"}),
    Breaker(Rule.NO_STOP_LOSS, {"stop_loss": None}),
    Breaker(Rule.STOP_WRONG_SIDE, {"stop_loss": "50500"}),
    Breaker(Rule.RISK_PER_TRADE, {"max_risk_per_trade": 0.004}),
]

_PROPOSAL_FIELDS = {"leverage", "ai_log_stored", "amount", "stop_loss"}
_LIMIT_FIELDS = {"symbols", "max_symbol_notional", "max_total_notional", "max_risk_per_trade"}


def run(fields: Mapping[str, Any]) -> Rule | None:
    p = proposal(**{k: v for k, v in fields.items() if k in _PROPOSAL_FIELDS})
    limits = RiskLimits(**{k: v for k, v in fields.items() if k in _LIMIT_FIELDS})
    v = view(**{k: val for k, val in fields.items() if k not in _PROPOSAL_FIELDS | _LIMIT_FIELDS})
    denial = check_order(p, v, limits)
    return None if denial is None else denial.rule


def test_the_healthy_case_passes() -> None:
    assert run({}) is None


@pytest.mark.parametrize("breaker", ENTRY_BREAKERS, ids=lambda b: b.rule.value)
def test_each_breaker_alone_breaks_its_rule(breaker: Breaker) -> None:
    assert run(breaker.fields) is breaker.rule


PAIRS = [
    pytest.param(first, second, id=f"{first.rule.value}+{second.rule.value}")
    for first, second in itertools.combinations(ENTRY_BREAKERS, 2)
    if not set(first.fields) & set(second.fields)
]


@pytest.mark.parametrize(("first", "second"), PAIRS)
def test_the_rule_checked_first_wins(first: Breaker, second: Breaker) -> None:
    assert run({**first.fields, **second.fields}) is first.rule
    assert run({**second.fields, **first.fields}) is first.rule


def test_every_rule_has_a_breaker() -> None:
    assert {b.rule for b in ENTRY_BREAKERS} == set(Rule)


def test_a_proposal_breaking_everything_gets_the_state_denial() -> None:
    fields: dict[str, Any] = {}
    for breaker in ENTRY_BREAKERS:
        fields.update({k: v for k, v in breaker.fields.items() if k not in fields})
    assert run(fields) is Rule.TRADING_HALTED
