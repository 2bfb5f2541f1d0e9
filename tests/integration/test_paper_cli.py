"""`alphaloop paper` and `alphaloop live` as real subprocesses against the WEEX simulator on loopback.

One short drill per module, driven like the chaos drill but without faults: the trader decides
bar after bar while the test advances simulated time; a second `alphaloop paper` on the same
journal is refused by the single-instance lock while the first runs; SIGINT stops the first one.
The tests then hold the journal against the simulator and against `alphaloop audit`.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.kit.data import data_dir
from tests.kit.paper import (
    CHURN_LIMITS,
    HOUR_MS,
    CliProcess,
    clean_env,
    decided,
    journal_positions,
    paper_args,
    query,
    run_cli,
    settled,
    wait_for,
)
from tests.kit.sim_server import API_KEY, PASSPHRASE, SECRET, START_MS, account, live_sim, sim_config

#: the random strategy's signals for bars 0..3 with seed 4 at 0.3 per bar: BTC short, then long
#: (a reversal: the short is closed first), ETH short: entries, an exit, positions left open
BARS = 3
SEED = 4


@dataclass(frozen=True)
class Drill:
    db: Path
    log: str
    exit_code: int
    second: subprocess.CompletedProcess[str]
    first_alive_after_second: bool
    second_left_no_journal: bool
    venue_fill_ids: set[str]
    base_url: str
    venue_orders: list[tuple[str, str]]
    uploaded_order_ids: list[str]
    venue_positions: dict[tuple[str, str], Decimal]
    env: dict[str, str]
    cwd: Path


def _env(tmp: Path) -> dict[str, str]:
    return clean_env(
        WEEX_API_KEY=API_KEY,
        WEEX_SECRET_KEY=SECRET,
        WEEX_PASSPHRASE=PASSPHRASE,
        ALPHALOOP_DATA_DIR=str(data_dir()),
        ALPHALOOP_STORE_DIR=str(tmp / "store"),
        **CHURN_LIMITS,
    )


@pytest.fixture(scope="module")
def drill(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Drill]:
    tmp = tmp_path_factory.mktemp("paper")
    db = tmp / "journal.sqlite"
    env = _env(tmp)
    with live_sim(sim_config(accounts=(account(),))) as server:
        args = paper_args(server.base_url, db, seed=SEED)
        trader = CliProcess(args, env, tmp / "paper.log")
        try:
            trader.start()
            wait_for(decided(db, START_MS), "the first decision", trader)
            # the same account through another journal: refused all the same (issue 12, defect 3)
            other_db = tmp / "other.sqlite"
            second = run_cli(paper_args(server.base_url, other_db, seed=SEED), env, cwd=tmp, timeout=30)
            second_left_no_journal = not other_db.exists()
            first_alive_after_second = trader.alive()
            with httpx.Client(base_url=server.base_url, timeout=5) as admin:
                for bar in range(1, BARS + 1):
                    admin.post("/__admin/advance", json={"ms": HOUR_MS}).raise_for_status()
                    wait_for(decided(db, START_MS + bar * HOUR_MS), f"the decision of bar {bar}", trader)
            wait_for(settled(db), "fills reconciled and AI logs uploaded", trader)
            exit_code = trader.stop(signal.SIGINT)
        finally:
            trader.kill()
        exchange = server.sim.exchange
        orders: list[Any] = [*exchange.orders(API_KEY), *exchange.trigger_orders(API_KEY, open_only=False)]
        yield Drill(
            db=db,
            log=trader.output(),
            exit_code=exit_code,
            second=second,
            first_alive_after_second=first_alive_after_second,
            second_left_no_journal=second_left_no_journal,
            venue_fill_ids={str(f.id) for f in exchange.fills(API_KEY)},
            base_url=server.base_url,
            venue_orders=[(o.client_order_id, o.id) for o in orders if o.client_order_id],
            uploaded_order_ids=[str(log.parsed.get("orderId")) for log in server.sim.ai_logs],
            venue_positions={
                (p.symbol, p.side.value): p.size for p in exchange.positions(API_KEY) if p.size > 0
            },
            env=env,
            cwd=tmp,
        )


@pytest.mark.timeout(120)
def test_sigint_stops_the_paper_trader_gracefully(drill: Drill) -> None:
    assert drill.exit_code == 0, drill.log[-4000:]
    assert "Traceback" not in drill.log, drill.log[-4000:]
    assert "stopped after" in drill.log
    events = query(drill.db, "select kind, message from events order by id")
    assert events[-1] == ("shutdown", "stop requested")
    runs = query(drill.db, "select ended_ms, end_reason from runs")
    assert len(runs) == 1, runs
    ended_ms, reason = runs[0]
    assert ended_ms is not None
    assert reason == "stop requested"


@pytest.mark.timeout(120)
def test_paper_orders_reach_the_simulator_once_with_their_ai_logs(drill: Drill) -> None:
    orders = query(drill.db, "select client_oid, venue_order_id, status, purpose, symbol from orders")
    entries = [row for row in orders if row[3] == "entry"]
    assert {row[4] for row in entries} == {"BTC/USDT:USDT", "ETH/USDT:USDT"}, drill.log[-3000:]
    assert any(row[3] == "exit" for row in orders)
    counts = Counter(oid for oid, _ in drill.venue_orders)
    assert all(n == 1 for n in counts.values()), counts
    # the journal knows every order the venue has, under the same ids, and nothing else was sent
    assert dict(drill.venue_orders) == {oid: venue_id for oid, venue_id, *_ in orders}
    assert all(status in ("filled", "untriggered", "canceled") for _, _, status, *_ in orders)
    # each AI log is uploaded to the venue, bound to its order id
    logs = query(drill.db, "select client_oid, order_id, status from ai_logs where client_oid is not null")
    assert {oid for oid, *_ in logs} == {row[0] for row in orders}
    assert all(status == "uploaded" for *_, status in logs)
    assert {venue_id for _, venue_id, *_ in orders} <= set(drill.uploaded_order_ids)


@pytest.mark.timeout(120)
def test_paper_journal_positions_equal_the_simulator(drill: Drill) -> None:
    assert drill.venue_positions, "the comparison must not be vacuous"
    assert journal_positions(drill.db) == drill.venue_positions


@pytest.mark.timeout(120)
def test_a_second_paper_trader_on_the_same_account_is_refused_whatever_its_journal(drill: Drill) -> None:
    output = drill.second.stdout + drill.second.stderr
    assert drill.second.returncode == 2, output
    (line,) = [line for line in output.splitlines() if line.startswith("alphaloop:")]
    assert "another alphaloop process holds" in line
    assert f"journal {drill.db}" in line
    assert ".lock (pid " in line
    assert API_KEY not in output
    assert "Traceback" not in output
    assert drill.first_alive_after_second, "it gave up at once instead of waiting for the lock"
    assert drill.second_left_no_journal
    # the refused process left no trace in the first journal either: one run, one startup
    assert len(query(drill.db, "select id from runs")) == 1
    assert [kind for (kind,) in query(drill.db, "select kind from events")].count("startup") == 1


@pytest.mark.timeout(120)
def test_paper_against_the_simulator_runs_on_its_simulated_clock(drill: Drill) -> None:
    """Issue 12, defects 4 and 7: decisions, runs and fills carry the simulator's time (months
    before the wall clock), and the journal has every venue fill (the look-back starts from it)."""
    end = START_MS + (BARS + 1) * HOUR_MS
    created = [row[0] for row in query(drill.db, "select created_ms from decisions")]
    assert created
    assert all(START_MS <= at <= end for at in created), created
    (started,) = query(drill.db, "select started_ms from runs")
    assert START_MS <= started[0] <= end
    fills = {str(row[0]) for row in query(drill.db, "select trade_id from fills")}
    assert drill.venue_fill_ids, "the comparison must not be vacuous"
    assert fills == drill.venue_fill_ids


@pytest.mark.timeout(120)
def test_audit_passes_on_the_paper_journal(drill: Drill) -> None:
    audit = run_cli(["audit", "--db", str(drill.db)], drill.env, cwd=drill.cwd)
    assert audit.returncode == 0, audit.stdout + audit.stderr


@pytest.mark.timeout(120)
def test_audit_against_the_venue_passes_and_fails_when_a_fill_is_missing(
    drill: Drill, tmp_path: Path
) -> None:
    args = ["audit", "--venue", "weex", "--base-url", drill.base_url, "--json", "--db"]
    audit = run_cli([*args, str(drill.db)], drill.env, cwd=drill.cwd)
    assert audit.returncode == 0, audit.stdout + audit.stderr
    checks = {c["name"]: c for c in json.loads(audit.stdout)["checks"]}
    assert checks["venue_fills_equal"]["passed"]
    assert checks["venue_orders_known"]["passed"]
    # a journal that lost a fill and an order: the venue check names both
    broken = tmp_path / "broken.sqlite"
    with sqlite3.connect(drill.db) as source, sqlite3.connect(broken) as copy:
        source.backup(copy)  # the journal is in WAL mode: a file copy could miss its tables
    source.close()
    copy.close()
    with sqlite3.connect(broken) as sql:
        sql.execute("delete from fills where trade_id = (select min(trade_id) from fills)")
        sql.execute(
            "delete from orders where client_oid ="
            " (select min(client_oid) from orders where purpose = 'entry')"
        )
    sql.close()
    audit = run_cli([*args, str(broken)], drill.env, cwd=drill.cwd)
    assert audit.returncode == 1, audit.stdout + audit.stderr
    failed = {c["name"] for c in json.loads(audit.stdout)["checks"] if not c["passed"]}
    assert {"venue_fills_equal", "venue_orders_known"} <= failed


@pytest.mark.timeout(60)
def test_live_without_confirm_live_exits_2_and_says_so(tmp_path: Path) -> None:
    env = clean_env(
        WEEX_API_KEY=API_KEY,
        WEEX_SECRET_KEY=SECRET,
        WEEX_PASSPHRASE=PASSPHRASE,
        ALPHALOOP_WEEX__BASE_URL="http://127.0.0.1:9",
    )

    result = run_cli(["live", "--strategy", "random", "--db", str(tmp_path / "j.sqlite")], env, cwd=tmp_path)

    assert result.returncode == 2, result.stdout + result.stderr
    assert "--confirm-live" in result.stderr
    assert "real orders" in result.stderr
    assert not (tmp_path / "j.sqlite").exists()
