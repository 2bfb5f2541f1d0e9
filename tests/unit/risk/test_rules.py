"""check_order: each rule allowed exactly at its limit and denied one step past it; exits in each state."""

from __future__ import annotations

import pytest

from alphaloop.model import OrderIntent, OrderStatus, OrderType, PositionSide
from alphaloop.risk import Denial, OrderProposal, RiskLimits, RiskView, Rule, TradingState, check_order

from .kit import (
    BTC,
    DOGE,
    ETH,
    NOW_MS,
    SOL,
    XRP,
    calls_in_last_second,
    exit_proposal,
    position,
    proposal,
    resting,
    view,
)

# the competition cap itself (the default keeps a margin of 8): the boundaries below are at 10
LIMITS = RiskLimits(max_order_calls_per_second=10)
LONG, SHORT = PositionSide.LONG, PositionSide.SHORT


def rule_of(p: OrderProposal, v: RiskView, limits: RiskLimits = LIMITS) -> Rule | None:
    denial = check_order(p, v, limits)
    return None if denial is None else denial.rule


def test_the_default_entry_on_a_healthy_account_is_approved() -> None:
    assert check_order(proposal(), view(), LIMITS) is None


CASES = [
    # symbol
    pytest.param(proposal(), view(), RiskLimits(symbols=(BTC,)), None, id="symbol-allowed"),
    pytest.param(
        proposal(), view(), RiskLimits(symbols=(ETH,)), Rule.SYMBOL_NOT_ALLOWED, id="symbol-not-listed"
    ),
    pytest.param(
        proposal(symbol="cmt_btcusdt"), view(), LIMITS, Rule.SYMBOL_NOT_ALLOWED, id="symbol-venue-spelling"
    ),
    # leverage: 1..max_leverage
    pytest.param(proposal(leverage=10), view(), LIMITS, None, id="leverage-at-max"),
    pytest.param(proposal(leverage=11), view(), LIMITS, Rule.LEVERAGE, id="leverage-one-past-max"),
    pytest.param(proposal(leverage=1), view(), LIMITS, None, id="leverage-1"),
    pytest.param(proposal(leverage=0), view(), LIMITS, Rule.LEVERAGE, id="leverage-0"),
    pytest.param(
        proposal(leverage=20), view(), RiskLimits(max_leverage=20), None, id="leverage-competition-max"
    ),
    pytest.param(proposal(leverage=21), view(), RiskLimits(max_leverage=20), Rule.LEVERAGE, id="leverage-21"),
    # AI log
    pytest.param(proposal(ai_log_stored=False), view(), LIMITS, Rule.NO_AI_LOG, id="no-ai-log"),
    # order-call rate: fewer than 10 calls in the last 1000 ms
    pytest.param(proposal(), view(order_calls_ms=calls_in_last_second(9)), LIMITS, None, id="rate-9-calls"),
    pytest.param(
        proposal(), view(order_calls_ms=calls_in_last_second(10)), LIMITS, Rule.ORDER_RATE, id="rate-10-calls"
    ),
    pytest.param(
        proposal(),
        view(order_calls_ms=[NOW_MS - 1000, *calls_in_last_second(9)]),
        LIMITS,
        None,
        id="rate-call-1000ms-ago-has-left-the-window",
    ),
    # size
    pytest.param(proposal(amount="0.001"), view(), LIMITS, None, id="size-positive"),
    pytest.param(proposal(amount="0"), view(), LIMITS, Rule.INVALID_SIZE, id="size-zero"),
    pytest.param(proposal(amount="-0.1"), view(), LIMITS, Rule.INVALID_SIZE, id="size-negative"),
    pytest.param(proposal(amount="NaN"), view(), LIMITS, Rule.INVALID_SIZE, id="size-nan"),
    pytest.param(proposal(price="0"), view(), LIMITS, Rule.INVALID_SIZE, id="price-zero"),
    pytest.param(proposal(price="Infinity"), view(), LIMITS, Rule.INVALID_SIZE, id="price-infinite"),
    # opposite position (no hedged wash on one symbol)
    pytest.param(
        proposal(),
        view(positions=[position(BTC, SHORT)]),
        LIMITS,
        Rule.OPPOSITE_POSITION,
        id="opposite-short",
    ),
    pytest.param(
        proposal(), view(positions=[position(BTC, LONG)]), LIMITS, None, id="same-side-adds-to-position"
    ),
    pytest.param(
        proposal(), view(positions=[position(ETH, SHORT)]), LIMITS, None, id="short-on-another-symbol"
    ),
    pytest.param(
        proposal(),
        view(positions=[position(BTC, SHORT, size="0")]),
        LIMITS,
        None,
        id="empty-opposite-position",
    ),
    # self-cross: a buy limit crosses our resting sell at or below its price
    pytest.param(
        proposal(order_type=OrderType.LIMIT, price="49999.99"),
        view(resting_orders=[resting(OrderIntent.OPEN_SHORT, "50000")]),
        LIMITS,
        None,
        id="buy-limit-below-our-sell",
    ),
    pytest.param(
        proposal(order_type=OrderType.LIMIT, price="50000", stop_loss="49500"),
        view(resting_orders=[resting(OrderIntent.OPEN_SHORT, "50000")]),
        LIMITS,
        Rule.SELF_CROSS,
        id="buy-limit-at-our-sell",
    ),
    pytest.param(
        proposal(
            intent=OrderIntent.OPEN_SHORT, order_type=OrderType.LIMIT, price="50000.01", stop_loss="50500"
        ),
        view(resting_orders=[resting(OrderIntent.OPEN_LONG, "50000")]),
        LIMITS,
        None,
        id="sell-limit-above-our-buy",
    ),
    pytest.param(
        proposal(intent=OrderIntent.OPEN_SHORT, order_type=OrderType.LIMIT, price="50000", stop_loss="50500"),
        view(resting_orders=[resting(OrderIntent.OPEN_LONG, "50000")]),
        LIMITS,
        Rule.SELF_CROSS,
        id="sell-limit-at-our-buy",
    ),
    pytest.param(
        proposal(),
        view(resting_orders=[resting(OrderIntent.OPEN_SHORT, "90000")]),
        LIMITS,
        Rule.SELF_CROSS,
        id="market-crosses-any-opposite",
    ),
    pytest.param(
        proposal(),
        view(resting_orders=[resting(OrderIntent.OPEN_LONG, "40000")]),
        LIMITS,
        None,
        id="same-side",
    ),
    pytest.param(
        proposal(),
        view(resting_orders=[resting(OrderIntent.OPEN_SHORT, "50000", symbol=ETH)]),
        LIMITS,
        None,
        id="opposite-on-another-symbol",
    ),
    pytest.param(
        proposal(),
        view(resting_orders=[resting(OrderIntent.OPEN_SHORT, "50000", status=OrderStatus.CANCELED)]),
        LIMITS,
        None,
        id="opposite-already-canceled",
    ),
    pytest.param(
        proposal(),
        view(
            resting_orders=[
                resting(OrderIntent.CLOSE_SHORT, None, status=OrderStatus.UNTRIGGERED, trigger_price="51000")
            ],
            positions=[],
        ),
        LIMITS,
        None,
        id="trigger-orders-wait-off-the-book",
    ),
    # entry interval: 300 s per symbol
    pytest.param(
        proposal(), view(last_entry_ms={BTC: NOW_MS - 300_000}), LIMITS, None, id="entry-300s-after-the-last"
    ),
    pytest.param(
        proposal(),
        view(last_entry_ms={BTC: NOW_MS - 299_999}),
        LIMITS,
        Rule.ENTRY_INTERVAL,
        id="entry-299.999s-after-the-last",
    ),
    pytest.param(
        proposal(),
        view(last_entry_ms={ETH: NOW_MS - 1_000}),
        LIMITS,
        None,
        id="recent-entry-on-another-symbol",
    ),
    # orders per hour: fewer than 30 before this one
    pytest.param(proposal(), view(orders_last_hour=29), LIMITS, None, id="29-orders-last-hour"),
    pytest.param(
        proposal(), view(orders_last_hour=30), LIMITS, Rule.ORDERS_PER_HOUR, id="30-orders-last-hour"
    ),
    # open positions: 4
    pytest.param(
        proposal(),
        view(positions=[position(s, size="0.001", entry_price="100") for s in (ETH, SOL, DOGE)]),
        LIMITS,
        None,
        id="4th-position",
    ),
    pytest.param(
        proposal(),
        view(positions=[position(s, size="0.001", entry_price="100") for s in (ETH, SOL, DOGE, XRP)]),
        LIMITS,
        Rule.MAX_POSITIONS,
        id="5th-position",
    ),
    pytest.param(
        proposal(),
        view(
            positions=[
                position(BTC, size="0.001"),
                *(position(s, size="0.001", entry_price="100") for s in (ETH, SOL, DOGE)),
            ]
        ),
        LIMITS,
        None,
        id="adding-to-one-of-4-positions",
    ),
    # symbol notional: 1x equity (10000) counting the position and our resting entries
    pytest.param(proposal(amount="0.2"), view(), LIMITS, None, id="symbol-notional-at-1x"),
    pytest.param(
        proposal(amount="0.2", price="50000.01"),
        view(),
        LIMITS,
        Rule.SYMBOL_NOTIONAL,
        id="symbol-notional-past-1x",
    ),
    pytest.param(
        proposal(amount="0.1"),
        view(
            positions=[position(BTC, size="0.09")], resting_orders=[resting(OrderIntent.OPEN_LONG, "50000")]
        ),
        LIMITS,
        None,
        id="symbol-notional-position-and-resting-entry-at-1x",
    ),
    pytest.param(
        proposal(amount="0.1"),
        view(
            positions=[position(BTC, size="0.09")],
            resting_orders=[resting(OrderIntent.OPEN_LONG, "50000", amount="0.01001")],
        ),
        LIMITS,
        Rule.SYMBOL_NOTIONAL,
        id="symbol-notional-position-and-resting-entry-past-1x",
    ),
    pytest.param(proposal(), view(equity="0"), LIMITS, Rule.SYMBOL_NOTIONAL, id="no-equity"),
    # total notional: 1.5x here, so the symbol cap (1x) stays out of the way
    pytest.param(
        proposal(),
        view(positions=[position(ETH, size="5", entry_price="2000")]),
        RiskLimits(max_total_notional=1.5),
        None,
        id="total-notional-at-cap",
    ),
    pytest.param(
        proposal(price="50000.01"),
        view(positions=[position(ETH, size="5", entry_price="2000")]),
        RiskLimits(max_total_notional=1.5),
        Rule.TOTAL_NOTIONAL,
        id="total-notional-past-cap",
    ),
    # margin use: (used + 5000/5) / equity <= 0.6
    pytest.param(proposal(), view(available="5000"), LIMITS, None, id="margin-at-60pct"),
    pytest.param(proposal(), view(available="4999.99"), LIMITS, Rule.MARGIN_USE, id="margin-past-60pct"),
    # stop loss
    pytest.param(proposal(stop_loss=None), view(), LIMITS, Rule.NO_STOP_LOSS, id="stop-missing"),
    pytest.param(
        proposal(stop_loss=None), view(), RiskLimits(require_stop_loss=False), None, id="stop-not-required"
    ),
    pytest.param(proposal(stop_loss="49999.99"), view(), LIMITS, None, id="long-stop-just-below"),
    pytest.param(proposal(stop_loss="50000"), view(), LIMITS, Rule.STOP_WRONG_SIDE, id="long-stop-at-price"),
    pytest.param(
        proposal(intent=OrderIntent.OPEN_SHORT, stop_loss="50000.01"),
        view(),
        LIMITS,
        None,
        id="short-stop-above",
    ),
    pytest.param(
        proposal(intent=OrderIntent.OPEN_SHORT, stop_loss="50000"),
        view(),
        LIMITS,
        Rule.STOP_WRONG_SIDE,
        id="short-stop-at-price",
    ),
    pytest.param(proposal(stop_loss="0"), view(), LIMITS, Rule.STOP_WRONG_SIDE, id="stop-zero"),
    # risk per trade: 0.2 * (50000 - stop) <= 2% of 10000
    pytest.param(proposal(amount="0.2", stop_loss="49000"), view(), LIMITS, None, id="risk-at-2pct"),
    pytest.param(
        proposal(amount="0.2", stop_loss="48999.99"), view(), LIMITS, Rule.RISK_PER_TRADE, id="risk-past-2pct"
    ),
]


