"""The audit's rules as pure functions: each found where it is broken, quiet where it is not,
and exact at its boundary."""

from __future__ import annotations

from decimal import Decimal

import pytest

from alphaloop.model import ConfigurationError
from alphaloop.ops.audit import (
    AiLogFact,
    ApiCallFact,
    AuditFacts,
    AuditLimits,
    FillFact,
    OrderFact,
    PositionFact,
    RunFact,
    build_report,
    busiest_windows,
    check_ai_log_before_order,
    check_ai_log_coverage,
    check_entries_per_hour,
    check_entry_interval,
    check_explanation_length,
    check_leverage,
    check_opposite_positions,
    check_order_call_rate,
    check_self_cross,
    check_symbols,
    parse_since,
)

BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"
T0 = 1_756_684_800_000


def order(
    oid: str,
    at_ms: int = T0,
    *,
    symbol: str = BTC,
    purpose: str = "entry",
    status: str = "filled",
    leverage: int = 5,
    run_id: str = "r1",
) -> OrderFact:
    unsent = status in ("pending", "not_sent")
    return OrderFact(oid, symbol, purpose, status, leverage, at_ms, None if unsent else at_ms, run_id)


def fill(
    trade_id: str,
    side: str,
    position_side: str,
    at_ms: int,
    amount: str = "1",
    *,
    price: str = "100",
    symbol: str = BTC,
) -> FillFact:
    return FillFact(
        trade_id, symbol, side, position_side, Decimal(amount), Decimal(price), at_ms, f"oid{trade_id}"
    )


def log(
    client_oid: str | None, *, status: str = "uploaded", created_ms: int = T0 - 1, words: int = 20
) -> AiLogFact:
    return AiLogFact(1, client_oid, status, created_ms, words)


def calls(*times: int) -> list[ApiCallFact]:
    return [ApiCallFact(t, "order", f"c{i}") for i, t in enumerate(times)]


# --------------------------------------------------------------------------- windows


def test_busiest_window_treats_a_full_window_length_apart_as_separate() -> None:
    assert busiest_windows([0, 999], 1000, 1)[0] == 2
    assert busiest_windows([0, 1000], 1000, 1)[0] == 1
    assert busiest_windows([], 1000, 1) == (0, [])


def test_overlapping_bursts_merge_into_one_and_separate_bursts_stay_apart() -> None:
    times = [0, 10, 20, 30, 5000, 5001]
    busiest, bursts = busiest_windows(times, 1000, 2)
    assert busiest == 4
    assert bursts == [range(0, 4)]
    _, two = busiest_windows([0, 1, 2, 5000, 5001, 5002], 1000, 2)
    assert two == [range(0, 3), range(3, 6)]


# --------------------------------------------------------------------------- order-call rate


def test_exactly_ten_calls_in_one_second_is_fine() -> None:
    check = check_order_call_rate(calls(*(T0 + 100 * i for i in range(10))), 10)
    assert check.passed
    assert "max 10" in check.measured


def test_eleven_calls_in_one_second_is_a_violation_naming_the_calls() -> None:
    check = check_order_call_rate(calls(*(T0 + 99 * i for i in range(11))), 10)
    assert not check.passed
    (violation,) = check.violations
    assert violation.client_oids == tuple(f"c{i}" for i in range(11))
    assert violation.times_ms[0] == T0
    assert violation.times_ms[-1] == T0 + 990
    assert "11 order/cancel calls" in violation.message


def test_eleven_calls_spread_over_just_one_second_are_fine() -> None:
    # the 11th call comes exactly 1000 ms after the first: never 11 inside one window
    check = check_order_call_rate(calls(*(T0 + 100 * i for i in range(11))), 10)
    assert check.passed


# --------------------------------------------------------------------------- entries per hour / interval


