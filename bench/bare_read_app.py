"""The yardstick for bench/read_throughput.py: a bare Flask GET endpoint.

``GET /ok`` answers "ok": no sign-in, no session, no database, no template. It is what a
request through gunicorn and Flask costs before the app does anything. Served by gunicorn
exactly like the app:

    gunicorn --chdir bench -w 4 bare_read_app:app
"""

from __future__ import annotations

from flask import Flask


def create_app() -> Flask:
    app = Flask(__name__)

    @app.get("/ok")
    def ok():
        return "ok"

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    return app


app = create_app()
