"""Token accounting per UTC day, and explanations fitted to the AI log's limits."""

from __future__ import annotations

import pytest

from alphaloop.decision.llm import Prices, SpendLedger, TokenUsage
from alphaloop.decision.llm.budget import utc_day
from alphaloop.decision.llm.explanation import TRUNCATION_MARK, compose_explanation, fit_explanation
from alphaloop.model.ailog import AiLog, word_count


def test_cost_uses_the_per_1k_prices_of_prompt_and_completion() -> None:
    assert Prices(0.5, 1.5).cost(TokenUsage(2000, 1000)) == pytest.approx(2.5)


def test_unknown_prices_cost_nothing_but_tokens_are_still_counted() -> None:
    ledger = SpendLedger(limit_usd=1.0)
    spent = ledger.charge("2025-09-01", TokenUsage(1200, 300))
    assert (spent.calls, spent.prompt_tokens, spent.completion_tokens, spent.cost_usd) == (1, 1200, 300, 0.0)
    assert not ledger.exhausted("2025-09-01")


def test_the_budget_is_per_utc_day() -> None:
    ledger = SpendLedger(limit_usd=0.01, prices=Prices(0.01, 0.01))
    ledger.charge("2025-09-01", TokenUsage(600, 400))  # 0.01 USD
    assert ledger.exhausted("2025-09-01")
    assert not ledger.exhausted("2025-09-02")
    assert ledger.spent("2025-09-02").calls == 0


def test_no_limit_is_never_exhausted() -> None:
    ledger = SpendLedger(limit_usd=None, prices=Prices(100, 100))
    ledger.charge("d", TokenUsage(10**6, 10**6))
    assert not ledger.exhausted("d")


def test_utc_day_of_a_millisecond_timestamp() -> None:
    assert utc_day(1_756_684_800_000) == "2025-09-01"
    assert utc_day(1_756_684_799_999) == "2025-08-31"


def test_estimated_usage_is_about_four_characters_a_token_rounded_up() -> None:
    assert TokenUsage.estimate(401, 8) == TokenUsage(101, 2, estimated=True)


def test_a_short_explanation_is_left_alone() -> None:
    assert fit_explanation("  BTC up 2%.  ", char_cap=100) == "BTC up 2%."


def test_a_long_explanation_is_cut_at_a_word_boundary_and_says_so() -> None:
    text = "alpha beta gamma delta epsilon zeta eta theta"
    fitted = fit_explanation(text, char_cap=30)
    assert fitted == "alpha beta gamma" + TRUNCATION_MARK
    assert len(fitted) <= 30


def test_an_explanation_over_500_words_is_cut_to_fit_the_ai_log() -> None:
    fitted = fit_explanation("word " * 800, char_cap=20_000)
    assert word_count(fitted) <= 500
    assert fitted.endswith(TRUNCATION_MARK)
    AiLog(stage="Decision Making", model="m", input={}, output={}, explanation=fitted)  # does not raise


def test_a_single_giant_word_is_cut_hard() -> None:
    fitted = fit_explanation("x" * 500, char_cap=100)
    assert fitted == "x" * (100 - len(TRUNCATION_MARK)) + TRUNCATION_MARK


def test_the_note_survives_and_the_main_text_is_cut_first() -> None:
    note = "Validator: BTC rejected."
    composed = compose_explanation("because " * 100, note, char_cap=120)
    assert composed.endswith(" " + note)
    assert TRUNCATION_MARK in composed
    assert len(composed) <= 120


def test_compose_with_nothing_to_add_is_fit() -> None:
    assert compose_explanation("main", "", char_cap=100) == "main"
    assert compose_explanation("", "note", char_cap=100) == "note"
