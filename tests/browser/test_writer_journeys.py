"""Whole writer sessions in a real browser (issue 10): what a person does, start to end.

Every journey listens to every response and every console message of every page: a response of
400 or more that the journey does not expect by name, or any console error it does not expect,
fails it. Each step is checked where the person would look (the page), and the end state again
after a reload.

a. Anna Lindqvist (Crossroads) spends a session on her nationalities block: writes, saves, edits,
   saves, adds three rows and corrects them, imports an .xlsx, changes a cell, saves, submits; a
   reviewer asks for changes; she sees why, edits and resubmits.
b. Anna has her block open in two tabs: the later save is a conflict showing both texts; she
   merges them and saves; nothing is overwritten silently.
c. A writer who uses only the keyboard: after every htmx swap the focus is where she was, never
   on <body>, and a screen reader hears "Sparat som version N."
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlparse

import openpyxl
import pytest
from playwright.sync_api import BrowserContext, Page, Response, Route, expect
from sqlalchemy import func, select

from tests.browser.conftest import ConsoleLog, sign_in
from tests.conftest import DEMO_PASSWORD
from tests.integration.helpers import block_snapshot, current_text, find_block, revision_count
from webapp.extensions import db
from webapp.models import Block, Presence

WRITER = "skribent.crossroads@demo.iop"  # Anna Lindqvist, Crossroads
WRITER_NAME = "Anna Lindqvist"
REVIEWER = "granskare.fralsningsarmen@demo.iop"  # Peter Lundgren
ADMIN = "admin@demo.iop"
NATIONALITIES = "De vanligaste nationaliteterna"
CONFLICT_HEADING = "Någon annan har sparat bidraget medan du skrev"


# --- what every journey listens to -----------------------------------------------------------


@dataclass
class Failures:
    """Every response with a status of 400 or more, on every page attached, and the console
    errors, which a journey must either expect by name or not have at all."""

    console: ConsoleLog
    responses: list[tuple[int, str, str]] = field(default_factory=list)
    expected: list[tuple[int, str, str]] = field(default_factory=list)

    def attach(self, page: Page) -> Page:
        page.on("response", self._record)
        return page

    def _record(self, response: Response) -> None:
        if response.status >= 400:
            self.responses.append((response.status, response.request.method, urlparse(response.url).path))

    @contextmanager
    def expecting(self, status: int, method: str, path: str) -> Iterator[None]:
        """The steps inside answer ``status`` to ``method path`` once: that one is no failure."""
        yield
        self.expected.append((status, method, path))

    def assert_none(self) -> None:
        unexpected = list(self.responses)
        for item in self.expected:
            assert item in unexpected, f"expected {item} but it never came; responses: {self.responses}"
            unexpected.remove(item)
        assert not unexpected, "unexpected 4xx/5xx responses:\n" + "\n".join(map(str, unexpected))
        # Chromium logs a failed XHR as "Failed to load resource: … status of 409 (CONFLICT)".
        allowed = [f"status of {status} " for status, _method, _path in self.expected]
        errors = [text for text in self.console.errors if not any(mark in text for mark in allowed)]
        assert not errors, "console errors:\n" + "\n".join(errors)


@pytest.fixture
def failures(console: ConsoleLog) -> Failures:
    return Failures(console)


@pytest.fixture
def open_page(new_context: Callable[[], BrowserContext], failures: Failures) -> Callable[..., Page]:
    """A new page in a new context (another person), or in ``context`` (another tab), listened to."""

    def make(context: BrowserContext | None = None) -> Page:
        return failures.attach((context or new_context()).new_page())

    return make


# --- small things the journeys share ---------------------------------------------------------


def _status(page: Page):
    return page.locator("#block-live .live-state .badge")


SAVE_BUTTON = "#block-editor .actions button.primary"  # "Spara"
SETTLED = "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
HTMX_READY = "() => !!document.querySelector('#source')?.['htmx-internal-data']"  # htmx has processed it


def _htmx(page: Page, action: Callable[[], None], path_end: str, status: int = 200) -> Response:
    """Do ``action``; wait until htmx's POST to a path ending in ``path_end`` is answered with
    ``status``, swapped and settled (htmx marks elements with these classes until then)."""
    with page.expect_response(
        lambda r: r.request.method == "POST" and urlparse(r.url).path.endswith(path_end)
    ) as answer:
        action()
    page.wait_for_function(SETTLED)
    assert answer.value.status == status, answer.value.text()[:1000]
    return answer.value


def _save(page: Page, version: int) -> None:
    """Spara (htmx), and see the version it made."""
    _htmx(page, page.get_by_role("button", name="Spara", exact=True).click, "/save")
    expect(page.locator("#block-editor .alert-success")).to_have_text(f"Sparat som version {version}.")
    expect(page.locator("#editor-announcement")).to_have_text(f"Sparat som version {version}.")
    expect(page.locator("#history").get_by_role("link", name=f"Version {version}", exact=True)).to_be_visible()


def _cell(page: Page, row: str, column: str):
    return page.locator(f"[id='c-nationalities-{row}-{column}']")


def _type_cell(page: Page, row: str, column: str, value: str) -> None:
    """Type into a grid cell and leave it with Tab, waiting for the grid's answer to be drawn."""
    cell = _cell(page, row, column)
    cell.click()
    cell.fill(value)
    _htmx(page, lambda: cell.press("Tab"), "/tables")


