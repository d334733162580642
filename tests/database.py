"""The test database's rows: empty every table, copy them all, put a copy back.

Seeding the demo runs the whole app (templates, Markdown, statistics) and costs about a
second; putting its rows back costs about 25 ms. So the demo is seeded once per session and
put back before every test that asks for it (tests/conftest.py) — unless the database holds it
untouched already: most tests only read, and every statement that is not a read marks the
database as written (``ensure_demo`` / ``ensure_empty`` then rebuild it).
"""

from __future__ import annotations

import re
import time

from sqlalchemy import event, insert, select, text, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

from webapp.db_guards import create_publication_guards, drop_publication_guards
from webapp.extensions import db

Rows = dict[str, list[dict]]


def _truncate(connection: Connection, tables: list[str], attempts: int = 5) -> None:
    """TRUNCATE, again after a deadlock: a request the last browser test's page sent as it
    closed (a presence "leave" beacon) may still be writing in the live server's thread."""
    for attempt in range(1, attempts + 1):
        try:
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            connection.commit()
            return
        except OperationalError as error:
            connection.rollback()
            if getattr(error.orig, "sqlstate", None) != "40P01" or attempt == attempts:
                raise
            time.sleep(0.2 * attempt)


def empty_all_tables() -> None:
    db.session.remove()
    tables = [table.name for table in reversed(db.metadata.sorted_tables)]
    with db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            _truncate(connection, tables)
            return
        # Blocks and revisions point at each other; emptying them needs the checks off.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        # TRUNCATE passes row triggers on PostgreSQL; SQLite's DELETE needs them out of the way.
        drop_publication_guards(connection)
        for table in tables:
            connection.exec_driver_sql(f'DELETE FROM "{table}"')
        create_publication_guards(connection)
        connection.exec_driver_sql("COMMIT")
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")


def copy_rows() -> Rows:
    with db.engine.connect() as connection:
        return {
            table.name: [dict(row._mapping) for row in connection.execute(select(table))]
            for table in db.metadata.sorted_tables
        }


def restore_rows(rows: Rows) -> None:
    """Insert a copy back into empty tables, ids and sequences included.

    Foreign keys to tables not inserted yet (or to the same table: reports.previous_report_id,
    comments.parent_id) are patched afterwards, so row order never matters.
    """
    db.session.remove()
    with db.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        inserted: set[str] = set()
        later: list[tuple] = []
        for table in db.metadata.sorted_tables:
            data = rows[table.name]
            deferred = [c.name for c in table.columns for fk in c.foreign_keys if fk.column.table.name not in inserted]
            if data:
                connection.execute(insert(table), [{**row, **{c: None for c in deferred}} for row in data])
                for column in deferred:
                    patch = [(row["id"], row[column]) for row in data if row[column] is not None]
                    if patch:
                        later.append((table, column, patch))
            inserted.add(table.name)
        for table, column, patch in later:
            for row_id, value in patch:
                connection.execute(update(table).where(table.c.id == row_id).values({column: value}))
        if sqlite:
            connection.exec_driver_sql("COMMIT")
        else:
            for table in db.metadata.sorted_tables:
                if "id" in table.c and table.c.id.autoincrement is not False and rows[table.name]:
                    connection.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                            f"(SELECT MAX(id) FROM {table.name}))"
                        )
                    )
            connection.commit()


# --- Which state the database is in between tests ---------------------------------------------

# Statements that only read; anything else (INSERT, UPDATE, DELETE, TRUNCATE, DDL …) counts as a
# write, from any engine of this process (the live server's thread included).
_READ = re.compile(r"\s*(SELECT|PRAGMA|BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|SHOW|EXPLAIN)\b", re.IGNORECASE)
_state: dict[str, object] = {"holds": None, "written": True}


@event.listens_for(Engine, "before_cursor_execute")
def _note_writes(_connection, _cursor, statement, _parameters, _context, _executemany) -> None:
    if not _READ.match(statement):
        _state["written"] = True


def _now_holds(what: str) -> None:
    _state["holds"], _state["written"] = what, False


def ensure_rows(name: str, rows: Rows) -> None:
    """The rows of the snapshot ``name``: put back unless nothing has written since they were."""
    if _state["holds"] == name and not _state["written"]:
        return
    empty_all_tables()
    restore_rows(rows)
    _now_holds(name)


def ensure_demo(rows: Rows) -> None:
    """The demo's rows, as seeded."""
    ensure_rows("demo", rows)


def ensure_empty() -> None:
    """No rows at all: emptied unless nothing has written since it was."""
    if _state["holds"] == "empty" and not _state["written"]:
        return
    empty_all_tables()
    _now_holds("empty")
