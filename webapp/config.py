"""Configuration read from the environment; defaults suit a laptop demo."""

import math
import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from webapp.database_timeouts import ROUND_TRIP_TIMEOUT

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"
DATA_DIR = PROJECT_ROOT / "webapp" / "data"  # the template, the demo and the password list the app ships


def _default_database_url() -> str:
    return f"sqlite:///{INSTANCE_DIR / 'iop-rapport.sqlite'}"


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept in instance/."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = INSTANCE_DIR / "secret_key"
    if not key_file.exists():
        INSTANCE_DIR.mkdir(exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def redis_timeouts(environ: Mapping[str, str] = os.environ) -> dict[str, float]:
    """redis-py's socket timeouts for every Redis client (the queue, rate limits, readiness).

    The read timeout must stay above the queue's blocking read (one second in Huey)."""
    return {
        "socket_connect_timeout": float(environ.get("REDIS_CONNECT_TIMEOUT", "2")),
        "socket_timeout": float(environ.get("REDIS_SOCKET_TIMEOUT", "5")),
    }


class Config:
    SECRET_KEY = _secret_key()
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or _default_database_url()
    # More engine options are added for the configured database (database_engine_options below):
    # pool_pre_ping on PostgreSQL only.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    # Demo mode prints passwords and shows a banner; never set it in production.
    DEMO_MODE = os.environ.get("IOP_DEMO", "0") == "1"
    # Logs (webapp/request_log.py): "text", or "json" for one JSON object per line, with one line
    # per request (request id, user id, route, status, duration); LOG_LEVEL filters both.
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text").lower()
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "0") == "1"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # REMEMBER_COOKIE_SECURE follows SESSION_COOKIE_SECURE (create_app). "Kom ihåg mig" lasts
    # this long from signing in, not renewed by use: a copied cookie cannot be kept alive.
    REMEMBER_COOKIE_DURATION = timedelta(days=float(os.environ.get("REMEMBER_COOKIE_DAYS", "14")))
    REMEMBER_COOKIE_REFRESH_EACH_REQUEST = False

    # werkzeug's default; tests lower the cost so seeding the demo stays quick.
    PASSWORD_HASH_METHOD = "scrypt"
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    BABEL_DEFAULT_LOCALE = "sv"
    BABEL_DEFAULT_TIMEZONE = "Europe/Stockholm"
    LANGUAGES = ("sv", "en")

    # A block body larger than this is refused with 413.
    MAX_BLOCK_BYTES = 200_000
    # Whole request bodies above this are refused by Werkzeug before parsing.
    MAX_CONTENT_LENGTH = 2_000_000
    # Autosaves by one writer within this many seconds coalesce into one revision.
    AUTOSAVE_COALESCE_SECONDS = 600
    # "Anna (Crossroads) redigerar": an open editor heartbeats every third of this many seconds
    # and says goodbye when its page goes away; someone not seen for this long has left.
    PRESENCE_TTL_SECONDS = 30
    # Static files WeasyPrint may read (fonts, print CSS); nothing else.
    STATIC_FOLDER = str(PROJECT_ROOT / "static")

    # E-mail for notifications: off unless MAIL_SERVER is set.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "0") == "1"
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_FROM = os.environ.get("MAIL_FROM", "iop-rapport@localhost")

    # Section PDF previews and the HTML edition are rendered in the web request: each signed-in
    # person may ask for this many (Flask-Limiter syntax) before a 429 with Retry-After.
    DOCUMENT_PREVIEWS_PER_USER = os.environ.get("DOCUMENT_PREVIEWS_PER_USER", "20/minute")

    # Behind a reverse proxy (README: gunicorn behind nginx): how many proxies in front of the app
    # set each X-Forwarded-* header the app may believe (Werkzeug's ProxyFix). 0 ignores the
    # header: with no proxy that overwrites it, any client could claim another address or host.
    PROXY_FIX_X_FOR = int(os.environ.get("PROXY_FIX_X_FOR", "0"))
    PROXY_FIX_X_PROTO = int(os.environ.get("PROXY_FIX_X_PROTO", "0"))
    PROXY_FIX_X_HOST = int(os.environ.get("PROXY_FIX_X_HOST", "0"))
    PROXY_FIX_X_PORT = int(os.environ.get("PROXY_FIX_X_PORT", "0"))
    PROXY_FIX_X_PREFIX = int(os.environ.get("PROXY_FIX_X_PREFIX", "0"))
    # The site's public address (host[:port], e.g. iop.example.org), its scheme and path. Links in
    # e-mail are built from them, also when the worker or the CLI makes the mail, and invitation
    # and reset links never take the host a request claims. Since Flask 3.1 SERVER_NAME does not
    # restrict which host names the app answers to.
    SERVER_NAME = os.environ.get("SERVER_NAME") or None
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "http")
    APPLICATION_ROOT = os.environ.get("APPLICATION_ROOT", "/")

    # Invitation and new-password links stop working after this many days.
    ACCOUNT_LINK_VALID_DAYS = float(os.environ.get("ACCOUNT_LINK_VALID_DAYS", "7"))

    # PDF renders (webapp.services.publishing.rendering). Each render runs in a child process
    # that exits, so the worker's memory returns to its baseline after every render.
    RENDER_IN_CHILD_PROCESS = os.environ.get("RENDER_IN_CHILD_PROCESS", "1") == "1"
    # A worker renews its lease on a running job every quarter of this; a job whose lease ran
    # out lost its worker and is taken up again, at most RENDER_MAX_ATTEMPTS times in all.
    RENDER_LEASE_SECONDS = float(os.environ.get("RENDER_LEASE_SECONDS", "60"))
    RENDER_MAX_ATTEMPTS = int(os.environ.get("RENDER_MAX_ATTEMPTS", "3"))
    # On SIGTERM a running render gets this long to finish before its job goes back to the queue
    # (a service manager's stop timeout must be longer: this plus about 15 s).
    RENDER_SHUTDOWN_GRACE_SECONDS = float(os.environ.get("RENDER_SHUTDOWN_GRACE_SECONDS", "20"))
    # A queued job no worker took within this long: the page says the PDF service is not taking
    # jobs, and the next request or the worker's sweep hands it over again.
    RENDER_QUEUE_PATIENCE_SECONDS = float(os.environ.get("RENDER_QUEUE_PATIENCE_SECONDS", "30"))
    # Finished render jobs (and their PDFs) older than this are pruned each night, except the
    # newest of each report and kind and any that was published.
    RENDER_JOBS_KEEP_DAYS = float(os.environ.get("RENDER_JOBS_KEEP_DAYS", "30"))

    # Rate limits (webapp/rate_limits.py). Counters live in memory (one process) unless
    # RATELIMIT_STORAGE_URI names a shared store, e.g. redis://127.0.0.1:6379/1 for several
    # web instances. Moving windows: a limit frees up as its oldest attempt ages out.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_STRATEGY = "moving-window"
    RATELIMIT_KEY_PREFIX = "iop-rapport"
    RATELIMIT_HEADERS_ENABLED = True  # Retry-After on every 429
    RATELIMIT_STORAGE_OPTIONS = redis_timeouts()  # a Redis store that stops answering fails fast
    # Failed sign-ins per account (normalised e-mail) and per client address (an office behind
    # one address shares it, hence the larger number). Only failures count.
    LOGIN_FAILURES_PER_ACCOUNT = os.environ.get("LOGIN_FAILURES_PER_ACCOUNT", "10 per 15 minutes")
    LOGIN_FAILURES_PER_ADDRESS = os.environ.get("LOGIN_FAILURES_PER_ADDRESS", "50 per 15 minutes")
    # Invitation and reset links: unknown, used or expired links opened, and passwords posted.
    LINK_ATTEMPTS_PER_ADDRESS = os.environ.get("LINK_ATTEMPTS_PER_ADDRESS", "30 per 15 minutes")
    # "Glömt lösenord?": requests for a reset link per e-mail address (normalised, known or not)
    # and per client address. Every request counts: each may send a mail.
    RESET_REQUESTS_PER_EMAIL = os.environ.get("RESET_REQUESTS_PER_EMAIL", "5 per 15 minutes")
    RESET_REQUESTS_PER_ADDRESS = os.environ.get("RESET_REQUESTS_PER_ADDRESS", "20 per 15 minutes")
    # Whom to ask for an account or (without mail) a new password: a name, e-mail or phone, shown
    # on the sign-in pages. Empty: a general "ask the coordinator of your IOP".
    SUPPORT_CONTACT = os.environ.get("SUPPORT_CONTACT", "")

    # Timeouts, in seconds: a database or Redis that stops answering fails a request within
    # seconds (503, "try again") instead of holding every web worker for half a minute.
    # PostgreSQL: connecting (libpq counts whole seconds, at least 2), each statement (0: none;
    # raise it for a long migration), and waiting for a free pooled connection. SQLite keeps
    # its busy timeout (webapp.extensions). Redis: see redis_timeouts below.
    DATABASE_CONNECT_TIMEOUT = float(os.environ.get("DATABASE_CONNECT_TIMEOUT", "5"))
    DATABASE_STATEMENT_TIMEOUT = float(os.environ.get("DATABASE_STATEMENT_TIMEOUT", "30"))
    DATABASE_POOL_TIMEOUT = float(os.environ.get("DATABASE_POOL_TIMEOUT", "10"))
    # Each round trip on an open PostgreSQL connection, bounded by the client
    # (webapp.database_timeouts): a server frozen or cut off mid-conversation cannot enforce its
    # own statement timeout. Unset: 5 s above the statement timeout, and none when that is 0.
    DATABASE_CLIENT_TIMEOUT = os.environ.get("DATABASE_CLIENT_TIMEOUT")
    # A 503 tells the client to come back after this many seconds (Retry-After).
    RETRY_AFTER_SECONDS = int(os.environ.get("RETRY_AFTER_SECONDS", "30"))

    # Readiness (/readyz, webapp/views/health.py): the database must answer within
    # READY_DEADLINE seconds; the worker's heartbeat (every WORKER_HEARTBEAT_SECONDS) must be
    # younger than READY_WORKER_MAX_AGE (0: do not ask for a worker); the disk holding
    # READY_DISK_PATH (the instance folder: SQLite database, queue, secret key) must have
    # READY_MIN_FREE_MB free.
    READY_DEADLINE = float(os.environ.get("READY_DEADLINE", "2"))
    WORKER_HEARTBEAT_SECONDS = float(os.environ.get("WORKER_HEARTBEAT_SECONDS", "10"))
    READY_WORKER_MAX_AGE = float(os.environ.get("READY_WORKER_MAX_AGE", "60"))
    READY_DISK_PATH = os.environ.get("READY_DISK_PATH", str(INSTANCE_DIR))
    READY_MIN_FREE_MB = float(os.environ.get("READY_MIN_FREE_MB", "200"))


