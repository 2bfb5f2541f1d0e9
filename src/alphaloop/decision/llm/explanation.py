"""Fitting an explanation into the AI log's limits: 500 words (the competition's rule, as
`model.ailog` checks it) and a character cap; cut at a word boundary and say so, never fail."""

from __future__ import annotations

from alphaloop.model.ailog import MAX_EXPLANATION_WORDS, word_count

TRUNCATION_MARK = " [truncated]"


def fit_explanation(text: str, *, char_cap: int, word_cap: int = MAX_EXPLANATION_WORDS) -> str:
    """`text` when it fits, else its longest word-boundary prefix that fits with the mark appended."""
    text = text.strip()
    if len(text) <= char_cap and word_count(text) <= word_cap:
        return text
    room = char_cap - len(TRUNCATION_MARK)
    room_words = word_cap - word_count(TRUNCATION_MARK)
    kept: list[str] = []
    length = 0
    for word in text.split():
        extra = len(word) + (1 if kept else 0)
        if length + extra > room or len(kept) + 1 > room_words:
            break
        kept.append(word)
        length += extra
    if not kept:  # a single word longer than the cap
        return text[: max(0, room)] + TRUNCATION_MARK
    return " ".join(kept) + TRUNCATION_MARK


def compose_explanation(main: str, note: str, *, char_cap: int, word_cap: int = MAX_EXPLANATION_WORDS) -> str:
    """`main`, then `note` (e.g. the validator's rejections); `main` is cut first so the note survives."""
    main, note = main.strip(), note.strip()
    if not note:
        return fit_explanation(main, char_cap=char_cap, word_cap=word_cap)
    if not main:
        return fit_explanation(note, char_cap=char_cap, word_cap=word_cap)
    note_words = word_count(note)
    room_chars = char_cap - len(note) - 1
    room_words = word_cap - note_words
    if room_chars < len(TRUNCATION_MARK) + 20 or room_words < 5:
        return fit_explanation(f"{main} {note}", char_cap=char_cap, word_cap=word_cap)
    return f"{fit_explanation(main, char_cap=room_chars, word_cap=room_words)} {note}"
