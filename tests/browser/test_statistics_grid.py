"""A night-shelter writer fills in her occupancy grid (DESIGN.md §3 flow 2, §5), in a real browser."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import check_accessibility, sign_in
from tests.integration.helpers import find_block

WRITER = "skribent.stadsmissionen-natt@demo.iop"


def test_typing_figures_fills_in_computed_columns_and_moves_like_a_spreadsheet(
    app, demo, page: Page, live_server, console
):
    block_id = find_block(app, "natt-belaggning", "stadsmissionen-natt")
    sign_in(page, live_server, WRITER)
    page.goto(f"{live_server}/blocks/{block_id}")
    grid = page.locator("#table-occupancy")
    expect(grid.locator("caption")).to_contain_text("Beläggning")
    check_accessibility(page, "block page with a statistics grid")

    women = page.locator("[id='c-occupancy-2022-12-women']")
    women.click()
    page.keyboard.type("172")
    page.keyboard.press("ArrowRight")  # caret at the end: on to Män
    expect(page.locator("[id='c-occupancy-2022-12-men']")).to_be_focused()
    page.keyboard.type("882")
    page.keyboard.press("Enter")  # down to January
    expect(page.locator("[id='c-occupancy-2023-01-men']")).to_be_focused()

    # 1 054 nights over 50 places × 31 nights: 68,0 %, computed by the server.
    expect(page.locator("#v-occupancy-2022-12-occupancy")).to_have_text("68,0\u00a0%")
    expect(page.locator("#v-occupancy-2022-12-nights")).to_have_text("1\u202f054")
    expect(page.locator("[id='c-occupancy-2022-12-men']")).to_have_value("882")

    # A bad value is an error that names the month and the column.
    page.locator("[id='c-occupancy-2023-01-women']").fill("12a")
    page.keyboard.press("Enter")
    expect(page.locator("#issues-occupancy .errors")).to_contain_text("Januari, Kvinnor")
    expect(page.locator("[id='c-occupancy-2023-01-women']")).to_have_attribute("aria-invalid", "true")
    check_accessibility(page, "grid with an error")
    # While an error remains she cannot submit: the button gives way to the reason.
    expect(page.locator("#submit-blocked")).to_contain_text("Statistiken har fel")
    expect(page.get_by_role("button", name="Spara och skicka in för granskning")).to_have_count(0)

    # Spara keeps the figures in a revision.
    page.locator("[id='c-occupancy-2023-01-women']").fill("104")
    page.keyboard.press("Enter")
    expect(page.locator("#issues-occupancy .errors")).to_have_count(0)
    page.get_by_role("button", name="Spara", exact=True).click()
    expect(page.locator("#block-editor .alert-success")).to_contain_text("Sparat som version")
    page.reload()
    expect(page.locator("[id='c-occupancy-2022-12-women']")).to_have_value("172")
    console.assert_no_csp_violations()


def test_submitting_after_explaining_the_warnings(app, demo, page: Page, live_server, console):
    """Every month filled and each warning explained: the block goes to review."""
    block_id = find_block(app, "natt-belaggning", "stadsmissionen-natt")
    sign_in(page, live_server, WRITER)
    page.goto(f"{live_server}/blocks/{block_id}")
    figures = {
        "2022-11": ("202", "1000"),
        "2022-12": ("172", "882"),
        "2023-01": ("104", "702"),
        "2023-02": ("188", "788"),
        "2023-03": ("189", "914"),
        "2023-04": ("198", "983"),
    }
    for month, (women, men) in figures.items():
        page.locator(f"[id='c-occupancy-{month}-women']").fill(women)
        page.locator(f"[id='c-occupancy-{month}-men']").fill(men)
    page.keyboard.press("Enter")
    expect(page.locator("#v-occupancy-2023-04-nights")).to_have_text("1\u202f181")
    expect(page.locator("#issues-occupancy .errors")).to_have_count(0)
    for field in page.locator("#issues-occupancy .warnings input").all():
        field.fill("Kontrollerat mot registret.")
        field.press("Tab")
    expect(page.get_by_role("button", name="Spara och skicka in för granskning")).to_be_visible()
    page.get_by_role("button", name="Spara och skicka in för granskning").click()
    expect(page.locator(".alert-success")).to_contain_text("skickade in")
    expect(page.locator("#block-live .badge")).to_have_text("Inskickat")
    expect(page.locator("#source")).to_have_count(0)  # read-only while in review
    console.assert_no_csp_violations()
