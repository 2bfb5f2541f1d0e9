"""Driving `alphaloop` as a real subprocess: the command line, a clean environment, a paper-trading
process to start, signal and stop, and read-only looks into its SQLite journal while it runs.

The simulator runs with frozen market time (`speed=0`); a test advances it bar by bar through the
admin API and waits for the trader's decision of each bar (`wait_for(decided(db, close_ms))`).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

HOUR_MS = 3_600_000
CLI = (sys.executable, "-c", "from alphaloop.cli.main import main; main()")
#: the drills churn on purpose and simulated hours pass in wall seconds, while the gate measures
#: wall time: its frequency limits would deny most entries
CHURN_LIMITS = {
    "ALPHALOOP_RISK__MIN_ENTRY_INTERVAL_S": "0.5",
    "ALPHALOOP_RISK__MAX_ORDERS_PER_HOUR": "100000",
    "ALPHALOOP_RISK__MAX_OPEN_POSITIONS": "8",
    "ALPHALOOP_RISK__MAX_TOTAL_NOTIONAL": "8",
    "ALPHALOOP_RISK__MAX_MARGIN_USE": "0.9",
}


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without any alphaloop setting or venue key, plus `extra`;
    wide columns so rich does not wrap the lines a test reads."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WEEX_", "WOOX_", "ALPHALOOP_"))}
    # account locks live in a runtime folder: one per environment, so tests never share a lock
    runtime = tempfile.mkdtemp(prefix="alphaloop-test-run-")
    env.update(PYTHONUNBUFFERED="1", COLUMNS="250", NO_COLOR="1", ALPHALOOP_RUNTIME_DIR=runtime)
    env.update(extra)
    return env


def run_cli(
    args: Sequence[str], env: dict[str, str], *, cwd: Path | None = None, timeout: float = 60.0
) -> subprocess.CompletedProcess[str]:
    """`alphaloop ARGS` to completion, output captured as text. Give a `cwd` in tmp_path: commands
    write default folders (data/, reports/) relative to it."""
    return subprocess.run([*CLI, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout)


def paper_args(
    base_url: str,
    db: Path,
    *,
    venue: str = "weex",
    symbols: Sequence[str] = ("BTC/USDT:USDT", "ETH/USDT:USDT"),
    seed: int = 0,
    entry_rate: float = 0.3,
    hold_bars: int = 2,
    maintain: float = 0.5,
) -> list[str]:
    """`alphaloop paper` against a simulator endpoint with the random strategy, polling fast."""
    return [
        "paper",
        "--venue",
        venue,
        "--base-url",
        base_url,
        "--symbols",
        ",".join(symbols),
        "--strategy",
        "random",
        "--seed",
        str(seed),
        "--entry-rate",
        str(entry_rate),
        "--hold-bars",
        str(hold_bars),
        "--poll",
        "0.05",
        "--maintain",
        str(maintain),
        "--health",
        "5",
        "--db",
        str(db),
    ]


class CliProcess:
    """One `alphaloop` subprocess whose output goes to a log file (read it for failure messages)."""

    def __init__(self, args: Sequence[str], env: dict[str, str], log: Path) -> None:
        self.args, self.env, self.log = list(args), env, log
        #: the log's folder: relative default paths land there, not in the checkout
        self.cwd = log.parent
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> CliProcess:
        with self.log.open("ab") as handle:
            self.proc = subprocess.Popen(
                [*CLI, *self.args], env=self.env, cwd=self.cwd, stdout=handle, stderr=subprocess.STDOUT
            )
        return self

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self, sig: signal.Signals = signal.SIGTERM, *, timeout: float = 30.0) -> int:
        """Send `sig` and wait for the exit code; a process that ignores it is killed (and the
        caller sees -9, never a hang)."""
        assert self.proc is not None, "not started"
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                return self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                return self.proc.wait(10)
        return self.proc.returncode

    def kill(self) -> None:
        """For clean-up after a failed test: no-op when the process has exited."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


def wait_for(predicate: Callable[[], Any], what: str, process: CliProcess, *, timeout: float = 30.0) -> None:
    """Poll `predicate` until truthy; fail with the process's output if it exits or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if not process.alive():
            raise AssertionError(f"the process exited while waiting for {what}:\n{process.output()[-4000:]}")
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}:\n{process.output()[-4000:]}")


def query(db: Path, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Read-only rows of a journal another process may be writing; [] while it does not exist yet."""
    if not db.exists():
        return []
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=2) as conn:
            return conn.execute(sql, tuple(params)).fetchall()
    except sqlite3.Error:
        return []


def decided(db: Path, close_ms: int) -> Callable[[], bool]:
    """A predicate: the trader has recorded its decision for the bar closing at `close_ms`."""
    return lambda: bool(query(db, "select 1 from decisions where bar_close_ms = ?", (close_ms,)))


def settled(db: Path) -> Callable[[], bool]:
    """A predicate: no order in doubt and every AI log uploaded."""

    def check() -> bool:
        rows = query(
            db,
            "select (select count(*) from orders where status in ('pending', 'sent', 'unknown')),"
            " (select count(*) from ai_logs where status != 'uploaded')",
        )
        return bool(rows) and rows[0] == (0, 0)

    return check


def journal_positions(db: Path) -> dict[tuple[str, str], Decimal]:
    """The positions of the journal's latest account snapshot, keyed (symbol, side). The latest
    equity point says when that was: no position rows at that instant means flat."""
    latest = query(db, "select max(at_ms) from equity")
    if not latest or latest[0][0] is None:
        return {}
    rows = query(db, "select symbol, side, size from position_snapshots where at_ms = ?", (latest[0][0],))
    return {(symbol, side): Decimal(size) for symbol, side, size in rows if Decimal(size) > 0}
