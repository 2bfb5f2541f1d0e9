"""The competition's AI log: proof that an AI made a trading decision."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from alphaloop.model.errors import ModelError

#: The competition caps explanations at 500 words.
MAX_EXPLANATION_WORDS = 500


def word_count(text: str) -> int:
    return len(text.split())


@dataclass(frozen=True, slots=True)
class AiLog:
    """One AI log record as uploaded with `uploadAiLog`."""

    stage: str
    model: str
    input: Mapping[str, Any]
    output: Mapping[str, Any]
    explanation: str
    order_id: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        problems = []
        if not self.stage.strip():
            problems.append("stage is empty")
        if not self.model.strip():
            problems.append("model is empty")
        if not self.explanation.strip():
            problems.append("explanation is empty")
        words = word_count(self.explanation)
        if words > MAX_EXPLANATION_WORDS:
            problems.append(f"explanation has {words} words, the limit is {MAX_EXPLANATION_WORDS}")
        if self.order_id is not None and not self.order_id.isdigit():
            problems.append(f"order_id '{self.order_id}' is not a numeric venue order id")
        if problems:
            raise ModelError("invalid AI log: " + "; ".join(problems))

    def with_order_id(self, order_id: str) -> AiLog:
        return AiLog(self.stage, self.model, self.input, self.output, self.explanation, order_id, self.extra)


def fit_explanation(
    text: str, *, max_words: int = MAX_EXPLANATION_WORDS, max_chars: int | None = None
) -> str:
    """`text` shortened on a word boundary to at most `max_words` words and `max_chars` characters
    (later competition rounds capped explanations at 1000 characters), marked with "…" when cut."""
    words = text.split()
    cut = len(words) > max_words
    if cut:
        words = words[: max_words - 1]
    fitted = " ".join(words)
    if max_chars is not None and len(fitted) + (2 if cut else 0) > max_chars:
        cut = True
        fitted = fitted[: max(0, max_chars - 2)]
        if " " in fitted:
            fitted = fitted[: fitted.rfind(" ")]
    return f"{fitted} …" if cut else fitted
