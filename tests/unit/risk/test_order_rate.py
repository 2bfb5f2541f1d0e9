"""order_call_wait_ms: fewer than `limit` order calls in any trailing second."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from alphaloop.risk import order_call_wait_ms

NOW = 1_700_000_000_000


def test_no_calls_no_wait() -> None:
    assert order_call_wait_ms([], NOW, 10) == 0


def test_nine_calls_in_the_last_second_leave_room_for_a_tenth() -> None:
    assert order_call_wait_ms([NOW - 100 * i for i in range(9)], NOW, 10) == 0


def test_ten_calls_in_the_last_second_wait_for_the_oldest_to_leave() -> None:
    calls = [NOW - 900 + 100 * i for i in range(10)]  # NOW-900 .. NOW
    assert order_call_wait_ms(calls, NOW, 10) == 100
    assert order_call_wait_ms(calls, NOW + 99, 10) == 1
    assert order_call_wait_ms(calls, NOW + 100, 10) == 0


def test_ten_calls_in_one_burst_wait_almost_a_second() -> None:
    assert order_call_wait_ms([NOW - 1] * 10, NOW, 10) == 999


def test_a_call_exactly_one_second_old_is_out_of_the_window() -> None:
    calls = [NOW - 1000, *(NOW - 10 * i for i in range(9))]
    assert order_call_wait_ms(calls, NOW, 10) == 0


def test_order_of_the_call_times_does_not_matter() -> None:
    calls = [NOW - 50, NOW - 700, NOW - 300, NOW - 10]
    assert order_call_wait_ms(calls, NOW, 4) == order_call_wait_ms(sorted(calls), NOW, 4) == 300


def test_with_more_calls_than_the_limit_the_wait_covers_the_surplus() -> None:
    calls = [NOW - 950 + 50 * i for i in range(20)]  # NOW-950 .. NOW
    # with 20 in the window and a limit of 10, the 11th oldest (NOW-450) must leave too
    assert order_call_wait_ms(calls, NOW, 10) == 550


def test_one_call_per_second() -> None:
    assert order_call_wait_ms([NOW - 300], NOW, 1) == 700


@given(
    calls=st.lists(st.integers(NOW - 3_000, NOW + 500), max_size=40),
    limit=st.integers(1, 10),
    now=st.integers(NOW - 1_000, NOW + 1_000),
)
def test_waiting_the_answer_is_exactly_enough(calls: list[int], limit: int, now: int) -> None:
    wait = order_call_wait_ms(calls, now, limit)
    assert wait >= 0
    assert order_call_wait_ms(calls, now + wait, limit) == 0
    if wait > 0:
        assert order_call_wait_ms(calls, now + wait - 1, limit) > 0
        assert sum(1 for t in calls if now - 1000 < t) >= limit