ROWS_SCRIPT = """() => Array.from(document.querySelectorAll("#table-nationalities tbody tr"))
    .filter(tr => !tr.classList.contains("total") && !tr.classList.contains("previous"))
    .map(tr => {
        const inputs = tr.querySelectorAll("input");
        return [tr.querySelector("td.computed")?.textContent.trim() ?? "",
                inputs[0]?.value ?? "", inputs[1]?.value ?? ""];
    })
    .filter(([, country, count]) => country || count)"""


def _rows(page: Page) -> list[tuple[str, str, str]]:
    """The nationalities grid as the writer sees it: (rank, country, count) of every filled row."""
    return [tuple(row) for row in page.evaluate(ROWS_SCRIPT)]


def _row_keys(page: Page) -> list[str]:
    """The row keys of the filled rows, in order (r1, r2, …), from the country inputs' names."""
    return page.evaluate("""() => Array.from(document.querySelectorAll(
            "#table-nationalities input[name^='cell|nationalities|'][name$='|country']"))
        .map(input => input.name.split("|")[2]).filter(key => key !== "_new")""")


def _xlsx(tmp_path, rows: list[tuple]) -> str:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    path = tmp_path / "nationaliteter.xlsx"
    path.write_bytes(buffer.getvalue())
    return str(path)


def _eventually(page: Page, condition: Callable[[], bool], message: str, timeout_ms: int = 5_000) -> None:
    """Wait for a condition outside the page (the database), checking every 50 ms."""
    for _ in range(timeout_ms // 50):
        if condition():
            return
        page.wait_for_timeout(50)
    assert condition(), message


def _presence_rows(app, block_id: int) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Presence).where(Presence.block_id == block_id))
        db.session.remove()
        return count


def _stored_rows(app, block_id: int) -> list[tuple]:
    with app.app_context():
        block = db.session.get(Block, block_id)
        rows = block.current_revision.tables["nationalities"]["rows"]
        db.session.remove()
    return [(row["cells"]["country"].get("v"), row["cells"]["count"].get("v")) for row in rows]


# --- a. a writer's whole session ---------------------------------------------------------------