@pytest.mark.parametrize(("p", "v", "limits", "expected"), CASES)
def test_entry_rule_boundaries(
    p: OrderProposal, v: RiskView, limits: RiskLimits, expected: Rule | None
) -> None:
    assert rule_of(p, v, limits) is expected


@pytest.mark.parametrize(
    ("state", "expected"),
    [(TradingState.ACTIVE, None), (TradingState.REDUCING, None), (TradingState.HALTED, None)],
)
def test_exits_pass_in_every_state_so_a_halt_never_traps_a_position(
    state: TradingState, expected: Rule | None
) -> None:
    v = view(state=state, positions=[position(BTC, LONG)])
    assert rule_of(exit_proposal(), v) is expected


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (TradingState.ACTIVE, None),
        (TradingState.REDUCING, Rule.REDUCE_ONLY),
        (TradingState.HALTED, Rule.TRADING_HALTED),
    ],
)
def test_entries_pass_only_while_active(state: TradingState, expected: Rule | None) -> None:
    assert rule_of(proposal(), view(state=state)) is expected


def test_exit_skips_every_entry_rule() -> None:
    """A stop-less close while the account is over every entry limit still goes out: exits cut risk."""
    v = view(
        state=TradingState.REDUCING,
        available="0",
        positions=[position(BTC, LONG, size="1"), *(position(s, size="1") for s in (ETH, SOL, DOGE, XRP))],
        last_entry_ms={BTC: NOW_MS},
        orders_last_hour=1_000,
    )
    limits = RiskLimits(max_symbol_notional=0.1, max_total_notional=0.1, max_open_positions=1)
    assert check_order(exit_proposal(amount="1"), v, limits) is None


