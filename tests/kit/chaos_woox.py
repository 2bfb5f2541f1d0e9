"""The WOO X side of the chaos drill (`tests/kit/chaos.py` with `dialect="woox"`): the simulator's
WOO X dialect, its keys, its endpoint names for the faults, and the comparison of the journal with
it. Two things differ from WEEX: client order ids are integers on the wire (the adapter sends a
hash of ours, `wire_client_id`), and WOO X has no AI-log endpoint, so "uploaded" means one JSON
line in the venue's `ai_log_file`, bound to the venue's order id.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alphaloop.venues.sim.server import ServerConfig
from alphaloop.venues.woox.parse import wire_client_id
from tests.kit.data import data_dir
from tests.kit.paper import CHURN_LIMITS, clean_env, journal_positions, query
from tests.kit.woox_sim import API_KEY, SECRET, START_MS, account

if TYPE_CHECKING:
    from tests.kit.chaos import ChaosResult

#: the WEEX drill's faults on WOO X's endpoint names: ordinary orders (exits), algo orders (an
#: entry with a stop-loss is a BRACKET algo order), their cancels, positions and candles
WOOX_FAULTS = (
    "placeOrder:drop@n=2; placeAlgoOrder:drop@n=2; placeAlgoOrder:drop@n=5;"
    " placeOrder:drop@p=0.15; placeAlgoOrder:drop@p=0.15; placeOrder:5xx@p=0.08;"
    " placeAlgoOrder:5xx@p=0.08; placeOrder:521@p=0.04; placeAlgoOrder:timeout=2500ms@p=0.05;"
    " placeOrder:timeout=2500ms@p=0.05; cancelAlgoOrder:5xx@p=0.2; *:429@p=0.03; *:502@p=0.02;"
    " positions:timeout=2500ms@p=0.02; kline:latency=30ms"
)
#: the trader's AI-log file, in the drill's folder
AI_LOG_FILE = "woox-ai-logs.jsonl"


def woox_env(tmp: Path) -> dict[str, str]:
    return clean_env(
        WOOX_API_KEY=API_KEY,
        WOOX_API_SECRET=SECRET,
        ALPHALOOP_WOOX__AI_LOG_FILE=str(tmp / AI_LOG_FILE),
        # shorter than the injected 2.5 s hangs: a timeout is seen as one
        ALPHALOOP_WOOX__TIMEOUT_SECONDS="1.5",
        ALPHALOOP_DATA_DIR=str(data_dir()),
        ALPHALOOP_STORE_DIR=str(tmp / "store"),
        **CHURN_LIMITS,
    )


def woox_server_config(seed: int) -> ServerConfig:
    return ServerConfig(
        accounts=(account(),),
        data_dir=data_dir(),
        start_ms=START_MS,
        speed=0.0,
        admin=True,
        seed=seed,
        dialect="woox",
    )


def compare_woox(server: Any, db: Path, tmp: Path, result: ChaosResult) -> None:
    """What `chaos._compare` does for WEEX, with WOO X's integer client ids and JSONL AI logs."""
    app = server.app
    exchange = server.sim.exchange
    plain = [(str(o.client_order_id), o.id) for o in exchange.orders(API_KEY) if o.client_order_id]
    roots = [
        r
        for r in app.world.algos.records.values()
        if r.account_id == API_KEY and r.parent_id is None and r.client_id is not None
    ]
    algos = [(str(r.client_id), r.id) for r in roots]
    result.sim_orders, result.sim_trigger_orders = len(exchange.orders(API_KEY)), len(roots)
    ours = plain + algos
    counts = Counter(number for number, _ in ours)
    result.duplicate_client_oids = sorted(number for number, n in counts.items() if n > 1)
    journal = {
        str(wire_client_id(oid)): (oid, venue_id)
        for oid, venue_id in query(db, "select client_oid, venue_order_id from orders")
    }
    logged = {row[0] for row in query(db, "select client_oid from ai_logs where client_oid is not null")}
    result.ai_logs_not_uploaded = [
        row[0] for row in query(db, "select id from ai_logs where status != 'uploaded'")
    ]
    result.bars_decided = query(db, "select count(*) from decisions")[0][0]
    result.unknown_outcomes = query(
        db, "select count(distinct client_oid) from order_events where status = 'unknown'"
    )[0][0]
    for number, venue_id in ours:
        if number not in journal:
            result.venue_orders_without_journal.append(f"{number} ({venue_id})")
        elif journal[number][0] not in logged:
            result.orders_without_ai_log.append(journal[number][0])
    path = tmp / AI_LOG_FILE
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    stored = {str(json.loads(line).get("order_id")) for line in lines if line.strip()}
    for oid, venue_id in journal.values():
        if venue_id is not None and venue_id not in stored:
            result.ai_logs_missing_at_venue.append(f"{oid} ({venue_id})")
    venue_positions = {(p.symbol, p.side.value): p.size for p in exchange.positions(API_KEY) if p.size > 0}
    mine = journal_positions(db)
    if venue_positions != mine:
        result.position_mismatches.append(f"venue {venue_positions} != journal {mine}")
