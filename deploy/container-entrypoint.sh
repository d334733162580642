#!/bin/sh
# The container's roles (Containerfile): one image, started as
#   web       gunicorn with deploy/gunicorn.conf.py (the default)
#   worker    the PDF/e-mail worker (python -m webapp.worker)
#   flask …   a CLI command: flask db upgrade, flask backup …, flask create-user …
#   healthcheck   what HEALTHCHECK runs: /healthz for web; the worker has no port (alive is healthy)
set -eu

role="${1:-web}"
[ "$#" -gt 0 ] && shift

case "$role" in
  web)
    exec gunicorn --config deploy/gunicorn.conf.py "$@" wsgi:app
    ;;
  worker)
    exec python -m webapp.worker "$@"
    ;;
  flask)
    exec flask --app wsgi "$@"
    ;;
  healthcheck)
    # PID 1 is tini, started with this script and its role: a worker answers no HTTP.
    case " $(tr '\0' ' ' </proc/1/cmdline)" in
      *" worker "*) exit 0 ;;
    esac
    port="${GUNICORN_BIND##*:}"
    exec python -c "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:${port:-8000}/healthz', timeout=4).status == 200 else 1)"
    ;;
  *)
    echo "usage: web | worker | flask <command> | healthcheck" >&2
    exit 64
    ;;
esac
