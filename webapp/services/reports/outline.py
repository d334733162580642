"""Creating reports from a template, and loading what the report pages show."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache, cached_property
from operator import itemgetter

from sqlalchemy import Row, bindparam, select, text
from sqlalchemy.orm import joinedload, load_only, selectinload

from webapp.extensions import db
from webapp.models import (
    AuditEvent,
    Block,
    BlockState,
    Report,
    ReportCapacity,
    ReportState,
    ReportTemplate,
    Revision,
    TemplateChapter,
    TemplateSection,
    Unit,
    User,
)
from webapp.permissions import unit_ids_of
from webapp.services import audit
from webapp.services.report_templates import copy_structure
from webapp.statistics.period_shift import DateShift, shift_entries


def assigned_units(section: TemplateSection, units: list[Unit], start: date, end: date) -> list[tuple[Unit, bool]]:
    """(unit, joint) pairs a section gets blocks for: its joint block first, then each unit's.

    Only active units get blocks: a deactivated responsible unit gets no joint block either.
    """
    pairs: list[tuple[Unit, bool]] = []
    if section.joint and section.responsible_unit is not None and section.responsible_unit.active:
        pairs.append((section.responsible_unit, True))
    candidates = [u for u in units if u.kind in section.unit_kinds] + list(section.named_units)
    chosen = {u.id: u for u in candidates if u.is_open_during(start, end)}
    pairs.extend((unit, False) for unit in sorted(chosen.values(), key=lambda u: u.name))
    return pairs


def create_report(
    report_template: ReportTemplate,
    *,
    title: str,
    period_start: date,
    period_end: date,
    deadline: date | None,
    created_by: User | None,
    previous_report: Report | None = None,
    carry_capacity: bool = False,
) -> Report:
    """A new open report with a draft block for every section × assigned unit.

    The report gets its own copy of the structure (``report_template`` may be a template
    or the previous report's structure), so later template edits never reach it. Night
    units' capacity comes from their schedules; with ``carry_capacity`` (a roll-over) from
    ``previous_report`` instead, moved forward by the distance between the periods and
    waiting "att bekräfta" until the unit confirms it.
    """
    if period_end < period_start:
        raise ValueError("Perioden slutar innan den börjar.")
    if carry_capacity and previous_report is None:
        raise ValueError("Capacity can only be carried over from a previous report.")
    structure = copy_structure(report_template, snapshot=True)
    report = Report(
        title=title,
        period_start=period_start,
        period_end=period_end,
        deadline=deadline,
        report_template=structure,
        previous_report=previous_report,
        state=ReportState.OPEN,
    )
    db.session.add(report)
    units = list(db.session.scalars(select(Unit).options(selectinload(Unit.capacity))))
    for chapter in structure.chapters:
        for section in chapter.sections:
            add_section_blocks(report, section, units)
    carried = (
        _carried_capacities(previous_report, period_start) if carry_capacity and previous_report is not None else {}
    )
    for unit in units:
        if unit.id in carried and unit.is_open_during(period_start, period_end):
            report.capacities.append(ReportCapacity(unit=unit, entries=carried[unit.id], carried_over=True))
        elif unit.capacity and unit.is_open_during(period_start, period_end):
            report.capacities.append(ReportCapacity(unit=unit, entries=schedule_entries(unit.schedule)))
    db.session.flush()
    audit.record(
        "report.created",
        user=created_by,
        report_id=report.id,
        to_state=ReportState.OPEN,
        details={
            "template_id": structure.based_on_id,
            "template_version": structure.based_on_version,
            "previous_report_id": previous_report.id if previous_report else None,
            "carried_capacities": len(carried),
        },
    )
    return report


def _carried_capacities(previous_report: Report, period_start: date) -> dict[int, list]:
    """unit id → the previous report's capacity entries, moved forward to the new period."""
    shift = DateShift.between(previous_report.period_start, period_start)
    return {capacity.unit_id: shift_entries(capacity.entries, shift) for capacity in previous_report.capacities}


def add_section_blocks(report: Report, section: TemplateSection, units: list[Unit]) -> list[Block]:
    """Draft blocks for every unit the section is assigned to (active units only)."""
    blocks = [
        Block(report=report, section=section, unit=unit, joint=joint)
        for unit, joint in assigned_units(section, units, report.period_start, report.period_end)
    ]
    db.session.add_all(blocks)
    return blocks


def schedule_entries(schedule) -> list[list]:
    """A capacity schedule as JSON: [[places, from | None, until | None], …]."""
    return [
        [
            entry.places,
            entry.from_date.isoformat() if entry.from_date else None,
            entry.until_date.isoformat() if entry.until_date else None,
        ]
        for entry in schedule
    ]


def _block_loading():
    return (
        joinedload(Block.unit).joinedload(Unit.organisation),
        joinedload(Block.section).joinedload(TemplateSection.chapter),
        joinedload(Block.current_revision).joinedload(Revision.author),
    )


def _last_edit_only():
    """Who saved the current revision and when (what a list row shows), never its body."""
    return (
        joinedload(Block.current_revision)
        .load_only(Revision.id, Revision.author_id, Revision.created_at)
        .joinedload(Revision.author)
        .load_only(User.id, User.name)
    )


def my_blocks(user: User) -> list[Block]:
    """The blocks of the user's units in open reports, ordered as the report reads: metadata
    (state, unit, section, report, who saved last and when, empty or not), no revision body."""
    unit_ids = sorted(unit_ids_of(user))  # kept in the session for the signed-in person: no query
    if not unit_ids:
        return []
    statement = (
        select(Block)
        .join(Block.report)
        .join(Block.section)
        .join(TemplateSection.chapter)
        .where(Block.unit_id.in_(unit_ids), Report.state == ReportState.OPEN)
        .options(
            joinedload(Block.unit),
            joinedload(Block.section).joinedload(TemplateSection.chapter),
            _last_edit_only(),
            joinedload(Block.report),
        )
        .order_by(Report.period_start.desc(), TemplateChapter.position, TemplateSection.position, Block.joint.desc())
    )
    return list(db.session.scalars(statement).unique())


def count_by_state(blocks: list[Block]) -> dict[str, int]:
    """How many of the blocks are in each state, in workflow order (states with none left out)."""
    counts = {state.value: 0 for state in BlockState}
    for block in blocks:
        counts[block.state] += 1
    return {state: n for state, n in counts.items() if n}


def list_reports() -> list[Report]:
    return list(db.session.scalars(select(Report).order_by(Report.period_start.desc())))


@dataclass
class SectionView:
    section: TemplateSection
    number: str
    blocks: list[Block] = field(default_factory=list)


@dataclass
class ChapterView:
    chapter: TemplateChapter
    number: str
    sections: list[SectionView] = field(default_factory=list)


@dataclass
class ReportOutline:
    report: Report
    chapters: list[ChapterView]

    @property
    def blocks(self) -> list[Block]:
        return [b for c in self.chapters for s in c.sections for b in s.blocks]

    def count(self, *states: BlockState) -> int:
        return sum(1 for block in self.blocks if block.state in states)

    @property
    def written_count(self) -> int:
        return sum(1 for block in self.blocks if not block.is_empty)


def load_report_structure(report_id: int) -> Report | None:
    """The report with its chapters and sections (no blocks), in three queries."""
    return db.session.get(
        Report,
        report_id,
        options=[
            joinedload(Report.report_template)
            .selectinload(ReportTemplate.chapters)
            .selectinload(TemplateChapter.sections)
        ],
    )


def arrange_outline(report: Report, by_section: Mapping[int, Iterable[Block]]) -> ReportOutline:
    """The report's chapters → sections → blocks, numbered as the document numbers them.

    A section is in it when ``by_section`` (section id → its blocks) names it; its blocks come
    joint text first, then by unit name. Every chapter is in it, with or without sections.
    """
    chapters = []
    for c_index, chapter in enumerate(report.report_template.chapters, start=1):
        chapter_view = ChapterView(chapter, str(c_index))
        for s_index, section in enumerate(chapter.sections, start=1):
            if section.id in by_section:
                section_blocks = sorted(by_section[section.id], key=lambda b: (not b.joint, b.unit.name))
                chapter_view.sections.append(SectionView(section, f"{c_index}.{s_index}", section_blocks))
        chapters.append(chapter_view)
    return ReportOutline(report, chapters)


def group_by_section(blocks: Iterable[Block]) -> dict[int, list[Block]]:
    """Section id → its blocks (only sections that have some)."""
    grouped: dict[int, list[Block]] = {}
    for block in blocks:
        grouped.setdefault(block.section_id, []).append(block)
    return grouped


def load_outline(report_id: int) -> ReportOutline | None:
    """The report's chapters → sections → blocks, in a fixed number of queries."""
    report = load_report_structure(report_id)
    if report is None:
        return None
    blocks = db.session.scalars(select(Block).where(Block.report_id == report.id).options(*_block_loading())).unique()
    return arrange_outline(report, group_by_section(blocks))


def load_block(block_id: int) -> Block | None:
    """A block with everything its page shows."""
    return db.session.get(Block, block_id, options=[*_block_loading(), joinedload(Block.report)])


def load_block_for_update(block_id: int) -> Block | None:
    """A block with just what saving needs: its report (locked?) and current revision."""
    return db.session.get(Block, block_id, options=[joinedload(Block.report), joinedload(Block.current_revision)])


# The block page lists this many of the newest revisions; "Visa alla" pages through the rest.
HISTORY_PAGE_SIZE = 20
# Each further page of the history ("Visa alla versioner") holds this many.
HISTORY_MORE_SIZE = 100


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """A version as the history lists it: number, time, author, comment (and its id, to tell the
    current one). Read as a plain row, never as a Revision: no body (Markdown, HTML, tables),
    and half the cost of loading Revisions (20 rows: 0.65 → 0.32 ms)."""

    id: int
    number: int
    created_at: datetime
    note: str
    author_name: str


@dataclass(frozen=True)
class HistoryPage:
    """A run of a block's versions, newest first, with the columns the list shows only."""

    revisions: list[HistoryRow]
    # Versions from this page's first down to version 1 (on the first page: all of them).
    total: int
    # The next page starts below this number; None when this page reaches version 1.
    more_before: int | None

    @property
    def remaining(self) -> int:
        return self.total - len(self.revisions) if self.more_before is not None else 0


@cache
def _listed_revisions():
    """What a history row shows (number, time, author, comment, current or not): never a
    revision's body (Markdown, HTML, tables), which would make the page grow with history.
    Built once: a statement with loader options took 0.5 ms to build, more than its query."""
    return (
        select(Revision.id, Revision.number, Revision.created_at, Revision.note, User.name)
        .join(User, User.id == Revision.author_id)
        .order_by(Revision.number.desc())
    )


def block_history(block: Block, *, before: int | None = None, limit: int = HISTORY_PAGE_SIZE) -> HistoryPage:
    """The block's newest ``limit`` revisions (below number ``before`` if given), newest first.

    Paged by revision number, not by offset, so a version saved meanwhile is never listed twice.
    One query whatever the history: a block's versions are numbered 1, 2, 3 … and never deleted
    (blocks.saving adds each as the current one's number + 1; the pair is unique), so the page's
    first number is how many versions there are from it down to version 1, without a COUNT.
    """
    statement = _listed_revisions().where(Revision.block_id == block.id).limit(limit + 1)
    if before is not None:
        statement = statement.where(Revision.number < before)
    revisions = [HistoryRow(*row) for row in db.session.execute(statement)]
    if len(revisions) <= limit:
        return HistoryPage(revisions, len(revisions), None)
    revisions = revisions[:limit]
    return HistoryPage(revisions, revisions[0].number, revisions[-1].number)


def load_revision(block: Block, number: int) -> Revision | None:
    """One revision of the block by its number, with its author."""
    return db.session.scalars(
        select(Revision)
        .where(Revision.block_id == block.id, Revision.number == number)
        .options(joinedload(Revision.author))
    ).first()


def preceding_revision(block: Block, number: int) -> Revision | None:
    """The revision before number ``number`` (what its diff compares with), by one keyed query."""
    return db.session.scalars(
        select(Revision)
        .where(Revision.block_id == block.id, Revision.number < number)
        .options(load_only(Revision.id, Revision.number, Revision.source, Revision.tables))
        .order_by(Revision.number.desc())
        .limit(1)
    ).first()


def previous_period_block(block: Block, *, tables: bool = True) -> Block | None:
    """The same section and unit in the report of the period before, if there is one.

    With ``tables`` loaded for computing its statistics tables (its section, report and the
    report's capacities); without, only its text, which is all a block without tables shows
    of it (the block page's "förra perioden"): one query instead of two.
    """
    previous_id = block.report.previous_report_id
    if previous_id is None:
        return None
    # Each report owns a copy of its structure: the same section is the same key.
    return db.session.scalars(
        _previous_block_statement(tables).where(
            Block.report_id == previous_id,
            TemplateSection.key == block.section.key,
            Block.unit_id == block.unit_id,
            Block.joint == block.joint,
        )
    ).first()


@cache
def _previous_block_statement(tables: bool):
    """Built once per kind (its loader options took 0.4 ms to build, per request)."""
    loading = (
        (
            joinedload(Block.current_revision),
            joinedload(Block.section),
            joinedload(Block.report).selectinload(Report.capacities),
        )
        if tables
        else (joinedload(Block.current_revision).load_only(Revision.id, Revision.html),)
    )
    return select(Block).join(Block.section).options(*loading)


@dataclass(frozen=True)
class ProgressMatrix:
    """Sections × units, each cell the unit's block in that section (or None)."""

    units: tuple[Unit, ...]
    rows: tuple[tuple[SectionView, tuple[Block | None, ...]], ...]


def progress_matrix(outline: ReportOutline) -> ProgressMatrix:
    units = {b.unit.id: b.unit for b in outline.blocks if not b.joint}
    ordered = tuple(sorted(units.values(), key=lambda u: (u.kind != "night", u.kind, u.name)))
    rows = []
    for chapter in outline.chapters:
        for section in chapter.sections:
            by_unit = {b.unit_id: b for b in section.blocks if not b.joint}
            rows.append((section, tuple(by_unit.get(u.id) for u in ordered)))
    return ProgressMatrix(ordered, tuple(rows))


@dataclass(frozen=True, slots=True)
class ListedOrganisation:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class ListedUnit:
    id: int
    name: str
    organisation: ListedOrganisation


@dataclass(frozen=True, slots=True)
class ListedBlock:
    """What a list of many blocks shows of one: never its revisions. Read as plain rows (as are
    its unit and organisation), so 800 blocks cost no ORM objects."""

    id: int
    section_id: int
    unit_id: int
    unit: ListedUnit
    joint: bool
    state: BlockState
    is_empty: bool


@dataclass(frozen=True)
class ProgressSection:
    section: TemplateSection
    number: str
    blocks: tuple[ListedBlock, ...]


@dataclass(frozen=True)
class ReportProgress:
    """The report's chapters → sections → blocks as the overview shows them: states only."""

    report: Report
    chapters: tuple[tuple[ChapterView, tuple[ProgressSection, ...]], ...]

    @cached_property
    def blocks(self) -> list[ListedBlock]:
        return [b for _chapter, sections in self.chapters for s in sections for b in s.blocks]

    @cached_property
    def totals(self) -> StateCounts:
        tally = _Tally()
        for block in self.blocks:
            tally.add(block.state, block.is_empty, 1, 0)
        return tally.counts()


def _report_progress_structure(report_id: int) -> Report | None:
    return db.session.get(
        Report,
        report_id,
        options=[
            joinedload(Report.report_template)
            .selectinload(ReportTemplate.chapters)
            .selectinload(TemplateChapter.sections)
        ],
    )


@dataclass(frozen=True)
class ReportUnits:
    """The units with a block in the report, with their organisations, as plain rows."""

    by_id: Mapping[int, ListedUnit]
    writing: frozenset[int]  # the units with a block of their own (not only a joint text)


# Each unit with a block in the report, its organisation, and whether it has a block of its own
# (not only a joint text it is responsible for). Plain SQL: the statement is built once.
_REPORT_UNITS = text(
    "SELECT u.id, u.name, o.id, o.name, max(CASE WHEN b.joint THEN 0 ELSE 1 END) "
    "FROM blocks b JOIN units u ON u.id = b.unit_id JOIN organisations o ON o.id = u.organisation_id "
    "WHERE b.report_id = :report_id GROUP BY u.id, u.name, o.id, o.name"
)


def _report_units(report_id: int) -> ReportUnits:
    organisations: dict[int, ListedOrganisation] = {}
    units: dict[int, ListedUnit] = {}
    writing = set()
    for unit_id, unit_name, organisation_id, organisation_name, writes in db.session.execute(
        _REPORT_UNITS, {"report_id": report_id}
    ).all():
        organisation = organisations.get(organisation_id)
        if organisation is None:
            organisation = organisations[organisation_id] = ListedOrganisation(organisation_id, organisation_name)
        units[unit_id] = ListedUnit(unit_id, unit_name, organisation)
        if writes:
            writing.add(unit_id)
    return ReportUnits(units, frozenset(writing))


def _arrange_progress(report: Report, units: Mapping[int, ListedUnit], rows: Iterable[Row]) -> ReportProgress:
    """``rows``: (id, section id, unit id, joint, state, is_empty, …) per block."""
    states = {state.value: state for state in BlockState}
    by_section: dict[int, list[tuple[tuple[bool, str], ListedBlock]]] = {}
    for block_id, section_id, unit_id, joint, state, is_empty, *_rest in rows:
        unit = units[unit_id]
        block = ListedBlock(block_id, section_id, unit_id, unit, bool(joint), states[state], bool(is_empty))
        # Joint text first, then by unit name, as the document reads.
        by_section.setdefault(section_id, []).append(((not joint, unit.name), block))
    chapters = tuple(
        (
            chapter,
            tuple(
                ProgressSection(
                    section, number, tuple(b for _key, b in sorted(by_section[section.id], key=itemgetter(0)))
                )
                for section, number in sections
            ),
        )
        for chapter, sections in _numbered_sections(report, by_section)
    )
    return ReportProgress(report, chapters)


def _numbered_sections(
    report: Report, present: Collection[int]
) -> Iterator[tuple[ChapterView, list[tuple[TemplateSection, str]]]]:
    """Each chapter with those of its sections in ``present`` (ids), numbered as the document is."""
    for c_index, chapter in enumerate(report.report_template.chapters, start=1):
        sections = [
            (section, f"{c_index}.{s_index}")
            for s_index, section in enumerate(chapter.sections, start=1)
            if section.id in present
        ]
        yield ChapterView(chapter, str(c_index)), sections


def _block_rows(report_id: int) -> Sequence[Row]:
    # Plain SQL: the same rows through select() cost twice as much (result processing per row).
    return db.session.execute(
        text("SELECT id, section_id, unit_id, joint, state, is_empty FROM blocks WHERE report_id = :report_id"),
        {"report_id": report_id},
    ).all()


# Up to this many units the overview's matrix shows every unit; above it, the overview shows the
# progress per section and per organisation (counted by the database), each organisation
# expandable to its own matrix.
MATRIX_UNIT_COLUMNS = 24


@dataclass(frozen=True)
class CellLook:
    """What a cell shows, apart from where it links: many cells look alike, so the matrix
    renders each distinct look once (see templates/reports/_matrix.html)."""

    state: str
    empty: bool = False
    open_threads: int = 0


@dataclass(frozen=True, slots=True)
class MatrixCell:
    """One unit's block in a section."""

    look: CellLook
    block_id: int


@dataclass(frozen=True)
class MatrixGroup:
    """An organisation's columns: one per unit."""

    organisation: ListedOrganisation
    units: tuple[ListedUnit, ...]

    @property
    def width(self) -> int:
        return len(self.units)


@dataclass(frozen=True)
class MatrixRow:
    section: ProgressSection
    # The joint text's column first (when the matrix has one), then the groups' columns in order;
    # None: no block there.
    cells: tuple[MatrixCell | None, ...]


@dataclass(frozen=True)
class OverviewMatrix:
    """Sections (by chapter) × units grouped by organisation."""

    groups: tuple[MatrixGroup, ...]
    chapters: tuple[tuple[ChapterView, tuple[MatrixRow, ...]], ...]
    has_joint: bool

    @property
    def width(self) -> int:
        return 1 + int(self.has_joint) + sum(group.width for group in self.groups)

    def looks(self) -> set[CellLook]:
        """Each distinct look of the matrix's cells."""
        return {cell.look for _chapter, rows in self.chapters for row in rows for cell in row.cells if cell}


def _unit_cell(block: ListedBlock | None, open_threads: Mapping[int, int]) -> MatrixCell | None:
    if block is None:
        return None
    return MatrixCell(CellLook(block.state, block.is_empty, open_threads.get(block.id, 0)), block.id)


def overview_matrix(outline: ReportProgress, open_threads: Mapping[int, int]) -> OverviewMatrix:
    """Sections × units grouped under their organisations, with a joint column when any section
    has a joint text. ``open_threads``: block id → open comment threads."""
    units = {block.unit_id: block.unit for block in outline.blocks if not block.joint}
    by_organisation: dict[int, list[ListedUnit]] = {}
    for unit in units.values():
        by_organisation.setdefault(unit.organisation.id, []).append(unit)
    groups = tuple(
        sorted(
            (
                MatrixGroup(members[0].organisation, tuple(sorted(members, key=lambda u: u.name)))
                for members in by_organisation.values()
            ),
            key=lambda group: group.organisation.name,
        )
    )
    chapters = []
    has_joint = any(block.joint for block in outline.blocks)
    for chapter, sections in outline.chapters:
        rows = []
        for section in sections:
            joint: ListedBlock | None = None
            by_unit: dict[int, ListedBlock] = {}
            for block in section.blocks:
                if block.joint:
                    joint = block
                else:
                    by_unit[block.unit_id] = block
            cells: list[MatrixCell | None] = [_unit_cell(joint, open_threads)] if has_joint else []
            for group in groups:
                cells.extend(_unit_cell(by_unit.get(unit.id), open_threads) for unit in group.units)
            rows.append(MatrixRow(section, tuple(cells)))
        if rows:
            chapters.append((chapter, tuple(rows)))
    return OverviewMatrix(groups, tuple(chapters), has_joint)


# Most advanced first: the order in which the overview counts and draws its bars.
PROGRESS_STATES = tuple(
    state.value for state in (BlockState.APPROVED, BlockState.SUBMITTED, BlockState.CHANGES_REQUESTED, BlockState.DRAFT)
)


@dataclass(frozen=True)
class StateCounts:
    """Blocks counted by state, with how many of them are empty and their open comment threads."""

    by_state: Mapping[str, int]  # every state (its value), 0 when none
    empty: int = 0
    open_threads: int = 0

    @cached_property
    def total(self) -> int:
        return sum(self.by_state.values())

    @property
    def written(self) -> int:
        return self.total - self.empty

    def count(self, *states: str) -> int:
        return sum(self.by_state[state] for state in states)

    @cached_property
    def ordered(self) -> tuple[int, ...]:
        """The counts in PROGRESS_STATES order."""
        return tuple(self.by_state[state] for state in PROGRESS_STATES)

    @cached_property
    def segments(self) -> list[tuple[str, int, int]]:
        """(state, start, count) for each state some block is in, in PROGRESS_STATES order: a bar."""
        segments, start = [], 0
        for state in PROGRESS_STATES:
            if n := self.by_state[state]:
                segments.append((state, start, n))
                start += n
        return segments

    def states(self) -> list[StateOnly]:
        """One row per block, its state only (what report decisions count)."""
        return [row for state, n in self.by_state.items() for row in [_STATE_ONLY[state]] * n]


@dataclass(frozen=True, slots=True)
class StateOnly:
    state: str


_STATE_ONLY = {state.value: StateOnly(state.value) for state in BlockState}


_STATE_VALUES = tuple(state.value for state in BlockState)


class _Tally:
    def __init__(self) -> None:
        self.by_state = dict.fromkeys(_STATE_VALUES, 0)
        self.empty = 0
        self.open_threads = 0

    def add(self, state: str, is_empty: bool, blocks: int, open_threads: int) -> None:
        self.by_state[state] += blocks
        self.empty += blocks if is_empty else 0
        self.open_threads += open_threads

    def counts(self) -> StateCounts:
        return StateCounts(self.by_state, self.empty, self.open_threads)


@dataclass(frozen=True, slots=True)
class JointText:
    """A section's joint text, as its row in the overview shows it."""

    block_id: int
    state: str
    is_empty: bool
    open_threads: int


@dataclass(frozen=True)
class SectionCounts:
    section: TemplateSection
    number: str
    counts: StateCounts  # every block of the section, the joint text's too
    joint: JointText | None  # when the section has one joint text


@dataclass(frozen=True)
class OrganisationCounts:
    organisation: ListedOrganisation
    units: tuple[ListedUnit, ...]
    counts: StateCounts  # its units' own blocks
    matrix: OverviewMatrix | None  # sections × its units, when expanded


@dataclass(frozen=True)
class GroupedProgress:
    """The overview of a report with more units than one matrix can show: counts per section and
    per organisation, from the database's aggregates, and the expanded organisations' matrices."""

    report: Report
    chapters: tuple[tuple[ChapterView, tuple[SectionCounts, ...]], ...]
    organisations: tuple[OrganisationCounts, ...]

    @cached_property
    def totals(self) -> StateCounts:
        tally = _Tally()
        for _chapter, sections in self.chapters:
            for section in sections:
                for state, n in section.counts.by_state.items():
                    tally.by_state[state] += n
                tally.empty += section.counts.empty
                tally.open_threads += section.counts.open_threads
        return tally.counts()

    @property
    def expanded(self) -> frozenset[int]:
        return frozenset(o.organisation.id for o in self.organisations if o.matrix is not None)


_OPEN_THREADS_JOIN = "LEFT JOIN comments c ON c.block_id = b.id AND c.parent_id IS NULL AND c.resolved_at IS NULL"
_SECTION_COUNTS = text(
    "SELECT b.section_id, b.joint, b.state, b.is_empty, count(DISTINCT b.id), count(c.id), max(b.id) "
    f"FROM blocks b {_OPEN_THREADS_JOIN} WHERE b.report_id = :report_id "
    "GROUP BY b.section_id, b.joint, b.state, b.is_empty"
)
_ORGANISATION_COUNTS = text(
    "SELECT u.organisation_id, b.state, b.is_empty, count(DISTINCT b.id), count(c.id) "
    f"FROM blocks b JOIN units u ON u.id = b.unit_id {_OPEN_THREADS_JOIN} "
    "WHERE b.report_id = :report_id AND NOT b.joint GROUP BY u.organisation_id, b.state, b.is_empty"
)
_ORGANISATION_BLOCKS = text(
    "SELECT b.id, b.section_id, b.unit_id, b.joint, b.state, b.is_empty, count(c.id) "
    f"FROM blocks b JOIN units u ON u.id = b.unit_id {_OPEN_THREADS_JOIN} "
    "WHERE b.report_id = :report_id AND NOT b.joint AND u.organisation_id IN :organisations "
    "GROUP BY b.id, b.section_id, b.unit_id, b.joint, b.state, b.is_empty"
).bindparams(bindparam("organisations", expanding=True))


def load_overview(
    report_id: int, expanded: Collection[int] = (), *, sections: bool = True
) -> ReportProgress | GroupedProgress | None:
    """What the overview shows of the report's progress. Up to MATRIX_UNIT_COLUMNS units: every
    block's state, unit and empty flag, as plain rows. Above: blocks counted per section (unless not
    ``sections``) and per organisation by the database, and the blocks of the organisations in
    ``expanded`` only. Never a revision; the same number of queries at any size (one more when
    some organisation is expanded)."""
    report = _report_progress_structure(report_id)
    if report is None:
        return None
    units = _report_units(report.id)
    if len(units.writing) <= MATRIX_UNIT_COLUMNS:
        return _arrange_progress(report, units.by_id, _block_rows(report.id))
    return GroupedProgress(
        report,
        _section_counts(report) if sections else (),
        _organisation_counts(report, units, frozenset(expanded)),
    )


def _section_counts(report: Report) -> tuple[tuple[ChapterView, tuple[SectionCounts, ...]], ...]:
    tallies: dict[int, _Tally] = {}
    joint_texts: dict[int, list[JointText]] = {}
    for section_id, joint, state, is_empty, blocks, open_threads, last_id in db.session.execute(
        _SECTION_COUNTS, {"report_id": report.id}
    ).all():
        if section_id not in tallies:
            tallies[section_id] = _Tally()
        tallies[section_id].add(state, bool(is_empty), blocks, open_threads)
        if joint:  # one block in its group when the section has one joint text: max(id) is its id
            joint_texts.setdefault(section_id, []).extend(
                [JointText(last_id, state, bool(is_empty), open_threads)] * blocks
            )
    return tuple(
        (
            chapter,
            tuple(
                SectionCounts(
                    section,
                    number,
                    tallies[section.id].counts(),
                    joints[0] if len(joints := joint_texts.get(section.id, [])) == 1 else None,
                )
                for section, number in sections
            ),
        )
        for chapter, sections in _numbered_sections(report, tallies)
        if sections
    )


def _organisation_counts(
    report: Report, units: ReportUnits, expanded: frozenset[int]
) -> tuple[OrganisationCounts, ...]:
    members: dict[int, list[ListedUnit]] = {}
    for unit_id in units.writing:
        unit = units.by_id[unit_id]
        members.setdefault(unit.organisation.id, []).append(unit)
    tallies: dict[int, _Tally] = {}
    for organisation_id, state, is_empty, blocks, open_threads in db.session.execute(
        _ORGANISATION_COUNTS, {"report_id": report.id}
    ).all():
        if organisation_id not in tallies:
            tallies[organisation_id] = _Tally()
        tallies[organisation_id].add(state, bool(is_empty), blocks, open_threads)
    matrices = organisation_matrices(report, units, expanded & members.keys())
    return tuple(
        sorted(
            (
                OrganisationCounts(
                    group[0].organisation,
                    tuple(sorted(group, key=lambda u: u.name)),
                    tallies[organisation_id].counts(),
                    matrices.get(organisation_id),
                )
                for organisation_id, group in members.items()
            ),
            key=lambda o: o.organisation.name,
        )
    )


def organisation_matrices(
    report: Report, units: ReportUnits, organisation_ids: Collection[int]
) -> dict[int, OverviewMatrix]:
    """Each named organisation's matrix (sections × its units), from its own blocks only."""
    if not organisation_ids:
        return {}
    rows = db.session.execute(
        _ORGANISATION_BLOCKS, {"report_id": report.id, "organisations": sorted(organisation_ids)}
    ).all()
    open_threads = {row[0]: row[6] for row in rows if row[6]}
    by_organisation: dict[int, list] = {}
    for row in rows:
        by_organisation.setdefault(units.by_id[row[2]].organisation.id, []).append(row)
    return {
        organisation_id: overview_matrix(_arrange_progress(report, units.by_id, own_rows), open_threads)
        for organisation_id, own_rows in by_organisation.items()
    }


def activity(
    report_id: int, *, block_id: int | None = None, action: str | None = None, limit: int = 200
) -> list[AuditEvent]:
    """The report's (or one block's) audit events, newest first."""
    statement = (
        select(AuditEvent)
        .where(AuditEvent.report_id == report_id)
        .options(
            joinedload(AuditEvent.user),
            joinedload(AuditEvent.block).joinedload(Block.section),
            joinedload(AuditEvent.block).joinedload(Block.unit),
        )
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(limit)
    )
    if block_id is not None:
        statement = statement.where(AuditEvent.block_id == block_id)
    if action:
        statement = statement.where(AuditEvent.action == action)
    return list(db.session.scalars(statement))
