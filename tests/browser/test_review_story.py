"""The review story of issue 4, in real browsers: comment on a quoted passage, request changes, the
writer sees it while her page is open, answers, resolves and resubmits, another reviewer approves,
the chair locks the report and an edit attempt is refused.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import update

from tests.browser.conftest import check_accessibility, sign_in
from tests.integration.helpers import OPEN_REPORT_ID, block_snapshot, current_text, find_block
from webapp.extensions import db
from webapp.models import Block, BlockState

WRITER = "skribent.convictus-axelsberg@demo.iop"  # Sara Eklund, Convictus Axelsberg
REVIEWER = "granskare.fralsningsarmen@demo.iop"  # Peter Lundgren
SECOND_REVIEWER = "granskare.ny-gemenskap@demo.iop"  # Agnieszka Kowalska
CHAIR = "ordforande@demo.iop"  # Cecilia Holm

SECTION = "Inkomna klagomål och synpunkter"
UNIT = "Convictus Axelsberg"
QUOTED = "Under perioden kom tre klagomål in om väntetiden vid frukosten."
FIRST_TEXT = f"{QUOTED} Vi har pratat med personalen om det."
SECOND_TEXT = (
    f"{QUOTED} Vi har ändrat schemat så att två personer står i serveringen varje morgon, och väntetiden är nu kortare."
)
COMMENT = "Vad gjorde ni åt väntetiden? Skriv gärna vad som ändrades."
REASON = "Beskriv vilka åtgärder ni vidtog efter klagomålen."
REPLY = "Vi har lagt till det i texten nu."

SELECT_SENTENCE = """(sentence) => {
    const paragraph = document.querySelector("section[aria-labelledby='content-heading'] .rendered p");
    const walker = document.createTreeWalker(paragraph, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) {
        const start = node.textContent.indexOf(sentence);
        if (start >= 0) {
            const range = document.createRange();
            range.setStart(node, start);
            range.setEnd(node, start + sentence.length);
            const selection = window.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
            return selection.toString();
        }
    }
    return null;
}"""


def _status(page: Page):
    return page.locator("#block-live .live-state .badge")


def _csrf_token(page: Page) -> str:
    return json.loads(page.locator("body").get_attribute("hx-headers"))["X-CSRFToken"]


def test_comment_request_changes_resubmit_approve_and_lock(
    app, demo, live_server, new_context: Callable[[], BrowserContext], console
):
    block_id = find_block(app, "gem-klagomal", "convictus-axelsberg")
    block_url = f"{live_server}/blocks/{block_id}"
    assert block_snapshot(app, block_id)[1:3] == (None, "draft")  # an empty draft, no statistics

    writer = new_context().new_page()
    reviewer = new_context().new_page()
    sign_in(writer, live_server, WRITER)
    sign_in(reviewer, live_server, REVIEWER)

    # --- The writer writes and submits; the block goes read-only. -------------------------------
    writer.goto(block_url)
    expect(writer.get_by_role("heading", level=1, name=SECTION)).to_be_visible()
    writer.locator("#source").fill(FIRST_TEXT)
    writer.get_by_role("button", name="Spara och skicka in för granskning").click()
    expect(writer.locator("main .alert-success")).to_have_text("Du skickade in bidraget.")
    expect(_status(writer)).to_have_text("Inskickat")
    expect(writer.locator("#source")).to_have_count(0)
    assert current_text(app, block_id) == FIRST_TEXT

    # --- The reviewer finds it in "Att granska". -------------------------------------------------
    reviewer.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Att granska").click()
    expect(reviewer.get_by_role("heading", level=1, name=re.compile(r"^Att granska"))).to_be_visible()
    row = reviewer.get_by_role("row").filter(has_text=UNIT).filter(has_text=SECTION)
    expect(row).to_have_count(1)
    check_accessibility(reviewer, "Att granska")
    row.get_by_role("link", name=SECTION).click()
    expect(reviewer).to_have_url(block_url)
    expect(reviewer.locator(".changes-since-review")).to_contain_text("första gången bidraget skickas in")
    content = reviewer.locator("section[aria-labelledby='content-heading'] .rendered")
    expect(content).to_have_text(FIRST_TEXT)

    # She selects the first sentence and quotes it in a new thread.
    quote_button = reviewer.get_by_role("button", name="Citera markerad text")
    expect(quote_button).to_be_visible()
    assert reviewer.evaluate(SELECT_SENTENCE, QUOTED) == QUOTED
    quote_button.click()
    expect(reviewer.locator("#comment-quote")).to_have_value(QUOTED)
    expect(reviewer.locator("#comment-body")).to_be_focused()
    reviewer.locator("#comment-body").fill(COMMENT)
    reviewer.get_by_role("button", name="Kommentera").click()
    thread = reviewer.locator("#comments .thread").first
    expect(thread.locator(".thread-quote")).to_contain_text(QUOTED)
    expect(thread.locator(".comment-body")).to_have_text(COMMENT)
    expect(reviewer.locator("#comments-heading")).to_contain_text("1 öppna trådar")
    check_accessibility(reviewer, "block page with a comment thread")

    # She requests changes, with a reason.
    workflow = reviewer.locator("#workflow")
    workflow.get_by_label("Motivering").fill(REASON)
    workflow.get_by_role("button", name="Begär ändringar").click()
    expect(reviewer.locator("main .alert-success")).to_have_text("Du begärde ändringar i bidraget.")
    expect(_status(reviewer)).to_have_text("Ändringar begärda")

    # --- The writer's open page picks it up by polling, without a reload. ---------------------
    expect(_status(writer)).to_have_text("Ändringar begärda", timeout=12_000)
    expect(writer.locator("#block-live .live-comments")).to_contain_text("1 kommentar", timeout=12_000)
    expect(writer.locator("#block-live .live-comments")).to_contain_text("1 öppen")
    # The poll also brings the nav badge: she sees her notifications without reloading,
    # and a link offers the editor that the new state opens to her.
    expect(writer.locator("#nav-notifications .badge-unread")).to_have_text("2", timeout=12_000)
    expect(writer.locator("#block-live .live-reload")).to_be_visible()

    # She opens her notifications from the nav.
    writer.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name=re.compile("^Notiser")).click()
    expect(writer.get_by_role("heading", level=1, name=re.compile(r"^Notiser"))).to_be_visible()
    expect(writer.locator("#nav-notifications .badge-unread")).to_have_text("2")
    notifications = writer.locator("#notification-list .notification")
    request = notifications.filter(has_text="begärde ändringar")
    expect(request).to_have_count(1)
    expect(request).to_contain_text(f"Peter Lundgren begärde ändringar i {SECTION} ({UNIT}): {REASON}")
    expect(request).to_have_class(re.compile(r"\bunread\b"))
    expect(notifications.filter(has_text=f"Peter Lundgren kommenterade {SECTION} ({UNIT}).")).to_have_count(1)
    check_accessibility(writer, "notifications")

    # --- She answers in the thread, resolves it, edits and resubmits. -------------------------
    request.get_by_role("link").click()
    expect(writer).to_have_url(block_url)
    expect(writer.locator("#source")).to_be_editable()
    expect(_status(writer)).to_have_text("Ändringar begärda")
    writer_thread = writer.locator("#comments .thread").first
    expect(writer_thread.locator(".thread-quote")).to_contain_text(QUOTED)
    writer_thread.get_by_role("textbox", name="Svara").fill(REPLY)
    writer_thread.get_by_role("button", name="Svara").click()
    writer_thread = writer.locator("#comments .thread").first
    expect(writer_thread.locator(".replies .comment-body")).to_have_text(REPLY)
    writer_thread.get_by_role("button", name="Markera som löst").click()
    expect(writer.locator("#comments .empty")).to_have_text("Inga öppna trådar.")
    resolved = writer.locator("#comments details.resolved-threads")
    expect(resolved.locator(":scope > summary")).to_have_text("Lösta trådar (1)")
    expect(resolved.locator(".thread")).to_contain_text("Löst av Sara Eklund")

    writer.locator("#source").fill(SECOND_TEXT)
    writer.get_by_role("button", name="Spara och skicka in för granskning").click()
    expect(writer.locator("main .alert-success")).to_have_text("Du skickade in bidraget.")
    expect(_status(writer)).to_have_text("Inskickat")
    assert current_text(app, block_id) == SECOND_TEXT

    # --- Another reviewer sees what changed and approves. ------------------------------------
    second = new_context().new_page()
    sign_in(second, live_server, SECOND_REVIEWER)
    second.goto(block_url)
    expect(second.locator(".changes-since-review .word-diff ins").first).to_be_visible()
    expect(second.locator(".changes-since-review .word-diff")).to_contain_text("två personer")
    second.locator("#workflow").get_by_role("button", name="Godkänn").click()
    expect(second.locator("main .alert-success")).to_have_text("Du godkände bidraget.")
    expect(_status(second)).to_have_text("Godkänt")
    expect(_status(writer)).to_have_text("Godkänt", timeout=12_000)  # the writer's open page, again

    # --- Every other block approved (setup), the chair locks the report. ----------------------
    with app.app_context():
        db.session.execute(update(Block).where(Block.report_id == OPEN_REPORT_ID).values(state=BlockState.APPROVED))
        db.session.commit()
        db.session.remove()

    chair = new_context().new_page()
    sign_in(chair, live_server, CHAIR)
    chair.goto(f"{live_server}/reports/{OPEN_REPORT_ID}")
    chair.get_by_role("button", name="Lås rapporten").click()
    expect(chair.locator("main .alert-success")).to_have_text("Du låste rapporten.")
    expect(chair.locator("main .lead")).to_contain_text("Låst")
    expect(chair.get_by_role("button", name="Lås rapporten")).to_have_count(0)
    expect(chair.get_by_role("button", name="Lås upp rapporten")).to_be_visible()

    # --- The writer's edit attempt is refused. ------------------------------------------------
    writer.goto(block_url)
    expect(writer.locator("#source")).to_have_count(0)
    expect(writer.locator("#block-editor")).to_have_count(0)
    expect(writer.get_by_text("Rapporten är låst och kan inte ändras.")).to_be_visible()
    expect(writer.locator("#comments form.new-thread")).to_have_count(0)
    before = block_snapshot(app, block_id)
    response = writer.request.post(
        f"{block_url}/save",
        form={"source": "Ändrat efter låsningen.", "base_version": str(before[0]), "note": ""},
        headers={"X-CSRFToken": _csrf_token(writer)},
    )
    assert response.status == 409, response.text()
    assert block_snapshot(app, block_id) == before
    assert current_text(app, block_id) == SECOND_TEXT

    console.assert_no_csp_violations()
