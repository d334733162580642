"""The report document: the HTML preview and the draft PDF, built from the demo report."""

from __future__ import annotations

import re
from dataclasses import replace
from io import BytesIO

from pypdf import PdfReader
from sqlalchemy import select

from tests.integration.helpers import post
from webapp.document import render_document_html
from webapp.extensions import db
from webapp.models import Block, Revision
from webapp.services.reports.documents import build_document

WRITER = "skribent.crossroads@demo.iop"
REPORT_TITLE = "Verksamhetsrapport IOP 2021-11-01 – 2022-04-30"
CHAPTERS = ("Nattverksamheter", "Dagverksamheter", "Gemensamt för samtliga verksamheter")
PLAIN_LINE = re.compile(r"[A-Za-zÅÄÖåäöÉé][\wÅÄÖåäöÉé ,.%–-]*")


def _plain_words(app, report_id: int = 1, count: int = 5) -> list[str]:
    """The first words of some block's current text: a line with no Markdown in it."""
    with app.app_context():
        sources = db.session.scalars(
            select(Revision.source)
            .join(Block, Block.current_revision_id == Revision.id)
            .where(Block.report_id == report_id)
            .order_by(Block.id)
        ).all()
        db.session.remove()
    for source in sources:
        for line in source.splitlines():
            words = line.split()
            if len(words) >= count and PLAIN_LINE.fullmatch(line.strip()):
                return words[:count]
    raise AssertionError("no plain line of text in the demo report")


def _squeeze(text: str) -> str:
    """Text without whitespace: PDF extraction breaks lines and may split kerned words."""
    return "".join(text.split())


def test_preview_shows_cover_contents_and_chapters(signed_in):
    client = signed_in(WRITER)
    response = client.get("/reports/1/preview/all")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert f'<h1 class="cover-title" id="cover-title">{REPORT_TITLE}</h1>' in html
    assert '<html lang="sv">' in html
    assert "1 november 2021 – 30 april 2022" in html
    assert "Samverkande organisationer" in html and "Stockholms Stadsmission" in html
    assert "Utkast – inte publicerat" in html
    assert 'class="toc"' in html and "Innehåll" in html
    assert 'href="#kap-1"' in html and 'id="kap-1"' in html and 'href="#avsn-1-2"' in html
    for title in CHAPTERS:
        assert title in html
    assert "Gemensam text" in html
    assert "/static/css/document.css" in html
    assert 'action="/reports/1/draft-pdf"' in html and "Ladda ner utkast som PDF" in html
    # The Content-Security-Policy allows no inline styles or scripts.
    assert not re.search(r"\sstyle=|<style|<script", html)


def test_preview_escapes_everything_but_the_sanitized_block_html(app, demo):
    with app.app_context(), app.test_request_context():
        document = build_document(1, draft=True)
        evil = replace(document, title="<script>alert(1)</script>", partners=("<b>Org</b>",))
        html = render_document_html(evil, for_print=True)
        db.session.remove()
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html
    assert "<b>Org</b>" not in html
    assert "doc-toolbar" not in html  # the printed document has no navigation


def test_empty_blocks_say_so(app, demo, signed_in):
    with app.app_context():
        document = build_document(2, draft=True)
        db.session.remove()
    blocks = [b for c in document.chapters for s in c.sections for b in s.blocks]
    assert any(b.empty for b in blocks)
    assert all(b.html == "" for b in blocks if b.empty)
    html = signed_in(WRITER).get("/reports/2/preview/all").get_data(as_text=True)
    assert "Inget bidrag ännu." in html


def test_document_is_built_in_a_bounded_number_of_queries(app, demo, count_queries):
    with app.app_context():
        with count_queries() as counter:
            document = build_document(1, draft=True)
        db.session.remove()
    assert document is not None and len(document.chapters) == 3
    assert counter.count <= 6, counter.statements


def test_document_numbers_and_anchors(app, demo):
    with app.app_context():
        document = build_document(1, draft=False)
        missing = build_document(999, draft=True)
        db.session.remove()
    assert missing is None
    assert document.title == REPORT_TITLE and not document.draft and document.language == "sv"
    assert document.period_label == "1 november 2021 – 30 april 2022"
    assert [c.title for c in document.chapters] == list(CHAPTERS)
    first = document.chapters[0]
    assert (first.number, first.anchor) == ("1", "kap-1")
    assert (first.sections[1].number, first.sections[1].anchor) == ("1.2", "avsn-1-2")
    assert first.sections[0].blocks[0].heading == "Gemensam text"
    assert list(document.partners) == sorted(document.partners, key=str.casefold)


def test_preview_of_a_missing_report_is_404(signed_in):
    assert signed_in(WRITER).get("/reports/999/preview").status_code == 404


def test_draft_pdf_has_the_whole_document(app, signed_in):
    client = signed_in(WRITER)
    post(client, "/reports/1/draft-pdf")  # starts the render; the GET serves it once done
    response = client.get("/reports/1/draft.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    reader = PdfReader(BytesIO(response.data))
    assert len(reader.pages) > 3
    text = "\n".join(page.extract_text() for page in reader.pages)
    for expected in (REPORT_TITLE, "Innehåll", "Nattverksamheter", "Dagverksamheter", "Sida 1 (", "UTKAST"):
        assert expected in text, expected
    assert f"Sida {len(reader.pages)} ({len(reader.pages)})" in text
    assert _squeeze(" ".join(_plain_words(app))) in _squeeze(text)
    assert reader.metadata.title == REPORT_TITLE
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "sv"
    assert "/StructTreeRoot" in root  # tagged (PDF/UA-1)
