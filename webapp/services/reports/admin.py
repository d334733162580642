"""Reports and periods, as the admin keeps them.

Create a report from a template or roll the previous report over into the next period,
change a report's settings, add a section to an open report, see which blocks exist and
move a block that nobody has started on to another unit. Every change is recorded in the
activity log. Invalid input raises ReportInputError (all problems at once, per field);
a change the report's state forbids raises StateForbids.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from webapp.extensions import db
from webapp.i18n import N_
from webapp.input_errors import InputProblem, InputRefused
from webapp.models import (
    Block,
    BlockDraft,
    BlockState,
    Report,
    ReportCapacity,
    ReportTemplate,
    Revision,
    TemplateChapter,
    TemplateSection,
    Unit,
    UnitKind,
    User,
)
from webapp.permissions import StateForbids
from webapp.services import audit, reports
from webapp.statistics.period_shift import ONE_DAY, DateShift, add_months, following_period, shift_entries

MAX_TITLE = 300
MAX_GUIDANCE = 20_000
MAX_PERIOD_DAYS = 731  # two years: anything longer is a typo in a year
DEADLINE_GRACE = timedelta(days=366)  # a deadline more than a year after the period is a typo too


class ReportInputError(InputRefused):
    """The input was refused; ``problems`` name each field and why. Nothing has been changed."""


class _Problems:
    def __init__(self) -> None:
        self.items: list[InputProblem] = []

    def add(self, field_name: str, message: str, **params: object) -> None:
        self.items.append(InputProblem(field_name, message, params))

    def raise_any(self) -> None:
        if self.items:
            raise ReportInputError(problems=self.items)


# --- the list ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportRow:
    report: Report
    counts: dict[str, int]  # block state → number of blocks, in workflow order
    total: int
    capacities_to_confirm: int


def report_rows() -> list[ReportRow]:
    """Every report, newest period first, with its blocks by state (three queries in all)."""
    all_reports = reports.list_reports()
    counts: dict[int, dict[str, int]] = {}
    for report_id, state, n in db.session.execute(
        select(Block.report_id, Block.state, func.count()).group_by(Block.report_id, Block.state)
    ):
        counts.setdefault(report_id, {})[state] = n
    waiting = dict(
        db.session.execute(
            select(ReportCapacity.report_id, func.count())
            .where(ReportCapacity.carried_over.is_(True), ReportCapacity.confirmed_at.is_(None))
            .group_by(ReportCapacity.report_id)
        )
        .tuples()
        .all()
    )
    rows = []
    for report in all_reports:
        by_state = counts.get(report.id, {})
        ordered = {state.value: by_state[state.value] for state in BlockState if by_state.get(state.value)}
        rows.append(ReportRow(report, ordered, sum(ordered.values()), waiting.get(report.id, 0)))
    return rows


def selectable_templates() -> list[ReportTemplate]:
    """Templates a new report may be created from: not a report's own copy, not retired."""
    return list(
        db.session.scalars(
            select(ReportTemplate)
            .where(ReportTemplate.snapshot.is_(False), ReportTemplate.retired.is_(False))
            .order_by(ReportTemplate.name)
        )
    )


def latest_report() -> Report | None:
    return db.session.scalars(select(Report).order_by(Report.period_start.desc(), Report.id.desc())).first()


# --- periods and defaults ------------------------------------------------------------------------


def default_title(period_start: date, period_end: date) -> str:
    return f"Verksamhetsrapport {period_start.isoformat()} – {period_end.isoformat()}"


@dataclass(frozen=True)
class PeriodDefaults:
    period_start: date
    period_end: date
    deadline: date

    @property
    def title(self) -> str:
        return default_title(self.period_start, self.period_end)


def defaults_after(previous: Report | None, today: date | None = None) -> PeriodDefaults:
    """The period after ``previous`` (keeping the reports' rhythm), its deadline moved along with it.

    With no report yet: the half-year from the first of next month, due a month after it ends.
    """
    if previous is None:
        start = add_months((today or date.today()).replace(day=1), 1)
        end = add_months(start, 6) - ONE_DAY
        return PeriodDefaults(start, end, add_months(end + ONE_DAY, 1) - ONE_DAY)
    earlier = previous.previous_report
    start, end = following_period(
        previous.period_start, previous.period_end, earlier_start=earlier.period_start if earlier else None
    )
    if previous.deadline is not None:
        deadline = DateShift.between(previous.period_start, start).last_day(previous.deadline)
    else:
        deadline = add_months(end + ONE_DAY, 1) - ONE_DAY
    return PeriodDefaults(start, end, deadline)


