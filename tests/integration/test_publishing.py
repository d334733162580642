"""Publishing the demo's locked report: version 1, its file, and what may never happen to it."""

from __future__ import annotations

import hashlib
import re
from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import select, text

from tests.integration.helpers import find_block, post
from tests.integration.publishing_helpers import (
    CHAIR,
    LOCKED_REPORT_ID,
    OPEN_REPORT_ID,
    OTHER_REVIEWER,
    REVIEWER,
    WRITER,
    counts,
    pdf_pages,
    publication_count,
    request_final,
    squeeze,
)
from webapp.extensions import db
from webapp.models import AuditEvent, Block, Comment, Publication, RenderJob, RenderKind, RenderState, User
from webapp.models.base import utcnow
from webapp.services import reports as report_service

PDF_NAME = "IOP-verksamhetsrapport-2021-11--2022-04-v{}.pdf"


def _publish(client, report_id=LOCKED_REPORT_ID, **data):
    return post(client, f"/reports/{report_id}/publish", data)


def _publications(app, report_id=LOCKED_REPORT_ID) -> list[Publication]:
    with app.app_context():
        rows = list(
            db.session.scalars(
                select(Publication).where(Publication.report_id == report_id).order_by(Publication.version)
            )
        )
        for row in rows:
            _ = row.pdf, row.html  # load the deferred columns before leaving the session
            db.session.expunge(row)
        db.session.remove()
    return rows


def _outline_titles(app, report_id=LOCKED_REPORT_ID):
    """(number, title) of every chapter and section, and the unit names, as the document numbers them."""
    with app.app_context():
        outline = report_service.load_outline(report_id)
        headings = []
        for chapter in outline.chapters:
            headings.append((chapter.number, chapter.chapter.title))
            headings += [(section.number, section.section.title) for section in chapter.sections]
        units = sorted({block.unit.name for block in outline.blocks if not block.joint})
        db.session.remove()
    return headings, units


def check_published_pdf(app, data: bytes) -> None:
    """What a published report must show, read back from the PDF's text."""
    pages = pdf_pages(data)
    total = len(pages)
    assert total > 10
    with app.app_context():
        from webapp.models import Report

        title = db.session.get(Report, LOCKED_REPORT_ID).title
        db.session.remove()
    # The cover.
    assert title in squeeze(pages[0])
    assert "UTKAST" not in "".join(pages)
    # "Sida i (N)" on every page.
    for number, page in enumerate(pages, start=1):
        assert f"Sida {number} ({total})" in page, (number, page[-80:])
    # The table of contents: every chapter and section with the page where it really starts.
    toc_pages = {number for number, page in enumerate(pages, start=1) if ". . . . ." in page}
    assert toc_pages and min(toc_pages) == 2
    toc = "\n".join(pages[n - 1] for n in sorted(toc_pages))
    headings, units = _outline_titles(app)
    for number, heading in headings:
        entry = re.search(rf"^{re.escape(number)} {re.escape(heading)}[ .]*?(\d+)$", toc, re.MULTILINE)
        assert entry, f"{number} {heading} is not in the table of contents"
        listed = int(entry.group(1))
        shown = [
            n
            for n, page in enumerate(pages, start=1)
            if n not in toc_pages and re.search(rf"(?<![\d.]){re.escape(number)} {re.escape(heading)}", squeeze(page))
        ]
        assert shown and shown[0] == listed, (number, heading, listed, shown)
    # Each unit under its own heading.
    body = squeeze(" ".join(pages))
    for unit in units:
        assert unit in body, unit
    # Figures in Swedish format: a narrow no-break space between thousands, a decimal comma.
    raw = "".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)
    assert "14\u202f245" in raw and "70,1\u00a0%" in raw  # the joint occupancy table's totals (demo data)


