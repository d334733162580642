"""A database or Redis that stops answering fails requests within the timeout, and the app
recovers when it answers again.

The silent server is ``tests.faults.blackhole``: it accepts connections and never answers, and
later forwards to the real server. Figures (time to fail, time to recover) are printed (-s).
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy.engine import make_url

from tests.conftest import csrf_token, sign_in
from tests.faults.blackhole import blackhole
from tests.integration.helpers import find_block, revision_count, save_url
from tests.integration.publishing_helpers import CHAIR, OPEN_REPORT_ID, WRITER
from webapp import create_app, tasks
from webapp.extensions import db

CONNECT_TIMEOUT = 2  # seconds; libpq's smallest
READY_DEADLINE = 1
DATABASE_UNAVAILABLE = "Tjänsten kan inte nå databasen just nu."
TEXT_NOT_SAVED = "Din text är inte sparad — försök igen om en stund."


def _timed(call):
    started = time.perf_counter()
    result = call()
    return result, time.perf_counter() - started


def _until(predicate, limit: float = 10.0) -> float:
    """Seconds until ``predicate()`` holds (polling), failing after ``limit``."""
    started = time.perf_counter()
    while not predicate():
        assert time.perf_counter() - started < limit, "did not recover"
        time.sleep(0.05)
    return time.perf_counter() - started


# --- PostgreSQL ---------------------------------------------------------------------------------


@pytest.fixture
def postgres_through_hole(app: Flask, demo) -> Iterator[tuple[Flask, object]]:
    """A second app whose database connections all pass through a blackhole to the test database."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "postgresql":
        pytest.skip("a silent PostgreSQL needs TEST_DATABASE_URL to name one")
    with blackhole(forward_to=(url.host or "127.0.0.1", url.port or 5432)) as hole:
        silent = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": app.config["SECRET_KEY"],
                "SQLALCHEMY_DATABASE_URI": url.set(host="127.0.0.1", port=hole.port).render_as_string(False),
                "PASSWORD_HASH_METHOD": app.config["PASSWORD_HASH_METHOD"],
                "HUEY_IMMEDIATE": True,
                "DATABASE_CONNECT_TIMEOUT": CONNECT_TIMEOUT,
                "READY_DEADLINE": READY_DEADLINE,
            }
        )
        try:
            yield silent, hole
        finally:
            hole.swallow()
            with silent.app_context():
                db.engine.dispose()


def test_a_silent_postgresql_fails_requests_within_the_timeout_and_they_recover(app, postgres_through_hole):
    silent, hole = postgres_through_hole
    block_id = find_block(app, "dag-besok", "crossroads")
    before = revision_count(app, block_id)
    writer = silent.test_client()
    assert sign_in(writer, WRITER).status_code == 302
    token = csrf_token(writer)
    assert writer.get("/").status_code == 200

    hole.swallow()
    page, page_seconds = _timed(lambda: writer.get("/"))
    assert page.status_code == 503, page.status_code
    assert page.headers["Retry-After"]
    assert DATABASE_UNAVAILABLE in page.get_data(as_text=True)
    save, save_seconds = _timed(
        lambda: writer.post(
            save_url(block_id),
            data={"source": "Texten som inte når fram.", "base_version": 1, "csrf_token": token},
            headers={"HX-Request": "true"},
        )
    )
    assert save.status_code == 503
    assert TEXT_NOT_SAVED in save.get_data(as_text=True)
    liveness, liveness_seconds = _timed(lambda: writer.get("/healthz"))
    assert liveness.status_code == 200 and liveness_seconds < 0.5
    ready, ready_seconds = _timed(lambda: writer.get("/readyz"))
    assert ready.status_code == 503 and ready.json["checks"]["database"]["ok"] is False
    for seconds in (page_seconds, save_seconds):
        assert seconds <= CONNECT_TIMEOUT + 1.5, seconds
    assert ready_seconds <= READY_DEADLINE + 0.5, ready_seconds

    hole.forward()
    recovered = _until(lambda: writer.get("/").status_code == 200)
    assert writer.get("/readyz").status_code == 200
    assert revision_count(app, block_id) == before  # the refused save left nothing
    print(
        f"\nsilent PostgreSQL: page 503 after {page_seconds:.2f} s, save 503 after {save_seconds:.2f} s, "
        f"/healthz {liveness_seconds * 1000:.0f} ms, /readyz 503 after {ready_seconds:.2f} s; "
        f"recovered {recovered:.2f} s after it answered again"
    )


