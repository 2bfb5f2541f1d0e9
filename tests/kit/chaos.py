"""The chaos drill: `alphaloop paper` (a real subprocess) against the WEEX simulator on loopback,
with faults injected (429, 5xx, 521, timeouts, connections dropped after an order executed,
+/-40 s clock skew) and the process SIGKILLed mid-run and restarted.

The test drives simulated time one bar at a time and waits for the trader to decide each bar;
at the end it compares the journal with the simulator: duplicate orders, orders without an AI
log, lost AI logs, positions. `tests/integration/chaos/` runs a short drill in `make test`;
`benchmarks/chaos_long.py` runs a long one and prints its figures.
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from alphaloop.model import COMPETITION_SYMBOLS
from alphaloop.venues.sim.server import ServerConfig, run_in_thread
from tests.kit.chaos_woox import WOOX_FAULTS, compare_woox, woox_env, woox_server_config
from tests.kit.data import data_dir
from tests.kit.paper import (
    CHURN_LIMITS,
    HOUR_MS,
    CliProcess,
    clean_env,
    decided,
    journal_positions,
    paper_args,
    run_cli,
    settled,
    wait_for,
)
from tests.kit.sim_server import API_KEY, PASSPHRASE, SECRET, START_MS, account

#: faults on every kind of call the trader makes; terminal faults execute nothing, `drop` executes
#: the order and loses the answer (the unknown-outcome case)
DEFAULT_FAULTS = (
    "placeOrder:drop@n=2; placeOrder:drop@n=6; placeTpSlOrder:drop@n=1;"
    " placeOrder:drop@p=0.15; placeOrder:5xx@p=0.08; placeOrder:521@p=0.04; placeOrder:timeout=2500ms@p=0.05;"
    " placeTpSlOrder:drop@p=0.2; cancel_plan:5xx@p=0.2; *:429@p=0.03; *:502@p=0.02;"
    " uploadAiLog:5xx@p=0.2; allPosition:timeout=2500ms@p=0.02; candles:latency=30ms"
)

#: the same faults on the contract API v3 dialect's endpoint names (`sim serve --dialect weex-v3`)
V3_FAULTS = (
    "v3_placeOrder:drop@n=2; v3_placeOrder:drop@n=6; v3_placeTpSl:drop@n=1;"
    " v3_placeOrder:drop@p=0.15; v3_placeOrder:5xx@p=0.08; v3_placeOrder:521@p=0.04;"
    " v3_placeOrder:timeout=2500ms@p=0.05; v3_placeTpSl:drop@p=0.2; v3_cancelAlgo:5xx@p=0.2;"
    " *:429@p=0.03; *:502@p=0.02; v3_uploadAiLogV2:5xx@p=0.2; v3_allPosition:timeout=2500ms@p=0.02;"
    " v3_klines:latency=30ms"
)
FAULTS_BY_DIALECT = {"weex": DEFAULT_FAULTS, "weex-v3": V3_FAULTS, "woox": WOOX_FAULTS}


@dataclass(frozen=True, slots=True)
class ChaosConfig:
    bars: int = 30
    #: bars after whose advance the trader is SIGKILLed (after a random pause of 0..kill_jitter s)
    kill_after: tuple[int, ...] = (9, 21)
    kill_jitter: float = 0.6
    faults: str = DEFAULT_FAULTS
    #: the bar at which the clock skew flips from +40 s to -40 s
    skew_flip_at: int = 15
    seed: int = 7
    entry_rate: float = 0.2
    hold_bars: int = 3
    bar_timeout: float = 90.0
    #: the simulator dialect, and so the API the trader speaks: "weex" (v2), "weex-v3" or "woox"
    dialect: str = "weex"


@dataclass(slots=True)
class ChaosResult:
    journal: Path
    kills: int = 0
    restarts: int = 0
    bars_decided: int = 0
    sim_orders: int = 0
    sim_trigger_orders: int = 0
    duplicate_client_oids: list[str] = field(default_factory=list)
    venue_orders_without_journal: list[str] = field(default_factory=list)
    orders_without_ai_log: list[str] = field(default_factory=list)
    ai_logs_not_uploaded: list[int] = field(default_factory=list)
    ai_logs_missing_at_venue: list[str] = field(default_factory=list)
    position_mismatches: list[str] = field(default_factory=list)
    faults_fired: dict[str, int] = field(default_factory=dict)
    unknown_outcomes: int = 0
    audit_exit: int | None = None
    audit_output: str = ""
    elapsed: float = 0.0
    trader_log: str = ""


def _env(tmp: Path, dialect: str = "weex") -> dict[str, str]:
    if dialect == "woox":
        return woox_env(tmp)
    return clean_env(
        ALPHALOOP_WEEX__API="v3" if dialect == "weex-v3" else "v2",
        WEEX_API_KEY=API_KEY,
        WEEX_SECRET_KEY=SECRET,
        WEEX_PASSPHRASE=PASSPHRASE,
        # shorter than the injected 2.5 s hangs: a timeout is seen as one
        ALPHALOOP_WEEX__TIMEOUT_SECONDS="1.5",
        ALPHALOOP_DATA_DIR=str(data_dir()),
        ALPHALOOP_STORE_DIR=str(tmp / "store"),
        # drills churn on purpose, and simulated hours pass in wall seconds here
        **CHURN_LIMITS,
    )


@contextmanager
def _simulator(config: ChaosConfig) -> Iterator[Any]:
    server_config = (
        woox_server_config(config.seed)
        if config.dialect == "woox"
        else ServerConfig(
            accounts=(account(),),
            data_dir=data_dir(),
            start_ms=START_MS,
            speed=0.0,
            admin=True,
            seed=config.seed,
            dialect="weex-v3" if config.dialect == "weex-v3" else "weex",
        )
    )
    with run_in_thread(server_config) as server:
        yield server


def run_chaos(tmp: Path, config: ChaosConfig) -> ChaosResult:
    db = tmp / "journal.sqlite"
    result = ChaosResult(journal=db)
    rng = random.Random(config.seed)
    started = time.monotonic()
    with _simulator(config) as server, httpx.Client(base_url=server.base_url, timeout=10) as admin:
        args = paper_args(
            server.base_url,
            db,
            symbols=COMPETITION_SYMBOLS,
            seed=config.seed,
            entry_rate=config.entry_rate,
            hold_bars=config.hold_bars,
            venue="woox" if config.dialect == "woox" else "weex",
            # WOO X allows 30 position reads per 10 s: a slow upkeep leaves them to the bar cycles
            maintain=5.0 if config.dialect == "woox" else 0.5,
        )
        trader = CliProcess(args, _env(tmp, config.dialect), tmp / "trader.log")
        admin.post("/__admin/faults", json={"spec": f"*:skew=+40s; {config.faults}"}).raise_for_status()
        # the trader runs on the simulator's clock (skew included): standing a minute after each bar
        # close, a -40 s skew cannot make a frozen clock report a moment before the close for ever
        admin.post("/__admin/advance", json={"ms": 60_000}).raise_for_status()
        trader.start()
        wait_for(decided(db, START_MS), "the first decision", trader, timeout=config.bar_timeout)
        for bar in range(1, config.bars + 1):
            if bar == config.skew_flip_at:
                admin.post(
                    "/__admin/faults", json={"spec": f"*:skew=-40s; {config.faults}"}
                ).raise_for_status()
            admin.post("/__admin/advance", json={"ms": HOUR_MS}).raise_for_status()
            close = START_MS + bar * HOUR_MS
            if bar in config.kill_after:
                time.sleep(rng.uniform(0.0, config.kill_jitter))
                trader.kill()
                result.kills += 1
                trader.start()
                result.restarts += 1
            wait_for(decided(db, close), f"bar {bar}", trader, timeout=config.bar_timeout)
        result.faults_fired = dict(admin.get("/__admin/faults").json().get("fired", {}))
        admin.post("/__admin/faults", json={"spec": ""}).raise_for_status()
        wait_for(settled(db), "reconciliation and AI-log uploads", trader, timeout=config.bar_timeout)
        exit_code = trader.stop(timeout=60)
        if exit_code != 0:
            raise AssertionError(f"the trader exited with {exit_code}:\n{trader.output()[-4000:]}")
        result.trader_log = trader.output()
        if config.dialect == "woox":
            compare_woox(server, db, tmp, result)
        else:
            _compare(server.sim, db, result)
    audit = run_cli(["audit", "--db", str(db)], _env(tmp, config.dialect), timeout=120)
    result.audit_exit, result.audit_output = audit.returncode, audit.stdout + audit.stderr
    result.elapsed = time.monotonic() - started
    return result


def _compare(sim: Any, db: Path, result: ChaosResult) -> None:
    exchange = sim.exchange
    account_id = API_KEY
    orders = exchange.orders(account_id)
    triggers = exchange.trigger_orders(account_id, open_only=False)
    ours = [o for o in orders if o.client_order_id] + [t for t in triggers if t.client_order_id]
    result.sim_orders, result.sim_trigger_orders = len(orders), len(triggers)
    counts = Counter(o.client_order_id for o in ours)
    result.duplicate_client_oids = sorted(c for c, n in counts.items() if n > 1 and c is not None)
    with sqlite3.connect(db) as conn:
        journal_orders = {
            row[0]: row[1:] for row in conn.execute("select client_oid, venue_order_id, status from orders")
        }
        logs = {
            row[0]: row[1:]
            for row in conn.execute(
                "select client_oid, status, order_id from ai_logs where client_oid is not null"
            )
        }
        result.ai_logs_not_uploaded = [
            row[0] for row in conn.execute("select id from ai_logs where status != 'uploaded'")
        ]
        result.bars_decided = conn.execute("select count(*) from decisions").fetchone()[0]
        result.unknown_outcomes = conn.execute(
            "select count(distinct client_oid) from order_events where status = 'unknown'"
        ).fetchone()[0]
    for order in ours:
        oid = order.client_order_id
        if oid not in journal_orders:
            result.venue_orders_without_journal.append(f"{oid} ({order.id})")
            continue
        if oid not in logs:
            result.orders_without_ai_log.append(oid)
    uploaded_order_ids = {str(log.parsed.get("orderId")) for log in sim.ai_logs}
    for oid, (venue_id, _status) in journal_orders.items():
        if venue_id is not None and venue_id not in uploaded_order_ids:
            result.ai_logs_missing_at_venue.append(f"{oid} ({venue_id})")
    venue_positions = {(p.symbol, p.side.value): p.size for p in exchange.positions(account_id) if p.size > 0}
    journal = journal_positions(db)
    if venue_positions != journal:
        result.position_mismatches.append(f"venue {venue_positions} != journal {journal}")