def test_the_chair_publishes_the_locked_report_as_version_one(app, signed_in, renders):
    chair = signed_in(CHAIR)
    request_final(chair, LOCKED_REPORT_ID)
    page = chair.get(f"/reports/{LOCKED_REPORT_ID}/publish")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Kontrollista" in html and f"/reports/{LOCKED_REPORT_ID}/preview" in html
    assert "PDF:en är klar" in html  # rendered in the background (at once, in the tests)
    assert re.search(r'<button type="submit" class="button primary">\s*Publicera', html)  # enabled
    [job] = _final_jobs(app)
    assert job.state == RenderState.DONE

    response = _publish(chair)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/reports/{LOCKED_REPORT_ID}#publications")
    assert renders.count == 1  # Publicera stored the bytes already made
    [publication] = _publications(app)
    assert (publication.version, publication.content_hash) == (1, job.content_hash)
    assert publication.sha256 == hashlib.sha256(publication.pdf).hexdigest() == job.sha256
    assert publication.size == len(publication.pdf) and publication.page_count == job.page_count
    with app.app_context():
        assert db.session.get(User, publication.published_by_id).email == CHAIR
        blocks = {
            str(b.id): b.current_revision_id
            for b in db.session.scalars(select(Block).where(Block.report_id == LOCKED_REPORT_ID))
        }
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "report.published")).one()
        assert event.report_id == LOCKED_REPORT_ID and event.details["version"] == 1
        db.session.remove()
    assert publication.revision_ids == blocks
    assert "<html" in publication.html and "UTKAST" not in publication.html

    # Downloads: everyone signed in, the same bytes every time, with the checksum as ETag.
    writer = signed_in(WRITER)
    download = writer.get(f"/reports/{LOCKED_REPORT_ID}/publications/1.pdf")
    assert download.status_code == 200
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Disposition"] == f"attachment; filename={PDF_NAME.format(1)}"
    assert download.headers["ETag"] == f'"{publication.sha256}"'
    assert download.data == publication.pdf
    assert writer.get(f"/reports/{LOCKED_REPORT_ID}/publications/1.pdf").data == download.data
    unchanged = writer.get(
        f"/reports/{LOCKED_REPORT_ID}/publications/1.pdf", headers={"If-None-Match": f'"{publication.sha256}"'}
    )
    assert unchanged.status_code == 304 and not unchanged.data
    check_published_pdf(app, download.data)

    edition = writer.get(f"/reports/{LOCKED_REPORT_ID}/publications/1.html")
    assert edition.status_code == 200
    assert edition.headers["Content-Type"] == "text/html; charset=utf-8"
    assert edition.headers["Content-Disposition"] == (
        "attachment; filename=IOP-verksamhetsrapport-2021-11--2022-04-v1.html"
    )
    assert edition.data.decode() == publication.html
    etag = hashlib.sha256(publication.html.encode()).hexdigest()
    assert edition.headers["ETag"] == f'"{etag}"'
    assert (
        writer.get(
            f"/reports/{LOCKED_REPORT_ID}/publications/1.html", headers={"If-None-Match": f'"{etag}"'}
        ).status_code
        == 304
    )

    # The report page records it: version, who, size, pages, checksum, both downloads.
    overview = writer.get(f"/reports/{LOCKED_REPORT_ID}").get_data(as_text=True)
    assert publication.sha256 in overview and "Cecilia Holm" in overview
    assert f'href="/reports/{LOCKED_REPORT_ID}/publications/1.pdf" download' in overview
    assert f'href="/reports/{LOCKED_REPORT_ID}/publications/1.html" download' in overview
    assert f"<td>{publication.page_count}</td>" in overview

    # The same locked state again: 409, and nothing new is stored.
    before = counts(app)
    again = _publish(chair)
    assert again.status_code == 409
    assert "redan publicerat som version 1" in again.get_data(as_text=True)
    assert counts(app) == before
    # The page says so too, with the button disabled.
    html = chair.get(f"/reports/{LOCKED_REPORT_ID}/publish").get_data(as_text=True)
    assert "redan publicerat som version 1" in html and "disabled" in html


def _final_jobs(app) -> list[RenderJob]:
    with app.app_context():
        jobs = list(
            db.session.scalars(select(RenderJob).where(RenderJob.kind == RenderKind.FINAL).order_by(RenderJob.id))
        )
        for job in jobs:
            _ = job.pdf  # deferred: load it before leaving the session
            db.session.expunge(job)
        db.session.remove()
    return jobs