@pytest.mark.parametrize(
    ("amount", "expected"), [("0.1", None), ("0.1001", Rule.INVALID_SIZE)], ids=["whole-position", "past-it"]
)
def test_exit_amount_is_capped_by_the_position(amount: str, expected: Rule | None) -> None:
    assert (
        rule_of(exit_proposal(amount=amount), view(positions=[position(BTC, LONG, size="0.1")])) is expected
    )


def test_exit_without_a_position_is_invalid() -> None:
    assert rule_of(exit_proposal(intent=OrderIntent.CLOSE_SHORT), view(positions=[position(BTC, LONG)])) is (
        Rule.INVALID_SIZE
    )


def test_exit_must_not_cross_our_resting_order() -> None:
    v = view(positions=[position(BTC, LONG)], resting_orders=[resting(OrderIntent.OPEN_LONG, "49000")])
    assert rule_of(exit_proposal(), v) is Rule.SELF_CROSS


def test_exits_obey_rate_leverage_and_ai_log() -> None:
    v = view(positions=[position(BTC, LONG)])
    assert rule_of(
        exit_proposal(), view(positions=[position()], order_calls_ms=calls_in_last_second(10))
    ) is (Rule.ORDER_RATE)
    assert rule_of(proposal(intent=OrderIntent.CLOSE_LONG, leverage=11, stop_loss=None), v) is Rule.LEVERAGE
    assert rule_of(proposal(intent=OrderIntent.CLOSE_LONG, ai_log_stored=False, stop_loss=None), v) is (
        Rule.NO_AI_LOG
    )


