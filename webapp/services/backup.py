"""Online backup of the database, and restoring one into an empty database.

SQLite: the sqlite3 backup API copies the pages of one read transaction, so the copy is
consistent while the app writes, and it includes what still sits in the WAL (a copy of the
file alone can miss it). PostgreSQL: ``pg_dump`` in custom format (one snapshot) and
``pg_restore`` in a single transaction, with the connection parameters of the app's URL.

A backup is written to a temporary file beside OUTFILE and renamed once complete, so an
interrupted backup never leaves a file that looks like a backup. A restore refuses, changing
nothing, unless the target database has no tables at all; afterwards the schema is at the
backup's revision (its alembic_version came with it).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, Connection, Engine

SQLITE_HEADER = b"SQLite format 3\x00"
PG_DUMP_HEADER = b"PGDMP"


class BackupRefused(Exception):
    """Nothing was written or changed; the message says why (shown as it is)."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    revision: str | None


def backup_database(engine: Engine, outfile: Path) -> BackupResult:
    """Write a consistent copy of the database to OUTFILE, which must not exist yet."""
    if outfile.exists():
        raise BackupRefused(f"{outfile} finns redan; välj ett nytt filnamn.")
    if not outfile.parent.is_dir():
        raise BackupRefused(f"Katalogen {outfile.parent} finns inte.")
    partial = outfile.with_name(f".{outfile.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        if engine.dialect.name == "sqlite":
            _sqlite_backup(engine, partial)
        elif engine.dialect.name == "postgresql":
            _run(["pg_dump", "--format=custom", f"--file={partial}"], engine.url)
        else:
            raise BackupRefused(f"Säkerhetskopiering stöds inte för {engine.dialect.name}.")
        os.replace(partial, outfile)
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(outfile, outfile.stat().st_size, revision(engine))


def restore_database(engine: Engine, infile: Path) -> str | None:
    """Restore a backup made by backup_database into the app's database, which must be empty.

    Returns the revision the database is at afterwards.
    """
    header = _header(infile)
    if engine.dialect.name == "sqlite":
        if not header.startswith(SQLITE_HEADER):
            raise BackupRefused(f"{infile} är ingen säkerhetskopia av en SQLite-databas.")
        _refuse_unless_empty(engine)
        _sqlite_restore(infile, engine)
    elif engine.dialect.name == "postgresql":
        if not header.startswith(PG_DUMP_HEADER):
            raise BackupRefused(f"{infile} är ingen säkerhetskopia från pg_dump (custom-format).")
        _refuse_unless_empty(engine)
        # One transaction: a restore that fails half-way leaves the database empty again.
        # Owners and grants belong to the old server; the app's user owns what it restores.
        _run(
            ["pg_restore", "--single-transaction", "--exit-on-error", "--no-owner", "--no-acl", str(infile)], engine.url
        )
    else:
        raise BackupRefused(f"Återställning stöds inte för {engine.dialect.name}.")
    engine.dispose()  # pooled connections knew the empty schema
    return revision(engine)


def revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _header(infile: Path) -> bytes:
    try:
        with infile.open("rb") as file:
            return file.read(len(SQLITE_HEADER))
    except OSError as error:
        raise BackupRefused(f"{infile} kan inte läsas: {error.strerror}.") from error


def _refuse_unless_empty(engine: Engine) -> None:
    with engine.connect() as connection:
        tables = inspect(connection).get_table_names()
    if tables:
        raise BackupRefused(
            f"Databasen är inte tom ({len(tables)} tabeller, bland dem {', '.join(sorted(tables)[:3])}). "
            "Återställ till en ny, tom databas; ingenting ändrades."
        )


def _sqlite_backup(engine: Engine, target: Path) -> None:
    destination = sqlite3.connect(target)
    try:
        with engine.connect() as connection:
            # All pages in one step: one read transaction, so one consistent state (WAL
            # readers do not block the app's writers meanwhile).
            _driver(connection).backup(destination)
        # The copy is a single self-contained file, not a WAL database waiting for its -wal.
        destination.execute("PRAGMA journal_mode=DELETE")
        if destination.execute("PRAGMA quick_check").fetchone() != ("ok",):
            raise BackupRefused("Kopian klarade inte SQLite:s kontroll; ingen säkerhetskopia skrevs.")
    finally:
        destination.close()


def _sqlite_restore(infile: Path, engine: Engine) -> None:
    source = sqlite3.connect(f"file:{infile}?mode=ro", uri=True)
    try:
        if source.execute("PRAGMA quick_check").fetchone() != ("ok",):
            raise BackupRefused(f"{infile} är skadad (SQLite:s kontroll); ingenting ändrades.")
        with engine.connect() as connection:
            source.backup(_driver(connection))
    except sqlite3.DatabaseError as error:
        raise BackupRefused(f"{infile} kan inte läsas som SQLite-databas: {error}.") from error
    finally:
        source.close()


def _driver(connection: Connection) -> sqlite3.Connection:
    driver_connection = connection.connection.driver_connection
    assert isinstance(driver_connection, sqlite3.Connection)
    return driver_connection


def _run(command: list[str], url: URL) -> None:
    """Run a PostgreSQL client tool against the app's database: its URL as a libpq
    connection string, the password through the environment (never on the command line)."""
    env = {**os.environ, "PGPASSWORD": url.password} if url.password else None
    try:
        result = subprocess.run(
            [*command, f"--dbname={_conninfo(url)}"], env=env, capture_output=True, text=True, check=False
        )
    except FileNotFoundError as error:
        raise BackupRefused(f"{command[0]} finns inte; installera PostgreSQL:s klientprogram.") from error
    if result.returncode != 0:
        raise BackupRefused(f"{command[0]} misslyckades: {result.stderr.strip()}")


def _conninfo(url: URL) -> str:
    values: dict[str, object] = {"host": url.host, "port": url.port, "user": url.username, "dbname": url.database}
    # Query parameters of the URL (sslmode, connect_timeout …) are libpq settings as well.
    values.update({key: value if isinstance(value, str) else value[-1] for key, value in url.query.items()})
    return " ".join(f"{key}={_quoted(str(value))}" for key, value in values.items() if value is not None)


def _quoted(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("'", "\\'")
    return f"'{escaped}'"
