"""The trading state the risk gate is in; the journal stores its value strings."""

from __future__ import annotations

from enum import StrEnum


class TradingState(StrEnum):
    """ACTIVE trades freely; REDUCING only closes (exits); HALTED sends nothing until a human resumes."""

    ACTIVE = "active"
    REDUCING = "reducing"
    HALTED = "halted"
