"""Guessing is slowed down, never a lock-out for good: failed sign-ins per account and per
address, one-time links per address, 429 with Retry-After; and the remember cookie follows the
session cookie's Secure flag and lives two weeks (issue 15, items 2 and 3)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import DEMO_PASSWORD, csrf_token
from tests.integration.account_helpers import ADMIN, choose_password, invite, link_from, path_of, user_id
from tests.integration.helpers import post
from webapp import create_app
from webapp.extensions import db

WRITER = "skribent.crossroads@demo.iop"
REVIEWER = "granskare.fralsningsarmen@demo.iop"
WRONG = "inte-rätt-lösenord"
TOO_MANY = "För många försök. Försök igen om"


def attempt(client: FlaskClient, email: str, password: str, **data):
    token = csrf_token(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token, **data})


def from_address(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


class Clock:
    """The limiter's clock (the in-memory storage's and Retry-After's), moved on by the test."""

    def __init__(self) -> None:
        self.now = time.time()

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    import limits.storage.memory

    import webapp.rate_limits

    clock = Clock()
    monkeypatch.setattr(limits.storage.memory, "time", clock)
    monkeypatch.setattr(webapp.rate_limits, "time", clock)
    return clock


@pytest.fixture
def tiny_windows(app: Flask, monkeypatch: pytest.MonkeyPatch, clock: Clock) -> Clock:
    """Smaller counts than in production, the same 15-minute windows, on a clock the test moves."""
    monkeypatch.setitem(app.config, "LOGIN_FAILURES_PER_ACCOUNT", "3 per 15 minutes")
    monkeypatch.setitem(app.config, "LOGIN_FAILURES_PER_ADDRESS", "5 per 15 minutes")
    monkeypatch.setitem(app.config, "LINK_ATTEMPTS_PER_ADDRESS", "3 per 15 minutes")
    return clock


# --- sign-in --------------------------------------------------------------------------------------


def test_after_the_account_limit_even_the_right_password_waits_out_the_window(app, demo, tiny_windows):
    client = app.test_client()
    for _ in range(3):
        assert attempt(client, WRITER, WRONG).status_code == 422
    refused = attempt(client, WRITER, DEMO_PASSWORD)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "900"
    page = refused.get_data(as_text=True)
    assert "För många försök. Försök igen om 15 minuter." in page and 'name="email"' in page
    assert client.get("/").status_code == 302  # not signed in
    tiny_windows.advance(14 * 60)
    refused = attempt(client, WRITER, DEMO_PASSWORD)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "60"
    assert "Försök igen om 1 minut." in refused.get_data(as_text=True)
    tiny_windows.advance(60)
    assert attempt(client, WRITER, DEMO_PASSWORD).status_code == 302


def test_the_production_limit_names_the_wait_in_minutes(app, demo):
    assert app.config["LOGIN_FAILURES_PER_ACCOUNT"] == "10 per 15 minutes"
    client = app.test_client()
    for _ in range(10):
        assert attempt(client, WRITER, WRONG).status_code == 422
    refused = attempt(client, WRITER, DEMO_PASSWORD)
    assert refused.status_code == 429
    assert 890 <= int(refused.headers["Retry-After"]) <= 900
    assert "Försök igen om 15 minuter." in refused.get_data(as_text=True)


def test_the_account_is_the_normalised_email_and_others_are_not_held_up(app, demo, tiny_windows):
    client = app.test_client()
    for email in (WRITER.upper(), f"  {WRITER}", WRITER.title()):
        assert attempt(client, email, WRONG).status_code == 422
    assert attempt(client, WRITER, DEMO_PASSWORD).status_code == 429
    assert attempt(app.test_client(), REVIEWER, DEMO_PASSWORD).status_code == 302


def test_a_refused_attempt_costs_no_password_hash(app, demo, tiny_windows, monkeypatch):
    import webapp.services.accounts.users as users

    client = app.test_client()
    for _ in range(3):
        attempt(client, WRITER, WRONG)
    hashed = []
    real = users.check_password_hash
    monkeypatch.setattr(users, "check_password_hash", lambda *args: hashed.append(1) or real(*args))
    for _ in range(5):
        assert attempt(client, WRITER, WRONG).status_code == 429
    assert hashed == []


def test_only_failures_count(app, demo):
    client = app.test_client()
    for _ in range(15):  # more than the account limit of 10
        assert attempt(client, WRITER, DEMO_PASSWORD).status_code == 302
        post(client, "/logout")
    assert attempt(client, WRITER, WRONG).status_code == 422


def test_unknown_accounts_are_limited_the_same_way(app, demo, tiny_windows):
    client = app.test_client()
    for _ in range(3):
        assert attempt(client, "ingen@demo.iop", WRONG).status_code == 422
    assert attempt(client, "ingen@demo.iop", WRONG).status_code == 429