def _overlapping(period_start: date, period_end: date, exclude_id: int | None) -> Report | None:
    statement = select(Report).where(Report.period_start <= period_end, Report.period_end >= period_start)
    if exclude_id is not None:
        statement = statement.where(Report.id != exclude_id)
    return db.session.scalars(statement.order_by(Report.period_start)).first()


def _check_period(
    problems: _Problems,
    title: str,
    period_start: date | None,
    period_end: date | None,
    deadline: date | None,
    *,
    exclude_id: int | None = None,
) -> None:
    if len(title) > MAX_TITLE:
        problems.add("title", N_("Titeln får vara högst %(n)s tecken."), n=MAX_TITLE)
    if period_start is None:
        problems.add("period_start", N_("Ange när perioden börjar."))
    if period_end is None:
        problems.add("period_end", N_("Ange när perioden slutar."))
    if deadline is None:
        problems.add("deadline", N_("Ange en deadline."))
    if period_start is None or period_end is None:
        return
    if period_end <= period_start:
        problems.add("period_end", N_("Perioden måste sluta efter att den börjar."))
        return
    if (period_end - period_start).days > MAX_PERIOD_DAYS:
        problems.add("period_end", N_("En rapportperiod får vara högst två år."))
    if deadline is not None:
        if deadline < period_start:
            problems.add("deadline", N_("Deadline kan inte ligga före periodens början."))
        elif deadline > period_end + DEADLINE_GRACE:
            problems.add("deadline", N_("Deadline kan inte ligga mer än ett år efter periodens slut."))
    other = _overlapping(period_start, period_end, exclude_id)
    if other is not None:
        problems.add(
            "period_start",
            N_("Perioden överlappar rapporten ”%(title)s” (%(start)s – %(end)s)."),
            title=other.title,
            start=other.period_start.isoformat(),
            end=other.period_end.isoformat(),
        )


# --- creating reports ----------------------------------------------------------------------------


def create_from_template(
    report_template: ReportTemplate | None,
    *,
    title: str,
    period_start: date | None,
    period_end: date | None,
    deadline: date | None,
    user: User,
) -> Report:
    """A new report with the template's structure; nothing is created if any input is refused."""
    problems = _Problems()
    if report_template is None or report_template.snapshot or report_template.retired:
        problems.add("report_template_id", N_("Välj en av mallarna i listan."))
    title = title.strip() or (default_title(period_start, period_end) if period_start and period_end else "")
    _check_period(problems, title, period_start, period_end, deadline)
    problems.raise_any()
    # Each of these being None added a problem, so raise_any() has raised.
    assert report_template is not None and period_start is not None and period_end is not None
    return reports.create_report(
        report_template,
        title=title,
        period_start=period_start,
        period_end=period_end,
        deadline=deadline,
        created_by=user,
    )


def roll_over(
    previous: Report | None,
    *,
    title: str,
    period_start: date | None,
    period_end: date | None,
    deadline: date | None,
    user: User,
) -> Report:
    """The next period's report from ``previous``: its structure and assignments, every night
    unit's capacity carried over ("att bekräfta"), and nothing of its texts.

    The new report links the previous one, so each block shows last period's text beside the
    editor (not copied into it).
    """
    problems = _Problems()
    if previous is None:
        problems.add("previous_report_id", N_("Välj vilken rapport som ska rullas över."))
    title = title.strip() or (default_title(period_start, period_end) if period_start and period_end else "")
    _check_period(problems, title, period_start, period_end, deadline)
    if previous is not None and period_start is not None and period_start <= previous.period_end:
        problems.add(
            "period_start",
            N_("Den nya perioden måste börja efter att den föregående slutat (%(end)s)."),
            end=previous.period_end.isoformat(),
        )
    problems.raise_any()
    # Each of these being None added a problem, so raise_any() has raised.
    assert previous is not None and period_start is not None and period_end is not None
    return reports.create_report(
        previous.report_template,
        title=title,
        period_start=period_start,
        period_end=period_end,
        deadline=deadline,
        created_by=user,
        previous_report=previous,
        carry_capacity=True,
    )


