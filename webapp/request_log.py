"""One log line per request, and the log's format: plain text (default) or JSON (``LOG_FORMAT=json``).

Every response carries an ``X-Request-ID``: the one the proxy sent if it looks like an id,
else a new one, so a line in the proxy's log, the app's log and a user's report of "it failed
at 14:02" can be matched. The request's line (logger ``webapp.request``, level INFO) says who
(the signed-in user's id, never the e-mail), what (the route's rule and endpoint, never the raw
URL: an invitation token in a path or a search in a query string stays out of the log), the
status and how long it took. It is the service's access log; gunicorn's own is off
(deploy/gunicorn.conf.py).

With ``LOG_FORMAT=json`` every record, the app's and gunicorn's, is one JSON object per line
on stderr, with the request id on every record written while a request is handled.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
# What a proxy's or load balancer's id looks like (UUIDs, hex, nginx's $request_id); anything
# else (too long, spaces, quotes, control characters) is replaced by a new id, never logged.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")
REQUEST_LOGGER = "webapp.request"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
LOG_FORMATS = ("text", "json")

logger = logging.getLogger(REQUEST_LOGGER)


def init_app(app: Flask) -> None:
    """Register before every other hook, so a request refused by a later hook is timed and logged too."""
    log_format = app.config.get("LOG_FORMAT", "text")
    if log_format not in LOG_FORMATS:  # a typo must not quietly mean "text"
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not {log_format!r}")
    if log_format == "json":
        configure_logging("json", app.config.get("LOG_LEVEL", "INFO"))
    app.before_request(_start)
    app.after_request(_finish)


def request_id_from(header: str | None) -> str:
    """The proxy's id if it is sane, else a new one."""
    if header and SANE_REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


def _start() -> None:
    g.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
    g.request_started = time.perf_counter()


def _finish(response: Response) -> Response:
    request_id = g.get("request_id") or request_id_from(None)
    response.headers[REQUEST_ID_HEADER] = request_id
    if logger.isEnabledFor(logging.INFO):
        started = g.get("request_started")
        fields = request_fields(response.status_code, started)
        logger.info(
            "%s %s %s %.1f ms request_id=%s user_id=%s",  # the text format's line; JSON has the fields too
            fields["method"],
            fields["route"] or "-",
            fields["status"],
            fields["duration_ms"] or 0.0,
            fields["request_id"],
            fields["user_id"] or "-",
            extra={"fields": fields},
        )
    return response


def request_fields(status: int, started: float | None) -> dict[str, Any]:
    """The request line's fields: nothing the user typed except the method."""
    rule = request.url_rule
    return {
        "request_id": g.get("request_id"),
        "method": request.method,
        "route": rule.rule if rule is not None else None,
        "endpoint": request.endpoint,
        "status": status,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started is not None else None,
        "user_id": _signed_in_user_id(),
    }


def _signed_in_user_id() -> int | None:
    """The id of the user this request already loaded; never loads one just for the log (a static
    file or /healthz costs no query), and never anything but the id."""
    user = g.get("_login_user")  # where Flask-Login keeps the user it loaded for this request
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.id


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line: time (UTC), level, logger, message, the request
    id of the request being handled, a request line's fields, and an exception's traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context() and g.get("request_id"):
            entry["request_id"] = g.request_id
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update(fields)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def logging_config(log_format: str, level: str = "INFO") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for the whole process: every record to stderr as text or
    JSON. deploy/gunicorn.conf.py hands it to gunicorn (``logconfig_dict``), so gunicorn's own
    records share the format; its access log is off, the app's request line replaces it."""
    if log_format not in LOG_FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not {log_format!r}")
    formatter: dict[str, Any] = {"()": f"{__name__}.JsonFormatter"} if log_format == "json" else {"format": TEXT_FORMAT}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": formatter},
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "default", "stream": "ext://sys.stderr"}
        },
        "root": {"level": level.upper(), "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": level.upper(), "handlers": [], "propagate": True},
            "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
            # WeasyPrint's font subsetter says at INFO what it keeps of every font of every render.
            "fontTools": {"level": "WARNING"},
            # Flask-Migrate loads Alembic in every web worker, which lists its plugins at INFO.
            "alembic": {"level": "WARNING"},
        },
    }


def configure_logging(log_format: str, level: str = "INFO") -> None:
    """Send every record through one root handler in ``log_format`` (used for JSON outside
    gunicorn: ``flask`` commands and the worker). Idempotent: a root that already writes JSON
    (gunicorn configured it) is left as it is. Handlers that others put on the ``webapp`` and
    ``huey`` loggers (Flask's default, the Huey consumer's) are removed, so no record is
    written twice, once as text."""
    if log_format == "json" and any(isinstance(h.formatter, JsonFormatter) for h in logging.root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    for name in ("webapp", "huey"):
        for other in list(logging.getLogger(name).handlers):
            logging.getLogger(name).removeHandler(other)
    for other in list(logging.root.handlers):
        if isinstance(other, logging.StreamHandler) and other.stream in (sys.stderr, sys.stdout):
            logging.root.removeHandler(other)
    logging.root.addHandler(handler)
    logging.root.setLevel(level.upper())