def _correct_a_block(app, chair) -> None:
    """Unlock, let a reviewer reopen a block, its writer correct it, another reviewer approve it."""
    from webapp.services import blocks as block_service
    from webapp.services import review

    assert (
        post(
            chair, f"/reports/{LOCKED_REPORT_ID}/transition", {"action": "unlock", "reason": "Rättelse i analysen"}
        ).status_code
        == 302
    )
    block_id = find_block(app, "natt-analys", "stadsmissionen-natt", LOCKED_REPORT_ID)
    with app.app_context():
        person = {
            email: db.session.scalar(select(User).where(User.email == email))
            for email in (WRITER, REVIEWER, OTHER_REVIEWER)
        }
        block = db.session.get(Block, block_id)
        review.perform(person[REVIEWER], block, review.Action.REOPEN, reason="Stavfel")
        block_service.save_block(
            block,
            person[WRITER],
            block_service.current_source(block) + "\n\nRättat.",
            base_version=block.version,
            max_bytes=10**6,
            coalesce_seconds=0,
        )
        review.perform(person[WRITER], block, review.Action.SUBMIT)
        review.perform(person[OTHER_REVIEWER], block, review.Action.APPROVE)
        db.session.commit()
        db.session.remove()
    assert post(chair, f"/reports/{LOCKED_REPORT_ID}/transition", {"action": "lock"}).status_code == 302


def test_a_correction_is_published_as_version_two_beside_version_one(app, signed_in, renders):
    chair = signed_in(CHAIR)
    request_final(chair, LOCKED_REPORT_ID)
    assert _publish(chair).status_code == 302
    [first] = _publications(app)
    assert first.version == 1
    _correct_a_block(app, chair)
    # Locking rendered the corrected content already; publishing only stores it.
    rendered = renders.count
    response = _publish(chair)
    assert response.status_code == 302
    assert renders.count == rendered
    old, new = _publications(app)
    assert (old.version, new.version) == (1, 2)
    assert old.pdf == first.pdf and old.sha256 == first.sha256 == hashlib.sha256(old.pdf).hexdigest()
    assert new.sha256 != old.sha256 and new.content_hash != old.content_hash
    assert new.revision_ids != old.revision_ids
    writer = signed_in(WRITER)
    assert writer.get(f"/reports/{LOCKED_REPORT_ID}/publications/1.pdf").data == first.pdf
    assert writer.get(f"/reports/{LOCKED_REPORT_ID}/publications/2.pdf").data == new.pdf
    assert "Rättat." in squeeze(" ".join(pdf_pages(new.pdf)))
    assert "Rättat." not in squeeze(" ".join(pdf_pages(old.pdf)))
    overview = writer.get(f"/reports/{LOCKED_REPORT_ID}").get_data(as_text=True)
    assert old.sha256 in overview and new.sha256 in overview


def test_publishing_before_the_first_visit_to_the_page_waits_for_the_render(app, signed_in, monkeypatch):
    """No final render yet (the demo was seeded locked): Publicera starts it and asks to wait."""
    import webapp.tasks as tasks

    monkeypatch.setattr(tasks, "enqueue", lambda task, *args: None)  # the worker is busy
    chair = signed_in(CHAIR)
    response = _publish(chair)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "PDF:en skapas just nu" in html and 'hx-trigger="every 1s"' in html
    assert publication_count(app) == 0
    [job] = _final_jobs(app)
    assert job.state == RenderState.QUEUED
    # The page polls the status; while it runs, only the status comes back.
    poll = chair.get(f"/reports/{LOCKED_REPORT_ID}/publish/renders/{job.id}", headers={"HX-Request": "true"})
    assert poll.status_code == 200 and "Väntar på sin tur" in poll.get_data(as_text=True)


def test_the_status_poll_swaps_in_the_checklist_when_the_render_is_done(app, signed_in, renders):
    chair = signed_in(CHAIR)
    request_final(chair, LOCKED_REPORT_ID)
    chair.get(f"/reports/{LOCKED_REPORT_ID}/publish")
    [job] = _final_jobs(app)
    poll = chair.get(f"/reports/{LOCKED_REPORT_ID}/publish/renders/{job.id}", headers={"HX-Request": "true"})
    assert poll.status_code == 286  # htmx stops polling
    html = poll.get_data(as_text=True)
    assert 'id="publish-checklist" class="checklist" hx-swap-oob="true"' in html
    assert 'id="publish-submit" hx-swap-oob="true"' in html and "PDF:en är klar" in html
    assert signed_in(WRITER).get(f"/reports/{LOCKED_REPORT_ID}/publish/renders/{job.id}").status_code == 403
    assert chair.get(f"/reports/{LOCKED_REPORT_ID}/publish/renders/{job.id + 99}").status_code == 404


