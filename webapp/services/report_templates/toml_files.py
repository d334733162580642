"""Loading a report template (with its organisations and units) from a TOML file."""

from __future__ import annotations

import secrets
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select

from webapp.config import DATA_DIR
from webapp.extensions import db
from webapp.input_errors import InputRefused
from webapp.models import (
    Organisation,
    ReportTemplate,
    TemplateChapter,
    TemplateSection,
    Unit,
    UnitCapacity,
    UnitKind,
)

DEFAULT_TEMPLATE_FILE = DATA_DIR / "report_template_2021.toml"


class TemplateFileError(InputRefused):
    """The template file is malformed; the message says where."""


@dataclass(frozen=True)
class UnitSpec:
    key: str
    organisation: str
    name: str
    kind: UnitKind
    places: int | None
    open_from: date | None
    open_until: date | None


@dataclass(frozen=True)
class SectionSpec:
    key: str
    title: str
    guidance: str
    joint: bool
    responsible_unit: str | None
    unit_kinds: tuple[str, ...]
    units: tuple[str, ...]
    tables: tuple[dict, ...]


@dataclass(frozen=True)
class ChapterSpec:
    key: str
    title: str
    guidance: str
    sections: tuple[SectionSpec, ...]


@dataclass(frozen=True)
class TemplateSpec:
    key: str
    name: str
    description: str
    organisations: dict[str, str]
    units: tuple[UnitSpec, ...]
    chapters: tuple[ChapterSpec, ...]


def _require(mapping: dict, key: str, where: str):
    if key not in mapping:
        raise TemplateFileError(f"{where}: '{key}' saknas.")
    return mapping[key]


def _parse_unit(raw: dict, organisations: dict[str, str]) -> UnitSpec:
    key = _require(raw, "key", "unit")
    where = f"unit {key}"
    organisation = _require(raw, "organisation", where)
    if organisation not in organisations:
        raise TemplateFileError(f"{where}: okänd organisation '{organisation}'.")
    try:
        kind = UnitKind(_require(raw, "kind", where))
    except ValueError as error:
        raise TemplateFileError(f"{where}: okänd typ '{raw['kind']}'.") from error
    return UnitSpec(
        key,
        organisation,
        _require(raw, "name", where),
        kind,
        raw.get("places"),
        _parse_date(raw.get("open_from"), where),
        _parse_date(raw.get("open_until"), where),
    )


def _parse_date(value: date | str | None, where: str) -> date | None:
    """TOML dates arrive as dates; quoted ISO dates are accepted too."""
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise TemplateFileError(f"{where}: ogiltigt datum '{value}'.") from error


def _parse_section(raw: dict, unit_keys: set[str]) -> SectionSpec:
    key = _require(raw, "key", "section")
    where = f"section {key}"
    joint = bool(raw.get("joint", False))
    responsible = raw.get("responsible_unit")
    if joint and responsible not in unit_keys:
        raise TemplateFileError(f"{where}: ett gemensamt avsnitt behöver en känd responsible_unit.")
    kinds = tuple(raw.get("unit_kinds", ()))
    for kind in kinds:
        if kind not in UnitKind.__members__.values():
            raise TemplateFileError(f"{where}: okänd verksamhetstyp '{kind}'.")
    units = tuple(raw.get("units", ()))
    for unit in units:
        if unit not in unit_keys:
            raise TemplateFileError(f"{where}: okänd verksamhet '{unit}'.")
    if not (joint or kinds or units):
        raise TemplateFileError(f"{where}: ingen skriver avsnittet (joint, unit_kinds eller units).")
    return SectionSpec(
        key,
        _require(raw, "title", where),
        raw.get("guidance", "").strip(),
        joint,
        responsible if joint else None,
        kinds,
        units,
        tuple(raw.get("tables", ())),
    )


def parse_template(data: dict) -> TemplateSpec:
    """Validate a parsed template file; raises TemplateFileError naming the fault."""
    head = _require(data, "report_template", "fil")
    organisations = {o["key"]: o["name"] for o in data.get("organisations", [])}
    units = tuple(_parse_unit(raw, organisations) for raw in data.get("units", []))
    unit_keys = {unit.key for unit in units}
    chapters = tuple(
        ChapterSpec(
            _require(raw, "key", "chapter"),
            _require(raw, "title", "chapter"),
            raw.get("guidance", "").strip(),
            tuple(_parse_section(section, unit_keys) for section in raw.get("sections", [])),
        )
        for raw in data.get("chapters", [])
    )
    if not chapters:
        raise TemplateFileError("Mallen har inga kapitel.")
    return TemplateSpec(
        _require(head, "key", "report_template"),
        _require(head, "name", "report_template"),
        head.get("description", ""),
        organisations,
        units,
        chapters,
    )


