"""A block's statistics tables: specs for its report, computed views, edits from a form, joint tables.

The engine (webapp/statistics) is pure; this module connects it to blocks, units and
reports. Nothing computed is stored: every view is derived from the inputs saved in
a revision (or in the writer's draft).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from webapp.input_errors import InputRefused
from webapp.models import Block, Report, TemplateSection, Unit
from webapp.statistics.aggregate import UnitTable, aggregate, unit_summary
from webapp.statistics.cells import TableData, TableDataError, parse_input
from webapp.statistics.compare import compare
from webapp.statistics.compute import ComputeContext, compute
from webapp.statistics.presets import KIND_HOOKS, build_spec
from webapp.statistics.specs import RowSource, TableKind, TableSpec
from webapp.statistics.tables import NEW_ROW_KEY, BlockTable, SectionJointTable
from webapp.statistics.validate import Issue, validate

# Form field names: "cell|<table>|<row>|<column>", "figure|<table>|<key>", "justify|<table>|<issue id>".
FIELD_SEPARATOR = "|"


class TableInputError(InputRefused):
    """A posted table field names no table, row or column of the block; nothing is saved."""


def section_specs(section: TemplateSection, report: Report) -> tuple[TableSpec, ...]:
    return tuple(build_spec(dict(raw), report.period_start, report.period_end) for raw in section.table_specs)


def block_specs(block: Block) -> tuple[TableSpec, ...]:
    """Tables belong to each unit's block; a joint text carries none (joint tables are computed)."""
    return () if block.joint else section_specs(block.section, block.report)


def compute_context(unit: Unit, report: Report) -> ComputeContext:
    """The period and the unit's capacity for this report.

    A report keeps its own capacity schedules (taken from the units' schedules when it was
    created, or carried over and confirmed), so later changes to a unit never alter it.
    """
    report_capacity = next((c for c in report.capacities if c.unit_id == unit.id), None)
    schedule = report_capacity.schedule if report_capacity is not None else ()
    return ComputeContext(report.period_start, report.period_end, schedule or None)


def _table_data(tables: Mapping, key: str) -> TableData:
    try:
        return TableData.from_json(tables.get(key) or {})
    except TableDataError:
        # Stored data always passed from_json when saved; if a spec changed since, start clean.
        return TableData()


def block_tables(block: Block, tables: Mapping, previous_block: Block | None = None) -> tuple[BlockTable, ...]:
    """Every table of ``block`` computed from ``tables`` (the block's stored or drafted inputs)."""
    previous_tables = {}
    if previous_block is not None and previous_block.current_revision is not None:
        previous_report = previous_block.report
        previous_context = compute_context(previous_block.unit, previous_report)
        previous_data = previous_block.current_revision.tables or {}
        for spec in section_specs(previous_block.section, previous_report):
            if spec.key in previous_data:
                previous_tables[spec.key] = compute(
                    spec, _table_data(previous_data, spec.key), previous_context, KIND_HOOKS
                )
    context = compute_context(block.unit, block.report)
    views = []
    for spec in block_specs(block):
        data = _table_data(tables, spec.key)
        computed = compute(spec, data, context, KIND_HOOKS)
        previous = previous_tables.get(spec.key)
        issues = validate(spec, data, context, previous=previous, computed=computed)
        views.append(
            BlockTable(
                spec, data, computed, issues, previous, compare(computed, previous) if previous is not None else None
            )
        )
    return tuple(views)


_FREE_ROW_KEY = re.compile(r"r[1-9][0-9]{0,3}")


def _next_free_row_key(data: TableData) -> str:
    taken = {row.key for row in data.rows}
    number = len(taken) + 1
    while f"r{number}" in taken:
        number += 1
    return f"r{number}"


