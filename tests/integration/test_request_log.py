"""The request log (webapp/request_log.py): one line per request, with an id echoed to the client,
and nothing in it a user typed (no e-mail, no password, no query string)."""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from sqlalchemy import select

from tests.conftest import DEMO_PASSWORD, sign_in
from webapp import create_app, request_log
from webapp.extensions import db
from webapp.models import User

WRITER = "skribent.crossroads@demo.iop"
GENERATED_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def logged(caplog: pytest.LogCaptureFixture) -> Callable[[], list[dict]]:
    """The request lines of the test so far, as the JSON formatter writes them."""
    caplog.set_level(logging.INFO, logger=request_log.REQUEST_LOGGER)
    formatter = request_log.JsonFormatter()

    def lines() -> list[dict]:
        records = [record for record in caplog.records if record.name == request_log.REQUEST_LOGGER]
        return [json.loads(formatter.format(record)) for record in records]

    return lines


def test_a_request_is_one_json_line_with_its_fields(client, logged):
    response = client.get("/healthz?token=geheim")
    assert response.status_code == 200
    (line,) = logged()
    assert line["level"] == "INFO" and line["logger"] == "webapp.request"
    assert line["method"] == "GET" and line["status"] == 200
    assert line["route"] == "/healthz" and line["endpoint"].endswith(".healthz")  # its blueprint may move
    assert isinstance(line["duration_ms"], float) and 0 <= line["duration_ms"] < 10_000
    assert line["user_id"] is None
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert GENERATED_ID.fullmatch(line["request_id"])
    assert line["message"] == f"GET /healthz 200 {line['duration_ms']:.1f} ms request_id={line['request_id']} user_id=-"
    assert "geheim" not in json.dumps(line) and "token" not in json.dumps(line)


def test_the_route_is_the_rule_not_the_url(client, logged):
    response = client.get("/account/invitation/hemlig-token-123")
    assert response.status_code in (200, 404, 410, 302)
    (line,) = logged()
    assert line["route"] == "/account/invitation/<token>" and line["endpoint"] == "account.invitation"
    assert "hemlig-token-123" not in json.dumps(line)


def test_an_unknown_url_has_no_route(client, logged):
    assert client.get("/finns/inte?q=1").status_code == 404
    (line,) = logged()
    assert line["route"] is None and line["status"] == 404
    assert "finns" not in json.dumps(line)


def test_a_signed_in_user_is_logged_by_id_never_by_e_mail(app, client, demo, logged):
    assert sign_in(client, WRITER).status_code == 302
    assert client.get("/?sok=" + WRITER).status_code == 200
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == WRITER))
        db.session.remove()
    line = logged()[-1]
    assert line["user_id"] == user_id and line["route"] == "/"
    assert WRITER not in json.dumps(line) and "sok" not in json.dumps(line)


def test_a_sign_in_logs_neither_e_mail_nor_password(client, demo, logged):
    assert sign_in(client, WRITER, "fel-lösenord-xyz").status_code == 422
    assert sign_in(client, WRITER, DEMO_PASSWORD).status_code == 302
    logged = "\n".join(json.dumps(line) for line in logged())
    assert '"route": "/login"' in logged and '"status": 422' in logged and '"status": 302' in logged
    for secret in (WRITER, "fel-lösenord-xyz", DEMO_PASSWORD, "skribent"):
        assert secret not in logged


def test_a_sane_request_id_is_kept_and_echoed(client, logged):
    response = client.get("/healthz", headers={"X-Request-ID": "proxy-4f1c2a9e.01:7"})
    assert response.headers["X-Request-ID"] == "proxy-4f1c2a9e.01:7"
    assert logged()[0]["request_id"] == "proxy-4f1c2a9e.01:7"


