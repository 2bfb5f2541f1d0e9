"""Alembic environment of the journal, configured from code (`alphaloop.journal.migrate`).

`migrate.upgrade(engine)` hands over an open connection in `config.attributes["connection"]`;
the migrations then run inside that connection's transaction. Without one (the `alembic` command
line with `-x url=...`), an engine is made from that URL.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from alphaloop.journal import db
from alphaloop.journal.schema import metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things: future migrations copy-and-move tables in batch mode.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _main() -> None:
    config = context.config
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("give the journal: alembic -x url=<path or SQLAlchemy URL> ...")
    engine = db.writer(db.create_engine(url))
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


_main()