def test_a_writers_session_from_first_word_to_resubmission(app, demo, live_server, open_page, failures, tmp_path):
    block_id = find_block(app, "dag-nationaliteter", "crossroads")
    block_url = f"{live_server}/blocks/{block_id}"
    start = block_snapshot(app, block_id)
    first_version = revision_count(app, block_id) + 1
    writer = open_page()

    # 1–2. She signs in and opens her block from "Mina bidrag".
    sign_in(writer, live_server, WRITER)
    writer.locator("table.listing").get_by_role("link", name=NATIONALITIES).click()
    expect(writer).to_have_url(block_url)
    expect(writer.locator("#source")).to_be_editable()
    expect(_status(writer)).to_have_text("Utkast")

    # 3–4. She writes and sees the preview. (Typed before htmx has set up the editor, a first
    # input has no preview until the next; on a loaded CI machine that is the test's first fill.)
    writer.wait_for_function(HTMX_READY)
    source = writer.locator("#source")
    text = "Besökarna på Crossroads kom från **många** länder."
    source.fill(text)
    expect(writer.locator("#preview strong")).to_have_text("många")

    # 5. Spara.
    _save(writer, first_version)
    expect(source).to_have_value(text)

    # 6–7. She goes on writing and saves again: her own save is no conflict.
    text += "\n\nRumänien och Polen är de största grupperna."
    source.fill(text)
    _save(writer, first_version + 1)
    expect(writer.locator("#block-editor .alert-conflict")).to_have_count(0)

    # 8–13. Three new rows in the free-row table: country, Tab, count, Tab.
    for country, count in (("Rumänien", "120"), ("Polen", "95"), ("Bulgarien", "60")):
        _type_cell(writer, "new", "country", country)
        key = _row_keys(writer)[-1]
        _type_cell(writer, key, "count", count)
    assert _rows(writer) == [("1", "Rumänien", "120"), ("2", "Polen", "95"), ("3", "Bulgarien", "60")]
    expect(writer.locator("#autosave-status")).to_have_text("Utkastet sparades automatiskt.")

    # 14–15. She corrects two of them: Polen had 125, and the third country was Ungern.
    keys = _row_keys(writer)
    _type_cell(writer, keys[1], "count", "125")
    _type_cell(writer, keys[2], "country", "Ungern")
    assert [row[1:] for row in _rows(writer)] == [("Rumänien", "120"), ("Polen", "125"), ("Ungern", "60")]
    # Polen now leads: the rank is computed.
    expect(writer.locator("#v-nationalities-" + keys[1] + "-rank")).to_have_text("1")

    # 16–19. She imports a workbook with the figures from the register and applies it.
    workbook = _xlsx(tmp_path, [("Land", "Antal"), ("Rumänien", 130), ("Polen", 125), ("Ungern", 60), ("Ghana", 41)])
    panel = writer.locator("#import-nationalities")
    panel.locator("summary").click()
    panel.get_by_label(re.compile("Eller välj en fil")).set_input_files(workbook)
    panel.get_by_role("button", name="Förhandsgranska").click()
    expect(panel.locator(".import-result")).to_contain_text("nationaliteter.xlsx")
    panel.get_by_role("button", name="Använd").click()
    expect(writer.locator("#import-nationalities [data-import-done]")).to_be_visible()
    imported = [row[1:] for row in _rows(writer)]
    assert ("Rumänien", "130") in imported and ("Ghana", "41") in imported, imported

    # 20. She changes a cell after the import.
    keys = _row_keys(writer)
    ghana = next(key for key, row in zip(keys, _rows(writer)) if row[1] == "Ghana")
    _type_cell(writer, ghana, "count", "43")

    # 21. Spara: text and table in one new version.
    _save(writer, first_version + 2)
    stored = _stored_rows(app, block_id)
    assert ("RO", 130) in stored and ("GH", 43) in stored, stored
    assert current_text(app, block_id) == text

    # 22. Submit.
    writer.get_by_role("button", name="Spara och skicka in för granskning").click()
    expect(writer.locator("main .alert-success")).to_have_text("Du skickade in bidraget.")
    expect(_status(writer)).to_have_text("Inskickat")
    expect(writer.locator("#source")).to_have_count(0)
    assert block_snapshot(app, block_id)[2] == "submitted"

    # 23–25. A reviewer asks for changes, with a reason.
    reason = "Ange hur många nationaliteter ni hade totalt."
    reviewer = open_page()
    sign_in(reviewer, live_server, REVIEWER)
    reviewer.goto(block_url)
    reviewer.locator("#workflow").get_by_label("Motivering").fill(reason)
    reviewer.locator("#workflow").get_by_role("button", name="Begär ändringar").click()
    expect(reviewer.locator("main .alert-success")).to_have_text("Du begärde ändringar i bidraget.")

    # 26. Her open page learns it by polling.
    expect(_status(writer)).to_have_text("Ändringar begärda", timeout=12_000)
    writer.locator("#block-live .live-reload").click()
    expect(writer.locator("#source")).to_be_editable()
    expect(writer.locator("main")).to_contain_text(reason)

    # 27–28. She adds what was asked and saves.
    text += "\n\nTotalt kom besökarna från 46 länder."
    writer.locator("#source").fill(text)
    writer.locator("[id='c-nationalities-fig-nationalitycount']").fill("46")
    _save(writer, first_version + 3)

    # 29. One more sentence and at once "Spara och skicka in" (which saves it first). The live
    # preview of that sentence falls due while the submission is on its way (held here): it
    # must not be sent, or it meets the submitted block (a 409 on a page that is leaving).
    # (The page cannot be asked while its navigation is held; it tells the console instead.)
    writer.evaluate("""() => document.addEventListener("htmx:beforeRequest", (event) => {
        console.info(`htmx ${event.detail.requestConfig.path} ${event.defaultPrevented ? "held back" : "sent"}`);
    })""")
    held: list[Route] = []
    writer.route("**/transition", lambda route: held.append(route))
    text += " Siffrorna gäller besök, inte personer."
    writer.locator("#source").fill(text)
    writer.get_by_role("button", name="Spara och skicka in för granskning").click(no_wait_after=True)
    due = writer.wait_for_event("console", lambda message: message.text.startswith(f"htmx /blocks/{block_id}/preview"))
    assert due.text.endswith("held back"), "a preview was sent after the submission had begun"
    assert len(held) == 1
    held[0].continue_()
    expect(writer.locator("main .alert-success")).to_have_text("Du skickade in bidraget.")
    writer.unroute("**/transition")

    # 30. A reload shows it all: state, versions, text, table.
    writer.reload()
    expect(_status(writer)).to_have_text("Inskickat")
    history = writer.locator("#history")
    for version in range(first_version, first_version + 5):
        expect(history.get_by_role("link", name=f"Version {version}", exact=True)).to_be_visible()
    content = writer.locator("section[aria-labelledby='content-heading']")
    expect(content).to_contain_text("Totalt kom besökarna från 46 länder.")
    expect(content).to_contain_text("Ghana")
    assert current_text(app, block_id) == text
    assert revision_count(app, block_id) == start[3] + 5

    # Leaving the page says goodbye: her presence is gone at once, not after the TTL.
    writer.goto(f"{live_server}/")
    _eventually(writer, lambda: _presence_rows(app, block_id) == 0, "her presence is still there")
    failures.assert_none()


