"""Halt/resume through the journal's trading state, and the AI-log status numbers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from alphaloop.journal import Journal, schema
from alphaloop.model import ConfigurationError
from alphaloop.ops.ailog import ailog_status
from alphaloop.ops.control import halt, resume, trading_states
from tests.unit.ops.journal_rows import ACCOUNT, T0, JournalRows, store_sent_order


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    path = tmp_path / "journal.sqlite"
    JournalRows.create(path).close()
    with Journal.open(path) as opened:
        yield opened


def events(journal: Journal) -> list[tuple[str, str]]:
    with journal.engine.connect() as conn:
        return [(r.kind, r.message) for r in conn.execute(select(schema.events).order_by(schema.events.c.id))]


def test_halting_a_journal_without_state_creates_it_for_the_latest_runs_account(journal: Journal) -> None:
    result = halt(journal, reason="  manual   check ", now_ms=T0 + 5)
    assert result.changed
    assert result.before == ()
    (state,) = result.after
    assert (state.account, state.state, state.reason, state.since_ms) == (
        ACCOUNT,
        "halted",
        "manual check",
        T0 + 5,
    )
    assert journal.load_state(ACCOUNT) == state
    assert events(journal) == [("halt", "halted by operator: manual check")]


def test_halt_keeps_the_kill_switch_baselines_and_resume_rebases_them(journal: Journal) -> None:
    from alphaloop.journal import StateRow

    journal.save_state(StateRow(ACCOUNT, "reducing", "daily drawdown 11%", T0, T0, 1000.0, 1200.0, 1000.0))
    halted = halt(journal, reason="maintenance", now_ms=T0 + 10)
    assert [row.state for row in halted.before] == ["reducing"]
    assert [row.state for row in halted.after] == ["halted"]
    assert (halted.after[0].day_start_equity, halted.after[0].peak_equity) == (1000.0, 1200.0)
    resumed = resume(journal, reason="done", now_ms=T0 + 20)
    assert resumed.changed
    (state,) = resumed.after
    assert (state.state, state.reason, state.since_ms) == ("active", "done", T0 + 20)
    # the old peak would re-trigger the total drawdown switch at once: the engine re-bases it
    assert (state.day_start_ms, state.day_start_equity, state.peak_equity) == (None, None, None)
    assert state.initial_equity == 1000.0
    assert [kind for kind, _ in events(journal)] == ["halt", "resume"]


def test_resume_when_already_active_changes_and_records_nothing(journal: Journal) -> None:
    from alphaloop.journal import StateRow

    journal.save_state(StateRow(ACCOUNT, "active", "started", T0))
    result = resume(journal, reason="why not", now_ms=T0 + 1)
    assert not result.changed
    assert trading_states(journal)[0].reason == "started"
    assert events(journal) == []


def test_resume_without_any_state_and_halt_without_any_run_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite"
    JournalRows.create(path, run=False).close()
    with Journal.open(path) as empty:
        with pytest.raises(ConfigurationError, match="nothing to resume"):
            resume(empty, reason="x", now_ms=T0)
        with pytest.raises(ConfigurationError, match="nothing to halt"):
            halt(empty, reason="x", now_ms=T0)
        with pytest.raises(ConfigurationError, match="must not be empty"):
            halt(empty, reason="   ", now_ms=T0)


def test_ailog_status_counts_coverage_backlog_age_and_the_last_error(journal: Journal) -> None:
    store_sent_order(journal, "ale1", at_ms=T0)  # filled, log pending
    store_sent_order(journal, "ale2", at_ms=T0 + 1000, venue_order_id=None)  # in doubt, log waiting
    store_sent_order(journal, "ale3", at_ms=T0 + 2000, venue_order_id="700003")
    logs = {stored.client_oid: stored for stored in journal.ai_logs()}
    journal.mark_ai_log_uploaded(logs["ale3"].id, now_ms=T0 + 3000)
    journal.mark_ai_log_failed(logs["ale1"].id, error="NetworkError: refused", next_attempt_ms=T0 + 9000)
    status = ailog_status(journal, now_ms=T0 + 60_000)
    counts = status.counts
    assert (counts.orders_sent, counts.orders_with_log, counts.orders_with_uploaded_log) == (3, 3, 1)
    assert (counts.waiting, counts.pending, counts.uploaded) == (1, 1, 1)
    assert status.backlog == 2
    assert status.oldest_backlog_ms == T0
    assert status.oldest_backlog_age_s == 60.0
    assert status.last_error == "NetworkError: refused"
    assert status.last_error_log_id == logs["ale1"].id
    assert not status.complete
    payload = status.to_json()
    assert payload["coverage_uploaded"] == pytest.approx(1 / 3)
    assert payload["backlog"] == 2


def test_a_log_uploaded_after_a_failure_no_longer_reports_its_error(journal: Journal) -> None:
    store_sent_order(journal, "ale1", at_ms=T0)
    (stored,) = journal.ai_logs()
    journal.mark_ai_log_failed(stored.id, error="boom", next_attempt_ms=T0 + 1)
    journal.mark_ai_log_uploaded(stored.id, now_ms=T0 + 2)
    status = ailog_status(journal, now_ms=T0 + 3)
    assert status.last_error is None
    assert status.oldest_backlog_ms is None
    assert status.complete
