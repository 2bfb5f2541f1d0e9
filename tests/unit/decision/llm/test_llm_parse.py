"""The tolerant reader: JSON wherever the model put it, nonsense kept with a reason."""

from __future__ import annotations

import json

import pytest

from alphaloop.decision.llm import EmptyReplyError, MalformedReplyError
from alphaloop.decision.llm.parse import extract_json, normalize_action, normalize_symbol, parse_reply
from alphaloop.model.decision import Action, SymbolDecision
from alphaloop.model.instruments import COMPETITION_SYMBOLS

from .builders import BTC, ETH, item

PAYLOAD = {"decisions": [item()], "explanation": "BTC momentum."}
BODY = json.dumps(PAYLOAD)
EXPECTED = SymbolDecision(
    BTC,
    Action.OPEN_LONG,
    confidence=0.7,
    stop_loss=98_000.0,
    take_profit=104_000.0,
    leverage=5,
    reason="4h return positive while funding is flat.",
)


@pytest.mark.parametrize(
    "content",
    [
        BODY,
        f"  \n{BODY}\n",
        f"```json\n{BODY}\n```",
        f"```\n{BODY}\n```",
        f"Here is my analysis.\n```json\n{json.dumps(PAYLOAD, indent=2)}\n```\nGood luck!",
        f"Sure! {BODY} Hope this helps.",
        f"<think>BTC looks strong, maybe {{not json}}</think>\n{BODY}",
        f"Considering [1] the trend and [2] funding: {BODY}",
    ],
    ids=[
        "plain",
        "padded",
        "fenced-json",
        "fenced",
        "prose-and-fence",
        "prose-around",
        "think-tags",
        "brackets-in-prose",
    ],
)
def test_the_decision_json_is_found_wherever_the_model_put_it(content: str) -> None:
    parsed = parse_reply(content, COMPETITION_SYMBOLS)
    assert parsed.decisions == (EXPECTED,)
    assert parsed.explanation == "BTC momentum."
    assert parsed.unreadable == ()


def test_a_bare_list_of_decisions_is_read() -> None:
    parsed = parse_reply(json.dumps([item(), item(ETH, "hold")]), COMPETITION_SYMBOLS)
    assert [d.action for d in parsed.decisions] == [Action.OPEN_LONG, Action.HOLD]
    assert parsed.explanation == ""


def test_a_single_decision_object_is_read_as_a_list_of_one() -> None:
    assert parse_reply(json.dumps(item()), COMPETITION_SYMBOLS).decisions == (EXPECTED,)
    wrapped = json.dumps({"decisions": item(), "explanation": "x"})
    assert parse_reply(wrapped, COMPETITION_SYMBOLS).decisions == (EXPECTED,)


def test_an_empty_decision_list_means_hold_everything() -> None:
    parsed = parse_reply('{"decisions": [], "explanation": "nothing to do"}', COMPETITION_SYMBOLS)
    assert parsed.decisions == ()
    assert parsed.explanation == "nothing to do"


@pytest.mark.parametrize("content", ["", "   \n ", None, "<think>only thinking</think>"])
def test_blank_content_is_an_empty_reply(content: str | None) -> None:
    with pytest.raises(EmptyReplyError):
        parse_reply(content, COMPETITION_SYMBOLS)


@pytest.mark.parametrize(
    "content",
    [
        '{"decisions": [{"symbol": "BTC/USDT:USDT", "action": "open_long",',
        "I would buy BTC here.",
        "{'decisions': []}",
        '{"decisions": "buy"}',
        '{"answer": 42}',
        "[1, 2, 3]",
        '{"decisions": [{"symbol": "BTC/USDT:USDT", "action": "hold", "confidence": NaN}]}',
    ],
    ids=[
        "truncated",
        "prose-only",
        "python-quotes",
        "decisions-not-a-list",
        "no-decisions",
        "list-of-numbers",
        "nan",
    ],
)
def test_content_without_readable_decision_json_is_malformed(content: str) -> None:
    with pytest.raises(MalformedReplyError):
        parse_reply(content, COMPETITION_SYMBOLS)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("BTC/USDT:USDT", BTC),
        ("BTCUSDT", BTC),
        ("btc-usdt", BTC),
        ("BTC_USDT", BTC),
        ("cmt_btcusdt", BTC),
        ("PERP_BTC_USDT", BTC),
        ("BTC", BTC),
        ("eth/usdt", ETH),
        ("PEPEUSDT", "PEPEUSDT"),
    ],
)
def test_symbol_spellings_map_onto_the_allowed_unified_symbol(raw: str, expected: str) -> None:
    assert normalize_symbol(raw, COMPETITION_SYMBOLS) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("open_long", Action.OPEN_LONG),
        ("OPEN_LONG", Action.OPEN_LONG),
        ("open-short", Action.OPEN_SHORT),
        ("Open Short", Action.OPEN_SHORT),
        (" close ", Action.CLOSE),
        ("HOLD", Action.HOLD),
        ("buy", None),
        ("long", None),
        (1, None),
    ],
)
def test_actions_are_the_enum_in_any_case_or_separator_but_never_guessed(
    raw: object, expected: Action | None
) -> None:
    assert normalize_action(raw) is expected


def test_numbers_written_as_text_are_read() -> None:
    raw = item(confidence="65%", leverage="3x", stop_loss="98000.5", take_profit=" 104000 ")
    [decision] = parse_reply(json.dumps([raw]), COMPETITION_SYMBOLS).decisions
    assert (decision.confidence, decision.leverage, decision.stop_loss, decision.take_profit) == (
        0.65,
        3,
        98_000.5,
        104_000.0,
    )


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (item(action="buy"), "unknown action 'buy'"),
        (item(leverage=2.5), "leverage 2.5 is not a whole number"),
        (item(stop_loss="soon"), "stop_loss 'soon' is not a number"),
        (item(take_profit=True), "take_profit True is not a number"),
        (item(symbol=""), "missing symbol"),
        ("open_long BTC", "a decision must be an object, got str"),
    ],
)
def test_an_unreadable_entry_is_kept_with_its_reason_and_the_rest_is_read(raw: object, reason: str) -> None:
    parsed = parse_reply(json.dumps({"decisions": [raw, item(ETH, "hold")]}), COMPETITION_SYMBOLS)
    assert [d.symbol for d in parsed.decisions] == [ETH]
    [unreadable] = parsed.unreadable
    assert unreadable.reason == reason
    assert unreadable.item == raw


def test_levels_on_a_hold_or_close_are_dropped_not_rejected() -> None:
    parsed = parse_reply(json.dumps([item(action="close"), item(ETH, "hold")]), COMPETITION_SYMBOLS)
    assert all(d.stop_loss is None and d.take_profit is None and d.leverage is None for d in parsed.decisions)


def test_the_first_json_object_is_preferred_over_an_earlier_list() -> None:
    assert extract_json('Steps [1, 2] then {"decisions": []}') == {"decisions": []}


def test_long_reasons_are_cut() -> None:
    [decision] = parse_reply(json.dumps([item(reason="word " * 500)]), COMPETITION_SYMBOLS).decisions
    assert len(decision.reason) == 500
