"""Flask extensions, created unbound and initialised in create_app()."""

import sqlite3
from typing import TYPE_CHECKING, ClassVar

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, Table, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session

from webapp.database_timeouts import connect_with_round_trip_bound

# Stable constraint names so Alembic migrations are reproducible on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)

    if TYPE_CHECKING:
        # DeclarativeBase types this as any FromClause; every model here is mapped to a
        # plain Table, so its Core API (update(), delete(), c) is available.
        __table__: ClassVar[Table]


db = SQLAlchemy(model_class=Base)

# The class models subclass. At run time it is Flask-SQLAlchemy's db.Model (which binds
# the session and names tables); mypy cannot see that dynamic attribute, so it checks the
# models against the typed Base it derives from (Flask-SQLAlchemy #1186, mypy #8603).
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model

migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


# PostgreSQL connections whose every round trip is bounded on the client (DATABASE_CLIENT_TIMEOUT).
event.listen(Engine, "do_connect", connect_with_round_trip_bound)


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, _record):
    """WAL, NORMAL sync and foreign keys; the driver's own BEGIN is switched off.

    With pysqlite's implicit (deferred) BEGIN a third of concurrent saves failed
    with "database is locked". Reads now run in autocommit; a write transaction is
    opened explicitly with BEGIN IMMEDIATE just before the first flush (below).
    Migrations open theirs when Alembic begins (migrations/env.py).
    """
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


@event.listens_for(Session, "before_flush")
def _begin_immediate_on_sqlite(session, _flush_context, _instances):
    begin_write(session)


def begin_write(session: Session | scoped_session) -> None:
    """Open the write transaction on SQLite (BEGIN IMMEDIATE) unless it is open; a no-op on
    PostgreSQL. Before a flush this runs by itself; a plain Core INSERT calls it first."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    dbapi_connection = connection.connection.dbapi_connection
    if dbapi_connection is not None and not dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
