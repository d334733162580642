"""'Glömt lösenord?': a reset link by e-mail when mail is on, otherwise whom to ask; the same
answer for every address, limited per address typed and per client address, recorded in the log."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import update

from tests.conftest import DEMO_PASSWORD, csrf_token, sign_in
from tests.integration.account_helpers import (
    NEW_PASSWORD,
    audit_events,
    choose_password,
    fingerprint,
    invite,
    user_id,
)
from webapp.extensions import db
from webapp.models import User

WRITER = "skribent.crossroads@demo.iop"
UNKNOWN = "ingen.alls@exempel.se"
PAGE = "/forgot-password"
LINK = re.compile(r"(https?://[^/\s]+/account/(?:reset|invitation)/[\w-]+)")
NEUTRAL = "Om adressen hör till ett konto har vi skickat en länk"


@pytest.fixture
def mail_on(app, outbox, monkeypatch) -> list:
    """Mail on (``outbox``: tests/conftest.py) and the site's address configured: the page mails links."""
    monkeypatch.setitem(app.config, "SERVER_NAME", "localhost")
    return outbox


def mails(outbox: list) -> list:
    """The messages the SMTP catcher received."""
    return [message for _recipients, message in outbox]


def ask(client, email: str, *, with_token: bool = True):
    data = {"email": email}
    if with_token:
        data["csrf_token"] = csrf_token(client, PAGE)
    return client.post(PAGE, data=data)


def deactivate(app, email: str) -> None:
    with app.app_context():
        db.session.execute(update(User).where(User.email == email).values(active=False))
        db.session.commit()
        db.session.remove()


def link_in(message) -> str:
    match = LINK.search(message.get_content())
    assert match, message.get_content()
    return match.group(1)


# --- The pages ------------------------------------------------------------------------------------


def test_sign_in_page_links_to_help_and_says_whom_to_ask_for_an_account(app, client, monkeypatch):
    page = client.get("/login").get_data(as_text=True)
    assert f'href="{PAGE}"' in page and "Glömt lösenord?" in page
    assert "Konton skapas av samordnaren" in page and "Kontakta samordnaren för er IOP." in page
    monkeypatch.setitem(app.config, "SUPPORT_CONTACT", "Anna Svensson, anna@exempel.se, 070-123 45 67")
    page = client.get("/login").get_data(as_text=True)
    assert "Kontakta Anna Svensson, anna@exempel.se, 070-123 45 67." in page


def test_without_mail_the_page_names_the_contact_and_has_no_form(app, client, monkeypatch):
    page = client.get(PAGE)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Kontakta samordnaren för er IOP." in text
    assert 'name="email"' not in text and "<form" not in text.split("<main", 1)[1].split("</main>")[0]
    monkeypatch.setitem(app.config, "SUPPORT_CONTACT", "Anna Svensson, 070-123 45 67")
    assert "Kontakta Anna Svensson, 070-123 45 67." in client.get(PAGE).get_data(as_text=True)


def test_without_the_sites_address_no_link_is_mailed(app, demo, client, outbox):
    """A link built from the request's Host header could send her token to whoever forged it."""
    page = client.get(PAGE).get_data(as_text=True)
    assert "Kontakta samordnaren för er IOP." in page and 'name="email"' not in page
    response = client.post(PAGE, data={"email": WRITER, "csrf_token": csrf_token(client, "/login")})
    assert response.status_code == 409 and outbox == []


def test_a_forged_host_stays_out_of_the_mailed_link(app, demo, client, mail_on, monkeypatch):
    monkeypatch.setitem(app.config, "SERVER_NAME", "iop.example.org")
    monkeypatch.setitem(app.config, "PREFERRED_URL_SCHEME", "https")
    forged = "http://evil.example"
    page = client.get(PAGE, base_url=forged).get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
    response = client.post(PAGE, data={"email": WRITER, "csrf_token": token}, base_url=forged)
    assert response.status_code == 302
    [message] = mails(mail_on)
    assert link_in(message).startswith("https://iop.example.org/account/reset/")
    assert "evil" not in message.get_content()


def test_without_mail_a_post_is_refused_and_changes_nothing(app, demo, client, monkeypatch):
    import smtplib

    monkeypatch.setattr(smtplib, "SMTP", lambda *a, **k: pytest.fail("no SMTP connection expected"))
    before = fingerprint(app)
    response = client.post(PAGE, data={"email": WRITER, "csrf_token": csrf_token(client, "/login")})
    assert response.status_code == 409 and 'name="email"' not in response.get_data(as_text=True)
    assert fingerprint(app) == before


def test_a_signed_in_person_is_sent_to_her_account_page(app, signed_in, mail_on):
    assert signed_in(WRITER).get(PAGE).headers["Location"] == "/account"


# --- The same answer for every address ------------------------------------------------------------


