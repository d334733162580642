"""A writer previews her section as PDF from the block page; the HTML edition passes axe.

The PDF itself is fetched through the page's own session (``page.request``): a headless
browser has no PDF viewer to look at. The HTML edition is opened in a blank page of its own
(``set_content``), so nothing of the app's – its CSP, its styles – stands around it, and every
request the page makes is recorded: a self-contained page makes none.
"""

from __future__ import annotations

from io import BytesIO

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.browser.conftest import check_accessibility, sign_in
from tests.integration.helpers import find_block

WRITER = "skribent.crossroads@demo.iop"
SECTION_TITLE = "Besöksstatistik uppdelat på kön"


def test_writer_previews_her_section_as_pdf(app, demo, page: Page, live_server, console):
    block_id = find_block(app, "dag-besok", "crossroads")
    sign_in(page, live_server, WRITER)
    page.goto(f"{live_server}/blocks/{block_id}")
    expect(page.get_by_role("heading", level=1, name=SECTION_TITLE)).to_be_visible()
    check_accessibility(page, "block page")

    link = page.get_by_role("link", name="Förhandsgranska avsnittet som PDF")
    expect(link).to_have_attribute("target", "_blank")
    response = page.request.get(live_server + link.get_attribute("href"))
    assert response.ok
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline")
    text = "\n".join(p.extract_text() for p in PdfReader(BytesIO(response.body())).pages)
    assert SECTION_TITLE in text and "Crossroads" in text
    assert "UTKAST" in text and "Dagverksamheter" in text and "Nattverksamheter" not in text
    console.assert_no_csp_violations()


def test_the_html_edition_is_accessible_and_self_contained(demo, page: Page, new_context, live_server, console):
    sign_in(page, live_server, WRITER)
    response = page.request.get(f"{live_server}/reports/1/edition.html")
    assert response.ok and response.headers["content-type"].startswith("text/html")
    html = response.text()

    edition = new_context().new_page()
    requests: list[str] = []
    edition.on("request", lambda request: requests.append(request.url))
    edition.set_content(html)
    expect(edition).to_have_title("Verksamhetsrapport IOP 2021-11-01 – 2022-04-30")
    expect(edition.get_by_role("navigation", name="Innehåll")).to_be_visible()
    expect(edition.get_by_role("main")).to_be_visible()
    check_accessibility(edition, "HTML edition")
    assert requests == [], requests

    # The skip link is the first stop for the keyboard and leads into the report.
    edition.keyboard.press("Tab")
    skip = edition.get_by_role("link", name="Hoppa till innehållet")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    edition.keyboard.press("Enter")
    expect(edition.get_by_role("main")).to_be_focused()

    # A contents link jumps to its chapter.
    edition.get_by_role("navigation", name="Innehåll").get_by_role("link", name="2 Dagverksamheter", exact=True).click()
    expect(edition.get_by_role("heading", level=1, name="2 Dagverksamheter")).to_be_in_viewport()
    assert requests == [], requests
    console.assert_no_csp_violations()
