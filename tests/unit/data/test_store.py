"""The Parquet store: append with de-duplication, canonical files, refusals, listing."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from alphaloop.data import ParquetStore
from alphaloop.data.tables import FUNDING_SCHEMA
from alphaloop.model import ConfigurationError
from tests.unit.data.builders import HOUR, T0, candles


@pytest.fixture
def store(tmp_path: Path) -> ParquetStore:
    return ParquetStore(tmp_path / "store")


def test_first_append_writes_a_sorted_file_under_venue_timeframe_and_stem(store: ParquetStore) -> None:
    rows = candles([T0 + 2 * HOUR, T0, T0 + HOUR])

    result = store.append_candles("weex", "cmt_btcusdt", "1h", rows)

    assert (result.added, result.replaced, result.total) == (3, 0, 3)
    path = store.root / "weex" / "candles" / "1h" / "BTCUSDT.parquet"
    assert path.is_file()
    stored = store.read_candles("weex", "BTC/USDT:USDT", "1h")
    assert stored is not None
    assert stored["ts"].to_list() == [T0, T0 + HOUR, T0 + 2 * HOUR]


def test_overlapping_append_adds_only_new_times_and_keeps_one_row_per_time(store: ParquetStore) -> None:
    store.append_candles("weex", "BTCUSDT", "1h", candles([T0 + i * HOUR for i in range(5)]))

    result = store.append_candles("weex", "BTCUSDT", "1h", candles([T0 + i * HOUR for i in range(3, 8)]))

    stored = store.read_candles("weex", "BTCUSDT", "1h")
    assert stored is not None
    assert stored["ts"].to_list() == [T0 + i * HOUR for i in range(8)]
    assert result.added == 3
    assert result.total == 8
    # the overlapping rows differ (the builder numbers rows from 0 again): the newer ones replace them
    assert result.replaced == 2
    assert stored.filter(pl.col("ts") == T0 + 3 * HOUR)["open"].item() == 100.0


def test_duplicates_inside_one_append_keep_the_last_row(store: ParquetStore) -> None:
    rows = pl.concat([candles([T0, T0 + HOUR], base=1.0), candles([T0], base=50.0)])

    result = store.append_candles("weex", "BTCUSDT", "1h", rows)

    stored = store.read_candles("weex", "BTCUSDT", "1h")
    assert stored is not None
    assert result.added == 2
    assert stored["open"].to_list() == [50.0, 2.0]


def test_appending_rows_already_stored_rewrites_nothing(store: ParquetStore) -> None:
    rows = candles([T0 + i * HOUR for i in range(4)])
    store.append_candles("weex", "BTCUSDT", "1h", rows)
    path = store.candle_path("weex", "BTCUSDT", "1h")
    before = path.stat().st_mtime_ns

    result = store.append_candles("weex", "BTCUSDT", "1h", rows.reverse())

    assert (result.added, result.replaced, result.total) == (0, 0, 4)
    assert not result.changed
    assert path.stat().st_mtime_ns == before
    assert [p.name for p in path.parent.iterdir()] == ["BTCUSDT.parquet"]  # no temporary file left


def test_candles_off_the_timeframe_grid_are_refused(store: ParquetStore) -> None:
    with pytest.raises(ConfigurationError, match="do not open on a 1h boundary"):
        store.append_candles("weex", "BTCUSDT", "1h", candles([T0, T0 + 30 * 60_000]))
    assert store.read_candles("weex", "BTCUSDT", "1h") is None


def test_weekly_candles_must_open_on_monday(store: ParquetStore) -> None:
    monday = 1_735_516_800_000  # 2024-12-30T00:00Z
    week = 7 * 24 * HOUR
    store.append_candles("weex", "BTCUSDT", "1w", candles([monday, monday + week]))
    with pytest.raises(ConfigurationError):
        store.append_candles("weex", "BTCUSDT", "1w", candles([T0]))  # a Wednesday


def test_funding_appends_and_dedups_like_candles(store: ParquetStore) -> None:
    first = pl.DataFrame({"ts": [T0, T0 + 8 * HOUR], "funding_rate": [0.0001, 0.0002]}, schema=FUNDING_SCHEMA)
    second = pl.DataFrame({"ts": [T0 + 8 * HOUR, T0 + 16 * HOUR], "funding_rate": [0.0002, -0.0001]})

    store.append_funding("weex", "ETHUSDT", first)
    result = store.append_funding("weex", "ETHUSDT", second)

    assert (result.added, result.replaced, result.total) == (1, 0, 3)
    stored = store.read_funding("weex", "ETH/USDT:USDT")
    assert stored is not None
    assert stored["funding_rate"].to_list() == [0.0001, 0.0002, -0.0001]


def test_series_lists_every_file_with_unified_symbols(store: ParquetStore) -> None:
    store.append_candles("weex", "BTCUSDT", "1h", candles([T0]))
    store.append_candles("weex", "BTCUSDT", "5m", candles([T0]))
    store.append_candles("woox", "ETHUSDT", "1h", candles([T0]))
    store.append_funding("weex", "BTCUSDT", pl.DataFrame({"ts": [T0], "funding_rate": [0.0001]}))

    listed = [(s.venue, s.symbol, s.kind, s.timeframe) for s in store.series()]

    assert listed == [
        ("weex", "BTC/USDT:USDT", "candles", "5m"),
        ("weex", "BTC/USDT:USDT", "candles", "1h"),
        ("weex", "BTC/USDT:USDT", "funding", None),
        ("woox", "ETH/USDT:USDT", "candles", "1h"),
    ]
    assert [s.venue for s in store.series("woox")] == ["woox"]


@pytest.mark.parametrize("venue", ["WEEX", "../x", "", "we ex"])
def test_venue_names_that_are_not_plain_folder_names_are_refused(store: ParquetStore, venue: str) -> None:
    with pytest.raises(ConfigurationError, match="venue"):
        store.candle_path(venue, "BTCUSDT", "1h")


def test_unknown_timeframe_is_a_configuration_error(store: ParquetStore) -> None:
    with pytest.raises(ConfigurationError, match="timeframe '2h'"):
        store.candle_path("weex", "BTCUSDT", "2h")
