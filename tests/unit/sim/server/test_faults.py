"""The fault SPEC language and the seeded injector."""

from __future__ import annotations

import pytest

from alphaloop.venues.sim.server.faults import (
    DEFAULT_TIMEOUT_MS,
    FaultInjector,
    FaultKind,
    FaultSpecError,
    parse_fault_spec,
)


def test_the_documented_example_parses() -> None:
    rules = parse_fault_spec("placeOrder:5xx@p=0.2; ticker:latency=200ms;placeOrder:drop@n=3;*:skew=+40s")
    assert [r.kind for r in rules] == [FaultKind.STATUS, FaultKind.LATENCY, FaultKind.DROP, FaultKind.SKEW]
    assert rules[0].status == 500
    assert rules[0].probability == 0.2
    assert rules[0].targets == frozenset({"placeOrder"})
    assert rules[1].duration_ms == 200
    assert rules[2].nth == 3
    assert rules[3].targets is None
    assert rules[3].duration_ms == 40_000


@pytest.mark.parametrize(
    ("spec", "kind", "status", "duration"),
    [
        ("ticker:503", FaultKind.STATUS, 503, 0),
        ("ticker:521", FaultKind.STATUS, 521, 0),
        ("ticker,depth:429", FaultKind.RATE_LIMIT, 429, 0),
        ("assets:ipdeny", FaultKind.IP_DENY, 0, 0),
        ("placeOrder:timeout", FaultKind.TIMEOUT, 0, DEFAULT_TIMEOUT_MS),
        ("placeOrder:timeout=15s", FaultKind.TIMEOUT, 0, 15_000),
        ("*:latency=1m", FaultKind.LATENCY, 0, 60_000),
        ("*:latency=250", FaultKind.LATENCY, 0, 250),
        ("*:skew=-5s", FaultKind.SKEW, 0, -5_000),
    ],
)
def test_actions(spec: str, kind: FaultKind, status: int, duration: int) -> None:
    (rule,) = parse_fault_spec(spec)
    assert (rule.kind, rule.status, rule.duration_ms) == (kind, status, duration)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("placeOrder", "expected TARGETS:ACTION"),
        ("placeOrdr:5xx", "unknown endpoint 'placeOrdr'"),
        ("ticker:explode", "unknown action 'explode'"),
        ("ticker:latency", "latency needs a duration"),
        ("ticker:latency=fast", "not a duration"),
        ("ticker:5xx@p=1.5", "probability in [0, 1]"),
        ("ticker:5xx@n=0", "positive integer"),
        ("ticker:5xx@q=1", "is not p=, n=, every= or first="),
        ("ticker:5xx@n=1,n=2", "given twice"),
        ("ticker:skew=+1s", "skew applies to the whole server"),
        ("*:skew=40s", "signed duration"),
        ("ticker:drop=1", "takes no value"),
        ("ticker:404", "unknown action"),
    ],
)
def test_errors_name_the_rule_and_the_problem(spec: str, message: str) -> None:
    with pytest.raises(FaultSpecError) as caught:
        parse_fault_spec(spec)
    assert message in str(caught.value)
    assert spec.split(";")[0].strip() in str(caught.value)


def test_empty_spec_means_no_faults() -> None:
    assert parse_fault_spec("") == ()
    assert parse_fault_spec(" ; ") == ()
    assert FaultInjector().decide("placeOrder").terminal is None


def test_nth_call_fires_once() -> None:
    injector = FaultInjector(parse_fault_spec("placeOrder:drop@n=3"))
    drops = [injector.decide("placeOrder").drop for _ in range(5)]
    assert drops == [False, False, True, False, False]
    assert not injector.decide("ticker").drop
    assert injector.fired == {"placeOrder:drop@n=3": 1}


def test_every_and_first() -> None:
    every = FaultInjector(parse_fault_spec("ticker:503@every=2"))
    assert [every.decide("ticker").terminal is not None for _ in range(4)] == [False, True, False, True]
    first = FaultInjector(parse_fault_spec("ticker:503@first=2"))
    assert [first.decide("ticker").terminal is not None for _ in range(4)] == [True, True, False, False]


def test_probability_is_seeded_and_reproducible() -> None:
    def run(seed: int) -> list[bool]:
        injector = FaultInjector(parse_fault_spec("placeOrder:5xx@p=0.3"), seed=seed)
        return [injector.decide("placeOrder").terminal is not None for _ in range(200)]

    assert run(7) == run(7)
    assert run(7) != run(8)
    assert 30 < sum(run(7)) < 90


def test_latencies_add_up_and_the_first_terminal_rule_wins() -> None:
    injector = FaultInjector(parse_fault_spec("*:latency=100ms;ticker:latency=50ms;ticker:429;ticker:503"))
    decision = injector.decide("ticker")
    assert decision.latency_ms == 150
    assert decision.terminal is not None
    assert decision.terminal.kind is FaultKind.RATE_LIMIT


def test_skew_is_global_and_reset_by_set_rules() -> None:
    injector = FaultInjector(parse_fault_spec("*:skew=+40s;*:skew=-10s"))
    assert injector.skew_ms == 30_000
    injector.set_rules(())
    assert injector.skew_ms == 0
    assert injector.spec == ""