def apply_table_fields(block: Block, tables: Mapping, fields: Mapping[str, str]) -> dict:
    """The block's table inputs after the posted grid fields are applied.

    Only fields that are posted change anything; a free row whose cells all become
    empty disappears. Unknown tables, rows or columns raise TableInputError.
    """
    if not any(name.partition(FIELD_SEPARATOR)[0] in ("cell", "figure", "justify") for name in fields):
        return dict(tables)  # a text-only save: no specs to build, nothing to parse
    specs = {spec.key: spec for spec in block_specs(block)}
    data = {key: _table_data(tables, key) for key in specs}
    new_rows: dict[str, str] = {}
    for name, raw_value in fields.items():
        kind, _, rest = name.partition(FIELD_SEPARATOR)
        if kind not in ("cell", "figure", "justify"):
            continue
        table_key, _, rest = rest.partition(FIELD_SEPARATOR)
        spec = specs.get(table_key)
        if spec is None:
            raise TableInputError(f"Okänd tabell: {table_key}")
        value = (raw_value or "").strip()
        if kind == "justify":
            data[table_key] = data[table_key].with_justification(rest, value[:2000])
        elif kind == "figure":
            column = spec.figure(rest)
            if column is None:
                raise TableInputError(f"Okänd uppgift i {spec.title}: {rest}")
            data[table_key] = data[table_key].with_figure(rest, parse_input(value, column.type))
        else:
            row_key, _, column_key = rest.partition(FIELD_SEPARATOR)
            column = spec.input(column_key)
            if column is None:
                raise TableInputError(f"Okänd kolumn i {spec.title}: {column_key}")
            if spec.row_source is RowSource.FREE:
                if row_key == NEW_ROW_KEY:
                    if not value:
                        continue
                    row_key = new_rows.setdefault(table_key, _next_free_row_key(data[table_key]))
                    if data[table_key].row(row_key) is None:
                        data[table_key] = data[table_key].with_row(row_key)
                elif data[table_key].row(row_key) is None:
                    # A row the writer's page shows but her base lacks (another tab of hers saved
                    # or emptied it meanwhile): her page is what she means, so the row comes back.
                    if not _FREE_ROW_KEY.fullmatch(row_key):
                        raise TableInputError(f"Okänd rad i {spec.title}: {row_key}")
                    data[table_key] = data[table_key].with_row(row_key)
            elif spec.fixed_row(row_key) is None:
                raise TableInputError(f"Okänd rad i {spec.title}: {row_key}")
            data[table_key] = data[table_key].with_cell(row_key, column_key, parse_input(value, column.type))
    for key, spec in specs.items():
        if spec.row_source is RowSource.FREE:
            for row in data[key].rows:
                if row.is_blank:
                    data[key] = _without_free_row(data[key], row.key)
    result = {key: table.to_json() for key, table in data.items() if table.to_json() != TableData().to_json()}
    return result


def _without_free_row(data: TableData, row_key: str) -> TableData:
    """A free row that goes takes its warnings' justifications along: its key is given to the
    next new row, which must not arrive with an explanation nobody gave for it."""
    data = data.without_row(row_key)
    for issue_id in [i for i in data.justifications if i.rsplit(":", 2)[1:2] == [row_key]]:
        data = data.with_justification(issue_id, "")
    return data


def reshaped_tables(block: Block, before: Mapping, after: Mapping) -> set[str]:
    """Tables with free rows whose rows were added or removed: the grid must be drawn anew."""
    return {
        spec.key
        for spec in block_specs(block)
        if spec.row_source is RowSource.FREE
        and [r.key for r in _table_data(before, spec.key).rows] != [r.key for r in _table_data(after, spec.key).rows]
    }


def joint_tables(section: TemplateSection, report: Report, blocks: Iterable[Block]) -> tuple[SectionJointTable, ...]:
    """Joint tables for the section: monthly sums (occupancy) or one row per unit (visits)."""
    unit_blocks = [b for b in blocks if not b.joint]
    if not unit_blocks:
        return ()
    result = []
    for spec in section_specs(section, report):
        if spec.kind not in (TableKind.OCCUPANCY, TableKind.VISITS):
            continue
        units = [
            UnitTable(
                b.unit.key,
                b.unit.name,
                _table_data(b.current_revision.tables if b.current_revision else {}, spec.key),
                compute_context(b.unit, report),
            )
            for b in unit_blocks
        ]
        context = ComputeContext(report.period_start, report.period_end)
        joint = (
            aggregate(spec, units, context) if spec.kind is TableKind.OCCUPANCY else unit_summary(spec, units, context)
        )
        result.append(SectionJointTable(spec, joint))
    return tuple(result)


# --- The editable grid: everything the template needs, decided here -----------------------------


@dataclass(frozen=True)
class GridCell:
    column_key: str
    editable: bool
    text: str  # the input's value, or the computed figure as shown
    name: str = ""  # form field name of an input
    element_id: str = ""
    invalid: bool = False
    placeholder: str = ""  # an empty input's default, e.g. offered bed-nights from capacity
    numeric: bool = True
    label: str = ""  # "November: Kvinnor", for screen readers


@dataclass(frozen=True)
class GridRow:
    key: str
    label: str
    cells: tuple[GridCell, ...]
    is_total: bool = False
    is_previous: bool = False


@dataclass(frozen=True)
class GridIssue:
    issue: Issue
    target_id: str  # the cell the message is about, for a link
    justification_name: str
    justification: str
    justification_id: str


@dataclass(frozen=True)
class Grid:
    table: BlockTable
    headers: tuple[tuple[str, bool], ...]  # (label, is computed)
    rows: tuple[GridRow, ...]
    figures: tuple[GridCell, ...]
    figure_labels: tuple[str, ...]
    errors: tuple[GridIssue, ...]
    warnings: tuple[GridIssue, ...]

    @property
    def key(self) -> str:
        return self.table.spec.key


