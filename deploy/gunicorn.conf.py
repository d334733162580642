"""gunicorn's settings for IOP-rapport: ``gunicorn -c deploy/gunicorn.conf.py wsgi:app``.

Every value can be changed from the environment (the systemd unit's EnvironmentFile or the
container's ``-e``); the defaults suit a machine with 2 cores behind a reverse proxy.

- Graceful reload: ``kill -HUP <master>`` (``systemctl reload iop-rapport-web``) starts new
  workers with the new code and configuration, then stops the old ones once their requests
  are done. That is why the app is not preloaded by default: preloaded, new workers would be
  forked from the master's old code.
- Graceful stop: SIGTERM lets workers finish their requests for ``graceful_timeout`` seconds.
- Proxy headers: gunicorn trusts none (``forwarded_allow_ips`` is empty); the app's ProxyFix
  trusts the number of proxies the ``PROXY_FIX_*`` settings name, so one place decides
  whose X-Forwarded-For and X-Forwarded-Proto count.
- Logs: everything on stderr (journald or the container's log), as text or, with
  ``LOG_FORMAT=json``, as one JSON object per line (webapp/request_log.py). The access log is
  the app's own request line (route, status, duration, user id, request id), not gunicorn's:
  gunicorn only knows the raw URL, which can carry an invitation token or a query string.
"""

from __future__ import annotations

import os

from webapp.request_log import logging_config


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def _flag(name: str, default: bool) -> bool:
    return (os.environ.get(name) or ("1" if default else "0")).lower() in ("1", "true", "yes", "on")


CPUS = os.cpu_count() or 1

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")

# Threads, not only processes: a request mostly waits for the database, and threads share one
# process's memory and connection pool. cores + 1 processes keep both cores busy while one
# waits; 2 cores: 3 processes × 4 threads = 12 requests at once, at most 3 × 15 database
# connections (SQLAlchemy's pool of 5 + 10 overflow each).
worker_class = "gthread"
workers = _int("GUNICORN_WORKERS", _int("WEB_CONCURRENCY", CPUS + 1))
threads = _int("GUNICORN_THREADS", 4)

# A worker whose main loop has not reported for this long is killed and replaced (with gthread
# a slow request does not trip it: the main loop keeps reporting while a thread works).
timeout = _int("GUNICORN_TIMEOUT", 60)
# SIGTERM or a reload: requests in flight get this long to finish.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# The proxy keeps connections to us open between requests (nginx: keepalive in the upstream).
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Each worker is replaced after about this many requests (jittered so they do not all restart
# at once): whatever a long-lived process accumulates is handed back. 0 turns it off.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)

# See the module's docstring; GUNICORN_PRELOAD=1 saves memory at the price of reloads that
# keep the old code (a restart, not a reload, then picks up an upgrade).
preload_app = _flag("GUNICORN_PRELOAD", False)

# The workers' heartbeat files: /dev/shm is memory, so a slow or read-only disk cannot make
# gunicorn think a worker hangs (the container's and ProtectSystem=strict's root is read-only).
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR") or ("/dev/shm" if os.access("/dev/shm", os.W_OK) else None)

forwarded_allow_ips = ""  # ProxyFix in the app decides (PROXY_FIX_* settings)

LOG_FORMAT = os.environ.get("LOG_FORMAT", "text").lower()
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
logconfig_dict = logging_config(LOG_FORMAT, loglevel)
errorlog = "-"
accesslog = None  # the app's request line is the access log (webapp/request_log.py)
# Only used if an operator turns gunicorn's access log on (--access-logfile): the path without
# the query string, and the request id the app echoed.
access_log_format = '%(h)s %({x-request-id}o)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
proc_name = "iop-rapport-web"


def post_fork(server, worker) -> None:
    """A preloaded app's database pool was opened in the master: each worker must start with its
    own connections, never share the parent's sockets (SQLite handles or PostgreSQL
    connections), so the copied pool is dropped without closing the parent's connections."""
    if not preload_app:
        return
    from webapp.extensions import db
    from wsgi import app

    with app.app_context():
        db.engine.dispose(close=False)
