"""Symbol spellings, timeframe arithmetic, file names and default folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from alphaloop.config import load_settings
from alphaloop.data import file_stem, resolve_data_dir, resolve_store_dir, unified_symbol
from alphaloop.data.csvfiles import FileName, parse_file_name
from alphaloop.data.paths import DEFAULT_DATA_DIR, DEFAULT_STORE_DIR
from alphaloop.data.timeframes import align_down, align_up
from alphaloop.model import ConfigurationError


@pytest.mark.parametrize(
    "spelling",
    ["BTC/USDT:USDT", "btc/usdt:usdt", "BTC/USDT", "cmt_btcusdt", "PERP_BTC_USDT", "BTCUSDT", "btcusdt"],
)
def test_every_known_spelling_maps_to_the_unified_symbol(spelling: str) -> None:
    assert unified_symbol(spelling) == "BTC/USDT:USDT"
    assert file_stem(spelling) == "BTCUSDT"


def test_bare_pairs_keep_multi_letter_bases() -> None:
    assert unified_symbol("DOGEUSDT") == "DOGE/USDT:USDT"
    assert unified_symbol("1000PEPEUSDT") == "1000PEPE/USDT:USDT"


@pytest.mark.parametrize("spelling", ["BTC", "USDT", "BTC-USDT", "cmt_", "PERP_BTC", ""])
def test_unknown_spellings_are_configuration_errors(spelling: str) -> None:
    with pytest.raises(ConfigurationError):
        unified_symbol(spelling)


def test_alignment_of_hours_and_mondays() -> None:
    ts = 1_735_693_200_000 + 123  # 2025-01-01 01:00:00.123, a Wednesday
    assert align_down(ts, "1h") == 1_735_693_200_000
    assert align_up(ts, "1h") == 1_735_696_800_000
    assert align_up(1_735_693_200_000, "1h") == 1_735_693_200_000
    assert align_down(ts, "1w") == 1_735_516_800_000  # Monday 2024-12-30


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("BTCUSDT-1h.csv.gz", FileName("BTCUSDT", "candles", "1h")),
        ("ethusdt-5m.csv", FileName("ETHUSDT", "candles", "5m")),
        ("SOLUSDT-funding.csv.gz", FileName("SOLUSDT", "funding", None)),
        ("BTCUSDT-2h.csv.gz", None),
        ("BTCUSDT-1h.parquet", None),
        ("README.md", None),
    ],
)
def test_data_file_names(name: str, expected: FileName | None) -> None:
    assert parse_file_name(Path(name)) == expected


def test_default_folders_agree_with_the_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("ALPHALOOP_DATA_DIR", raising=False)
    monkeypatch.delenv("ALPHALOOP_STORE_DIR", raising=False)
    monkeypatch.chdir(tmp_path)  # no alphaloop.toml or .env here
    settings = load_settings(None)
    # from a folder where ../shared/data does not exist, the one beside the checkout is used
    beside = Path(__file__).resolve().parents[3].parent / "shared" / "data"
    expected = beside if beside.is_dir() else DEFAULT_DATA_DIR
    assert (settings.data_dir, settings.store_dir) == (expected, DEFAULT_STORE_DIR)
    assert (resolve_data_dir(), resolve_store_dir()) == (expected, DEFAULT_STORE_DIR)

    monkeypatch.setenv("ALPHALOOP_STORE_DIR", str(tmp_path / "s"))
    monkeypatch.setenv("ALPHALOOP_DATA_DIR", str(tmp_path / "d"))
    settings = load_settings(None)
    assert settings.store_dir == resolve_store_dir() == tmp_path / "s"
    assert settings.data_dir == resolve_data_dir() == tmp_path / "d"
    assert resolve_store_dir(Path("x")) == Path("x")
