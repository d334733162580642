"""The document preview chapter by chapter: a first page with cover and contents only, each
chapter on a page of its own (or as the fragment the first page loads), the whole document on
one page for those who want it. The PDF and the HTML edition still get the whole document."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.integration.helpers import find_block
from webapp.extensions import db
from webapp.models import Block, Organisation, Report, Unit, User
from webapp.services.blocks import save_block
from webapp.services.reports.documents import build_chapter, build_contents, build_document

READER = "ordforande@demo.iop"
REPORT_ID = 2  # the open demo report
HX = {"HX-Request": "true"}
OPTIONS = {"max_bytes": 200_000, "coalesce_seconds": 600}
BODY_TEXT = "Någon text som bara står i ett bidrag"


def _get(client, url: str, headers: dict | None = None) -> str:
    response = client.get(url, headers=headers or {})
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def _chapter_html(html: str, number: int) -> str:
    """The markup of chapter ``number`` (its <section class="chapter">) in a page."""
    match = re.search(rf'<section class="chapter" aria-labelledby="kap-{number}">.*?\n</section>', html, re.S)
    assert match, f"no chapter {number}"
    return match.group(0)


def _chapter_count(app) -> int:
    with app.app_context():
        count = len(db.session.get(Report, REPORT_ID).report_template.chapters)
        db.session.remove()
    return count


@pytest.fixture
def written(app, demo):
    """A block of the open report with a text of its own, so a body on a page can be spotted."""
    block_id = find_block(app, "natt-belaggning", "stadsmissionen-natt", report_id=REPORT_ID)
    with app.app_context():
        block = db.session.get(Block, block_id)
        admin = db.session.scalars(select(User).where(User.email == "admin@demo.iop")).one()
        save_block(block, admin, BODY_TEXT, base_version=block.version, **OPTIONS)
        db.session.commit()
        db.session.remove()


def test_first_page_has_cover_contents_and_a_lazy_place_per_chapter_but_no_block(app, written, signed_in):
    html = _get(signed_in(READER), f"/reports/{REPORT_ID}/preview")
    assert 'class="cover-title"' in html and "Samverkande organisationer" in html
    assert 'class="toc"' in html
    # The contents lead to the chapters' pages, numbered as in the document.
    assert f'href="/reports/{REPORT_ID}/preview/1#kap-1"' in html
    assert f'href="/reports/{REPORT_ID}/preview/1#avsn-1-2"' in html
    assert f'href="/reports/{REPORT_ID}/preview/3#kap-3"' in html
    # Each chapter loads its fragment when it scrolls into view; meanwhile, where it will stand,
    # its heading and its sections' headings (so #avsn-1-2 lands there), and "Laddar kapitel".
    for number in range(1, _chapter_count(app) + 1):
        assert f'hx-get="/reports/{REPORT_ID}/preview/{number}" hx-trigger="intersect once, retry"' in html
        assert f"Laddar kapitel {number} …" in html
        assert f'<a href="/reports/{REPORT_ID}/preview/{number}">Läs kapitel {number}</a>' in html  # noscript
    assert 'id="avsn-1-2"' in html and 'id="kap-2"' in html
    assert "Kapitel 1 kunde inte laddas." in html and "Försök igen" in html
    assert "/static/js/document-preview.js" in html and "/static/vendor/htmx-" in html
    # No block: no body, no table, no "Gemensam text" heading.
    assert BODY_TEXT not in html
    assert 'class="block' not in html and "<table" not in html and "Gemensam text" not in html
    assert f'href="/reports/{REPORT_ID}/preview/all"' in html and "Hela dokumentet på en sida" in html
    # The Content-Security-Policy allows no inline styles or scripts.
    assert not re.search(r"\sstyle=|<style|<script(?![^>]*\ssrc=)", html)


def test_first_page_contents_match_the_whole_documents(app, demo):
    with app.app_context(), app.test_request_context():
        contents = build_contents(REPORT_ID, draft=True)
        whole = build_document(REPORT_ID, draft=True)
        db.session.remove()
    assert contents is not None and whole is not None
    assert contents.partners == whole.partners and contents.title == whole.title
    assert [(c.number, c.title, c.anchor) for c in contents.chapters] == [
        (c.number, c.title, c.anchor) for c in whole.chapters
    ]
    assert [[(s.number, s.title, s.anchor) for s in c.sections] for c in contents.chapters] == [
        [(s.number, s.title, s.anchor) for s in c.sections] for c in whole.chapters
    ]
    assert all(not s.blocks and not s.joint_tables for c in contents.chapters for s in c.sections)


def test_each_chapter_page_shows_that_chapter_of_the_whole_document(app, written, signed_in):
    client = signed_in(READER)
    whole = _get(client, f"/reports/{REPORT_ID}/preview/all")
    chapters = _chapter_count(app)
    assert chapters == 3
    for number in range(1, chapters + 1):
        expected = _chapter_html(whole, number)
        # The fragment the first page loads is exactly the chapter as the whole document has it:
        # the same headings, numbers, tables, anchors and texts.
        fragment = _get(client, f"/reports/{REPORT_ID}/preview/{number}", HX)
        assert fragment.strip() == expected
        assert "<html" not in fragment and "doc-toolbar" not in fragment
        # The page of its own has the same chapter, the contents and the way to the others.
        page = _get(client, f"/reports/{REPORT_ID}/preview/{number}")
        assert _chapter_html(page, number) == expected
        assert "<!doctype html>" in page and 'class="toc"' in page and "doc-toolbar" in page
        assert f'aria-current="page"><span class="toc-number">{number}</span>' in page
        assert ("Föregående kapitel" in page) == (number > 1)
        assert ("Nästa kapitel" in page) == (number < chapters)
        if number < chapters:
            assert f'rel="next" href="/reports/{REPORT_ID}/preview/{number + 1}"' in page
    assert BODY_TEXT in _chapter_html(whole, 1)
    assert "<table" in _chapter_html(whole, 1)


def test_chapter_document_equals_that_chapter_of_the_whole(app, written):
    with app.app_context(), app.test_request_context():
        whole = build_document(REPORT_ID, draft=True)
        parts = [build_chapter(REPORT_ID, number, draft=True) for number in (1, 2, 3)]
        beyond = (build_chapter(REPORT_ID, 0, draft=True), build_chapter(REPORT_ID, 4, draft=True))
        missing = build_chapter(999, 1, draft=True)
        db.session.remove()
    assert whole is not None and beyond == (None, None) and missing is None
    for part, chapter in zip(parts, whole.chapters, strict=True):
        assert part is not None and part.chapters == (chapter,)
        assert part.partners == whole.partners and part.title == whole.title


def test_a_chapter_that_does_not_exist_is_404(signed_in, demo):
    client = signed_in(READER)
    for url in (f"/reports/{REPORT_ID}/preview/4", f"/reports/{REPORT_ID}/preview/0", "/reports/999/preview/1"):
        assert client.get(url).status_code == 404, url
        assert client.get(url, headers=HX).status_code == 404, url
    assert client.get("/reports/999/preview").status_code == 404
    assert client.get("/reports/999/preview/all").status_code == 404


def test_chapter_pages_need_the_same_permission_as_the_preview(app, client, signed_in, demo, monkeypatch):
    urls = [f"/reports/{REPORT_ID}/preview", f"/reports/{REPORT_ID}/preview/1", f"/reports/{REPORT_ID}/preview/all"]
    for url in urls:  # nobody signed in: sign in first (htmx: 401 with HX-Redirect)
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login"), url
    assert client.get(urls[1], headers=HX).status_code == 401
    reader = signed_in(READER)
    monkeypatch.setattr("webapp.views.reports.can_read_report", lambda user: False)
    for url in urls:
        assert reader.get(url).status_code == 403, url
        assert reader.get(url, headers=HX).status_code == 403, url


def test_reading_chapter_by_chapter_never_meets_the_preview_limit(app, signed_in, demo, monkeypatch):
    """Chapters are what a reader scrolls through: they do not count. The whole document on one
    page does, with the section PDFs and the HTML edition (one budget)."""
    monkeypatch.setitem(app.config, "DOCUMENT_PREVIEWS_PER_USER", "3/minute")
    client = signed_in(READER)
    for _ in range(3):  # three readings through, more than the limit in requests
        assert client.get(f"/reports/{REPORT_ID}/preview").status_code == 200
        for number in (1, 2, 3):
            assert client.get(f"/reports/{REPORT_ID}/preview/{number}", headers=HX).status_code == 200
            assert client.get(f"/reports/{REPORT_ID}/preview/{number}").status_code == 200
    whole = f"/reports/{REPORT_ID}/preview/all"
    assert [client.get(whole).status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get(whole)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert client.get(f"/reports/{REPORT_ID}/edition.html").status_code == 429  # the same budget
    assert client.get(f"/reports/{REPORT_ID}/preview/2", headers=HX).status_code == 200  # chapters still come


# --- Cost that does not grow with the number of units ---------------------------------------------


def _add_units(app, count: int) -> None:
    """``count`` more night units, each of its own organisation, with a written block in every
    night section of the open report (text and tables copied from Stadsmissionen's)."""
    with app.app_context():
        report = db.session.get(Report, REPORT_ID)
        admin = db.session.scalars(select(User).where(User.email == "admin@demo.iop")).one()
        model = {
            block.section_id: block
            for block in db.session.scalars(
                select(Block).join(Block.unit).where(Block.report_id == REPORT_ID, Unit.key == "stadsmissionen-natt")
            )
        }
        for n in range(count):
            organisation = Organisation(key=f"extra-{n}", name=f"Extra organisation {n}")
            unit = Unit(key=f"extra-natt-{n}", organisation=organisation, name=f"Extra natt {n}", kind="night")
            db.session.add_all([organisation, unit])
            for section_id, original in model.items():
                block = Block(report=report, section_id=section_id, unit=unit, joint=False)
                db.session.add(block)
                db.session.flush()
                revision = original.current_revision
                save_block(
                    block,
                    admin,
                    revision.source if revision else "Text",
                    base_version=block.version,
                    tables=dict(revision.tables or {}) if revision else None,
                    **OPTIONS,
                )
        db.session.commit()
        db.session.remove()


def _queries(client, count_queries, url: str, headers: dict | None = None) -> int:
    _get(client, url, headers)  # the session and its user loaded once, as in every request
    with count_queries() as counter:
        _get(client, url, headers)
    return counter.count


def test_first_page_and_chapters_cost_the_same_queries_with_ten_more_units(app, demo, signed_in, count_queries):
    client = signed_in(READER)
    urls = [
        (f"/reports/{REPORT_ID}/preview", None),
        (f"/reports/{REPORT_ID}/preview/1", HX),
        (f"/reports/{REPORT_ID}/preview/1", None),
        (f"/reports/{REPORT_ID}/preview/2", HX),
    ]
    before = [_queries(client, count_queries, url, headers) for url, headers in urls]
    first_size = len(_get(client, urls[0][0]))
    _add_units(app, 10)
    after = [_queries(client, count_queries, url, headers) for url, headers in urls]
    assert after == before
    # Ten more organisations on the cover, nothing more: the first page holds no block.
    grown = _get(client, urls[0][0])
    assert "Extra organisation 9" in grown and "Extra natt" not in grown
    assert len(grown) - first_size <= 10 * 2 * len('<meta name="author" content="Extra organisation 9">')
    assert "Extra natt 9" in _get(client, urls[1][0], HX)
