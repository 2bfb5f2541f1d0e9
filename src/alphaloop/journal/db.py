"""Journal URLs and engines: SQLite files (the default) or PostgreSQL through psycopg 3.

A plain path means a SQLite file (its folder is created). SQLite connections get, on every connect:
WAL (readers never block the writer), synchronous=FULL (a committed order survives a power cut),
foreign keys on, and a 5 s busy timeout. SQLAlchemy emits BEGIN itself instead of the sqlite3
module (which starts no transaction for a SELECT), so a read-then-write is one transaction; the
journal writes through `writer(engine)`, whose transactions begin IMMEDIATE, taking the write lock
up front instead of failing when a read snapshot turns out stale.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import StaticPool

from alphaloop.model.errors import ConfigurationError

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=5000",
)
_SQLITE_DRIVERS = frozenset({"sqlite", "sqlite+pysqlite"})
_POSTGRES_DRIVERS = frozenset({"postgresql", "postgres", "postgresql+psycopg"})
#: execution option read by the SQLite `begin` hook: "" (deferred) or "IMMEDIATE".
_BEGIN_OPTION = "alphaloop_sqlite_begin"


def to_url(url: str | Path) -> URL:
    """The SQLAlchemy URL of a journal location; a path (no `://`) is a SQLite file."""
    if isinstance(url, Path) or "://" not in url:
        return URL.create("sqlite+pysqlite", database=str(Path(url).expanduser().absolute()))
    try:
        parsed = sqlalchemy.make_url(url)
    except ArgumentError as exc:
        raise ConfigurationError(f"journal URL {redact_url(url)!r} is not a valid URL: {exc}") from exc
    if parsed.drivername in _SQLITE_DRIVERS:
        return parsed.set(drivername="sqlite+pysqlite")
    if parsed.drivername in _POSTGRES_DRIVERS:
        # psycopg 3 is the driver we ship; `postgresql://` would otherwise mean psycopg2.
        return parsed.set(drivername="postgresql+psycopg")
    raise ConfigurationError(
        f"journal URL {redact_url(url)!r}: unsupported database {parsed.drivername!r}; "
        "use a file path, sqlite:///path or postgresql+psycopg://user@host/db"
    )


def redact_url(url: str | Path | URL) -> str:
    """The URL with its password hidden (`***`), safe to print and log."""
    if isinstance(url, Path):
        return str(url)
    if isinstance(url, str):
        if "://" not in url:
            return url
        try:
            url = sqlalchemy.make_url(url)
        except ArgumentError:
            return "<unparseable journal URL>"
    # libpq also reads a password from the query string
    hidden = {k: "***" for k in url.query if k.lower() in ("password", "sslpassword")}
    if hidden:
        url = url.update_query_dict(hidden)
    return url.render_as_string(hide_password=True)


def is_memory_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def create_engine(url: str | Path) -> Engine:
    """An engine for the journal at `url`; for a SQLite file, its parent folder is created."""
    resolved = to_url(url)
    if resolved.get_backend_name() == "sqlite":
        return _sqlite_engine(resolved)
    return sqlalchemy.create_engine(resolved, pool_pre_ping=True)


def writer(engine: Engine) -> Engine:
    """The same engine whose transactions are write transactions (BEGIN IMMEDIATE on SQLite)."""
    if engine.dialect.name != "sqlite":
        return engine
    return engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})


def _sqlite_engine(url: URL) -> Engine:
    kwargs: dict[str, Any] = {}
    if is_memory_sqlite(url):
        # One shared connection, or every checkout would see a new empty database.
        kwargs = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
    else:
        assert url.database is not None
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = sqlalchemy.create_engine(url, **kwargs)
    event.listen(engine, "connect", _on_sqlite_connect)
    event.listen(engine, "begin", _on_sqlite_begin)
    return engine


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Take BEGIN away from the sqlite3 module (see the module docstring); pragmas need no transaction.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


def _on_sqlite_begin(connection: Connection) -> None:
    mode = connection.get_execution_options().get(_BEGIN_OPTION, "")
    connection.exec_driver_sql(f"BEGIN {mode}".strip())


def sqlite_file(url: str | Path) -> Path | None:
    """The file behind a journal URL (a bare path means SQLite); None when it is not a SQLite file.
    Raises `ConfigurationError` for a URL the journal cannot use."""
    resolved = to_url(url)
    if resolved.get_backend_name() != "sqlite" or is_memory_sqlite(resolved) or resolved.database is None:
        return None
    return Path(resolved.database)
