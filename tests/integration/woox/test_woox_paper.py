"""Issue 7: paper trading runs on the WOO X dialect end to end.

`alphaloop paper --venue woox --base-url ...` (a real subprocess) trades the simulator's WOO X
dialect on loopback with the simulated account's keys. The test advances simulated time bar by
bar, waits for each decision, stops the trader with SIGTERM, then holds the journal against the
simulator: every order reached it, every order has an AI log (WOO X has no AI-log endpoint, so
the venue appends them to a JSONL file), the positions agree, and `alphaloop audit` passes.
"""

from __future__ import annotations

import json
import signal
from decimal import Decimal
from pathlib import Path

import pytest

from alphaloop.venues.sim.server import RunningServer
from alphaloop.venues.sim.server.woox.app import WooxSimulatorApp
from alphaloop.venues.woox.parse import wire_client_id
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
from tests.kit.woox_sim import API_KEY, SECRET, START_MS, Admin, live_woox_sim

#: the decisions of bars 0..2 (seed 0) open, close and reopen a BTC short: orders of both kinds,
#: an open position at the end
BARS = 2


def _orders_by_client_id(server: RunningServer) -> list[tuple[str, str]]:
    """(wire client id, venue id) of every order the account placed with a client id: ordinary
    orders (exits) and algo roots (an entry with a stop-loss is a BRACKET algo order)."""
    app = server.app
    assert isinstance(app, WooxSimulatorApp)
    plain = [(str(o.client_order_id), o.id) for o in app.sim.exchange.orders(API_KEY) if o.client_order_id]
    algos = [
        (str(r.client_id), r.id)
        for r in app.world.algos.records.values()
        if r.account_id == API_KEY and r.parent_id is None and r.client_id is not None
    ]
    return plain + algos


@pytest.mark.timeout(120)
def test_paper_trades_the_woox_dialect_end_to_end(tmp_path: Path) -> None:
    db = tmp_path / "journal.sqlite"
    ai_log_file = tmp_path / "woox-ai-logs.jsonl"
    env = clean_env(
        WOOX_API_KEY=API_KEY,
        WOOX_API_SECRET=SECRET,
        ALPHALOOP_WOOX__AI_LOG_FILE=str(ai_log_file),
        ALPHALOOP_DATA_DIR=str(data_dir()),
        ALPHALOOP_STORE_DIR=str(tmp_path / "store"),
        **CHURN_LIMITS,
    )
    with live_woox_sim() as server:
        admin = Admin(server.base_url)
        # WOO X allows 30 position reads per 10 s; a cycle spends about 8 and an upkeep 3 or 4, so
        # a slow upkeep leaves the budget to the bar cycles (the client would wait for it otherwise)
        args = paper_args(server.base_url, db, venue="woox", maintain=5.0)
        trader = CliProcess(args, env, tmp_path / "paper.log")
        try:
            trader.start()
            wait_for(decided(db, START_MS), "the first decision", trader)
            for bar in range(1, BARS + 1):
                admin.advance(HOUR_MS)
                wait_for(decided(db, START_MS + bar * HOUR_MS), f"the decision of bar {bar}", trader)
            wait_for(settled(db), "fills reconciled and AI logs written", trader)
            exit_code = trader.stop(signal.SIGTERM)
        finally:
            trader.kill()
        log = trader.output()
        assert exit_code == 0, log[-4000:]
        assert "Traceback" not in log, log[-4000:]
        venue_orders = _orders_by_client_id(server)
        exchange = server.sim.exchange
        venue_positions = {
            (p.symbol, p.side.value): p.size for p in exchange.positions(API_KEY) if p.size > 0
        }

    orders = query(db, "select client_oid, venue_order_id, status, purpose from orders")
    assert sum(purpose != "stop_loss" for *_, purpose in orders) >= 3, (
        f"the random strategy at 0.3 per bar must have traded:\n{log[-3000:]}"
    )
    # every order of the journal reached the simulator under its client id, once, and nothing else
    # did (WOO X client ids are integers: the adapter sends a hash of ours)
    wire = {str(wire_client_id(row[0])): row for row in orders}
    assert sorted(wire) == sorted(number for number, _ in venue_orders)
    for number, venue_id in venue_orders:
        _, journal_venue_id, status, purpose = wire[number]
        assert journal_venue_id == venue_id
        if purpose != "stop_loss":
            assert status == "filled"  # market orders on a liquid simulated book
    # every order has its AI log, uploaded: a JSONL line bound to the venue's order id
    logs = query(db, "select client_oid, status from ai_logs where client_oid is not null")
    assert {oid for oid, _ in logs} == {row[0] for row in orders}
    assert all(status == "uploaded" for _, status in logs)
    lines = [json.loads(line) for line in ai_log_file.read_text().splitlines()]
    uploaded = {line["output"]["order"]["client_oid"]: str(line["order_id"]) for line in lines}
    assert uploaded == {oid: venue_id for oid, venue_id, _, _ in orders}
    assert all(line["venue"] == "woox" and line["explanation"] and line["stage"] for line in lines)
    # the venue is the truth: the journal's last account snapshot agrees with it
    assert venue_positions, "the comparison below must not be vacuous"
    assert journal_positions(db) == {key: Decimal(size) for key, size in venue_positions.items()}
    events = [row[0] for row in query(db, "select kind from events order by id")]
    assert events[0] == "startup"
    assert events[-1] == "shutdown"

    audit = run_cli(["audit", "--db", str(db)], env, cwd=tmp_path)
    assert audit.returncode == 0, audit.stdout + audit.stderr
