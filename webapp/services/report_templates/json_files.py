"""Report templates as JSON files, for moving a template between installations.

The file names units by key and starts with a format marker. Keys come in a fixed order,
lists whose order means nothing (unit kinds, chosen units) are sorted, and table entries
are written with sorted keys, so that export → import → export gives the same bytes.
``parse_template_file`` checks a whole file before anything is created and says in
Swedish what is wrong; it needs no database (the caller passes the known unit keys).
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass

from webapp.input_errors import InputRefused
from webapp.models import ReportTemplate
from webapp.services.report_templates import ChapterSpec, SectionSpec
from webapp.services.report_templates.rules import (
    MAX_DESCRIPTION,
    MAX_GUIDANCE,
    MAX_NAME,
    MAX_TITLE,
    PART_KEY,
    TEMPLATE_KEY,
    UNIT_KINDS,
    check_table_entry,
    contribution_problem,
)
from webapp.statistics.specs import SpecError

FORMAT = "iop-rapport-template/1"
MAX_FILE_BYTES = 500_000
MAX_CHAPTERS = 100
MAX_SECTIONS = 200
MAX_TABLES = 20


class TemplateFileRefused(InputRefused):
    """The file cannot be imported; the message says why, in Swedish."""


@dataclass(frozen=True)
class TemplateDocument:
    key: str
    name: str
    description: str
    version: int
    chapters: tuple[ChapterSpec, ...]


# --- export ------------------------------------------------------------------------------------


def document_of(template: ReportTemplate) -> TemplateDocument:
    """What a template holds, with units by key (the template's tree must be loaded or loadable)."""
    return TemplateDocument(
        key=template.key,
        name=template.name,
        description=template.description or "",
        version=template.version,
        chapters=tuple(
            ChapterSpec(
                key=chapter.key,
                title=chapter.title,
                guidance=chapter.guidance or "",
                sections=tuple(
                    SectionSpec(
                        key=section.key,
                        title=section.title,
                        guidance=section.guidance or "",
                        joint=bool(section.joint),
                        responsible_unit=(
                            section.responsible_unit.key if section.joint and section.responsible_unit else None
                        ),
                        unit_kinds=tuple(sorted(set(section.unit_kinds or ()))),
                        units=tuple(sorted({unit.key for unit in section.named_units})),
                        tables=tuple(section.table_specs or ()),
                    )
                    for section in chapter.sections
                ),
            )
            for chapter in template.chapters
        ),
    )


def _sorted_keys(value: object) -> object:
    """A table entry with every object's keys sorted; lists keep their order (it is meaningful)."""
    if isinstance(value, dict):
        return {key: _sorted_keys(value[key]) for key in sorted(value)}
    if isinstance(value, list | tuple):
        return [_sorted_keys(item) for item in value]
    return value


def _section_dict(section: SectionSpec) -> dict:
    return {
        "key": section.key,
        "title": section.title,
        "guidance": section.guidance,
        "joint": section.joint,
        "responsible_unit": section.responsible_unit,
        "unit_kinds": sorted(section.unit_kinds),
        "units": sorted(section.units),
        "tables": [_sorted_keys(table) for table in section.tables],
    }


def document_dict(document: TemplateDocument) -> dict:
    return {
        "format": FORMAT,
        "key": document.key,
        "name": document.name,
        "description": document.description,
        "version": document.version,
        "chapters": [
            {
                "key": chapter.key,
                "title": chapter.title,
                "guidance": chapter.guidance,
                "sections": [_section_dict(section) for section in chapter.sections],
            }
            for chapter in document.chapters
        ],
    }


def dump_document(document: TemplateDocument) -> str:
    return json.dumps(document_dict(document), ensure_ascii=False, indent=2) + "\n"


def export_file_name(template: ReportTemplate) -> str:
    return f"template-{template.key}-v{template.version}.json"


# --- import ------------------------------------------------------------------------------------

_TEMPLATE_FIELDS = ("format", "key", "name", "description", "version", "chapters")
_CHAPTER_FIELDS = ("key", "title", "guidance", "sections")
_SECTION_FIELDS = ("key", "title", "guidance", "joint", "responsible_unit", "unit_kinds", "units", "tables")


def _fields(raw: object, names: tuple[str, ...], where: str) -> dict:
    """The object's fields: all of ``names`` present, nothing else."""
    if not isinstance(raw, dict):
        raise TemplateFileRefused(f"{where}: förväntade ett objekt med fälten {', '.join(names)}.")
    missing = [name for name in names if name not in raw]
    if missing:
        raise TemplateFileRefused(f"{where}: fältet '{missing[0]}' saknas.")
    unknown = sorted(set(raw) - set(names))
    if unknown:
        raise TemplateFileRefused(f"{where}: okänt fält '{unknown[0]}'.")
    return raw


def _text(value: object, name: str, where: str, limit: int, required: bool = True) -> str:
    if not isinstance(value, str):
        raise TemplateFileRefused(f"{where}: '{name}' ska vara en text.")
    if required and not value.strip():
        raise TemplateFileRefused(f"{where}: '{name}' får inte vara tom.")
    if len(value) > limit:
        raise TemplateFileRefused(f"{where}: '{name}' är längre än {limit} tecken.")
    return value


def _key(value: object, where: str, pattern=PART_KEY) -> str:
    if not isinstance(value, str) or not pattern.match(value):
        raise TemplateFileRefused(f"{where}: ogiltig nyckel {json.dumps(value, ensure_ascii=False)}.")
    return value


def _string_list(value: object, name: str, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise TemplateFileRefused(f"{where}: '{name}' ska vara en lista med texter.")
    if len(set(value)) != len(value):
        raise TemplateFileRefused(f"{where}: '{name}' nämner samma sak två gånger.")
    return tuple(value)


def _section(raw: object, where: str, unit_keys: Collection[str]) -> SectionSpec:
    data = _fields(raw, _SECTION_FIELDS, where)
    key = _key(data["key"], where)
    where = f"{where} ({key})"
    title = _text(data["title"], "title", where, MAX_TITLE)
    guidance = _text(data["guidance"], "guidance", where, MAX_GUIDANCE, required=False)
    if not isinstance(data["joint"], bool):
        raise TemplateFileRefused(f"{where}: 'joint' ska vara true eller false.")
    responsible = data["responsible_unit"]
    if responsible is not None and not isinstance(responsible, str):
        raise TemplateFileRefused(f"{where}: 'responsible_unit' ska vara en verksamhets nyckel eller null.")
    if responsible is not None and not data["joint"]:
        raise TemplateFileRefused(f"{where}: 'responsible_unit' anges bara för en gemensam text (joint).")
    kinds = _string_list(data["unit_kinds"], "unit_kinds", where)
    for kind in kinds:
        if kind not in UNIT_KINDS:
            raise TemplateFileRefused(f"{where}: okänd verksamhetstyp '{kind}' (möjliga: {', '.join(UNIT_KINDS)}).")
    units = _string_list(data["units"], "units", where)
    for unit in (responsible, *units):
        if unit is not None and unit not in unit_keys:
            raise TemplateFileRefused(f"{where}: okänd verksamhet '{unit}'. Lägg upp verksamheten först.")
    problem = contribution_problem(data["joint"], responsible, kinds, units)
    if problem:
        raise TemplateFileRefused(f"{where}: {problem}")
    tables = data["tables"]
    if not isinstance(tables, list):
        raise TemplateFileRefused(f"{where}: 'tables' ska vara en lista.")
    if len(tables) > MAX_TABLES:
        raise TemplateFileRefused(f"{where}: högst {MAX_TABLES} tabeller per avsnitt.")
    table_keys: set[str] = set()
    for table in tables:
        try:
            spec = check_table_entry(table)
        except SpecError as error:
            raise TemplateFileRefused(f"{where}: {error}") from error
        if spec.key in table_keys:
            raise TemplateFileRefused(f"{where}: två tabeller har nyckeln '{spec.key}'.")
        table_keys.add(spec.key)
    return SectionSpec(key, title, guidance, data["joint"], responsible, kinds, units, tuple(tables))


def _chapter(raw: object, where: str, unit_keys: Collection[str]) -> ChapterSpec:
    data = _fields(raw, _CHAPTER_FIELDS, where)
    key = _key(data["key"], where)
    where = f"{where} ({key})"
    title = _text(data["title"], "title", where, MAX_TITLE)
    guidance = _text(data["guidance"], "guidance", where, MAX_GUIDANCE, required=False)
    if not isinstance(data["sections"], list):
        raise TemplateFileRefused(f"{where}: 'sections' ska vara en lista.")
    sections = tuple(
        _section(section, f"{where}, avsnitt {number}", unit_keys)
        for number, section in enumerate(data["sections"], start=1)
    )
    return ChapterSpec(key, title, guidance, sections)


def parse_template_file(content: bytes, unit_keys: Collection[str]) -> TemplateDocument:
    """A template file's content, checked in full; TemplateFileRefused names the first fault."""
    if len(content) > MAX_FILE_BYTES:
        raise TemplateFileRefused(f"Filen är för stor: en mallfil får vara högst {MAX_FILE_BYTES // 1000} kB.")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise TemplateFileRefused(
            "Filen är inte en textfil i UTF-8. Välj en JSON-fil som exporterats från en mall."
        ) from error
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise TemplateFileRefused(
            f"Filen är inte giltig JSON (rad {error.lineno}, kolumn {error.colno}). "
            "Välj en fil som exporterats från en mall."
        ) from error
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise TemplateFileRefused(f'Filen är ingen rapportmall: fältet "format" ska vara "{FORMAT}".')
    data = _fields(raw, _TEMPLATE_FIELDS, "Mallen")
    key = _key(data["key"], "Mallen", TEMPLATE_KEY)
    name = _text(data["name"], "name", "Mallen", MAX_NAME)
    description = _text(data["description"], "description", "Mallen", MAX_DESCRIPTION, required=False)
    version = data["version"]
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise TemplateFileRefused("Mallen: 'version' ska vara ett heltal från 1 och uppåt.")
    if not isinstance(data["chapters"], list):
        raise TemplateFileRefused("Mallen: 'chapters' ska vara en lista.")
    if len(data["chapters"]) > MAX_CHAPTERS:
        raise TemplateFileRefused(f"Mallen: högst {MAX_CHAPTERS} kapitel.")
    chapters = tuple(
        _chapter(chapter, f"Kapitel {number}", unit_keys) for number, chapter in enumerate(data["chapters"], start=1)
    )
    _require_unique([c.key for c in chapters], "Två kapitel har nyckeln")
    section_keys = [s.key for c in chapters for s in c.sections]
    if len(section_keys) > MAX_SECTIONS:
        raise TemplateFileRefused(f"Mallen: högst {MAX_SECTIONS} avsnitt.")
    _require_unique(section_keys, "Två avsnitt har nyckeln")
    return TemplateDocument(key, name, description, version, chapters)


def _require_unique(keys: list[str], message: str) -> None:
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            raise TemplateFileRefused(f"{message} '{key}'. Nycklarna ska vara unika i mallen.")
        seen.add(key)
