"""The chair of a partnership three times the demo's (33 units, more than one matrix shows) opens
the report's overview: the blocks counted per section and per organisation. She reads the section
summary, opens two organisations (htmx loads each one's row alone, the address bar keeps the
page's address with both), follows a unit's cell to its block, comes back to the overview with
both still open, and closes one (issue 16).

Every response of 400 or more, every console message and every axe violation fails the journey.
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

from playwright.sync_api import ConsoleMessage, Page, expect

from tests.browser.conftest import check_accessibility, sign_in
from tests.browser.test_writer_journeys import SETTLED
from tests.integration.test_overview_matrix import CHAIR, _big_partnership, _organisation


def _toggle_organisation(page: Page, report_id: int, organisation_id: int) -> None:
    toggle = page.locator(f"#org-toggle-{organisation_id}")
    path = f"/reports/{report_id}/organisations/{organisation_id}"
    with page.expect_response(lambda r: urlparse(r.url).path == path) as answer:
        toggle.click()
    page.wait_for_function(SETTLED)
    assert answer.value.status == 200 and answer.value.request.headers.get("hx-request") == "true"
    expect(page.locator(f"#org-toggle-{organisation_id}")).to_be_focused()  # the focus stays on the toggle


def test_the_chair_reads_the_counts_opens_two_organisations_follows_a_cell_and_comes_back(
    app, page: Page, live_server, console
):
    report_id = _big_partnership(app)
    first, first_units = _organisation(app)
    second, second_units = _organisation(app, "Convictus (3)")
    both = "&".join(f"visa={i}" for i in sorted((first, second)))
    responses: list[tuple[int, str, str]] = []
    messages: list[str] = []
    page.on("response", lambda r: responses.append((r.status, r.request.method, urlparse(r.url).path)))
    page.on("console", lambda m: messages.append(f"{m.type}: {m.text}") if isinstance(m, ConsoleMessage) else None)

    sign_in(page, live_server, CHAIR)
    page.goto(f"{live_server}/reports/{report_id}")
    sections = page.get_by_role("table", name="Bidragen per avsnitt och läge")
    expect(sections).to_be_visible()
    first_section = sections.get_by_role("row").filter(has=page.get_by_role("link", name=re.compile(r"^1\.1 ")))
    expect(first_section).to_contain_text(re.compile(r"\d+ av \d+ godkända"))
    organisations = page.get_by_role("table", name="Bidragen per organisation och läge")
    expect(organisations.get_by_role("link", name="Convictus (2)")).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_role("columnheader", name=first_units[0])).to_have_count(0)  # folded
    check_accessibility(page, "overview of a big report, counted per section and organisation")

    _toggle_organisation(page, report_id, first)
    assert urlparse(page.url).query == f"visa={first}"
    _toggle_organisation(page, report_id, second)
    assert urlparse(page.url).query == both  # the second toggle knew the first was open
    for organisation_id, units in ((first, first_units), (second, second_units)):
        expect(page.locator(f"#org-toggle-{organisation_id}")).to_have_attribute("aria-expanded", "true")
        region = page.locator(f"#org-matrix-{organisation_id}")
        for name in units:
            expect(region.get_by_role("columnheader", name=name)).to_be_visible()
    check_accessibility(page, "overview with two organisations open")

    cell = page.locator(f"#org-matrix-{second} td a[href^='/blocks/']").first
    href = cell.get_attribute("href")
    cell.click()
    expect(page).to_have_url(f"{live_server}{href}")
    expect(page.locator("main")).to_contain_text(re.compile("|".join(map(re.escape, second_units))))

    page.go_back()
    expect(page).to_have_url(f"{live_server}/reports/{report_id}?{both}")
    for organisation_id, units in ((first, first_units), (second, second_units)):
        expect(
            page.locator(f"#org-matrix-{organisation_id}").get_by_role("columnheader", name=units[0])
        ).to_be_visible()

    _toggle_organisation(page, report_id, first)
    assert urlparse(page.url).query == f"visa={second}"
    expect(page.locator(f"#org-toggle-{first}")).to_have_attribute("aria-expanded", "false")
    expect(page.locator(f"#org-matrix-{first}")).to_have_count(0)
    expect(page.locator(f"#org-matrix-{second}")).to_be_visible()

    assert not [r for r in responses if r[0] >= 400], responses
    assert not messages, messages
    console.assert_no_csp_violations()
