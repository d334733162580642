"""The admin's October (issue 6), in a real browser.

The admin creates next winter's report from the previous one (the demo's open 2022–23 report,
rolled over into 2023-11-01 – 2024-04-30), sets the deadline, adds "Barnperspektiv" assigned
to EU-teamet and all night units; a night unit's writer then finds the new blocks in
"Mina bidrag", sees last period's text beside her empty editor, and confirms the capacity
carried over from last winter. Every page is checked with axe.
"""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import func, select

from tests.browser.conftest import check_accessibility, sign_in
from tests.integration.helpers import find_block
from tests.integration.report_admin_helpers import capacities_of
from webapp.extensions import db
from webapp.models import Report

ADMIN = "admin@demo.iop"
NIGHT_WRITER = "skribent.stadsmissionen-natt@demo.iop"
OUTREACH_WRITER = "skribent.eu-teamet@demo.iop"
TITLE = "Verksamhetsrapport 2023-11-01 – 2024-04-30"
SECTION = "Barnperspektiv"


def _newest_report_id(app) -> int:
    with app.app_context():
        report_id = db.session.scalar(select(func.max(Report.id)))
        db.session.remove()
        return report_id


def test_admin_rolls_over_adds_a_section_and_a_night_writer_confirms_capacity(
    app, demo, page: Page, new_context: Callable[[], BrowserContext], live_server, console
):
    # The admin goes to reports and periods.
    sign_in(page, live_server, ADMIN)
    page.get_by_role("link", name="Administration").click()
    page.get_by_role("link", name="Rapporter och perioder").click()
    expect(page.get_by_role("heading", level=1, name="Rapporter och perioder")).to_be_visible()
    check_accessibility(page, "reports list")

    # Roll over: the form suggests next winter, a year after the open report.
    page.get_by_role("link", name="Ny rapport från föregående rapport").click()
    expect(page.get_by_role("heading", level=1, name="Ny rapport från föregående rapport")).to_be_visible()
    expect(page.get_by_label("Föregående rapport")).to_have_value("2")
    expect(page.get_by_label("Perioden börjar")).to_have_value("2023-11-01")
    expect(page.get_by_label("Perioden slutar")).to_have_value("2024-04-30")
    expect(page.get_by_label("Titel")).to_have_value(TITLE)
    check_accessibility(page, "roll-over form")
    # The suggested title follows the period until she types her own.
    page.get_by_label("Perioden slutar").fill("2024-05-31")
    expect(page.get_by_label("Titel")).to_have_value("Verksamhetsrapport 2023-11-01 – 2024-05-31")
    page.get_by_label("Perioden slutar").fill("2024-04-30")
    expect(page.get_by_label("Titel")).to_have_value(TITLE)
    page.get_by_label("Deadline för bidragen").fill("2024-06-14")
    page.get_by_role("button", name="Skapa rapporten").click()

    expect(page.get_by_role("heading", level=1, name=TITLE)).to_be_visible()
    expect(page.locator(".alert-success")).to_contain_text("kapacitet att bekräfta")
    expect(page.locator(".lead")).to_contain_text("14 juni 2024")
    report_id = _newest_report_id(app)
    check_accessibility(page, "new report's settings")

    # She adds "Barnperspektiv" for EU-teamet and every night unit.
    page.get_by_role("link", name="Lägg till ett avsnitt").click()
    expect(page.get_by_role("heading", level=1, name="Lägg till ett avsnitt")).to_be_visible()
    check_accessibility(page, "add a section")
    page.get_by_label("Rubrik").fill(SECTION)
    page.get_by_label("Vägledning (Markdown)").fill("Hur har barn som följer med sina föräldrar mötts?")
    page.get_by_label("Nattverksamheter").check()
    page.get_by_label("EU-teamet").check()
    page.get_by_role("button", name="Lägg till avsnittet").click()

    expect(page.locator(".alert-success")).to_contain_text(f"Avsnittet ”{SECTION}” är tillagt med 4 bidrag")
    grid = page.locator("table.admin-grid")
    expect(grid.get_by_role("rowheader", name=SECTION)).to_be_visible()
    check_accessibility(page, "settings with the new section")

    # The reports list counts the capacities waiting for confirmation.
    page.get_by_role("link", name="Rapporter och perioder").click()
    expect(page.locator("table.report-admin-list tbody tr").first).to_contain_text("3 att bekräfta")

    # A night unit's writer finds the new blocks in "Mina bidrag".
    writer = new_context().new_page()
    sign_in(writer, live_server, NIGHT_WRITER)
    my_blocks = writer.locator("table.listing")
    expect(my_blocks.get_by_role("link", name=SECTION)).to_have_count(1)
    check_accessibility(writer, "Mina bidrag with the new section")

    # On the new report's occupancy block: last winter's text beside an empty editor, and the capacity.
    block_id = find_block(app, "natt-belaggning", "stadsmissionen-natt", report_id=report_id)
    writer.goto(f"{live_server}/blocks/{block_id}")
    expect(writer.locator("#source")).to_have_value("")
    expect(writer.locator(".previous-period summary")).to_have_text("Samma avsnitt förra perioden")
    panel = writer.locator("#capacity")
    expect(panel).to_contain_text("att bekräfta")
    expect(panel.get_by_label("Platser per natt, rad 1")).to_have_value("50")
    check_accessibility(writer, "block page with capacity to confirm")
    writer.evaluate("() => { window.__noReload = true; }")
    panel.get_by_role("button", name="Bekräfta kapacitet").click()
    expect(writer.locator("#capacity .alert-success")).to_have_text("Kapaciteten är bekräftad.")
    expect(writer.locator("#capacity")).not_to_contain_text("att bekräfta")
    assert writer.evaluate("() => window.__noReload === true"), "the panel is swapped in place"
    check_accessibility(writer, "block page after confirming")
    assert capacities_of(app, report_id)["stadsmissionen-natt"][2] is False

    # EU-teamet sees its new block too.
    outreach = new_context().new_page()
    sign_in(outreach, live_server, OUTREACH_WRITER)
    expect(outreach.locator("table.listing").get_by_role("link", name=SECTION)).to_have_count(1)

    console.assert_no_csp_violations()
