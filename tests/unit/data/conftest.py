from __future__ import annotations

from pathlib import Path

import pytest

from tests.kit.data import data_dir as shared_data_dir


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The shared market data folder (ALPHALOOP_DATA_DIR), never a copy in the repository."""
    return shared_data_dir()
