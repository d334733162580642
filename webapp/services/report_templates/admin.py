"""Administering report templates: the list, and every edit of a template's tree.

Only editable templates are handled here, never the snapshots reports own: a report keeps
the structure it was created with, so an edit here never reaches an existing report. Every
saved edit bumps the template's ``version`` and ``updated_at`` and is written to the
activity log as a ``template.*`` event. Functions flush; the view commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from webapp.extensions import db
from webapp.models import Block, Report, ReportTemplate, TemplateChapter, TemplateSection, Unit, User
from webapp.models.base import utcnow
from webapp.permissions import StateForbids
from webapp.services import audit
from webapp.services.report_templates import build_chapters, copy_structure
from webapp.services.report_templates.json_files import TemplateDocument
from webapp.services.report_templates.rules import (
    NO_RESPONSIBLE,
    TEMPLATE_KEY,
    TemplateInputError,
    check_table_entry,
    contribution_problem,
    make_key,
)
from webapp.statistics.specs import SpecError

UP, DOWN = "up", "down"


@dataclass(frozen=True)
class TemplateRow:
    template: ReportTemplate
    report_count: int


@dataclass(frozen=True)
class Contribution:
    """How a section is written: one joint text, one text per unit of some kinds, chosen units."""

    joint: bool
    responsible_unit: Unit | None
    unit_kinds: tuple[str, ...]
    units: tuple[Unit, ...]


# --- reading -----------------------------------------------------------------------------------


def list_templates() -> list[TemplateRow]:
    """Editable templates with how many reports were created from each (two queries)."""
    counts = dict(
        db.session.execute(
            select(ReportTemplate.based_on_id, func.count(Report.id))
            .join(Report, Report.report_template_id == ReportTemplate.id)
            .where(ReportTemplate.snapshot.is_(True))
            .group_by(ReportTemplate.based_on_id)
        )
        .tuples()
        .all()
    )
    templates = db.session.scalars(
        select(ReportTemplate)
        .where(ReportTemplate.snapshot.is_(False))
        .order_by(ReportTemplate.retired, ReportTemplate.name, ReportTemplate.id)
    )
    return [TemplateRow(template, counts.get(template.id, 0)) for template in templates]


def load_template(template_id: int) -> ReportTemplate | None:
    """An editable template with its whole tree; None for a snapshot (a report's own structure)."""
    return db.session.scalars(
        select(ReportTemplate)
        .where(ReportTemplate.id == template_id, ReportTemplate.snapshot.is_(False))
        .options(
            selectinload(ReportTemplate.chapters)
            .selectinload(TemplateChapter.sections)
            .options(selectinload(TemplateSection.named_units), selectinload(TemplateSection.responsible_unit))
        )
    ).first()


def find_chapter(template: ReportTemplate, chapter_id: int) -> TemplateChapter | None:
    return next((chapter for chapter in template.chapters if chapter.id == chapter_id), None)


def find_section(template: ReportTemplate, section_id: int) -> TemplateSection | None:
    return next(
        (section for chapter in template.chapters for section in chapter.sections if section.id == section_id), None
    )


def find_table(section: TemplateSection, table_key: str) -> dict | None:
    return next((table for table in section.table_specs or () if table.get("key") == table_key), None)


def report_count(template: ReportTemplate) -> int:
    return (
        db.session.scalar(
            select(func.count(Report.id))
            .join(ReportTemplate, Report.report_template_id == ReportTemplate.id)
            .where(ReportTemplate.based_on_id == template.id)
        )
        or 0
    )


def unit_choices(current: Sequence[Unit] = ()) -> list[Unit]:
    """Units a section may be assigned to: the active ones, plus any it already names."""
    units = list(db.session.scalars(select(Unit).where(Unit.active.is_(True)).options(selectinload(Unit.organisation))))
    known = {unit.id for unit in units}
    units.extend(unit for unit in current if unit.id not in known)
    return sorted(units, key=lambda unit: (unit.organisation.name, unit.name))


def units_by_id(unit_ids: Sequence[int]) -> dict[int, Unit]:
    if not unit_ids:
        return {}
    return {unit.id: unit for unit in db.session.scalars(select(Unit).where(Unit.id.in_(unit_ids)))}


def all_unit_keys() -> set[str]:
    return set(db.session.scalars(select(Unit.key)))


# --- the template itself -------------------------------------------------------------------------


def _record(action: str, template: ReportTemplate, user: User | None, **details) -> None:
    audit.record(
        action,
        user=user,
        details={"template_id": template.id, "template_key": template.key, "version": template.version, **details},
    )


def _edited(template: ReportTemplate, action: str, user: User | None, **details) -> None:
    """A saved edit: the version goes up (in SQL, so two admins cannot both write the same number)."""
    template.version = ReportTemplate.version + 1
    template.updated_at = utcnow()
    db.session.flush()  # the new version is read back below, for the log
    _record(action, template, user, **details)


def _free_key(key: str | None, name: str, field: str = "key") -> str:
    """The key asked for (checked), or one made from the name; never one already in use."""
    taken = set(db.session.scalars(select(ReportTemplate.key)))
    if not key:
        return make_key(name, taken, fallback="mall")
    if not TEMPLATE_KEY.match(key):
        raise TemplateInputError("Nyckeln får bara innehålla små bokstäver a–z, siffror och bindestreck.", field)
    if key in taken:
        raise TemplateInputError(f"Det finns redan en mall med nyckeln '{key}'. Välj en annan nyckel.", field)
    return key


def create_template(*, key: str | None, name: str, description: str, user: User | None) -> ReportTemplate:
    template = ReportTemplate(key=_free_key(key, name), name=name.strip(), description=description.strip())
    db.session.add(template)
    db.session.flush()
    _record("template.created", template, user, name=template.name)
    return template


def copy_template(source: ReportTemplate, *, key: str | None, name: str, user: User | None) -> ReportTemplate:
    copy = copy_structure(source, snapshot=False, key=_free_key(key, name), name=name.strip())
    db.session.flush()
    _record(
        "template.copied",
        copy,
        user,
        source_id=source.id,
        source_key=source.key,
        source_version=source.version,
        name=copy.name,
    )
    return copy


def import_template(document: TemplateDocument, *, key: str | None, user: User | None) -> ReportTemplate:
    """A new template from a checked file; ``key`` replaces the file's own when given."""
    taken = set(db.session.scalars(select(ReportTemplate.key)))
    chosen = key or document.key
    if chosen in taken:
        raise TemplateInputError(
            f"Det finns redan en mall med nyckeln '{chosen}'. Ange en ny nyckel för den importerade mallen "
            "och importera filen igen.",
            "key",
        )
    if key and not TEMPLATE_KEY.match(key):
        raise TemplateInputError("Nyckeln får bara innehålla små bokstäver a–z, siffror och bindestreck.", "key")
    units = {unit.key: unit for unit in db.session.scalars(select(Unit))}
    template = ReportTemplate(
        key=chosen, name=document.name, description=document.description, version=document.version
    )
    template.chapters.extend(build_chapters(document.chapters, units))
    db.session.add(template)
    db.session.flush()
    _record("template.imported", template, user, file_key=document.key, name=template.name)
    return template


def set_retired(template: ReportTemplate, retired: bool, user: User | None) -> bool:
    """Retire (no new reports from it) or bring back; False when it already was so."""
    if template.retired == retired:
        return False
    template.retired = retired
    db.session.flush()
    _record("template.retired" if retired else "template.unretired", template, user)
    return True


def update_details(template: ReportTemplate, *, name: str, description: str, user: User | None) -> bool:
    name, description = name.strip(), description.strip()
    if (template.name, template.description) == (name, description):
        return False
    details: dict = {"name": [template.name, name]} if template.name != name else {}
    if template.description != description:
        details["description_changed"] = True
    template.name, template.description = name, description
    _edited(template, "template.updated", user, **details)
    return True


# --- chapters ----------------------------------------------------------------------------------


def _renumber(items: Sequence) -> None:
    for position, item in enumerate(items):
        item.position = position


def _moved(items: list, item, direction: str) -> bool:
    """Swap the item with its neighbour in the list (in place); False at the end of the list."""
    index = items.index(item)
    other = index - 1 if direction == UP else index + 1
    if direction not in (UP, DOWN) or not 0 <= other < len(items):
        return False
    items[index], items[other] = items[other], items[index]
    _renumber(items)
    return True


def add_chapter(template: ReportTemplate, *, title: str, guidance: str, user: User | None) -> TemplateChapter:
    chapter = TemplateChapter(
        key=make_key(title, {c.key for c in template.chapters}, fallback="kapitel"),
        position=len(template.chapters),
        title=title.strip(),
        guidance=guidance.strip(),
    )
    template.chapters.append(chapter)
    _edited(template, "template.chapter_added", user, chapter_key=chapter.key, title=chapter.title)
    return chapter


def update_chapter(
    template: ReportTemplate, chapter: TemplateChapter, *, title: str, guidance: str, user: User | None
) -> bool:
    title, guidance = title.strip(), guidance.strip()
    if (chapter.title, chapter.guidance) == (title, guidance):
        return False
    details = {
        "chapter_key": chapter.key,
        "title": [chapter.title, title],
        "guidance_changed": chapter.guidance != guidance,
    }
    chapter.title, chapter.guidance = title, guidance
    _edited(template, "template.chapter_updated", user, **details)
    return True


def move_chapter(template: ReportTemplate, chapter: TemplateChapter, direction: str, user: User | None) -> bool:
    chapters = list(template.chapters)
    if not _moved(chapters, chapter, direction):
        return False
    template.chapters[:] = chapters
    _edited(
        template,
        "template.chapter_moved",
        user,
        chapter_key=chapter.key,
        direction=direction,
        position=chapter.position,
    )
    return True


def _in_use(section_ids: Sequence[int]) -> bool:
    """Whether any report's block belongs to these sections (reports own snapshots, so normally not)."""
    if not section_ids:
        return False
    return db.session.execute(select(func.count(Block.id)).where(Block.section_id.in_(section_ids))).scalar_one() > 0


def remove_chapter(template: ReportTemplate, chapter: TemplateChapter, user: User | None) -> None:
    if chapter.sections:
        raise StateForbids("Kapitlet har avsnitt. Flytta eller ta bort avsnitten först; sedan kan kapitlet tas bort.")
    template.chapters.remove(chapter)
    _renumber(template.chapters)
    _edited(template, "template.chapter_removed", user, chapter_key=chapter.key, title=chapter.title)


# --- sections ----------------------------------------------------------------------------------


def _contribution_fields(contribution: Contribution) -> dict:
    problem = contribution_problem(
        contribution.joint, contribution.responsible_unit, contribution.unit_kinds, contribution.units
    )
    if problem:
        raise TemplateInputError(problem, "responsible_unit" if problem == NO_RESPONSIBLE else "joint")
    return {
        "joint": contribution.joint,
        "responsible_unit": contribution.responsible_unit if contribution.joint else None,
        "unit_kinds": sorted(set(contribution.unit_kinds)),
        "named_units": sorted(set(contribution.units), key=lambda unit: unit.key),
    }


def _contribution_summary(section: TemplateSection) -> dict:
    return {
        "joint": section.joint,
        "responsible_unit": section.responsible_unit.key if section.responsible_unit else None,
        "unit_kinds": list(section.unit_kinds or ()),
        "units": sorted(unit.key for unit in section.named_units),
    }


def add_section(
    template: ReportTemplate,
    chapter: TemplateChapter,
    *,
    title: str,
    guidance: str,
    contribution: Contribution,
    user: User | None,
) -> TemplateSection:
    fields = _contribution_fields(contribution)
    taken = {s.key for c in template.chapters for s in c.sections}
    section = TemplateSection(
        key=make_key(title, taken),
        position=len(chapter.sections),
        title=title.strip(),
        guidance=guidance.strip(),
        table_specs=[],
        **fields,
    )
    chapter.sections.append(section)
    _edited(
        template,
        "template.section_added",
        user,
        section_key=section.key,
        chapter_key=chapter.key,
        title=section.title,
        contribution=_contribution_summary(section),
    )
    return section


def update_section(
    template: ReportTemplate,
    section: TemplateSection,
    *,
    title: str,
    guidance: str,
    contribution: Contribution,
    user: User | None,
) -> bool:
    fields = _contribution_fields(contribution)
    before = _contribution_summary(section)
    title, guidance = title.strip(), guidance.strip()
    old_title, old_guidance = section.title, section.guidance
    section.title, section.guidance = title, guidance
    for name, value in fields.items():
        setattr(section, name, value)
    after = _contribution_summary(section)
    if (old_title, old_guidance, before) == (title, guidance, after):
        return False
    details: dict = {"section_key": section.key}
    if old_title != title:
        details["title"] = [old_title, title]
    if old_guidance != guidance:
        details["guidance_changed"] = True
    if before != after:
        details["contribution"] = [before, after]
    _edited(template, "template.section_updated", user, **details)
    return True


def move_section(template: ReportTemplate, section: TemplateSection, direction: str, user: User | None) -> bool:
    chapter = section.chapter
    sections = list(chapter.sections)
    if not _moved(sections, section, direction):
        return False
    chapter.sections[:] = sections
    _edited(
        template,
        "template.section_moved",
        user,
        section_key=section.key,
        direction=direction,
        position=section.position,
    )
    return True


def move_section_to_chapter(
    template: ReportTemplate, section: TemplateSection, target: TemplateChapter, user: User | None
) -> bool:
    """Move the section to the end of another chapter."""
    source = section.chapter
    if target is source:
        return False
    source.sections.remove(section)
    _renumber(source.sections)
    section.position = len(target.sections)
    target.sections.append(section)
    _edited(
        template,
        "template.section_moved",
        user,
        section_key=section.key,
        from_chapter=source.key,
        to_chapter=target.key,
        position=section.position,
    )
    return True


def remove_section(template: ReportTemplate, section: TemplateSection, user: User | None) -> None:
    if _in_use([section.id]):
        raise StateForbids("Avsnittet används redan av en rapport och kan inte tas bort.")
    chapter = section.chapter
    chapter.sections.remove(section)
    _renumber(chapter.sections)
    _edited(
        template,
        "template.section_removed",
        user,
        section_key=section.key,
        chapter_key=chapter.key,
        title=section.title,
    )


# --- statistics tables -------------------------------------------------------------------------


def _checked_entry(entry: dict) -> dict:
    try:
        check_table_entry(entry)
    except SpecError as error:
        raise TemplateInputError(str(error)) from error
    return entry


def add_table(template: ReportTemplate, section: TemplateSection, entry: dict, user: User | None) -> dict:
    key = entry.get("key")
    if isinstance(key, str) and find_table(section, key) is not None:
        raise TemplateInputError(
            f"Avsnittet har redan en tabell med nyckeln '{entry.get('key')}'. Välj en annan nyckel.", "key"
        )
    section.table_specs = [*(section.table_specs or ()), _checked_entry(entry)]
    _edited(template, "template.table_added", user, section_key=section.key, table_key=entry["key"], kind=entry["kind"])
    return entry


def update_table(
    template: ReportTemplate, section: TemplateSection, table_key: str, entry: dict, user: User | None
) -> bool:
    """Replace a table's entry; its key stays (figures already written are bound to it)."""
    if entry.get("key") != table_key:
        raise TemplateInputError("En tabells nyckel kan inte ändras.", "key")
    _checked_entry(entry)
    tables = list(section.table_specs or ())
    index = next(i for i, table in enumerate(tables) if table.get("key") == table_key)
    if tables[index] == entry:
        return False
    before = tables[index]
    tables[index] = entry
    section.table_specs = tables
    changed = sorted(name for name in set(before) | set(entry) if before.get(name) != entry.get(name))
    _edited(template, "template.table_updated", user, section_key=section.key, table_key=table_key, fields=changed)
    return True


def move_table(
    template: ReportTemplate, section: TemplateSection, table_key: str, direction: str, user: User | None
) -> bool:
    tables = list(section.table_specs or ())
    table = next(t for t in tables if t.get("key") == table_key)
    index = tables.index(table)
    other = index - 1 if direction == UP else index + 1
    if direction not in (UP, DOWN) or not 0 <= other < len(tables):
        return False
    tables[index], tables[other] = tables[other], tables[index]
    section.table_specs = tables
    _edited(template, "template.table_moved", user, section_key=section.key, table_key=table_key, direction=direction)
    return True


def remove_table(template: ReportTemplate, section: TemplateSection, table_key: str, user: User | None) -> None:
    section.table_specs = [t for t in section.table_specs or () if t.get("key") != table_key]
    _edited(template, "template.table_removed", user, section_key=section.key, table_key=table_key)