def database_engine_options(config: Mapping[str, Any]) -> dict[str, Any]:
    """SQLALCHEMY_ENGINE_OPTIONS with the timeouts above, for the configured database."""
    options = dict(config["SQLALCHEMY_ENGINE_OPTIONS"])
    options.setdefault("pool_timeout", config["DATABASE_POOL_TIMEOUT"])
    postgresql = config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
    # A pooled PostgreSQL connection may have been cut (a server restart, a proxy's idle
    # timeout) or frozen: a round trip before each checkout finds out (bounded by
    # DATABASE_CLIENT_TIMEOUT) and the pool opens a new one. A SQLite connection is a file
    # handle in this process and cannot go away; pinging it cost every request a SELECT 1.
    options.setdefault("pool_pre_ping", postgresql)
    if postgresql:
        connect_args = dict(options.get("connect_args", {}))
        connect_args.setdefault("connect_timeout", max(2, math.ceil(config["DATABASE_CONNECT_TIMEOUT"])))
        statement_ms = round(config["DATABASE_STATEMENT_TIMEOUT"] * 1000)
        connect_args.setdefault("options", f"-c statement_timeout={statement_ms}")
        connect_args.setdefault(ROUND_TRIP_TIMEOUT, client_timeout(config))
        options["connect_args"] = connect_args
    return options


def client_timeout(config: Mapping[str, Any]) -> float:
    """Seconds the client waits for each PostgreSQL round trip (0: no bound)."""
    configured = config.get("DATABASE_CLIENT_TIMEOUT")
    if configured is not None and configured != "":
        return float(configured)
    statement = float(config["DATABASE_STATEMENT_TIMEOUT"])
    return statement + 5 if statement > 0 else 0.0


def normalise_database_url(url: str) -> str:
    """Accept plain postgres:// URLs and route them to psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
