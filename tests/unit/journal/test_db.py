from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from alphaloop.journal import redact_url
from alphaloop.journal.db import create_engine, to_url
from alphaloop.model import ConfigurationError


def test_a_plain_path_is_a_sqlite_file_and_its_folders_are_created(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "journal.sqlite"

    engine = create_engine(str(path))
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
    finally:
        engine.dispose()

    assert to_url(path).drivername == "sqlite+pysqlite"
    assert path.is_file()


def test_every_sqlite_connection_gets_the_pragmas(tmp_path: Path) -> None:
    engine = create_engine(tmp_path / "j.sqlite")
    try:
        for _ in range(2):
            with engine.connect() as first, engine.connect() as second:  # two pooled connections
                for conn in (first, second):
                    pragmas = [
                        conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                        for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
                    ]
                    assert pragmas == ["wal", 2, 1, 5000]  # synchronous 2 = FULL
    finally:
        engine.dispose()


def test_in_memory_sqlite_is_one_shared_database() -> None:
    engine = create_engine("sqlite://")
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 0
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("url", "driver"),
    [
        ("sqlite:///data/j.sqlite", "sqlite+pysqlite"),
        ("postgresql://al@/journal?host=/tmp/sock", "postgresql+psycopg"),
        ("postgres://al@db/journal", "postgresql+psycopg"),
        ("postgresql+psycopg://al@db:5433/journal", "postgresql+psycopg"),
    ],
)
def test_urls_map_onto_the_drivers_we_ship(url: str, driver: str) -> None:
    assert to_url(url).drivername == driver


@pytest.mark.parametrize("url", ["mysql://u:p@h/db", "postgresql+psycopg2://u@h/db"])
def test_unsupported_databases_are_a_configuration_error_without_the_password(url: str) -> None:
    with pytest.raises(ConfigurationError, match="unsupported database") as info:
        to_url(url)
    assert ":p@" not in str(info.value)


def test_redact_url_hides_the_password_only() -> None:
    redacted = redact_url("postgresql+psycopg://trader:s3cret@db.local:5432/journal")

    assert "s3cret" not in redacted
    assert redacted == "postgresql+psycopg://trader:***@db.local:5432/journal"
    assert redact_url("data/journal.sqlite") == "data/journal.sqlite"
    assert redact_url(Path("x.sqlite")) == "x.sqlite"


def test_redact_url_hides_a_password_given_as_a_query_parameter() -> None:
    """libpq takes `?password=` (and `sslpassword=`) too; the dashboard shows the journal URL."""
    redacted = redact_url("postgresql+psycopg://trader@db.local/journal?password=s3cret&sslmode=require")
    assert "s3cret" not in redacted
    assert "sslmode=require" in redacted
    assert "s3cret" not in redact_url("postgresql+psycopg://trader@db.local/journal?sslpassword=s3cret")
