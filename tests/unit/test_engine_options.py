"""Engine options per database (issue 16): the pool pings PostgreSQL connections before use
(a cut or frozen one is replaced, within DATABASE_CLIENT_TIMEOUT), never SQLite's."""

from __future__ import annotations

from webapp.config import Config, database_engine_options

SQLITE = "sqlite:////tmp/x.sqlite"
POSTGRESQL = "postgresql+psycopg://postgres@127.0.0.1:5432/x"


def options(url: str, **engine_options) -> dict:
    config = {key: getattr(Config, key) for key in dir(Config) if key.isupper()}
    config["SQLALCHEMY_DATABASE_URI"] = url
    config["SQLALCHEMY_ENGINE_OPTIONS"] = {**Config.SQLALCHEMY_ENGINE_OPTIONS, **engine_options}
    return database_engine_options(config)


def test_no_pre_ping_on_sqlite():
    assert options(SQLITE)["pool_pre_ping"] is False


def test_pre_ping_on_postgresql_with_the_round_trip_bound():
    found = options(POSTGRESQL)
    assert found["pool_pre_ping"] is True
    assert found["connect_args"]["round_trip_timeout"] > 0  # what bounds the ping of a frozen connection


def test_an_explicit_choice_is_kept():
    assert options(SQLITE, pool_pre_ping=True)["pool_pre_ping"] is True
    assert options(POSTGRESQL, pool_pre_ping=False)["pool_pre_ping"] is False
