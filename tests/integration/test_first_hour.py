"""The first hour after `make run`: look at the trader (`status`), flush an empty AI-log backlog
without keys, and stop a long `run` with Ctrl-C (the report so far, no stale lock)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.kit.data import data_dir
from tests.kit.paper import clean_env, query, run_cli
from tests.kit.wait import eventually

pytestmark = pytest.mark.integration


def _env(tmp: Path) -> dict[str, str]:
    return clean_env(
        ALPHALOOP_DATA_DIR=str(data_dir()),
        ALPHALOOP_STORE_DIR=str(tmp / "store"),
        ALPHALOOP_MODELS_DIR=str(tmp / "models"),
        ALPHALOOP_WEEX__BASE_URL="http://127.0.0.1:9",
    )


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A short `run` on one pair: its report folder (journal inside)."""
    tmp = tmp_path_factory.mktemp("first-hour")
    out = tmp / "report"
    args = ["run", "--strategy", "sma", "--symbols", "BTCUSDT", "--days", "3", "--out", str(out)]
    result = run_cli(args, _env(tmp), cwd=tmp)
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def test_status_reads_the_trader_from_its_journal(finished_run: Path, tmp_path: Path) -> None:
    journal = finished_run / "journal.sqlite"
    result = run_cli(["status", "--db", str(journal), "--json"], _env(tmp_path), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    found = json.loads(result.stdout)
    assert found["mode"] == "replay"
    assert found["running_pid"] is None
    assert found["ended_ms"] is not None
    assert found["cycles"] == query(journal, "select count(*) from decisions")[0][0] > 0
    assert found["model_errors"] == 0
    assert found["equity"] is not None
    table = run_cli(["status", "--db", str(journal)], _env(tmp_path), cwd=tmp_path)
    assert table.returncode == 0
    assert "latest run" in table.stdout
    assert "stopped at" in table.stdout


def test_status_of_a_missing_journal_is_one_line(tmp_path: Path) -> None:
    result = run_cli(["status", "--db", str(tmp_path / "none.sqlite")], _env(tmp_path), cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_ailog_flush_with_an_empty_backlog_needs_no_keys(finished_run: Path, tmp_path: Path) -> None:
    journal = finished_run / "journal.sqlite"
    assert query(journal, "select count(*) from ai_logs where status != 'uploaded'")[0][0] == 0
    result = run_cli(["ailog", "flush", "--db", str(journal)], _env(tmp_path), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "the backlog is empty" in result.stdout


def _decisions(journal: Path) -> int:
    try:
        return int((query(journal, "select count(*) from decisions") or [(0,)])[0][0])
    except Exception:  # the schema is being created
        return 0


def test_ctrl_c_during_run_writes_the_report_so_far_and_leaves_no_lock(tmp_path: Path) -> None:
    out = tmp_path / "report"
    process = subprocess.Popen(
        [sys.executable, "-m", "alphaloop.cli.main", "run", "--strategy", "sma", "--days", "400",
         "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(tmp_path), cwd=tmp_path,
    )  # fmt: skip
    journal = out / "journal.sqlite"
    try:
        eventually(lambda: _decisions(journal) > 5, timeout=90, interval=0.3)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 130, stdout + stderr
    assert "Traceback" not in stderr
    assert "interrupted" in stderr
    assert "the report so far" in stderr
    assert (out / "report.html").is_file()
    assert (out / "summary.json").is_file()
    locks = list(out.glob("journal.sqlite.*.lock"))
    assert all(lock.read_text() == "" for lock in locks)  # released: the pid is gone from the file
