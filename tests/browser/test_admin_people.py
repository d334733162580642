"""The admin's people and units story (issue 6), in a real browser.

The coordinator invites "Ny kollega" to Västberga gård and copies the one-time link; the new
colleague opens it in her own browser, chooses a password and lands on her unit's blocks. Then
the coordinator retires Frälsningsarmén Liljeholmen: it shows "Avvecklad", and its blocks in
the 2021–22 report can still be read. Every page is checked with axe.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import check_accessibility, sign_in

ADMIN = "admin@demo.iop"
NEW_NAME = "Ny kollega"
NEW_EMAIL = "ny.kollega@exempel.se"
NEW_PASSWORD = "Gurka tåg moln 71"
UNIT = "Västberga gård"  # the demo unit whose name has "Västberga" (key vastberga-gard)
CLOSING_UNIT = "Frälsningsarmén Liljeholmen"  # fa-liljeholmen


def test_admin_invites_a_colleague_who_sets_her_password_and_lands_on_her_blocks(
    page: Page, live_server, new_context, console, demo
):
    sign_in(page, live_server, ADMIN)
    page.get_by_role("link", name="Administration").click()
    page.get_by_role("link", name="Personer").click()
    expect(page.get_by_role("heading", level=1, name="Personer")).to_be_visible()
    check_accessibility(page, "people list")

    page.get_by_role("link", name="Bjud in en person").click()
    expect(page.get_by_role("heading", level=1, name="Bjud in en person")).to_be_visible()
    check_accessibility(page, "invite form")
    page.get_by_label("Namn").fill(NEW_NAME)
    page.get_by_label("E-postadress").fill(NEW_EMAIL)
    expect(page.get_by_role("checkbox", name="Skribent")).to_be_checked()
    page.get_by_role("checkbox", name=UNIT).check()
    page.get_by_role("button", name="Skapa inbjudan").click()

    expect(page.get_by_role("heading", level=1, name="Inbjudan är skapad")).to_be_visible()
    link_field = page.get_by_label("Länk som fungerar en gång")
    link = link_field.input_value()
    assert link.startswith(f"{live_server}/account/invitation/")
    check_accessibility(page, "invitation link page")

    # The copy button puts the link on the clipboard.
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    page.get_by_role("button", name="Kopiera länken").click()
    expect(page.locator(".copy-status")).to_have_text("Länken är kopierad.")
    assert page.evaluate("() => navigator.clipboard.readText()") == link

    # She opens the link in her own browser.
    colleague = new_context().new_page()
    colleague.goto(link)
    expect(colleague.get_by_role("heading", level=1, name="Välkommen till IOP-rapport")).to_be_visible()
    check_accessibility(colleague, "choose password page")
    colleague.get_by_label("Nytt lösenord").fill("sommar2024")
    colleague.get_by_label("Samma lösenord en gång till").fill("sommar2024")
    colleague.get_by_role("button", name="Spara lösenordet och logga in").click()
    expect(colleague.locator(".field-errors")).to_contain_text("för lätt att gissa")
    expect(colleague.get_by_label("Nytt lösenord")).to_have_value("")  # never echoed back
    check_accessibility(colleague, "choose password page with an error")

    colleague.get_by_label("Nytt lösenord").fill(NEW_PASSWORD)
    colleague.get_by_label("Samma lösenord en gång till").fill(NEW_PASSWORD)
    colleague.get_by_role("button", name="Spara lösenordet och logga in").click()
    expect(colleague.get_by_role("heading", level=1, name="Mina bidrag")).to_be_visible()
    expect(colleague.locator(".site-header .who")).to_have_text(NEW_NAME)
    rows = colleague.locator("table.listing tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() > 0
    for index in range(rows.count()):
        expect(rows.nth(index).locator("td").nth(1)).to_contain_text(UNIT)
    check_accessibility(colleague, "the colleague's Mina bidrag")

    # Her own account page.
    colleague.get_by_role("link", name="Mitt konto").click()
    expect(colleague.get_by_role("heading", level=1, name="Mitt konto")).to_be_visible()
    check_accessibility(colleague, "account page")

    # The link worked once.
    colleague.goto(link)
    expect(colleague.get_by_role("heading", level=1, name="Länken är redan använd")).to_be_visible()
    check_accessibility(colleague, "used link page")

    # The admin sees her as active in the list.
    page.goto(f"{live_server}/admin/people?q=kollega")
    row = page.locator("table.listing tbody tr", has_text=NEW_NAME)
    expect(row).to_contain_text(UNIT)
    expect(row).to_contain_text("Aktiv")
    page.get_by_role("link", name=NEW_NAME).click()
    expect(page.get_by_role("heading", level=1, name=NEW_NAME)).to_be_visible()
    check_accessibility(page, "person page")
    console.assert_no_csp_violations()


def test_admin_retires_liljeholmen_and_its_history_stays_readable(page: Page, live_server, console, demo):
    sign_in(page, live_server, ADMIN)
    page.goto(f"{live_server}/admin/")
    page.get_by_role("link", name="Organisationer och verksamheter").click()
    expect(page.get_by_role("heading", level=1, name="Organisationer och verksamheter")).to_be_visible()
    check_accessibility(page, "organisations list")

    page.get_by_role("link", name=CLOSING_UNIT).click()
    expect(page.get_by_role("heading", level=1, name=CLOSING_UNIT)).to_be_visible()
    expect(page.locator("table.capacity-entries")).to_contain_text("24")
    check_accessibility(page, "unit page")
    page.get_by_role("button", name="Avveckla verksamheten").click()
    expect(page.locator(".alert-success")).to_contain_text("är avvecklad")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Avvecklad")
    check_accessibility(page, "unit page after deactivating")

    page.get_by_role("link", name="Organisationer och verksamheter").click()
    row = page.locator("table.units-list tbody tr", has_text=CLOSING_UNIT)
    expect(row).to_contain_text("Avvecklad")
    expect(page.locator("table.units-list tbody tr", has_text="Frälsningsarmén Årsta")).to_contain_text("Aktiv")

    # Its history: the 2021–22 report still has its blocks, readable.
    row.get_by_role("link", name=CLOSING_UNIT).click()
    page.get_by_role("link", name="Verksamhetsrapport IOP 2021-11-01 – 2022-04-30").click()
    expect(page.get_by_role("heading", level=1, name="Verksamhetsrapport IOP 2021-11-01 – 2022-04-30")).to_be_visible()
    # The progress matrix: the unit's column (its header in the second header row) holds its blocks.
    column = (
        page.locator("#progress-matrix thead tr")
        .nth(1)
        .locator("th")
        .evaluate_all("(ths, name) => ths.findIndex(th => th.textContent.trim() === name)", CLOSING_UNIT)
    )
    assert column >= 0
    offset = 1 + page.locator("#progress-matrix thead th.joint").count()  # td:nth-of-type counts from 1
    block_link = page.locator(f"#progress-matrix tbody tr td:nth-of-type({column + offset}) a").first
    expect(block_link).to_be_visible()
    block_link.click()
    expect(page.locator("main")).to_contain_text(CLOSING_UNIT)
    check_accessibility(page, "a Liljeholmen block of the 2021–22 report")
    console.assert_no_csp_violations()
