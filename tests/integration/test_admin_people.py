"""Admin: people — list and search, invitations, roles and units, deactivation, reset links, guards."""

from __future__ import annotations

import hashlib
import re
import socket
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, text

from tests.conftest import sign_in
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
    roles_of,
    unit_id,
    user_id,
    user_row,
)
from tests.integration.helpers import post
from webapp.extensions import db
from webapp.models import Role, Unit, User, UserToken
from webapp.models.base import utcnow

CHAIR = "ordforande@demo.iop"
REVIEWER = "granskare.fralsningsarmen@demo.iop"
WRITER = "skribent.crossroads@demo.iop"


# --- the list -------------------------------------------------------------------------------------


def test_people_list_shows_everyone_with_roles_units_and_status(signed_in):
    page = signed_in(ADMIN).get("/admin/people").get_data(as_text=True)
    assert "Anna Lindqvist" in page and "skribent.crossroads@demo.iop" in page
    assert "Crossroads" in page and "Ordförande" in page and "Aktiv" in page


def test_people_search_by_name_email_role_unit_and_status(app, signed_in):
    admin = signed_in(ADMIN)
    by_name = admin.get("/admin/people?q=lindqvist").get_data(as_text=True)
    assert "Anna Lindqvist" in by_name and "Johan Bergström" not in by_name
    by_email = admin.get("/admin/people?q=granskare.convictus").get_data(as_text=True)
    assert "Karin Wallin" in by_email and "Anna Lindqvist" not in by_email
    chairs = admin.get("/admin/people?role=chair").get_data(as_text=True)
    assert "ordforande@demo.iop" in chairs and "skribent." not in chairs
    crossroads = admin.get(f"/admin/people?unit={unit_id(app, 'crossroads')}").get_data(as_text=True)
    assert "Anna Lindqvist" in crossroads and "Johan Bergström" not in crossroads
    post(admin, f"/admin/people/{user_id(app, WRITER)}/deactivate")
    inactive = admin.get("/admin/people?status=inactive").get_data(as_text=True)
    assert "Anna Lindqvist" in inactive and "Johan Bergström" not in inactive
    # Wildcards in the search are taken literally.
    assert "Ingen person matchar" in admin.get("/admin/people?q=%25").get_data(as_text=True)


def test_people_list_loads_in_a_bounded_number_of_queries(app, signed_in, count_queries):
    admin = signed_in(ADMIN)
    admin.get("/admin/people")
    with count_queries() as few:
        admin.get("/admin/people")
    for number in range(10):
        invite(admin, app, name=f"Person {number}", email=f"person{number}@exempel.se")
    with count_queries() as many:
        admin.get("/admin/people")
    assert many.count == few.count <= 12


# --- inviting -------------------------------------------------------------------------------------


def test_invitation_link_is_shown_once_works_once_and_signs_the_person_in(app, client, signed_in):
    admin = signed_in(ADMIN)
    response = invite(admin, app)
    assert response.status_code == 200
    link = link_from(response)
    token = link.rsplit("/", 1)[1]
    assert "/account/invitation/" in link and len(token) >= 43
    assert response.headers["Cache-Control"] == "no-store"

    with app.app_context():
        user = db.session.scalars(select(User).where(User.email == "ny.kollega@exempel.se")).one()
        assert user.password_hash.startswith("!") and {str(r) for r in user.roles} == {"writer"}
        assert [unit.key for unit in user.units] == ["vastberga-gard"]
        stored = db.session.scalars(select(UserToken).where(UserToken.user_id == user.id)).one()
        assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert stored.purpose == "invitation" and stored.used_at is None
        db.session.remove()
    assert token not in all_audit_text(app)
    [invited] = audit_events(app, "user.invited")
    assert invited.details["email"] == "ny.kollega@exempel.se" and invited.details["units"] == ["vastberga-gard"]

    # Nobody can sign in before a password is chosen.
    assert sign_in(client, "ny.kollega@exempel.se", "").status_code == 422
    opened = client.get(path_of(link))
    assert opened.status_code == 200 and "Välkommen till IOP-rapport" in opened.get_data(as_text=True)
    chosen = choose_password(client, link)
    assert chosen.status_code == 302 and chosen.headers["Location"] == "/"
    dashboard = client.get("/").get_data(as_text=True)
    assert "Ny kollega" in dashboard and "Västberga gård" in dashboard
    assert [e.details["user_id"] for e in audit_events(app, "user.invitation_accepted")] == [
        user_id(app, "ny.kollega@exempel.se")
    ]

    before = fingerprint(app)
    stranger = app.test_client()
    again = choose_password(stranger, link, "Ett helt annat lösenord 9")
    assert again.status_code == 410 and "redan använd" in again.get_data(as_text=True)
    assert stranger.get(path_of(link)).status_code == 410
    assert fingerprint(app) == before
    assert sign_in(app.test_client(), "ny.kollega@exempel.se", NEW_PASSWORD).status_code == 302


