"""The review queue ("Att granska"), a page at a time.

The queue grows with the partnership; the page does not: it lists QUEUE_PAGE_SIZE blocks with
only the columns its rows show, and counts the rest with COUNT queries.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload, load_only

from webapp.extensions import db
from webapp.models import Block, BlockState, Report, ReportState, Revision, TemplateChapter, TemplateSection, Unit, User
from webapp.services.paging import Page, count_rows, keyset_page

QUEUE_PAGE_SIZE = 50


@dataclass(frozen=True)
class ReviewQueue:
    page: Page[Block]
    # Every block waiting for review, and those the filters let through.
    total: int
    matching: int
    # What the filters offer: the chapters and units that have blocks waiting.
    chapters: list[TemplateChapter]
    units: list[Unit]


def _waiting():
    return (
        select(Block)
        .join(Block.report)
        .join(Block.section)
        .where(Block.state == BlockState.SUBMITTED, Report.state == ReportState.OPEN)
    )


def _filtered(statement, chapter_id: int | None, unit_id: int | None):
    if chapter_id is not None:
        statement = statement.where(TemplateSection.chapter_id == chapter_id)
    if unit_id is not None:
        statement = statement.where(Block.unit_id == unit_id)
    return statement


def _count(statement) -> int:
    return count_rows(statement, Block.id)


def _listed():
    """What a queue row shows: section, chapter, report, unit, submitted time, last editor."""
    return (
        load_only(
            Block.id,
            Block.unit_id,
            Block.section_id,
            Block.report_id,
            Block.joint,
            Block.updated_at,
            Block.current_revision_id,
        ),
        joinedload(Block.unit).load_only(Unit.id, Unit.name),
        joinedload(Block.report).load_only(Report.id, Report.title),
        joinedload(Block.section)
        .load_only(TemplateSection.id, TemplateSection.title, TemplateSection.chapter_id)
        .joinedload(TemplateSection.chapter)
        .load_only(TemplateChapter.id, TemplateChapter.title),
        joinedload(Block.current_revision)
        .load_only(Revision.id, Revision.created_at, Revision.author_id)
        .joinedload(Revision.author)
        .load_only(User.id, User.name),
    )


def review_queue_page(
    *,
    chapter_id: int | None = None,
    unit_id: int | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> ReviewQueue:
    """Submitted blocks of open reports, the longest-waiting first, ``limit`` after ``cursor``.

    Keyed on (updated_at, id), the order the queue reads in: a block approved or submitted while
    the reviewer pages on neither shifts the next page nor shows up twice. A malformed cursor
    starts from the beginning.
    """
    limit = limit or QUEUE_PAGE_SIZE  # read per call, so a test can make a page small
    matching = _filtered(_waiting(), chapter_id, unit_id)
    page = keyset_page(matching, Block.updated_at, Block.id, cursor=cursor, limit=limit, options=_listed())
    waiting_ids = _waiting().with_only_columns(Block.id)
    chapters = db.session.scalars(
        select(TemplateChapter)
        .join(TemplateSection, TemplateSection.chapter_id == TemplateChapter.id)
        .join(Block, Block.section_id == TemplateSection.id)
        .where(Block.id.in_(waiting_ids))
        .options(load_only(TemplateChapter.id, TemplateChapter.title, TemplateChapter.position))
        .distinct()
        .order_by(TemplateChapter.position, TemplateChapter.id)
    ).all()
    units = db.session.scalars(
        select(Unit)
        .join(Block, Block.unit_id == Unit.id)
        .where(Block.id.in_(waiting_ids))
        .options(load_only(Unit.id, Unit.name))
        .distinct()
        .order_by(Unit.name, Unit.id)
    ).all()
    return ReviewQueue(
        page=page,
        total=_count(_waiting()),
        matching=_count(matching),
        chapters=list(chapters),
        units=list(units),
    )
