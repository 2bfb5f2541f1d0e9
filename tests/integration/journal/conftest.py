"""A throwaway PostgreSQL server for the journal tests: initdb + pg_ctl, unix socket only.

Started once per session, stopped at the end. Each test gets its own fresh database. Skipped,
with the reason, when the PostgreSQL binaries are not installed. PostgreSQL refuses to run as
root: then the server runs as the `postgres` (or `nobody`) user in a temp dir that user may
enter (pytest's own temp dirs are private to root).
"""

from __future__ import annotations

import os
import pwd
import random
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

SUPERUSER = "alphaloop"


@dataclass(frozen=True)
class PgServer:
    socket_dir: Path
    port: int

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{SUPERUSER}@/{database}?host={self.socket_dir}&port={self.port}"

    def connect(self, database: str = "postgres") -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(
            host=str(self.socket_dir), port=self.port, user=SUPERUSER, dbname=database, autocommit=True
        )


def _find(binary: str) -> str | None:
    found = shutil.which(binary)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{binary}"), reverse=True)
    return str(candidates[0]) if candidates else None


def _run_as() -> pwd.struct_passwd | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    pytest.skip("PostgreSQL refuses to run as root and there is no postgres or nobody user")


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PgServer]:
    initdb, pg_ctl = _find("initdb"), _find("pg_ctl")
    if initdb is None or pg_ctl is None:
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl) not found on PATH or in /usr/lib/postgresql")
    user = _run_as()
    if user is None:
        base = tmp_path_factory.mktemp("pg")
    else:
        base = Path(tempfile.mkdtemp(prefix="alphaloop-pg-"))
        os.chown(base, user.pw_uid, user.pw_gid)
    data, socket_dir, log = base / "data", base / "sock", base / "server.log"
    socket_dir.mkdir()
    if user is not None:
        os.chown(socket_dir, user.pw_uid, user.pw_gid)
    port = random.randint(20_000, 60_000)  # names the socket file only: no TCP listener
    run_kwargs: dict[str, object] = {"check": True, "capture_output": True, "text": True, "timeout": 120}
    if user is not None:
        run_kwargs |= {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": [], "cwd": base}

    started = False
    try:
        subprocess.run(
            [
                initdb,
                "-D",
                str(data),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-locale",
                "--no-sync",
            ],
            **run_kwargs,  # type: ignore[call-overload]
        )
        options = f"-k {socket_dir} -p {port} -c listen_addresses='' -c fsync=off -c full_page_writes=off"
        subprocess.run(
            [pg_ctl, "-D", str(data), "-l", str(log), "-o", options, "-w", "-t", "60", "start"],
            **run_kwargs,  # type: ignore[call-overload]
        )
        started = True
        yield PgServer(socket_dir, port)
    except subprocess.CalledProcessError as exc:
        server_log = log.read_text() if log.exists() else ""
        pytest.fail(f"PostgreSQL did not start: {exc.cmd[0]}: {exc.stderr}\n{server_log}")
    finally:
        if started:
            subprocess.run(
                [pg_ctl, "-D", str(data), "-m", "immediate", "-w", "-t", "60", "stop"],
                **run_kwargs,  # type: ignore[call-overload]
            )
        if user is not None:
            shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def pg_url(pg_server: PgServer) -> Iterator[str]:
    """The URL of a new, empty database on the session's server (dropped afterwards)."""
    name = f"journal_{uuid.uuid4().hex[:12]}"
    with pg_server.connect() as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield pg_server.url(name)
    with pg_server.connect() as conn:
        conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
