"""A scratch database of the backend the suite runs on, and a way to compare two states.

Fault tests run the real commands (`flask db upgrade`, `flask backup` …) in subprocesses
against a database of their own: a file on SQLite, or on PostgreSQL (TEST_DATABASE_URL) a
database ``test_migrations_<pid>_<n>`` created beside the shared ``test`` database and
dropped afterwards. The shared database's tables are never touched.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.pool import NullPool

from webapp.config import PROJECT_ROOT

_numbers = itertools.count()


def head_revision() -> str | None:
    return ScriptDirectory(str(PROJECT_ROOT / "migrations")).get_current_head()


def on_postgresql() -> bool:
    return os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")


@contextmanager
def scratch_database(tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty database; dropped (PostgreSQL) when the block ends."""
    if not on_postgresql():
        yield f"sqlite:///{tmp_path / f'scratch{next(_numbers)}.sqlite'}"
        return
    server = make_url(os.environ["TEST_DATABASE_URL"])
    name = f"test_migrations_{os.getpid()}_{next(_numbers)}"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


# `flask --app wsgi ARGS…`, optionally with a fault: MIGRATION_FAULT="kill:<start>" SIGKILLs the
# process, "fail:<start>" raises, just before the first statement that starts with <start>
# (whitespace collapsed). Statements, not timing, decide where it stops.
_RUNNER = """
import os, signal, sys
from sqlalchemy import event
from sqlalchemy.engine import Engine

action, _, start = os.environ.get("MIGRATION_FAULT", "").partition(":")

@event.listens_for(Engine, "before_cursor_execute")
def _fault(conn, cursor, statement, parameters, context, executemany):
    if start and " ".join(statement.split()).startswith(start):
        if action == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        raise RuntimeError("injected failure before " + start)

from flask.cli import main
sys.argv = ["flask", "--app", "wsgi", *sys.argv[1:]]
main()
"""


def flask(url: str, *args: str, fault: str = "", timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "fault-tests", "MIGRATION_FAULT": fault}
    return subprocess.run(
        [sys.executable, "-c", _RUNNER, *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@contextmanager
def connect(url: str) -> Iterator[Connection]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def snapshot(url: str) -> dict:
    """Everything that must not change: tables with their columns and rows, triggers, revision."""
    with connect(url) as connection:
        tables = {}
        for name in sorted(inspect(connection).get_table_names()):
            columns = [(c["name"], str(c["type"])) for c in inspect(connection).get_columns(name)]
            rows = sorted(repr(tuple(row)) for row in connection.exec_driver_sql(f'SELECT * FROM "{name}"'))
            tables[name] = (columns, rows)
        return {"tables": tables, "triggers": triggers(connection)}


def triggers(connection: Connection) -> list[str]:
    if connection.dialect.name == "postgresql":
        query = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY tgname"
    else:
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
    return list(connection.execute(text(query)).scalars())


def revision(url: str) -> str | None:
    """The revision alembic_version holds; None when the table is not there."""
    with connect(url) as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def table_names(url: str) -> list[str]:
    with connect(url) as connection:
        return sorted(inspect(connection).get_table_names())
