"""The app's engine pings pooled connections before use on PostgreSQL only (issue 16)."""

from __future__ import annotations

from webapp.extensions import db


def test_the_engine_pings_only_postgresql_connections(app_ctx):
    engine = db.engine
    assert engine.pool._pre_ping is (engine.dialect.name == "postgresql")
