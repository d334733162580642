"""The report as a document: plain, frozen data that the templates and the PDF render.

Everything the document shows is gathered here in a bounded number of queries
(``load_outline``), so rendering never touches the database. Block bodies are the
revisions' stored HTML, which ``webapp.content`` has already sanitized.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from webapp.services.reports import load_outline
from webapp.statistics.formatting import format_date, swedish_sort_key

JOINT_HEADING = "Gemensam text"


@dataclass(frozen=True)
class DocBlock:
    heading: str
    html: str
    empty: bool


@dataclass(frozen=True)
class DocSection:
    number: str
    title: str
    anchor: str
    blocks: tuple[DocBlock, ...]


@dataclass(frozen=True)
class DocChapter:
    number: str
    title: str
    anchor: str
    sections: tuple[DocSection, ...]


@dataclass(frozen=True)
class ReportDocument:
    report_id: int
    title: str
    period_start: date
    period_end: date
    period_label: str
    partners: tuple[str, ...]
    chapters: tuple[DocChapter, ...]
    draft: bool
    language: str = "sv"


def format_period(start: date, end: date) -> str:
    """``"1 november 2021 – 30 april 2022"`` (en dash with spaces, as Swedish typography wants)."""
    return f"{format_date(start)} – {format_date(end)}"


def anchor_for(prefix: str, number: str) -> str:
    return f"{prefix}-{number.replace('.', '-')}"


def build_document(report_id: int, *, draft: bool) -> ReportDocument | None:
    """The report ``report_id`` as a document, or ``None`` if there is no such report."""
    outline = load_outline(report_id)
    if outline is None:
        return None
    report = outline.report

    partners: set[str] = set()
    chapters = []
    for chapter_view in outline.chapters:
        sections = []
        for section_view in chapter_view.sections:
            blocks = []
            for block in section_view.blocks:
                partners.add(block.unit.organisation.name)
                revision = block.current_revision
                html = revision.html if revision is not None and not block.is_empty else ""
                blocks.append(
                    DocBlock(
                        heading=JOINT_HEADING if block.joint else block.unit.name,
                        html=html,
                        empty=not html.strip(),
                    )
                )
            sections.append(
                DocSection(
                    number=section_view.number,
                    title=section_view.section.title,
                    anchor=anchor_for("avsn", section_view.number),
                    blocks=tuple(blocks),
                )
            )
        chapters.append(
            DocChapter(
                number=chapter_view.number,
                title=chapter_view.chapter.title,
                anchor=anchor_for("kap", chapter_view.number),
                sections=tuple(sections),
            )
        )

    return ReportDocument(
        report_id=report.id,
        title=report.title,
        period_start=report.period_start,
        period_end=report.period_end,
        period_label=format_period(report.period_start, report.period_end),
        partners=tuple(sorted(partners, key=swedish_sort_key)),
        chapters=tuple(chapters),
        draft=draft,
    )
