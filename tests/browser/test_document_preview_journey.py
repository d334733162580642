"""A reader goes through the document preview chapter by chapter.

The first page comes with cover and contents only; each chapter loads as it scrolls into view
("Laddar kapitel …" meanwhile, a retry when a load fails). The contents lead to each chapter's
own page, a section link from the overview lands on its section, and the whole document is one
click away. Every response the pages get and every console message is listened to: nothing may
answer 4xx/5xx or log an error, except the one failure this test makes on purpose.
"""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, Response, Route, expect

from tests.browser.conftest import check_accessibility, sign_in

READER = "ordforande@demo.iop"
REPORT = "/reports/2"


def _watch(page: Page) -> list[tuple[str, int]]:
    failures: list[tuple[str, int]] = []

    def remember(response: Response) -> None:
        if response.status >= 400:
            failures.append((response.url, response.status))

    page.on("response", remember)
    return failures


def test_reader_scrolls_the_preview_follows_the_contents_and_opens_the_whole(demo, page: Page, live_server, console):
    failures = _watch(page)
    sign_in(page, live_server, READER)
    page.goto(f"{live_server}{REPORT}/preview")
    expect(page.locator(".cover-title")).to_be_visible()
    contents = page.get_by_role("navigation", name="Innehåll")
    expect(contents.get_by_role("link", name="2 Dagverksamheter", exact=True)).to_have_attribute(
        "href", f"{REPORT}/preview/2#kap-2"
    )
    check_accessibility(page, "preview, first page")
    slots = page.locator(".chapter-slot")
    expect(slots).to_have_count(3)

    # Scrolling down loads chapter 1, then 2: their blocks and tables arrive in place.
    for index in (0, 1):
        slots.nth(index).scroll_into_view_if_needed()
        expect(slots.nth(index).locator(".chapter-pending")).to_have_count(0)
        expect(slots.nth(index).locator(".block").first).to_be_visible()
    expect(slots.nth(0).locator("table.stat-table").first).to_be_attached()

    # Chapter 3: "Laddar" while it comes; a failed load says so and offers a retry that works.
    held: list[Route] = []
    page.route(re.compile(r".*/reports/2/preview/3$"), lambda route: held.append(route))
    errors_before = len(console.errors)
    slots.nth(2).scroll_into_view_if_needed()
    status = slots.nth(2).locator(".chapter-status")
    expect(status).to_have_text("Laddar kapitel 3 …")
    expect(status).to_be_visible()
    page.wait_for_timeout(100)
    assert len(held) == 1
    held[0].fulfill(status=500, body="Serverfel")
    expect(status).to_contain_text("Kapitel 3 kunde inte laddas.")
    page.unroute(re.compile(r".*/reports/2/preview/3$"))
    assert failures == [(f"{live_server}{REPORT}/preview/3", 500)]
    failures.clear()
    console.errors[errors_before:] = []  # htmx and the browser log the failure made on purpose
    status.get_by_role("link", name="Försök igen").click()
    expect(slots.nth(2).locator(".chapter-pending")).to_have_count(0)
    expect(slots.nth(2).locator(".block").first).to_be_visible()
    check_accessibility(page, "preview, all chapters loaded")

    # The contents lead to a chapter's own page, at the section.
    page.evaluate("window.scrollTo(0, 0)")
    contents.get_by_role("link", name=re.compile(r"^2\.1 ")).click()
    expect(page).to_have_url(f"{live_server}{REPORT}/preview/2#avsn-2-1")
    expect(page.locator("#avsn-2-1")).to_be_in_viewport()
    check_accessibility(page, "preview, chapter 2 page")
    page.get_by_role("link", name=re.compile("^Nästa kapitel:")).click()
    expect(page).to_have_url(f"{live_server}{REPORT}/preview/3")
    expect(page.get_by_role("heading", level=1, name=re.compile(r"^3 "))).to_be_visible()
    page.get_by_role("link", name=re.compile("^Föregående kapitel:")).click()
    expect(page).to_have_url(f"{live_server}{REPORT}/preview/2")

    # A section link from the overview lands on that section, with its chapter loaded around it.
    page.goto(f"{live_server}{REPORT}")
    section_link = page.locator('a[href*="/preview"][href$="#avsn-2-3"]').first
    section_link.click()
    expect(page).to_have_url(re.compile(r"/preview(/2)?#avsn-2-3$"))
    section = page.locator("section.chapter:not(.chapter-pending) #avsn-2-3")
    expect(section).to_be_attached()
    expect(section).to_be_in_viewport()

    # The whole document on one page, for searching it or printing it.
    page.goto(f"{live_server}{REPORT}/preview")
    page.get_by_role("link", name="Hela dokumentet på en sida").click()
    expect(page).to_have_url(f"{live_server}{REPORT}/preview/all")
    expect(page.locator("section.chapter")).to_have_count(3)
    expect(page.locator(".chapter-slot")).to_have_count(0)

    assert failures == [], failures
    assert console.errors == [], console.errors


def test_without_javascript_each_chapter_is_a_link_to_its_page(demo, browser: Browser, live_server):
    context = browser.new_context(base_url=live_server, java_script_enabled=False, locale="sv-SE")
    try:
        page = context.new_page()
        failures = _watch(page)
        sign_in(page, live_server, READER)
        page.goto(f"{live_server}{REPORT}/preview")
        expect(page.get_by_text("Laddar kapitel 1 …")).to_be_hidden()
        page.get_by_role("link", name="Läs kapitel 2").click()
        expect(page).to_have_url(f"{live_server}{REPORT}/preview/2")
        expect(page.locator("section.chapter .block").first).to_be_visible()
        assert failures == [], failures
    finally:
        context.close()
