"""A paste that brings a NUL character along, in a real browser: a clear message, the text kept.

The refusal comes from the request guard (webapp/input_guard.py) as a 422; for htmx it is put
at the top of the page, so the editor, the preview and the textarea the writer typed in stay.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import check_accessibility, sign_in
from tests.integration.helpers import find_block, revision_count

WRITER = "skribent.crossroads@demo.iop"
PASTED = "Besöken ökade\u0000 under vintern."
MESSAGE = "osynligt styrtecken (U+0000)"


def test_a_pasted_nul_is_refused_with_a_message_and_the_text_stays(
    app, demo, page: Page, live_server, console, post_statuses
):
    block_id = find_block(app, "dag-besok", "crossroads")
    statuses = post_statuses
    sign_in(page, live_server, WRITER)
    page.goto(f"{live_server}/blocks/{block_id}")
    expect(page.locator("#history")).to_contain_text("Inga versioner ännu.")

    # A paste: the value changes and `input` fires, as the browser does for a real paste.
    page.locator("#source").evaluate(
        "(element, text) => { element.value = text; element.dispatchEvent(new Event('input', {bubbles: true})); }",
        PASTED,
    )
    alert = page.locator("#main > .alert-error").first
    expect(alert).to_contain_text(MESSAGE)  # from the live preview
    expect(page.locator("#preview")).to_be_attached()  # the preview box was not replaced

    with page.expect_response(lambda response: response.url.endswith("/save")) as saved:
        page.get_by_role("button", name="Spara", exact=True).click()
    assert saved.value.status == 422
    expect(page.locator("#main > .alert-error").first).to_contain_text(MESSAGE)  # the newest on top
    expect(page.locator("#block-editor")).to_be_visible()
    expect(page.locator("#source")).to_have_value(PASTED)  # what she pasted is still there to correct
    expect(page.locator("#history")).to_contain_text("Inga versioner ännu.")
    assert ("preview", 422) in statuses
    assert all(status in (200, 204, 302, 422) for _url, status in statuses), statuses
    assert revision_count(app, block_id) == 0

    # She removes the character and saves: it is saved as usual.
    page.locator("#source").fill(PASTED.replace("\u0000", ""))
    page.get_by_role("button", name="Spara", exact=True).click()
    expect(page.locator("#block-editor .alert-success")).to_have_text("Sparat som version 1.")
    assert revision_count(app, block_id) == 1
    check_accessibility(page, "block page after a refused paste")
    console.assert_no_csp_violations()
    assert not [text for text in console.errors if "pageerror" in text], console.errors