def test_entries_per_hour_at_the_limit_pass_and_one_more_fails() -> None:
    at_limit = [order(f"e{i}", T0 + i * 60_000) for i in range(30)]
    assert check_entries_per_hour(at_limit, 30).passed
    one_more = [*at_limit, order("e30", T0 + 3_599_999)]
    check = check_entries_per_hour(one_more, 30)
    assert not check.passed
    assert "e30" in check.violations[0].client_oids
    # the same 31st entry a full hour after the first is fine
    assert check_entries_per_hour([*at_limit, order("e30", T0 + 3_600_000)], 30).passed


def test_entries_per_hour_ignore_exits_and_orders_never_sent() -> None:
    orders = [order(f"e{i}", T0 + i) for i in range(3)]
    orders += [
        order("x", T0 + 5, purpose="exit"),
        order("n", T0 + 6, status="not_sent"),
        order("p", T0 + 7, status="pending"),
    ]
    assert check_entries_per_hour(orders, 3).passed


def test_entry_interval_at_the_minimum_passes_and_a_millisecond_less_fails() -> None:
    assert check_entry_interval([order("a", T0), order("b", T0 + 300_000)], 300).passed
    check = check_entry_interval([order("a", T0), order("b", T0 + 299_999)], 300)
    (violation,) = check.violations
    assert violation.client_oids == ("a", "b")
    assert violation.times_ms == (T0, T0 + 299_999)


def test_entry_interval_is_per_symbol() -> None:
    assert check_entry_interval([order("a", T0), order("b", T0 + 1, symbol=ETH)], 300).passed


# --------------------------------------------------------------------------- symbols and leverage


def test_symbols_outside_the_competition_are_violations_from_orders_and_fills() -> None:
    assert check_symbols([order("a")], [fill("1", "buy", "long", T0)]).passed
    pepe = "PEPE/USDT:USDT"
    check = check_symbols(
        [order("a", symbol=pepe), order("never", symbol="SHIB/USDT:USDT", status="not_sent")],
        [fill("2", "buy", "long", T0 + 5, symbol=pepe)],
    )
    (violation,) = check.violations
    assert pepe in violation.message
    assert violation.client_oids == ("a", "oid2")
    assert "SHIB" not in check.measured  # never sent: not traded


def test_leverage_at_twenty_passes_with_a_twenty_limit_and_twenty_one_never_does() -> None:
    twenty = AuditLimits(max_leverage=20)
    assert check_leverage([order("a", leverage=20)], [], twenty).passed
    check = check_leverage([order("a", leverage=21)], [], twenty)
    assert check.violations[0].client_oids == ("a",)
    # a configured limit above the competition's is capped at 20
    assert not check_leverage([order("a", leverage=21)], [], AuditLimits(max_leverage=50)).passed


def test_leverage_above_the_runs_configured_maximum_is_a_violation() -> None:
    limits = AuditLimits(max_leverage=10)
    assert check_leverage([order("a", leverage=10)], [], limits).passed
    assert not check_leverage([order("a", leverage=11)], [], limits).passed
    # each order is held to the limit of the run that sent it
    per_run = {"r1": AuditLimits(max_leverage=15), "r2": AuditLimits(max_leverage=5)}
    check = check_leverage(
        [order("a", leverage=12), order("b", leverage=12, run_id="r2")], [], limits, per_run
    )
    assert [v.client_oids for v in check.violations] == [("b",)]


def test_leverage_of_reconciled_positions_is_checked_too() -> None:
    high = PositionFact(T0, BTC, "long", Decimal("1"), Decimal("25"))
    check = check_leverage([], [high], AuditLimits(max_leverage=20))
    assert not check.passed
    assert "25x" in check.violations[0].message
    assert check.measured == "25x"


def test_limits_come_from_the_runs_risk_config_with_defaults_when_absent() -> None:
    limits = AuditLimits.from_config(
        {"risk": {"max_leverage": 5, "max_orders_per_hour": 12, "min_entry_interval_s": 60.0}}
    )
    assert (limits.max_leverage, limits.max_orders_per_hour, limits.min_entry_interval_s) == (5, 12, 60.0)
    assert AuditLimits.from_config({}) == AuditLimits()
    assert AuditLimits.from_config({"risk": {"max_leverage": 50}}).max_leverage == 20
    assert AuditLimits.from_config({"risk": {"max_leverage": "x"}}).max_leverage == AuditLimits().max_leverage


