"""A writer with a long history (issue 16): her block page lists the newest 20 versions; "Visa alla
versioner (25)" appends the rest in place, with the focus on the first new one; an old version
opens and she comes back; her next save is at the top of the list.

Every response of 400 or more and every console error fails the journey (as in the writer
journeys of issue 10).
"""

from __future__ import annotations

from urllib.parse import urlparse

from playwright.sync_api import Page, Response, expect

from tests.browser.conftest import check_accessibility, sign_in
from tests.browser.test_writer_journeys import SETTLED
from tests.integration.helpers import find_block, revision_count
from tests.integration.test_block_history import add_revisions

WRITER = "skribent.crossroads@demo.iop"
ROWS = "#history-list > li"


def _listed(page: Page) -> list[str]:
    return page.locator(f"{ROWS} > a").all_inner_texts()


def test_a_writer_with_25_versions_sees_20_then_all_and_saves_one_more(app, demo, page: Page, live_server, console):
    block_id = find_block(app, "dag-besok", "crossroads")
    add_revisions(app, block_id, 25)
    failures: list[tuple[int, str, str]] = []
    page.on(
        "response",
        lambda r: failures.append((r.status, r.request.method, urlparse(r.url).path)) if r.status >= 400 else None,
    )

    sign_in(page, live_server, WRITER)
    page.goto(f"{live_server}/blocks/{block_id}")
    history = page.locator("#history")
    expect(page.locator(ROWS)).to_have_count(20)
    assert _listed(page) == [f"Version {n}" for n in range(25, 5, -1)]
    expect(history.locator("li").first.locator(".badge")).to_have_text("aktuell")
    check_accessibility(page, "block page with a long history")

    # The keyboard reaches the link; Enter appends the five older versions in place.
    more = history.get_by_role("link", name="Visa alla versioner (25)")
    more.focus()
    with page.expect_response(lambda r: urlparse(r.url).path == f"/blocks/{block_id}/history") as answer:
        page.keyboard.press("Enter")
    page.wait_for_function(SETTLED)
    response: Response = answer.value
    assert response.status == 200 and response.request.headers.get("hx-request") == "true"
    expect(page.locator(ROWS)).to_have_count(25)
    assert _listed(page) == [f"Version {n}" for n in range(25, 0, -1)]
    assert page.url.endswith(f"/blocks/{block_id}")  # appended in place, not a new page
    expect(history.get_by_role("link", name="Visa alla versioner (25)")).to_have_count(0)
    # A keyboard or screen reader user continues where the new rows begin.
    expect(page.locator(ROWS).nth(20)).to_be_focused()
    check_accessibility(page, "block page with all versions")

    # An old version from the list, and back.
    history.get_by_role("link", name="Version 3", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Version 3")).to_be_visible()
    expect(page.get_by_role("heading", name="Ändringar jämfört med version 2")).to_be_visible()
    check_accessibility(page, "an old version")
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text("Besöksstatistik uppdelat på kön")
    expect(page.locator(ROWS).first.locator("a")).to_have_text("Version 25")

    # She saves once more: the new version is at the top, marked current, and stays after a reload.
    page.locator("#source").fill("Besöken ökade under våren.")
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/save")) as saved:
        page.get_by_role("button", name="Spara", exact=True).click()
    page.wait_for_function(SETTLED)
    assert saved.value.status == 200
    expect(page.locator("#editor-announcement")).to_have_text("Sparat som version 26.")
    expect(page.locator(ROWS).first.locator("a")).to_have_text("Version 26")
    expect(page.locator(ROWS).first.locator(".badge")).to_have_text("aktuell")
    expect(page.locator(ROWS)).to_have_count(20)
    expect(history.get_by_role("link", name="Visa alla versioner (26)")).to_be_visible()
    page.reload()
    expect(page.locator(ROWS).first.locator("a")).to_have_text("Version 26")
    assert revision_count(app, block_id) == 26

    assert failures == [], failures
    assert console.errors == [], console.errors