# --- b. one writer, two tabs -----------------------------------------------------------------


def test_the_same_writer_in_two_tabs_gets_a_conflict_and_merges(
    app, demo, live_server, new_context, open_page, failures
):
    block_id = find_block(app, "dag-verksamheter", "crossroads")
    block_url = f"{live_server}/blocks/{block_id}"
    original = current_text(app, block_id)
    versions = revision_count(app, block_id)
    context = new_context()  # one browser: one session, two tabs
    first = open_page(context)
    sign_in(first, live_server, WRITER)
    second = open_page(context)
    first.goto(block_url)
    second.goto(block_url)
    expect(first.locator("#source")).to_have_value(original)
    expect(second.locator("#source")).to_have_value(original)

    # Tab 1: she adds a paragraph and saves.
    from_first = original + "\n\nFrån flik ett: öppettiderna utökades i januari."
    first.locator("#source").fill(from_first)
    _save(first, versions + 1)

    # Tab 2, still showing what she opened: another paragraph, Spara. A conflict, not an overwrite.
    from_second = original + "\n\nFrån flik två: fler kvinnor besökte oss."
    second.locator("#source").fill(from_second)
    save_path = f"/blocks/{block_id}/save"
    with failures.expecting(409, "POST", save_path):
        _htmx(second, second.get_by_role("button", name="Spara", exact=True).click, "/save", status=409)
    conflict = second.locator("#block-editor .alert-conflict")
    expect(conflict.get_by_role("heading", name=CONFLICT_HEADING)).to_be_visible()
    expect(conflict).to_contain_text("Din text är inte sparad och ingenting har skrivits över.")
    # It says who saved: her own name, so she knows it was her other tab.
    expect(conflict.locator(".conflict-by")).to_contain_text(f"Version {versions + 1} sparades av {WRITER_NAME}")
    expect(conflict.locator(".conflict-text")).to_have_text(from_first)  # what tab 1 saved
    expect(second.locator("#source")).to_have_value(from_second)  # what she wrote here, kept
    expect(second.locator("#block-editor .alert-success")).to_have_count(0)
    expect(second.locator("#editor-announcement")).to_have_text("")
    assert current_text(app, block_id) == from_first and revision_count(app, block_id) == versions + 1

    # She merges the two and saves: that goes through, as version +2.
    merged = from_first + "\n\nFrån flik två: fler kvinnor besökte oss."
    second.locator("#source").fill(merged)
    _save(second, versions + 2)
    expect(second.locator("#block-editor .alert-conflict")).to_have_count(0)
    assert current_text(app, block_id) == merged and revision_count(app, block_id) == versions + 2

    # Tab 1 still shows version +1: a save from there is a conflict too, showing the merged text.
    first.locator("#source").fill(from_first + "\n\nEn sista rad från flik ett.")
    with failures.expecting(409, "POST", save_path):
        _htmx(first, first.get_by_role("button", name="Spara", exact=True).click, "/save", status=409)
    expect(first.locator("#block-editor .alert-conflict .conflict-text")).to_have_text(merged)
    assert current_text(app, block_id) == merged and revision_count(app, block_id) == versions + 2

    # A reload of either tab shows the merged text and both versions; nothing was lost.
    second.reload()
    expect(second.locator("#history").get_by_role("link", name=f"Version {versions + 2}", exact=True)).to_be_visible()
    expect(second.locator("#history").get_by_role("link", name=f"Version {versions + 1}", exact=True)).to_be_visible()
    expect(second.locator("#history .badge")).to_have_count(1)
    failures.assert_none()