# --------------------------------------------------------------------------- wash trading


def test_closing_a_long_before_opening_a_short_is_not_holding_both() -> None:
    fills = [
        fill("1", "buy", "long", T0),
        fill("2", "sell", "long", T0 + 1000),  # close long
        fill("3", "sell", "short", T0 + 1000),  # open short, same millisecond: reduction sorts first
    ]
    assert check_opposite_positions(fills, []).passed


def test_a_short_opened_while_a_long_is_open_is_a_violation_until_one_closes() -> None:
    fills = [
        fill("1", "buy", "long", T0),
        fill("2", "sell", "short", T0 + 1000),
        fill("3", "buy", "short", T0 + 5000),  # short closed
        fill("4", "buy", "long", T0 + 6000),  # adding to the long alone is fine
    ]
    check = check_opposite_positions(fills, [])
    (violation,) = check.violations
    assert violation.client_oids == ("oid2",)
    assert violation.times_ms == (T0 + 1000, T0 + 5000)


def test_partial_closes_keep_both_sides_open() -> None:
    fills = [
        fill("1", "buy", "long", T0, "2"),
        fill("2", "sell", "long", T0 + 1, "1"),  # long 1 left
        fill("3", "sell", "short", T0 + 2, "1"),
    ]
    (violation,) = check_opposite_positions(fills, []).violations
    assert "still open" in violation.message


def test_both_sides_in_one_position_snapshot_is_a_violation() -> None:
    snapshot = [
        PositionFact(T0, BTC, "long", Decimal("1"), Decimal("5")),
        PositionFact(T0, BTC, "short", Decimal("1"), Decimal("5")),
        PositionFact(T0, ETH, "long", Decimal("1"), Decimal("5")),
    ]
    (violation,) = check_opposite_positions([], snapshot).violations
    assert BTC in violation.message
    assert check_opposite_positions([], snapshot[1:]).passed


def test_episodes_that_ended_before_since_are_left_out() -> None:
    fills = [
        fill("1", "buy", "long", T0),
        fill("2", "sell", "short", T0 + 1),
        fill("3", "buy", "short", T0 + 2),
    ]
    assert not check_opposite_positions(fills, [], since_ms=T0 + 2).passed
    assert check_opposite_positions(fills, [], since_ms=T0 + 3).passed


def test_a_buy_and_a_sell_at_the_same_time_and_price_is_a_self_cross() -> None:
    crossed = [fill("1", "buy", "long", T0, price="100.0"), fill("2", "sell", "short", T0, price="100")]
    (violation,) = check_self_cross(crossed).violations
    assert violation.client_oids == ("oid1", "oid2")
    assert violation.times_ms == (T0,)


@pytest.mark.parametrize(
    "other",
    [
        fill("2", "sell", "short", T0, price="100.1"),  # other price
        fill("2", "sell", "short", T0 + 1, price="100"),  # other time
        fill("2", "buy", "long", T0, price="100"),  # same side
        fill("2", "sell", "short", T0, price="100", symbol=ETH),  # other symbol
    ],
)
def test_no_self_cross_without_same_symbol_time_price_and_opposite_sides(other: FillFact) -> None:
    assert check_self_cross([fill("1", "buy", "long", T0, price="100"), other]).passed


# --------------------------------------------------------------------------- AI logs


def test_every_order_sent_with_a_stored_and_uploaded_log_is_full_coverage() -> None:
    stored, uploaded = check_ai_log_coverage([order("a"), order("b")], [log("a"), log("b")])
    assert stored.passed
    assert uploaded.passed
    assert stored.measured.startswith("2/2")