def test_expired_invitation_is_refused_and_changes_nothing(app, signed_in):
    link = link_from(invite(signed_in(ADMIN), app))
    with app.app_context():
        db.session.execute(text("UPDATE user_tokens SET expires_at = :past"), {"past": utcnow().replace(year=2020)})
        db.session.commit()
    before = fingerprint(app)
    visitor = app.test_client()
    assert visitor.get(path_of(link)).status_code == 410
    response = choose_password(visitor, link)
    assert response.status_code == 410 and "gäller inte längre" in response.get_data(as_text=True)
    assert fingerprint(app) == before
    assert visitor.get("/").status_code == 302  # not signed in


def test_link_lifetime_is_seven_days_unless_configured(app, signed_in):
    admin = signed_in(ADMIN)
    invite(admin, app)
    before = app.config.get("ACCOUNT_LINK_VALID_DAYS")
    app.config["ACCOUNT_LINK_VALID_DAYS"] = 2
    try:
        invite(admin, app, name="Andra kollegan", email="andra.kollegan@exempel.se")
    finally:
        if before is None:
            app.config.pop("ACCOUNT_LINK_VALID_DAYS")
        else:
            app.config["ACCOUNT_LINK_VALID_DAYS"] = before
    with app.app_context():
        lifetimes = [
            round((t.expires_at - t.created_at).total_seconds() / 86400, 3)
            for t in db.session.scalars(select(UserToken).order_by(UserToken.id))
        ]
        db.session.remove()
    assert lifetimes == [7, 2]


def test_unknown_link_is_404_with_a_swedish_message(client, demo):
    response = client.get("/account/invitation/" + "x" * 43)
    assert response.status_code == 404 and "Länken finns inte" in response.get_data(as_text=True)
    assert client.get("/account/reset/" + "y" * 500).status_code == 404


