"""A writer's preview of one section as PDF: only that section, marked as a draft, rendered inline."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.integration.helpers import find_block
from tests.pdf_tools import page_texts, reader_for, roles, squeeze
from webapp.document.accessibility import check_pdf
from webapp.extensions import db
from webapp.models import Block
from webapp.services.reports.documents import build_section_document

WRITER = "skribent.stadsmissionen-natt@demo.iop"
OTHER_UNITS_WRITER = "skribent.crossroads@demo.iop"  # may read every section, writes none of these
REPORT_ID = 1
CHAPTERS = ("Nattverksamheter", "Dagverksamheter", "Gemensamt för samtliga verksamheter")


def _section_id(
    app, section_key: str = "natt-belaggning", unit_key: str = "stadsmissionen-natt", report_id: int = REPORT_ID
) -> int:
    block_id = find_block(app, section_key, unit_key, report_id=report_id)
    with app.app_context():
        section_id = db.session.get(Block, block_id).section_id
        db.session.remove()
    return section_id


def _url(section_id: int, report_id: int = REPORT_ID) -> str:
    return f"/reports/{report_id}/sections/{section_id}/preview.pdf"


@pytest.fixture
def section(app, demo):
    """The demo's section 1.2 (occupancy by gender) of report 1, as a document."""
    section_id = _section_id(app)
    with app.app_context():
        document = build_section_document(REPORT_ID, section_id)
        db.session.remove()
    return section_id, document


def test_the_preview_holds_only_the_section_with_its_units_tables_and_charts(app, signed_in, section):
    section_id, document = section
    response = signed_in(OTHER_UNITS_WRITER).get(_url(section_id))
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert (
        disposition.startswith("inline")
        and "UTKAST-IOP-verksamhetsrapport-2021-11--2022-04-avsnitt-1-2.pdf" in disposition
    )
    assert response.headers["Cache-Control"] == "private, no-cache"

    reader = reader_for(response.data)
    texts = page_texts(reader)
    text = squeeze(" ".join(texts))
    assert len(texts) < 10
    assert squeeze("1.2 Beläggningsstatistik uppdelat på kön") in text
    assert squeeze("1 Nattverksamheter") in text  # its chapter, for orientation
    [chapter] = document.chapters
    [only] = chapter.sections
    assert len(only.blocks) >= 4
    for block in only.blocks:
        assert squeeze(block.heading) in text
    # No other chapter, no other section, no cover or contents.
    for title in CHAPTERS[1:]:
        assert squeeze(title) not in text
    for other in ("Antal unika deltagare", "De vanligaste nationaliteterna", "Extra kalla nätter"):
        assert squeeze(other) not in text
    assert "Innehåll" not in text and "Samverkandeorganisationer" not in text.lower()
    # Tables (the joint one and each unit's) and their charts, tagged as in the full report.
    found = roles(reader)
    tables = len(only.joint_tables) + sum(len(b.tables) for b in only.blocks)
    assert found.count("/Table") == tables > 1
    assert (
        found.count("/Figure")
        == sum(len(t.charts) for b in only.blocks for t in b.tables) + sum(len(t.charts) for t in only.joint_tables)
        > 0
    )
    assert check_pdf(response.data) == []


def test_the_preview_is_marked_as_a_draft_on_every_page(signed_in, section):
    section_id, _ = section
    texts = page_texts(signed_in(WRITER).get(_url(section_id)).data)
    for number, text in enumerate(texts, start=1):
        assert "UTKAST" in text and "Utkast – inte publicerat" in text
        assert f"Sida {number} ({len(texts)})" in text
    assert squeeze("Verksamhetsrapport IOP 2021-11-01 – 2022-04-30") in squeeze(texts[0])
    assert "Förhandsgranskning av ett avsnitt".upper() in texts[0]


def test_a_section_of_another_report_or_none_at_all_is_404(app, signed_in, demo):
    client = signed_in(WRITER)
    of_report_two = _section_id(app, report_id=2)
    assert client.get(_url(of_report_two, report_id=REPORT_ID)).status_code == 404
    assert client.get(_url(999_999)).status_code == 404
    assert client.get(_url(_section_id(app), report_id=999)).status_code == 404


def test_signed_out_people_get_no_preview(app, client, demo):
    response = client.get(_url(_section_id(app)))
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_the_block_page_links_to_its_sections_preview(app, signed_in, demo):
    block_id = find_block(app, "natt-belaggning", "stadsmissionen-natt", report_id=2)
    with app.app_context():
        block = db.session.scalars(select(Block).where(Block.id == block_id)).one()
        section_id, report_id = block.section_id, block.report_id
        db.session.remove()
    page = signed_in(WRITER).get(f"/blocks/{block_id}").get_data(as_text=True)
    link = f'href="/reports/{report_id}/sections/{section_id}/preview.pdf"'
    assert link in page
    tag = page.split(link, 1)[1].split(">", 1)[0]
    assert 'target="_blank"' in tag
    assert "Förhandsgranska avsnittet som PDF" in page


def test_the_section_is_built_in_a_bounded_number_of_queries(app, demo, count_queries):
    section_id = _section_id(app)
    with app.app_context():
        with count_queries() as counter:
            document = build_section_document(REPORT_ID, section_id)
        db.session.remove()
    assert document is not None and document.excerpt
    assert counter.count <= 6, counter.statements
