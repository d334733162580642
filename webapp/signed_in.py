"""The signed-in person, loaded once per request: Flask-Login's user loader.

A session carries "<id>.<generation>" (``User.get_id``) and, beside it, the person's roles and
unit ids as one query read them under that generation (``permissions.Access``). Every change
of a person's roles or units raises their generation, which ends the session, so the kept
roles and units are never another generation's: a session whose generation is still the
person's may use them, and the request costs one small query on the user row (active, same
generation) instead of a join over roles and units, and no lazy loads in permission checks.

The kept Access is written by the loader itself, from the one query that also checked the
generation (never from values read at different moments), the first time a session is used
after signing in; signing in or out drops whatever another sign-in left.
"""

from __future__ import annotations

from flask import Flask, current_app, request, session
from flask_login import current_user, login_user, user_logged_in, user_logged_out

from webapp.models import User
from webapp.permissions import Access, attach_access
from webapp.services import accounts

ACCESS_SESSION_KEY = "_access"


def load_user(session_id: str) -> User | None:
    """Flask-Login's user loader (also for a remember cookie's id)."""
    access = Access.from_session_value(session.get(ACCESS_SESSION_KEY), session_id)
    if access is not None:
        user = accounts.load_signed_in_user(session_id, with_access=False)
    else:
        user = accounts.load_signed_in_user(session_id)
        if user is not None:
            access = Access.of(user)  # the roles and units came with the generation, in one query
            session[ACCESS_SESSION_KEY] = access.as_session_value()
    if user is not None and access is not None:
        attach_access(user, access)
    return user


def sign_in_again() -> None:
    """After the person's session generation was raised: this session carries the new one, and
    a remember cookie it had is written anew (the old one signs no one in any more)."""
    had_remember_cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
    login_user(current_user._get_current_object(), remember=had_remember_cookie)


def _forget_access(*_args, **_kwargs) -> None:
    session.pop(ACCESS_SESSION_KEY, None)


def init_app(app: Flask) -> None:
    user_logged_in.connect(_forget_access, app)
    user_logged_out.connect(_forget_access, app)
