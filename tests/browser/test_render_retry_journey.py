"""A render whose worker died, seen in a browser (issue 14, item 1): the page tells the truth and
changes nothing by being looked at, "Försök igen" renders it, and then the PDF is there.

The chair finds the locked report's final PDF interrupted on Publicera, retries, publishes and
later sees the published version; a writer finds her draft PDF interrupted on its progress page,
retries and downloads it. The interrupted jobs are made through the services (a worker takes
the job and its lease runs out). The test app renders in the request that asks (immediate mode,
in-process), with a one-page stand-in document: what is checked here is the journey, not the
report's PDF (tests/browser/test_publish.py renders that). Every response and console message
is listened to.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, Page, Response, expect
from sqlalchemy import select

from tests.browser.conftest import check_accessibility, sign_in
from tests.browser.test_writer_journeys import Failures
from tests.integration.publishing_helpers import CHAIR, LOCKED_REPORT_ID, OPEN_REPORT_ID
from webapp.extensions import db
from webapp.models import Publication, RenderJob, RenderKind, RenderState, User
from webapp.services.publishing import rendering

WRITER = "skribent.stadsmissionen-natt@demo.iop"
INTERRUPTED = "PDF:en avbröts innan den blev klar — försök igen."
STAND_IN_HTML = (
    '<!doctype html><html lang="sv"><head><meta charset="utf-8"><title>Prov</title></head>'
    "<body><h1>Rubrik</h1><p>Ett stycke text.</p></body></html>"
)
PDF_LINK = re.compile(r"^PDF\s*, version 1$")
RENDER_TIMEOUT = 60_000  # a one-page render; the machine may be busy


@pytest.fixture
def stand_in_renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The worker's renderer makes a real, tagged one-page PDF instead of the whole report;
    the list holds the HTML it was asked to render."""
    import webapp.document.pdf as pdf_module

    real = pdf_module.render_pdf_in_stages
    asked: list[str] = []

    def stand_in(html: str, on_stage: Callable[[str], None]) -> tuple[bytes, int]:
        asked.append(html)
        return real(STAND_IN_HTML, on_stage)

    monkeypatch.setattr(pdf_module, "render_pdf_in_stages", stand_in)
    return asked


def _interrupted_job(app: Flask, report_id: int, kind: RenderKind, email: str) -> int:
    """Ask for the render as ``email`` with no worker taking it; then a worker takes it and
    dies: the job is running, its lease has run out, nobody renews it."""
    import webapp.tasks as tasks

    with app.app_context(), pytest.MonkeyPatch.context() as patch:
        patch.setattr(tasks, "enqueue", lambda task, *args: None)
        person = db.session.scalars(select(User).where(User.email == email)).one()
        job = rendering.request_render(report_id, kind, person)
        assert job is not None
        db.session.commit()
        settings = rendering.RenderSettings.from_app()
        already_run_out = dataclasses.replace(settings, lease=timedelta(seconds=-1))
        assert rendering.claim_job(job.id, "dead-worker:4711", already_run_out) is not None
        db.session.commit()
        job_id = job.id
        db.session.remove()
    return job_id


def _row(app: Flask, job_id: int) -> dict:
    table = RenderJob.__table__
    with app.app_context():
        row = dict(db.session.execute(select(table).where(table.c.id == job_id)).mappings().one())
        db.session.remove()
    return row


def _hashes(job: dict, asked: list[str]) -> list[str]:
    """The content hash of each HTML the renderer was asked for, as the job's would be."""
    return [rendering.content_hash(job["report_id"], RenderKind(job["kind"]), html) for html in asked]


def _looking_changes_nothing(app: Flask, page: Page, job_id: int, poll_path: str) -> None:
    """While the page polls the job's status, the job stays exactly as it was."""
    before = _row(app, job_id)
    for _ in range(2):
        with page.expect_response(lambda response: urlparse(response.url).path == poll_path):
            pass
    assert _row(app, job_id) == before


@pytest.fixture
def listened(new_context: Callable[[], BrowserContext], console) -> Iterator[tuple[Failures, Callable[[], Page]]]:
    failures = Failures(console)
    yield failures, lambda: failures.attach(new_context().new_page())
    failures.assert_none()
    console.assert_no_csp_violations()


def _the_publication(app: Flask) -> tuple[bytes, str]:
    """The one publication's PDF and checksum, as stored."""
    with app.app_context():
        publication = db.session.scalars(select(Publication)).one()
        stored = publication.pdf, publication.sha256
        db.session.remove()
    return stored


def _download(page: Page, link) -> tuple[str, bytes]:
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    return download.suggested_filename, Path(download.path()).read_bytes()


def _posts(page: Page) -> list[str]:
    posts: list[str] = []

    def record(response: Response) -> None:
        if response.request.method == "POST":
            posts.append(f"{urlparse(response.url).path} {response.status}")

    page.on("response", record)
    return posts


