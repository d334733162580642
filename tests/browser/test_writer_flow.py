"""A writer's afternoon (DESIGN.md §3, flow 2), in a real browser.

Anna Lindqvist writes Crossroads' part of "Besöksstatistik uppdelat på kön" in the open
2022–23 report: live preview, an explicit save without leaving the page, the history and
its diff, the report overview and the draft PDF. Every page she sees is checked with axe.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.browser.conftest import check_accessibility, sign_in
from tests.integration.helpers import find_block

WRITER = "skribent.crossroads@demo.iop"
WRITER_NAME = "Anna Lindqvist"
SECTION_TITLE = "Besöksstatistik uppdelat på kön"
TEXT = "Crossroads hade **fet** ökning av besöken bland kvinnor."
PLAIN_TEXT = "Crossroads hade fet ökning av besöken bland kvinnor."


def _mark_document(page: Page) -> None:
    """A marker on the window that a full page load would wipe out."""
    page.evaluate("() => { window.__noReload = true; }")


def _assert_same_document(page: Page) -> None:
    assert page.evaluate("() => window.__noReload === true"), "the page was reloaded"


def test_writer_writes_saves_and_downloads_the_draft(app, demo, page: Page, live_server, console):
    block_id = find_block(app, "dag-besok", "crossroads")

    sign_in(page, live_server, WRITER)
    expect(page.locator(".site-header .who")).to_have_text(WRITER_NAME)
    my_blocks = page.locator("table.listing")
    expect(my_blocks.get_by_role("link", name=SECTION_TITLE)).to_have_count(1)
    check_accessibility(page, "Mina bidrag")

    # She opens her block from the list.
    my_blocks.get_by_role("link", name=SECTION_TITLE).click()
    expect(page).to_have_url(f"{live_server}/blocks/{block_id}")
    expect(page.get_by_role("heading", level=1, name=SECTION_TITLE)).to_be_visible()
    expect(page.locator("#history")).to_contain_text("Inga versioner ännu.")
    check_accessibility(page, "block page")
    _mark_document(page)

    # Live preview: typing fires `input`; the server renders the Markdown into #preview.
    source = page.locator("#source")
    source.fill(TEXT)
    expect(page.locator("#preview strong")).to_have_text("fet")
    expect(page.locator("#preview")).to_contain_text("ökning av besöken bland kvinnor")

    # An explicit save swaps the editor and the history in place.
    page.get_by_role("button", name="Spara", exact=True).click()
    expect(page.locator("#block-editor .alert-success")).to_have_text("Sparat som version 1.")
    history = page.locator("#history")
    expect(history.get_by_role("link", name="Version 1")).to_be_visible()
    expect(history).to_contain_text(WRITER_NAME)
    expect(history.locator(".badge")).to_have_text("aktuell")
    expect(page.locator("#source")).to_have_value(TEXT)
    _assert_same_document(page)
    check_accessibility(page, "block page after saving")

    # The revision page shows what changed.
    history.get_by_role("link", name="Version 1").click()
    expect(page).to_have_url(f"{live_server}/blocks/{block_id}/revisions/1")
    expect(page.get_by_role("heading", level=1, name="Version 1")).to_be_visible()
    expect(page.get_by_role("heading", name="Första versionen")).to_be_visible()
    added = page.locator("table.diff tr.diff-added")
    expect(added).to_have_count(1)
    expect(added.locator("ins")).to_have_text(TEXT)
    expect(page.locator(".rendered strong")).to_have_text("fet")
    check_accessibility(page, "revision page")

    # Back to the report overview through the breadcrumb.
    page.locator("nav.breadcrumbs a").first.click()
    expect(page).to_have_url(re.compile(rf"{re.escape(live_server)}/reports/\d+$"))
    report_url = page.url
    expect(page.locator("#progress")).to_be_visible()
    # Her block's cell in the progress matrix links to it and says where it stands.
    expect(page.locator(f'table.progress a[href="/blocks/{block_id}"]')).to_have_text("Utkast")
    check_accessibility(page, "report overview")

    # The draft PDF carries what she saved. The button posts (a render is work); the page that
    # answers offers the finished PDF.
    page.get_by_role("button", name="Ladda ner utkast som PDF").click()
    expect(page.locator("#draft-render")).to_contain_text("PDF:en är klar")
    with page.expect_download() as download_info:
        page.locator("#draft-render").get_by_role("link", name="Ladda ner utkastet som PDF").click()
    download = download_info.value
    assert download.suggested_filename.startswith("UTKAST-") and download.suggested_filename.endswith(".pdf")
    pdf = Path(download.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    text = " ".join(page_.extract_text() or "" for page_ in PdfReader(io.BytesIO(pdf)).pages)
    assert PLAIN_TEXT in re.sub(r"\s+", " ", text)

    # The document preview (the template the PDF is made from) is accessible too: the whole
    # document on one page (the first page of the preview loads its chapters as they come into view).
    page.goto(f"{report_url}/preview/all")
    expect(page.get_by_role("heading", level=1).first).to_be_visible()
    expect(page.locator("main.doc")).to_contain_text(PLAIN_TEXT)
    check_accessibility(page, "document preview")

    console.assert_no_csp_violations()


def test_preview_of_the_open_report_is_accessible(demo, page: Page, live_server, console):
    sign_in(page, live_server, WRITER)
    page.goto(f"{live_server}/reports/2/preview")
    expect(page.locator(".cover-title")).to_be_visible()
    # The UTKAST watermark is the printed page's background now; on screen the cover says it.
    expect(page.locator(".draft-note")).to_have_text("Utkast – inte publicerat")
    check_accessibility(page, "/reports/2/preview")
    console.assert_no_csp_violations()
