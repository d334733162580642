"""Shared fixtures: one migrated database per run, emptied after every test that used it.

SQLite (a temporary file) by default; PostgreSQL when TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import event, text

from tests.database import Rows, copy_rows, empty_all_tables, ensure_demo, ensure_empty
from webapp import create_app
from webapp.extensions import db
from webapp.services.demo import DemoResult, seed_demo

DEMO_PASSWORD = "demo-iop-2026"
CSRF_PATTERN = re.compile(r'"X-CSRFToken": "([^"]+)"|name="csrf_token" type="hidden" value="([^"]+)"')


def _database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


def _reset_schema() -> None:
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))


class ClosingTestClient(FlaskClient):
    """Flask's test client, closing the files a request opens once its response is back.

    Two files otherwise wait for the garbage collector, and their ResourceWarning fails
    whichever test runs then: a static or downloaded file sent but never read (the response is
    buffered, which reads and closes it; no route of ours streams), and a form body over 500 KB
    (an upload refused as too large), which Werkzeug spools to a temporary file and closes
    only in ``response.close()`` after following redirects (werkzeug.test.Client.open).
    """

    def open(self, *args, buffered: bool = True, **kwargs):
        response = super().open(*args, buffered=buffered, **kwargs)
        body = response.request.input_stream
        if not isinstance(body, BytesIO):  # an in-memory body holds no file, and may still be read
            body.close()
        return response


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": _database_url(tmp_path_factory),
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "DEMO_MODE": False,
            "HUEY_IMMEDIATE": True,  # background renders run at once, in the request that asks
            "RENDER_IN_CHILD_PROCESS": False,  # in-process, where the render spies see it
        }
    )
    app.test_client_class = ClosingTestClient
    with app.app_context():
        _reset_schema()
        upgrade()
    yield app
    with app.app_context():
        # Close the pool's connections now: left to the garbage collector, psycopg warns about
        # each at exit, and warnings are errors.
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _database_as_asked(request: pytest.FixtureRequest) -> None:
    """Every test that uses the app starts from an empty database, or from the demo if it asks
    for it (the ``demo`` fixture), or from rows its module puts in place itself (marked
    ``own_database_state``, with ``tests.database.ensure_rows``); unit tests never start the app."""
    if request.node.get_closest_marker("own_database_state"):
        return
    if "app" in request.fixturenames and "demo" not in request.fixturenames:
        app = request.getfixturevalue("app")
        with app.app_context():
            ensure_empty()


@pytest.fixture(autouse=True)
def _fresh_rate_limits(request: pytest.FixtureRequest) -> None:
    """Every test that uses the app starts with no failed sign-ins or link attempts counted:
    all test clients share one address, and the limits are the production ones."""
    if "app" in request.fixturenames:
        from webapp import rate_limits

        request.getfixturevalue("app")
        rate_limits.reset()


_rendered_pdfs: dict[tuple[str, str], tuple[bytes, int]] = {}


@pytest.fixture(autouse=True)
def _shared_renders(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """One WeasyPrint render per distinct HTML for the whole session.

    The same HTML gives the same bytes (a test in test_rendering.py holds the renderer to that,
    uncached), and most tests that lock or preview the demo render the same document, so a
    render costs seconds once instead of in every test. Tests marked ``uncached_renders`` and
    pure unit tests render for real.
    """
    if "app" not in request.fixturenames or request.node.get_closest_marker("uncached_renders"):
        return
    import webapp.document.pdf as pdf_module

    real_render, real_staged = pdf_module.render_pdf, pdf_module.render_pdf_in_stages

    def render_pdf(html: str) -> bytes:
        key = ("whole", html)
        if key not in _rendered_pdfs:
            _rendered_pdfs[key] = (real_render(html), 0)
        return _rendered_pdfs[key][0]

    def render_pdf_in_stages(html: str, on_stage: Callable[[str], None]) -> tuple[bytes, int]:
        key = ("staged", html)
        if key in _rendered_pdfs:
            for step in ("parse", "layout", "write"):
                on_stage(step)
            return _rendered_pdfs[key]
        _rendered_pdfs[key] = real_staged(html, on_stage)
        return _rendered_pdfs[key]

    monkeypatch.setattr(pdf_module, "render_pdf", render_pdf)
    monkeypatch.setattr(pdf_module, "render_pdf_in_stages", render_pdf_in_stages)


@pytest.fixture
def app_ctx(app: Flask) -> Iterator[Flask]:
    with app.app_context():
        yield app
        db.session.remove()


@dataclass(frozen=True)
class DemoSnapshot:
    result: DemoResult
    rows: Rows


@pytest.fixture(scope="session")
def demo_snapshot(app: Flask) -> DemoSnapshot:
    """The demo, seeded once per session and kept as rows."""
    with app.app_context():
        empty_all_tables()
        result = seed_demo()
        db.session.commit()
        rows = copy_rows()
        empty_all_tables()
    return DemoSnapshot(result, rows)


@pytest.fixture
def demo(app: Flask, demo_snapshot: DemoSnapshot) -> DemoResult:
    """The demo's rows as seeded (ids and sequences too), put back unless untouched since."""
    with app.app_context():
        ensure_demo(demo_snapshot.rows)
        db.session.remove()
    return demo_snapshot.result


def csrf_token(client: FlaskClient, path: str = "/") -> str:
    html = client.get(path).get_data(as_text=True)
    match = CSRF_PATTERN.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1) or match.group(2)


def sign_in(client: FlaskClient, email: str, password: str = DEMO_PASSWORD):
    token = csrf_token(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


@pytest.fixture
def signed_in(app: Flask, demo) -> Callable[[str], FlaskClient]:
    """A new test client signed in as the given demo user."""

    def make(email: str) -> FlaskClient:
        client = app.test_client()
        response = sign_in(client, email)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return make


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, _conn, _cursor, statement, *_args) -> None:
        if not statement.lstrip().upper().startswith(("PRAGMA", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
            self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app: Flask) -> Callable:
    @contextmanager
    def counting() -> Iterator[QueryCounter]:
        with app.app_context():
            engine = db.engine
        counter = QueryCounter()
        event.listen(engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", counter)

    return counting


PROJECT_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def outbox(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[list]:
    """Mail on, delivered to a local SMTP catcher: the messages as received, (recipients, message)."""
    from aiosmtpd.controller import Controller

    from tests.integration.test_notifications import Catcher, _free_port

    catcher = Catcher()
    controller = Controller(catcher, hostname="127.0.0.1", port=_free_port())
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", controller.port)
    yield catcher.messages
    controller.stop()
