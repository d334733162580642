"""The report as a document: plain, frozen data that the templates and the PDF render.

The document is built from a loaded outline (chapters → sections → blocks) and the tables
computed from it, both handed in by ``webapp.services.reports.documents``: this package never
touches the database or the services. Block bodies are the revisions' stored HTML, which
``webapp.content`` has already sanitized.

Statistics tables are computed from each block's current revision (never stored as
truth) and travel to the templates as ``DocTable``: the ``ComputedTable`` itself,
which ``templates/statistics/_table.html`` renders, plus a caption, the cell notes and
the charts (inline SVG from ``webapp.document.charts``). Joint tables (all night units'
occupancy per month, all day units' visits) stand at the top of their section, with
the units that have not reported named in a note.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date

from markupsafe import Markup

from webapp.document.charts import (
    gender_bars_svg,
    gender_text_alternative,
    month_categories,
    occupancy_svg,
    occupancy_text_alternative,
)
from webapp.statistics.cells import TableData
from webapp.statistics.compute import ComputedTable
from webapp.statistics.formatting import format_date, swedish_sort_key
from webapp.statistics.periods import parse_month_key
from webapp.statistics.specs import RowSource
from webapp.statistics.tables import BlockTable, SectionJointTable

JOINT_HEADING = "Gemensam text"
ALL_UNITS = {"night": "alla nattverksamheter", "day": "alla dagverksamheter"}
JOINT_TITLES = {"visits": "Besök per verksamhet under perioden"}  # a unit summary, not months
NOBODY_REPORTED = "Ingen verksamhet har rapporterat ännu."


@dataclass(frozen=True)
class DocumentTables:
    """The computed tables the document shows: block id → its tables, section id → joint tables."""

    blocks: Mapping[int, tuple[BlockTable, ...]]
    joints: Mapping[int, tuple[SectionJointTable, ...]]


@dataclass(frozen=True)
class DocChart:
    """An inline SVG chart and its Swedish text alternative (the figure's caption)."""

    svg: Markup
    text: str


@dataclass(frozen=True)
class DocTable:
    """One statistics table as the document shows it.

    ``table`` is the engine's ComputedTable; ``filled`` says whether anything has been
    entered (an untouched table is left out of the document); ``notes`` are the writer's
    cell notes ("Erbjudna sängplatser, december 2022: …") or, for a joint table, who has
    not reported what.
    """

    caption: str
    table: ComputedTable
    anchor: str = ""  # the table's id in the page (its caption's id is anchor + "-caption")
    charts: tuple[DocChart, ...] = ()
    notes: tuple[str, ...] = ()
    filled: bool = True
    joint: bool = False

    @property
    def spec(self):
        return self.table.spec


@dataclass(frozen=True)
class DocBlock:
    heading: str
    html: str
    empty: bool
    tables: tuple[DocTable, ...] = ()
    unfilled_tables: tuple[str, ...] = ()  # titles of the block's tables nothing is entered in


@dataclass(frozen=True)
class DocSection:
    number: str
    title: str
    anchor: str
    blocks: tuple[DocBlock, ...]
    joint_tables: tuple[DocTable, ...] = ()


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
    # One section only, without cover and contents: a writer's preview of their part.
    excerpt: bool = False


def format_period(start: date, end: date) -> str:
    """``"1 november 2021 – 30 april 2022"`` (en dash with spaces, as Swedish typography wants)."""
    return f"{format_date(start)} – {format_date(end)}"


def anchor_for(prefix: str, number: str) -> str:
    return f"{prefix}-{number.replace('.', '-')}"


_HEADER_CELL_WITHOUT_SCOPE = re.compile(r"<th(?![^>]*\sscope=)(?=[\s>])")


def with_header_scope(html: str) -> str:
    """A writer's Markdown tables with ``scope="col"`` on their header cells.

    Markdown makes header cells only in a table's first row (raw HTML is off and nh3 keeps
    nothing else), so every ``<th>`` in a block heads a column; saying so lets screen readers
    and the PDF's tags tie each cell to its header.
    """
    return _HEADER_CELL_WITHOUT_SCOPE.sub('<th scope="col"', html)


# ------------------------------------------------------------------ charts


def _number(figure) -> int | float | None:
    return figure.number if figure.is_number else None


def table_charts(
    table: ComputedTable, *, subject: str = "", id_prefix: str = "diagram", gender_too: bool = False
) -> tuple[DocChart, ...]:
    """The chart the table's spec asks for, as ``DocChart`` (none, one, or two).

    ``spec.chart == "occupancy"``: occupancy per month; ``"gender_bars"``: women and
    men per month (visits). ``gender_too`` adds women and men per month to an occupancy
    chart (the joint night table, where the section is about gender). Only tables with a
    row per month get a chart, and only when some month has a figure to draw.

    The chart shows a short title (the table's caption stands right above it); its text
    alternative – the SVG's ``<desc>`` and the figure's caption – names ``subject``
    ("Stadsmissionens nattverksamhet") too. ``id_prefix`` keeps the SVG ids unique.
    """
    spec = table.spec
    if spec.chart is None or spec.row_source is not RowSource.MONTHS or not table.rows:
        return ()
    months = [parse_month_key(row.key) for row in table.rows]
    if any(month is None for month in months):
        return ()
    categories = month_categories(month for _, month in months)  # type: ignore[misc]
    suffix = f", {subject}" if subject else ""
    charts = []
    if spec.chart == "occupancy" and spec.column("occupancy") is not None:
        percents = [_number(row["occupancy"]) for row in table.rows]
        if any(p is not None for p in percents):
            title = "Beläggning per månad"
            text = occupancy_text_alternative(title=title + suffix, categories=categories, percents=percents)
            charts.append(
                DocChart(
                    occupancy_svg(
                        title=title,
                        categories=categories,
                        percents=percents,
                        description=text,
                        chart_id=f"{id_prefix}-belaggning",
                    ),
                    text,
                )
            )
    wants_gender = spec.chart == "gender_bars" or (spec.chart == "occupancy" and gender_too)
    if wants_gender and spec.column("women") is not None and spec.column("men") is not None:
        women = [_number(row["women"]) for row in table.rows]
        men = [_number(row["men"]) for row in table.rows]
        if any(v is not None for v in (*women, *men)):
            title = f"{'Gästnätter' if spec.kind == 'occupancy' else 'Besök'} per månad, kvinnor och män"
            text = gender_text_alternative(title=title + suffix, categories=categories, women=women, men=men)
            charts.append(
                DocChart(
                    gender_bars_svg(
                        title=title,
                        categories=categories,
                        women=women,
                        men=men,
                        description=text,
                        chart_id=f"{id_prefix}-kon",
                    ),
                    text,
                )
            )
    return tuple(charts)


# ------------------------------------------------------------------ tables


def is_filled(data: TableData) -> bool:
    """Whether anything at all has been entered in the table."""
    return bool(data.figures) or any(not row.is_blank for row in data.rows)


def cell_notes(table: ComputedTable, data: TableData) -> tuple[str, ...]:
    """The writer's notes on cells, as sentences under the table, in table order."""
    if not data.notes:
        return ()
    notes = []
    for row in table.rows:
        for column in table.spec.columns:
            text = data.note(row.key, column.key)
            if text:
                label = row.label.lower() if table.spec.row_source is RowSource.MONTHS else row.label
                where = row.label if len(table.spec.columns) == 1 else f"{column.full_label}, {label}"
                notes.append(f"{where}: {text}")
    return tuple(notes)


def _doc_tables(
    views: Iterable[BlockTable], subject: str, id_prefix: str
) -> tuple[tuple[DocTable, ...], tuple[str, ...]]:
    shown, unfilled = [], []
    for view in views:
        if not is_filled(view.data):
            unfilled.append(view.spec.title)
            continue
        shown.append(
            DocTable(
                caption=f"{view.spec.title}, {subject}" if subject else view.spec.title,
                table=view.computed,
                anchor=f"tabell-{id_prefix}-{view.spec.key}",
                charts=table_charts(view.computed, subject=subject, id_prefix=f"diagram-{id_prefix}-{view.spec.key}"),
                notes=cell_notes(view.computed, view.data),
            )
        )
    return tuple(shown), tuple(unfilled)


def all_units(unit_kinds: Iterable[str]) -> str:
    """'alla nattverksamheter' for a section of night units, and so on."""
    kinds = set(unit_kinds)
    kind = next(iter(kinds)) if len(kinds) == 1 else None
    return ALL_UNITS.get(kind, "alla verksamheter")  # type: ignore[arg-type]


def joint_caption(spec, unit_kinds: Iterable[str]) -> str:
    """'Beläggning per månad, alla nattverksamheter'."""
    return f"{JOINT_TITLES.get(spec.kind, spec.title)}, {all_units(unit_kinds)}"


def _joint_doc_tables(section, joint_tables: Iterable[SectionJointTable], id_prefix: str) -> tuple[DocTable, ...]:
    result = []
    for joint_table in joint_tables:
        joint = joint_table.joint
        nobody = bool(joint.gaps) and len(joint.gaps) == len(joint.units) and all(gap.whole_table for gap in joint.gaps)
        kinds = section.unit_kinds or ()
        result.append(
            DocTable(
                caption=joint_caption(joint_table.spec, kinds),
                table=joint.table,
                anchor=f"tabell-{id_prefix}-{joint_table.spec.key}",
                charts=()
                if nobody
                else table_charts(
                    joint.table,
                    subject=all_units(kinds),
                    id_prefix=f"diagram-{id_prefix}-{joint_table.spec.key}",
                    gender_too=True,
                ),
                notes=(NOBODY_REPORTED,) if nobody else joint.messages,
                filled=not nobody,
                joint=True,
            )
        )
    return tuple(result)


# ------------------------------------------------------------------ the document


def section_excerpt(document: ReportDocument) -> ReportDocument | None:
    """The document cut down to its sections (built with ``only_section``) as an excerpt: no
    cover, no contents. ``None`` if no section is left (a section without blocks is not part of
    the document either)."""
    if not any(chapter.sections for chapter in document.chapters):
        return None
    return replace(document, chapters=tuple(c for c in document.chapters if c.sections), excerpt=True)


def document_from_outline(
    outline, computed: DocumentTables, *, draft: bool, only_section: int | None = None
) -> ReportDocument:
    """The report of ``outline`` (``webapp.services.reports.ReportOutline``) as a document;
    with ``only_section``, only that section is filled in (see ``section_excerpt``)."""
    report = outline.report
    partners: set[str] = set()
    chapters = []
    for chapter_view in outline.chapters:
        sections = []
        for section_view in chapter_view.sections:
            if only_section is not None and section_view.section.id != only_section:
                continue
            blocks = []
            anchor = anchor_for("avsn", section_view.number)
            for index, block in enumerate(section_view.blocks, start=1):
                partners.add(block.unit.organisation.name)
                revision = block.current_revision
                html = with_header_scope(revision.html) if revision is not None and not block.is_empty else ""
                heading = JOINT_HEADING if block.joint else block.unit.name
                tables, unfilled = _doc_tables(
                    computed.blocks.get(block.id, ()), "" if block.joint else block.unit.name, f"{anchor}-{index}"
                )
                blocks.append(
                    DocBlock(
                        heading=heading,
                        html=html,
                        empty=not html.strip() and not tables,
                        tables=tables,
                        unfilled_tables=unfilled,
                    )
                )
            sections.append(
                DocSection(
                    number=section_view.number,
                    title=section_view.section.title,
                    anchor=anchor,
                    blocks=tuple(blocks),
                    joint_tables=_joint_doc_tables(
                        section_view.section, computed.joints.get(section_view.section.id, ()), f"{anchor}-gemensam"
                    ),
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
