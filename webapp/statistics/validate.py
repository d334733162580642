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
    RawValue,
    Row,
    TableData,
    ValueProblem,
    ValueProblemError,
    ValueType,
    interpret,
    interpret_number,
)
from webapp.statistics.compare import compare
from webapp.statistics.compute import TOTAL_KEY, ComputeContext, ComputedTable, compute, row_label
from webapp.statistics.countries import country_by_code
from webapp.statistics.figures import Figure, FigureState, Number
from webapp.statistics.formatting import PERCENT_SPACE, format_number, format_percent
from webapp.statistics.formatting import round_half_up as _round
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

    def error(
        self, code: str, row_key: str | None, column_key: str | None, row: str | None, column: str | None, text: str
    ) -> None:
        self.add(Level.ERROR, code, row_key, column_key, row, column, text)

    def warning(
        self, code: str, row_key: str | None, column_key: str | None, row: str | None, column: str | None, text: str
    ) -> None:
        self.add(Level.WARNING, code, row_key, column_key, row, column, text)


def _amount(value: Decimal | int) -> str:
    return format_number(value, 0 if value == int(value) else 1)


# --- the checks --------------------------------------------------------------------------------


def _check_value(
    out: _Collector, raw: RawValue, column: InputColumn, row_key: str | None, row: str | None, context: ComputeContext
) -> None:
    """One typed-in value: readable, in range, a known country, a date inside the period."""
    try:
        value = interpret(raw, column.type)
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
    if isinstance(value, int | Decimal):  # the column is numeric
        if column.min_value is not None and value < column.min_value:
            text = (
                "får inte vara negativt."
                if column.min_value == 0
                else f"får inte vara mindre än {_amount(column.min_value)}."
            )
            out.error(
                "negative" if column.min_value == 0 else "below_min", row_key, column.key, row, column.full_label, text
            )
        if column.max_value is not None and value > column.max_value:
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
    rows: list[tuple[int, str, str, Row | None]]
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
        for data_row in data.rows:
            if data_row.key not in known and not data_row.is_blank:
                out.warning(
                    "unknown_row",
                    data_row.key,
                    None,
                    None,
                    None,
                    f"raden ”{data_row.label or data_row.key}” hör inte till tabellen och räknas inte med.",
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
            if cell.raw is not None:  # a value: only a value cell carries one
                _check_value(out, cell.raw, column, key, label, context)
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
        if default is None or cell.raw is None:  # no default, or not a value
            continue
        try:
            value = interpret(cell.raw, column.type)
        except ValueProblemError:
            continue
        if default.kind is DefaultKind.SUM:
            parts = [_sum_operand(spec, k) for k in default.columns]
            summed = _sum_of_parts(cells, parts)
            if summed is not None and isinstance(value, int | Decimal) and summed != value:
                names = " + ".join(part.label for part in parts)
                out.error(
                    "sum_mismatch",
                    key,
                    column.key,
                    label,
                    column.full_label,
                    f"{names} blir {_amount(summed)}, inte {_amount(value)}.",
                )
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


def _sum_operand(spec: TableSpec, key: str) -> InputColumn:
    column = spec.input(key)
    assert column is not None  # specs._check_input: a sum default adds up the spec's own inputs
    return column


def _sum_of_parts(cells: Mapping[str, Cell], parts: Iterable[InputColumn]) -> Number | None:
    """The typed parts of a sum default added up, ej tillämpligt ones left out; None when no
    part counts or any counted part is not a readable number."""
    total: Number = 0
    counted = False
    for column in parts:
        part = cells[column.key]
        if part.state is CellState.NOT_APPLICABLE:
            continue
        if part.raw is None:  # empty or missing
            return None
        try:
            total += interpret_number(part.raw, column.type)  # specs._check_input: numeric parts
        except ValueProblemError:
            return None
        counted = True
    return total if counted else None


def _check_figures(
    out: _Collector, spec: TableSpec, data: TableData, table: ComputedTable, context: ComputeContext
) -> None:
    for column in spec.figures:
        cell = data.figure(column.key)
        if cell.raw is not None:  # a value: only a value cell carries one
            _check_value(out, cell.raw, column, None, None, context)
    # A period total beside complete months must agree with them.
    for column in spec.inputs:
        fallback = column.fallback
        if fallback is None or fallback.share_of is not None or table.total is None:
            continue
        reported_figure = table.figures.get(fallback.figure)
        reported = None if reported_figure is None else reported_figure.number
        summed = [r[column.key] for r in table.rows]
        if reported is None or not all(f.is_number or f.state is FigureState.NOT_APPLICABLE for f in summed):
            continue
        numbers = [n for n in (f.number for f in summed) if n is not None]
        months = sum(numbers, 0)
        if numbers and months != reported:
            figure = spec.figure(fallback.figure)
            assert figure is not None  # specs._check_input: a fallback names one of the spec's figures
            out.warning(
                "period_total_mismatch",
                None,
                fallback.figure,
                None,
                figure.label,
                f"{_amount(reported)} stämmer inte med summan av månaderna ({_amount(months)}).",
            )


def _decimals_of(value: Number) -> int:
    """How many decimals a stated figure was given with: 66 → 0, 65,6 → 1."""
    exponent = Decimal(value).normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _shown(value: Number, column: InputColumn, decimals: int) -> str:
    return format_percent(value, decimals) if column.percent else format_number(value, decimals)


def _check_stated(out: _Collector, spec: TableSpec, table: ComputedTable) -> None:
    """A stated period figure (InputColumn.checks) against what the engine computes.

    The computed figure is rounded as the stated one was given (66 % agrees with 65,6 %). A
    share the list cannot settle (top-N with a base) is a range: from what is listed to that
    plus everyone not placed; a stated figure inside it agrees. Nothing to compare, no warning.
    """
    for column in spec.figures:
        if column.checks is None:
            continue
        stated = table.figures[column.key].number
        if stated is None:
            continue
        if table.spec.column(column.checks) is not None:
            computed = table.total[column.checks] if table.total is not None else None
            high = None
        else:
            computed, high = table.summary.get(column.checks), table.summary.get(f"{column.checks}_max")
        low_number = None if computed is None else computed.number
        if low_number is None:
            continue
        high_number = low_number if high is None or high.number is None else high.number
        decimals = max(_decimals_of(stated), 0)
        low_rounded, high_rounded = _round(low_number, decimals), _round(high_number, decimals)
        if low_rounded <= stated <= high_rounded:
            continue
        shown_decimals = max(decimals, column.decimals)
        expected = (
            _shown(low_number, column, shown_decimals)
            if low_rounded == high_rounded
            else f"{_shown(low_number, column, shown_decimals)}–{_shown(high_number, column, shown_decimals)}"
        )
        out.warning(
            "stated_mismatch",
            None,
            column.key,
            None,
            column.label,
            f"angiven siffra {_shown(stated, column, shown_decimals)} skiljer sig från den beräknade "
            f"{expected}; kontrollera siffrorna eller förklara skillnaden.",
        )


def _check_computed(out: _Collector, table: ComputedTable) -> None:
    spec = table.spec
    for row in table.all_rows:
        key = row.key
        for column in spec.computed:
            value = row[column.key].number
            if value is None:
                continue
            if column.kind is ComputedKind.SHARE_OF_TOTAL and not row[column.columns[0]].is_number:
                continue  # a typed share, checked as an input
            if column.kind in (ComputedKind.SHARE, ComputedKind.SHARE_OF_TOTAL) and value > 100:
                parts = " och ".join(_label(spec, k) for k in column.columns)
                out.error(
                    "share_over_100",
                    key,
                    column.key,
                    row.label,
                    column.full_label,
                    f"andelen blir {format_percent(value, 1)}, över 100{PERCENT_SPACE}%; kontrollera {parts}.",
                )
            elif column.warn_above is not None and value > column.warn_above:
                out.warning(
                    "above_limit",
                    key,
                    column.key,
                    row.label,
                    column.full_label,
                    f"{format_percent(value, 1)} är över {format_percent(column.warn_above, 0)}; "
                    "kontrollera siffrorna eller förklara varför.",
                )
        for column in spec.computed:
            if column.kind is ComputedKind.NIGHTS and not row.is_total:
                first, last = row[column.columns[0]], row[column.columns[1]]
                if (start := _date(first)) is not None and (end := _date(last)) is not None and start > end:
                    out.error(
                        "date_order",
                        key,
                        column.columns[1],
                        row.label,
                        _label(spec, column.columns[1]),
                        f"ligger före {_label(spec, column.columns[0]).lower()}.",
                    )
    for share_column in spec.inputs:
        if share_column.percent and not share_column.total and table.rows:
            shares = [n for n in (r[share_column.key].number for r in table.rows) if n is not None]
            tolerance = Decimal("0.5") * len(shares)
            if shares and sum(shares, 0) > 100 + tolerance:
                out.error(
                    "shares_over_100",
                    TOTAL_KEY,
                    share_column.key,
                    spec.total_label,
                    share_column.full_label,
                    f"andelarna blir tillsammans {format_percent(sum(shares, 0), 1)}, över 100{PERCENT_SPACE}%.",
                )


def _date(figure: Figure) -> date | None:
    return figure.value if figure.state is FigureState.VALUE and isinstance(figure.value, date) else None


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
        before, after = change.previous.number, change.current.number
        # A change_percent is only worked out between two numbers.
        if change.change_percent is None or before is None or after is None or abs(change.change_percent) <= limit:
            continue
        if -CHANGE_FLOOR < before < CHANGE_FLOOR and -CHANGE_FLOOR < after < CHANGE_FLOOR:
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
    _check_stated(out, spec, table)
    _check_computed(out, table)
    _check_countries(out, table)
    _check_changes(out, table, previous)
    unique = {issue.id: issue for issue in out.issues}
    return tuple(sorted(unique.values(), key=lambda i: 0 if i.is_error else 1))
