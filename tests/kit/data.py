"""Where tests find the shared market data: ALPHALOOP_DATA_DIR, else ../shared/data beside the repo."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def data_dir() -> Path:
    configured = os.environ.get("ALPHALOOP_DATA_DIR")
    path = Path(configured) if configured else REPO_ROOT.parent / "shared" / "data"
    if not (path / "BTCUSDT-1h.csv.gz").is_file():
        pytest.fail(f"market data not found in {path}: set ALPHALOOP_DATA_DIR to the shared data folder")
    return path
