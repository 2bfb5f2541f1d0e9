"""The audit read from a real SQLite journal: the queries feed the checks what the tables hold."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from alphaloop.journal import Journal
from alphaloop.journal.db import sqlite_file
from alphaloop.ops.audit import audit_engine, load_facts
from alphaloop.ops.control import JournalNotFoundError, open_existing_journal
from tests.unit.ops.journal_rows import BTC, ETH, T0, JournalRows


@pytest.fixture
def rows(tmp_path: Path) -> Iterator[JournalRows]:
    journal = JournalRows.create(
        tmp_path / "journal.sqlite", risk={"max_leverage": 8, "max_orders_per_hour": 2}
    )
    yield journal
    journal.close()


def failed(rows: JournalRows, since_ms: int | None = None) -> dict[str, list[tuple[str, ...]]]:
    report = audit_engine(rows.engine, journal=str(rows.path), since_ms=since_ms)
    return {
        check.name: [v.client_oids for v in check.violations] for check in report.checks if not check.passed
    }


def test_a_clean_journal_has_no_violation_and_reports_what_it_read(rows: JournalRows) -> None:
    rows.add_order("ale1", at_ms=T0, leverage=8)
    rows.add_order("alx1", at_ms=T0 + 60_000, purpose="exit", intent="close_long")
    rows.add_fill("1", side="buy", position_side="long", at_ms=T0, client_oid="ale1")
    rows.add_fill("2", side="sell", position_side="long", at_ms=T0 + 60_000, client_oid="alx1")
    rows.add_api_call(T0, client_oid="ale1")
    rows.add_api_call(T0 + 60_000, client_oid="alx1")
    rows.add_position(side="long", leverage="8")
    rows.add_denial("leverage")
    rows.add_denial("leverage", at_ms=T0 + 1)
    rows.add_denial("orders_per_hour")
    # halted after the last order: nothing was sent against the state
    rows.add_event("halt", "halted by operator: test", at_ms=T0 + 120_000)
    rows.add_event("startup", "not a state event")
    rows.set_state("halted", reason="test")
    report = audit_engine(rows.engine, journal="j")
    assert report.passed, [(c.name, c.violations) for c in report.checks if not c.passed]
    assert report.orders_sent == 2
    assert report.fills == 2
    assert report.symbols_traded == (BTC,)
    assert report.denials_by_rule == {"leverage": 2, "orders_per_hour": 1}
    assert [e.kind for e in report.state_events] == ["halt"]
    assert [(s.account, s.state) for s in report.states] == [("acct-5f3a", "halted")]
    assert report.latest_run is not None
    assert report.latest_run.limits.max_leverage == 8


def test_violations_name_the_orders_behind_them(rows: JournalRows) -> None:
    rows.add_order("ale1", at_ms=T0, leverage=9)  # above the run's 8x
    rows.add_order("ale2", at_ms=T0 + 1_000, symbol=ETH, ai_log=None)  # no AI log
    rows.add_order("ale3", at_ms=T0 + 2_000, symbol=ETH, log_created_ms=T0 + 2_500)  # log after the order
    rows.add_order(
        "ale4", at_ms=T0 + 3_000, symbol=ETH, ai_log="pending"
    )  # 3rd and 4th entries in an hour (max 2)
    rows.add_order("ale5", at_ms=T0 + 4_000, status="not_sent", ai_log=None)  # never sent: not judged
    facts = load_facts(rows.engine)
    assert len(facts.orders) == 5
    assert failed(rows) == {
        "leverage": [("ale1",)],
        "entries_per_hour": [("ale1", "ale2", "ale3", "ale4")],
        "entry_interval": [("ale2", "ale3"), ("ale3", "ale4")],
        "ai_log_stored": [("ale2",)],
        "ai_log_uploaded": [("ale2",), ("ale4",)],
        "ai_log_first": [("ale3",)],
    }


def test_wash_trades_and_long_explanations_are_found_in_the_tables(rows: JournalRows) -> None:
    rows.add_fill("1", side="buy", position_side="long", at_ms=T0, client_oid="ale1")
    rows.add_fill("2", side="sell", position_side="short", at_ms=T0, client_oid="ale2")
    rows.add_ai_log("d000000000000001", explanation="word " * 501)
    rows.add_api_call(T0)
    assert failed(rows) == {
        "opposite_positions": [("ale2",)],
        "self_cross": [("ale1", "ale2")],
        "ai_log_length": [()],
    }


def test_since_limits_the_audit_to_newer_rows(rows: JournalRows) -> None:
    rows.add_order("ale1", at_ms=T0, ai_log=None)
    for i in range(11):
        rows.add_api_call(T0 + i)
    rows.add_order("ale2", at_ms=T0 + 3_600_000)
    assert set(failed(rows)) == {"ai_log_stored", "ai_log_uploaded", "order_call_rate"}
    assert failed(rows, since_ms=T0 + 1) == {}
    assert len(load_facts(rows.engine, T0 + 1).orders) == 1


def test_a_missing_journal_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "journal.sqlite"
    with pytest.raises(JournalNotFoundError, match="no journal at"):
        open_existing_journal(str(missing))
    assert not missing.parent.exists()
    with pytest.raises(JournalNotFoundError, match="no journal at"):
        open_existing_journal(f"sqlite:///{missing}")


def test_a_file_that_is_not_a_journal_cannot_be_opened(tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite"
    junk.write_text("this is not a database" * 100)
    with pytest.raises(JournalNotFoundError, match="file is not a database") as caught:
        open_existing_journal(str(junk))
    assert "\n" not in str(caught.value)


def test_an_unreachable_server_journal_is_named_without_its_password(tmp_path: Path) -> None:
    with pytest.raises(JournalNotFoundError, match="cannot open the journal") as caught:
        open_existing_journal(f"postgresql+psycopg://trader:hunter2@/journal?host={tmp_path}")
    assert "hunter2" not in str(caught.value)
    assert "\n" not in str(caught.value)


def test_an_existing_journal_opens_read_only_by_default(rows: JournalRows) -> None:
    with open_existing_journal(str(rows.path)) as journal:
        assert isinstance(journal, Journal)
        assert journal.latest_run() is not None


def test_sqlite_file_knows_paths_from_server_urls(tmp_path: Path) -> None:
    assert sqlite_file(str(tmp_path / "j.sqlite")) == tmp_path / "j.sqlite"
    assert sqlite_file(f"sqlite:///{tmp_path}/j.sqlite") == tmp_path / "j.sqlite"
    assert sqlite_file("postgresql+psycopg://user@/db?host=/tmp") is None
    assert sqlite_file("sqlite://") is None


@pytest.mark.parametrize("content", ["other", "empty"])
def test_a_sqlite_file_of_something_else_is_refused_and_left_untouched(tmp_path: Path, content: str) -> None:
    """--db pointing at another program's SQLite file (or an empty one): the console commands
    open with migrate=True, which must not turn that file into an alphaloop journal."""
    import sqlite3

    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as conn:
        if content == "other":
            conn.execute("create table notes (x text)")
    conn.close()
    with pytest.raises(JournalNotFoundError, match="not an alphaloop journal"):
        open_existing_journal(str(other), migrate=True)
    with sqlite3.connect(other) as conn:
        tables = {row[0] for row in conn.execute("select name from sqlite_master where type = 'table'")}
    conn.close()
    assert tables == ({"notes"} if content == "other" else set())
