"""The chair of a partnership three times the demo's (33 units, more than the matrix shows one by
one) opens the report's overview: one column per organisation. She opens an organisation (htmx
swaps the matrix alone and the address bar keeps the page's address), follows a unit's cell to its
block and comes back to the overview with the organisation still open (issue 16).

Every response of 400 or more, every console message and every axe violation fails the journey.
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

from playwright.sync_api import ConsoleMessage, Page, expect
from sqlalchemy import select

from tests.browser.conftest import check_accessibility, sign_in
from tests.browser.test_writer_journeys import SETTLED
from tests.integration.test_overview_matrix import CHAIR, _big_partnership
from webapp.extensions import db
from webapp.models import Organisation

BLOCK_LINKS = "#progress-matrix a[href^='/blocks/']"


def _block_links(page: Page) -> list[str]:
    return page.locator(BLOCK_LINKS).evaluate_all("links => links.map(a => a.getAttribute('href'))")


def test_the_chair_opens_an_organisation_follows_a_cell_and_comes_back(app, page: Page, live_server, console):
    report_id = _big_partnership(app)
    with app.app_context():
        organisation = db.session.scalars(select(Organisation).where(Organisation.name == "Convictus (2)")).one()
        organisation_id, units = organisation.id, sorted(u.name for u in organisation.units)
        db.session.remove()
    responses: list[tuple[int, str, str]] = []
    messages: list[str] = []
    page.on("response", lambda r: responses.append((r.status, r.request.method, urlparse(r.url).path)))
    page.on("console", lambda m: messages.append(f"{m.type}: {m.text}") if isinstance(m, ConsoleMessage) else None)

    sign_in(page, live_server, CHAIR)
    page.goto(f"{live_server}/reports/{report_id}")
    matrix = page.get_by_role("region", name="Läget per avsnitt och verksamhet")
    expect(matrix).to_be_visible()
    expect(matrix.get_by_role("columnheader", name=units[0])).to_have_count(0)  # folded
    joint_links = _block_links(page)
    check_accessibility(page, "overview of a big report, organisations folded")

    toggle = page.locator(f"#matrix-org-{organisation_id}")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    with page.expect_response(lambda r: urlparse(r.url).path == f"/reports/{report_id}/matrix") as answer:
        toggle.click()
    page.wait_for_function(SETTLED)
    assert answer.value.status == 200 and answer.value.request.headers.get("hx-request") == "true"
    assert urlparse(page.url).query == f"visa={organisation_id}"
    for name in units:
        expect(matrix.get_by_role("columnheader", name=name)).to_be_visible()
    expect(page.locator(f"#matrix-org-{organisation_id}")).to_have_attribute("aria-expanded", "true")
    expect(page.locator(f"#matrix-org-{organisation_id}")).to_be_focused()  # the focus stays on the toggle
    check_accessibility(page, "overview with one organisation open")

    unit_links = [href for href in _block_links(page) if href not in joint_links]
    assert unit_links, "the opened organisation's cells link to its blocks"
    page.locator(f"#progress-matrix a[href='{unit_links[0]}']").click()
    expect(page).to_have_url(f"{live_server}{unit_links[0]}")
    expect(page.locator("main")).to_contain_text(re.compile("|".join(map(re.escape, units))))

    page.go_back()
    expect(page).to_have_url(f"{live_server}/reports/{report_id}?visa={organisation_id}")
    expect(
        page.get_by_role("region", name="Läget per avsnitt och verksamhet").get_by_role("columnheader", name=units[0])
    ).to_be_visible()

    assert not [r for r in responses if r[0] >= 400], responses
    assert not messages, messages
    console.assert_no_csp_violations()