def test_a_failed_render_leaves_no_publication_and_tells_the_chair(app, signed_in, monkeypatch):
    import webapp.document.pdf as pdf_module

    real = pdf_module.render_pdf_in_stages

    def broken(html, on_stage):
        on_stage("parse")
        on_stage("layout")
        raise ValueError("tabellen får inte plats")

    monkeypatch.setattr(pdf_module, "render_pdf_in_stages", broken)
    chair = signed_in(CHAIR)
    request_final(chair, LOCKED_REPORT_ID)
    page = chair.get(f"/reports/{LOCKED_REPORT_ID}/publish").get_data(as_text=True)
    assert "tabellen får inte plats" in page and "Ingenting har publicerats" in page and "Försök igen" in page
    [job] = _final_jobs(app)
    assert job.state == RenderState.FAILED and job.pdf is None
    response = _publish(chair)
    assert response.status_code == 409
    assert "tabellen får inte plats" in response.get_data(as_text=True)
    assert publication_count(app) == 0
    # Trying again renders anew (here: successfully) and then Publicera works.
    from tests.integration.publishing_helpers import install_render_spy

    monkeypatch.setattr(pdf_module, "render_pdf_in_stages", real)
    install_render_spy(monkeypatch, remember=True)
    assert post(chair, f"/reports/{LOCKED_REPORT_ID}/publish/render").status_code == 302
    assert _final_jobs(app)[0].state == RenderState.DONE
    assert _publish(chair).status_code == 302
    assert publication_count(app) == 1


def test_a_pdf_failing_the_accessibility_check_is_not_published(app, signed_in, renders, monkeypatch):
    import webapp.document.accessibility as accessibility

    monkeypatch.setattr(accessibility, "check_pdf", lambda pdf, **_: ["Tabellen saknar rubrikceller."])
    chair = signed_in(CHAIR)
    request_final(chair, LOCKED_REPORT_ID)
    page = chair.get(f"/reports/{LOCKED_REPORT_ID}/publish").get_data(as_text=True)
    assert "Tillgänglighetskontrollen hittade fel i PDF:en: Tabellen saknar rubrikceller." in page
    assert _publish(chair).status_code == 409
    assert publication_count(app) == 0


def test_open_threads_are_left_open_only_with_the_chairs_reason(app, signed_in, renders):
    block_id = find_block(app, "natt-analys", "stadsmissionen-natt", LOCKED_REPORT_ID)
    with app.app_context():
        reviewer = db.session.scalar(select(User).where(User.email == REVIEWER))
        # A row, not the service: the service (rightly) refuses comments on a locked report.
        db.session.add(
            Comment(
                block_id=block_id,
                author_id=reviewer.id,
                source="Stämmer siffran?",
                html="<p>Stämmer siffran?</p>",
                created_at=utcnow(),
            )
        )
        db.session.commit()
        db.session.remove()
    chair = signed_in(CHAIR)
    request_final(chair, LOCKED_REPORT_ID)
    page = chair.get(f"/reports/{LOCKED_REPORT_ID}/publish").get_data(as_text=True)
    assert "1 öppen tråd" in page and "Lämna de öppna trådarna öppna" in page
    assert re.search(r'<button type="submit" class="button primary">\s*Publicera', page)  # a choice, not a block
    before = counts(app)
    refused = _publish(chair)
    assert refused.status_code == 422 and "Kryssa i att de lämnas öppna" in refused.get_data(as_text=True)
    assert _publish(chair, leave_threads_open="y").status_code == 422  # a reason is needed too
    assert _publish(chair, open_threads_reason="Frågan gäller nästa period.").status_code == 422
    assert counts(app) == before
    response = _publish(chair, leave_threads_open="y", open_threads_reason="Frågan gäller nästa period.")
    assert response.status_code == 302
    [publication] = _publications(app)
    assert publication.open_threads_note.startswith("Frågan gäller nästa period.")
    assert "Stadsmissionens nattverksamhet (1)" in publication.open_threads_note


def test_an_open_report_cannot_be_published(app, signed_in, renders):
    chair = signed_in(CHAIR)
    page = chair.get(f"/reports/{OPEN_REPORT_ID}/publish")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Lås rapporten först" in html and "disabled" in html
    before = counts(app)
    response = _publish(chair, report_id=OPEN_REPORT_ID)
    assert response.status_code == 409 and "måste vara låst" in response.get_data(as_text=True)
    assert counts(app) == before and renders.count == 0


@pytest.mark.parametrize("email", [WRITER, REVIEWER, "admin@demo.iop"])
def test_only_the_chair_publishes(app, signed_in, email):
    client = signed_in(email)
    before = counts(app)
    assert client.get(f"/reports/{LOCKED_REPORT_ID}/publish").status_code == 403
    response = _publish(client)
    assert response.status_code == 403 and "Bara ordföranden" in response.get_data(as_text=True)
    assert counts(app) == before
    assert 'href="/reports/1/publish"' not in client.get(f"/reports/{LOCKED_REPORT_ID}").get_data(as_text=True)


