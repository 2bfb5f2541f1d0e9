"""Default locations that must not depend on the working directory.

The shared market data sits beside the checkout (`<checkout>/../shared/data`). Relative to the
working directory that only holds when a command runs from the checkout root; from anywhere else
the folder beside the checkout this package was installed from (editable installs) is used.
"""

from __future__ import annotations

from pathlib import Path

#: as written in docs and settings: relative to the working directory
RELATIVE_DATA_DIR = Path("../shared/data")


def default_data_dir() -> Path:
    """`../shared/data` if it exists from here, else the one beside this checkout, else the
    relative path (whose absence the loader then reports with the remedies)."""
    if RELATIVE_DATA_DIR.is_dir():
        return RELATIVE_DATA_DIR
    checkout = Path(__file__).resolve().parents[2]  # src/alphaloop/defaults.py -> checkout root
    beside = checkout.parent / "shared" / "data"
    if (checkout / "pyproject.toml").is_file() and beside.is_dir():
        return beside
    return RELATIVE_DATA_DIR
