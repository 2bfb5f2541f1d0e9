"""RiskLimits: competition bounds, venue spellings, clear validation errors."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from alphaloop.model import COMPETITION_SYMBOLS
from alphaloop.risk import RiskLimits


def test_defaults_trade_every_competition_symbol_at_10x() -> None:
    limits = RiskLimits()
    assert limits.symbols == COMPETITION_SYMBOLS
    assert limits.max_leverage == 10
    assert limits.max_order_calls_per_second == 8


def test_venue_spellings_are_normalised_and_deduplicated() -> None:
    limits = RiskLimits(symbols=["cmt_btcusdt", "ETH/USDT:USDT", "PERP_SOL_USDT", "BTC/USDT:USDT"])  # type: ignore[arg-type]
    assert limits.symbols == ("BTC/USDT:USDT", "ETH/USDT:USDT", "SOL/USDT:USDT")


@pytest.mark.parametrize(
    ("symbols", "message"),
    [
        ((), "at least one symbol"),
        (("PEPE/USDT:USDT",), "not one of the competition symbols"),
        (("cmt_pepeusdt",), "not one of the competition symbols"),
        (("btc",), "unknown symbol spelling"),
    ],
)
def test_symbols_outside_the_competition_are_refused(symbols: tuple[str, ...], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        RiskLimits(symbols=symbols)


@pytest.mark.parametrize(
    ("field", "good", "bad"),
    [
        ("max_leverage", [1, 20], [0, 21]),
        ("max_order_calls_per_second", [1, 10], [0, 11]),
        ("max_symbol_notional", [0.01, 5.0], [0.0, -1.0, float("nan"), float("inf")]),
        ("max_total_notional", [0.01, 5.0], [0.0, -1.0]),
        ("max_margin_use", [0.01, 1.0], [0.0, 1.01]),
        ("max_risk_per_trade", [0.001, 1.0], [0.0, 1.5]),
        ("daily_drawdown", [0.01, 1.0], [0.0, -0.1, 2.0]),
        ("total_drawdown", [0.01, 1.0], [0.0, 1.01]),
        ("min_entry_interval_s", [0.0, 3600.0], [-1.0]),
        ("max_orders_per_hour", [1, 1000], [0]),
        ("max_open_positions", [1, 16], [0]),
    ],
)
def test_numeric_bounds(field: str, good: list[Any], bad: list[Any]) -> None:
    for value in good:
        assert getattr(RiskLimits(**{field: value}), field) == value
    for value in bad:
        with pytest.raises(ValidationError, match=field):
            RiskLimits(**{field: value})


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationError, match="max_levrage"):
        RiskLimits(max_levrage=5)  # type: ignore[call-arg]


def test_limits_are_frozen() -> None:
    limits = RiskLimits()
    with pytest.raises(ValidationError):
        limits.max_leverage = 20


def test_the_json_dump_of_a_run_config_loads_back() -> None:
    limits = RiskLimits(symbols=("cmt_ethusdt",), max_leverage=3, daily_drawdown=0.05)
    dumped = limits.model_dump(mode="json")
    assert dumped["symbols"] == ["ETH/USDT:USDT"]
    assert RiskLimits.model_validate(dumped) == limits
