"""A reviewer with more waiting blocks than a page (issue 16): the queue lists the first page and
the exact count; "Visa fler" pressed with the keyboard appends the next page in place with the
focus on the first new block; she opens it, approves it, comes back and the queue is right.

Every response of 400 or more, every console message and every axe violation fails the journey.
"""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from playwright.sync_api import ConsoleMessage, Page, Response, expect

from tests.browser.conftest import check_accessibility, sign_in
from tests.browser.test_writer_journeys import SETTLED
from tests.integration.test_review_queue_paging import PAGE, REVIEWER, submit_blocks
from webapp.services.reports import queue as review_queue

ROWS = "#queue-rows > tr"


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(review_queue, "QUEUE_PAGE_SIZE", PAGE)


def _listed(page: Page) -> list[str]:
    return [
        urlparse(href or "").path
        for href in page.locator(f"{ROWS} td:first-child > a").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"
        )
    ]


def test_a_reviewer_pages_the_queue_with_the_keyboard_and_approves_one(
    app, demo, page: Page, live_server, console, small_pages
):
    ids = submit_blocks(app, 2 * PAGE + 2)
    responses: list[tuple[int, str, str]] = []
    messages: list[str] = []
    page.on("response", lambda r: responses.append((r.status, r.request.method, urlparse(r.url).path)))
    page.on("console", lambda m: messages.append(f"{m.type}: {m.text}") if isinstance(m, ConsoleMessage) else None)

    sign_in(page, live_server, REVIEWER)
    page.goto(f"{live_server}/review")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"({2 * PAGE + 2})")
    expect(page.locator(ROWS)).to_have_count(PAGE)
    assert _listed(page) == [f"/blocks/{i}" for i in ids[:PAGE]]
    check_accessibility(page, "review queue, first page")

    more = page.get_by_role("link", name=f"Visa fler ({PAGE + 2} till)")
    more.focus()
    with page.expect_response(lambda r: urlparse(r.url).path == "/review") as answer:
        page.keyboard.press("Enter")
    page.wait_for_function(SETTLED)
    response: Response = answer.value
    assert response.status == 200 and response.request.headers.get("hx-request") == "true"
    expect(page.locator(ROWS)).to_have_count(2 * PAGE)
    assert _listed(page) == [f"/blocks/{i}" for i in ids[: 2 * PAGE]]
    assert urlparse(page.url).path == "/review" and "after=" not in page.url  # appended in place
    first_new = page.locator(ROWS).nth(PAGE).locator("td:first-child > a")
    expect(first_new).to_be_focused()
    expect(page.get_by_role("link", name="Visa fler (2 till)")).to_be_visible()
    check_accessibility(page, "review queue, two pages")

    # Enter on the focused block opens it; she approves it and comes back to the queue.
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server}/blocks/{ids[PAGE]}")
    page.locator("#workflow").get_by_role("button", name="Godkänn").click()
    expect(page.locator("main .alert-success")).to_have_text("Du godkände bidraget.")
    page.goto(f"{live_server}/review")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"({2 * PAGE + 1})")
    expect(page.locator(ROWS)).to_have_count(PAGE)
    expect(page.get_by_role("link", name=f"Visa fler ({PAGE + 1} till)")).to_be_visible()
    page.get_by_role("link", name=f"Visa fler ({PAGE + 1} till)").click()
    page.wait_for_function(SETTLED)
    remaining = [i for i in ids if i != ids[PAGE]]
    assert _listed(page) == [f"/blocks/{i}" for i in remaining[: 2 * PAGE]]

    assert [r for r in responses if r[0] >= 400] == [], responses
    assert messages == [], messages
    assert console.errors == [], console.errors