# --- c. a keyboard-only writer ---------------------------------------------------------------


def _focused(page: Page) -> str:
    """What has the focus: its id, else its tag; "BODY" when the focus was lost."""
    return page.evaluate("""() => {
        const element = document.activeElement;
        if (!element || element === document.body) return "BODY";
        return element.id || element.tagName;
    }""")


def _tab_to(page: Page, selector: str, key: str = "Tab", limit: int = 150) -> None:
    """Press Tab (or Shift+Tab) until the focused element matches ``selector``."""
    for _ in range(limit):
        if page.evaluate("(selector) => !!document.activeElement?.matches(selector)", selector):
            return
        page.keyboard.press(key)
    raise AssertionError(f"{key} never reached {selector}; the focus is on {_focused(page)}")


def _assert_focus(page: Page, element_id: str) -> None:
    focused = _focused(page)
    assert focused != "BODY", "the focus fell to <body>"
    assert focused == element_id, f"the focus is on {focused}, not {element_id}"


def test_a_keyboard_only_writer_keeps_her_place_after_every_swap(
    app, demo, live_server, new_context, open_page, failures
):
    block_id = find_block(app, "dag-nationaliteter", "crossroads")
    versions = revision_count(app, block_id)
    page = open_page()

    # She signs in with the keyboard.
    page.goto(f"{live_server}/login")
    _tab_to(page, "input[name=email]")
    page.keyboard.type(WRITER)
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="Mina bidrag")).to_be_visible()

    # She tabs to her block and opens it.
    _tab_to(page, f"table.listing a[href='/blocks/{block_id}']")
    expect(page.locator(":focus")).to_have_text(NATIONALITIES)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server}/blocks/{block_id}")
    region = page.locator("#editor-announcement")
    expect(region).to_have_attribute("role", "status")
    expect(region).to_have_attribute("aria-live", "polite")

    # She writes.
    _tab_to(page, "#source")
    page.keyboard.type("Besökarna kom från många länder.")

    # A new row: country, Tab, count, Tab. The row is redrawn as it becomes r1 while she is
    # already in its count cell: the focus must stay in that row, not jump to the new blank one.
    _tab_to(page, "[id='c-nationalities-new-country']")
    page.keyboard.type("Rumänien")
    _htmx(page, lambda: page.keyboard.press("Tab"), "/tables")
    _assert_focus(page, "c-nationalities-r1-count")
    page.keyboard.type("120")
    _htmx(page, lambda: page.keyboard.press("Tab"), "/tables")
    assert _focused(page) != "BODY"
    assert _rows(page) == [("1", "Rumänien", "120")]

    # Spara with Enter on the button: the focus stays on Spara, and the live region speaks.
    _tab_to(page, SAVE_BUTTON)
    _htmx(page, lambda: page.keyboard.press("Enter"), "/save")
    _assert_focus(page, "save-button")
    expect(region).to_have_text(f"Sparat som version {versions + 1}.")

    # Back to the figures under the grid: the number of nationalities, Tab (the grid answers).
    _tab_to(page, "[id='c-nationalities-fig-nationalitycount']", key="Shift+Tab")
    page.keyboard.type("46")
    _htmx(page, lambda: page.keyboard.press("Tab"), "/tables")
    assert _focused(page) != "BODY"
    # A note for the version, Enter in its field: saved again, the focus stays in the field.
    _tab_to(page, "#note")
    page.keyboard.type("Rumänien och antalet länder")
    _htmx(page, lambda: page.keyboard.press("Enter"), "/save")
    _assert_focus(page, "note")
    expect(region).to_have_text(f"Sparat som version {versions + 2}.")

    # Back in the text, at its end, she writes on while a colleague saves the block: her
    # autosave meets a conflict and the editor is redrawn under her fingers, while she types on.
    # The focus, the caret and every character stay (the textarea is kept: hx-preserve).
    _tab_to(page, "#source", key="Shift+Tab")
    page.keyboard.press("Control+End")
    colleague = open_page()
    sign_in(colleague, live_server, ADMIN)
    colleague.goto(f"{live_server}/blocks/{block_id}")
    colleague.locator("#source").fill("Administratören skrev här.")
    _save(colleague, versions + 3)
    held: list[Route] = []  # her autosave, held on its way so that she can type while it runs
    page.route(f"**/blocks/{block_id}/autosave", lambda route: held.append(route))
    with page.expect_request(lambda r: r.url.endswith("/autosave")):
        page.keyboard.type(" Och fler.")  # autosave fires 4 s after the last key
    page.keyboard.type(" Medan det sparas.")
    with failures.expecting(409, "POST", f"/blocks/{block_id}/autosave"):
        _htmx(page, held[0].continue_, "/autosave", status=409)
    page.unroute(f"**/blocks/{block_id}/autosave")
    expect(page.locator("#block-editor .alert-conflict")).to_be_visible()
    _assert_focus(page, "source")
    page.keyboard.type(" Slut.")
    final = "Besökarna kom från många länder. Och fler. Medan det sparas. Slut."
    expect(page.locator("#source")).to_have_value(final)
    assert page.evaluate("() => document.activeElement.selectionStart") == len(final)

    # Having read the colleague's text, she saves hers: Tab to Spara, Enter.
    _tab_to(page, SAVE_BUTTON)
    _htmx(page, lambda: page.keyboard.press("Enter"), "/save")
    _assert_focus(page, "save-button")
    expect(region).to_have_text(f"Sparat som version {versions + 4}.")
    assert current_text(app, block_id) == final

    # A comment: typed, sent with Enter on "Kommentera"; the focus goes to the new comment.
    _tab_to(page, "#comment-body")
    page.keyboard.type("Siffrorna kommer från registret.")
    _tab_to(page, "#comments button.primary")
    _htmx(page, lambda: page.keyboard.press("Enter"), "/comments")
    focused = _focused(page)
    assert re.fullmatch(r"comment-\d+", focused), f"the focus is on {focused}, not the new comment"
    expect(page.locator(f"#{focused} .comment-body")).to_have_text("Siffrorna kommer från registret.")

    failures.assert_none()
