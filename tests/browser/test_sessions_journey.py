"""Sessions end when the person says so (issue 15, item 1), in a real browser.

A writer signs in with "Kom ihåg mig" at the office and again on a second computer. At the
office she uses "Logga ut överallt" in Mitt konto: she stays signed in there, and the second
computer's next click lands on the sign-in page even though it still holds its remember
cookie. She signs in there again and works on. No response is a 4xx/5xx and the console stays
clean throughout.
"""

from __future__ import annotations

from urllib.parse import urlparse

from playwright.sync_api import BrowserContext, Page, Response, expect

from tests.browser.conftest import check_accessibility
from tests.conftest import DEMO_PASSWORD

WRITER = "skribent.crossroads@demo.iop"
WRITER_NAME = "Anna Lindqvist"


def _sign_in_remembered(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label("E-postadress").fill(WRITER)
    page.get_by_label("Lösenord").fill(DEMO_PASSWORD)
    page.get_by_label("Kom ihåg mig").check()
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("heading", level=1, name="Mina bidrag")).to_be_visible()


def _cookie_names(context: BrowserContext) -> set[str]:
    return {cookie["name"] for cookie in context.cookies()}


def test_sign_out_everywhere_ends_the_other_computers_session(live_server, new_context, console, demo):
    failures: list[tuple[int, str, str]] = []

    def record(response: Response) -> None:
        if response.status >= 400:
            failures.append((response.status, response.request.method, urlparse(response.url).path))

    office_context, laptop_context = new_context(), new_context()
    office, laptop = office_context.new_page(), laptop_context.new_page()
    for page in (office, laptop):
        page.on("response", record)
        _sign_in_remembered(page, live_server)
    assert {"session", "remember_token"} <= _cookie_names(laptop_context)

    office.get_by_role("link", name="Mitt konto").click()
    expect(office.get_by_role("heading", level=1, name="Mitt konto")).to_be_visible()
    check_accessibility(office, "account page with its sign-ins section")
    office.get_by_role("button", name="Logga ut överallt").click()
    expect(office.get_by_role("heading", level=1, name="Mitt konto")).to_be_visible()
    expect(office.get_by_text("Du är nu utloggad på alla andra enheter")).to_be_visible()
    office.reload()  # the office stays signed in
    expect(office.get_by_role("heading", level=1, name="Mitt konto")).to_be_visible()

    # The laptop still holds both cookies, but neither signs in any more.
    assert {"session", "remember_token"} <= _cookie_names(laptop_context)
    laptop.get_by_role("link", name="Mitt konto").click()
    expect(laptop.get_by_role("heading", level=1, name="Logga in")).to_be_visible()
    assert urlparse(laptop.url).path == "/login"

    # She signs in there again and goes on where she was going.
    laptop.get_by_label("E-postadress").fill(WRITER)
    laptop.get_by_label("Lösenord").fill(DEMO_PASSWORD)
    laptop.get_by_role("button", name="Logga in").click()
    expect(laptop.get_by_role("heading", level=1, name="Mitt konto")).to_be_visible()
    laptop.get_by_role("textbox", name="Namn").fill(f"{WRITER_NAME} L")
    laptop.get_by_role("button", name="Spara namnet").click()
    expect(laptop.get_by_text("Ditt namn är sparat.")).to_be_visible()
    laptop.get_by_role("link", name="Mina bidrag").first.click()
    expect(laptop.get_by_role("heading", level=1, name="Mina bidrag")).to_be_visible()

    # A later "Logga ut" at the office signs out there, and the laptop too (one generation).
    office.get_by_role("button", name="Logga ut", exact=True).click()
    expect(office.get_by_role("heading", level=1, name="Logga in")).to_be_visible()
    laptop.reload()
    expect(laptop.get_by_role("heading", level=1, name="Logga in")).to_be_visible()

    assert not failures, f"unexpected 4xx/5xx responses: {failures}"
    assert not console.errors, "console errors:\n" + "\n".join(console.errors)
