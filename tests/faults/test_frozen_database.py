"""A PostgreSQL backend that freezes on an already-open pooled connection costs a request at most
DATABASE_CLIENT_TIMEOUT seconds (webapp.database_timeouts), and the frozen connection is not reused.

The freeze is real: the backend process behind the app's pooled connection is stopped with
SIGSTOP (PostgreSQL runs on this machine and the tests run as root), so the server can enforce no
statement timeout and its kernel still acknowledges every packet. It is always resumed and
terminated afterwards. Each app here uses a scratch database of its own, never the shared one.
Figures are printed (-s).
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from tests.faults.scratch_database import on_postgresql, scratch_database
from webapp import create_app
from webapp.config import Config, client_timeout
from webapp.database_timeouts import DatabaseNotAnswering
from webapp.extensions import db

BOUND = 2.0  # seconds: DATABASE_CLIENT_TIMEOUT of the apps below
SLACK = 1.5  # what a request adds to the bound (rendering the error page, reconnecting)
DATABASE_UNAVAILABLE = "Tjänsten kan inte nå databasen just nu."

needs_postgresql = pytest.mark.skipif(
    not on_postgresql(), reason="freezes a PostgreSQL backend process; TEST_DATABASE_URL names no PostgreSQL"
)


def test_the_bound_defaults_to_a_little_above_the_statement_timeout():
    assert client_timeout({"DATABASE_CLIENT_TIMEOUT": None, "DATABASE_STATEMENT_TIMEOUT": 30}) == 35
    assert client_timeout({"DATABASE_CLIENT_TIMEOUT": None, "DATABASE_STATEMENT_TIMEOUT": 0}) == 0  # migrations
    assert client_timeout({"DATABASE_CLIENT_TIMEOUT": "12", "DATABASE_STATEMENT_TIMEOUT": 30}) == 12
    assert client_timeout({"DATABASE_CLIENT_TIMEOUT": "0", "DATABASE_STATEMENT_TIMEOUT": 30}) == 0


@pytest.fixture
def app_on_scratch(tmp_path: Path) -> Iterator[Callable]:
    """Make apps on a scratch PostgreSQL database holding the schema (one pooled connection)."""
    made: list[Flask] = []

    def make(url: str, **engine_options) -> Flask:
        app = create_app(
            {
                "TESTING": True,
                "WTF_CSRF_ENABLED": False,
                "SECRET_KEY": "frozen-database",
                "SQLALCHEMY_DATABASE_URI": url,
                "SQLALCHEMY_ENGINE_OPTIONS": {
                    **Config.SQLALCHEMY_ENGINE_OPTIONS,
                    "pool_size": 1,
                    "max_overflow": 0,
                    **engine_options,
                },
                "HUEY_IMMEDIATE": True,
                "DATABASE_CLIENT_TIMEOUT": BOUND,
            }
        )
        made.append(app)
        return app

    with scratch_database(tmp_path) as url:
        with make(url).app_context():
            db.create_all()
        try:
            yield lambda **options: make(url, **options)
        finally:
            for app in made:
                with app.app_context():
                    db.engine.dispose()


@contextmanager
def frozen_backend(app: Flask) -> Iterator[int]:
    """Stop the backend process behind the app's pooled connection; resume and end it afterwards."""
    with app.app_context():
        pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        db.session.remove()  # the connection goes back to the pool, where the next request finds it
    os.kill(pid, signal.SIGSTOP)
    try:
        yield pid
    finally:
        os.kill(pid, signal.SIGCONT)
        admin = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], poolclass=NullPool)
        with admin.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        admin.dispose()


def _sign_in(client):
    """A sign-in with an unknown address: the page asks the database who that is."""
    return client.post("/login", data={"email": "nobody@example.org", "password": "wrong password"})


def _timed(call, limit: float = BOUND + 10):
    """``call()`` and its duration; a call still waiting after ``limit`` s fails the test instead
    of hanging it (the thread finishes once the backend is resumed)."""
    outcome: dict = {}
    started = time.perf_counter()
    thread = threading.Thread(target=lambda: outcome.setdefault("result", call()), daemon=True)
    thread.start()
    thread.join(limit)
    seconds = time.perf_counter() - started
    if "result" not in outcome:
        pytest.fail(f"no answer within {seconds:.1f} s: the round trip is not bounded")
    return outcome["result"], seconds


def _backend_pid(app: Flask) -> int:
    with app.app_context():
        pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        db.session.remove()
    return pid


@needs_postgresql
def test_a_request_on_a_frozen_connection_gets_503_within_the_bound_and_the_next_one_works(app_on_scratch):
    # No pre-ping: the backend freezes after the pool handed the connection out, mid-request.
    app = app_on_scratch(pool_pre_ping=False)
    client = app.test_client()
    assert _sign_in(client).status_code == 422
    with frozen_backend(app) as pid:
        page, seconds = _timed(lambda: _sign_in(client))
        assert page.status_code == 503, page.status_code
        assert page.headers["Retry-After"] and DATABASE_UNAVAILABLE in page.get_data(as_text=True)
        assert seconds <= BOUND + SLACK, seconds
        # Still frozen: the next request does not meet that connection again.
        after, after_seconds = _timed(lambda: _sign_in(client))
        assert after.status_code == 422, after.status_code
        assert after_seconds < 1, after_seconds
        assert _backend_pid(app) != pid
    assert _sign_in(client).status_code == 422  # resumed and ended: nothing left behind
    print(f"\nfrozen backend: 503 after {seconds:.2f} s (bound {BOUND:g} s); next request {after_seconds:.2f} s")


@needs_postgresql
def test_the_pre_ping_of_a_frozen_pooled_connection_gives_up_and_the_request_gets_a_new_one(app_on_scratch):
    app = app_on_scratch()
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True  # as configured
    client = app.test_client()
    assert _sign_in(client).status_code == 422
    with frozen_backend(app) as pid:
        page, seconds = _timed(lambda: _sign_in(client))
        assert page.status_code == 422, page.status_code  # answered, on a fresh connection
        assert seconds <= BOUND + SLACK, seconds
        assert _backend_pid(app) != pid
    print(f"\nfrozen pooled connection: the pre-ping gave up and the request answered after {seconds:.2f} s")


@needs_postgresql
def test_the_bound_does_not_cut_work_that_answers_in_time(app_on_scratch):
    app = app_on_scratch()
    client = app.test_client()
    for _ in range(3):
        assert _sign_in(client).status_code == 422
    with app.app_context():
        # Nearly the whole bound, but the server answers: the statement completes.
        assert db.session.execute(text("SELECT pg_sleep(:s), 1"), {"s": BOUND - 0.5}).one()[1] == 1
        with pytest.raises(OperationalError) as failed:
            db.session.execute(text("SELECT pg_sleep(:s)"), {"s": BOUND + 1})
        assert isinstance(failed.value.orig, DatabaseNotAnswering) and failed.value.connection_invalidated
        db.session.rollback()
        assert db.session.execute(text("SELECT 1")).scalar_one() == 1
