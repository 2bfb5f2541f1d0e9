"""Where market data lives by default: the same defaults and variables as `alphaloop.config.Settings`.

Read from the environment directly (not through `Settings`) so that `load_frame` works without a
configuration file; the CLI passes the configured folders explicitly.
"""

from __future__ import annotations

import os
from pathlib import Path

from alphaloop.defaults import default_data_dir

DATA_DIR_ENV = "ALPHALOOP_DATA_DIR"
STORE_DIR_ENV = "ALPHALOOP_STORE_DIR"
#: The shared CSV folder beside the repository (../shared/data/README.md).
DEFAULT_DATA_DIR = Path("../shared/data")
#: The Parquet store, relative to the working directory.
DEFAULT_STORE_DIR = Path("data/store")


def resolve_data_dir(data_dir: Path | None = None) -> Path:
    """`data_dir`, else `ALPHALOOP_DATA_DIR`, else `../shared/data` (from any working directory)."""
    if data_dir is not None:
        return data_dir
    configured = os.environ.get(DATA_DIR_ENV)
    return Path(configured) if configured else default_data_dir()


def resolve_store_dir(store_dir: Path | None = None) -> Path:
    """`store_dir`, else `ALPHALOOP_STORE_DIR`, else `data/store`."""
    if store_dir is not None:
        return store_dir
    configured = os.environ.get(STORE_DIR_ENV)
    return Path(configured) if configured else DEFAULT_STORE_DIR