def test_known_unknown_inactive_and_odd_case_addresses_get_the_same_answer(app, demo, client, mail_on):
    deactivate(app, "skribent.eu-center@demo.iop")
    answers = []
    for email in (WRITER, UNKNOWN, "skribent.eu-center@demo.iop", "  SKRIBENT.Crossroads@demo.iop "):
        response = ask(client, email)
        followed = client.get(response.headers["Location"]).get_data(as_text=True)
        answers.append((response.status_code, response.headers["Location"], NEUTRAL in followed))
    assert answers == [(302, "/login", True)] * 4
    # Only the active account got mail: twice (the second link replaced the first).
    assert [message["To"] for message in mails(mail_on)] == [WRITER, WRITER]


def test_a_link_is_mailed_only_to_an_active_account_and_recorded_in_the_log(app, demo, client, mail_on):
    before = fingerprint(app)
    ask(client, UNKNOWN)
    deactivate(app, WRITER)
    after_deactivating = fingerprint(app)
    ask(client, WRITER)
    assert mails(mail_on) == [] and audit_events(app, "user.reset_requested") == []
    assert fingerprint(app) == after_deactivating and before != after_deactivating


def test_the_mailed_link_lets_her_choose_a_password_and_ends_her_old_sessions(app, demo, client, mail_on):
    old_session = app.test_client()
    assert sign_in(old_session, WRITER).status_code == 302
    assert ask(client, WRITER).status_code == 302
    [message] = mails(mail_on)
    assert message["To"] == WRITER and message["Subject"] == "Nytt lösenord till IOP-rapport"
    assert "troligen du" in message.get_content()
    [event] = audit_events(app, "user.reset_requested")
    assert event.user_id is None and event.details["user_id"] == user_id(app, WRITER)
    assert event.details["purpose"] == "password_reset"
    link = link_in(message)
    # Until she uses it, her old password and session still work (someone else may have asked).
    assert old_session.get("/").status_code == 200
    chosen = choose_password(client, link)
    assert chosen.status_code == 302 and chosen.headers["Location"] == "/"
    assert client.get("/").status_code == 200  # signed in by the link
    assert old_session.get("/").status_code == 302  # the old session ended
    fresh = app.test_client()
    assert sign_in(fresh, WRITER, DEMO_PASSWORD).status_code == 422
    assert sign_in(fresh, WRITER, NEW_PASSWORD).status_code == 302
    assert client.get("/" + link.split("/", 3)[3]).status_code == 410  # once only


def test_a_person_who_never_chose_a_password_gets_a_new_invitation_link(app, signed_in, client, mail_on):
    invite(signed_in("admin@demo.iop"), app)
    mail_on.clear()
    ask(client, "ny.kollega@exempel.se")
    [message] = mails(mail_on)
    assert "/account/invitation/" in link_in(message)


# --- Refusals -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "message"),
    [("", "Fyll i din e-postadress."), ("inte-en-adress", "Skriv en giltig e-postadress"), ("a@b", "giltig")],
)
def test_a_blank_or_invalid_address_is_422_at_the_field_and_sends_nothing(app, demo, client, mail_on, email, message):
    before = fingerprint(app)
    response = ask(client, email)
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and message in text
    assert 'aria-invalid="true"' in text and 'id="email-errors"' in text
    assert fingerprint(app) == before and mails(mail_on) == []


def test_the_csrf_token_is_required(app, demo, client, mail_on):
    before = fingerprint(app)
    response = ask(client, WRITER, with_token=False)
    assert response.status_code == 400
    assert fingerprint(app) == before and mails(mail_on) == []


def test_requests_are_limited_per_address_typed(app, demo, client, mail_on):
    for _ in range(5):
        assert ask(client, UNKNOWN).status_code == 302
    refused = ask(client, " Ingen.Alls@exempel.se")  # the same address, normalised
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "För många försök. Försök igen om 15 minuter." in refused.get_data(as_text=True)
    assert ask(client, WRITER).status_code == 302  # another address still gets its link
    assert len(mails(mail_on)) == 1


def test_requests_are_limited_per_client_address(app, demo, client, mail_on, monkeypatch):
    monkeypatch.setitem(app.config, "RESET_REQUESTS_PER_ADDRESS", "3 per 15 minutes")
    for number in range(3):
        assert ask(client, f"person{number}@exempel.se").status_code == 302
    before = fingerprint(app)
    refused = ask(client, WRITER)
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert fingerprint(app) == before and mails(mail_on) == []
    other = app.test_client()
    response = other.post(
        PAGE,
        data={"email": WRITER, "csrf_token": csrf_token(other, PAGE)},
        environ_base={"REMOTE_ADDR": "198.51.100.7"},
    )
    assert response.status_code == 302 and len(mails(mail_on)) == 1


def test_the_pages_in_english(app, client, mail_on):
    client.post("/language", data={"language": "en", "next": "/", "csrf_token": csrf_token(client, "/login")})
    page = client.get(PAGE).get_data(as_text=True)
    assert "Forgot your password?" in page and "Send the link" in page
    refused = ask(client, "").get_data(as_text=True)
    assert "No link was sent" in refused
    assert "No account? Accounts are created by the coordinator." in client.get("/login").get_data(as_text=True)
    response = ask(client, UNKNOWN)
    assert "If the address belongs to an account" in client.get(response.headers["Location"]).get_data(as_text=True)
