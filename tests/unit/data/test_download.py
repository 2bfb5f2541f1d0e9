"""Download orchestration against an in-memory venue: paging, closed bars only, resume, gaps, funding."""

from __future__ import annotations

from pathlib import Path

import pytest

from alphaloop.data import ParquetStore, download
from alphaloop.data.download import plan_segments
from alphaloop.data.quality import Gap
from tests.unit.data.builders import HOUR, T0
from tests.unit.data.fake_venue import FakeVenue

BTC = "BTC/USDT:USDT"
ETH = "ETH/USDT:USDT"


def hours(start: int, count: int) -> list[int]:
    return [start + i * HOUR for i in range(count)]


class RecordingProgress:
    def __init__(self) -> None:
        self.totals: dict[str, int] = {}
        self.done: dict[str, int] = {}
        self.finished: list[str] = []

    def start(self, symbol: str, total_bars: int) -> None:
        self.totals[symbol] = total_bars
        self.done[symbol] = 0

    def advance(self, symbol: str, bars: int) -> None:
        self.done[symbol] += bars

    def finish(self, symbol: str) -> None:
        self.finished.append(symbol)


@pytest.fixture
def store(tmp_path: Path) -> ParquetStore:
    return ParquetStore(tmp_path / "store")


def venue_with_history(first: int, bars: int, *, minutes_into_forming_bar: int = 20) -> FakeVenue:
    """`bars` hourly bars from `first`; the last one is still forming at the venue's clock."""
    times = hours(first, bars)
    return FakeVenue(now_ms=times[-1] + minutes_into_forming_bar * 60_000, times={(BTC, "1h"): times})


def stored_times(store: ParquetStore, venue: str = "fake") -> list[int]:
    table = store.read_candles(venue, BTC, "1h")
    return [] if table is None else table["ts"].to_list()


@pytest.mark.asyncio
async def test_fresh_download_stores_every_closed_bar_since_the_start_and_not_the_forming_one(
    store: ParquetStore,
) -> None:
    venue = venue_with_history(T0 - 10 * HOUR, 261)  # T0 .. T0+249h closed, T0+250h forming
    progress = RecordingProgress()

    report = await download(venue, store, ["BTCUSDT"], "1h", since_ms=T0, funding=False, progress=progress)

    assert stored_times(store) == hours(T0, 250)
    result = report.series[0]
    assert (result.added, result.stored, result.gaps, result.error) == (250, 250, [], None)
    assert (result.first_ts, result.last_ts) == (T0, T0 + 249 * HOUR)
    assert result.history_starts_ms is None
    # one call for the newest bar, then three backward pages of at most 100
    assert venue.candle_calls == 4
    assert progress.totals[BTC] == progress.done[BTC] == 250
    assert progress.finished == [BTC]


@pytest.mark.asyncio
async def test_history_that_starts_after_since_ends_the_walk_at_the_first_empty_page(
    store: ParquetStore,
) -> None:
    venue = venue_with_history(T0 + 50 * HOUR, 121)

    report = await download(venue, store, [BTC], "1h", since_ms=T0, funding=False)

    assert stored_times(store) == hours(T0 + 50 * HOUR, 120)
    assert report.series[0].history_starts_ms == T0 + 50 * HOUR
    assert venue.candle_calls == 1 + 2 + 1  # newest, two full pages, one empty page


@pytest.mark.asyncio
async def test_a_second_run_fetches_nothing_new(store: ParquetStore) -> None:
    venue = venue_with_history(T0, 150)
    await download(venue, store, [BTC], "1h", since_ms=T0, funding=False)
    venue.calls.clear()

    report = await download(venue, store, [BTC], "1h", since_ms=T0, funding=False)

    assert report.added == 0
    assert venue.candle_calls == 1  # only the look at the newest bar
    assert report.series[0].stored == 149


@pytest.mark.asyncio
async def test_bars_closed_since_the_last_run_are_appended_going_forward(store: ParquetStore) -> None:
    venue = venue_with_history(T0, 300)
    venue.now_ms = T0 + 100 * HOUR + 1  # first run sees 100 closed bars
    await download(venue, store, [BTC], "1h", since_ms=T0, funding=False)
    venue.now_ms = T0 + 250 * HOUR + 1
    venue.calls.clear()

    report = await download(venue, store, [BTC], "1h", since_ms=None, funding=False)

    assert report.added == 150
    assert stored_times(store) == hours(T0, 250)
    since_values = [since for _, since, _, _ in venue.calls[1:]]
    assert since_values == [T0 + 100 * HOUR, T0 + 200 * HOUR]  # forward pages from the stored end