# --- messages ---------------------------------------------------------------------------------------


def denial(p: OrderProposal, v: RiskView, limits: RiskLimits = LIMITS) -> Denial:
    result = check_order(p, v, limits)
    assert result is not None
    return result


def test_entry_interval_message_names_both_durations() -> None:
    d = denial(proposal(), view(last_entry_ms={BTC: NOW_MS - 240_000}))
    assert d.rule is Rule.ENTRY_INTERVAL
    assert d.message == "BTC/USDT:USDT: entry 240 s after the previous one, minimum 300 s"


@pytest.mark.parametrize(
    ("p", "v", "text"),
    [
        (proposal(leverage=11), view(), "leverage 11x, allowed 1x to 10x"),
        (
            proposal(),
            view(order_calls_ms=calls_in_last_second(10)),
            "10 order calls in the last second, limit 10",
        ),
        (proposal(), view(orders_last_hour=31), "31 orders in the last hour, maximum 30"),
        (
            proposal(amount="0.3"),
            view(),
            "notional after the order 15000.00 is 1.5x equity 10000.00, maximum 1x",
        ),
        (
            proposal(),
            view(available="4000"),
            "margin use after the order 70% of equity 10000.00 (in use 6000.00",
        ),
        (
            proposal(amount="0.2", stop_loss="48000"),
            view(),
            "loss at the stop 400.00 is 4% of equity 10000.00",
        ),
        (proposal(stop_loss="51000"), view(), "stop loss 51000 must be below the price 50000 for a long"),
        (
            proposal(),
            view(positions=[position(s, size="0.001") for s in (ETH, SOL, DOGE, XRP)]),
            "would make 5 open positions, maximum 4",
        ),
        (
            exit_proposal(amount="0.2"),
            view(positions=[position()]),
            "close long amount 0.2 exceeds the open long",
        ),
    ],
)
def test_denials_say_why_with_numbers(p: OrderProposal, v: RiskView, text: str) -> None:
    d = denial(p, v)
    assert d.message.startswith(f"{p.symbol}: ")
    assert text in d.message


def test_order_rate_message_says_when_the_next_call_may_go() -> None:
    calls = [NOW_MS - 900 + 100 * i for i in range(10)]
    assert denial(proposal(), view(order_calls_ms=calls)).message.endswith("next call in 100 ms")


def test_proposal_to_json_keeps_decimals_as_text() -> None:
    assert proposal(amount="0.10", price="50000.5").to_json() == {
        "symbol": BTC,
        "intent": "open_long",
        "amount": "0.1",
        "price": "50000.5",
        "leverage": 5,
        "client_oid": "al0123456789abcde0e",
        "ai_log_stored": True,
        "stop_loss": "49500",
        "take_profit": None,
        "order_type": "market",
    }
