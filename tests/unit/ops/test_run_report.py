"""The run report read back from a real SQLite journal built row by row with SQLAlchemy Core."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, insert

from alphaloop.backtest.report import FIGURE_CLASS
from alphaloop.backtest.report_plots import FILL_MARKERS
from alphaloop.journal import schema
from alphaloop.journal.db import create_engine
from alphaloop.model.errors import ConfigurationError
from alphaloop.ops.run_report import MAX_TABLE_ROWS, ORDER_COLUMNS, write_run_report

T0 = 1_756_684_800_000  # 2025-09-01T00:00:00Z
HOUR_MS = 3_600_000
BTC = "BTC/USDT:USDT"


def at(hour: float) -> int:
    return T0 + int(hour * HOUR_MS)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_engine(tmp_path / "journal.sqlite")
    schema.metadata.create_all(engine)
    yield engine
    engine.dispose()


def add(engine: Engine, table: Any, *rows: dict[str, Any]) -> None:
    with engine.begin() as conn:
        conn.execute(insert(table), list(rows))


def run_row(run_id: str, started: int, ended: int | None, *, model: str = "lgbm-1h") -> dict[str, Any]:
    return {
        "id": run_id,
        "started_ms": started,
        "ended_ms": ended,
        "end_reason": None,
        "mode": "paper",
        "venue": "weex",
        "account": "acct",
        "model": model,
        "timeframe": "1h",
        "config": {},
        "version": "0.0.test",
    }


def decision_row(
    decision_id: str, bar: int, *, run_id: str = "r1", error: str | None = None
) -> dict[str, Any]:
    return {
        "id": decision_id,
        "run_id": run_id,
        "bar_close_ms": bar,
        "created_ms": bar + 1_000,
        "model": "lgbm-1h",
        "actions": [],
        "explanation": "trend",
        "error": error,
    }


def order_row(
    client_oid: str,
    *,
    decision_id: str,
    created: int,
    status: str,
    purpose: str = "entry",
    intent: str = "open_long",
    venue_order_id: str | None = None,
    run_id: str = "r1",
) -> dict[str, Any]:
    # price, average_price, stop_loss... stay NULL: the report must show them as empty.
    return {
        "client_oid": client_oid,
        "decision_id": decision_id,
        "run_id": run_id,
        "venue_order_id": venue_order_id,
        "symbol": BTC,
        "intent": intent,
        "purpose": purpose,
        "order_type": "market",
        "amount": "0.01",
        "price": None,
        "leverage": 5,
        "status": status,
        "filled": "0.01" if status == "filled" else "0",
        "average_price": "100000" if status == "filled" else None,
        "fee": "0",
        "created_ms": created,
        "sent_ms": None if status in ("pending", "not_sent") else created,
        "updated_ms": created,
    }


def log_row(decision_id: str, client_oid: str | None, status: str, created: int) -> dict[str, Any]:
    return {
        "decision_id": decision_id,
        "client_oid": client_oid,
        "order_id": None,
        "stage": "decision",
        "model": "lgbm-1h",
        "input": {},
        "output": {},
        "explanation": "trend up",
        "extra": {},
        "status": status,
        "attempts": 0,
        "next_attempt_ms": 0,
        "created_ms": created,
        "uploaded_ms": created + 1 if status == "uploaded" else None,
    }


def fill_row(
    trade_id: str, client_oid: str | None, *, side: str, ts: int, fee: str, pnl: str
) -> dict[str, Any]:
    return {
        "trade_id": trade_id,
        "venue_order_id": f"v{trade_id}",
        "client_oid": client_oid,
        "symbol": BTC,
        "side": side,
        "position_side": "long",
        "amount": "0.01",
        "price": "100000",
        "fee": fee,
        "realized_pnl": pnl,
        "ts_ms": ts,
    }


def equity_row(hour: float, value: float) -> dict[str, Any]:
    return {
        "at_ms": at(hour),
        "equity": value,
        "available": value / 2,
        "unrealized_pnl": 0.0,
        "open_positions": 1,
    }


@pytest.fixture
def journal(engine: Engine) -> Engine:
    """Run r1 (ended) over hours 0..5; run r2 (never ended) from hour 10 with one decision and order."""
    add(engine, schema.runs, run_row("r1", at(0), at(5)), run_row("r2", at(10), None, model="llm-gpt"))
    add(
        engine,
        schema.decisions,
        decision_row("d1", at(1)),
        decision_row("d2", at(2)),
        decision_row("d3", at(3), error="model timed out"),
        decision_row("d4", at(4)),
        decision_row("d9", at(11), run_id="r2"),
    )
    # Sent orders: o1 o2 o3 o4 o6 (rejected counts as sent). o5 never reached the venue.
    add(
        engine,
        schema.orders,
        order_row("o1", decision_id="d1", created=at(1), status="filled", venue_order_id="V-1"),
        order_row("o2", decision_id="d1", created=at(1.1), status="canceled", purpose="stop_loss",
                  intent="close_long", venue_order_id="V-2"),
        order_row("o3", decision_id="d2", created=at(2), status="filled", purpose="exit",
                  intent="close_long", venue_order_id="V-3"),
        order_row("o4", decision_id="d4", created=at(4), status="rejected"),
        order_row("o5", decision_id="d4", created=at(4.1), status="not_sent"),
        order_row("o6", decision_id="d4", created=at(4.2), status="sent"),
        order_row("o9", decision_id="d9", created=at(11), status="filled", run_id="r2", venue_order_id="V-9"),
    )  # fmt: skip
    add(
        engine,
        schema.ai_logs,
        log_row("d1", "o1", "uploaded", at(1)),
        log_row("d1", "o2", "pending", at(1.1)),
        log_row("d2", "o3", "uploaded", at(2)),
        log_row("d4", "o4", "pending", at(4)),
        log_row("d4", "o5", "pending", at(4.1)),
        log_row("d3", None, "uploaded", at(3)),  # a hold: a log with no order
        log_row("d9", "o9", "waiting", at(11)),
    )
    add(
        engine,
        schema.fills,
        fill_row("1", "o1", side="buy", ts=at(1), fee="0.6", pnl="0"),
        fill_row("2", "o3", side="sell", ts=at(2), fee="0.55", pnl="12.5"),
        fill_row("3", None, side="sell", ts=at(3.5), fee="0.5", pnl="-2"),  # a venue-side exit
        fill_row("9", "o9", side="buy", ts=at(11), fee="1", pnl="0"),
    )
    add(
        engine,
        schema.equity,
        equity_row(1, 1000.0),
        equity_row(2, 1100.0),
        equity_row(3, 990.0),
        equity_row(4, 1050.0),
        equity_row(11, 500.0),
    )
    add(
        engine,
        schema.denials,
        {"at_ms": at(4), "decision_id": "d4", "symbol": BTC, "rule": "max_open_positions",
         "message": "4 positions open <script>alert(1)</script>", "proposal": {}},
        {"at_ms": at(11), "decision_id": None, "symbol": BTC, "rule": "trading_halted", "message": "halted",
         "proposal": {}},
    )  # fmt: skip
    add(
        engine,
        schema.events,
        {"at_ms": at(0), "kind": "startup", "message": "start", "detail": {}},
        {"at_ms": at(1), "kind": "reconcile", "message": "ok", "detail": {}},
        {"at_ms": at(2), "kind": "reconcile", "message": "ok", "detail": {}},
        {"at_ms": at(10), "kind": "startup", "message": "start", "detail": {}},
    )
    return engine


def figures(page: str) -> list[dict[str, Any]]:
    pattern = rf'<script type="application/json" class="{FIGURE_CLASS}"[^>]*>(.*?)</script>'
    return [json.loads(block) for block in re.findall(pattern, page, flags=re.DOTALL)]


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_one_run_summary_counts_coverage_return_and_drawdown(journal: Engine, tmp_path: Path) -> None:
    report = write_run_report(tmp_path / "report", journal, title="paper week 1", run_id="r1")

    summary = report.summary
    assert summary["run_id"] == "r1"
    assert (summary["venue"], summary["mode"], summary["models"]) == ("weex", "paper", ["lgbm-1h"])
    assert summary["period"]["first_decision_bar"] == "2025-09-01T01:00:00Z"
    assert summary["period"]["last_decision_bar"] == "2025-09-01T04:00:00Z"
    assert (summary["cycles"], summary["cycles_with_model_error"]) == (4, 1)
    orders = summary["orders"]
    assert (orders["total"], orders["sent"]) == (6, 5)
    assert orders["by_purpose"] == {"entry": 4, "exit": 1, "stop_loss": 1}
    assert orders["by_status"] == {"canceled": 1, "filled": 2, "not_sent": 1, "rejected": 1, "sent": 1}
    assert orders["by_purpose_and_status"]["entry"] == {"filled": 1, "not_sent": 1, "rejected": 1, "sent": 1}
    assert summary["fills"]["count"] == 3
    assert summary["fills"]["fees"] == pytest.approx(1.65)
    assert summary["fills"]["realized_pnl"] == pytest.approx(10.5)
    equity = summary["equity"]
    assert (equity["points"], equity["initial"], equity["final"]) == (4, 1000.0, 1050.0)
    assert equity["return_pct"] == pytest.approx(5.0)
    assert equity["max_drawdown_pct"] == pytest.approx(10.0)  # 1100 -> 990
    logs = summary["ai_logs"]
    assert (logs["stored"], logs["uploaded"], logs["pending"], logs["waiting"]) == (6, 3, 3, 0)
    assert logs["without_order"] == 1
    assert (logs["orders_sent"], logs["orders_with_stored_log"], logs["orders_with_uploaded_log"]) == (
        5,
        4,
        2,
    )
    assert logs["coverage_stored_pct"] == pytest.approx(80.0)
    assert logs["coverage_uploaded_pct"] == pytest.approx(40.0)
    assert summary["denials"] == {"total": 1, "by_rule": {"max_open_positions": 1}}
    assert summary["events"] == {"total": 3, "by_kind": {"reconcile": 2, "startup": 1}}
    assert json.loads((report.folder / "summary.json").read_text(encoding="utf-8")) == summary


def test_given_initial_equity_starts_the_return_and_the_drawdown(journal: Engine, tmp_path: Path) -> None:
    summary = write_run_report(tmp_path, journal, title="t", initial_equity=1200.0, run_id="r1").summary

    assert summary["equity"]["initial_source"] == "given"
    assert summary["equity"]["return_pct"] == pytest.approx(-12.5)
    assert summary["equity"]["max_drawdown_pct"] == pytest.approx(17.5)  # 1200 -> 990


def test_whole_journal_spans_every_run(journal: Engine, tmp_path: Path) -> None:
    summary = write_run_report(tmp_path, journal, title="all").summary

    assert summary["models"] == ["lgbm-1h", "llm-gpt"]
    assert [r["id"] for r in summary["runs"]] == ["r1", "r2"]
    assert (summary["cycles"], summary["orders"]["total"], summary["fills"]["count"]) == (5, 7, 4)
    assert summary["ai_logs"]["orders_with_stored_log"] == 5
    assert summary["equity"]["final"] == 500.0
    assert summary["denials"]["by_rule"] == {"max_open_positions": 1, "trading_halted": 1}


def test_a_run_that_never_ended_reaches_to_the_journals_end(journal: Engine, tmp_path: Path) -> None:
    summary = write_run_report(tmp_path, journal, title="r2", run_id="r2").summary

    assert (summary["cycles"], summary["orders"]["total"], summary["fills"]["count"]) == (1, 1, 1)
    assert summary["ai_logs"]["coverage_uploaded_pct"] == 0.0
    assert summary["equity"]["points"] == 1
    assert summary["events"]["by_kind"] == {"startup": 1}


def test_csv_files_hold_every_row_with_nulls_as_empty_cells(journal: Engine, tmp_path: Path) -> None:
    folder = write_run_report(tmp_path, journal, title="t", run_id="r1").folder

    equity = csv_rows(folder / "equity.csv")
    assert [r["equity"] for r in equity] == ["1000.0", "1100.0", "990.0", "1050.0"]
    assert equity[0]["time"] == "2025-09-01T01:00:00Z"
    assert list(equity[0]) == ["at_ms", "time", "equity", "available", "unrealized_pnl", "open_positions"]
    orders = csv_rows(folder / "orders.csv")
    assert len(orders) == 6
    assert tuple(orders[0]) == ORDER_COLUMNS
    by_oid = {o["client_oid"]: o for o in orders}
    assert by_oid["o4"]["venue_order_id"] == ""
    assert by_oid["o4"]["price"] == ""
    assert by_oid["o6"]["ai_log_status"] == ""
    assert by_oid["o2"]["ai_log_status"] == "pending"
    fills = csv_rows(folder / "fills.csv")
    assert [f["trade_id"] for f in fills] == ["1", "2", "3"]
    assert fills[2]["client_oid"] == ""


def test_page_holds_both_figures_fill_markers_orders_and_escaped_denials(
    journal: Engine, tmp_path: Path
) -> None:
    report = write_run_report(tmp_path, journal, title="paper <week>", run_id="r1")

    page = report.html_path.read_text(encoding="utf-8")
    assert (report.folder / "plotly.min.js").stat().st_size > 1_000_000
    assert '<script src="plotly.min.js"></script>' in page
    assert "<title>paper &lt;week&gt;</title>" in page
    equity, drawdown, per_trade = figures(page)
    assert per_trade["layout"]["title"]["text"].startswith("Realised PnL per trade")
    assert equity["layout"]["title"]["text"] == "Equity with entries and exits"
    assert drawdown["layout"]["title"]["text"] == "Drawdown"
    markers = {t["name"]: t for t in equity["data"] if t.get("meta") == FILL_MARKERS}
    # o1 is an entry; o3 (exit) and the venue-side sell of a long are exits, marked at that hour's equity.
    assert markers["entries"]["x"] == [at(1)]
    assert markers["entries"]["y"] == [1000.0]
    assert markers["exits"]["x"] == [at(2), at(3.5)]
    assert markers["exits"]["y"] == [1100.0, 990.0]
    orders_table = page.split('<table class="rows orders">')[1].split("</table>")[0]
    assert orders_table.count("<tr>") == 1 + 6
    row_o1 = next(line for line in orders_table.splitlines() if "V-1" in line)
    assert "<td>yes</td>" in row_o1
    assert "<td>100000</td>" in row_o1
    assert "no (none stored)" in orders_table
    assert "no (pending)" in orders_table
    assert "4 positions open &lt;script&gt;" in page
    assert "<script>alert" not in page


def test_page_lists_only_the_latest_orders(engine: Engine, tmp_path: Path) -> None:
    add(engine, schema.runs, run_row("r1", at(0), None))
    add(engine, schema.decisions, decision_row("d1", at(1)))
    total = MAX_TABLE_ROWS + 5
    add(
        engine,
        schema.orders,
        *(
            order_row(
                f"o{i:04d}", decision_id="d1", created=at(1) + i, status="filled", venue_order_id=f"V{i:04d}"
            )
            for i in range(total)
        ),
    )

    report = write_run_report(tmp_path, engine, title="many")

    page = report.html_path.read_text(encoding="utf-8")
    orders_table = page.split('<table class="rows orders">')[1].split("</table>")[0]
    assert orders_table.count("<tr>") == 1 + MAX_TABLE_ROWS
    assert f"The latest {MAX_TABLE_ROWS} of {total} orders" in page
    assert orders_table.index("V0504") < orders_table.index("V0005")  # newest first
    assert "V0004" not in orders_table
    assert len(csv_rows(tmp_path / "orders.csv")) == total


def test_empty_journal_gives_a_complete_report(engine: Engine, tmp_path: Path) -> None:
    report = write_run_report(tmp_path / "out", engine, title="nothing yet")

    summary = report.summary
    assert (summary["cycles"], summary["orders"]["total"], summary["fills"]["count"]) == (0, 0, 0)
    assert summary["venue"] is None
    assert summary["models"] == []
    assert summary["period"]["first_decision_bar"] is None
    assert summary["equity"] == {
        "points": 0,
        "initial": None,
        "initial_source": None,
        "final": None,
        "return_pct": None,
        "max_drawdown_pct": None,
    }
    assert summary["ai_logs"]["coverage_stored_pct"] == 100.0
    page = report.html_path.read_text(encoding="utf-8")
    assert len(figures(page)) == 3
    assert "No orders in the journal." in page
    assert "No denials in the journal." in page
    assert csv_rows(report.folder / "orders.csv") == []
    assert (report.folder / "equity.csv").read_text(encoding="utf-8").startswith("at_ms,time,equity")


def test_journal_given_as_a_path_or_url(journal: Engine, tmp_path: Path) -> None:
    path = Path(str(journal.url.database))

    from_path = write_run_report(tmp_path / "a", path, title="t", run_id="r1").summary
    from_url = write_run_report(tmp_path / "b", f"sqlite:///{path}", title="t", run_id="r1").summary

    assert from_path["cycles"] == from_url["cycles"] == 4


def test_missing_journal_unknown_run_and_foreign_database_are_configuration_errors(
    journal: Engine, tmp_path: Path
) -> None:
    with pytest.raises(ConfigurationError, match="no journal"):
        write_run_report(tmp_path / "r", tmp_path / "absent.sqlite", title="t")
    assert not (tmp_path / "absent.sqlite").exists()
    with pytest.raises(ConfigurationError, match="run 'r7' is not in the journal"):
        write_run_report(tmp_path / "r", journal, title="t", run_id="r7")
    other = create_engine(tmp_path / "other.sqlite")
    try:
        with other.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE notes (x INTEGER)")
        with pytest.raises(ConfigurationError, match="not a trading journal"):
            write_run_report(tmp_path / "r", other, title="t")
    finally:
        other.dispose()
