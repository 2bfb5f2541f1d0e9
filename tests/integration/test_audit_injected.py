"""Every audit check can fail: a journal written by the real trader passes `alphaloop audit`, and
each violation injected into a copy of it makes the audit exit 1 naming the check (issue 12,
observed defect 5: checks that could not fail)."""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from alphaloop.cli.main import app
from tests.kit.trading import BTC, ETH, SOL, ScriptedModel, close, open_long, open_short, start_rig, steps

pytestmark = pytest.mark.integration

Sql = sqlite3.Connection


@pytest.fixture(scope="module")
def real_journal(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Eight bars of the real trader with default limits: entries, an exit, stops, fills, AI logs."""
    folder = tmp_path_factory.mktemp("audited")

    async def run() -> Path:
        script = steps([open_long(BTC), open_short(ETH)], [], [close(BTC)], [], [open_long(SOL)])
        rig = await start_rig(folder, ScriptedModel(script))
        await rig.step(8)
        await rig.trader.shutdown("test over")
        rig.journal.close()
        return folder / "j.sqlite"

    return asyncio.run(run())


def audit(db: Path) -> tuple[int, dict[str, object]]:
    result = CliRunner().invoke(app, ["audit", "--db", str(db), "--json"])
    return result.exit_code, json.loads(result.output)


def failing(report: dict[str, object]) -> set[str]:
    checks = report["checks"]
    assert isinstance(checks, list)
    return {c["name"] for c in checks if not c["passed"]}


def test_the_real_journal_passes_every_check(real_journal: Path) -> None:
    code, report = audit(real_journal)
    assert failing(report) == set()
    assert code == 0
    assert report["orders_sent"]
    assert report["fills"]


# ---------------------------------------------------------------------- injections


def _one(sql: Sql, query: str) -> tuple[object, ...]:
    row = sql.execute(query).fetchone()
    assert row is not None, query
    return tuple(row)


def _end(sql: Sql) -> int:
    return int(_one(sql, "select max(at_ms) from position_snapshots")[0]) + 3_600_000  # type: ignore[call-overload]


def _order(
    sql: Sql,
    oid: str,
    at_ms: int,
    *,
    purpose: str = "entry",
    intent: str = "open_long",
    symbol: str = "ADA/USDT:USDT",
    amount: str = "1",
    price: str = "1",
    stop: str | None = "0.9",
    leverage: int = 5,
    status: str = "filled",
    with_log: bool = True,
) -> None:
    (decision,) = _one(sql, "select id from decisions order by bar_close_ms limit 1")
    (run,) = _one(sql, "select id from runs limit 1")
    sql.execute(
        "insert into orders (client_oid, decision_id, run_id, symbol, intent, purpose, order_type, amount,"
        " price, stop_loss, leverage, status, filled, fee, created_ms, sent_ms, updated_ms)"
        " values (?, ?, ?, ?, ?, ?, 'market', ?, ?, ?, ?, ?, ?, '0', ?, ?, ?)",
        (
            oid,
            decision,
            run,
            symbol,
            intent,
            purpose,
            amount,
            price,
            stop,
            leverage,
            status,
            amount if status == "filled" else "0",
            at_ms,
            at_ms,
            at_ms,
        ),
    )
    if with_log:
        sql.execute(
            "insert into ai_logs (decision_id, client_oid, stage, model, input, output, explanation, extra,"
            " status, attempts, next_attempt_ms, created_ms, uploaded_ms)"
            " values (?, ?, 'Decision Making', 'm', '{}', '{}', 'injected for the audit test', '{}',"
            " 'uploaded', 1, 0, ?, ?)",
            (decision, oid, at_ms - 1, at_ms + 1),
        )


def _snapshot(sql: Sql, at_ms: int, positions: list[tuple[str, str, str, str, str | None]]) -> None:
    for symbol, side, size, price, stop in positions:
        sql.execute(
            "insert into position_snapshots (at_ms, symbol, side, size, entry_price, leverage,"
            " unrealized_pnl, stop_loss) values (?, ?, ?, ?, ?, '5', '0', ?)",
            (at_ms, symbol, side, size, price, stop),
        )


def _equity(sql: Sql, at_ms: int, equity: float, available: float, count: int) -> None:
    sql.execute(
        "insert into equity (at_ms, equity, available, unrealized_pnl, open_positions)"
        " values (?, ?, ?, 0, ?)",
        (at_ms, equity, available, count),
    )


def no_stop_on_a_position(sql: Sql) -> None:
    end = _end(sql)
    _snapshot(sql, end, [("ADA/USDT:USDT", "long", "10", "1", None)])
    _snapshot(sql, end + 3_600_000, [("ADA/USDT:USDT", "long", "10", "1", None)])


def entry_without_stop(sql: Sql) -> None:
    _order(sql, "alinjected01e", _end(sql), stop=None)


def client_oid_sent_twice(sql: Sql) -> None:
    (oid,) = _one(sql, "select client_oid from orders where purpose = 'entry' and status = 'filled' limit 1")
    sql.execute(
        "insert into api_calls (at_ms, kind, endpoint, client_oid, ok)"
        " values (?, 'order', 'placeOrder', ?, 1)",
        (_end(sql), oid),
    )


def order_after_halt(sql: Sql) -> None:
    end = _end(sql)
    sql.execute(
        "insert into events (at_ms, kind, message, detail) values (?, 'halt', 'halted by operator: x', '{}')",
        (end,),
    )
    _order(sql, "alinjected02x", end + 60_000, purpose="exit", intent="close_long", stop=None)


def fifteen_exits_in_one_second(sql: Sql) -> None:
    end = _end(sql)
    for i in range(15):
        _order(sql, f"alinj{i:02d}x", end + 50 * i, purpose="exit", intent="close_long", stop=None)


def eight_entries_and_seven_exits_in_one_second(sql: Sql) -> None:
    end = _end(sql)
    for i in range(8):
        symbol = ("ADA", "XRP", "DOGE", "BNB", "LTC", "SOL", "ETH", "BTC")[i] + "/USDT:USDT"
        _order(sql, f"alinj{i:02d}e", end + 60 * i, symbol=symbol)
    for i in range(7):
        _order(sql, f"alinj{i:02d}x", end + 500 + 60 * i, purpose="exit", intent="close_long", stop=None)


def filled_order_relabelled_pending(sql: Sql) -> None:
    (oid,) = _one(
        sql, "select client_oid from orders where client_oid in (select client_oid from fills) limit 1"
    )
    sql.execute("update orders set status = 'pending', leverage = 25 where client_oid = ?", (oid,))


def uploaded_log_without_time(sql: Sql) -> None:
    sql.execute("update ai_logs set uploaded_ms = null where id = (select min(id) from ai_logs)")


def five_open_positions(sql: Sql) -> None:
    end = _end(sql)
    symbols = ("ADA", "XRP", "DOGE", "BNB", "LTC")
    _snapshot(sql, end, [(f"{s}/USDT:USDT", "long", "1", "1", "0.9") for s in symbols])
    _equity(sql, end, 10_000.0, 9_000.0, 5)


def total_notional_over(sql: Sql) -> None:
    end = _end(sql)
    _snapshot(
        sql, end, [(f"{s}/USDT:USDT", "long", "8950", "1", "0.9") for s in ("ADA", "XRP", "DOGE", "BNB")]
    )
    _equity(sql, end, 10_000.0, 6_000.0, 4)  # 3.58x equity, limit 3x


def margin_use_over(sql: Sql) -> None:
    end = _end(sql)
    _snapshot(sql, end, [("ADA/USDT:USDT", "long", "5000", "1", "0.9")])
    _equity(sql, end, 10_000.0, 2_800.0, 1)  # 72% in use, limit 60%


def risk_per_trade_over(sql: Sql) -> None:
    _order(sql, "alinjected03e", _end(sql), amount="10000", price="1", stop="0.5")  # 5000 at risk


def zero_size_order(sql: Sql) -> None:
    _order(sql, "alinjected04e", _end(sql), amount="0")


def leverage_over(sql: Sql) -> None:
    _order(sql, "alinjected05e", _end(sql), leverage=25)


def symbol_not_allowed(sql: Sql) -> None:
    _order(sql, "alinjected06e", _end(sql), symbol="PEPE/USDT:USDT")


def order_without_ai_log(sql: Sql) -> None:
    _order(sql, "alinjected07e", _end(sql), with_log=False)


def entries_too_close(sql: Sql) -> None:
    end = _end(sql)
    _order(sql, "alinjected08e", end)
    _order(sql, "alinjected09e", end + 60_000)


INJECTIONS: list[tuple[Callable[[Sql], None], str]] = [
    (no_stop_on_a_position, "position_stops"),
    (entry_without_stop, "entry_stop_loss"),
    (client_oid_sent_twice, "client_oid_once"),
    (order_after_halt, "trading_state"),
    (fifteen_exits_in_one_second, "order_call_rate"),
    (eight_entries_and_seven_exits_in_one_second, "order_call_rate"),
    (filled_order_relabelled_pending, "order_status_vs_fills"),
    (uploaded_log_without_time, "ai_log_upload_time"),
    (five_open_positions, "open_positions"),
    (total_notional_over, "notional"),
    (margin_use_over, "margin_use"),
    (risk_per_trade_over, "risk_per_trade"),
    (zero_size_order, "order_size"),
    (leverage_over, "leverage"),
    (symbol_not_allowed, "symbols"),
    (entries_too_close, "entry_interval"),
]


@pytest.mark.parametrize(("inject", "check"), INJECTIONS, ids=[f.__name__ for f, _ in INJECTIONS])
def test_an_injected_violation_fails_the_audit_naming_its_check(
    real_journal: Path, tmp_path: Path, inject: Callable[[Sql], None], check: str
) -> None:
    db = tmp_path / "injected.sqlite"
    shutil.copy(real_journal, db)
    with sqlite3.connect(db) as sql:
        inject(sql)
    sql.close()
    code, report = audit(db)
    assert check in failing(report)
    assert code == 1


def test_an_order_without_an_ai_log_fails_the_audit(real_journal: Path, tmp_path: Path) -> None:
    db = tmp_path / "injected.sqlite"
    shutil.copy(real_journal, db)
    with sqlite3.connect(db) as sql:
        order_without_ai_log(sql)
    sql.close()
    code, report = audit(db)
    assert code == 1
    assert any(name.startswith("ai_log") for name in failing(report)), failing(report)
