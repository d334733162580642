"""Sessions end when they should: a copied cookie signs no one in after logout, and a person's
other sessions end when their password, roles or active state change, when a reset link is
used, and on "Logga ut överallt" (issue 15, item 1)."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import DEMO_PASSWORD, csrf_token
from tests.integration.account_helpers import (
    ADMIN,
    NEW_PASSWORD,
    audit_events,
    choose_password,
    link_from,
    user_id,
)
from tests.integration.helpers import post
from webapp.extensions import db
from webapp.models import User

WRITER = "skribent.crossroads@demo.iop"
COOKIES = ("session", "remember_token")


def sign_in(client: FlaskClient, email: str, *, remember: bool = False, password: str = DEMO_PASSWORD):
    data = {"email": email, "password": password, "csrf_token": csrf_token(client, "/login")}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def copied(client: FlaskClient, *names: str) -> dict[str, str]:
    found = {name: cookie.value for name in names if (cookie := client.get_cookie(name)) is not None}
    assert set(found) == set(names), f"missing cookies: {set(names) - set(found)}"
    return found


def replayed(app: Flask, cookies: dict[str, str]) -> FlaskClient:
    """A fresh client holding only these cookies, as someone who copied them would."""
    client = app.test_client()
    for name, value in cookies.items():
        client.set_cookie(name, value)
    return client


def is_signed_in(client: FlaskClient) -> bool:
    response = client.get("/")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def new_client(app: Flask, email: str, *, remember: bool = False) -> FlaskClient:
    client = app.test_client()
    sign_in(client, email, remember=remember)
    return client


# --- logout ---------------------------------------------------------------------------------------


def test_the_session_cookie_copied_before_logout_signs_no_one_in_after_it(app, demo):
    writer = new_client(app, WRITER)
    cookies = copied(writer, "session")
    assert is_signed_in(replayed(app, cookies))  # the copy works while the session lives
    assert post(writer, "/logout").status_code == 302
    assert not is_signed_in(writer)
    assert not is_signed_in(replayed(app, cookies))


def test_the_remember_cookie_copied_before_logout_signs_no_one_in_after_it(app, demo):
    writer = new_client(app, WRITER, remember=True)
    remember = copied(writer, "remember_token")
    assert is_signed_in(replayed(app, remember))  # on its own it signs in, as "Kom ihåg mig" should
    post(writer, "/logout")
    assert not is_signed_in(replayed(app, remember))
    assert not is_signed_in(replayed(app, copied(writer, "session") | remember))


def test_signing_in_again_after_logout_works(app, demo):
    writer = new_client(app, WRITER, remember=True)
    post(writer, "/logout")
    sign_in(writer, WRITER, remember=True)
    assert is_signed_in(writer)
    assert is_signed_in(replayed(app, copied(writer, "remember_token")))


# --- other sessions end; the acting one stays -----------------------------------------------------


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(app, demo):
    acting = new_client(app, WRITER, remember=True)
    other = new_client(app, WRITER, remember=True)
    other_remember = copied(other, "remember_token")
    response = post(
        acting,
        "/account/password",
        {"current_password": DEMO_PASSWORD, "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert "Du är utloggad överallt utom här" in acting.get("/account").get_data(as_text=True)
    assert is_signed_in(acting)
    # This session's remember cookie was written anew and still signs in on its own.
    assert is_signed_in(replayed(app, copied(acting, "remember_token")))
    assert not is_signed_in(other)
    assert not is_signed_in(replayed(app, other_remember))


def test_using_a_reset_link_ends_every_session_of_the_person(app, demo):
    writer = new_client(app, WRITER, remember=True)
    remember = copied(writer, "remember_token")
    admin = new_client(app, ADMIN)
    link = link_from(post(admin, f"/admin/people/{user_id(app, WRITER)}/link"))
    visitor = app.test_client()
    assert choose_password(visitor, link).status_code == 302
    assert is_signed_in(visitor)  # the one who chose the password is signed in
    assert not is_signed_in(writer)
    assert not is_signed_in(replayed(app, remember))


def _units_of(app: Flask, email: str) -> list[int]:
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email == email)).one()
        units = [unit.id for unit in user.units]
        db.session.remove()
        return units


def test_a_role_change_by_an_admin_ends_the_persons_sessions(app, demo):
    writer = new_client(app, WRITER, remember=True)
    remember = copied(writer, "remember_token")
    admin = new_client(app, ADMIN)
    data = {"roles": ["writer", "reviewer"], "units": _units_of(app, WRITER)}
    assert post(admin, f"/admin/people/{user_id(app, WRITER)}/access", data).status_code == 302
    assert not is_signed_in(writer)
    assert not is_signed_in(replayed(app, remember))
    assert is_signed_in(admin)
    sign_in(writer, WRITER)  # and signs in again, under the new roles
    assert is_signed_in(writer)


def test_a_unit_change_by_an_admin_ends_the_persons_sessions(app, demo):
    writer = new_client(app, WRITER)
    data = {"roles": ["writer"], "units": []}
    assert (
        post(admin := new_client(app, ADMIN), f"/admin/people/{user_id(app, WRITER)}/access", data).status_code == 302
    )
    assert not is_signed_in(writer)
    assert is_signed_in(admin)


def test_an_admin_saving_unchanged_access_ends_nothing(app, demo):
    writer = new_client(app, WRITER)
    data = {"roles": ["writer"], "units": _units_of(app, WRITER)}
    assert post(new_client(app, ADMIN), f"/admin/people/{user_id(app, WRITER)}/access", data).status_code == 302
    assert is_signed_in(writer)


def test_cookies_from_before_a_deactivation_stay_dead_after_reactivation(app, demo):
    writer = new_client(app, WRITER, remember=True)
    cookies = copied(writer, *COOKIES)
    admin = new_client(app, ADMIN)
    target = user_id(app, WRITER)
    assert post(admin, f"/admin/people/{target}/deactivate").status_code == 302
    assert not is_signed_in(replayed(app, cookies))
    assert post(admin, f"/admin/people/{target}/reactivate").status_code == 302
    assert not is_signed_in(replayed(app, cookies))
    assert not is_signed_in(writer)
    sign_in(writer, WRITER)
    assert is_signed_in(writer)


# --- "Logga ut överallt" --------------------------------------------------------------------------


def test_sign_out_everywhere_ends_every_other_session_and_keeps_this_one(app, demo):
    acting = new_client(app, WRITER, remember=True)
    other = new_client(app, WRITER, remember=True)
    other_cookies = copied(other, *COOKIES)
    page = acting.get("/account").get_data(as_text=True)
    assert "Logga ut överallt" in page and 'action="/account/sessions/end"' in page
    response = post(acting, "/account/sessions/end")
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    page = acting.get("/account").get_data(as_text=True)
    assert "Du är nu utloggad på alla andra enheter" in page
    assert is_signed_in(acting)
    assert is_signed_in(replayed(app, copied(acting, "remember_token")))
    assert not is_signed_in(other)
    assert not is_signed_in(replayed(app, other_cookies))
    assert [event.details["user_id"] for event in audit_events(app, "user.signed_out_everywhere")] == [
        user_id(app, WRITER)
    ]


def test_sign_out_everywhere_needs_the_csrf_token_and_a_user(app, demo):
    acting = new_client(app, WRITER)
    other = new_client(app, WRITER)
    assert acting.post("/account/sessions/end").status_code in (400, 422)
    assert is_signed_in(other)
    anonymous = app.test_client()
    assert anonymous.post(
        "/account/sessions/end", data={"csrf_token": csrf_token(anonymous, "/login")}
    ).status_code in (
        302,
        403,
    )


def test_a_bare_user_id_from_before_generations_signs_no_one_in(app, demo):
    from webapp.services.accounts import load_signed_in_user

    with app.app_context():
        writer_id = user_id(app, WRITER)
        assert load_signed_in_user(str(writer_id)) is None
        assert load_signed_in_user(f"{writer_id}.x") is None
        assert load_signed_in_user("") is None
        user = load_signed_in_user(f"{writer_id}.0")
        assert user is not None and user.get_id() == f"{writer_id}.0"
        db.session.remove()