def test_an_order_without_a_log_fails_both_coverage_checks_and_is_named() -> None:
    orders = [order("a"), order("b"), order("never", status="not_sent")]
    stored, uploaded = check_ai_log_coverage(orders, [log("a")])
    assert [v.client_oids for v in stored.violations] == [("b",)]
    assert [v.client_oids for v in uploaded.violations] == [("b",)]
    assert stored.measured.startswith("1/2")


def test_a_log_not_uploaded_yet_fails_only_upload_coverage() -> None:
    stored, uploaded = check_ai_log_coverage([order("a")], [log("a", status="pending")])
    assert stored.passed
    assert uploaded.violations[0].client_oids == ("a",)


def test_no_orders_is_full_coverage() -> None:
    assert all(check.passed for check in check_ai_log_coverage([], []))


def test_explanations_of_500_words_pass_and_501_fail() -> None:
    assert check_explanation_length([log("a", words=500)]).passed
    check = check_explanation_length([log("a", words=500), log("b", words=501)])
    (violation,) = check.violations
    assert violation.client_oids == ("b",)
    assert "501 words" in violation.message


def test_a_log_stored_after_its_order_was_sent_is_a_violation() -> None:
    assert check_ai_log_before_order([order("a", T0)], [log("a", created_ms=T0)]).passed
    check = check_ai_log_before_order([order("a", T0)], [log("a", created_ms=T0 + 1)])
    (violation,) = check.violations
    assert violation.client_oids == ("a",)
    assert violation.times_ms == (T0, T0 + 1)
    # an order never sent has no send time to be late for
    assert check_ai_log_before_order([order("p", T0, status="pending")], [log("p", created_ms=T0 + 9)]).passed


# --------------------------------------------------------------------------- the report


def test_report_of_a_clean_journal_passes_and_uses_the_latest_runs_limits() -> None:
    facts = AuditFacts(
        orders=[order("a", T0), order("b", T0 + 60_000, symbol=ETH)],
        fills=[fill("1", "buy", "long", T0)],
        ai_logs=[log("a"), log("b", created_ms=T0 + 59_000)],
        api_calls=calls(T0, T0 + 60_000),
        runs=[
            RunFact("r0", T0 - 10, "paper", "weex", "m", AuditLimits(max_orders_per_hour=1)),
            RunFact("r1", T0, "paper", "weex", "m", AuditLimits()),
        ],
    )
    report = build_report(facts, journal="j.sqlite")
    assert report.passed, [c for c in report.checks if not c.passed]
    assert report.symbols_traded == (BTC, ETH)
    assert report.orders_sent == 2
    assert report.latest_run is not None
    assert report.latest_run.id == "r1"
    assert report.to_json()["passed"] is True


def test_report_with_since_skips_older_fills_and_their_logs() -> None:
    old_fill = fill("1", "buy", "long", T0, symbol="PEPE/USDT:USDT")
    facts = AuditFacts(fills=[old_fill], ai_logs=[log(None, words=900, created_ms=T0)])
    assert not build_report(facts, journal="j").passed
    report = build_report(facts, journal="j", since_ms=T0 + 1)
    assert report.passed
    assert report.fills == 0


def test_parse_since_reads_dates_and_times_as_utc() -> None:
    assert parse_since("2025-09-01") == T0
    assert parse_since("2025-09-01T02:00:00+02:00") == T0
    assert parse_since("2025-09-01T00:00:01Z") == T0 + 1000
    with pytest.raises(ConfigurationError, match="--since"):
        parse_since("yesterday")


def test_an_entry_and_its_exit_in_one_millisecond_leave_no_phantom_position() -> None:
    """A frozen simulated clock fills an entry and its exit at the same instant; replayed
    reductions-first, the long stayed open for ever and every later short looked like a
    long-and-short (113 false violations in a 20-day churny soak)."""
    fills = [
        fill("101", "buy", "long", T0),
        fill("102", "sell", "long", T0),  # the exit, same millisecond, later in the venue's sequence
        fill("103", "sell", "short", T0 + 3_600_000),
        fill("104", "buy", "short", T0 + 7_200_000),
    ]
    assert check_opposite_positions(fills, []).passed
