"""Make `tests.kit` importable: `tests/unit/sim/` has no `__init__.py`, so pytest roots this package
at `tests/unit/sim` instead of the repository."""

from __future__ import annotations

import sys
from pathlib import Path

_REPO_ROOT = str(Path(__file__).resolve().parents[4])
if _REPO_ROOT not in sys.path:
    sys.path.insert(0, _REPO_ROOT)
