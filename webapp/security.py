"""Response headers every page and fragment carries, and pages that need a user."""

from __future__ import annotations

from flask import Flask, Response, request, url_for
from flask_login import current_user

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "object-src 'none'",
        "frame-ancestors 'none'",
    ]
)

# Endpoints reachable without signing in.
PUBLIC_ENDPOINTS = frozenset(
    {
        "auth.login",
        "auth.forgot_password",
        "health.healthz",
        "health.readyz",
        "main.set_language",
        "static",
        # One-time links: the link itself proves who is choosing a password.
        "account.invitation",
        "account.reset",
    }
)


def _require_user():
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
        return None
    if current_user.is_authenticated:
        return None
    from webapp.extensions import login_manager
    from webapp.htmx import wants_fragment

    if request.headers.get("HX-Request") == "true" or wants_fragment():
        response = Response(status=401)
        response.headers["HX-Redirect"] = url_for(login_manager.login_view)
        return response
    return login_manager.unauthorized()


def _add_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    response.vary.add("HX-Request")
    if request.endpoint != "static":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def init_app(app: Flask) -> None:
    app.before_request(_require_user)
    app.after_request(_add_headers)
