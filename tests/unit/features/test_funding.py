"""Funding known at a bar: the last settlement at or before the bar's close, carried forward."""

from __future__ import annotations

import numpy as np

from alphaloop.features.funding import funding_at, funding_known_at, funding_on_grid
from alphaloop.model.frame import FundingSeries

HOUR = 3_600_000


def test_each_bar_sees_the_last_settlement_up_to_its_close() -> None:
    series = FundingSeries(np.array([8 * HOUR, 0], dtype=np.int64), np.array([0.0002, 0.0001]))  # unsorted
    ts = np.arange(-2, 10, dtype=np.int64) * HOUR
    known = funding_on_grid(ts, series, HOUR)
    # Bar -1 closes at 0, when the first settlement happens; bar 7 closes at 8h.
    assert np.isnan(known[0])
    np.testing.assert_array_equal(known[1:9], np.full(8, 0.0001))
    np.testing.assert_array_equal(known[9:], np.full(3, 0.0002))


def test_funding_at_a_time_and_without_settlements() -> None:
    series = FundingSeries(np.array([0, 8 * HOUR], dtype=np.int64), np.array([0.0001, -0.0003]))
    assert funding_at(series, 8 * HOUR) == -0.0003
    assert funding_at(series, 8 * HOUR - 1) == 0.0001
    assert funding_at(series, -1) is None
    assert np.isnan(funding_known_at(np.array([5], dtype=np.int64), FundingSeries.empty())).all()
