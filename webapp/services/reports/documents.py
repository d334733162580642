"""The report as a document, loaded for the views, the CLI and rendering.

Loads the outline (``reports.load_outline``) and computes the tables the document shows
(``statistics``), then hands both to ``webapp.document``, which builds from data only.
"""

from __future__ import annotations

from webapp.document.build import DocumentTables, ReportDocument, document_from_outline, section_excerpt
from webapp.services.blocks.statistics import block_tables, joint_tables
from webapp.services.reports import ReportOutline, load_outline


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


def build_document(report_id: int, *, draft: bool) -> ReportDocument | None:
    """The report ``report_id`` as a document, or ``None`` if there is no such report."""
    outline = load_outline(report_id)
    if outline is None:
        return None
    return document_from_outline(outline, document_tables(outline), draft=draft)


def build_section_document(report_id: int, section_id: int, *, draft: bool = True) -> ReportDocument | None:
    """Only the section ``section_id`` of the report (inside its chapter, with its real numbers),
    as an excerpt: no cover, no contents. ``None`` if the report has no such section."""
    outline = load_outline(report_id)
    if outline is None:
        return None
    tables = document_tables(outline, only_section=section_id)
    return section_excerpt(document_from_outline(outline, tables, draft=draft, only_section=section_id))