def test_the_chair_retries_an_interrupted_final_pdf_and_publishes(app, demo, live_server, stand_in_renders, listened):
    _failures, open_page = listened
    job_id = _interrupted_job(app, LOCKED_REPORT_ID, RenderKind.FINAL, CHAIR)
    report_url = f"{live_server}/reports/{LOCKED_REPORT_ID}"
    chair = open_page()
    posts = _posts(chair)
    sign_in(chair, live_server, CHAIR)

    # --- Publicera: the truth, and nothing changed by looking. -----------------------------------
    chair.goto(report_url)
    chair.get_by_role("link", name="Publicera …").click()
    expect(chair.get_by_role("heading", level=1, name="Publicera rapporten")).to_be_visible()
    status = chair.locator("#final-render")
    expect(status).to_contain_text(INTERRUPTED)
    expect(status).not_to_contain_text("skapas")
    expect(chair.locator("#publish-checklist")).to_contain_text(INTERRUPTED)
    publish_button = chair.get_by_role("button", name="Publicera", exact=True)
    expect(publish_button).to_be_disabled()
    _looking_changes_nothing(app, chair, job_id, f"/reports/{LOCKED_REPORT_ID}/publish/renders/{job_id}")
    chair.reload()
    expect(status).to_contain_text(INTERRUPTED)
    assert _row(app, job_id)["state"] == RenderState.RUNNING and stand_in_renders == []
    check_accessibility(chair, "publish page, final PDF interrupted")

    # --- Försök igen: rendered, then the PDF and Publicera are offered. ------------------------
    status.get_by_role("button", name="Försök igen").click()
    expect(status).to_contain_text("PDF:en är klar", timeout=RENDER_TIMEOUT)
    expect(status.get_by_role("link", name="Ladda ner den slutliga PDF:en")).to_be_visible()
    expect(chair.locator("#publish-checklist li").filter(has_text="tillgänglighetskontrollen")).to_contain_text("Klart")
    expect(publish_button).to_be_enabled()
    job = _row(app, job_id)
    assert _hashes(job, stand_in_renders) == [job["content_hash"]]  # the locked content, once
    assert job["state"] == RenderState.DONE and job["attempts"] == 1  # the retry started it afresh
    check_accessibility(chair, "publish page, final PDF ready after the retry")

    # --- Publicera. ------------------------------------------------------------------------------
    publish_button.click()
    expect(chair).to_have_url(re.compile(rf"{re.escape(report_url)}#publications$"))
    expect(chair.locator("main .alert-success")).to_have_text("Version 1 är publicerad.")
    stored, sha256 = _the_publication(app)
    assert sha256 == job["sha256"] == hashlib.sha256(stored).hexdigest()

    # --- Later: Publicera shows the published version, and offers nothing to publish again. ----
    later = open_page()
    sign_in(later, live_server, CHAIR)
    later.goto(f"{report_url}/publish")
    expect(later.locator("#publish-checklist")).to_contain_text("redan publicerat som version 1")
    expect(later.get_by_role("button", name="Publicera", exact=True)).to_be_disabled()
    row = later.locator("table.publications tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(sha256)
    check_accessibility(later, "publish page after publishing")
    name, data = _download(later, row.get_by_role("link", name=PDF_LINK))
    assert name == "IOP-verksamhetsrapport-2021-11--2022-04-v1.pdf" and data == stored
    assert posts == [
        "/login 302",
        f"/reports/{LOCKED_REPORT_ID}/publish/render 302",
        f"/reports/{LOCKED_REPORT_ID}/publish 302",
    ]
    assert len(stand_in_renders) == 1


def test_a_writer_retries_an_interrupted_draft_pdf_and_downloads_it(app, demo, live_server, stand_in_renders, listened):
    _failures, open_page = listened
    job_id = _interrupted_job(app, OPEN_REPORT_ID, RenderKind.DRAFT, WRITER)
    writer = open_page()
    posts = _posts(writer)
    sign_in(writer, live_server, WRITER)

    # The progress page she had open (or its address): the truth, and nothing changed by looking.
    render_path = f"/reports/{OPEN_REPORT_ID}/renders/{job_id}"
    writer.goto(live_server + render_path)
    expect(writer.get_by_role("heading", level=1, name="Utkast som PDF")).to_be_visible()
    panel = writer.locator("#draft-render")
    expect(panel).to_contain_text(INTERRUPTED)
    expect(panel.locator("progress")).to_have_count(0)
    _looking_changes_nothing(app, writer, job_id, render_path)
    assert stand_in_renders == []
    check_accessibility(writer, "draft PDF page, interrupted")

    # By keyboard: the focus stays on the button while the page polls (htmx swaps the panel).
    retry = panel.get_by_role("button", name="Försök igen")
    retry.focus()
    _looking_changes_nothing(app, writer, job_id, render_path)
    expect(retry).to_be_focused()
    writer.keyboard.press("Enter")
    expect(panel).to_contain_text("PDF:en är klar", timeout=RENDER_TIMEOUT)
    expect(writer).to_have_url(live_server + render_path)  # the same job, rendered now
    check_accessibility(writer, "draft PDF page, ready after the retry")
    name, data = _download(writer, panel.get_by_role("link", name="Ladda ner utkastet som PDF"))
    job = _row(app, job_id)
    assert name == "UTKAST-IOP-verksamhetsrapport-2022-11--2023-04.pdf"
    assert job["state"] == RenderState.DONE and data == job["pdf"] and data.startswith(b"%PDF")
    assert _hashes(job, stand_in_renders) == [job["content_hash"]]  # the job's own HTML, once
    assert posts == ["/login 302", f"/reports/{OPEN_REPORT_ID}/draft-pdf 302"]
