"""The demo: organisations, units, people, the 2021–22 report and an open 2022–23 report.

Texts come from ``data/demo.toml`` and statistics tables from ``data/demo_tables.toml``; a block
gets both in one revision. The tables file is written for people: see its header for the form,
which ``demo_table_json`` turns into the stored TableData JSON (checked against the block's
table spec, so a typo in a key fails the seed instead of hiding a figure).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select

from webapp.config import DATA_DIR
from webapp.extensions import db
from webapp.models import Block, BlockState, Report, ReportState, Role, TemplateSection, Unit, User
from webapp.services import accounts, blocks, report_templates, reports
from webapp.statistics.cells import STATE_WORDS, TableData
from webapp.statistics.presets import build_spec
from webapp.statistics.specs import RowSource, TableSpec

DEMO_FILE = DATA_DIR / "demo.toml"
DEMO_TABLES_FILE = DATA_DIR / "demo_tables.toml"


@dataclass(frozen=True)
class DemoPeriod:
    key: str
    title: str
    start: date
    end: date
    deadline: date


PERIODS = (
    DemoPeriod(
        "2021",
        "Verksamhetsrapport IOP 2021-11-01 – 2022-04-30",
        date(2021, 11, 1),
        date(2022, 4, 30),
        date(2022, 5, 31),
    ),
    DemoPeriod(
        "2022",
        "Verksamhetsrapport IOP 2022-11-01 – 2023-04-30",
        date(2022, 11, 1),
        date(2023, 4, 30),
        date(2023, 5, 31),
    ),
)


@dataclass(frozen=True)
class DemoResult:
    created: bool
    password: str
    users: list[tuple[str, str, str]]  # (email, name, roles)


def _load_demo_file(path: Path = DEMO_FILE) -> dict:
    with path.open("rb") as handle:
        return tomllib.load(handle)


# --- demo tables ---------------------------------------------------------------------------------

_STATES = {word: state.value for state, word in STATE_WORDS.items()}  # "uppgift saknas" → "missing"


def _cell(value: object, where: str) -> dict | None:
    """A value from the tables file as a stored cell; None for "" (left empty)."""
    if isinstance(value, bool):
        raise ValueError(f"{where}: sant/falskt är inget tabellvärde.")
    if isinstance(value, int):
        return {"v": value}
    if isinstance(value, float):
        return {"v": repr(value)}
    if isinstance(value, date):
        return {"v": value.isoformat()}
    if isinstance(value, str):
        if not value.strip():
            return None
        if value in _STATES:
            return {"s": _STATES[value]}
        return {"v": value}
    raise ValueError(f"{where}: okänt värde {value!r}.")


def _cells(columns: list[str], values: object, where: str) -> dict:
    values = values if isinstance(values, list) else [values]
    if len(values) != len(columns):
        raise ValueError(f"{where}: {len(values)} värden för kolumnerna {columns}.")
    cells = {}
    for column, value in zip(columns, values):
        cell = _cell(value, f"{where}, {column}")
        if cell is not None:
            cells[column] = cell
    return cells


def demo_table_json(spec: TableSpec, raw: dict, where: str = "") -> dict:
    """A table of the demo tables file as stored TableData JSON, checked against the spec.

    ``columns`` names the input columns the values are given for (the only input column when
    left out). ``rows`` is either a table of row key → values (month and fixed rows) or a list
    of values per free row (keys r1, r2, …). ``fill`` ("uppgift saknas" / "ej tillämpligt")
    answers every input cell the rows leave empty, except those the engine fills in itself.
    ``figures``, ``notes`` and ``justifications`` are stored as they are given.
    """
    where = where or f"tabell {spec.key!r}"
    known = {"columns", "rows", "fill", "figures", "notes", "justifications"}
    if set(raw) - known:
        raise ValueError(f"{where}: okänt fält {sorted(set(raw) - known)[0]!r}.")
    inputs = {column.key: column for column in spec.inputs}
    columns = list(raw.get("columns") or ([spec.inputs[0].key] if len(spec.inputs) == 1 else []))
    if not columns and raw.get("rows"):
        raise ValueError(f"{where}: ange columns.")
    for column in columns:
        if column not in inputs:
            raise ValueError(f"{where}: okänd kolumn {column!r} (möjliga: {', '.join(inputs)}).")
    rows_raw = raw.get("rows", {})
    rows: dict[str, dict] = {}
    if spec.row_source is RowSource.FREE:
        if not isinstance(rows_raw, list):
            raise ValueError(f"{where}: fria rader anges som en lista.")
        for number, values in enumerate(rows_raw, start=1):
            rows[f"r{number}"] = _cells(columns, values, f"{where}, rad {number}")
    else:
        if not isinstance(rows_raw, dict):
            raise ValueError(f"{where}: rader anges som radnyckel = värden.")
        for key, values in rows_raw.items():
            if spec.fixed_row(key) is None:
                raise ValueError(f"{where}: okänd rad {key!r} (möjliga: {', '.join(r.key for r in spec.rows)}).")
            rows[key] = _cells(columns, values, f"{where}, rad {key}")
    if "fill" in raw:
        if raw["fill"] not in _STATES or spec.row_source is RowSource.FREE:
            raise ValueError(f'{where}: fill ska vara "uppgift saknas" eller "ej tillämpligt" (fasta rader).')
        for row in spec.rows:
            cells = rows.setdefault(row.key, {})
            for column in spec.inputs:
                if column.default is None and column.key not in cells:
                    cells[column.key] = {"s": _STATES[raw["fill"]]}
    ordered = [row.key for row in spec.rows if row.key in rows] + [k for k in rows if spec.fixed_row(k) is None]
    data: dict = {"rows": [{"key": key, "cells": rows[key]} for key in ordered]}
    figures = raw.get("figures", {})
    for key in figures:
        if spec.figure(key) is None:
            raise ValueError(f"{where}: okänd uppgift {key!r}.")
    data["figures"] = {k: c for k, v in figures.items() if (c := _cell(v, f"{where}, {k}")) is not None}
    data["notes"] = dict(raw.get("notes", {}))
    data["justifications"] = dict(raw.get("justifications", {}))
    return TableData.from_json(data).to_json()


def block_tables(block: Block, report: Report, raw_tables: dict) -> dict:
    """The stored tables of a demo block: table key → TableData JSON."""
    where = f"{block.section.key}/{'gemensam' if block.joint else block.unit.key}"
    if block.joint:
        raise ValueError(f"{where}: ett gemensamt bidrag har inga egna tabeller.")
    entries = {entry["key"]: entry for entry in block.section.table_specs or []}
    tables = {}
    for key, raw in raw_tables.items():
        if key not in entries:
            raise ValueError(f"{where}: avsnittet har ingen tabell {key!r}.")
        spec = build_spec(entries[key], report.period_start, report.period_end)
        tables[key] = demo_table_json(spec, raw, f"{where}, tabell {key!r}")
    return tables


@dataclass
class _DemoBlock:
    section: str
    unit: str
    markdown: str
    state: str = BlockState.DRAFT.value
    tables: dict = field(default_factory=dict)


def _demo_blocks(texts: list[dict], table_blocks: list[dict], period_key: str) -> list[_DemoBlock]:
    """Texts and tables of one report, one entry per block (each block is saved once)."""
    found: dict[tuple[str, str], _DemoBlock] = {}
    for text in texts:
        if text["report"] == period_key:
            found[(text["section"], text["unit"])] = _DemoBlock(
                text["section"], text["unit"], text["markdown"].strip(), text.get("state", BlockState.DRAFT.value)
            )
    for entry in table_blocks:
        if entry["report"] != period_key:
            continue
        target = found.get((entry["section"], entry["unit"]))
        if target is None:
            raise LookupError(f"demo tables for {entry['section']}/{entry['unit']} have no demo text")
        if target.tables:
            raise LookupError(f"demo tables for {entry['section']}/{entry['unit']} are given twice")
        target.tables = entry.get("tables", {})
    return list(found.values())


def _ensure_users(data: dict, units_by_key: dict[str, Unit]) -> list[User]:
    users = []
    for raw in data["users"]:
        user = accounts.find_user_by_email(raw["email"])
        if user is None:
            user = accounts.create_user(
                raw["email"],
                raw["name"],
                data["password"],
                roles=[Role(role) for role in raw["roles"]],
                units=[units_by_key[key] for key in raw.get("units", [])],
            )
        users.append(user)
    return users


def _find_block(report: Report, section_key: str, unit_key: str) -> Block:
    statement = (
        select(Block)
        .join(Block.section)
        .join(Block.unit)
        .where(Block.report_id == report.id, TemplateSection.key == section_key)
    )
    if unit_key == "joint":
        statement = statement.where(Block.joint.is_(True))
    else:
        statement = statement.where(Unit.key == unit_key, Block.joint.is_(False))
    block = db.session.scalars(statement).first()
    if block is None:
        raise LookupError(f"demo text for unknown block {section_key}/{unit_key}")
    return block


def _write_blocks(report: Report, demo_blocks: list[_DemoBlock], writers: dict[int, User], fallback: User) -> None:
    for item in demo_blocks:
        block = _find_block(report, item.section, item.unit)
        author = writers.get(block.unit_id, fallback)
        tables = block_tables(block, report, item.tables) if item.tables else None
        blocks.save_block(
            block,
            author,
            item.markdown,
            base_version=block.version,
            tables=tables,
            note="Demotext",
            max_bytes=200_000,
            coalesce_seconds=600,
        )
        block.state = BlockState(item.state)


def seed_demo() -> DemoResult:
    """Create the demo if it is not there yet. Safe to run any number of times."""
    data = _load_demo_file()
    table_blocks = _load_demo_file(DEMO_TABLES_FILE)["blocks"]
    spec = report_templates.read_template_file()
    report_template = report_templates.install_template(spec)
    units_by_key = {u.key: u for u in db.session.scalars(select(Unit))}
    users = _ensure_users(data, units_by_key)
    summary = [(u.email, u.name, ", ".join(sorted(r.value for r in u.roles))) for u in users]

    existing = {r.title for r in db.session.scalars(select(Report))}
    if all(period.title in existing for period in PERIODS):
        return DemoResult(False, data["password"], summary)

    admin = next(u for u in users if u.has_role(Role.ADMIN))
    writers: dict[int, User] = {}
    for user in users:
        if user.has_role(Role.WRITER):
            for unit in user.units:
                writers.setdefault(unit.id, user)

    previous = None
    for period in PERIODS:
        report = reports.create_report(
            report_template,
            title=period.title,
            period_start=period.start,
            period_end=period.end,
            deadline=period.deadline,
            created_by=admin,
            previous_report=previous,
        )
        _write_blocks(report, _demo_blocks(data["texts"], table_blocks, period.key), writers, admin)
        previous = report
    # The 2021–22 report was handed in long ago.
    first = db.session.scalars(select(Report).where(Report.title == PERIODS[0].title)).one()
    first.state = ReportState.LOCKED
    db.session.flush()
    return DemoResult(True, data["password"], summary)
