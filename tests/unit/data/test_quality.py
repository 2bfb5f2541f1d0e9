"""Gap detection and `check` of files: coverage, gaps and every kind of bad row."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from alphaloop.data import check_file, find_gaps
from alphaloop.data.quality import Gap
from alphaloop.model import ConfigurationError
from tests.unit.data.builders import HOUR, T0, candle_rows, write_candles_csv, write_csv


def test_find_gaps_reports_first_missing_bar_next_present_bar_and_count() -> None:
    ts = np.array([T0, T0 + HOUR, T0 + 4 * HOUR, T0 + 5 * HOUR, T0 + 7 * HOUR], dtype=np.int64)

    assert find_gaps(ts, HOUR) == [
        Gap(T0 + 2 * HOUR, T0 + 4 * HOUR, 2),
        Gap(T0 + 6 * HOUR, T0 + 7 * HOUR, 1),
    ]


def test_find_gaps_of_a_gap_free_or_tiny_series_is_empty() -> None:
    assert find_gaps(np.arange(T0, T0 + 10 * HOUR, HOUR, dtype=np.int64), HOUR) == []
    assert find_gaps(np.array([T0], dtype=np.int64), HOUR) == []


@pytest.mark.parametrize("name", ["BTCUSDT-1h.csv", "BTCUSDT-1h.csv.gz"])
def test_a_clean_file_has_full_coverage_and_no_bad_rows(tmp_path: Path, name: str) -> None:
    path = write_candles_csv(tmp_path / name, candle_rows(T0 + i * HOUR for i in range(24)))

    result = check_file(path)

    assert (result.symbol, result.kind, result.timeframe) == ("BTC/USDT:USDT", "candles", "1h")
    report = result.report
    assert (report.rows, report.first_ts, report.last_ts) == (24, T0, T0 + 23 * HOUR)
    assert report.coverage == 1.0
    assert report.gaps == []
    assert report.bad_rows == 0


def test_gaps_lower_the_coverage(tmp_path: Path) -> None:
    times = [T0 + i * HOUR for i in range(10) if i not in (3, 4, 7)]
    path = write_candles_csv(tmp_path / "ETHUSDT-1h.csv", candle_rows(times))

    report = check_file(path).report

    assert report.gaps == [Gap(T0 + 3 * HOUR, T0 + 5 * HOUR, 2), Gap(T0 + 7 * HOUR, T0 + 8 * HOUR, 1)]
    assert report.missing_bars == 3
    assert report.expected_rows == 10
    assert report.coverage == pytest.approx(0.7)


BAD_LINES = {
    "high < low": f"{T0 + 1 * HOUR},100,101,101.5,100.5,5",
    "non-positive price": f"{T0 + 2 * HOUR},0,101,0,100,5",
    "open/close outside high-low": f"{T0 + 3 * HOUR},100,101,99,102,5",
    "negative volume": f"{T0 + 4 * HOUR},100,101,99,100,-1",
    "missing or not a number": f"{T0 + 5 * HOUR},100,abc,99,100,5",
    "ts not on the timeframe grid": f"{T0 + 6 * HOUR + 1},100,101,99,100,5",
}


@pytest.mark.parametrize(("reason", "line"), BAD_LINES.items())
def test_each_kind_of_bad_row_is_detected_with_its_time(tmp_path: Path, reason: str, line: str) -> None:
    good = f"{T0},100,101,99,100,5"
    path = write_csv(tmp_path / "BTCUSDT-1h.csv", "ts,open,high,low,close,volume", [good, line])

    report = check_file(path).report

    assert report.bad_counts == {reason: 1}
    assert report.bad_examples[0].reason == reason
    assert report.bad_examples[0].ts == int(line.split(",")[0])


def test_duplicated_times_count_as_bad_rows_after_the_first(tmp_path: Path) -> None:
    lines = [f"{T0},100,101,99,100,5", f"{T0 + HOUR},100,101,99,100,5", f"{T0},100,101,99,100,6"]
    path = write_csv(tmp_path / "BTCUSDT-1h.csv.gz", "ts,open,high,low,close,volume", lines)

    report = check_file(path).report

    assert report.bad_counts == {"duplicate ts": 1}
    assert report.rows == 3
    assert report.unique_rows == 2
    assert not report.sorted


def test_a_file_mixing_problems_counts_each_reason(tmp_path: Path) -> None:
    lines = [f"{T0},100,101,99,100,5", *BAD_LINES.values(), BAD_LINES["high < low"].replace(",5", ",6")]
    path = write_csv(tmp_path / "BTCUSDT-1h.csv", "ts,open,high,low,close,volume", lines)

    report = check_file(path).report

    assert report.bad_counts["duplicate ts"] == 1
    assert report.bad_counts["high < low"] == 2
    assert report.bad_rows == 7  # rows, not reasons: every line but the first
    assert len(report.bad_examples) == 5


def test_funding_file_gaps_use_its_settlement_interval(tmp_path: Path) -> None:
    eight = 8 * HOUR
    lines = [f"{T0 + i * eight},0.0001" for i in (0, 1, 2, 5, 6)]
    path = write_csv(tmp_path / "BTCUSDT-funding.csv", "ts,funding_rate", lines)

    result = check_file(path)

    assert result.kind == "funding"
    assert result.report.step_ms == eight
    assert result.report.gaps == [Gap(T0 + 3 * eight, T0 + 5 * eight, 2)]


def test_a_wrong_header_is_a_configuration_error_naming_the_expected_one(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "BTCUSDT-1h.csv", "time,o,h,l,c,v", [f"{T0},1,1,1,1,1"])

    with pytest.raises(ConfigurationError, match="ts,open,high,low,close,volume"):
        check_file(path)


def test_the_real_shared_files_pass_the_checks(data_dir: Path) -> None:
    for name in ("BTCUSDT-1h.csv.gz", "LTCUSDT-5m.csv.gz", "funding/ETHUSDT-funding.csv.gz"):
        report = check_file(data_dir / name).report
        assert report.bad_rows == 0, name
        assert report.gaps == [], name