def test_the_error_page_needs_no_database(app):
    """A signed-in person's page with the database gone: 503 and a page made of nothing but the
    template (no name, no menu, no notification count: all of them would ask the database)."""
    nowhere = create_app(
        {"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite:////nonexistent/dir/db.sqlite"}
    )
    client = nowhere.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "1.0"  # "<id>.<session generation>"
    page = client.get("/")
    assert page.status_code == 503 and page.headers["Retry-After"]
    html = page.get_data(as_text=True)
    assert DATABASE_UNAVAILABLE in html and "<!doctype html>" in html and "Notiser" not in html
    refused = client.post("/blocks/1/save", data={"source": "Text"})  # no CSRF token: refused first
    assert refused.status_code == 400 and "säkerhetstoken" in refused.get_data(as_text=True)
    nowhere.config["WTF_CSRF_ENABLED"] = False
    fragment = client.post("/blocks/1/save", data={"source": "Text"}, headers={"HX-Request": "true"})
    assert fragment.status_code == 503
    assert fragment.get_data(as_text=True).startswith('<div class="alert alert-error"')
    assert TEXT_NOT_SAVED in fragment.get_data(as_text=True)
    with nowhere.app_context():
        db.engine.dispose()


# --- Redis (the queue) --------------------------------------------------------------------------


def _redis_is_there() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


REDIS_DB = 15  # not the queue of anything that runs on this machine


def test_a_silent_redis_fails_within_the_timeout_and_recovers(app, signed_in, monkeypatch: pytest.MonkeyPatch):
    if not _redis_is_there():
        if os.environ.get("CI") == "true":
            pytest.fail("Redis at 127.0.0.1:6379 is required in CI")
        pytest.skip("no Redis at 127.0.0.1:6379 to come back to")
    chair = signed_in(CHAIR)
    with blackhole(forward_to=("127.0.0.1", 6379)) as hole:
        hole.swallow()
        queue = tasks.make_huey(
            {
                "HUEY_REDIS_URL": f"redis://127.0.0.1:{hole.port}/{REDIS_DB}",
                "REDIS_CONNECT_TIMEOUT": "1",
                "REDIS_SOCKET_TIMEOUT": "1",
            }
        )
        monkeypatch.setattr(tasks.huey, "storage", queue.storage)
        monkeypatch.setitem(app.config, "HUEY_IMMEDIATE", False)
        monkeypatch.setitem(app.config, "READY_DEADLINE", READY_DEADLINE)
        monkeypatch.setitem(app.config, "READY_WORKER_MAX_AGE", 0)  # no worker here: the queue is asked
        try:
            token = csrf_token(chair, f"/reports/{OPEN_REPORT_ID}")
            asked, asked_seconds = _timed(
                lambda: chair.post(f"/reports/{OPEN_REPORT_ID}/draft-pdf", data={"csrf_token": token})
            )
            assert asked.status_code < 500, asked.status_code  # the job is stored; handing it over waits
            assert asked_seconds <= 3, asked_seconds
            ready, ready_seconds = _timed(lambda: chair.get("/readyz"))
            assert ready.status_code == 503 and ready.json["checks"]["queue"]["ok"] is False
            assert ready_seconds <= READY_DEADLINE + 0.5, ready_seconds

            hole.forward()
            recovered = _until(lambda: chair.get("/readyz").status_code == 200)
        finally:
            queue.storage.conn.delete(queue.storage.queue_key)
            queue.storage.pool.disconnect()
    print(
        f"\nsilent Redis: asking for a render answered after {asked_seconds:.2f} s, /readyz 503 after "
        f"{ready_seconds:.2f} s; recovered {recovered:.2f} s after it answered again"
    )
