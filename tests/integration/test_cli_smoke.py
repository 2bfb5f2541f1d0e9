"""The `alphaloop` console script as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from alphaloop import __version__

pytestmark = pytest.mark.integration


def run(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("WEEX_", "ALPHALOOP_", "WOOX_"))}
    clean.update(env, COLUMNS="200")
    return subprocess.run(
        [sys.executable, "-m", "alphaloop.cli.main", *args],
        capture_output=True, text=True, cwd=cwd, env=clean, timeout=60,
    )  # fmt: skip


def test_version(tmp_path: Path) -> None:
    result = run("version", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip() == __version__


def test_demo_without_data_stops_with_one_clear_line(tmp_path: Path) -> None:
    result = run("demo", "--data", str(tmp_path / "empty"), cwd=tmp_path)
    assert result.returncode == 2
    assert "no market data" in result.stderr
    assert "ALPHALOOP_DATA_DIR" in result.stderr


def test_invalid_configuration_lists_every_problem_and_exits_2(tmp_path: Path) -> None:
    (tmp_path / "alphaloop.toml").write_text(
        "[competition]\nmax_leverage = 25\n[weex]\ntimeout_seconds = 0\n"
    )
    result = run("qualify", cwd=tmp_path, ALPHALOOP_MODE="wrong")
    assert result.returncode == 2
    text = " ".join(result.stderr.split())
    for problem in ("competition.max_leverage", "weex.timeout_seconds", "mode:"):
        assert problem in text
    assert "Traceback" not in result.stderr