@pytest.mark.asyncio
async def test_an_interrupted_download_keeps_a_contiguous_block_and_the_next_run_completes_it(
    store: ParquetStore,
) -> None:
    venue = venue_with_history(T0, 451)
    venue.fail_on_call = 4  # the third backward page fails
    progress = RecordingProgress()
    first = await download(
        venue, store, [BTC], "1h", since_ms=T0, funding=False, flush_rows=100, progress=progress
    )

    assert progress.finished == []  # the bar is left where the download stopped
    assert progress.done[BTC] == 200
    assert first.series[0].error is not None
    assert "simulated outage" in first.series[0].error
    kept = stored_times(store)
    assert kept == hours(T0 + 250 * HOUR, 200)  # the two pages fetched before the failure, no hole

    second = await download(venue, store, [BTC], "1h", since_ms=T0, funding=False)

    assert second.series[0].error is None
    assert second.series[0].added == 250
    assert stored_times(store) == hours(T0, 450)


@pytest.mark.asyncio
async def test_gaps_in_the_venue_history_are_reported_not_filled(store: ParquetStore) -> None:
    times = [t for t in hours(T0, 400) if not (T0 + 10 * HOUR <= t < T0 + 13 * HOUR)]
    times = [t for t in times if not (T0 + 200 * HOUR <= t < T0 + 350 * HOUR)]  # longer than a page
    venue = FakeVenue(now_ms=T0 + 400 * HOUR, times={(BTC, "1h"): times})

    report = await download(venue, store, [BTC], "1h", since_ms=T0, funding=False)

    assert stored_times(store) == times
    assert report.series[0].gaps == [
        Gap(T0 + 10 * HOUR, T0 + 13 * HOUR, 3),
        Gap(T0 + 200 * HOUR, T0 + 350 * HOUR, 150),
    ]


@pytest.mark.asyncio
async def test_forward_paging_skips_a_venue_gap_longer_than_a_page(store: ParquetStore) -> None:
    times = hours(T0, 10) + hours(T0 + 260 * HOUR, 20)
    venue = FakeVenue(now_ms=T0 + 5 * HOUR + 1, times={(BTC, "1h"): times})
    await download(venue, store, [BTC], "1h", since_ms=T0, funding=False)
    venue.now_ms = T0 + 280 * HOUR + 1

    report = await download(venue, store, [BTC], "1h", since_ms=None, funding=False)

    assert stored_times(store) == times
    assert report.series[0].gaps == [Gap(T0 + 10 * HOUR, T0 + 260 * HOUR, 250)]


@pytest.mark.asyncio
async def test_until_bounds_the_newest_bar_requested(store: ParquetStore) -> None:
    venue = venue_with_history(T0, 200)

    report = await download(venue, store, [BTC], "1h", since_ms=T0, until_ms=T0 + 24 * HOUR, funding=False)

    assert stored_times(store) == hours(T0, 24)
    assert report.until_ms == T0 + 23 * HOUR


@pytest.mark.asyncio
async def test_funding_history_is_merged_from_the_latest_settlements(store: ParquetStore) -> None:
    venue = venue_with_history(T0, 50)
    eight = 8 * HOUR
    venue.funding[BTC] = [(T0 + i * eight, f"0.000{i}") for i in range(8)]  # the last one is in the future

    report = await download(venue, store, [BTC], "1h", since_ms=T0 + eight)

    stored = store.read_funding("fake", BTC)
    assert stored is not None
    assert stored["ts"].to_list() == [T0 + i * eight for i in range(1, 7)]
    assert stored["funding_rate"].to_list() == [float(f"0.000{i}") for i in range(1, 7)]
    assert report.series[0].funding_added == 6
    assert report.series[0].funding_first_ms == T0 + eight


@pytest.mark.asyncio
async def test_one_symbol_failing_does_not_stop_the_others(store: ParquetStore) -> None:
    venue = venue_with_history(T0, 30)

    report = await download(venue, store, [ETH, BTC], "1h", since_ms=T0, funding=False)

    eth, btc = report.series
    assert eth.error is not None
    assert "serves no 1h candles for ETH/USDT:USDT" in eth.error
    assert btc.error is None
    assert btc.added == 29
    assert report.failed == [eth]


@pytest.mark.asyncio
async def test_continuing_without_since_needs_a_stored_series(store: ParquetStore) -> None:
    venue = venue_with_history(T0, 30)

    report = await download(venue, store, [BTC], "1h", since_ms=None, funding=False)

    assert report.series[0].error is not None
    assert "give a start date" in report.series[0].error
    assert venue.candle_calls == 0


@pytest.mark.parametrize(
    ("lower", "upper", "stored", "expected"),
    [
        (0, 9, None, (None, (0, 9))),
        (0, 9, (3, 5), ((6, 9), (0, 2))),
        (0, 9, (0, 9), (None, None)),
        (7, 9, (0, 5), ((7, 9), None)),  # asked to start after the stored block: tail from `since`
        (0, 4, (3, 9), (None, (0, 2))),
    ],
)
def test_plan_segments(
    lower: int,
    upper: int,
    stored: tuple[int, int] | None,
    expected: tuple[tuple[int, int] | None, tuple[int, int] | None],
) -> None:
    assert plan_segments(lower, upper, stored, 1) == expected