# --- settings ------------------------------------------------------------------------------------


def require_open(report: Report) -> None:
    if report.is_locked:
        raise StateForbids("Rapporten är låst. Inga ändringar kan göras.")


def has_written_content(report_id: int) -> bool:
    """Has anyone saved or autosaved anything in the report's blocks?"""
    revision = select(Revision.id).join(Block, Revision.block_id == Block.id).where(Block.report_id == report_id)
    draft = select(BlockDraft.id).join(Block, BlockDraft.block_id == Block.id).where(Block.report_id == report_id)
    return bool(db.session.scalar(select(revision.exists())) or db.session.scalar(select(draft.exists())))


def update_settings(
    report: Report, *, title: str, period_start: date | None, period_end: date | None, deadline: date | None, user: User
) -> dict[str, list[str | None]]:
    """Change title, deadline and (while nothing is written) the period; returns what changed."""
    require_open(report)
    problems = _Problems()
    title = title.strip()
    if not title:
        problems.add("title", N_("Ge rapporten en titel."))
    _check_period(problems, title, period_start, period_end, deadline, exclude_id=report.id)
    period_changes = (period_start, period_end) != (report.period_start, report.period_end)
    if period_changes and not problems.items and has_written_content(report.id):
        problems.add("period_start", N_("Perioden kan inte ändras när någon har börjat skriva i rapporten."))
    problems.raise_any()
    changes = {
        name: [str(old) if old is not None else None, str(new) if new is not None else None]
        for name, old, new in (
            ("title", report.title, title),
            ("period_start", report.period_start, period_start),
            ("period_end", report.period_end, period_end),
            ("deadline", report.deadline, deadline),
        )
        if old != new
    }
    if not changes:
        return changes
    if period_changes:
        # _check_period added a problem for a missing date, so raise_any() has raised.
        assert period_start is not None and period_end is not None
        _move_period(report, period_start, period_end)
    report.title, report.deadline = title, deadline
    db.session.flush()
    audit.record("report.settings_changed", user=user, report_id=report.id, details={"changes": changes})
    return changes


def _move_period(report: Report, period_start: date, period_end: date) -> None:
    """A new period for a report nobody has written in yet.

    Carried-over capacity still waiting for confirmation moves with the period; units now open
    get the blocks their sections assign them. Existing blocks stay (an admin may move them).
    """
    shift = DateShift.between(report.period_start, period_start)
    for capacity in report.capacities:
        if capacity.needs_confirmation:
            capacity.entries = shift_entries(capacity.entries, shift)
    report.period_start, report.period_end = period_start, period_end
    units = _all_units()
    existing = {(b.section_id, b.unit_id, b.joint) for b in report.blocks}
    for chapter in report.report_template.chapters:
        for section in chapter.sections:
            for unit, joint in reports.assigned_units(section, units, period_start, period_end):
                if (section.id, unit.id, joint) not in existing:
                    db.session.add(Block(report=report, section=section, unit=unit, joint=joint))


def _all_units() -> list[Unit]:
    return list(db.session.scalars(select(Unit).options(selectinload(Unit.capacity)).order_by(Unit.name)))


def active_units() -> list[Unit]:
    return list(db.session.scalars(select(Unit).where(Unit.active.is_(True)).order_by(Unit.name)))


# --- adding a section ----------------------------------------------------------------------------


@dataclass(frozen=True)
class NewSection:
    title: str
    guidance: str
    chapter_id: int | None
    index: int | None  # where in the chapter: 0 = first
    joint: bool
    responsible_unit_id: int | None
    unit_kinds: tuple[str, ...]
    named_unit_ids: tuple[int, ...]


def section_key(title: str, taken: set[str]) -> str:
    """A readable key for a new section, unique in the report ("barnperspektiv", "barnperspektiv-2")."""
    plain = unicodedata.normalize("NFKD", title.lower()).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:50].strip("-") or "avsnitt"
    key, number = base, 2
    while key in taken:
        key, number = f"{base}-{number}", number + 1
    return key


