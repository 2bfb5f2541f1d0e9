"""The overview's position rows: the mark price the issue asks for, derived from the snapshot."""

from __future__ import annotations

import pytest

from alphaloop.ops.console import PositionView


def view(side: str, upnl: float) -> PositionView:
    return PositionView("BTC/USDT:USDT", side, 0.5, 100_000.0, "5", upnl, None, 0)


def test_the_mark_price_follows_from_entry_and_unrealized_pnl() -> None:
    assert view("long", 500.0).mark_price == pytest.approx(101_000.0)
    assert view("short", 500.0).mark_price == pytest.approx(99_000.0)
    assert view("long", -250.0).mark_price == pytest.approx(99_500.0)
    assert PositionView("X", "long", 0.0, 1.0, "1", 0.0, None, 0).mark_price is None
