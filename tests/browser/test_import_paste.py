"""Pasting cells from Excel into an occupancy grid (issue 3, deliverable 5), in a real browser.

Johan Bergström writes Stadsmissionen's night shelter's part of "Beläggningsstatistik uppdelat
på kön" in the open 2022–23 report. He copies six rows (month, women, men) from his sheet and
pastes them into the first cell of the grid: the cells go to the table's import panel, a preview
lists what will change, he presses "Använd" and sees nights, shares and occupancy computed from
the unit's 50 places (December 68,0 %, not 79 %), and a warning that January fell sharply
against the same block last period.
"""

from __future__ import annotations

import io
import re

import openpyxl
from playwright.sync_api import Page, expect

from tests.browser.conftest import check_accessibility, sign_in
from tests.integration.helpers import find_block
from webapp.extensions import db
from webapp.models import Block
from webapp.models.reports import BlockState, ReportState
from webapp.services import blocks as block_service

WRITER = "skribent.stadsmissionen-natt@demo.iop"
SECTION_TITLE = "Beläggningsstatistik uppdelat på kön"
# The seed's Stadsmissionen figures (women, men) for Nov–Apr, pasted into the 2022–23 months.
FIGURES = [
    ("November", 202, 1000),
    ("December", 172, 882),
    ("Januari", 104, 702),
    ("Februari", 188, 788),
    ("Mars", 189, 914),
    ("April", 198, 983),
]
SIX_ROWS = "".join(f"{month}\t{women}\t{men}\r\n" for month, women, men in FIGURES)

PASTE_SCRIPT = """([selector, text]) => {
    const input = document.querySelector(selector);
    input.focus();
    const data = new DataTransfer();
    data.setData("text/plain", text);
    const event = new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true});
    input.dispatchEvent(event);
    return event.defaultPrevented;
}"""


def _previous_period_with_a_busier_january(app) -> None:
    """Last period's block holds the same figures except a January that was much fuller, so
    pasting this period's January gives a change warning whatever the demo data holds."""
    previous_id = find_block(app, "natt-belaggning", "stadsmissionen-natt", report_id=1)
    months = ["2021-11", "2021-12", "2022-01", "2022-02", "2022-03", "2022-04"]
    rows = []
    for key, (_month, women, men) in zip(months, FIGURES):
        if key == "2022-01":
            women, men = 160, 1100
        rows.append({"key": key, "label": None, "cells": {"women": {"v": women}, "men": {"v": men}}})
    with app.app_context():
        block = db.session.get(Block, previous_id)
        report = block.report
        state = block.state
        # Revisions are immutable: add one while the report is open and the block a draft.
        report.state, block.state = ReportState.OPEN, BlockState.DRAFT
        tables = {
            **block_service.current_content(block).tables,
            "occupancy": {"rows": rows, "notes": {}, "justifications": {}},
        }
        block_service.save_block(
            block,
            block.current_revision.author,
            block_service.current_source(block),
            base_version=block.version,
            tables=tables,
            note="Siffror",
            max_bytes=200_000,
            coalesce_seconds=600,
        )
        report.state, block.state = ReportState.LOCKED, state
        db.session.commit()
        db.session.remove()


def _open_the_occupancy_block(page: Page, live_server: str, block_id: int) -> None:
    sign_in(page, live_server, WRITER)
    page.locator("table.listing").get_by_role("link", name=SECTION_TITLE).click()
    expect(page).to_have_url(f"{live_server}/blocks/{block_id}")
    expect(page.get_by_role("heading", level=1, name=SECTION_TITLE)).to_be_visible()