def add_section(report: Report, new: NewSection, user: User) -> tuple[TemplateSection, list[Block]]:
    """A section in the report's own structure (never its template), with draft blocks for every
    active unit it is assigned to, so they appear in those units' "Mina bidrag" at once."""
    require_open(report)
    problems = _Problems()
    title = new.title.strip()
    if not title:
        problems.add("title", N_("Ge avsnittet en rubrik."))
    elif len(title) > MAX_TITLE:
        problems.add("title", N_("Rubriken får vara högst %(n)s tecken."), n=MAX_TITLE)
    if len(new.guidance) > MAX_GUIDANCE:
        problems.add("guidance", N_("Vägledningen får vara högst %(n)s tecken."), n=MAX_GUIDANCE)
    chapter = next((c for c in report.report_template.chapters if c.id == new.chapter_id), None)
    if chapter is None or new.index is None or not 0 <= new.index <= len(chapter.sections):
        problems.add("placement", N_("Välj var i rapporten avsnittet ska ligga."))
    units = {unit.id: unit for unit in _all_units()}
    responsible = units.get(new.responsible_unit_id) if new.responsible_unit_id else None
    if new.joint and (responsible is None or not responsible.active):
        problems.add("responsible_unit_id", N_("Välj vilken aktiv verksamhet som skriver den gemensamma texten."))
    if any(kind not in UnitKind.__members__.values() for kind in new.unit_kinds):
        problems.add("unit_kinds", N_("Okänd verksamhetstyp."))
    named_ids = list(dict.fromkeys(new.named_unit_ids))
    named = [units[i] for i in named_ids if i in units and units[i].active]
    if len(named) != len(named_ids):
        problems.add("named_unit_ids", N_("Välj bland de aktiva verksamheterna."))
    if not (new.joint or new.unit_kinds or new.named_unit_ids):
        problems.add(
            "named_unit_ids",
            N_("Välj vem som skriver avsnittet: en gemensam text, verksamhetstyper eller utvalda verksamheter."),
        )
    problems.raise_any()
    # A missing chapter or index added a problem above, so raise_any() has raised.
    assert chapter is not None and new.index is not None

    taken = {s.key for c in report.report_template.chapters for s in c.sections}
    section = TemplateSection(
        key=section_key(title, taken),
        position=0,
        title=title,
        guidance=new.guidance.strip(),
        joint=new.joint,
        responsible_unit=responsible if new.joint else None,
        unit_kinds=list(new.unit_kinds),
        named_units=named,
        table_specs=[],
    )
    # Still outside the session: a section nobody would write is refused before anything is added.
    if not reports.assigned_units(section, list(units.values()), report.period_start, report.period_end):
        problems.add(
            "named_unit_ids",
            N_("Ingen aktiv verksamhet som är öppen under perioden skulle skriva avsnittet. Välj andra verksamheter."),
        )
        problems.raise_any()
    chapter.sections.insert(new.index, section)
    for position, item in enumerate(chapter.sections):
        item.position = position
    blocks = reports.add_section_blocks(report, section, list(units.values()))
    db.session.flush()
    audit.record(
        "report.section_added",
        user=user,
        report_id=report.id,
        details={
            "section_id": section.id,
            "key": section.key,
            "title": section.title,
            "chapter": chapter.title,
            "position": new.index,
            "units": [b.unit.key + (" (gemensam)" if b.joint else "") for b in blocks],
        },
    )
    return section, blocks


def placements(report: Report) -> list[tuple[TemplateChapter, list[tuple[int, str]]]]:
    """Where a new section can go: per chapter, (index, what it comes after)."""
    choices = []
    for chapter_number, chapter in enumerate(report.report_template.chapters, start=1):
        spots = [(0, "")]
        for number, section in enumerate(chapter.sections, start=1):
            spots.append((number, f"{chapter_number}.{number} {section.title}"))
        choices.append((chapter, spots))
    return choices


# --- blocks --------------------------------------------------------------------------------------


