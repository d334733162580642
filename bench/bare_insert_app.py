"""The yardstick for bench/save_throughput.py: a bare Flask + SQLAlchemy insert endpoint.

One row per POST /insert (the posted text), no sign-in, no CSRF, no templates. Its own SQLite
file (BARE_DATABASE_URL) with the connection setup the app uses (webapp/extensions.py): WAL,
synchronous=NORMAL, foreign keys on, busy_timeout=10000, the driver's implicit BEGIN off and
BEGIN IMMEDIATE before the first flush. Served by gunicorn exactly like the app:

    BARE_DATABASE_URL=sqlite:////tmp/x.sqlite gunicorn --chdir bench -w 4 bare_insert_app:app
"""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime

from flask import Flask, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import String, Text, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Row(db.Model):
    __tablename__ = "bare_rows"

    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=lambda: datetime.now(UTC).replace(tzinfo=None))


# The app's own SQLite setup (WAL, synchronous=NORMAL, foreign keys, busy timeout,
# BEGIN IMMEDIATE before the first flush): importing the module registers its listeners
# on every Engine and Session, so the yardstick pays exactly what the app pays.
import webapp.extensions  # noqa: E402,F401


def create_table(database_path: str) -> None:
    """Create the table once, before gunicorn's workers start (so they never race on DDL)."""
    connection = sqlite3.connect(database_path)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute(
            "CREATE TABLE IF NOT EXISTS bare_rows (id INTEGER PRIMARY KEY, body TEXT NOT NULL, "
            "note VARCHAR(500) NOT NULL, created_at DATETIME NOT NULL)"
        )
        connection.commit()
    finally:
        connection.close()


def create_app() -> Flask:
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["BARE_DATABASE_URL"]
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": False}  # as the app on SQLite (webapp.config)
    db.init_app(app)

    @app.post("/insert")
    def insert():
        db.session.add(Row(body=request.form.get("source", ""), note=request.form.get("note", "")))
        db.session.commit()
        return "", 201

    @app.get("/healthz")
    def healthz():
        db.session.execute(text("SELECT 1"))
        return {"status": "ok"}

    return app


if os.environ.get("BARE_DATABASE_URL"):
    app = create_app()
