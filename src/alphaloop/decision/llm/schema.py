"""The JSON the agent asks for, and the `response_format` that asks for it.

One object: `decisions` (one entry per symbol it acts on; omitted symbols are held) and an
`explanation` for the AI log. Every property is required and nullable where optional, because
OpenAI's strict structured outputs demand it; the tolerant parser accepts less.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from alphaloop.decision.llm.config import StructuredOutput
from alphaloop.model.decision import Action

SCHEMA_NAME = "trading_decision"
ACTIONS: tuple[str, ...] = tuple(a.value for a in Action)


def decision_schema(symbols: Sequence[str], leverage_cap: int) -> dict[str, Any]:
    """The reply's JSON schema for these symbols."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["decisions", "explanation"],
        "properties": {
            "decisions": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": [
                        "symbol",
                        "action",
                        "confidence",
                        "leverage",
                        "stop_loss",
                        "take_profit",
                        "reason",
                    ],
                    "properties": {
                        "symbol": {"type": "string", "enum": list(symbols)},
                        "action": {"type": "string", "enum": list(ACTIONS)},
                        "confidence": {"type": "number", "description": "0 to 1"},
                        "leverage": {
                            "type": ["integer", "null"],
                            "description": f"1 to {leverage_cap}; null for hold/close",
                        },
                        "stop_loss": {"type": ["number", "null"], "description": "absolute price"},
                        "take_profit": {"type": ["number", "null"], "description": "absolute price"},
                        "reason": {"type": "string", "description": "one sentence citing snapshot numbers"},
                    },
                },
            },
            "explanation": {"type": "string", "description": "why, in a few sentences, for the AI log"},
        },
    }


def response_format(mode: StructuredOutput, schema: dict[str, Any]) -> dict[str, Any] | None:
    """The `response_format` request parameter for a resolved mode (None: do not send one)."""
    if mode == "json_schema":
        return {"type": "json_schema", "json_schema": {"name": SCHEMA_NAME, "strict": True, "schema": schema}}
    if mode == "json_object":
        return {"type": "json_object"}
    if mode == "none":
        return None
    raise ValueError(f"structured output mode '{mode}' must be resolved before building a request")
