"""A writer types tickets and nights and sees tickets per night, a ratio that is not a percentage."""

from __future__ import annotations

from playwright.sync_api import Page, Response, expect

from tests.browser.conftest import sign_in
from tests.integration.helpers import find_block

WRITER = "skribent.ng-inskrivning@demo.iop"


def test_tickets_per_night_follows_the_typing_and_stays_after_saving(
    app, demo, page: Page, new_context, live_server, console
):
    answers: list[tuple[str, str, int]] = []

    def remember(response: Response) -> None:
        answers.append((response.request.method, response.url, response.status))

    page.on("response", remember)
    block_id = find_block(app, "natt-biljetter", "ng-inskrivning")
    sign_in(page, live_server, WRITER)
    page.goto(f"{live_server}/blocks/{block_id}")
    grid = page.locator("#table-tickets")
    expect(grid.locator("thead")).to_contain_text("Biljetter per natt")
    ratio = page.locator("[id='v-tickets-2022-11-tickets_per_night']")

    for shelter, tickets in (("stadsmissionen", "284"), ("fa-arsta", "133"), ("fa-liljeholmen", "25")):
        page.locator(f"[id='c-tickets-2022-11-{shelter}tickets']").fill(tickets)
    nights = page.locator("[id='c-tickets-2022-11-nights']")
    nights.click()
    page.keyboard.type("30")
    page.keyboard.press("Enter")
    expect(ratio).to_have_text("14,7")  # 442 tickets over 30 nights, no "%"
    nights = page.locator("[id='c-tickets-2022-11-nights']")
    nights.fill("31")
    page.keyboard.press("Enter")
    expect(ratio).to_have_text("14,3")  # 442 / 31, worked out again by the server
    # Five months are still empty: the total is not guessed from the one that is there.
    expect(page.locator("[id='v-tickets-_total-tickets_per_night']")).to_have_text("ofullständigt")

    page.get_by_role("button", name="Spara", exact=True).click()
    expect(page.locator("#block-editor .alert-success")).to_contain_text("Sparat som version")

    # Later, in a new session: the figures and the ratio are still there.
    later = new_context().new_page()
    later.on("response", remember)
    sign_in(later, live_server, WRITER)
    later.goto(f"{live_server}/blocks/{block_id}")
    expect(later.locator("[id='c-tickets-2022-11-nights']")).to_have_value("31")
    expect(later.locator("[id='v-tickets-2022-11-tickets_per_night']")).to_have_text("14,3")

    failures = [answer for answer in answers if answer[2] >= 400]
    assert not failures, f"the server refused something: {failures}"
    assert not console.errors, f"console errors: {console.errors}"
