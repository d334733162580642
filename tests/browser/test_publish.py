"""Publishing in real browsers, with a real background worker: the chair watches the final PDF
being made, publishes version 1 and downloads it; a writer downloads the same file from the
report page, and gets a draft PDF through the progress page.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import select

from tests.browser.conftest import check_accessibility, sign_in
from tests.integration.publishing_helpers import CHAIR, LOCKED_REPORT_ID, real_worker
from webapp.extensions import db
from webapp.models import Publication

WRITER = "skribent.crossroads@demo.iop"
# The links read "PDF, version 1" (the version in visually hidden text, which Chromium sets apart).
PDF_LINK = re.compile(r"^PDF\s*, version 1$")
HTML_LINK = re.compile(r"^HTML\s*, version 1$")
RENDER_TIMEOUT = 120_000  # a full render takes seconds; the machine may be busy


@pytest.fixture
def worker(app, tmp_path, monkeypatch):
    with real_worker(app, tmp_path, monkeypatch):
        yield


def _download(page: Page, link) -> tuple[str, bytes]:
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    return download.suggested_filename, Path(download.path()).read_bytes()


def test_the_chair_publishes_and_a_writer_downloads(
    app, demo, live_server, worker, new_context: Callable[[], BrowserContext], console
):
    report_url = f"{live_server}/reports/{LOCKED_REPORT_ID}"
    chair = new_context().new_page()
    sign_in(chair, live_server, CHAIR)
    chair.goto(report_url)
    expect(chair.get_by_text("Rapporten har inte publicerats än.")).to_be_visible()
    check_accessibility(chair, "report page before publishing")

    # --- The Publicera page: checklist, the final PDF being made, then ready. --------------------
    chair.get_by_role("link", name="Publicera …").click()
    expect(chair.get_by_role("heading", level=1, name="Publicera rapporten")).to_be_visible()
    checklist = chair.locator("#publish-checklist")
    expect(checklist).to_contain_text("Rapporten är låst")
    expect(checklist).to_contain_text("Alla bidrag är godkända")
    status = chair.locator("#final-render")
    publish_button = chair.get_by_role("button", name="Publicera", exact=True)
    # The demo was seeded locked, without the final render locking asks for; opening the page
    # starts nothing (a GET), it offers the button.
    expect(status).to_contain_text("Det finns ingen slutlig PDF av rapporten som den är nu.")
    expect(publish_button).to_be_disabled()
    check_accessibility(chair, "publish page without a final PDF")
    chair.get_by_role("button", name="Skapa den slutliga PDF:en").click()
    # The worker has only just been handed the job (a render takes seconds): the page shows
    # the stage, polls, and the button waits.
    expect(status).to_contain_text("PDF:en skapas")
    expect(status.locator("progress")).to_be_visible()
    expect(publish_button).to_be_disabled()
    check_accessibility(chair, "publish page while the PDF is made")
    expect(status).to_contain_text("PDF:en är klar", timeout=RENDER_TIMEOUT)
    expect(publish_button).to_be_enabled()
    expect(checklist.locator("li").filter(has_text="tillgänglighetskontrollen")).to_contain_text("Klart")
    check_accessibility(chair, "publish page, ready")

    # --- Publicera: version 1 on the report page. -----------------------------------------------
    publish_button.click()
    expect(chair).to_have_url(re.compile(rf"{re.escape(report_url)}#publications$"))
    expect(chair.locator("main .alert-success")).to_have_text("Version 1 är publicerad.")
    with app.app_context():
        publication = db.session.scalars(select(Publication)).one()
        stored, sha256 = publication.pdf, publication.sha256
        db.session.remove()
    row = chair.locator("table.publications tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(sha256)
    expect(row).to_contain_text("Cecilia Holm")
    check_accessibility(chair, "report page with version 1")
    name, data = _download(chair, row.get_by_role("link", name=PDF_LINK))
    assert name == "IOP-verksamhetsrapport-2021-11--2022-04-v1.pdf"
    assert data == stored and hashlib.sha256(data).hexdigest() == sha256

    # --- A writer downloads the published version: the same bytes. ------------------------------
    writer = new_context().new_page()
    sign_in(writer, live_server, WRITER)
    writer.goto(report_url)
    expect(writer.get_by_role("link", name="Publicera …")).to_have_count(0)
    row = writer.locator("table.publications tbody tr")
    expect(row).to_contain_text(sha256)
    check_accessibility(writer, "report page for a writer")
    name, data = _download(writer, row.get_by_role("link", name=PDF_LINK))
    assert name == "IOP-verksamhetsrapport-2021-11--2022-04-v1.pdf" and data == stored
    name, edition = _download(writer, row.get_by_role("link", name=HTML_LINK))
    assert name == "IOP-verksamhetsrapport-2021-11--2022-04-v1.html" and edition.lstrip().lower().startswith(
        b"<!doctype html"
    )

    # --- And a draft PDF, made by the worker while the progress page waits. ----------------------
    writer.get_by_role("button", name="Ladda ner utkast som PDF").click()
    expect(writer.get_by_role("heading", level=1, name="Utkast som PDF")).to_be_visible()
    panel = writer.locator("#draft-render")
    expect(panel).to_contain_text("PDF:en är klar", timeout=RENDER_TIMEOUT)
    check_accessibility(writer, "draft PDF page")
    name, data = _download(writer, panel.get_by_role("link", name="Ladda ner utkastet som PDF"))
    assert name == "UTKAST-IOP-verksamhetsrapport-2021-11--2022-04.pdf" and data.startswith(b"%PDF")
    console.assert_no_csp_violations()
