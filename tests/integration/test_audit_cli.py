"""`alphaloop audit`, `ailog status|flush`, `halt` and `resume` on real SQLite journal files."""

from __future__ import annotations

import json
import os
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner, Result

from alphaloop.cli.main import app
from alphaloop.journal import Journal
from tests.kit.sim_server import API_KEY, PASSPHRASE, SECRET, account, live_sim, sim_config
from tests.unit.ops.journal_rows import ETH, T0, JournalRows, store_sent_order

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No settings from the machine: no alphaloop.toml, .env or ALPHALOOP_/WEEX_ variables."""
    for name in list(os.environ):
        if name.startswith(("ALPHALOOP_", "WEEX_", "WOOX_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.chdir(tmp_path)


def invoke(*args: str, **env: str) -> Result:
    return CliRunner().invoke(app, list(args), env=env or None)


def clean_journal(path: Path) -> Path:
    rows = JournalRows.create(path)
    rows.add_order("ale1", at_ms=T0)
    rows.add_order("alx1", at_ms=T0 + 600_000, purpose="exit", intent="close_long")
    rows.add_fill("1", side="buy", position_side="long", at_ms=T0, client_oid="ale1")
    rows.add_fill("2", side="sell", position_side="long", at_ms=T0 + 600_000, client_oid="alx1")
    rows.add_api_call(T0, client_oid="ale1")
    rows.add_api_call(T0 + 600_000, client_oid="alx1")
    rows.add_denial("orders_per_hour")
    rows.close()
    return path


def test_audit_of_a_clean_journal_exits_0_with_a_readable_table(tmp_path: Path) -> None:
    db = clean_journal(tmp_path / "journal.sqlite")
    result = invoke("audit", "--db", str(db))
    assert result.exit_code == 0, result.output
    for text in (
        "Competition rules",
        "order/cancel calls per second",
        "orders with an AI log uploaded",
        "PASSED",
    ):
        assert text in result.output
    assert "orders_per_hour 1" in result.output
    assert "✗" not in result.output


def test_audit_names_an_order_without_an_ai_log_and_exits_1(tmp_path: Path) -> None:
    db = clean_journal(tmp_path / "journal.sqlite")
    rows = JournalRows.attach(db)
    rows.add_order("ale2unlogged", at_ms=T0 + 700_000, symbol=ETH, ai_log=None)
    rows.close()
    result = invoke("audit", "--db", str(db))
    assert result.exit_code == 1, result.output
    assert "ale2unlogged" in result.output
    assert "has no AI log [ale2unlogged; 2025-09-01T00:11:40.000Z]" in result.output
    assert "VIOLATIONS" in result.output


def test_audit_json_is_one_parsable_object_with_every_check(tmp_path: Path) -> None:
    db = clean_journal(tmp_path / "journal.sqlite")
    result = invoke("audit", "--db", str(db), "--json", "--since", "2025-09-01")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["passed"] is True
    assert report["since"] == "2025-09-01T00:00:00.000Z"
    names = {check["name"] for check in report["checks"]}
    assert {
        "symbols",
        "leverage",
        "order_call_rate",
        "entries_per_hour",
        "self_cross",
        "ai_log_first",
    } <= names
    assert report["orders_sent"] == 2


def test_audit_reads_the_journal_named_by_the_environment(tmp_path: Path) -> None:
    db = clean_journal(tmp_path / "elsewhere.sqlite")
    result = invoke("audit", "--json", ALPHALOOP_JOURNAL_URL=f"sqlite:///{db}")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["journal"].endswith("elsewhere.sqlite")


def test_audit_of_a_missing_journal_exits_2_with_one_line_and_creates_nothing(tmp_path: Path) -> None:
    result = invoke("audit", "--db", str(tmp_path / "missing.sqlite"))
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0
    assert "no journal at" in result.stderr
    assert not (tmp_path / "missing.sqlite").exists()
    assert "Traceback" not in result.output


def test_audit_with_a_bad_since_exits_2(tmp_path: Path) -> None:
    db = clean_journal(tmp_path / "journal.sqlite")
    result = invoke("audit", "--db", str(db), "--since", "last tuesday")
    assert result.exit_code == 2
    assert "--since" in result.stderr


def test_halt_then_resume_round_trip_shows_in_the_audit(tmp_path: Path) -> None:
    db = str(clean_journal(tmp_path / "journal.sqlite"))
    halted = invoke("halt", "--db", db, "--reason", "funding spike")
    assert halted.exit_code == 0, halted.output
    assert "halted" in halted.output
    assert "funding spike" in halted.output
    with Journal.open(db) as journal:
        state = journal.load_state("acct-5f3a")
        assert state is not None
        assert state.state == "halted"
    resumed = invoke("resume", "--db", db)
    assert resumed.exit_code == 0, resumed.output
    assert "active" in resumed.output
    again = invoke("resume", "--db", db)
    assert "already active" in again.output
    report = json.loads(invoke("audit", "--db", db, "--json").stdout)
    assert [event["kind"] for event in report["state_events"]] == ["halt", "resume"]
    assert report["trading_state"][0]["state"] == "active"


def test_halt_needs_a_reason_and_a_journal(tmp_path: Path) -> None:
    assert invoke("halt", "--db", str(tmp_path / "j.sqlite")).exit_code == 2  # --reason missing
    result = invoke("halt", "--db", str(tmp_path / "j.sqlite"), "--reason", "x")
    assert result.exit_code == 2
    assert "no journal at" in result.stderr


def test_ailog_status_prints_coverage_and_backlog(tmp_path: Path) -> None:
    db = tmp_path / "journal.sqlite"
    JournalRows.create(db).close()
    with Journal.open(db) as journal:
        store_sent_order(journal, "ale1", at_ms=T0)
        store_sent_order(journal, "ale2", at_ms=T0 + 1, venue_order_id=None)
    result = invoke("ailog", "status", "--db", str(db), "--json")
    assert result.exit_code == 0, result.output
    status = json.loads(result.stdout)
    assert (status["orders_sent"], status["orders_with_log"], status["orders_with_uploaded_log"]) == (2, 2, 0)
    assert (status["backlog"], status["waiting"], status["pending"]) == (2, 1, 1)
    assert status["oldest_backlog_ms"] == T0
    table = invoke("ailog", "status", "--db", str(db))
    assert "with an uploaded AI log" in table.output
    assert "0 (0.0%)" in table.output


def _journal_with_two_pending_logs(path: Path) -> Path:
    JournalRows.create(path).close()
    with Journal.open(path) as journal:
        store_sent_order(journal, "ale1", at_ms=T0, venue_order_id="700001")
        store_sent_order(journal, "ale2", at_ms=T0 + 1, venue_order_id="700002", status="rejected")
    return path


def test_ailog_flush_uploads_the_backlog_to_the_simulator(tmp_path: Path) -> None:
    db = _journal_with_two_pending_logs(tmp_path / "journal.sqlite")
    with live_sim() as server:
        result = invoke(
            "ailog", "flush", "--db", str(db), "--venue", "weex", "--base-url", server.base_url,
            WEEX_API_KEY=API_KEY, WEEX_SECRET_KEY=SECRET, WEEX_PASSPHRASE=PASSPHRASE,
        )  # fmt: skip
        received = httpx.get(f"{server.base_url}/__admin/ailogs").json()
    assert result.exit_code == 0, result.output
    assert "uploaded 2, failed 0, remaining 0" in result.output
    assert sorted(str(log["parsed"]["orderId"]) for log in received) == ["700001", "700002"]
    status = json.loads(invoke("ailog", "status", "--db", str(db), "--json").stdout)
    assert status["coverage_uploaded"] == 1.0
    assert status["backlog"] == 0


def test_ailog_flush_keeps_what_the_venue_refused_and_exits_1(tmp_path: Path) -> None:
    db = _journal_with_two_pending_logs(tmp_path / "journal.sqlite")
    refusing = sim_config(accounts=(account(ai_log_allowed=False),))
    with live_sim(refusing) as server:
        result = invoke(
            "ailog", "flush", "--db", str(db), "--base-url", server.base_url,
            WEEX_API_KEY=API_KEY, WEEX_SECRET_KEY=SECRET, WEEX_PASSPHRASE=PASSPHRASE,
        )  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "uploaded 0, failed 2, remaining 2" in result.output
    assert "last error" in result.output
    status = json.loads(invoke("ailog", "status", "--db", str(db), "--json").stdout)
    assert status["pending"] == 2
    assert status["last_error"]


def test_ailog_flush_without_credentials_stops_with_one_line(tmp_path: Path) -> None:
    db = _journal_with_two_pending_logs(tmp_path / "journal.sqlite")
    result = invoke("ailog", "flush", "--db", str(db), "--venue", "weex")
    assert result.exit_code == 2
    assert "WEEX_API_KEY" in result.stderr


def test_ailog_flush_to_woox_appends_to_the_log_file_and_counts_what_still_waits(tmp_path: Path) -> None:
    db = tmp_path / "journal.sqlite"
    JournalRows.create(db).close()
    with Journal.open(db) as journal:
        store_sent_order(journal, "ale1", at_ms=T0, venue_order_id="700001")
        store_sent_order(journal, "ale2", at_ms=T0 + 1, venue_order_id=None)  # outcome unknown: waiting
    log_file = tmp_path / "woox-ailogs.jsonl"
    result = invoke(
        "ailog", "flush", "--db", str(db), "--venue", "woox", ALPHALOOP_WOOX__AI_LOG_FILE=str(log_file)
    )
    assert result.exit_code == 1, result.output
    assert "uploaded 1, failed 0, remaining 0" in result.output
    assert "1 more log(s) wait" in result.output
    (line,) = log_file.read_text().splitlines()
    assert json.loads(line)["order_id"] == "700001"