def read_template_file(path: Path = DEFAULT_TEMPLATE_FILE) -> TemplateSpec:
    try:
        with path.open("rb") as handle:
            return parse_template(tomllib.load(handle))
    except tomllib.TOMLDecodeError as error:
        raise TemplateFileError(f"{path.name}: {error}") from error


def _upsert_units(spec: TemplateSpec) -> dict[str, Unit]:
    organisations = {o.key: o for o in db.session.scalars(select(Organisation))}
    for key, name in spec.organisations.items():
        if key not in organisations:
            organisations[key] = Organisation(key=key, name=name)
            db.session.add(organisations[key])
    units = {u.key: u for u in db.session.scalars(select(Unit))}
    for unit_spec in spec.units:
        if unit_spec.key not in units:
            units[unit_spec.key] = Unit(
                key=unit_spec.key,
                organisation=organisations[unit_spec.organisation],
                name=unit_spec.name,
                kind=unit_spec.kind,
                capacity=[
                    UnitCapacity(
                        places=unit_spec.places, from_date=unit_spec.open_from, until_date=unit_spec.open_until
                    )
                ]
                if unit_spec.places
                else [],
            )
            db.session.add(units[unit_spec.key])
    return units


def build_chapters(chapter_specs: Sequence[ChapterSpec], units: dict[str, Unit]) -> list[TemplateChapter]:
    """New chapter and section rows for a template, in the specs' order (``units`` by key)."""
    chapters = []
    for c_position, chapter_spec in enumerate(chapter_specs):
        chapter = TemplateChapter(
            key=chapter_spec.key, position=c_position, title=chapter_spec.title, guidance=chapter_spec.guidance
        )
        for s_position, s in enumerate(chapter_spec.sections):
            chapter.sections.append(
                TemplateSection(
                    key=s.key,
                    position=s_position,
                    title=s.title,
                    guidance=s.guidance,
                    joint=s.joint,
                    responsible_unit=units[s.responsible_unit] if s.responsible_unit else None,
                    unit_kinds=list(s.unit_kinds),
                    named_units=[units[key] for key in s.units],
                    table_specs=[dict(table) for table in s.tables],
                )
            )
        chapters.append(chapter)
    return chapters


def install_template(spec: TemplateSpec) -> ReportTemplate:
    """Create the template and any missing organisations and units; idempotent by key."""
    existing = db.session.scalars(select(ReportTemplate).where(ReportTemplate.key == spec.key)).first()
    units = _upsert_units(spec)
    if existing is not None:
        return existing
    report_template = ReportTemplate(key=spec.key, name=spec.name, description=spec.description)
    report_template.chapters.extend(build_chapters(spec.chapters, units))
    db.session.add(report_template)
    db.session.flush()
    return report_template


def copy_structure(
    source: ReportTemplate, *, snapshot: bool, key: str | None = None, name: str | None = None
) -> ReportTemplate:
    """A deep copy of a template's chapters and sections.

    ``snapshot=True`` makes the frozen structure a report owns (it records the source and
    the version it copied); otherwise a new, independent template (``key`` required).
    """
    if snapshot:
        origin = source.based_on if source.snapshot and source.based_on is not None else source
        copy = ReportTemplate(
            key=f"{origin.key[:40]}.r{secrets.token_hex(4)}",
            name=name or source.name,
            description=source.description,
            snapshot=True,
            based_on=origin,
            based_on_version=source.based_on_version if source.snapshot else source.version,
        )
    else:
        if not key:
            raise ValueError("A copied template needs its own key.")
        copy = ReportTemplate(key=key, name=name or source.name, description=source.description)
    for chapter in source.chapters:
        chapter_copy = TemplateChapter(
            key=chapter.key, position=chapter.position, title=chapter.title, guidance=chapter.guidance
        )
        for section in chapter.sections:
            chapter_copy.sections.append(copy_section(section))
        copy.chapters.append(chapter_copy)
    db.session.add(copy)
    return copy


def copy_section(section: TemplateSection) -> TemplateSection:
    return TemplateSection(
        key=section.key,
        position=section.position,
        title=section.title,
        guidance=section.guidance,
        joint=section.joint,
        responsible_unit=section.responsible_unit,
        unit_kinds=list(section.unit_kinds),
        named_units=list(section.named_units),
        table_specs=[dict(table) for table in section.table_specs],
    )