def test_the_address_limit_covers_many_accounts(app, demo, tiny_windows):
    guesser = from_address(app, "10.0.0.66")
    for number in range(5):
        assert attempt(guesser, f"gissning{number}@demo.iop", WRONG).status_code == 422
    refused = attempt(guesser, REVIEWER, DEMO_PASSWORD)  # a sixth account, never tried
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "900"
    assert TOO_MANY in refused.get_data(as_text=True)
    assert attempt(from_address(app, "10.0.0.7"), REVIEWER, DEMO_PASSWORD).status_code == 302
    tiny_windows.advance(15 * 60)
    assert attempt(guesser, REVIEWER, DEMO_PASSWORD).status_code == 302


# --- one-time links -------------------------------------------------------------------------------


def test_guessing_links_is_limited_per_address(app, demo, tiny_windows):
    guesser = from_address(app, "10.0.0.66")
    for number in range(3):
        assert guesser.get(f"/account/reset/gissning-{number}").status_code == 404
    refused = guesser.get("/account/invitation/gissning-4")
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "900"
    assert TOO_MANY in refused.get_data(as_text=True)
    assert from_address(app, "10.0.0.7").get("/account/reset/gissning-5").status_code == 404
    tiny_windows.advance(15 * 60)
    assert guesser.get("/account/reset/gissning-6").status_code == 404


def test_posting_passwords_to_an_invitation_is_limited_per_address(app, demo, tiny_windows):
    link = link_from(invite(_signed_in_admin(app), app))
    visitor = from_address(app, "10.0.0.66")
    for _ in range(3):
        assert choose_password(visitor, link, "kort", "kort").status_code == 422
    assert choose_password(visitor, link).status_code == 429
    assert visitor.get(path_of(link)).status_code == 429
    assert choose_password(from_address(app, "10.0.0.7"), link).status_code == 302  # the link itself still works


def test_a_reset_link_is_limited_per_address_too(app, demo, tiny_windows):
    link = link_from(post(_signed_in_admin(app), f"/admin/people/{user_id(app, WRITER)}/link"))
    visitor = from_address(app, "10.0.0.66")
    for number in range(3):
        visitor.get(f"/account/reset/gissning-{number}")
    assert choose_password(visitor, link).status_code == 429
    tiny_windows.advance(15 * 60)
    assert choose_password(visitor, link).status_code == 302


def _signed_in_admin(app: Flask) -> FlaskClient:
    admin = from_address(app, "10.0.0.1")
    assert attempt(admin, ADMIN, DEMO_PASSWORD).status_code == 302
    return admin


# --- the remember cookie --------------------------------------------------------------------------


def _set_cookies(response) -> dict[str, str]:
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


def _expires(header: str) -> datetime:
    part = next(part for part in header.split("; ") if part.lower().startswith("expires="))
    return parsedate_to_datetime(part.split("=", 1)[1])


def test_the_remember_cookie_lives_two_weeks_from_sign_in(app, demo):
    response = attempt(app.test_client(), WRITER, DEMO_PASSWORD, remember="y")
    cookie = _set_cookies(response)["remember_token"]
    lives = _expires(cookie) - datetime.now(UTC)
    assert timedelta(days=14) - timedelta(minutes=1) < lives <= timedelta(days=14)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert app.config["REMEMBER_COOKIE_REFRESH_EACH_REQUEST"] is False


def test_both_cookies_are_secure_when_the_session_cookie_is(app, demo):
    secure_app = create_app(
        {
            **{key: app.config[key] for key in ("TESTING", "SECRET_KEY", "PASSWORD_HASH_METHOD", "HUEY_IMMEDIATE")},
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "DEMO_MODE": False,
            "SESSION_COOKIE_SECURE": True,
        }
    )
    try:
        client = secure_app.test_client()
        client.get("/login", base_url="https://localhost")
        token = client.get_cookie("session")
        assert token is not None
        response = attempt(client, WRITER, DEMO_PASSWORD, remember="y")
        cookies = _set_cookies(response)
        assert set(cookies) >= {"session", "remember_token"}
        assert all("Secure" in cookies[name] for name in ("session", "remember_token"))
    finally:
        with secure_app.app_context():
            db.engine.dispose()


def test_with_limits_switched_off_sign_in_works_and_nothing_is_counted(app, demo, tiny_windows, monkeypatch):
    """RATELIMIT_ENABLED = False (Flask-Limiter's switch, e.g. for a benchmark) must not break sign-in."""
    from webapp.rate_limits import limiter

    monkeypatch.setattr(limiter, "enabled", False)
    client = app.test_client()
    for _ in range(5):
        assert attempt(client, WRITER, WRONG).status_code == 422
    assert attempt(client, WRITER, DEMO_PASSWORD).status_code == 302
