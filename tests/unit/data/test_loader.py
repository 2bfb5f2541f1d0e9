"""`load_frame` on the real shared data: alignment of symbols with different histories, sources, errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from alphaloop.data import ParquetStore, available, load_frame
from alphaloop.data.csvfiles import read_typed
from alphaloop.model import ConfigurationError
from tests.unit.data.builders import HOUR, T0, candle_rows, candles, write_candles_csv

#: 2025-07-04 11:50 and 12:10 UTC: where the 5m ADA and LTC files start (BTC: 2024-12-31).
ADA_5M_START = 1_751_629_800_000
LTC_5M_START = 1_751_631_000_000
FIVE = 300_000


@pytest.fixture
def empty_store(tmp_path: Path) -> Path:
    return tmp_path / "store"


def test_symbols_with_different_start_dates_share_one_grid_with_nan_before_each_start(
    data_dir: Path, empty_store: Path
) -> None:
    start, end = ADA_5M_START - 6 * FIVE, LTC_5M_START + 6 * FIVE

    frame = load_frame(
        ["cmt_ltcusdt", "BTCUSDT", "ADA/USDT:USDT"],
        "5m",
        start_ms=start,
        end_ms=end,
        data_dir=data_dir,
        store_dir=empty_store,
    )

    assert frame.symbols == ["LTC/USDT:USDT", "BTC/USDT:USDT", "ADA/USDT:USDT"]
    assert frame.ts.dtype == np.int64
    assert frame.ts.tolist() == list(range(start, end, FIVE))
    btc, ada, ltc = frame.bars["BTC/USDT:USDT"], frame.bars["ADA/USDT:USDT"], frame.bars["LTC/USDT:USDT"]
    assert btc.valid().all()
    assert ada.valid().tolist() == [t >= ADA_5M_START for t in frame.ts]
    assert ltc.valid().tolist() == [t >= LTC_5M_START for t in frame.ts]
    # each present bar is the file's row for that time
    ltc_file = read_typed(data_dir / "LTCUSDT-5m.csv.gz", "candles").filter(
        pl.col("ts").is_between(start, end - 1)
    )
    assert ltc.close[ltc.valid()].tolist() == ltc_file["close"].to_list()
    assert ltc.volume[ltc.valid()].tolist() == ltc_file["volume"].to_list()


def test_the_grid_is_the_union_of_open_times_when_no_symbol_covers_it_all(
    data_dir: Path, empty_store: Path
) -> None:
    frame = load_frame(["ADAUSDT", "LTCUSDT"], "5m", data_dir=data_dir, store_dir=empty_store)

    assert frame.ts[0] == ADA_5M_START
    assert np.all(np.diff(frame.ts) == FIVE)  # both files are gap-free
    assert int(frame.bars["ADA/USDT:USDT"].valid().sum()) == len(frame)
    assert int(frame.bars["LTC/USDT:USDT"].valid().sum()) == len(frame) - 4


def test_funding_is_clipped_to_the_requested_interval(data_dir: Path, empty_store: Path) -> None:
    start, end = T0, T0 + 3 * 24 * HOUR

    frame = load_frame(
        ["BTCUSDT"], "1h", start_ms=start, end_ms=end, data_dir=data_dir, store_dir=empty_store
    )

    funding = frame.funding["BTC/USDT:USDT"]
    assert len(frame) == 72
    assert funding.ts.tolist() == [T0 + i * 8 * HOUR for i in range(9)]
    assert funding.rate.dtype == np.float64


def test_a_symbol_without_funding_file_gets_an_empty_series(tmp_path: Path, empty_store: Path) -> None:
    store = ParquetStore(empty_store)
    store.append_candles("weex", "BTCUSDT", "1h", candles([T0, T0 + HOUR]))

    frame = load_frame(["BTCUSDT"], "1h", data_dir=tmp_path / "nothing", store_dir=empty_store)

    assert len(frame.funding["BTC/USDT:USDT"].ts) == 0


def test_missing_timeframe_is_resampled_from_a_finer_file(data_dir: Path, empty_store: Path) -> None:
    start, end = T0, T0 + 2 * 24 * HOUR

    four_hourly = load_frame(
        ["ETHUSDT"], "4h", start_ms=start, end_ms=end, data_dir=data_dir, store_dir=empty_store
    )
    hourly = load_frame(
        ["ETHUSDT"], "1h", start_ms=start, end_ms=end, data_dir=data_dir, store_dir=empty_store
    )

    assert four_hourly.ts.tolist() == [T0 + i * 4 * HOUR for i in range(12)]
    coarse, fine = four_hourly.bars["ETH/USDT:USDT"], hourly.bars["ETH/USDT:USDT"]
    assert coarse.open.tolist() == fine.open[::4].tolist()
    assert coarse.close.tolist() == fine.close[3::4].tolist()
    assert coarse.high.tolist() == fine.high.reshape(12, 4).max(axis=1).tolist()


def test_an_unaligned_start_drops_the_bucket_it_cuts(data_dir: Path, empty_store: Path) -> None:
    frame = load_frame(
        ["ETHUSDT"], "4h", start_ms=T0 + HOUR, end_ms=T0 + 12 * HOUR, data_dir=data_dir, store_dir=empty_store
    )

    assert frame.ts.tolist() == [T0 + 4 * HOUR, T0 + 8 * HOUR]


def test_the_store_wins_over_the_data_folder(data_dir: Path, empty_store: Path) -> None:
    ParquetStore(empty_store).append_candles("weex", "BTCUSDT", "1h", candles([T0, T0 + HOUR], base=7.0))

    frame = load_frame(
        ["BTCUSDT", "ETHUSDT"],
        "1h",
        start_ms=T0,
        end_ms=T0 + 3 * HOUR,
        data_dir=data_dir,
        store_dir=empty_store,
    )

    assert frame.bars["BTC/USDT:USDT"].open.tolist()[:2] == [7.0, 8.0]
    assert np.isnan(frame.bars["BTC/USDT:USDT"].open[2])  # the store has 2 bars; the file is not mixed in
    assert frame.bars["ETH/USDT:USDT"].valid().all()


def test_other_venues_of_the_store_are_not_read(data_dir: Path, empty_store: Path) -> None:
    ParquetStore(empty_store).append_candles("woox", "BTCUSDT", "1h", candles([T0], base=7.0))

    frame = load_frame(
        ["BTCUSDT"], "1h", start_ms=T0, end_ms=T0 + HOUR, data_dir=data_dir, store_dir=empty_store
    )

    assert frame.bars["BTC/USDT:USDT"].open[0] != 7.0


def test_missing_data_names_symbol_timeframe_places_and_remedies(tmp_path: Path, empty_store: Path) -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_frame(["BTCUSDT"], "1h", data_dir=tmp_path / "csv", store_dir=empty_store)

    message = str(caught.value)
    assert "no 1h candles for BTC/USDT:USDT" in message
    assert str(empty_store / "weex" / "candles" / "1h" / "BTCUSDT.parquet") in message
    assert str(tmp_path / "csv" / "BTCUSDT-1h.csv.gz") in message
    assert "alphaloop data download --venue weex --symbols BTC/USDT:USDT --timeframe 1h" in message
    assert "alphaloop data import" in message


def test_an_interval_without_any_bar_is_a_configuration_error(data_dir: Path, empty_store: Path) -> None:
    with pytest.raises(ConfigurationError, match="no 1h candles of BTC/USDT:USDT from 1970-01-01 00:00 UTC"):
        load_frame(["BTCUSDT"], "1h", start_ms=0, end_ms=HOUR, data_dir=data_dir, store_dir=empty_store)


@pytest.mark.parametrize("symbol", ["BTC", "BTC-USDT", "cmt_", ""])
def test_unknown_symbol_spellings_are_configuration_errors(symbol: str, data_dir: Path) -> None:
    with pytest.raises(ConfigurationError):
        load_frame([symbol], "1h", data_dir=data_dir)


def test_defaults_come_from_the_environment(
    data_dir: Path, empty_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALPHALOOP_DATA_DIR", str(data_dir))
    monkeypatch.setenv("ALPHALOOP_STORE_DIR", str(empty_store))

    frame = load_frame(["SOLUSDT"], "30m", start_ms=T0, end_ms=T0 + HOUR)

    assert len(frame) == 2


def test_available_lists_store_series_first_then_the_data_files(data_dir: Path, empty_store: Path) -> None:
    ParquetStore(empty_store).append_candles("weex", "BTCUSDT", "1h", candles([T0, T0 + HOUR]))

    found = available(data_dir, empty_store)

    assert (found[0].source, found[0].venue, found[0].symbol, found[0].rows) == (
        "store",
        "weex",
        "BTC/USDT:USDT",
        2,
    )
    files = [(i.symbol, i.kind, i.timeframe) for i in found if i.source == "files"]
    assert ("BTC/USDT:USDT", "candles", "1h") in files
    assert ("LTC/USDT:USDT", "funding", None) in files
    btc_1h = next(
        i for i in found if i.source == "files" and i.symbol == "BTC/USDT:USDT" and i.timeframe == "1h"
    )
    assert btc_1h.first_ts == 1_672_531_200_000  # 2023-01-01
    assert btc_1h.rows == read_typed(btc_1h.path, "candles").height


def test_a_csv_with_bars_off_the_timeframe_grid_is_refused(tmp_path: Path, empty_store: Path) -> None:
    folder = tmp_path / "csv"
    folder.mkdir()
    write_candles_csv(folder / "BTCUSDT-1h.csv", candle_rows([T0, T0 + HOUR + 60_000]))

    with pytest.raises(ConfigurationError, match="1 rows do not open on a 1h boundary"):
        load_frame(["BTCUSDT"], "1h", data_dir=folder, store_dir=empty_store)
