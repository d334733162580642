"""Importing pasted cells, CSV and .xlsx into one statistics table of a block.

The glue between a block's table specs and the pure reader in
:mod:`webapp.statistics.importing`: it says which columns and rows a spec wants
(keys plus the names people use for them, Swedish month names included), runs
``propose_import``, compares the proposal with the table as the writer has it
now (what will *change*: row, column, old text, new text) and, when nothing
blocks, gives the table data with the import applied. Nothing here saves; the
view does that through :func:`webapp.services.blocks.save_block`.

Semantics
    Month and fixed rows: every matched cell is written, a blank source cell
    clears its cell (the preview shows it), cells the source does not cover
    are left alone. Free rows (a log, a list of countries, a capacity
    schedule): the imported rows *replace* the table's rows, in order, since
    appending would double a list imported twice.

    Pasted cells without a header row whose value columns are fewer than the
    table's inputs are read as its first inputs in order (month, women, men
    into an occupancy table whose third input, offered bed-nights, has a
    default); the preview says how the columns were read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from webapp.models import Block
from webapp.services.blocks.statistics import block_specs, input_text
from webapp.statistics import importing as reader
from webapp.statistics.cells import (
    EMPTY,
    MISSING,
    NOT_APPLICABLE,
    Cell,
    Row,
    TableData,
    TableDataError,
    ValueProblemError,
    ValueType,
    interpret_number,
    parse_input,
)
from webapp.statistics.cells import (
    MAX_ROWS as MAX_TABLE_ROWS,
)
from webapp.statistics.countries import country_by_code, find_country
from webapp.statistics.formatting import format_number
from webapp.statistics.periods import parse_month_key
from webapp.statistics.specs import InputColumn, RowSource, TableSpec

ImportRefused = reader.ImportRefused
MAX_FILE_BYTES = reader.MAX_FILE_BYTES


@dataclass(frozen=True)
class Change:
    """One cell the import would change, as the preview lists it."""

    row_key: str
    column_key: str
    row_label: str
    column_label: str
    old_text: str
    new_text: str


@dataclass(frozen=True)
class ImportInput:
    """What a person handed over: pasted text, or an uploaded file (name and bytes)."""

    text: str = ""
    filename: str = ""
    data: bytes | None = None

    @property
    def is_file(self) -> bool:
        return self.data is not None

    @property
    def digest(self) -> str:
        """Fingerprint of the input, so apply can tell it is what was previewed."""
        payload = self.data if self.data is not None else self.text.encode("utf-8", "surrogatepass")
        return hashlib.sha256(payload).hexdigest()

    @property
    def description(self) -> str:
        return f"filen ”{self.filename}”" if self.is_file else "de inklistrade cellerna"


@dataclass
class ImportPreview:
    """Everything a preview shows and an apply needs. ``refused`` is set for unreadable input."""

    spec: TableSpec
    source: ImportInput
    changes: list[Change] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    refused: str | None = None
    cells_read: int = 0
    rows_read: int = 0
    result: TableData | None = None  # the table with the import applied (only when nothing blocks)

    @property
    def ok(self) -> bool:
        return self.refused is None and not self.problems and self.result is not None

    @property
    def blocking(self) -> list[str]:
        return [self.refused] if self.refused else list(self.problems)


# --- what a spec asks for ------------------------------------------------------------------------


def table_spec(block: Block, key: str) -> TableSpec | None:
    return next((spec for spec in block_specs(block) if spec.key == key), None)


def _unique(names: Sequence[str | None]) -> tuple[str, ...]:
    seen: list[str] = []
    for name in names:
        if name and name.strip() and name not in seen:
            seen.append(name)
    return tuple(seen)


def import_columns(spec: TableSpec) -> list[tuple[str, tuple[str, ...]]]:
    """(key, names) for every input column; the first name is the one messages use.

    A label several columns share ("Antal" under each category) is left out, and a group
    name ("Rådgivning") only counts when one column has it, so no header fits two columns.
    """
    labels = [column.label for column in spec.inputs]
    groups = [column.group for column in spec.inputs if column.group]
    result = []
    for column in spec.inputs:
        names: list[str | None] = [column.full_label]
        if labels.count(column.label) == 1:
            names.append(column.label)
        if column.group and groups.count(column.group) == 1:
            names.append(column.group)
        names.extend(column.aliases)
        result.append((column.key, _unique(names)))
    return result


def import_rows(spec: TableSpec) -> list[tuple[object, tuple[str, ...]]] | None:
    """(key, names) for every row: a ``date`` for a month row (its Swedish names as aliases), the
    row key for a fixed row, ``None`` for free rows."""
    if spec.row_source is RowSource.FREE:
        return None
    rows: list[tuple[object, tuple[str, ...]]] = []
    for row in spec.rows:
        month = parse_month_key(row.key) if spec.row_source is RowSource.MONTHS else None
        if month is not None:
            rows.append((date(month[0], month[1], 1), _unique([row.label, *row.aliases])))
        else:
            rows.append((row.key, _unique([row.label, *row.aliases])))
    return rows


def _row_key(key: object) -> str:
    return f"{key.year:04d}-{key.month:02d}" if isinstance(key, date) else str(key)


def _parse_country(value: reader.Cell) -> reader.ParsedCell:
    parsed = reader.parse_text(value)
    if parsed.kind is not reader.CellKind.VALUE:
        return parsed
    text = str(parsed.value)
    country = (country_by_code(text) if len(text) == 2 else None) or find_country(text)
    if country is None:
        shown = text if len(text) <= 40 else text[:39] + "…"
        return reader.ParsedCell(reader.CellKind.ERROR, message=f"”{shown}” finns inte i landlistan.")
    return reader.ParsedCell(reader.CellKind.VALUE, country.code)


def column_types(spec: TableSpec) -> dict:
    return {
        column.key: _parse_country if column.type is ValueType.COUNTRY else column.type.value for column in spec.inputs
    }


# --- reading -------------------------------------------------------------------------------------


def read_grid(source: ImportInput) -> reader.Grid:
    """The cells of the input; ImportRefused (Swedish message) for unreadable or hostile input."""
    if source.is_file:
        return reader.read_upload(source.data or b"", source.filename)
    if not source.text.strip():
        raise ImportRefused("Klistra in celler eller välj en fil först.")
    return reader.parse_pasted(source.text)


def _propose(spec: TableSpec, grid: reader.Grid) -> tuple[reader.ImportProposal, list[str]]:
    """The proposal, and the keys of the columns it covers, with the fallback for short pastes."""
    columns = import_columns(spec)
    rows = import_rows(spec)
    types = column_types(spec)
    proposal = reader.propose_import(grid, columns, rows, types)
    if not proposal.cells and proposal.header_row is None:
        # No header row: pasted month, women, men into a table with a third input.
        for count in range(len(columns) - 1, 0, -1):
            attempt = reader.propose_import(grid, columns[:count], rows, types)
            if attempt.cells:
                left = [names[0] for _key, names in columns[count:]]
                attempt.notes.append(
                    reader.Problem("Kolumner som inte fanns i underlaget och lämnas orörda: " + ", ".join(left) + ".")
                )
                return attempt, [key for key, _names in columns[:count]]
    return proposal, [key for key, _names in columns]


def _column_letter(index: int) -> str:
    letters, number = "", index
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


# --- the preview ---------------------------------------------------------------------------------


def _to_cell(parsed: reader.ParsedCell, column: InputColumn) -> Cell:
    if parsed.kind is reader.CellKind.EMPTY:
        return EMPTY
    if parsed.kind is reader.CellKind.MISSING:
        return MISSING
    if parsed.kind is reader.CellKind.NOT_APPLICABLE:
        return NOT_APPLICABLE
    value = parsed.value
    if isinstance(value, Decimal):
        text = format(value, "f")
    elif isinstance(value, date):
        text = value.isoformat()
    else:
        text = str(value)
    return parse_input(text, column.type)


def _range_problem(cell: Cell, column: InputColumn) -> str | None:
    if cell.raw is None or not column.numeric:  # not a value: only a value cell carries one
        return None
    try:
        value = interpret_number(cell.raw, column.type)
    except ValueProblemError:
        return None
    if column.min_value is not None and value < column.min_value:
        if column.min_value == 0:
            return "får inte vara negativt."
        return f"får inte vara mindre än {format_number(column.min_value, column.decimals)}."
    if column.max_value is not None and value > column.max_value:
        limit = format_number(column.max_value, column.decimals)
        return f"får inte vara större än {limit}{' %' if column.percent else ''}."
    return None


def _shown(value: reader.Cell) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= 40 else text[:39] + "…"


def preview_import(spec: TableSpec, tables: Mapping, source: ImportInput) -> ImportPreview:
    """Read, match and compare; never raises for bad input (it becomes ``refused`` or ``problems``)."""
    preview = ImportPreview(spec, source)
    try:
        grid = read_grid(source)
    except ImportRefused as refused:
        preview.refused = refused.message
        return preview
    try:
        current = TableData.from_json(tables.get(spec.key) or {})
    except TableDataError:
        current = TableData()

    proposal, covered = _propose(spec, grid)
    preview.notes = [note.message for note in proposal.notes]
    if spec.row_source is RowSource.FREE:  # whole rows are replaced: a column the source lacks becomes empty
        untouched = (
            "Kolumner som inte finns i underlaget och lämnas orörda: ",
            "Kolumner som inte fanns i underlaget och lämnas orörda: ",
        )
        preview.notes = [
            "Kolumner som inte finns i underlaget blir tomma: " + note[len(untouched[0]) :]
            if note.startswith(untouched)
            else note
            for note in preview.notes
        ]
    preview.rows_read = len(proposal.row_map)
    preview.cells_read = len(proposal.cells)

    header_cells: dict[int, str] = {}
    if proposal.header_row is not None:
        header = grid.rows[grid.row_numbers.index(proposal.header_row)]
        header_cells = {i + 1: _shown(v) for i, v in enumerate(header) if str(v).strip()}

    # The reader's problems, and values it read that the column does not allow (negative
    # counts, shares over 100 %), together in source order.
    problems = [(p.row or 0, p.column or 0, p.message) for p in proposal.problems]
    truncated = any(p.message.startswith("…") for p in proposal.problems)  # the count there is final
    new_cells: dict[tuple[reader.Key, str], Cell] = {}
    for (row_key, column_key), parsed in proposal.cells.items():
        if parsed.is_error:
            continue
        column = spec.input(column_key) if isinstance(column_key, str) else None
        assert column is not None  # _propose asks for the spec's input columns, by key
        cell = _to_cell(parsed, column)
        problem = _range_problem(cell, column)
        if problem and not truncated:
            number = proposal.row_map[row_key]
            index = proposal.column_map[column.key]
            raw = grid.rows[grid.row_numbers.index(number)][index - 1]
            name = header_cells.get(index) or _column_letter(index)
            problems.append((number, index, f"Rad {number}, kolumn {name}: ”{_shown(raw)}” {problem}"))
        new_cells[(row_key, column.key)] = cell
    problems.sort(key=lambda item: (item[2].startswith("…"), item[0], item[1]))
    preview.problems = [message for _row, _column, message in problems]
    if len(preview.problems) > reader.MAX_PROBLEMS + 1:
        rest = len(preview.problems) - reader.MAX_PROBLEMS
        preview.problems[reader.MAX_PROBLEMS :] = [f"… och {format_number(rest)} fel till."]
    if preview.problems or not proposal.cells:
        if not preview.problems:
            preview.problems.append("Det finns inga celler att importera.")
        return preview

    if spec.row_source is RowSource.FREE:
        result = _replace_free_rows(spec, current, new_cells, covered, preview)
    else:
        result = current
        for (row_key, column_key), cell in new_cells.items():
            result = result.with_cell(_row_key(row_key), column_key, cell)
        preview.changes = _changes(spec, current, result, [_row_key(k) for k, _n in import_rows(spec) or []])
    if preview.problems:
        return preview
    preview.result = result
    return preview


def _replace_free_rows(
    spec: TableSpec, current: TableData, new_cells: dict, covered: list[str], preview: ImportPreview
) -> TableData:
    count = 1 + max((index for index, _column in new_cells), default=-1)
    if count > MAX_TABLE_ROWS:
        preview.problems.append(f"För många rader: en tabell rymmer högst {format_number(MAX_TABLE_ROWS)} rader.")
        return current
    keys = [row.key for row in current.rows][:count]
    taken = set(keys) | {row.key for row in current.rows}
    number = 1
    while len(keys) < count:
        while f"r{number}" in taken:
            number += 1
        keys.append(f"r{number}")
        taken.add(keys[-1])
    # Rows are built whole: setting cells one at a time copies the table for every cell.
    rows = []
    for index, key in enumerate(keys):
        row = Row(key, None, {column_key: new_cells.get((index, column_key), EMPTY) for column_key in covered})
        if not row.is_blank:
            rows.append(row)
    result = TableData(tuple(rows), current.notes, current.justifications, current.figures)
    removed = len(current.rows) - len(result.rows)
    preview.notes.append(
        (
            "Tabellens rader ersätts med den inlästa raden"
            if len(result.rows) == 1
            else f"Tabellens rader ersätts med de {format_number(len(result.rows))} inlästa raderna"
        )
        + (
            "; 1 rad tas bort."
            if removed == 1
            else f"; {format_number(removed)} rader tas bort."
            if removed > 1
            else "."
        )
    )
    new_keys = {row.key for row in result.rows}
    order = [row.key for row in result.rows] + [row.key for row in current.rows if row.key not in new_keys]
    numbers = {key: position for position, key in enumerate(order, 1)}
    numbers.update({row.key: position for position, row in enumerate(current.rows, 1)})
    preview.changes = _changes(spec, current, result, order, label=lambda key: f"Rad {numbers[key]}")
    return result


def _changes(spec: TableSpec, before: TableData, after: TableData, row_order: list[str], label=None) -> list[Change]:
    old_rows = {row.key: row for row in before.rows}
    new_rows = {row.key: row for row in after.rows}
    changes = []
    for row_key in row_order:
        fixed = spec.fixed_row(row_key)
        row_label = label(row_key) if label else (fixed.label if fixed else row_key)
        old_row, new_row = old_rows.get(row_key), new_rows.get(row_key)
        for column in spec.inputs:
            old = old_row.cell(column.key) if old_row else EMPTY
            new = new_row.cell(column.key) if new_row else EMPTY
            if old == new:
                continue
            changes.append(
                Change(
                    row_key,
                    column.key,
                    row_label,
                    column.full_label,
                    input_text(old, column.type),
                    input_text(new, column.type),
                )
            )
    return changes


def applied_tables(tables: Mapping, preview: ImportPreview) -> dict:
    """The block's tables with the previewed import in place; only for an ``ok`` preview."""
    if not preview.ok or preview.result is None:
        raise ValueError("the import has problems and cannot be applied")
    result = {key: value for key, value in tables.items()}
    data = preview.result.to_json()
    if data == TableData().to_json():
        result.pop(preview.spec.key, None)
    else:
        result[preview.spec.key] = data
    return result