def block_has_content(block: Block) -> bool:
    """Saved text or tables, or a writer's autosaved draft."""
    if block.current_revision_id is not None:
        return True
    revision = select(Revision.id).where(Revision.block_id == block.id)
    draft = select(BlockDraft.id).where(BlockDraft.block_id == block.id)
    return bool(db.session.scalar(select(revision.exists())) or db.session.scalar(select(draft.exists())))


def can_reassign(block: Block, has_content: bool) -> bool:
    return not block.report.is_locked and block.state == BlockState.DRAFT and not has_content


def require_reassignable(block: Block) -> None:
    """Only a draft nobody has written in may change hands: text belongs to the unit that wrote it."""
    require_open(block.report)
    if block.state != BlockState.DRAFT:
        raise StateForbids(
            "Bara bidrag som är utkast kan flyttas till en annan verksamhet. "
            "Det här bidraget är redan inskickat eller granskat."
        )
    if block_has_content(block):
        raise StateForbids(
            "Bidraget har redan text eller siffror (eller ett autosparat utkast) och kan inte "
            "flyttas till en annan verksamhet."
        )


def reassign_targets(block: Block) -> list[Unit]:
    """Active units that could take the block over (those without a block of their own in the section)."""
    taken = set(
        db.session.scalars(
            select(Block.unit_id).where(
                Block.report_id == block.report_id, Block.section_id == block.section_id, Block.joint == block.joint
            )
        )
    )
    return [unit for unit in active_units() if unit.id not in taken]


def reassign_block(block: Block, unit_id: int | None, user: User) -> Block:
    require_reassignable(block)
    problems = _Problems()
    unit = db.session.get(Unit, unit_id) if unit_id else None
    if unit is None or not unit.active:
        problems.add("unit_id", N_("Välj en aktiv verksamhet."))
    elif unit.id == block.unit_id:
        problems.add("unit_id", N_("Bidraget hör redan till %(unit)s."), unit=unit.name)
    elif unit.id not in {u.id for u in reassign_targets(block)}:
        problems.add("unit_id", N_("%(unit)s har redan ett bidrag i avsnittet."), unit=unit.name)
    problems.raise_any()
    assert unit is not None  # no unit added a problem, so raise_any() has raised
    previous_unit = block.unit
    block.unit = unit
    db.session.flush()
    audit.record(
        "block.reassigned",
        user=user,
        block=block,
        details={
            "from_unit": previous_unit.key,
            "to_unit": unit.key,
            "joint": block.joint,
        },
    )
    return block


@dataclass(frozen=True)
class GridCell:
    block: Block
    has_content: bool
    can_reassign: bool


@dataclass(frozen=True)
class GridRow:
    number: str
    section: TemplateSection
    joint: GridCell | None
    cells: tuple[GridCell | None, ...]


@dataclass(frozen=True)
class BlockGrid:
    """The report's blocks: sections × units, plus each section's joint text."""

    units: tuple[Unit, ...]
    rows: tuple[GridRow, ...]
    has_joint: bool


def block_grid(report_id: int) -> BlockGrid | None:
    outline = reports.load_outline(report_id)
    if outline is None:
        return None
    drafted = set(
        db.session.scalars(
            select(BlockDraft.block_id).join(Block, BlockDraft.block_id == Block.id).where(Block.report_id == report_id)
        )
    )
    matrix = reports.progress_matrix(outline)

    def cell(block: Block | None) -> GridCell | None:
        if block is None:
            return None
        written = block.current_revision_id is not None or block.id in drafted
        return GridCell(block, written, can_reassign(block, written))

    rows = []
    for section_view, blocks in matrix.rows:
        joint = next((b for b in section_view.blocks if b.joint), None)
        rows.append(GridRow(section_view.number, section_view.section, cell(joint), tuple(cell(b) for b in blocks)))
    return BlockGrid(matrix.units, tuple(rows), any(row.joint for row in rows))


def report_capacities(report_id: int) -> list[ReportCapacity]:
    return list(
        db.session.scalars(
            select(ReportCapacity)
            .join(ReportCapacity.unit)
            .where(ReportCapacity.report_id == report_id)
            .options(selectinload(ReportCapacity.unit))
            .order_by(Unit.name)
        )
    )
