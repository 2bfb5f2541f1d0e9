"""The Alembic migrations build exactly `schema.metadata`, on SQLite and on PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, select

import alphaloop
from alphaloop.journal import Journal, JournalError, migrate, schema
from alphaloop.journal.db import create_engine
from tests.integration.journal.conftest import PgServer
from tests.unit.journal.builders import T0, ready

pytestmark = pytest.mark.integration


def differences(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(compare_metadata(MigrationContext.configure(conn), schema.metadata))


def test_the_migrated_sqlite_schema_is_the_declared_one(tmp_path: Path) -> None:
    with Journal.open(tmp_path / "journal.sqlite") as journal:
        assert differences(journal.engine) == []
        tables = set(inspect(journal.engine).get_table_names())
    assert tables == set(schema.metadata.tables) | {"alembic_version"}


def test_the_migrated_postgres_schema_is_the_declared_one(pg_url: str) -> None:
    with Journal.open(pg_url) as journal:
        assert journal.engine.dialect.name == "postgresql"
        assert differences(journal.engine) == []


def test_a_schema_missing_a_column_is_noticed(tmp_path: Path) -> None:
    # The comparison above would catch a migration that forgot something.
    with Journal.open(tmp_path / "journal.sqlite") as journal:
        with journal.engine.begin() as conn:
            conn.exec_driver_sql("ALTER TABLE ai_logs DROP COLUMN extra")
        diffs = differences(journal.engine)
    assert [diff[0] for diff in diffs] == ["add_column"]


def test_the_journal_file_is_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    Journal.open(path).close()

    raw = sqlalchemy.create_engine(f"sqlite:///{path}")  # a connection without our pragmas
    try:
        with raw.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        raw.dispose()


def test_reopening_migrates_nothing_and_keeps_the_data(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "journal.sqlite"
    with Journal.open(path) as journal:
        ready(journal)
        journal.record_event(at_ms=T0, kind="startup", message="first run")

    for _ in range(2):
        with Journal.open(path) as reopened:
            assert migrate.current_revision(reopened.engine) == migrate.head_revision() == "0002_console"
            assert reopened.latest_run() is not None
            with reopened.engine.connect() as conn:
                assert conn.execute(select(schema.events.c.message)).scalars().all() == ["first run"]
                assert conn.exec_driver_sql("SELECT count(*) FROM alembic_version").scalar() == 1


def test_opening_without_migrating_needs_a_journal_at_head(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    with pytest.raises(
        JournalError, match="is an empty database, this alphaloop needs revision 0002_console"
    ):
        Journal.open(path, migrate=False)

    Journal.open(path).close()
    with Journal.open(path, migrate=False) as journal:
        assert journal.latest_run() is None


def test_a_migration_failure_is_a_journal_error(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    engine = create_engine(path)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE runs (id TEXT)")  # in the way of the migration
    finally:
        engine.dispose()

    with pytest.raises(JournalError, match="cannot open the journal"):
        Journal.open(path)


def test_the_migrations_ship_inside_the_package() -> None:
    package = Path(alphaloop.__file__).resolve().parent
    assert migrate.MIGRATIONS_DIR.is_relative_to(package)
    assert (migrate.MIGRATIONS_DIR / "env.py").is_file()
    assert (migrate.MIGRATIONS_DIR / "versions" / "0001_initial.py").is_file()


def test_the_postgres_fixture_is_unix_socket_only(pg_server: PgServer) -> None:
    with pg_server.connect() as conn:
        row = conn.execute("SHOW listen_addresses").fetchone()
    assert row == ("",)


def test_the_alembic_command_line_path_upgrades_and_downgrades_by_url(tmp_path: Path) -> None:
    path = tmp_path / "cli" / "journal.sqlite"
    config = migrate.alembic_config(str(path))

    command.upgrade(config, "head")
    engine = create_engine(path)
    try:
        assert migrate.current_revision(engine) == "0002_console"
        command.downgrade(config, "base")
        assert migrate.current_revision(engine) is None
        assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    finally:
        engine.dispose()
