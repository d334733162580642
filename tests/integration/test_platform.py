"""Things every response and the schema must hold: headers, health, migrations, bounded queries."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tests.integration.helpers import find_block, post
from webapp.extensions import db

WRITER = "skribent.crossroads@demo.iop"


def _assert_security_headers(response):
    policy = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]
    assert "HX-Request" in response.headers["Vary"]


def test_every_kind_of_response_carries_the_security_headers(app, client, signed_in):
    writer = signed_in(WRITER)
    block_id = find_block(app, "dag-besok", "crossroads")
    responses = [
        client.get("/login"),
        client.get("/"),  # redirect
        client.get("/healthz"),
        writer.get("/"),
        writer.get("/does-not-exist"),  # 404 page
        writer.get("/blocks/1", headers={"HX-Request": "true"}),
        post(writer, f"/blocks/{block_id}/preview", {"source": "x"}, htmx=True),  # fragment
        writer.post(f"/blocks/{block_id}/save", data={}),  # CSRF error page
        writer.get("/static/css/app.css"),
    ]
    for response in responses:
        _assert_security_headers(response)


def test_session_cookie_is_http_only_and_same_site_lax(client, demo):
    from tests.conftest import sign_in

    response = sign_in(client, WRITER)
    cookie = next(value for name, value in response.headers.items() if name == "Set-Cookie" and "session=" in value)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_liveness_answers_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_migrations_match_the_models(app):
    with app.app_context():
        with db.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert differences == []


def test_sqlite_runs_with_wal_and_foreign_keys(app):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            return
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL


def test_language_can_be_switched_to_english_and_back(signed_in):
    client = signed_in(WRITER)
    assert "Mina bidrag" in client.get("/").get_data(as_text=True)
    post(client, "/language", {"language": "en", "next": "/"})
    page = client.get("/").get_data(as_text=True)
    assert 'lang="en"' in page and "My contributions" in page
    post(client, "/language", {"language": "sv", "next": "/"})
    assert "Mina bidrag" in client.get("/").get_data(as_text=True)


def test_sqlite_writes_begin_immediate_before_the_first_write(app, signed_in):
    from sqlalchemy import event

    from tests.integration.helpers import block_version, save_url

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            return
        engine = db.engine
    client = signed_in(WRITER)
    block_id = find_block(app, "dag-besok", "crossroads")
    version = block_version(app, block_id)
    statements: list[str] = []
    listener = lambda _c, _cur, statement, *_a: statements.append(statement.split()[0] + " " + statement.split()[1])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert post(client, save_url(block_id), {"source": "Ny text", "base_version": version}).status_code == 302
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    first_write = next(i for i, s in enumerate(statements) if s.split()[0] in ("INSERT", "UPDATE", "DELETE"))
    assert statements[first_write - 1] == "BEGIN IMMEDIATE"
    assert all(not s.startswith(("INSERT", "UPDATE")) for s in statements[: first_write - 1])
