"""Operator control over a journal: open an existing one, halt and resume trading.

Halt and resume only change the persisted trading state (`trading_state`) and record an event;
a running trader re-reads the state every cycle, so it stops opening positions within one cycle
(HALTED denies every order; a human resumes).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

from sqlalchemy import Engine, inspect, select
from sqlalchemy.exc import SQLAlchemyError

from alphaloop.journal import schema
from alphaloop.journal.db import create_engine, redact_url, sqlite_file
from alphaloop.journal.journal import Journal
from alphaloop.journal.records import StateRow
from alphaloop.model.errors import AlphaloopError, ConfigurationError

HALTED = "halted"
ACTIVE = "active"
RESUMABLE_STATES = frozenset({"halted", "reducing"})


def wall_clock_ms() -> int:
    return int(time.time() * 1000)


class JournalNotFoundError(ConfigurationError):
    """The journal named by --db / ALPHALOOP_JOURNAL_URL does not exist or is not a journal."""


def open_existing_journal(url: str, *, migrate: bool = False) -> Journal:
    """Open a journal that must already exist: reading or steering a journal nobody wrote is a
    mistake in --db, not a reason to create an empty one. Raises `JournalNotFoundError`."""
    path = sqlite_file(url)
    if path is not None and not path.is_file():
        raise JournalNotFoundError(f"no journal at {path} (set --db or ALPHALOOP_JOURNAL_URL)")
    shown = redact_url(url)
    if migrate:
        # look before migrating: upgrading another program's (or an empty) database would turn
        # it into an alphaloop journal, when --db most likely named the wrong file
        _require_journal_tables(url, shown)
    try:
        journal = Journal.open(url, migrate=migrate)
    except ConfigurationError:
        raise
    except (AlphaloopError, SQLAlchemyError, OSError) as exc:
        raise JournalNotFoundError(f"cannot open the journal {shown}: {root_cause(exc)}") from exc
    try:
        _require_journal_tables(journal.engine, shown)
    except JournalNotFoundError:
        journal.close()
        raise
    return journal


def _require_journal_tables(target: str | Engine, shown: str) -> None:
    engine = create_engine(target) if isinstance(target, str) else target
    try:
        has_tables = inspect(engine).has_table(schema.orders.name)
    except (SQLAlchemyError, OSError) as exc:
        raise JournalNotFoundError(f"cannot open the journal {shown}: {root_cause(exc)}") from exc
    finally:
        if engine is not target:
            engine.dispose()
    if not has_tables:
        raise JournalNotFoundError(f"{shown} is not an alphaloop journal (no orders table)")


def root_cause(exc: BaseException) -> str:
    """The first line of the innermost error (the driver's own words), for a one-line message."""
    while exc.__cause__ is not None:
        exc = exc.__cause__
    orig = getattr(exc, "orig", None)  # SQLAlchemy's DBAPIError wraps the driver's exception
    if isinstance(orig, BaseException):
        exc = orig
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def trading_states(journal: Journal) -> list[StateRow]:
    """The persisted state of every account in the journal."""
    table = schema.trading_state
    with journal.engine.connect() as conn:
        rows = conn.execute(select(table).order_by(table.c.account)).all()
    return [
        StateRow(
            account=row.account,
            state=row.state,
            reason=row.reason,
            since_ms=row.since_ms,
            day_start_ms=row.day_start_ms,
            day_start_equity=row.day_start_equity,
            peak_equity=row.peak_equity,
            initial_equity=row.initial_equity,
        )
        for row in rows
    ]


@dataclass(frozen=True, slots=True)
class ControlResult:
    """What a halt or resume did: the states before and after."""

    action: str  # halt | resume
    before: tuple[StateRow, ...]
    after: tuple[StateRow, ...]
    changed: bool


def halt(journal: Journal, *, reason: str, now_ms: int) -> ControlResult:
    """Set every account's state to HALTED; with no state row yet, create one for the account of
    the latest run. Recorded as a `halt` event."""
    reason = _reason(reason, "--reason")
    before = trading_states(journal)
    if not before:
        run = journal.latest_run()
        if run is None:
            raise ConfigurationError(f"{journal.url} has no run and no trading state yet: nothing to halt")
        journal.save_state(
            StateRow(account=str(run["account"]), state=HALTED, reason=reason, since_ms=now_ms)
        )
    else:
        journal.set_state_all(state=HALTED, reason=reason, now_ms=now_ms)
    after = trading_states(journal)
    journal.record_event(
        at_ms=now_ms,
        kind="halt",
        message=f"halted by operator: {reason}",
        detail={"accounts": [row.account for row in after], "previous": _states(before)},
    )
    return ControlResult("halt", tuple(before), tuple(after), changed=True)


def resume(journal: Journal, *, reason: str, now_ms: int) -> ControlResult:
    """Set every account back to ACTIVE, only from HALTED or REDUCING; recorded as a `resume` event.
    Already active: nothing changes and nothing is recorded."""
    reason = _reason(reason, "--reason")
    before = trading_states(journal)
    if not before:
        raise ConfigurationError(f"{journal.url} has no trading state: nothing to resume")
    if not any(row.state in RESUMABLE_STATES for row in before):
        return ControlResult("resume", tuple(before), tuple(before), changed=False)
    journal.set_state_all(state=ACTIVE, reason=reason, now_ms=now_ms)
    for row in trading_states(journal):
        # resuming accepts today's equity as the new baseline: with the old peak kept, the total
        # drawdown kill switch would halt again on the next cycle
        journal.save_state(replace(row, day_start_ms=None, day_start_equity=None, peak_equity=None))
    after = trading_states(journal)
    journal.record_event(
        at_ms=now_ms,
        kind="resume",
        message=f"resumed by operator: {reason}",
        detail={"accounts": [row.account for row in after], "previous": _states(before)},
    )
    return ControlResult("resume", tuple(before), tuple(after), changed=True)


def _reason(text: str, option: str) -> str:
    cleaned = " ".join(text.split())
    if not cleaned:
        raise ConfigurationError(f"{option} must not be empty")
    return cleaned


def _states(rows: list[StateRow]) -> dict[str, str]:
    return {row.account: row.state for row in rows}
