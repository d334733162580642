"""The report as a document, loaded for the views, the CLI and rendering.

Loads the report's structure and blocks and computes the tables the document shows
(``statistics``), then hands both to ``webapp.document``, which builds from data only.

Three cuts of the same document, numbered alike:

- ``build_document``: the whole document (the PDF, the HTML edition, "Hela dokumentet");
- ``build_contents``: cover and table of contents only, from the report's structure (which
  sections have blocks, which organisations take part), no block, revision or table: the
  preview's first page, the same size at any number of units;
- ``build_chapter``: one chapter, with only that chapter's blocks, revisions and tables.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from webapp.document.build import DocumentTables, ReportDocument, document_from_outline, section_excerpt
from webapp.extensions import db
from webapp.models import Block, Organisation, Unit
from webapp.services.blocks.statistics import block_tables, joint_tables
from webapp.services.reports import ReportOutline
from webapp.services.reports.outline import arrange_outline, group_by_section, load_report_structure
from webapp.statistics.formatting import swedish_sort_key

NO_TABLES = DocumentTables(blocks={}, joints={})


def document_tables(outline: ReportOutline, *, only_section: int | None = None) -> DocumentTables:
    """Each block's tables from its current revision, and each section's joint tables."""
    blocks, joints = {}, {}
    for chapter in outline.chapters:
        for section_view in chapter.sections:
            if only_section is not None and section_view.section.id != only_section:
                continue
            for block in section_view.blocks:
                revision = block.current_revision
                stored = (revision.tables or {}) if revision is not None else {}
                blocks[block.id] = block_tables(block, stored, None)
            joints[section_view.section.id] = joint_tables(section_view.section, outline.report, section_view.blocks)
    return DocumentTables(blocks=blocks, joints=joints)


def load_document_outline(report_id: int, *, section_ids: list[int] | None = None) -> ReportOutline | None:
    """The report's outline with every block's unit, organisation and whole current revision
    (what the document shows), in a fixed number of queries; with ``section_ids``, only those
    sections' blocks are loaded."""
    report = load_report_structure(report_id)
    if report is None:
        return None
    statement = (
        select(Block)
        .where(Block.report_id == report.id)
        .options(joinedload(Block.unit).joinedload(Unit.organisation), joinedload(Block.current_revision))
    )
    if section_ids is not None:
        statement = statement.where(Block.section_id.in_(section_ids))
    return arrange_outline(report, group_by_section(db.session.scalars(statement).unique()))


def build_document(report_id: int, *, draft: bool) -> ReportDocument | None:
    """The report ``report_id`` as a document, or ``None`` if there is no such report."""
    outline = load_document_outline(report_id)
    if outline is None:
        return None
    return document_from_outline(outline, document_tables(outline), draft=draft)


def _partners(report_id: int) -> tuple[str, ...]:
    """The organisations of the units with a block in the report, as the cover lists them."""
    names = db.session.scalars(
        select(Organisation.name)
        .join(Unit, Unit.organisation_id == Organisation.id)
        .join(Block, Block.unit_id == Unit.id)
        .where(Block.report_id == report_id)
        .distinct()
    )
    return tuple(sorted(names, key=swedish_sort_key))


def build_contents(report_id: int, *, draft: bool) -> ReportDocument | None:
    """Cover and contents of the document: every chapter and the sections it shows, numbered
    as in the whole document, each without blocks or tables. ``None`` if there is no report."""
    report = load_report_structure(report_id)
    if report is None:
        return None
    filled = db.session.scalars(select(Block.section_id).where(Block.report_id == report.id).distinct())
    outline = arrange_outline(report, {section_id: () for section_id in filled})
    document = document_from_outline(outline, NO_TABLES, draft=draft)
    return replace(document, partners=_partners(report.id))


def build_chapter(report_id: int, chapter: int, *, draft: bool) -> ReportDocument | None:
    """The document with only its chapter number ``chapter`` (1, 2, …) filled in, exactly as
    that chapter stands in the whole document; the other chapters are left out. Cover data
    (title, period, partners) as in the whole document. ``None`` if there is no such report
    or chapter."""
    report = load_report_structure(report_id)
    if report is None or not 1 <= chapter <= len(report.report_template.chapters):
        return None
    section_ids = [section.id for section in report.report_template.chapters[chapter - 1].sections]
    outline = load_document_outline(report_id, section_ids=section_ids)
    assert outline is not None  # the report was just loaded
    outline = ReportOutline(outline.report, [outline.chapters[chapter - 1]])
    document = document_from_outline(outline, document_tables(outline), draft=draft)
    return replace(document, partners=_partners(report.id))


def build_section_document(report_id: int, section_id: int, *, draft: bool = True) -> ReportDocument | None:
    """Only the section ``section_id`` of the report (inside its chapter, with its real numbers),
    as an excerpt: no cover, no contents. ``None`` if the report has no such section."""
    outline = load_document_outline(report_id, section_ids=[section_id])
    if outline is None:
        return None
    tables = document_tables(outline, only_section=section_id)
    document = document_from_outline(outline, tables, draft=draft, only_section=section_id)
    return section_excerpt(replace(document, partners=_partners(report_id)))