def test_pasting_six_rows_into_the_grid_shows_occupancy_and_the_warning(app, demo, page: Page, live_server, console):
    block_id = find_block(app, "natt-belaggning", "stadsmissionen-natt")
    _previous_period_with_a_busier_january(app)
    _open_the_occupancy_block(page, live_server, block_id)

    panel = page.locator("#import-occupancy")
    expect(panel).to_be_visible()  # shown by import.js: the panel needs JavaScript
    expect(panel.locator("summary")).to_have_text("Klistra in eller ladda upp")
    expect(panel.get_by_label("Klistra in celler från Excel eller LibreOffice")).to_be_hidden()  # collapsed

    # A single value pastes as usual.
    assert page.evaluate(PASTE_SCRIPT, ["#c-occupancy-2022-11-women", "202\r\n"]) is False
    expect(panel.locator("details")).not_to_have_attribute("open", "")

    # Six rows go to the import panel and are previewed at once.
    november = page.locator("#c-occupancy-2022-11-women")
    november.click()
    assert page.evaluate(PASTE_SCRIPT, ["#c-occupancy-2022-11-women", SIX_ROWS]) is True
    expect(november).to_have_value("")
    expect(panel.get_by_label("Klistra in celler från Excel eller LibreOffice")).to_have_value(
        SIX_ROWS.replace("\r\n", "\n")
    )
    preview = panel.locator(".import-result")
    expect(preview.get_by_role("heading", name="Förhandsgranskning")).to_be_focused()
    changes = preview.locator("table.import-changes")
    expect(changes.locator("caption")).to_have_text("Det här ändras (12 celler)")
    expect(changes.locator("thead th")).to_have_text(["Rad", "Kolumn", "Nu", "Nytt"])
    december_men = changes.locator("tbody tr").filter(has=page.get_by_role("rowheader", name="December")).nth(1)
    expect(december_men.locator("td")).to_have_text(["Män", "tom", "882"])
    expect(preview).to_contain_text("B = Kvinnor, C = Män")
    # Nothing has been saved yet: the grid is as it was.
    expect(page.locator("#v-occupancy-2022-12-occupancy")).not_to_have_text(re.compile("%"))
    check_accessibility(page, "block page with the import preview open")

    preview.get_by_role("button", name="Använd").click()
    occupancy = page.locator("#v-occupancy-2022-12-occupancy")
    expect(occupancy).to_have_text(re.compile(r"^68,0\s%$"))
    expect(page.locator("#v-occupancy-2022-12-nights")).to_have_text(re.compile(r"^1\s054$"))
    expect(page.locator("#c-occupancy-2022-12-women")).to_have_value("172")
    expect(page.locator("#c-occupancy-2023-04-men")).to_have_value("983")
    done = page.locator("#import-occupancy [data-import-done]")
    expect(done).to_have_text("Importen är gjord: 12 celler ändrades. Kontrollera siffrorna nedan.")
    expect(done).to_be_focused()
    expect(page.locator("#autosave-status")).to_have_text("Utkastet sparades automatiskt.")

    warnings = page.locator("#issues-occupancy .issues.warnings")
    expect(warnings).to_contain_text("Januari")
    expect(warnings).to_contain_text("lägre än förra perioden")
    check_accessibility(page, "block page after the import")

    # The imported figures are the writer's draft: they are there after a reload.
    page.reload()
    expect(page.locator("#c-occupancy-2023-01-men")).to_have_value("702")
    expect(page.locator("#v-occupancy-2022-12-occupancy")).to_have_text(re.compile(r"^68,0\s%$"))
    console.assert_no_csp_violations()


def test_an_uploaded_xlsx_is_previewed_and_applied(app, demo, page: Page, live_server, console, tmp_path):
    block_id = find_block(app, "natt-belaggning", "stadsmissionen-natt")
    workbook = openpyxl.Workbook()
    workbook.active.append(["Månad", "Kvinnor", "Män"])
    for row in FIGURES:
        workbook.active.append(list(row))
    path = tmp_path / "beläggning.xlsx"
    buffer = io.BytesIO()
    workbook.save(buffer)
    path.write_bytes(buffer.getvalue())

    _open_the_occupancy_block(page, live_server, block_id)
    panel = page.locator("#import-occupancy")
    panel.locator("summary").click()
    panel.get_by_label(re.compile("Eller välj en fil")).set_input_files(str(path))
    panel.get_by_role("button", name="Förhandsgranska").click()
    expect(panel.locator("table.import-changes caption")).to_have_text("Det här ändras (12 celler)")
    expect(panel.locator(".import-result")).to_contain_text("filen ”beläggning.xlsx”")
    panel.get_by_role("button", name="Använd").click()
    expect(page.locator("#v-occupancy-2022-12-occupancy")).to_have_text(re.compile(r"^68,0\s%$"))

    # A file that is no workbook is refused in Swedish, and nothing changes.
    fake = tmp_path / "inte-excel.xlsx"
    fake.write_text("Månad;Kvinnor\nDecember;1\n", encoding="utf-8")
    panel = page.locator("#import-occupancy")
    panel.locator("summary").click()
    panel.get_by_label(re.compile("Eller välj en fil")).set_input_files(str(fake))
    panel.get_by_role("button", name="Förhandsgranska").click()
    expect(panel.get_by_role("alert")).to_contain_text("ingen .xlsx-fil")
    expect(panel.get_by_role("button", name="Använd")).to_have_count(0)
    expect(page.locator("#c-occupancy-2022-12-women")).to_have_value("172")
    console.assert_no_csp_violations()
