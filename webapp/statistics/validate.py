"""Validation: what is wrong with a table (errors) and what looks odd (warnings).

Errors block submission: unreadable values, negatives, decimals where a count belongs, a share
over 100 %, required cells left empty, unknown countries. Warnings may be justified (a line of
text, or just "ok", stored in the table data under the issue's id): occupancy over 100 %, a
change of more than ±30 % against the previous period, an empty month or cell. Every message is
Swedish and names the row and the column, e.g. "November, Kvinnor: ange ett heltal."
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from webapp.statistics.capacity import offered_bed_nights
from webapp.statistics.cells import (
    Cell,
    CellState,
    TableData,
    ValueProblem,
    ValueProblemError,
    ValueType,
    interpret,
)
from webapp.statistics.compare import compare
from webapp.statistics.compute import TOTAL_KEY, ComputeContext, ComputedTable, compute, row_label
from webapp.statistics.countries import country_by_code
from webapp.statistics.figures import FigureState
from webapp.statistics.formatting import PERCENT_SPACE, format_number, format_percent
from webapp.statistics.periods import parse_month_key
from webapp.statistics.specs import ComputedKind, DefaultKind, InputColumn, RowSource, TableSpec

CHANGE_FLOOR = 10  # changes between figures this small are noise, not news


class Level(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Issue:
    level: Level
    code: str
    row_key: str | None
    column_key: str | None
    message: str

    @property
    def id(self) -> str:
        """Stable across edits of the value, so a justification stays attached to its issue."""
        return f"{self.code}:{self.row_key or '-'}:{self.column_key or '-'}"

    @property
    def is_error(self) -> bool:
        return self.level is Level.ERROR


def is_justified(issue: Issue, justifications: Mapping[str, str]) -> bool:
    return not issue.is_error and bool(justifications.get(issue.id, "").strip())


def unresolved(issues: Iterable[Issue], justifications: Mapping[str, str]) -> tuple[Issue, ...]:
    """Errors, and warnings nobody has justified yet."""
    return tuple(i for i in issues if not is_justified(i, justifications))


def blocking(issues: Iterable[Issue], justifications: Mapping[str, str]) -> bool:
    """Submission is blocked by any error and by any warning without a justification."""
    return bool(unresolved(issues, justifications))


# --- messages --------------------------------------------------------------------------------

_VALUE_MESSAGES = {
    ValueProblem.NOT_INTEGER: "ange ett heltal.",
    ValueProblem.HAS_DECIMALS: "ange ett heltal, utan decimaler.",
    ValueProblem.NOT_NUMBER: "ange ett tal.",
    ValueProblem.NOT_DATE: "ange ett datum, till exempel 2021-11-30.",
    ValueProblem.TOO_LARGE: "talet är orimligt stort.",
}


def _where(row: str | None, column: str | None) -> str:
    return ", ".join(part for part in (row, column) if part)


class _Collector:
    def __init__(self) -> None:
        self.issues: list[Issue] = []

    def add(
        self,
        level: Level,
        code: str,
        row_key: str | None,
        column_key: str | None,
        row: str | None,
        column: str | None,
        text: str,
    ) -> None:
        where = _where(row, column)
        message = f"{where}: {text}" if where else text[:1].upper() + text[1:]
        self.issues.append(Issue(level, code, row_key, column_key, message))

    def error(self, *args) -> None:
        self.add(Level.ERROR, *args)

    def warning(self, *args) -> None:
        self.add(Level.WARNING, *args)


def _amount(value: Decimal | int) -> str:
    return format_number(value, 0 if value == int(value) else 1)


# --- the checks --------------------------------------------------------------------------------


def _check_value(
    out: _Collector, cell: Cell, column: InputColumn, row_key: str | None, row: str | None, context: ComputeContext
) -> None:
    """One typed-in value: readable, in range, a known country, a date inside the period."""
    try:
        value = interpret(cell.raw, column.type)  # type: ignore[arg-type]
    except ValueProblemError as problem:
        if problem.problem is ValueProblem.UNKNOWN_COUNTRY:
            out.error(
                "unknown_country",
                row_key,
                column.key,
                row,
                column.full_label,
                f"okänt land ”{problem.raw}”; välj ett land ur listan.",
            )
        else:
            out.error(
                problem.problem.value, row_key, column.key, row, column.full_label, _VALUE_MESSAGES[problem.problem]
            )
        return
    if column.numeric:
        if column.min_value is not None and value < column.min_value:  # type: ignore[operator]
            text = (
                "får inte vara negativt."
                if column.min_value == 0
                else f"får inte vara mindre än {_amount(column.min_value)}."
            )
            out.error(
                "negative" if column.min_value == 0 else "below_min", row_key, column.key, row, column.full_label, text
            )
        if column.max_value is not None and value > column.max_value:  # type: ignore[operator]
            if column.percent and column.max_value == 100:
                out.error(
                    "share_over_100",
                    row_key,
                    column.key,
                    row,
                    column.full_label,
                    f"en andel kan inte vara över 100{PERCENT_SPACE}%.",
                )
            else:
                out.error(
                    "above_max",
                    row_key,
                    column.key,
                    row,
                    column.full_label,
                    f"får inte vara större än {_amount(column.max_value)}.",
                )
    if isinstance(value, date) and column.default is None and row_key is not None:
        if not context.period_start <= value <= context.period_end:
            out.warning(
                "date_outside_period",
                row_key,
                column.key,
                row,
                column.full_label,
                "datumet ligger utanför rapportperioden.",
            )


def _check_rows(out: _Collector, spec: TableSpec, data: TableData, context: ComputeContext) -> None:
    known = {r.key for r in spec.rows}
    if spec.row_source is RowSource.FREE:
        rows = [
            (position, row.key, row_label(spec, row.key, row.label, position), row)
            for position, row in enumerate(data.rows, start=1)
            if not row.is_blank
        ]
    else:
        rows = [
            (position, fixed.key, fixed.label, data.row(fixed.key)) for position, fixed in enumerate(spec.rows, start=1)
        ]
        for row in data.rows:
            if row.key not in known and not row.is_blank:
                out.warning(
                    "unknown_row",
                    row.key,
                    None,
                    None,
                    None,
                    f"raden ”{row.label or row.key}” hör inte till tabellen och räknas inte med.",
                )
    for _position, key, label, row in rows:
        cells = {c.key: (row.cell(c.key) if row else Cell()) for c in spec.inputs}
        asked = [c for c in spec.inputs if c.default is None]
        if spec.row_source is not RowSource.FREE and all(cells[c.key].is_empty for c in asked):
            code = "month_missing" if spec.row_source is RowSource.MONTHS else "row_empty"
            out.warning(
                code,
                key,
                None,
                label,
                None,
                "inga uppgifter ifyllda; fyll i eller välj uppgift saknas eller ej tillämpligt.",
            )
            continue
        covered = {
            operand for c in spec.computed if c.fallback and not cells[c.fallback].is_empty for operand in c.columns
        }  # a share typed instead of a count
        for column in spec.inputs:
            cell = cells[column.key]
            if cell.state is CellState.VALUE:
                _check_value(out, cell, column, key, label, context)
            elif cell.is_empty and column.default is None:
                if column.required:
                    out.error(
                        "required",
                        key,
                        column.key,
                        label,
                        column.full_label,
                        "fyll i ett värde, eller välj uppgift saknas eller ej tillämpligt.",
                    )
                elif column.totalled and column.key not in covered:
                    out.warning(
                        "empty",
                        key,
                        column.key,
                        label,
                        column.full_label,
                        "inte ifyllt; fyll i ett värde eller välj uppgift saknas eller ej tillämpligt.",
                    )
        _check_defaults(out, spec, data, context, key, label, cells)


def _check_defaults(
    out: _Collector,
    spec: TableSpec,
    data: TableData,
    context: ComputeContext,
    key: str,
    label: str,
    cells: Mapping[str, Cell],
) -> None:
    """A typed total that contradicts its parts; an offered figure changed without a reason."""
    for column in spec.inputs:
        cell, default = cells[column.key], column.default
        if default is None or cell.state is not CellState.VALUE:
            continue
        try:
            value = interpret(cell.raw, column.type)  # type: ignore[arg-type]
        except ValueProblemError:
            continue
        if default.kind is DefaultKind.SUM:
            parts = []
            for part_key in default.columns:
                part = cells[part_key]
                if part.state is CellState.NOT_APPLICABLE:
                    continue
                try:
                    parts.append(
                        interpret(part.raw, spec.input(part_key).type) if part.state is CellState.VALUE else None
                    )
                except ValueProblemError:
                    parts.append(None)
            if parts and None not in parts and sum(parts) != value:  # type: ignore[arg-type]
                names = " + ".join(spec.input(k).label for k in default.columns)
                out.error(
                    "sum_mismatch",
                    key,
                    column.key,
                    label,
                    column.full_label,
                    f"{names} blir {_amount(sum(parts))}, inte {_amount(value)}.",
                )  # type: ignore[arg-type]
        elif default.kind is DefaultKind.CAPACITY and context.capacity is not None:
            month = parse_month_key(key)
            if month is None:
                continue
            suggested = offered_bed_nights(context.capacity, *month, (context.period_start, context.period_end))
            if value != suggested and not data.note(key, column.key):
                out.warning(
                    "override_without_note",
                    key,
                    column.key,
                    label,
                    column.full_label,
                    f"avviker från kapaciteten ({_amount(suggested)}); skriv i en anteckning varför.",
                )


def _check_figures(
    out: _Collector, spec: TableSpec, data: TableData, table: ComputedTable, context: ComputeContext
) -> None:
    for column in spec.figures:
        cell = data.figure(column.key)
        if cell.state is CellState.VALUE:
            _check_value(out, cell, column, None, None, context)
    # A period total beside complete months must agree with them.
    for column in spec.inputs:
        fallback = column.fallback
        if fallback is None or fallback.share_of is not None or table.total is None:
            continue
        reported = table.figures.get(fallback.figure)
        summed = [r[column.key] for r in table.rows]
        if (
            reported is None
            or not reported.is_number
            or not all(f.is_number or f.state is FigureState.NOT_APPLICABLE for f in summed)
        ):
            continue
        months = sum(f.value for f in summed if f.is_number)  # type: ignore[misc]
        if any(f.is_number for f in summed) and months != reported.value:
            figure = spec.figure(fallback.figure)
            out.warning(
                "period_total_mismatch",
                None,
                fallback.figure,
                None,
                figure.label,
                f"{_amount(reported.value)} stämmer inte med summan av månaderna ({_amount(months)}).",
            )  # type: ignore[arg-type]


def _check_computed(out: _Collector, table: ComputedTable) -> None:
    spec = table.spec
    for row in table.all_rows:
        key = row.key
        for column in spec.computed:
            figure = row[column.key]
            if not figure.is_number:
                continue
            if column.kind is ComputedKind.SHARE_OF_TOTAL and not row[column.columns[0]].is_number:
                continue  # a typed share, checked as an input
            if column.kind in (ComputedKind.SHARE, ComputedKind.SHARE_OF_TOTAL) and figure.value > 100:  # type: ignore[operator]
                parts = " och ".join(_label(spec, k) for k in column.columns)
                out.error(
                    "share_over_100",
                    key,
                    column.key,
                    row.label,
                    column.full_label,
                    f"andelen blir {format_percent(figure.value, 1)}, över 100{PERCENT_SPACE}%; kontrollera {parts}.",
                )  # type: ignore[arg-type]
            elif column.warn_above is not None and figure.value > column.warn_above:  # type: ignore[operator]
                out.warning(
                    "above_limit",
                    key,
                    column.key,
                    row.label,
                    column.full_label,
                    f"{format_percent(figure.value, 1)} är över {format_percent(column.warn_above, 0)}; "  # type: ignore[arg-type]
                    "kontrollera siffrorna eller förklara varför.",
                )
        for column in spec.computed:
            if column.kind is ComputedKind.NIGHTS and not row.is_total:
                first, last = row[column.columns[0]], row[column.columns[1]]
                if first.state is last.state is FigureState.VALUE and first.value > last.value:  # type: ignore[operator]
                    out.error(
                        "date_order",
                        key,
                        column.columns[1],
                        row.label,
                        _label(spec, column.columns[1]),
                        f"ligger före {_label(spec, column.columns[0]).lower()}.",
                    )
    for column in spec.inputs:
        if column.percent and not column.total and table.rows:
            shares = [r[column.key] for r in table.rows if r[column.key].is_number]
            tolerance = Decimal("0.5") * len(shares)
            if shares and sum(s.value for s in shares) > 100 + tolerance:  # type: ignore[misc]
                out.error(
                    "shares_over_100",
                    TOTAL_KEY,
                    column.key,
                    spec.total_label,
                    column.full_label,
                    f"andelarna blir tillsammans {format_percent(sum(s.value for s in shares), 1)}, "  # type: ignore[misc]
                    f"över 100{PERCENT_SPACE}%.",
                )


def _label(spec: TableSpec, key: str) -> str:
    column = spec.column(key)
    return column.full_label if column else key


def _check_countries(out: _Collector, table: ComputedTable) -> None:
    seen: dict[str, str] = {}
    for row in table.rows:
        for column in table.spec.inputs:
            if column.type is not ValueType.COUNTRY:
                continue
            figure = row[column.key]
            if figure.state is not FigureState.VALUE:
                continue
            code = str(figure.value)
            if code in seen:
                country = country_by_code(code)
                out.error(
                    "duplicate_country",
                    row.key,
                    column.key,
                    row.label,
                    column.full_label,
                    f"{country.name_sv if country else code} finns redan på raden {seen[code]}.",
                )
            else:
                seen[code] = row.label


def _check_changes(out: _Collector, table: ComputedTable, previous: ComputedTable | None) -> None:
    spec = table.spec
    limit = spec.change_warning_percent
    for change in compare(table, previous, spec.compare).changes:
        if change.change_percent is None or abs(change.change_percent) <= limit:
            continue
        if max(abs(change.previous.value), abs(change.current.value)) < CHANGE_FLOOR:  # type: ignore[arg-type]
            continue
        direction = "högre" if change.change_percent > 0 else "lägre"
        out.warning(
            "change",
            change.row_key,
            change.column_key,
            change.row_label,
            change.column_label,
            f"{format_percent(abs(change.change_percent), 0)} {direction} än förra perioden "
            f"({change.previous.text} → {change.current.text}); förklara gärna varför.",
        )


def validate(
    spec: TableSpec,
    data: TableData | None,
    context: ComputeContext,
    previous: ComputedTable | None = None,
    computed: ComputedTable | None = None,
) -> tuple[Issue, ...]:
    """Every error and warning of a table, errors first, in table order within each level."""
    data = data or TableData()
    table = computed or compute(spec, data, context)
    out = _Collector()
    _check_rows(out, spec, data, context)
    _check_figures(out, spec, data, table, context)
    _check_computed(out, table)
    _check_countries(out, table)
    _check_changes(out, table, previous)
    unique = {issue.id: issue for issue in out.issues}
    return tuple(sorted(unique.values(), key=lambda i: 0 if i.is_error else 1))