@pytest.mark.parametrize(
    "data, message",
    [
        ({"name": "", "email": "a.b@exempel.se", "roles": ["writer"]}, "Fyll i ett namn."),
        ({"name": "A B", "email": "inte-en-adress", "roles": ["writer"]}, "Skriv en giltig e-postadress"),
        ({"name": "A B", "email": "SKRIBENT.crossroads@demo.iop", "roles": ["writer"]}, "Det finns redan en person"),
        ({"name": "A B", "email": "a.b@exempel.se", "roles": []}, "Välj minst en roll."),
        ({"name": "A B", "email": "a.b@exempel.se", "roles": ["emperor"]}, "Okänd roll."),
        ({"name": "A B", "email": "a.b@exempel.se", "roles": ["writer"], "units": ["99999"]}, "Okänd verksamhet."),
    ],
)
def test_bad_invitation_is_422_with_the_message_and_nothing_saved(app, signed_in, data, message):
    admin = signed_in(ADMIN)
    before = fingerprint(app)
    response = post(admin, "/admin/people/invite", data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and "one-time-link" not in page
    assert fingerprint(app) == before


def test_no_new_members_for_a_deactivated_unit(app, signed_in):
    admin = signed_in(ADMIN)
    post(admin, f"/admin/units/{unit_id(app, 'fa-liljeholmen')}/deactivate")
    before = fingerprint(app)
    response = invite(admin, app, units=("fa-liljeholmen",))
    assert response.status_code == 422 and "avvecklad verksamhet" in response.get_data(as_text=True)
    assert fingerprint(app) == before


class Catcher:
    def __init__(self) -> None:
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append(message_from_bytes(envelope.original_content or envelope.content, policy=default_policy))
        return "250 OK"


@pytest.fixture
def smtp(app):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    catcher = Catcher()
    controller = Controller(catcher, hostname="127.0.0.1", port=port)
    controller.start()
    before = {key: app.config.get(key) for key in ("MAIL_SERVER", "MAIL_PORT")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    try:
        yield catcher
    finally:
        app.config.update(before)
        controller.stop()


def test_invitation_is_emailed_after_commit_when_mail_is_configured(app, signed_in, smtp):
    admin = signed_in(ADMIN)
    bad = post(admin, "/admin/people/invite", {"name": "", "email": "x@exempel.se", "roles": ["writer"]})
    assert bad.status_code == 422 and smtp.messages == []
    response = invite(admin, app)
    link = link_from(response)
    assert "skickas också till ny.kollega@exempel.se" in response.get_data(as_text=True)
    [message] = smtp.messages
    assert message["To"] == "ny.kollega@exempel.se" and message["Subject"] == "Inbjudan till IOP-rapport"
    assert link in message.get_content() and "Hej Ny kollega!" in message.get_content()


def test_no_mail_without_a_mail_server(app, signed_in, monkeypatch):
    import smtplib

    monkeypatch.setattr(smtplib, "SMTP", lambda *a, **k: pytest.fail("no SMTP connection expected"))
    response = invite(signed_in(ADMIN), app)
    assert response.status_code == 200 and "skickas också" not in response.get_data(as_text=True)


# --- roles and units ------------------------------------------------------------------------------


def test_admin_sets_roles_and_units_with_audit_events(app, signed_in):
    admin = signed_in(ADMIN)
    target = user_id(app, WRITER)
    response = post(
        admin,
        f"/admin/people/{target}/access",
        {"roles": ["writer", "reviewer"], "units": [unit_id(app, "crossroads"), unit_id(app, "eu-center")]},
    )
    assert response.status_code == 302
    assert roles_of(app, WRITER) == {"writer", "reviewer"}
    with app.app_context():
        keys = sorted(u.key for u in db.session.get(User, target).units)
        db.session.remove()
    assert keys == ["crossroads", "eu-center"]
    [roles_event] = audit_events(app, "user.roles_changed")
    assert roles_event.details == {"user_id": target, "email": WRITER, "added": ["reviewer"], "removed": []}
    [units_event] = audit_events(app, "user.units_changed")
    assert units_event.details["added"] == ["eu-center"] and units_event.details["removed"] == []
    # Saving the same again changes nothing and records nothing.
    post(
        admin,
        f"/admin/people/{target}/access",
        {"roles": ["writer", "reviewer"], "units": [unit_id(app, "crossroads"), unit_id(app, "eu-center")]},
    )
    assert len(audit_events(app, "user.roles_changed")) == 1


def test_roles_form_without_a_role_is_422_and_nothing_changes(app, signed_in):
    admin = signed_in(ADMIN)
    before = fingerprint(app)
    response = post(admin, f"/admin/people/{user_id(app, WRITER)}/access", {"units": [unit_id(app, "crossroads")]})
    assert response.status_code == 422 and "Välj minst en roll." in response.get_data(as_text=True)
    assert fingerprint(app) == before


def test_the_last_admin_keeps_the_admin_role(app, signed_in):
    admin = signed_in(ADMIN)
    before = fingerprint(app)
    response = post(admin, f"/admin/people/{user_id(app, ADMIN)}/access", {"roles": ["writer"]})
    assert response.status_code == 409
    assert "minst en aktiv administratör" in response.get_data(as_text=True)
    assert fingerprint(app) == before


def test_an_admin_may_hand_over_the_admin_role(app, signed_in):
    admin = signed_in(ADMIN)
    chair = user_id(app, CHAIR)
    assert post(admin, f"/admin/people/{chair}/access", {"roles": ["reviewer", "chair", "admin"]}).status_code == 302
    response = post(admin, f"/admin/people/{user_id(app, ADMIN)}/access", {"roles": ["writer"]})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert admin.get("/admin/people").status_code == 403
    assert roles_of(app, ADMIN) == {"writer"}


def test_the_last_chair_keeps_the_role_and_stays_active(app, signed_in):
    admin = signed_in(ADMIN)
    chair = user_id(app, CHAIR)
    before = fingerprint(app)
    removed = post(admin, f"/admin/people/{chair}/access", {"roles": ["reviewer"]})
    assert removed.status_code == 409 and "minst en aktiv ordförande" in removed.get_data(as_text=True)
    deactivated = post(admin, f"/admin/people/{chair}/deactivate")
    assert deactivated.status_code == 409 and "sista aktiva ordföranden" in deactivated.get_data(as_text=True)
    assert fingerprint(app) == before
    # With a second chair, the first may go.
    reviewer = user_id(app, REVIEWER)
    assert post(admin, f"/admin/people/{reviewer}/access", {"roles": ["reviewer", "chair"]}).status_code == 302
    assert post(admin, f"/admin/people/{chair}/deactivate").status_code == 302
    assert user_row(app, CHAIR).active is False


def test_the_last_active_admin_cannot_be_deactivated(app, demo):
    from webapp.permissions import StateForbids
    from webapp.services.accounts import people

    with app.app_context():
        admin = db.session.scalars(select(User).where(User.email == ADMIN)).one()
        other = db.session.scalars(select(User).where(User.email == CHAIR)).one()
        with pytest.raises(StateForbids, match="sista aktiva administratören"):
            people.deactivate(admin, by=other)  # e.g. a second admin whose own role was removed meanwhile
        db.session.rollback()
        db.session.remove()
    assert user_row(app, ADMIN).active is True


def test_an_admin_cannot_deactivate_themselves(app, signed_in):
    admin = signed_in(ADMIN)
    before = fingerprint(app)
    response = post(admin, f"/admin/people/{user_id(app, ADMIN)}/deactivate")
    assert response.status_code == 409 and "ditt eget konto" in response.get_data(as_text=True)
    assert fingerprint(app) == before


# --- deactivating ---------------------------------------------------------------------------------


def test_deactivated_persons_session_ends_at_their_next_request(app, signed_in):
    writer = signed_in(WRITER)
    assert writer.get("/").status_code == 200
    admin = signed_in(ADMIN)
    target = user_id(app, WRITER)
    response = post(admin, f"/admin/people/{target}/deactivate")
    assert response.status_code == 302
    refused = writer.get("/")
    assert refused.status_code == 302 and refused.headers["Location"].startswith("/login")
    assert sign_in(app.test_client(), WRITER).status_code == 422
    [event] = audit_events(app, "user.deactivated")
    assert event.details["user_id"] == target and event.user_id == user_id(app, ADMIN)
    assert "Avstängd" in admin.get(f"/admin/people/{target}").get_data(as_text=True)

    assert post(admin, f"/admin/people/{target}/reactivate").status_code == 302
    assert sign_in(app.test_client(), WRITER).status_code == 302
    assert [e.action for e in audit_events(app)][-1] == "user.reactivated"


def test_deactivating_ends_open_links(app, signed_in):
    admin = signed_in(ADMIN)
    link = link_from(invite(admin, app))
    post(admin, f"/admin/people/{user_id(app, 'ny.kollega@exempel.se')}/deactivate")
    visitor = app.test_client()
    assert visitor.get(path_of(link)).status_code == 410
    assert choose_password(visitor, link).status_code == 410


# --- password reset links -------------------------------------------------------------------------


def test_reset_link_replaces_older_ones_and_sets_a_new_password(app, signed_in):
    admin = signed_in(ADMIN)
    target = user_id(app, WRITER)
    first = link_from(post(admin, f"/admin/people/{target}/link"))
    second_page = post(admin, f"/admin/people/{target}/link")
    assert "Länk för nytt lösenord" in second_page.get_data(as_text=True)
    second = link_from(second_page)
    assert "/account/reset/" in first and first != second

    visitor = app.test_client()
    assert visitor.get(path_of(first)).status_code == 410
    assert choose_password(visitor, first).status_code == 410
    # The old password keeps working until the new one is chosen.
    assert sign_in(app.test_client(), WRITER).status_code == 302
    assert choose_password(visitor, second).status_code == 302
    assert sign_in(app.test_client(), WRITER).status_code == 422
    assert sign_in(app.test_client(), WRITER, NEW_PASSWORD).status_code == 302
    assert [e.action for e in audit_events(app) if e.action.startswith("user.")] == [
        "user.reset_link_created",
        "user.reset_link_created",
        "user.password_reset",
    ]
    assert NEW_PASSWORD not in all_audit_text(app)
    assert all(token not in all_audit_text(app) for token in (first.rsplit("/", 1)[1], second.rsplit("/", 1)[1]))


def test_new_link_for_someone_invited_is_an_invitation_again(app, signed_in):
    admin = signed_in(ADMIN)
    first = link_from(invite(admin, app))
    renewed = post(admin, f"/admin/people/{user_id(app, 'ny.kollega@exempel.se')}/link")
    second = link_from(renewed)
    assert "/account/invitation/" in second and "Inbjudan är skapad" in renewed.get_data(as_text=True)
    assert app.test_client().get(path_of(first)).status_code == 410
    assert choose_password(app.test_client(), second).status_code == 302


def test_no_link_for_a_deactivated_person(app, signed_in):
    admin = signed_in(ADMIN)
    target = user_id(app, WRITER)
    post(admin, f"/admin/people/{target}/deactivate")
    before = fingerprint(app)
    response = post(admin, f"/admin/people/{target}/link")
    assert response.status_code == 409 and "one-time-link" not in response.get_data(as_text=True)
    assert fingerprint(app) == before


# --- only admins ----------------------------------------------------------------------------------


def real_ids(app) -> dict[str, int]:
    """Existing objects for the people and organisation pages' path arguments."""
    with app.app_context():
        unit = db.session.scalars(select(Unit).where(Unit.key == "fa-liljeholmen")).one()
        ids = {
            "user_id": db.session.scalars(select(User.id).where(User.email == WRITER)).one(),
            "unit_id": unit.id,
            "organisation_id": unit.organisation_id,
            "entry_id": unit.capacity[0].id,
        }
        db.session.remove()
    return ids


def admin_rules(app, ids: dict[str, int]):
    """Every URL of the admin blueprint (all of its modules). Arguments without a real id get one
    that exists nowhere, so the locked-report guard (409) cannot answer before the admin check."""
    rules = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("admin."):
            path = rule.rule
            for argument in rule.arguments:
                path = re.sub(r"<(?:[^:>]+:)?" + argument + ">", str(ids.get(argument, 999999)), path)
            for method in sorted(rule.methods & {"GET", "POST"}):
                rules.append((method, path))
    return rules


@pytest.mark.parametrize("email", [WRITER, REVIEWER, CHAIR])
def test_every_admin_endpoint_is_refused_for_non_admins_and_changes_nothing(app, signed_in, email):
    client = signed_in(email)
    ids = real_ids(app)
    rules = admin_rules(app, ids)
    assert ("GET", "/admin/people") in rules and ("POST", f"/admin/units/{ids['unit_id']}/capacity") in rules
    before = fingerprint(app)
    for method, path in rules:
        if method == "GET":
            response = client.get(path)
        else:
            response = post(
                client,
                path,
                {
                    "name": "X",
                    "email": "x@exempel.se",
                    "roles": ["admin"],
                    "places": "5",
                    "kind": "day",
                    "units": [str(ids["unit_id"])],
                },
            )
        assert response.status_code == 403, (method, path, response.status_code)
        assert "Bara administratörer" in response.get_data(as_text=True)
    assert fingerprint(app) == before


def test_anonymous_visitors_are_sent_to_sign_in(client, demo):
    for path in ("/admin/people", "/admin/people/1", "/admin/organisations", "/admin/units/1"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_roles_enum_covers_the_role_checkboxes(signed_in):
    page = signed_in(ADMIN).get("/admin/people/invite").get_data(as_text=True)
    for role in Role:
        assert f'value="{role.value}"' in page
