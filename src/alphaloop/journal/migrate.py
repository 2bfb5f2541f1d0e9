"""Alembic for the journal, configured from code: no alembic.ini at run time.

`upgrade(engine)` brings a journal to the newest revision in one transaction (a no-op when it is
there already). Two processes opening a new journal at once are serialised: SQLite by the write
lock (BEGIN IMMEDIATE), PostgreSQL by an advisory lock.

A new revision, after changing `schema.py` (autogenerate compares a journal at head with it):

    from alembic import command
    from alphaloop.journal.migrate import alembic_config
    command.revision(alembic_config("sqlite:///scratch.sqlite"), "what changed", autogenerate=True)
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from alphaloop.journal import db
from alphaloop.journal.errors import JournalError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
#: pg_advisory_xact_lock key of journal migrations (any fixed number; "alph" in ASCII).
_PG_MIGRATION_LOCK = 0x616C7068


def alembic_config(url: str | None = None, *, connection: Connection | None = None) -> Config:
    """An Alembic config for the packaged migrations; on `connection`, or on the journal at `url`."""
    config = Config()
    # ConfigParser interpolation would read a `%` (in a path, or an escaped password) as a reference.
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    if url is not None:
        config.set_main_option("sqlalchemy.url", db.to_url(url).render_as_string(False).replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships 0001
        raise JournalError(f"no journal migrations found in {MIGRATIONS_DIR}")
    return head


def current_revision(engine: Engine) -> str | None:
    """The journal's revision, None for an empty database."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Migrate the journal behind `engine` to the newest revision."""
    with db.writer(engine).begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
        command.upgrade(alembic_config(connection=connection), "head")


def ensure_current(engine: Engine) -> None:
    """JournalError unless the journal is at the newest revision (for opening without migrating)."""
    current, head = current_revision(engine), head_revision()
    if current != head:
        found = "an empty database" if current is None else f"revision {current}"
        raise JournalError(
            f"the journal at {db.redact_url(engine.url)} is {found}, this alphaloop needs revision {head}: "
            "open it with migrations enabled"
        )