def test_the_chair_sees_the_way_to_publish_on_a_locked_report_only(signed_in):
    chair = signed_in(CHAIR)
    assert f'href="/reports/{LOCKED_REPORT_ID}/publish"' in chair.get(f"/reports/{LOCKED_REPORT_ID}").get_data(
        as_text=True
    )
    assert f'href="/reports/{OPEN_REPORT_ID}/publish"' not in chair.get(f"/reports/{OPEN_REPORT_ID}").get_data(
        as_text=True
    )


def test_downloads_need_a_signed_in_reader_and_a_real_version(app, client, signed_in):
    assert client.get(f"/reports/{LOCKED_REPORT_ID}/publications/1.pdf").status_code == 302  # to sign in
    writer = signed_in(WRITER)
    assert writer.get(f"/reports/{LOCKED_REPORT_ID}/publications/1.pdf").status_code == 404
    assert writer.get(f"/reports/{LOCKED_REPORT_ID}/publications/1.html").status_code == 404
    assert writer.get("/reports/999/publications/1.pdf").status_code == 404


# --- Publications never change ------------------------------------------------------------------------


def _store_publication(app) -> int:
    with app.app_context():
        chair = db.session.scalar(select(User).where(User.email == CHAIR))
        row = Publication(
            report_id=LOCKED_REPORT_ID,
            version=1,
            content_hash="a" * 64,
            pdf=b"%PDF-1.7 test",
            html="<html></html>",
            sha256=hashlib.sha256(b"%PDF-1.7 test").hexdigest(),
            size=13,
            page_count=1,
            revision_ids={},
            published_by_id=chair.id,
        )
        db.session.add(row)
        db.session.commit()
        publication_id = row.id
        db.session.remove()
    return publication_id


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE publications SET pdf = :bytes WHERE id = :id",
        "UPDATE publications SET version = 7 WHERE id = :id",
        "DELETE FROM publications WHERE id = :id",
    ],
)
def test_the_database_refuses_to_change_or_delete_a_publication(app, demo, statement):
    publication_id = _store_publication(app)
    with app.app_context():
        with pytest.raises(Exception, match="publications are immutable"):
            with db.engine.begin() as connection:
                if connection.dialect.name == "sqlite":
                    connection.exec_driver_sql("BEGIN IMMEDIATE")
                connection.execute(text(statement), {"id": publication_id, "bytes": b"changed"})
        db.session.remove()
    [publication] = _publications(app)
    assert publication.pdf == b"%PDF-1.7 test" and publication.version == 1


def test_the_orm_refuses_to_change_or_delete_a_publication(app, demo):
    publication_id = _store_publication(app)
    with app.app_context():
        publication = db.session.get(Publication, publication_id)
        publication.size = 1
        with pytest.raises(ValueError, match="immutable"):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.get(Publication, publication_id))
        with pytest.raises(ValueError, match="may not be deleted"):
            db.session.flush()
        db.session.rollback()
        db.session.remove()
    assert len(_publications(app)) == 1


def test_the_pages_load_in_a_bounded_number_of_queries(app, signed_in, count_queries, renders):
    chair = signed_in(CHAIR)
    request_final(chair, LOCKED_REPORT_ID)
    with count_queries() as counter:
        assert chair.get(f"/reports/{LOCKED_REPORT_ID}/publish").status_code == 200
    assert counter.count <= 30, counter.statements
    with count_queries() as empty:
        chair.get(f"/reports/{LOCKED_REPORT_ID}")
    _store_publication(app)
    with app.app_context():
        chair_id = db.session.scalar(select(User.id).where(User.email == CHAIR))
        db.session.add(
            Publication(
                report_id=LOCKED_REPORT_ID,
                version=2,
                content_hash="b" * 64,
                pdf=b"%PDF-2",
                html="<html></html>",
                sha256="c" * 64,
                size=6,
                page_count=1,
                revision_ids={},
                published_by_id=chair_id,
            )
        )
        db.session.commit()
        db.session.remove()
    with count_queries() as two:
        html = chair.get(f"/reports/{LOCKED_REPORT_ID}").get_data(as_text=True)
    assert "c" * 64 in html
    assert two.count == empty.count, two.statements
