"""A GET changes nothing and starts no work: the draft PDF is started with a POST, and the
previews rendered in the web request (section PDF, HTML edition) are limited per user."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.integration.helpers import OPEN_REPORT_ID, post
from webapp.extensions import db
from webapp.models import RenderJob

WRITER = "skribent.crossroads@demo.iop"
READER = "skribent.stadsmissionen-natt@demo.iop"
# What a page on another site sends along when it links or posts here.
CROSS_SITE = {"Referer": "https://evil.example/page", "Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
DRAFT_PDF = f"/reports/{OPEN_REPORT_ID}/draft.pdf"
REQUEST_DRAFT = f"/reports/{OPEN_REPORT_ID}/draft-pdf"


def _job_count(app) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(RenderJob))
        db.session.remove()
    return count or 0


@pytest.fixture
def no_worker(monkeypatch):
    """Jobs stay queued: what matters here is whether one is created, not the render."""
    import webapp.tasks as tasks

    handed_over: list = []
    monkeypatch.setattr(tasks, "enqueue", lambda task, *args: handed_over.append(args))
    return handed_over


@pytest.mark.parametrize("headers", [{}, CROSS_SITE], ids=["same-site", "cross-site"])
def test_get_draft_pdf_creates_no_render_job(app, signed_in, no_worker, headers):
    client = signed_in(WRITER)
    before = _job_count(app)
    response = client.get(DRAFT_PDF, headers=headers)
    assert _job_count(app) == before == 0 and no_worker == []
    # The page that offers to make it, with a POST form to the endpoint that does.
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    form = re.search(rf'<form method="post" action="{REQUEST_DRAFT}"[^>]*>(.*?)</form>', html, re.S)
    assert form and 'name="csrf_token"' in form.group(1) and "Ladda ner utkast som PDF" in form.group(1)


def test_a_cross_site_post_without_token_creates_no_job(app, signed_in, no_worker):
    client = signed_in(WRITER)
    assert client.post(REQUEST_DRAFT, headers=CROSS_SITE).status_code == 400
    assert _job_count(app) == 0 and no_worker == []


def test_post_creates_the_job_and_get_then_follows_it(app, signed_in, no_worker):
    client = signed_in(WRITER)
    response = post(client, REQUEST_DRAFT)
    assert response.status_code == 302 and _job_count(app) == 1 and len(no_worker) == 1
    # While it waits, the GET shows its progress and starts nothing more.
    waiting = client.get(DRAFT_PDF)
    assert waiting.status_code == 302 and waiting.headers["Location"] == response.headers["Location"]
    assert _job_count(app) == 1 and len(no_worker) == 1


def test_get_serves_a_finished_draft_of_the_current_content(app, signed_in, renders):
    client = signed_in(WRITER)
    assert post(client, REQUEST_DRAFT).status_code == 302
    assert _job_count(app) == 1 and renders.count == 1
    response = client.get(DRAFT_PDF, headers=CROSS_SITE)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert _job_count(app) == 1 and renders.count == 1


def test_the_overview_and_the_preview_offer_a_post_button(signed_in):
    client = signed_in(WRITER)
    for url in (f"/reports/{OPEN_REPORT_ID}", f"/reports/{OPEN_REPORT_ID}/preview"):
        html = client.get(url).get_data(as_text=True)
        assert f'action="{REQUEST_DRAFT}"' in html, url
        assert DRAFT_PDF not in html, url  # no link that a GET would follow


# --- Previews rendered in the request: limited per user -------------------------------------------


def _section_preview_url(app) -> str:
    from tests.integration.helpers import find_block
    from webapp.models import Block

    block_id = find_block(app, "natt-belaggning", "stadsmissionen-natt", report_id=1)
    with app.app_context():
        section_id = db.session.get(Block, block_id).section_id
        db.session.remove()
    return f"/reports/1/sections/{section_id}/preview.pdf"


def test_previews_answer_429_with_retry_after_beyond_the_limit(app, signed_in, monkeypatch):
    monkeypatch.setitem(app.config, "DOCUMENT_PREVIEWS_PER_USER", "3/minute")
    url = _section_preview_url(app)
    client = signed_in(READER)
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get(url)
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert "För många försök" in refused.get_data(as_text=True)
    # The HTML edition draws on the same budget.
    assert client.get("/reports/1/edition.html").status_code == 429
    # Per user: someone else still gets theirs.
    assert signed_in(WRITER).get(url).status_code == 200


def test_the_preview_limit_comes_from_the_config(app):
    assert app.config["DOCUMENT_PREVIEWS_PER_USER"] == "20/minute"


@pytest.mark.parametrize("headers", [{}, CROSS_SITE], ids=["same-site", "cross-site"])
def test_opening_publicera_starts_no_final_render(app, signed_in, no_worker, headers):
    from tests.integration.publishing_helpers import CHAIR, LOCKED_REPORT_ID

    chair = signed_in(CHAIR)
    page = chair.get(f"/reports/{LOCKED_REPORT_ID}/publish", headers=headers)
    assert page.status_code == 200 and _job_count(app) == 0 and not no_worker
    html = page.get_data(as_text=True)
    assert f'action="/reports/{LOCKED_REPORT_ID}/publish/render"' in html and "Skapa den slutliga PDF:en" in html
    assert post(chair, f"/reports/{LOCKED_REPORT_ID}/publish/render").status_code == 302
    assert _job_count(app) == 1 and len(no_worker) == 1
    chair.get(f"/reports/{LOCKED_REPORT_ID}/publish", headers=headers)
    assert _job_count(app) == 1 and len(no_worker) == 1