@pytest.mark.parametrize(
    "hostile",
    [
        'abc" "level": "ERROR',
        "<script>alert(1)</script>",
        "x" * 129,
        "short",
        "id with spaces 123",
        "-leading-dash-123",
        "ünïcödé-0123456",
    ],
)
def test_a_hostile_request_id_is_replaced(client, logged, hostile):
    response = client.get("/healthz", headers={"X-Request-ID": hostile})
    echoed = response.headers["X-Request-ID"]
    assert echoed != hostile and GENERATED_ID.fullmatch(echoed)
    (line,) = logged()
    assert line["request_id"] == echoed and hostile not in json.dumps(line)


def test_a_request_refused_before_the_view_is_logged_too(client, logged):
    response = client.get("/reports/1")  # no user: sent to sign in by security's hook
    assert response.status_code == 302
    (line,) = logged()
    assert line["status"] == 302 and line["route"] == "/reports/<int:report_id>"
    assert response.headers["X-Request-ID"] == line["request_id"]


def test_other_records_written_during_a_request_carry_its_id(app):
    formatter = request_log.JsonFormatter()
    with app.test_request_context("/", headers={"X-Request-ID": "abcdef0123456789"}):
        request_log._start()
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            record = logging.getLogger("webapp.tasks").makeRecord(
                "webapp.tasks", logging.ERROR, __file__, 1, "Render job %s failed", (7,), sys.exc_info()
            )
        entry = json.loads(formatter.format(record))
    assert entry["request_id"] == "abcdef0123456789" and entry["message"] == "Render job 7 failed"
    assert entry["level"] == "ERROR" and "RuntimeError: boom" in entry["exception"]
    outside = json.loads(formatter.format(logging.makeLogRecord({"msg": "no request", "name": "huey"})))
    assert "request_id" not in outside and outside["message"] == "no request"


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """Put the process's logging back as it was after a test that configures it."""
    loggers = [logging.root, logging.getLogger("webapp"), logging.getLogger("huey")]
    saved = [(logger, list(logger.handlers), logger.level) for logger in loggers]
    yield
    for logger, handlers, level in saved:
        logger.handlers[:] = handlers
        logger.setLevel(level)


def test_log_format_json_sends_every_record_through_one_json_handler(tmp_path, restored_logging, capsys):
    app = create_app({"LOG_FORMAT": "json", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite'}"})
    json_handlers = [h for h in logging.root.handlers if isinstance(h.formatter, request_log.JsonFormatter)]
    assert len(json_handlers) == 1 and not logging.getLogger("webapp").handlers
    create_app({"LOG_FORMAT": "json", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite'}"})
    assert len([h for h in logging.root.handlers if isinstance(h.formatter, request_log.JsonFormatter)]) == 1
    json_handlers[0].setStream(sys.stderr)  # capsys swapped stderr after the handler was made
    app.logger.warning("Något hände %s", 3)
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert json.loads(line)["message"] == "Något hände 3" and json.loads(line)["logger"] == "webapp"
    with app.app_context():
        db.engine.dispose()


def test_an_unknown_log_format_stops_the_app_from_starting(tmp_path):
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        create_app({"LOG_FORMAT": "jsno", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite'}"})


def test_the_text_format_is_the_default(app: Flask):
    assert app.config["LOG_FORMAT"] == "text"
    config = request_log.logging_config("text")
    assert config["formatters"]["default"] == {"format": request_log.TEXT_FORMAT}
    assert request_log.logging_config("json")["formatters"]["default"]["()"].endswith("JsonFormatter")


def test_the_worker_writes_each_record_once_in_json_mode(restored_logging):
    from huey.consumer_options import ConsumerConfig

    from webapp.worker import configure_worker_logging

    config = ConsumerConfig(workers=1, verbose=False)
    configure_worker_logging(config, json_logs=True)
    assert not logging.getLogger("huey").handlers and not logging.getLogger("webapp").handlers
    assert logging.getLogger("huey").level == config.loglevel
    configure_worker_logging(config, json_logs=False)  # plain text: Huey's own handler, as before
    assert logging.getLogger("huey").handlers
