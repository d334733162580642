"""The database goes away while a writer works, in a real browser: a clear message, her text kept.

The database "goes away" by making the calls that reach it raise what psycopg raises when the
server is gone (tests/faults/test_timeouts.py does it for real with a silent PostgreSQL). A save
answers 503 and app.js announces the page's message; a page load answers a page that needs no
database. When the database is back, the same Spara saves.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.exc import OperationalError

from tests.browser.conftest import check_accessibility, sign_in
from tests.integration.helpers import find_block, revision_count
from webapp.services import accounts
from webapp.services import blocks as block_service

WRITER = "skribent.crossroads@demo.iop"
TEXT = "Besöken ökade under vintern."
NOT_SAVED = "Tjänsten kan inte nå databasen just nu. Din text är inte sparad — försök igen om en stund."


def _database_gone(*_args, **_kwargs):
    raise OperationalError("SELECT …", {}, ConnectionError("server closed the connection unexpectedly"))


def test_a_save_while_the_database_is_away_says_so_and_keeps_the_text(
    app, demo, page: Page, live_server, console, post_statuses, monkeypatch: pytest.MonkeyPatch
):
    block_id = find_block(app, "dag-besok", "crossroads")
    statuses = post_statuses
    sign_in(page, live_server, WRITER)
    page.goto(f"{live_server}/blocks/{block_id}")
    page.locator("#source").fill(TEXT)

    monkeypatch.setattr(block_service, "save_block", _database_gone)
    with page.expect_response(lambda response: response.url.endswith("/save")) as saved:
        page.get_by_role("button", name="Spara", exact=True).click()
    assert saved.value.status == 503
    assert saved.value.headers["retry-after"]
    expect(page.locator("#request-error")).to_contain_text(NOT_SAVED)
    expect(page.locator("#source")).to_have_value(TEXT)  # still there to save again
    assert revision_count(app, block_id) == 0

    # A page load meanwhile: the error page needs no database (no name, no menu).
    monkeypatch.setattr(accounts, "load_signed_in_user", _database_gone)
    response = page.goto(f"{live_server}/")
    assert response is not None and response.status == 503
    expect(page.get_by_role("heading", level=1)).to_have_text("Tillfälligt otillgänglig")
    expect(page.get_by_role("alert")).to_contain_text("Tjänsten kan inte nå databasen just nu.")
    check_accessibility(page, "the page shown while the database is away")

    monkeypatch.undo()  # the database is back: the same text, the same button
    page.goto(f"{live_server}/blocks/{block_id}")
    page.locator("#source").fill(TEXT)
    page.get_by_role("button", name="Spara", exact=True).click()
    expect(page.locator("#block-editor .alert-success")).to_have_text("Sparat som version 1.")
    assert revision_count(app, block_id) == 1
    assert ("save", 503) in statuses
    console.assert_no_csp_violations()
    assert not [text for text in console.errors if "pageerror" in text], console.errors
