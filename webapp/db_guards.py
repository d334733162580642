"""Database triggers that refuse changing or deleting what must stay as it was.

Publications are archived: the ORM refuses updates and deletes (models/publishing.py),
and so does the database itself, for anyone who goes around the ORM. Migration 0005
creates these; the test suite drops them around emptying its tables.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

MESSAGE = "publications are immutable"

_SQLITE = [
    f"CREATE TRIGGER publications_no_update BEFORE UPDATE ON publications BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    f"CREATE TRIGGER publications_no_delete BEFORE DELETE ON publications BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
]
_POSTGRESQL = [
    "CREATE OR REPLACE FUNCTION publications_refuse_change() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$",
    "CREATE TRIGGER publications_no_update BEFORE UPDATE OR DELETE ON publications "
    "FOR EACH ROW EXECUTE FUNCTION publications_refuse_change()",
]


def create_publication_guards(connection: Connection) -> None:
    for statement in _POSTGRESQL if connection.dialect.name == "postgresql" else _SQLITE:
        connection.exec_driver_sql(statement)


def drop_publication_guards(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("DROP TRIGGER IF EXISTS publications_no_update ON publications")
        connection.exec_driver_sql("DROP FUNCTION IF EXISTS publications_refuse_change()")
    else:
        connection.exec_driver_sql("DROP TRIGGER IF EXISTS publications_no_update")
        connection.exec_driver_sql("DROP TRIGGER IF EXISTS publications_no_delete")
