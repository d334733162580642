"""Health for supervisors and load balancers: ``/healthz`` (alive) and ``/readyz`` (ready).

``/healthz`` is liveness: the process answers. It touches nothing, so a database outage never
makes a supervisor restart web workers that are fine. ``/readyz`` asks what serving needs
(webapp.readiness) and answers 503 while anything is missing, with JSON saying what, so a load
balancer sends requests elsewhere and an operator sees why. Both are public (webapp.security).
"""

from __future__ import annotations

from flask import Blueprint, current_app

from webapp import readiness
from webapp.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return {"status": "ok"}


@bp.get("/readyz")
def readyz():
    checks = readiness.readiness(current_app, db.engine)
    ready = all(check.ok for check in checks.values())
    body = {"status": "ready" if ready else "not ready", "checks": {n: c.as_json() for n, c in checks.items()}}
    return body, 200 if ready else 503
