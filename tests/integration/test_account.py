"""A person's own account (name, password) and the public pages of one-time links."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from tests.conftest import DEMO_PASSWORD, csrf_token, sign_in
from tests.integration.account_helpers import (
    ADMIN,
    NEW_PASSWORD,
    all_audit_text,
    audit_events,
    choose_password,
    fingerprint,
    invite,
    link_from,
    path_of,
    user_row,
)
from tests.integration.helpers import post
from webapp.extensions import db
from webapp.models.base import utcnow

WRITER = "skribent.crossroads@demo.iop"


def change_password(client, current=DEMO_PASSWORD, new=NEW_PASSWORD, again=None):
    return post(
        client, "/account/password", {"current_password": current, "password": new, "password_again": again or new}
    )


# --- own account ----------------------------------------------------------------------------------


def test_account_page_is_linked_from_every_page_and_shows_the_person(signed_in):
    writer = signed_in(WRITER)
    assert 'href="/account"' in writer.get("/").get_data(as_text=True)
    page = writer.get("/account").get_data(as_text=True)
    assert "Mitt konto" in page and WRITER in page and 'value="Anna Lindqvist"' in page


def test_account_page_needs_sign_in(client, demo):
    response = client.get("/account")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_change_own_name(app, signed_in):
    writer = signed_in(WRITER)
    response = post(writer, "/account/name", {"name": "  Anna   Lindqvist-Berg "})
    assert response.status_code == 302
    assert user_row(app, WRITER).name == "Anna Lindqvist-Berg"
    [event] = audit_events(app, "user.name_changed")
    assert event.details["from"] == "Anna Lindqvist" and event.details["to"] == "Anna Lindqvist-Berg"
    assert "Anna Lindqvist-Berg" in writer.get("/").get_data(as_text=True)


def test_empty_name_is_422_and_nothing_changes(app, signed_in):
    writer = signed_in(WRITER)
    before = fingerprint(app)
    response = post(writer, "/account/name", {"name": "   "})
    assert response.status_code == 422 and "Fyll i ett namn." in response.get_data(as_text=True)
    assert fingerprint(app) == before


def test_change_own_password(app, signed_in):
    writer = signed_in(WRITER)
    response = change_password(writer)
    assert response.status_code == 302
    assert sign_in(app.test_client(), WRITER).status_code == 422
    assert sign_in(app.test_client(), WRITER, NEW_PASSWORD).status_code == 302
    assert [e.action for e in audit_events(app) if e.action.startswith("user.")] == ["user.password_changed"]
    assert NEW_PASSWORD not in all_audit_text(app) and DEMO_PASSWORD not in all_audit_text(app)


@pytest.mark.parametrize(
    "current, new, again, message",
    [
        ("fel lösenord helt", NEW_PASSWORD, None, "Det nuvarande lösenordet stämmer inte."),
        (DEMO_PASSWORD, "kort", None, "minst 10 tecken"),
        (DEMO_PASSWORD, "sommar2024", None, "för lätt att gissa"),
        (DEMO_PASSWORD, "lösenord123", None, "för lätt att gissa"),
        (DEMO_PASSWORD, "Password1!", None, "för lätt att gissa"),
        (DEMO_PASSWORD, "skribent.crossroads-99", None, "e-postadress"),
        (DEMO_PASSWORD, NEW_PASSWORD, "Något annat helt 42", "Lösenorden är inte likadana."),
        (DEMO_PASSWORD, "x" * 257, None, "högst 256 tecken"),
    ],
)
def test_refused_password_change_is_422_never_echoed_and_nothing_changes(app, signed_in, current, new, again, message):
    writer = signed_in(WRITER)
    before = fingerprint(app)
    response = change_password(writer, current, new, again)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and message in page
    assert new not in page and current not in page and (again or new) not in page
    assert fingerprint(app) == before


def test_invited_person_without_a_password_cannot_change_it_here(app, signed_in):
    # An account page needs a signed-in person, who always has a password; the check still holds.
    from webapp.input_errors import InputRefused
    from webapp.services import accounts

    link = link_from(invite(signed_in(ADMIN), app))
    assert link
    with app.app_context():
        from webapp.models import User

        user = db.session.scalars(select(User).where(User.email == "ny.kollega@exempel.se")).one()
        with pytest.raises(InputRefused):
            accounts.change_own_password(user, "", "Ett bra nytt lösenord 5")
        db.session.rollback()
        db.session.remove()


# --- links ----------------------------------------------------------------------------------------


def test_opening_a_link_changes_nothing(app, signed_in):
    link = link_from(invite(signed_in(ADMIN), app))
    before = fingerprint(app)
    visitor = app.test_client()
    for _ in range(2):
        page = visitor.get(path_of(link))
        assert page.status_code == 200 and "Ny kollega" in page.get_data(as_text=True)
    assert fingerprint(app) == before


@pytest.mark.parametrize(
    "password, again, message",
    [
        ("sommar2024", None, "för lätt att gissa"),
        ("ny.kollega2024!", None, "e-postadress"),
        ("kort", None, "minst 10 tecken"),
        (NEW_PASSWORD, "Inte samma lösenord 3", "Lösenorden är inte likadana."),
    ],
)
def test_refused_password_on_a_link_is_422_and_the_link_still_works(app, signed_in, password, again, message):
    link = link_from(invite(signed_in(ADMIN), app))
    before = fingerprint(app)
    visitor = app.test_client()
    response = choose_password(visitor, link, password, again)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and message in page and password not in page
    assert fingerprint(app) == before
    assert visitor.get("/").status_code == 302  # not signed in
    assert choose_password(visitor, link).status_code == 302


def test_link_signs_in_and_lands_on_my_blocks(app, signed_in):
    link = link_from(invite(signed_in(ADMIN), app))
    visitor = app.test_client()
    response = choose_password(visitor, link)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    page = visitor.get("/").get_data(as_text=True)
    assert "Mina bidrag" in page and "Västberga gård" in page and "Välkommen, Ny kollega!" in page


def test_a_link_used_by_another_request_meanwhile_is_refused_and_nothing_is_kept(app, signed_in):
    """Two posts of the same link: both look-ups pass, only the first write wins."""
    from webapp.models import TokenPurpose
    from webapp.services import accounts
    from webapp.services.accounts import tokens

    link = link_from(invite(signed_in(ADMIN), app))
    with app.app_context():
        status, record = tokens.look_up(link.rsplit("/", 1)[1], TokenPurpose.INVITATION)
        assert status == tokens.LinkStatus.VALID
        with db.engine.begin() as other_request:
            other_request.execute(text("UPDATE user_tokens SET used_at = :now"), {"now": utcnow()})
        with pytest.raises(accounts.LinkAlreadyUsed):
            accounts.choose_password_with_link(record, NEW_PASSWORD)
        db.session.rollback()
        db.session.remove()
    assert user_row(app, "ny.kollega@exempel.se").password_hash.startswith("!")
    assert audit_events(app, "user.invitation_accepted") == []


def test_link_pages_need_the_csrf_token(app, signed_in):
    link = link_from(invite(signed_in(ADMIN), app))
    visitor = app.test_client()
    response = visitor.post(path_of(link), data={"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert response.status_code == 400
    assert choose_password(visitor, link).status_code == 302


def test_reset_link_is_not_an_invitation_link(app, signed_in):
    admin = signed_in(ADMIN)
    writer_id = user_row(app, WRITER).id
    link = link_from(post(admin, f"/admin/people/{writer_id}/link"))
    wrong_kind = path_of(link).replace("/account/reset/", "/account/invitation/")
    assert app.test_client().get(wrong_kind).status_code == 404
    visitor = app.test_client()
    assert csrf_token(visitor, "/login")
    assert choose_password(visitor, link).status_code == 302
