"""A writer who forgot her password gets a new one by herself (issue 13, item 7), in a real browser.

She clicks "Glömt lösenord?" on the sign-in page, asks for a link, opens it from the mail the
app sent (caught by a local SMTP server), chooses a new password and is signed in. Later she
signs in with the new password; the old one no longer works. Every response is listened to (the
blank request and the refused sign-in with the old password are the only 4xx), the console
stays clean apart from those, and axe finds nothing on the pages she passes. Without mail, the
page at phone width names whom to ask and has no form.
"""

from __future__ import annotations

import re
import time
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Page, Response, expect

from tests.browser.conftest import check_accessibility
from tests.conftest import DEMO_PASSWORD

WRITER = "skribent.crossroads@demo.iop"
NEW_PASSWORD = "Blåbär kanot vinter 58"
LINK = re.compile(r"(https?://[^/\s]+/account/reset/[\w-]+)")


@pytest.fixture
def mailbox(app, monkeypatch, outbox, live_server) -> list:
    monkeypatch.setitem(app.config, "SERVER_NAME", urlparse(live_server).netloc)  # links on the site's address
    monkeypatch.setitem(app.config, "SUPPORT_CONTACT", "Sara Ek, samordnare, sara.ek@exempel.se")
    return outbox


def _mail_to(outbox: list, email: str, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [message for recipients, message in outbox if recipients == [email]]
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"no mail to {email}")


def _sign_in(page: Page, password: str) -> None:
    page.get_by_label("E-postadress").fill(WRITER)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Logga in").click()


def test_a_writer_resets_her_forgotten_password_by_mail(live_server, page, console, demo, mailbox):
    responses: list[tuple[int, str, str]] = []

    def record(response: Response) -> None:
        if response.status >= 400:
            responses.append((response.status, response.request.method, urlparse(response.url).path))

    page.on("response", record)
    page.goto(f"{live_server}/login")
    expect(page.get_by_text("Inget konto? Konton skapas av samordnaren.")).to_be_visible()
    expect(page.get_by_text("Kontakta Sara Ek, samordnare, sara.ek@exempel.se.")).to_be_visible()
    check_accessibility(page, "sign-in page with its help links")

    page.get_by_role("link", name="Glömt lösenord?").click()
    expect(page.get_by_role("heading", level=1, name="Glömt lösenord?")).to_be_visible()
    check_accessibility(page, "forgot-password page")
    page.get_by_role("button", name="Skicka länken").click()  # nothing typed: the field says so
    expect(page.get_by_text("Fyll i din e-postadress.")).to_be_visible()
    expect(page.get_by_label("E-postadress")).to_have_attribute("aria-invalid", "true")
    check_accessibility(page, "forgot-password page with an error")
    assert responses == [(422, "POST", "/forgot-password")]
    responses.clear()

    page.get_by_label("E-postadress").fill(WRITER)
    page.get_by_role("button", name="Skicka länken").click()
    expect(page.get_by_role("heading", level=1, name="Logga in")).to_be_visible()
    expect(page.get_by_text("Om adressen hör till ett konto har vi skickat en länk")).to_be_visible()

    [message] = _mail_to(mailbox, WRITER)
    link = LINK.search(message.get_content()).group(1)
    page.goto(link)
    expect(page.get_by_role("heading", level=1, name="Välj ett nytt lösenord")).to_be_visible()
    check_accessibility(page, "choose a new password")
    page.get_by_label("Nytt lösenord").fill(NEW_PASSWORD)
    page.get_by_label("Samma lösenord en gång till").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Spara lösenordet och logga in").click()
    expect(page.get_by_role("heading", level=1, name="Mina bidrag")).to_be_visible()
    page.get_by_role("button", name="Logga ut", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Logga in")).to_be_visible()

    # Later: the old password no longer works, the new one does.
    _sign_in(page, DEMO_PASSWORD)
    expect(page.get_by_text("Fel e-postadress eller lösenord.")).to_be_visible()
    _sign_in(page, NEW_PASSWORD)
    expect(page.get_by_role("heading", level=1, name="Mina bidrag")).to_be_visible()

    assert responses == [(422, "POST", "/login")], f"unexpected 4xx/5xx responses: {responses}"
    # Chromium logs each 4xx document load; the two deliberate 422s are all there is.
    unexpected = [text for text in console.errors if "status of 422" not in text]
    assert len(console.errors) == 2 and not unexpected, "console errors:\n" + "\n".join(console.errors)


def test_without_mail_the_page_names_the_coordinator_at_phone_width(
    live_server, browser, console, demo, app, monkeypatch
):
    monkeypatch.setitem(app.config, "SUPPORT_CONTACT", "Sara Ek, 070-123 45 67")
    context = browser.new_context(base_url=live_server, locale="sv-SE", viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        console.attach(page)
        statuses: list[int] = []
        page.on("response", lambda response: statuses.append(response.status))
        for path in ("/login", "/forgot-password"):
            page.goto(f"{live_server}{path}")
            assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"), path
            check_accessibility(page, f"{path} at phone width")
        expect(page.get_by_text("Kontakta Sara Ek, 070-123 45 67.")).to_be_visible()
        expect(page.get_by_role("textbox")).to_have_count(0)
        assert all(status < 400 for status in statuses), statuses
        assert not console.errors, "console errors:\n" + "\n".join(console.errors)
    finally:
        context.close()