def input_text(cell, value_type) -> str:
    """What an input shows for a stored cell: the value typed the Swedish way, or the state word."""
    from webapp.statistics.cells import STATE_WORDS, CellState, ValueType

    if cell.state is not CellState.VALUE:
        return STATE_WORDS.get(cell.state, "")
    if value_type is ValueType.DECIMAL:
        return str(cell.raw).replace(".", ",")
    if value_type is ValueType.COUNTRY:
        from webapp.statistics.countries import country_by_code

        country = country_by_code(str(cell.raw))
        return country.name_sv if country else str(cell.raw)
    return str(cell.raw)


JUSTIFICATION_ID_PREFIX = "c-j-"


def _element_id(*parts: str) -> str:
    return "c-" + "-".join(part.replace("_", "").replace(".", "") for part in parts)


def build_grid(table: BlockTable) -> Grid:
    spec, data, computed = table.spec, table.data, table.computed
    invalid = {(i.row_key, i.column_key) for i in table.errors}
    headers = tuple((c.full_label, spec.input(c.key) is None) for c in spec.columns)
    rows = []
    for key in table.row_keys:
        computed_row = computed.row(key)
        label = computed_row.label if computed_row else "Ny rad"
        cells = []
        for column in spec.columns:
            input_column = spec.input(column.key)
            if input_column is not None:
                figure = computed_row[column.key] if computed_row else None
                cells.append(
                    GridCell(
                        column.key,
                        True,
                        input_text(data.cell(key, column.key), input_column.type),
                        name=FIELD_SEPARATOR.join(("cell", spec.key, key, column.key)),
                        element_id=_element_id(spec.key, key, column.key),
                        invalid=(key, column.key) in invalid,
                        placeholder=figure.text if figure is not None and figure.defaulted else "",
                        numeric=input_column.numeric,
                        label=f"{label}: {column.full_label}",
                    )
                )
            else:
                text = computed_row[column.key].text if computed_row else ""
                cells.append(GridCell(column.key, False, text))
        rows.append(GridRow(key, label, tuple(cells)))
    if computed.total is not None:
        rows.append(
            GridRow(
                computed.total.key,
                computed.total.label,
                tuple(GridCell(c.key, False, computed.total[c.key].text) for c in spec.columns),
                is_total=True,
            )
        )
        previous_total = table.previous.total if table.previous is not None else None
        if previous_total is not None:
            rows.append(
                GridRow(
                    "_previous",
                    "Förra perioden",
                    tuple(GridCell(c.key, False, previous_total[c.key].text) for c in spec.columns),
                    is_previous=True,
                )
            )
    figures = tuple(
        GridCell(
            f.key,
            True,
            input_text(data.figure(f.key), f.type),
            name=FIELD_SEPARATOR.join(("figure", spec.key, f.key)),
            element_id=_element_id(spec.key, "fig", f.key),
            invalid=(None, f.key) in invalid,
        )
        for f in spec.figures
    )

    def grid_issue(issue: Issue) -> GridIssue:
        target = _element_id(spec.key, issue.row_key or "", issue.column_key or "") if issue.row_key else ""
        return GridIssue(
            issue,
            target,
            FIELD_SEPARATOR.join(("justify", spec.key, issue.id)),
            data.justifications.get(issue.id, ""),
            _element_id("j", spec.key, *issue.id.split(":")),
        )

    return Grid(
        table,
        headers,
        tuple(rows),
        figures,
        tuple(f.label for f in spec.figures),
        tuple(grid_issue(i) for i in table.errors),
        tuple(grid_issue(i) for i in table.warnings),
    )


# --- What changed in the tables between two revisions ------------------------------------------


@dataclass(frozen=True)
class TableChange:
    table: str
    row: str
    column: str
    before: str
    after: str


def table_changes(block: Block, before: Mapping, after: Mapping) -> tuple[TableChange, ...]:
    """Every input that differs between two versions of the block's tables, in table order."""
    changes = []
    for spec in block_specs(block):
        old, new = _table_data(before, spec.key), _table_data(after, spec.key)
        row_keys = (
            [r.key for r in spec.rows]
            if spec.row_source is not RowSource.FREE
            else list(dict.fromkeys([r.key for r in old.rows] + [r.key for r in new.rows]))
        )
        for position, row_key in enumerate(row_keys, start=1):
            fixed = spec.fixed_row(row_key)
            row_label = fixed.label if fixed else f"Rad {position}"
            for column in spec.inputs:
                was = input_text(old.cell(row_key, column.key), column.type)
                now = input_text(new.cell(row_key, column.key), column.type)
                if was != now:
                    changes.append(TableChange(spec.title, row_label, column.label, was, now))
        for figure in spec.figures:
            was, now = input_text(old.figure(figure.key), figure.type), input_text(new.figure(figure.key), figure.type)
            if was != now:
                changes.append(TableChange(spec.title, "", figure.label, was, now))
    return tuple(changes)


def unresolved_problems(block: Block, tables: Mapping, previous_block: Block | None) -> int:
    """Errors plus warnings nobody has justified: any of them keeps the block from being submitted."""
    return sum(len(t.errors) + len(t.unresolved_warnings) for t in block_tables(block, tables, previous_block))
