"""`alphaloop data download` against the WEEX simulator over a real loopback socket.

The simulator serves the shared data's candles and funding up to its clock (frozen at START_MS =
2025-09-01 00:00 UTC), so what lands in the store can be compared with the CSV files row by row.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner, Result

from alphaloop.cli.data import data_app
from alphaloop.data import ParquetStore, load_frame
from alphaloop.data.csvfiles import read_typed
from alphaloop.venues.sim.server import RunningServer
from tests.kit.data import data_dir
from tests.kit.sim_server import START_MS, live_sim

pytestmark = pytest.mark.integration

HOUR = 3_600_000
SINCE = "2025-08-01"
SINCE_MS = 1_754_006_400_000
SYMBOLS = ("BTC/USDT:USDT", "ETH/USDT:USDT")


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with live_sim() as running:
        yield running


def download(server: RunningServer, store: Path, *extra: str) -> Result:
    args = ["download", "--base-url", server.base_url, "--store", str(store), "--timeframe", "1h"]
    return CliRunner().invoke(
        data_app, [*args, "--symbols", "BTCUSDT,cmt_ethusdt", *extra], env={"COLUMNS": "200"}
    )


def new_bars(result: Result) -> int:
    match = re.search(r"(\d+) new bars in (\d+) requests", result.output)
    assert match is not None, result.output
    return int(match.group(1))


def test_download_then_resume_then_catch_up_after_time_passes(server: RunningServer, tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    httpx.post(f"{server.base_url}/__admin/reset").raise_for_status()

    first = download(server, store_dir, "--since", SINCE)

    assert first.exit_code == 0, first.output
    expected_bars = (START_MS - SINCE_MS) // HOUR  # every closed hour from Aug 1 to Sep 1
    assert new_bars(first) == 2 * expected_bars
    assert "no gaps in the stored range" in first.output
    store = ParquetStore(store_dir)
    for symbol, stem in zip(SYMBOLS, ("BTCUSDT", "ETHUSDT"), strict=True):
        stored = store.read_candles("weex", symbol, "1h")
        assert stored is not None
        source = read_typed(data_dir() / f"{stem}-1h.csv.gz", "candles")
        expected = source.filter(pl.col("ts").is_between(SINCE_MS, START_MS - HOUR))
        assert stored.equals(expected), symbol  # the very rows of the shared file
        funding = store.read_funding("weex", symbol)
        assert funding is not None
        assert funding["ts"].min() == SINCE_MS  # the latest 100 settlements reach back before Aug 1
        assert funding["ts"].max() == START_MS

    resumed = download(server, store_dir, "--since", SINCE)

    assert resumed.exit_code == 0, resumed.output
    assert new_bars(resumed) == 0
    assert "0 new bars in 4 requests" in resumed.output  # per symbol: the newest bar, the funding

    httpx.post(f"{server.base_url}/__admin/advance", json={"ms": 5 * HOUR}).raise_for_status()
    caught_up = download(server, store_dir)  # no --since: continue the stored series

    assert caught_up.exit_code == 0, caught_up.output
    assert new_bars(caught_up) == 2 * 5
    stored = store.read_candles("weex", "BTCUSDT", "1h")
    assert stored is not None
    assert stored["ts"].max() == START_MS + 4 * HOUR


def test_load_frame_reads_what_was_downloaded(server: RunningServer, tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    httpx.post(f"{server.base_url}/__admin/reset").raise_for_status()
    result = download(server, store_dir, "--since", "2025-08-25", "--no-funding")
    assert result.exit_code == 0, result.output

    from_store = load_frame(["BTCUSDT", "ETHUSDT"], "1h", data_dir=tmp_path / "no-csv", store_dir=store_dir)
    from_files = load_frame(
        ["BTCUSDT", "ETHUSDT"],
        "1h",
        start_ms=int(from_store.ts[0]),
        end_ms=int(from_store.ts[-1]) + HOUR,
        data_dir=data_dir(),
        store_dir=tmp_path / "empty",
    )

    assert np.array_equal(from_store.ts, from_files.ts)
    for symbol in SYMBOLS:
        assert np.array_equal(from_store.bars[symbol].close, from_files.bars[symbol].close)
        assert np.array_equal(from_store.bars[symbol].volume, from_files.bars[symbol].volume)
        assert len(from_store.funding[symbol].ts) == 0  # --no-funding, and no CSV folder
