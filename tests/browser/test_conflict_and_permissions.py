"""Two people on one block, someone else's block, and a wrong password — in a real browser."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import check_accessibility, sign_in
from tests.integration.helpers import block_snapshot, current_text, find_block, revision_count

WRITER = "skribent.crossroads@demo.iop"
COLLEAGUE = "skribent.eu-center@demo.iop"
ADMIN = "admin@demo.iop"
ADMIN_TEXT = "Administratören lade in siffrorna: 5 400 besök."
WRITER_TEXT = "Anna skriver om kvinnornas besök på Crossroads."
CONFLICT_HEADING = "Någon annan har sparat bidraget medan du skrev"


def test_a_concurrent_save_shows_the_conflict_and_keeps_the_writers_text(
    app, demo, live_server, new_context: Callable[[], BrowserContext], console
):
    block_id = find_block(app, "dag-besok", "crossroads")
    block_url = f"{live_server}/blocks/{block_id}"

    writer = new_context().new_page()
    admin = new_context().new_page()
    sign_in(writer, live_server, WRITER)
    sign_in(admin, live_server, ADMIN)
    writer.goto(block_url)
    admin.goto(block_url)
    expect(writer.locator("#source")).to_be_editable()
    expect(admin.locator("#source")).to_be_editable()

    # The admin saves first.
    admin.locator("#source").fill(ADMIN_TEXT)
    admin.get_by_role("button", name="Spara", exact=True).click()
    expect(admin.locator("#block-editor .alert-success")).to_have_text("Sparat som version 1.")

    # The writer, still on the page she opened before, saves her own text.
    writer.locator("#source").fill(WRITER_TEXT)
    writer.get_by_role("button", name="Spara", exact=True).click()
    conflict = writer.locator("#block-editor .alert-conflict")
    expect(conflict).to_be_visible()
    expect(conflict.get_by_role("heading", name=CONFLICT_HEADING)).to_be_visible()
    expect(conflict.locator(".conflict-text")).to_have_text(ADMIN_TEXT)
    expect(writer.locator("#source")).to_have_value(WRITER_TEXT)
    expect(writer.locator("#block-editor .alert-success")).to_have_count(0)
    assert current_text(app, block_id) == ADMIN_TEXT and revision_count(app, block_id) == 1
    check_accessibility(writer, "block page with a conflict")

    # Having read the admin's text, she saves again: now it goes through.
    writer.get_by_role("button", name="Spara", exact=True).click()
    expect(writer.locator("#block-editor .alert-success")).to_have_text("Sparat som version 2.")
    expect(writer.locator("#block-editor .alert-conflict")).to_have_count(0)
    expect(writer.locator("#history").get_by_role("link", name="Version 2")).to_be_visible()
    expect(writer.locator("#history").get_by_role("link", name="Version 1")).to_be_visible()
    assert current_text(app, block_id) == WRITER_TEXT and revision_count(app, block_id) == 2

    console.assert_no_csp_violations()


def test_a_writer_of_another_unit_sees_no_editor(app, demo, page: Page, live_server, console):
    block_id = find_block(app, "dag-besok", "crossroads")
    before = block_snapshot(app, block_id)

    sign_in(page, live_server, COLLEAGUE)
    page.goto(f"{live_server}/blocks/{block_id}")
    expect(page.get_by_role("heading", level=1, name="Besöksstatistik uppdelat på kön")).to_be_visible()
    expect(page.get_by_role("heading", name="Innehåll")).to_be_visible()
    expect(page.locator("#source")).to_have_count(0)
    expect(page.locator("#block-editor")).to_have_count(0)
    expect(page.get_by_role("button", name="Spara", exact=True)).to_have_count(0)
    check_accessibility(page, "read-only block page")
    assert block_snapshot(app, block_id) == before
    console.assert_no_csp_violations()


def test_a_wrong_password_is_refused_with_a_clear_message(demo, page: Page, live_server, console):
    page.goto(f"{live_server}/login")
    expect(page.get_by_role("heading", level=1, name="Logga in")).to_be_visible()
    check_accessibility(page, "login page")

    page.get_by_label("E-postadress").fill(WRITER)
    page.get_by_label("Lösenord").fill("not-the-password")
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("alert")).to_have_text("Fel e-postadress eller lösenord.")
    expect(page).to_have_url(f"{live_server}/login")
    expect(page.get_by_label("E-postadress")).to_have_value(WRITER)
    expect(page.get_by_label("Lösenord")).to_have_value("")
    check_accessibility(page, "login page with an error")

    # The right password still works afterwards.
    sign_in(page, live_server, WRITER)
    console.assert_no_csp_violations()
