"""Market data replay: loading, no look-ahead, aggregation, funding, the simulated clock."""

from __future__ import annotations

import gzip
import logging
from decimal import Decimal
from pathlib import Path

import pytest

from alphaloop.model import Candle, ConfigurationError
from alphaloop.venues.sim.feed import MarketData, MarketReplay, SimClock, bucket_start
from tests.kit.sim_server import START_MS, shared_market_data

BTC = "BTC/USDT:USDT"
HOUR = 3_600_000


class RecordingSink:
    def __init__(self) -> None:
        self.events: list[tuple[str, str, int, Decimal]] = []

    def apply_candle(self, symbol: str, candle: Candle, *, now_ms: int | None = None) -> object:
        assert now_ms is not None
        self.events.append(("candle", symbol, now_ms, candle.close))
        return []

    def settle_funding(self, symbol: str, rate: Decimal, *, now_ms: int) -> object:
        self.events.append(("funding", symbol, now_ms, rate))
        return []


def test_data_loads_all_eight_symbols_and_defaults_to_a_month_before_the_end() -> None:
    data = shared_market_data()
    assert len(data.symbols) == 8
    assert data.end_ms == 1_759_276_800_000  # 2025-10-01T00:00Z: last 1h candle closes then
    assert data.default_start_ms() == data.end_ms - 30 * 24 * HOUR


def test_candles_never_include_one_that_has_not_closed() -> None:
    data = shared_market_data()
    rows = data.candles(BTC, "1h", now_ms=START_MS + HOUR - 1, limit=2)
    assert rows is not None
    assert [c.timestamp for c in rows] == [START_MS - HOUR, START_MS - 2 * HOUR]
    rows = data.candles(BTC, "1h", now_ms=START_MS + HOUR, limit=1)
    assert rows is not None
    assert rows[0].timestamp == START_MS


def test_coarser_candles_aggregate_only_closed_parts() -> None:
    data = shared_market_data()
    now = START_MS + 2 * HOUR  # two 1h candles of the 00:00 4h bucket have closed
    rows = data.candles(BTC, "4h", now_ms=now, limit=2)
    assert rows is not None
    forming, previous = rows
    assert forming.timestamp == START_MS
    parts = data.candles(BTC, "1h", now_ms=now, limit=2)
    assert parts is not None
    assert forming.close == parts[0].close
    assert forming.open == parts[1].open
    assert forming.high == max(p.high for p in parts)
    assert previous.timestamp == START_MS - 4 * HOUR


def test_weekly_buckets_open_on_monday() -> None:
    monday = 1_756_684_800_000  # 2025-09-01 was a Monday
    assert bucket_start(monday + 3 * 24 * HOUR, 7 * 24 * HOUR) == monday


def test_a_granularity_finer_than_the_data_is_unavailable() -> None:
    assert shared_market_data().candles(BTC, "1m", now_ms=START_MS, limit=1) is None


def test_replay_applies_candles_then_funding_in_time_order() -> None:
    sink = RecordingSink()
    replay = MarketReplay(shared_market_data(), sink, START_MS)
    primed = [e for e in sink.events if e[1] == BTC]
    assert primed == [("candle", BTC, START_MS, primed[0][3])], "one candle primes the price"
    sink.events.clear()
    replay.advance_to(START_MS + 8 * HOUR)
    btc = [e for e in sink.events if e[1] == BTC]
    assert [e[0] for e in btc] == ["candle"] * 8 + ["funding"]
    assert [e[2] for e in btc] == [START_MS + n * HOUR for n in range(1, 9)] + [START_MS + 8 * HOUR]
    times = [e[2] for e in sink.events]
    assert times == sorted(times)
    assert replay.advance_to(START_MS + 8 * HOUR) == 0, "nothing twice"


def test_sim_clock_runs_at_speed_and_never_goes_back() -> None:
    wall = [100.0]
    clock = SimClock(START_MS, speed=60.0, wall=lambda: wall[0])
    wall[0] += 1.0
    assert clock.now_ms() == START_MS + 60_000
    clock.set_speed(0)
    wall[0] += 10.0
    assert clock.now_ms() == START_MS + 60_000
    assert clock.advance(5_000) == START_MS + 65_000
    assert clock.advance_to(START_MS) == START_MS + 65_000


def _write_candles(folder: Path, rows: list[str]) -> Path:
    path = folder / "BTCUSDT-1h.csv.gz"
    path.write_bytes(gzip.compress(("ts,open,high,low,close,volume\n" + "\n".join(rows) + "\n").encode()))
    return path


def _row(bar: int, close: str = "100.5") -> str:
    return f"{START_MS + bar * HOUR},100,101,99,{close},7"


def test_the_simulator_drops_nan_rows_as_data_check_does(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _write_candles(tmp_path, [_row(0), _row(1, "NaN"), _row(2)])
    with caplog.at_level(logging.WARNING, logger="alphaloop.data"):
        data = MarketData(tmp_path, [BTC], "1h")
    assert data.series[BTC].ts == [START_MS, START_MS + 2 * HOUR]
    assert "dropped 1 bad rows" in caplog.text
    rows = data.candles(BTC, "1h", now_ms=START_MS + 3 * HOUR, limit=5)
    assert rows is not None
    assert [c.close for c in rows] == [Decimal("100.5"), Decimal("100.5")]


def test_the_simulator_refuses_conflicting_duplicates_naming_the_file(tmp_path: Path) -> None:
    path = _write_candles(tmp_path, [_row(0), _row(1), _row(1, "250")])
    with pytest.raises(ConfigurationError, match="appear more than once") as caught:
        MarketData(tmp_path, [BTC], "1h")
    assert str(path) in str(caught.value)


def test_identical_repeated_rows_collapse_and_rows_are_sorted(tmp_path: Path) -> None:
    _write_candles(tmp_path, [_row(1), _row(0), _row(1)])
    data = MarketData(tmp_path, [BTC], "1h")
    assert data.series[BTC].ts == [START_MS, START_MS + HOUR]


def test_the_simulator_refuses_a_truncated_file_naming_it(tmp_path: Path) -> None:
    path = _write_candles(tmp_path, [_row(bar) for bar in range(2_000)])
    path.write_bytes(path.read_bytes()[:-200])
    with pytest.raises(ConfigurationError, match="truncated or corrupt") as caught:
        MarketData(tmp_path, [BTC], "1h")
    assert str(path) in str(caught.value)
