"""Loading holds CSV candles to `alphaloop data check`'s rules, and `data import` keeps spot apart
and never overwrites different values without --force."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from alphaloop.data import ParquetStore, import_file, load_frame
from alphaloop.data.store import OverwriteRefusedError
from alphaloop.model import ConfigurationError
from tests.unit.data.builders import HOUR, T0, candle_rows, write_candles_csv

BTC = "BTC/USDT:USDT"


def _file(path: Path, rows: Sequence[Sequence[object]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_candles_csv(path, rows)


def _rows(n: int = 10) -> list[list[object]]:
    return [list(row) for row in candle_rows(range(T0, T0 + n * HOUR, HOUR))]


def test_nan_rows_are_dropped_and_said_so(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    rows = _rows()
    rows[4][1:5] = ["nan", "nan", "nan", "nan"]
    write_candles_csv(tmp_path / "BTCUSDT-1h.csv.gz", rows)
    with caplog.at_level(logging.WARNING, logger="alphaloop.data"):
        frame = load_frame([BTC], "1h", data_dir=tmp_path, store_dir=tmp_path / "store")
    closes = frame.bars[BTC].close
    assert not np.isnan(closes[np.isin(frame.ts, [T0 + 3 * HOUR, T0 + 5 * HOUR])]).any()
    assert T0 + 4 * HOUR not in frame.ts.tolist()  # the bad bar is gone, not a NaN in the grid
    assert "dropped 1 bad rows" in caplog.text
    assert "2025-01-01 04:00 UTC" in caplog.text


def test_a_timestamp_twice_with_different_values_refuses_the_file(tmp_path: Path) -> None:
    rows = _rows()
    twin = list(rows[6])
    twin[4] = float(str(twin[4])) * 3  # the close differs
    rows.insert(7, twin)
    write_candles_csv(tmp_path / "BTCUSDT-1h.csv.gz", rows)
    with pytest.raises(ConfigurationError, match="1 timestamps appear more than once with different values"):
        load_frame([BTC], "1h", data_dir=tmp_path, store_dir=tmp_path / "store")


def test_an_identical_repeated_row_is_harmless(tmp_path: Path) -> None:
    rows = _rows()
    rows.insert(3, list(rows[2]))
    write_candles_csv(tmp_path / "BTCUSDT-1h.csv.gz", rows)
    frame = load_frame([BTC], "1h", data_dir=tmp_path, store_dir=tmp_path / "store")
    assert len(frame.ts) == 10


def test_spot_files_go_to_their_own_store_and_never_replace_perp_bars(tmp_path: Path) -> None:
    perp = _file(tmp_path / "perp" / "BTCUSDT-1h.csv", _rows())
    spot_rows = [list(row) for row in candle_rows(range(T0, T0 + 10 * HOUR, HOUR), base=90.0)]
    spot = _file(tmp_path / "spot" / "BTCUSDT-1h.csv", spot_rows)
    store = ParquetStore(tmp_path / "store")
    import_file(perp, store, "weex")
    result = import_file(spot, store, "weex")
    assert result.market == "spot"
    assert store.candle_path("weex_spot", BTC, "1h").is_file()
    stored = store.read_candles("weex", BTC, "1h")
    assert stored is not None
    assert stored["open"][0] == 100.0  # the perp bars are untouched


def test_overwriting_different_values_needs_force(tmp_path: Path) -> None:
    first = _file(tmp_path / "a" / "BTCUSDT-1h.csv", _rows())
    other = [list(row) for row in candle_rows(range(T0, T0 + 10 * HOUR, HOUR), base=90.0)]
    second = _file(tmp_path / "b" / "BTCUSDT-1h.csv", other)
    store = ParquetStore(tmp_path / "store")
    import_file(first, store, "weex")
    with pytest.raises(OverwriteRefusedError, match=r"10 stored rows would change .* --force"):
        import_file(second, store, "weex", market="perp")
    stored = store.read_candles("weex", BTC, "1h")
    assert stored is not None
    assert stored["open"][0] == 100.0  # nothing was written
    forced = import_file(second, store, "weex", market="perp", force=True)
    assert forced.appended is not None
    assert forced.appended.replaced == 10
    # the same values again are no overwrite: no --force needed
    assert import_file(second, store, "weex", market="perp").appended is not None
